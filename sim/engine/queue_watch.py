"""The queues as the crisis staff sees them, for the escalation triggers that watch them
(docs/model.md, "Readiness ladder", **Queue triggers**): the acute patients waiting, the share of
the last hour's calls unanswered and the beds held by patients ready to leave, at the end of every
time step, as the flows give them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..scenario.model import EscalationTrigger
from ..vocabulary import TOTAL, series_key

WINDOW_H = 1.0
"""The unanswered-call share is taken over the last hour (at least one time step)."""


@dataclass(frozen=True)
class QueueLevels:
    """The region's queues at the end of each time step."""

    step_h: float
    acute_queue: np.ndarray  # acute patients waiting
    unanswered_share: np.ndarray  # share of the last hour's call attempts unanswered (0 when none)
    blocked_beds: np.ndarray  # patients ready for discharge held in beds

    def holds(self, trigger: EscalationTrigger) -> np.ndarray:
        """For each time step: a queue condition of `trigger` holds at its end."""
        out = np.zeros(len(self.acute_queue), dtype=bool)
        if trigger.acute_queue is not None:
            out |= self.acute_queue >= trigger.acute_queue
        if trigger.unanswered_calls is not None:
            out |= self.unanswered_share >= trigger.unanswered_calls - 1e-12
        if trigger.blocked_beds is not None:
            out |= self.blocked_beds >= trigger.blocked_beds - 1e-9
        return out

    def holds_at(self, trigger: EscalationTrigger, t_h: float) -> bool:
        """A queue condition of `trigger` held at the end of the last time step over by `t_h`."""
        k = math.floor(t_h / self.step_h + 1e-9) - 1
        return 0 <= k < len(self.acute_queue) and bool(self.holds(trigger)[k])

    def moments(self, trigger: EscalationTrigger) -> list[float]:
        """The ends of the time steps at which a queue condition of `trigger` holds."""
        ends: list[float] = ((np.flatnonzero(self.holds(trigger)) + 1) * self.step_h).tolist()
        return ends


def queue_levels(series: dict[str, np.ndarray], step_h: float) -> QueueLevels:
    """The queues from a replication's time series."""
    n = len(series["readiness"])
    zeros = np.zeros(n)
    attempts = _per_step(series.get(series_key("calls_attempts", "phone"), zeros))
    unanswered = _per_step(series.get(series_key("calls_unanswered", "phone"), zeros))
    width = max(1, round(WINDOW_H / step_h))
    made, lost = _last(attempts, width), _last(unanswered, width)
    share = np.divide(lost, made, out=np.zeros(n), where=made > 0)
    return QueueLevels(
        step_h,
        np.asarray(series.get(series_key("acute_queue", TOTAL), zeros), dtype=float),
        share,
        np.asarray(series.get(series_key("blocked_beds", TOTAL), zeros), dtype=float),
    )


def _per_step(cumulative: np.ndarray) -> np.ndarray:
    return np.diff(np.asarray(cumulative, dtype=float), prepend=0.0)


def _last(per_step: np.ndarray, width: int) -> np.ndarray:
    """The sum over each step and the `width - 1` before it."""
    running = np.cumsum(per_step)
    out: np.ndarray = running - np.concatenate((np.zeros(width), running[:-width]))[: len(running)]
    return out
