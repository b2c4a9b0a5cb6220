"""Planned visits: booked ahead, cancelled when capacity drops, rebooked afterwards.

What happens to a booked visit when capacity goes (named, as ciw names its interruption rules):
- **cancel ahead**: visits inside a cancellation order's window are cancelled in advance, at the
  share the unit expects to lose; those patients are told and rebooked, even if capacity comes
  back sooner (the price of deciding early);
- **cancel at the door**: a visit that is still booked when its time comes is held if capacity
  allows and otherwise cancelled on the spot;
- visits already under way when a system fails are finished (not modelled as lost).
Cancelled visits join a backlog that is rebooked into extra capacity on full-capacity days, from
`rebooking.start_after` after the unit is back to full capacity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...scenario.model import CareUnit, RebookingPolicy
from ..grid import TimeGrid
from ..incident import CancelOrder
from .queues import lindley


@dataclass
class PlannedResult:
    booked: np.ndarray
    held: np.ndarray
    cancelled_ahead: np.ndarray
    cancelled_at_door: np.ndarray
    rebooked: np.ndarray
    backlog: np.ndarray  # after each step
    normal_rate: np.ndarray


def planned_flow(
    grid: TimeGrid,
    unit: CareUnit,
    capacity: np.ndarray,
    orders: list[CancelOrder],
    rebooking: RebookingPolicy,
    rng: np.random.Generator,
) -> PlannedResult:
    p = unit.planned
    assert p is not None
    rate = (
        p.visits_per_day * unit.count / p.opening_hours.length_h * grid.step_h
        * grid.open_fraction(p.opening_hours, list(p.open_days))
    )
    booked = rng.poisson(rate)
    expected = np.ones(grid.n)
    t0 = grid.t0
    for o in orders:
        window = (t0 >= o.t_h) & (t0 < o.until_h)
        expected[window] = np.minimum(expected[window], o.expected)
    ahead = rng.binomial(booked, np.clip(1 - expected, 0, 1))
    remaining = booked - ahead
    hold = np.where(expected > 0, np.clip(capacity / np.maximum(expected, 1e-12), 0, 1), capacity)
    held = rng.binomial(remaining, np.clip(hold, 0, 1))
    at_door = remaining - held
    cancelled = ahead + at_door

    bad = capacity < 0.999
    bad_end = np.where(bad, t0 + grid.step_h, -np.inf)
    last_bad = np.maximum.accumulate(bad_end)
    allowed = (~bad) & (t0 - last_bad >= rebooking.start_after - 1e-9)
    rebook_cap = rebooking.extra_capacity * rate * allowed
    cum = np.floor(np.cumsum(rebook_cap) + 1e-9)
    rebook_slots = np.diff(cum, prepend=0.0).astype(np.int64)
    backlog = lindley(cancelled.astype(np.int64), rebook_slots)
    before = np.concatenate(([0], backlog[:-1]))
    rebooked = before + cancelled - backlog
    return PlannedResult(booked, held, ahead, at_door, rebooked, backlog, rate)
