"""Time as the reference engine sees it: exact opening windows, and the capacity of every service
slot minute by minute.

Capacity comes from the same incident timeline and capacity model as the fast engine (system
health, stand-ins, mutual aid); the reference engine only reads it at a finer grain, the middle
of every minute, instead of the middle of every time step.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np

from ...scenario.model import WEEKDAYS, Scenario
from ...scenario.quantities import OpeningHours
from ..capacity import CapacityModel
from ..incident import IncidentTimeline
from .rules import acute_priority

MINUTES_PER_HOUR = 60
EPSILON_MIN = 1e-6
"""A moment computed as the start of a minute (m / 60) belongs to minute m, whatever the rounding."""


def minute_of(t: float) -> int:
    """The minute holding the moment `t` (hours from the start)."""
    return int(t * MINUTES_PER_HOUR + EPSILON_MIN)


@dataclass(frozen=True)
class OpenWindows:
    """The stretches of time (hours from the scenario's start) in which something is open,
    and the open time accumulated before each, to move between real time and open time."""

    spans: tuple[tuple[float, float], ...]
    open_before: tuple[float, ...]

    @classmethod
    def build(
        cls, start: datetime, horizon_h: float, hours: OpeningHours, days: tuple[str, ...] | None = None
    ) -> OpenWindows:
        offset = start.hour + start.minute / 60
        spans: list[tuple[float, float]] = []
        for day in range(-1, math.ceil((horizon_h + offset) / 24) + 1):
            weekday = WEEKDAYS[(start.weekday() + day) % 7]
            if days is not None and weekday not in days:
                continue
            day_start = day * 24 - offset
            a = max(0.0, day_start + hours.open_h)
            b = min(horizon_h, day_start + hours.close_h)
            if b > a:
                if spans and abs(spans[-1][1] - a) < 1e-9:  # round the clock: one long span
                    spans[-1] = (spans[-1][0], b)
                else:
                    spans.append((a, b))
        before, total = [], 0.0
        for a, b in spans:
            before.append(total)
            total += b - a
        return cls(tuple(spans), tuple(before))

    @cached_property
    def starts(self) -> list[float]:
        return [a for a, _ in self.spans]

    @property
    def total_h(self) -> float:
        if not self.spans:
            return 0.0
        a, b = self.spans[-1]
        return self.open_before[-1] + b - a

    def is_open(self, t: float) -> bool:
        i = bisect.bisect_right(self.starts, t) - 1
        return i >= 0 and t < self.spans[i][1]

    def span_index(self, t: float) -> int:
        """Index of the open span holding (or last opened before) `t`; -1 before the first."""
        return bisect.bisect_right(self.starts, t) - 1

    def minute_mask(self, minutes: int) -> np.ndarray:
        """For each minute of the horizon: open at its middle."""
        mask = np.zeros(minutes, dtype=bool)
        for a, b in self.spans:
            lo = max(0, math.ceil(a * MINUTES_PER_HOUR - 0.5 - 1e-9))
            hi = min(minutes, math.ceil(b * MINUTES_PER_HOUR - 0.5 - 1e-9))
            mask[lo:hi] = True
        return mask

    def open_time_at(self, t: float) -> float:
        """Open hours between the start and `t`."""
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0:
            return 0.0
        a, b = self.spans[i]
        return self.open_before[i] + min(t, b) - a

    def real_time(self, open_h: float) -> float:
        """The moment at which `open_h` open hours have passed since the start (inf if never)."""
        i = bisect.bisect_right(list(self.open_before), open_h) - 1
        if i < 0 or open_h > self.total_h:
            return math.inf
        a, _ = self.spans[i]
        return a + open_h - self.open_before[i]

    def next_open(self, t: float) -> float:
        """`t` if open then, else the next opening (inf if none within the horizon)."""
        i = bisect.bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.spans[i][1]:
            return t
        return self.spans[i + 1][0] if i + 1 < len(self.spans) else math.inf

    def closing_after(self, t: float) -> float:
        """End of the open span holding `t` (or of the next one)."""
        i = max(0, bisect.bisect_right(self.starts, t) - 1)
        for _, b in self.spans[i:]:
            if t < b:
                return b
        return math.inf


class MinuteCapacity:
    """Capacity of every service slot in every minute of the horizon (slots x minutes), as the
    capacity model gives it at the middle of the minute."""

    def __init__(self, model: CapacityModel, timeline: IncidentTimeline, horizon_h: float):
        self.model = model
        self.minutes = max(1, math.ceil(horizon_h * MINUTES_PER_HOUR - 1e-9))
        mids = (np.arange(self.minutes) + 0.5) / MINUTES_PER_HOUR
        table = np.ones((len(model.slots), self.minutes))
        base = np.ones((len(model.slots), self.minutes))
        pace = np.ones((len(model.slots), self.minutes))
        health = np.ones((len(model.system_ids), self.minutes))
        snaps = timeline.snapshots
        for i, (t, state) in enumerate(snaps):
            t_next = snaps[i + 1][0] if i + 1 < len(snaps) else math.inf
            lo = int(np.searchsorted(mids, t, side="left"))
            hi = int(np.searchsorted(mids, t_next, side="left"))
            if hi > lo:
                table[:, lo:hi] = model.capacity(state, mids[lo:hi])
                h = model.health(state.own)
                base[:, lo:hi] = model.base(h)[:, None]
                health[:, lo:hi] = h[:, None]
                pace[:, lo:hi] = model.pace(state, mids[lo:hi], h)
        self.table = table
        """Capacity with backup routines, alternative systems and aid (what care runs at)."""
        self.base = base
        """Capacity that the state of the IT systems alone leaves."""
        self.health = health
        """Health of every IT system (systems x minutes)."""
        self.pace = pace
        """Pace of acute treatment that information loss leaves (docs/model.md, **Information loss
        in acute care**)."""
        self._rows: dict[int, list[float]] = {}

    def systems_back(self, slots: list[int]) -> np.ndarray:
        """For each minute: none of these slots is short of a system."""
        back: np.ndarray = np.asarray((self.base[slots] >= 1 - 1e-9).all(axis=0))
        return back

    def minute(self, t: float) -> int:
        return min(self.minutes - 1, max(0, minute_of(t)))

    def row(self, slot: int) -> list[float]:
        """One slot's minutes as a Python list (fast to index one at a time)."""
        r = self._rows.get(slot)
        if r is None:
            r = self._rows[slot] = self.table[slot].tolist()
        return r

    def at(self, slot: int, t: float) -> float:
        return self.row(slot)[self.minute(t)]

    def pace_at(self, slot: int, t: float) -> float:
        return float(self.pace[slot, self.minute(t)])

    def next_minute_with(self, slot: int, t: float, above: float) -> float:
        """Start of the first minute from `t` on in which the slot's capacity exceeds `above`
        (`t` itself when it already does); inf if never within the horizon."""
        m = self.minute(t)
        row = self.table[slot, m:]
        hits = np.flatnonzero(row > above)
        if hits.size == 0:
            return math.inf
        return t if hits[0] == 0 else (m + int(hits[0])) / MINUTES_PER_HOUR

    def invalidate(self, slot: int) -> None:
        self._rows.pop(slot, None)


def give_acute_priority(capacity: MinuteCapacity, scenario: Scenario) -> None:
    """Move staff from planned to acute work, minute by minute, at units with both."""
    if not scenario.policies.acute_priority:
        return
    slot = capacity.model.slot_index
    table = capacity.table
    for u in scenario.region.units:
        if u.acute is not None and u.planned is not None:
            a, p = slot[(u.id, "acute")], slot[(u.id, "planned")]
            table[a], table[p] = acute_priority(table[a], table[p], u.acute.staff_share)
            capacity.invalidate(a)
            capacity.invalidate(p)


def apply_stockouts(capacity: MinuteCapacity, scenario: Scenario, out: dict[str, np.ndarray]) -> None:
    """Lower planned capacity at the units that use an item while it is out of stock (the lowest
    `stockout_capacity` of the items out)."""
    items = {c.id: c for c in scenario.region.consumables}
    for u in scenario.region.units:
        if u.planned is None or not u.consumables:
            continue
        factor = np.ones(capacity.minutes)
        for cid in u.consumables:
            factor = np.where(out[cid], np.minimum(factor, items[cid].stockout_capacity), factor)
        p = capacity.model.slot_index[(u.id, "planned")]
        capacity.table[p] *= factor
        capacity.invalidate(p)


def per_minute_events(per_h: np.ndarray) -> np.ndarray:
    """Moments at which a stream running at `per_h` an hour (one rate per minute) has produced a
    whole event: the k-th comes where the stream's running total reaches k, exactly to the
    minute's share of it."""
    before = np.concatenate(([0.0], np.cumsum(per_h / MINUTES_PER_HOUR)))
    total = int(np.floor(before[-1] + 1e-9))
    if total <= 0:
        return np.zeros(0)
    k = np.arange(1, total + 1, dtype=float)
    minute = np.searchsorted(before, k - 1e-9, side="left") - 1
    minute = np.clip(minute, 0, len(per_h) - 1)
    within = (k - before[minute]) / np.maximum(before[minute + 1] - before[minute], 1e-12)
    times: np.ndarray = (minute + np.clip(within, 0.0, 1.0)) / MINUTES_PER_HOUR
    return times
