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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ...scenario.model import CareUnit, RebookingPolicy
from ...scenario.quantities import OpeningHours
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


def expected_capacity(grid: TimeGrid, orders: list[CancelOrder], per_step: int) -> np.ndarray:
    """The planned capacity the staff expects in each minute (steps x `per_step` minutes): the
    lowest of the cancellation orders whose window holds the minute's middle (1 where none does).
    Exact to the minute, so a window that starts or ends inside a step covers only its part."""
    minutes = grid.n * per_step
    expected = np.ones(minutes)
    for o in orders:
        lo = max(0, math.ceil(o.t_h * 60 - 0.5 - 1e-9))
        hi = min(minutes, math.ceil(o.until_h * 60 - 0.5 - 1e-9))
        if hi > lo:
            expected[lo:hi] = np.minimum(expected[lo:hi], o.expected)
    return expected.reshape(grid.n, per_step)


@lru_cache(maxsize=64)
def _open_minutes(grid: TimeGrid, hours: OpeningHours, days: tuple[str, ...]) -> np.ndarray:
    return grid.open_minutes(hours, list(days))


def capacity_by_minute(grid: TimeGrid, capacity: np.ndarray, changes: Sequence[float], per_step: int) -> np.ndarray:
    """The capacity in each minute (steps x `per_step` minutes) from the capacity at each step's
    middle and the moments it can change (`changes`, hours from the start): in a step that a change
    splits, the minutes on the other side of the change from the middle take the capacity of the
    neighbouring step on their side, so that a capacity that comes back inside a step is back to the
    minute."""
    out = np.repeat(capacity[:, None], per_step, axis=1)
    step = grid.step_h
    for t in changes:
        k = int(math.floor(t / step))
        first = math.ceil(t * 60 - 0.5 - 1e-9) - k * per_step  # the first minute after the change
        if not 0 <= k < grid.n or not 0 < first < per_step:
            continue
        if t > (k + 0.5) * step:
            if k + 1 < grid.n:
                out[k, first:] = capacity[k + 1]
        elif k > 0:
            out[k, :first] = capacity[k - 1]
    return out


def fates(
    grid: TimeGrid, unit: CareUnit, capacity: np.ndarray, orders: list[CancelOrder],
    changes: Sequence[float] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """For each step, the chance that a visit booked in it is cancelled ahead and the chance that
    it is held, averaged over the open minutes of the step (a booked visit is equally likely at any
    of them), with the cancellation windows and the capacity's `changes` exact to the minute. A step
    that is not a whole number of minutes is taken as one moment, its start."""
    p = unit.planned
    assert p is not None
    u = p.utilisation
    per_step = grid.minutes_per_step
    if per_step is None:
        is_open = np.ones((grid.n, 1), dtype=bool)
        expected = np.ones((grid.n, 1))
        by_minute = capacity[:, None]
        for o in orders:
            window = (grid.t0 >= o.t_h) & (grid.t0 < o.until_h)
            expected[window, 0] = np.minimum(expected[window, 0], o.expected)
    else:
        is_open = _open_minutes(grid, p.opening_hours, tuple(p.open_days))
        expected = expected_capacity(grid, orders, per_step)
        by_minute = capacity_by_minute(grid, capacity, changes, per_step)
    share = cancel_ahead_share(expected, u)
    held = (1 - share) * hold_chance(by_minute, share, u)
    weight = np.maximum(is_open.sum(axis=1), 1)
    return (share * is_open).sum(axis=1) / weight, (held * is_open).sum(axis=1) / weight


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
    changes: Sequence[float] = (),
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
    ahead_chance, held_chance = fates(grid, unit, capacity, orders, changes)
    ahead = streams.over_steps(f"{name}:ahead", n, step, lambda g, k: g.binomial(booked[k], ahead_chance[k]))
    remaining = booked - ahead
    hold = np.clip(held_chance / np.maximum(1 - ahead_chance, 1e-12), 0.0, 1.0)
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
