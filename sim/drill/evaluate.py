"""The hot wash checklist: the scenario's expected actions checked against what the group did.

An expected action is met when the group took a matching action (from the catalogue or through a
decision point's option) no later than `within` after the milestone `after` on the drill's played
timeline. Only the group's own actions count: in a drill the policies decide nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..i18n import N_, _
from ..scenario.model import Action, ExpectedAction
from ..vocabulary import READINESS_LEVELS
from .session import EPS, Drill, span_text

Status = Literal["met", "late", "missed", "open", "not_applicable"]
STATUS_TEXT = {
    "met": N_("met"),
    "late": N_("late"),
    "missed": N_("not done"),
    "open": N_("not yet due"),
    "not_applicable": N_("did not arise"),
}


@dataclass(frozen=True)
class Check:
    expected: ExpectedAction
    status: Status
    reference_h: float | None  # when the milestone was reached
    due_h: float | None
    done_h: float | None
    detail: str

    @property
    def status_text(self) -> str:
        """The status in the current language."""
        return _(STATUS_TEXT[self.status])


def matches(expected: Action, done: Action) -> bool:
    """Whether `done` fulfils `expected`: the same kind, and the same target (a higher readiness
    level counts for raising, a lower for lowering; cancelling at every unit counts for one)."""
    if expected.do != done.do:
        return False
    if expected.target is None:
        return True
    if expected.do == "raise_readiness":
        return READINESS_LEVELS.index(done.target or "stabslage") >= READINESS_LEVELS.index(expected.target)
    if expected.do == "lower_readiness":
        return READINESS_LEVELS.index(done.target or "normallage") <= READINESS_LEVELS.index(expected.target)
    if expected.do == "cancel_planned":
        return done.target in (None, expected.target)
    return done.target == expected.target


def group_actions(drill: Drill) -> list[tuple[float, Action, str]]:
    """Every action the group took, with its time and where it came from."""
    out: list[tuple[float, Action, str]] = []
    for ta in drill.timed_actions():
        out.append((ta.t_h, ta.action, ta.source))
    return out


def checklist(drill: Drill) -> list[Check]:
    """The scenario's expected actions against the drill, as of the drill's clock."""
    played = drill.played()
    milestones = played.milestones
    actions = [a for a in group_actions(drill) if a[0] <= drill.clock_h + EPS]
    checks = []
    for exp in drill.scenario.exercise.expected_actions:
        ref = milestones.get(exp.after)
        if ref is not None and ref > drill.clock_h + EPS:
            ref = None
        done = next((t for t, a, _src in actions if matches(exp.action, a)), None)
        if ref is None:
            status: Status = "not_applicable"
            detail = _("{moment} was not reached by {time}").format(moment=exp.after, time=drill.clock_text())
            if done is not None:
                detail += "; " + _("done at {time}").format(time=drill.clock_text(done))
            checks.append(Check(exp, status, None, None, done, detail))
            continue
        due = ref + exp.within
        if done is not None and done <= due + EPS:
            status = "met"
            after = max(0.0, done - ref)
            detail = _("done at {time}, {span} after {moment}").format(
                time=drill.clock_text(done), span=span_text(after), moment=exp.after)
        elif done is not None:
            status = "late"
            detail = _("done at {time}, {span} after the deadline ({deadline})").format(
                time=drill.clock_text(done), span=span_text(done - due), deadline=drill.clock_text(due))
        elif due > drill.clock_h + EPS:
            status = "open"
            detail = _("due by {time}").format(time=drill.clock_text(due))
        else:
            status = "missed"
            detail = _("not done; it was due by {time}").format(time=drill.clock_text(due))
        checks.append(Check(exp, status, ref, due, done, detail))
    return checks
