"""Planned visits: booked ahead, cancelled when capacity drops, rebooked afterwards.

A unit's normal planned capacity is its booked volume over `utilisation`: the rest is slack. What
happens to a booked visit when capacity goes (named, as ciw names its interruption rules):
- **cancel ahead**: visits inside a cancellation order's window are cancelled in advance, at the
  share the staff expects not to fit into the capacity it expects; those patients are told and
  rebooked, even if capacity comes back sooner (the price of deciding early);
- **cancel at the door**: a visit that is still booked when its time comes is held if capacity
  allows and otherwise cancelled on the spot;
- visits already under way when a system fails are finished (not modelled as lost).
Cancelled visits join a backlog. Once the patient has been contacted (`rebooking.notice`), a
visit takes whatever capacity is left after the visits booked for that time (**slack**), and
from `rebooking.start_after` after the unit's systems are back, extra sessions
(`rebooking.extra_capacity`) as well. Both scale with the unit's capacity, so the backlog is
worked off continuously: a small change of capacity gives a small change of the backlog.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...scenario.model import CareUnit, RebookingPolicy
from ..grid import TimeGrid
from ..incident import CancelOrder
from ..streams import Streams
from .queues import lindley


@dataclass
class PlannedResult:
    booked: np.ndarray
    held: np.ndarray
    cancelled_ahead: np.ndarray
    cancelled_at_door: np.ndarray
    rebooked: np.ndarray
    backlog: np.ndarray  # after each step: told, waiting for a new time
    normal_rate: np.ndarray


def expected_capacity(grid: TimeGrid, orders: list[CancelOrder]) -> np.ndarray:
    """The planned capacity the staff expects at each step: the lowest of the cancellation orders
    whose window holds the step's start (1 where no order does)."""
    expected = np.ones(grid.n)
    t0 = grid.t0
    for o in orders:
        window = (t0 >= o.t_h) & (t0 < o.until_h)
        expected[window] = np.minimum(expected[window], o.expected)
    return expected


def cancel_ahead_share(expected: np.ndarray, utilisation: float) -> np.ndarray:
    """docs/model.md, **Slack**: the share of bookings the staff cancels ahead, what it expects not
    to fit into the expected capacity (the bookings use `utilisation` of the normal capacity)."""
    return np.clip(1 - expected / utilisation, 0.0, 1.0)


def hold_chance(capacity: np.ndarray, cancel_share: np.ndarray, utilisation: float) -> np.ndarray:
    """docs/model.md, **cancel at the door**: a visit still booked is held while the capacity
    (in normal bookings, `capacity / utilisation`) covers the bookings left after cancelling ahead."""
    room = capacity / utilisation
    left = 1 - cancel_share
    return np.clip(np.where(left > 0, room / np.maximum(left, 1e-12), room), 0.0, 1.0)


def systems_back_allowed(grid: TimeGrid, systems_back: np.ndarray, start_after: float) -> np.ndarray:
    """docs/model.md, **Overtime**: steps at least `start_after` after the unit's systems were last
    short (always, for a unit that never lost a system)."""
    short_end = np.where(~systems_back, grid.t0 + grid.step_h, -np.inf)
    last_short = np.maximum.accumulate(short_end)
    return systems_back & (grid.t0 - last_short >= start_after - 1e-9)


def rebooking_slots(
    rate: np.ndarray, capacity: np.ndarray, held: np.ndarray, overtime: np.ndarray, utilisation: float
) -> np.ndarray:
    """docs/model.md, **Rebooking**: whole slots a step offers rebooked visits: the capacity left
    after the visits held (slack) plus the extra sessions, both at the unit's capacity."""
    spare = np.maximum(0.0, rate * capacity / utilisation - held)
    room = spare + overtime * capacity
    cum = np.floor(np.cumsum(room) + 1e-9)
    return np.diff(cum, prepend=0.0).astype(np.int64)


def planned_flow(
    grid: TimeGrid,
    unit: CareUnit,
    capacity: np.ndarray,
    systems_back: np.ndarray,
    orders: list[CancelOrder],
    rebooking: RebookingPolicy,
    streams: Streams,
    name: str,
) -> PlannedResult:
    """One unit's planned visits. Three sources of randomness, each its own stream: bookings
    (`NAME`), cancellations ahead (`NAME:ahead`) and visits held at the door (`NAME:held`)."""
    p = unit.planned
    assert p is not None
    u = p.utilisation
    rate = (
        p.visits_per_day * unit.count / p.opening_hours.length_h * grid.step_h
        * grid.open_fraction(p.opening_hours, list(p.open_days))
    )
    n, step = grid.n, grid.step_h
    booked = streams.over_steps(name, n, step, lambda g, k: g.poisson(rate[k]))
    share = cancel_ahead_share(expected_capacity(grid, orders), u)
    ahead = streams.over_steps(f"{name}:ahead", n, step, lambda g, k: g.binomial(booked[k], share[k]))
    remaining = booked - ahead
    hold = hold_chance(capacity, share, u)
    held = streams.over_steps(f"{name}:held", n, step, lambda g, k: g.binomial(remaining[k], hold[k]))
    at_door = remaining - held
    cancelled = (ahead + at_door).astype(np.int64)

    allowed = systems_back_allowed(grid, systems_back, rebooking.start_after)
    slots = rebooking_slots(rate, capacity, held, rebooking.extra_capacity * rate * allowed, u)
    lag = int(round(rebooking.notice / grid.step_h))
    told = np.concatenate((np.zeros(min(lag, grid.n), dtype=np.int64), cancelled[: grid.n - lag]))
    waiting = lindley(told, slots)
    before = np.concatenate(([0], waiting[:-1]))
    rebooked = before + told - waiting
    backlog = waiting + np.cumsum(cancelled) - np.cumsum(told)
    return PlannedResult(booked, held, ahead, at_door, rebooked, backlog, rate)
