"""The readiness ladder's automatic control as a state machine: a table of phases, signals and
transitions (documented in docs/model.md, "The readiness ladder"). The rung itself (normalläge,
stabsläge, ...) is the level; the phase says what the automatic control is doing about it.
"""

from __future__ import annotations

from enum import Enum


class Phase(Enum):
    """What the automatic control of the ladder is doing."""

    NORMAL = "normal"  # at normalläge; triggers are watched
    RAISED = "raised"  # at stabsläge or above; services still below operational
    STANDING_DOWN = "standing_down"  # raised, services operational: the stand-down delay runs
    STOOD_DOWN = "stood_down"  # stood down automatically; raised again only if services fall back


class Signal(Enum):
    """What happens to the ladder."""

    RAISE = "raise"  # a trigger's decision delay passed, or a decision raises the level
    LOWER_TO_NORMAL = "lower_to_normal"  # a decision lowers the level to normalläge
    OPERATIONAL = "operational"  # every affected service at or above `operational_at`
    BELOW_OPERATIONAL = "below_operational"  # an affected service below `operational_at`
    STAND_DOWN_DUE = "stand_down_due"  # the stand-down delay passed while operational
    NEW_FAILURE = "new_failure"  # another incident starts


class Effect(Enum):
    """What a transition does besides changing the phase."""

    NONE = "none"
    START_TIMER = "start_timer"  # draw the stand-down delay and start waiting
    CANCEL_TIMER = "cancel_timer"
    STAND_DOWN = "stand_down"  # lower the level to normalläge ("stood down")


P, S, E = Phase, Signal, Effect
TRANSITIONS: dict[tuple[Phase, Signal], tuple[Phase, Effect]] = {
    (P.NORMAL, S.RAISE): (P.RAISED, E.NONE),
    (P.STOOD_DOWN, S.RAISE): (P.RAISED, E.NONE),
    (P.RAISED, S.OPERATIONAL): (P.STANDING_DOWN, E.START_TIMER),
    (P.STANDING_DOWN, S.BELOW_OPERATIONAL): (P.RAISED, E.CANCEL_TIMER),
    (P.STANDING_DOWN, S.STAND_DOWN_DUE): (P.STOOD_DOWN, E.STAND_DOWN),
    (P.RAISED, S.LOWER_TO_NORMAL): (P.NORMAL, E.NONE),
    (P.STANDING_DOWN, S.LOWER_TO_NORMAL): (P.NORMAL, E.CANCEL_TIMER),
    (P.STOOD_DOWN, S.BELOW_OPERATIONAL): (P.NORMAL, E.NONE),
    (P.STOOD_DOWN, S.NEW_FAILURE): (P.NORMAL, E.NONE),
}
"""Every transition; a signal a phase has no row for leaves it as it is (raising a raised level
further, for one)."""

WATCHES_TRIGGERS = frozenset({P.NORMAL, P.RAISED, P.STANDING_DOWN})
"""Phases in which the escalation triggers may raise the level (while an outage lasts)."""


class Ladder:
    """The phase of one replication's ladder, and the stand-down timer it may run."""

    def __init__(self) -> None:
        self.phase = Phase.NORMAL
        self.timer = 0  # the running stand-down timer's number; 0 when none runs
        self._timers = 0

    def fire(self, signal: Signal) -> Effect:
        """Take `signal`; the effect the caller carries out."""
        row = TRANSITIONS.get((self.phase, signal))
        if row is None:
            return Effect.NONE
        self.phase, effect = row
        if effect is Effect.START_TIMER:
            self._timers += 1
            self.timer = self._timers
        elif effect in (Effect.CANCEL_TIMER, Effect.STAND_DOWN):
            self.timer = 0
        return effect
