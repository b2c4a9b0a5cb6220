"""Several teams in one exercise: each team is a drill of its own (its decision log, clock, notes,
participant link and key, revision), and the exercise holds them together: one scenario and seed,
one facilitator key, and a clock that is shared (the facilitator moves it for every team) or the
teams' own. This module holds what works on several teams at once: moving a shared clock,
branching a team from a moment of its drill, and the numbers the facilitator's board shows side by
side. No streamlit here."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..i18n import _
from .board import board
from .deadlines import BreachRow, DeadlineInject
from .evaluate import Check, checklist
from .scoring import Score, criterion
from .session import EPS, Drill, DrillError, series_of, to_minute


def team_id(name: str, taken: set[str]) -> str:
    """A short id for a team's name (lower-case letters, digits, - and _), not one of `taken`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:24] or "team"
    if not base[0].isalnum():
        base = "team-" + base
    candidate, k = base, 2
    while candidate in taken:
        candidate, k = f"{base}-{k}", k + 1
    return candidate


def shared_advance(drills: list[Drill], *, to_h: float | None = None, by_h: float | None = None
                   ) -> tuple[list[Drill], str]:
    """Move a shared clock: every team behind the target moves to it, and the clock stops for all
    at the first decision point any of them meets on the way. With neither `to_h` nor `by_h`, to
    the next inject or decision point of any team."""
    now = max(d.clock_h for d in drills)
    horizon = drills[0].horizon_h
    if to_h is not None:
        target = to_h
    elif by_h is not None:
        target = now + by_h
    else:
        stops = [s[0] for d in drills if (s := d.next_stop()) is not None]
        target = min(stops) if stops else horizon
    target = to_minute(min(target, horizon))
    behind = [d for d in drills if d.clock_h < target - EPS]
    if not behind:
        raise DrillError(_("every team's clock is already at {clock}").format(clock=drills[0].clock_text(now)))
    moved = {id(d): d.advance(target) for d in behind}
    stop = min(new.clock_h for new, _m in moved.values())
    out, messages = [], []
    for d in drills:
        if d.clock_h < stop - EPS:
            new, message = d.advance(stop)
            out.append(new)
            if "decision point" in message and message not in messages:
                messages.append(message)
        else:
            out.append(d)
    head = _("every team's clock at {clock}").format(clock=drills[0].clock_text(stop))
    return out, head + (" (" + "; ".join(messages) + ")" if messages else "")


# --------------------------------------------------------------------------- the board

SO_FAR = ("cancelled_planned", "cancelled_at_door", "calls_unanswered", "cancelled_acute")
"""Counts the board shows for each team as they stand at its clock."""


@dataclass(frozen=True)
class TeamView:
    """One team as the facilitator's board shows it, at the team's clock."""

    name: str
    drill: Drill
    readiness: str
    patients_informed: bool
    waiting: list[str]  # questions waiting for the team
    so_far: dict[str, float]  # SO_FAR's counts by the clock
    checks: list[Check]
    breaches: list[BreachRow]

    @property
    def score(self) -> Score:
        return Score([criterion(c) for c in self.checks])


def so_far(drill: Drill) -> dict[str, float]:
    """The counts of SO_FAR on the drill's own course by its clock."""
    played = drill.played()
    n = played.steps_until(drill.clock_h)
    out = {}
    for name in SO_FAR:
        parts = series_of(played.rep, name)
        out[name] = float(sum(v[n - 1] for v in parts.values())) if n > 0 and parts else 0.0
    return out


def team_view(name: str, drill: Drill) -> TeamView:
    b = board(drill)
    return TeamView(
        name, drill, b.readiness, b.patients_informed, [dp.question for dp in drill.open_decisions()],
        so_far(drill), checklist(drill), b.breaches,
    )


@dataclass(frozen=True)
class TimelineItem:
    """Something that happened to a team, for the timeline of every team."""

    team: str
    t_h: float
    kind: str  # decision | action | left open | inject | deadline
    text: str


def timeline(teams: list[tuple[str, Drill]]) -> list[TimelineItem]:
    """The decisions, actions, injects and deadline breaches of every team by its clock, in time
    order."""
    items = []
    for name, drill in teams:
        for e in drill.entries:
            kind = {"option": "decision", "skip": "left open", "action": "action"}[e.kind]
            items.append(TimelineItem(name, e.t_h, kind, " ".join(drill.describe(e).split())))
        for t, inj in drill.delivered():
            kind = "deadline" if isinstance(inj, DeadlineInject) else "inject"
            items.append(TimelineItem(name, t, kind, " ".join(inj.title.split())))
    order = {"deadline": 0, "inject": 1, "decision": 2, "left open": 2, "action": 3}
    return sorted(items, key=lambda i: (i.t_h, order[i.kind], i.team))
