"""The score of a drill: each expected action is a criterion with a weight and the points it gives
on time, late or missed (`weight` and `points` in the scenario); the score is the weighted sum of
the points earned over the points that could have been earned by the clock, with the reason for
each. Criteria not yet due, or whose milestone did not arise, give no points and count in no
maximum, so that a score part-way through a drill is fair to every team."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_, _
from ..scenario.model import ExpectedAction
from .evaluate import Check, checklist
from .session import Drill, span_text

SCORED = ("met", "late", "missed")
OUTCOME_TEXT = {"met": N_("on time"), "late": N_("late"), "missed": N_("missed")}


@dataclass(frozen=True)
class Criterion:
    """One expected action as scored: the points earned, the most it could give, and why."""

    expected: ExpectedAction
    check: Check
    outcome: str  # met | late | missed | open | not_applicable
    points: float | None  # None: not scored (not yet due, or did not arise)
    max_points: float | None
    reason: str

    def points_text(self) -> str:
        """`2 / 4`, or a dash when the criterion is not scored yet."""
        if self.points is None or self.max_points is None:
            return "–"
        return f"{points_text(self.points)} / {points_text(self.max_points)}"

    @property
    def outcome_text(self) -> str:
        return _(OUTCOME_TEXT[self.outcome]) if self.outcome in OUTCOME_TEXT else self.check.status_text


@dataclass(frozen=True)
class Score:
    """A team's score: its criteria, the points earned and the most that could be earned by now."""

    criteria: list[Criterion]

    @property
    def points(self) -> float:
        return sum(c.points or 0.0 for c in self.criteria)

    @property
    def max_points(self) -> float:
        return sum(c.max_points or 0.0 for c in self.criteria)

    @property
    def share(self) -> float | None:
        """Points over the most possible by now (None while nothing is scored yet)."""
        return self.points / self.max_points if self.max_points > 0 else None

    def text(self) -> str:
        """`7 of 10 points (70%)`, or that nothing is scored yet."""
        if self.share is None:
            return _("nothing scored yet")
        return _("{points} of {most} points ({share:.0%})").format(
            points=points_text(self.points), most=points_text(self.max_points), share=self.share)


def points_text(value: float) -> str:
    return f"{value:g}"


def _outcome(check: Check) -> str:
    """How a criterion went: late beyond the grace the scenario gives counts as missed."""
    exp = check.expected
    if check.status != "late" or exp.late_within is None:
        return check.status
    assert check.done_h is not None and check.due_h is not None
    return "late" if check.done_h - check.due_h <= exp.late_within + 1e-9 else "missed"


def criterion(check: Check) -> Criterion:
    exp = check.expected
    outcome = _outcome(check)
    if outcome not in SCORED:
        return Criterion(exp, check, outcome, None, None, check.detail)
    earned = exp.weight * getattr(exp.points, "on_time" if outcome == "met" else outcome)
    most = exp.weight * exp.points.on_time
    reason = check.detail
    if outcome == "missed" and check.status == "late":
        reason += "; " + _("more than {span} late counts as missed").format(span=span_text(exp.late_within or 0.0))
    reason += "; " + _("{outcome}: {points} × weight {weight}").format(
        outcome=_(OUTCOME_TEXT[outcome]), points=points_text(getattr(exp.points, "on_time" if outcome == "met" else outcome)),
        weight=points_text(exp.weight))
    return Criterion(exp, check, outcome, earned, most, reason)


def score(drill: Drill) -> Score:
    """The drill's score as of its clock."""
    return Score([criterion(c) for c in checklist(drill)])
