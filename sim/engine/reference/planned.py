"""Planned visits, one by one (docs/model.md, "Care delivery", planned visits, **Slack** and
**Rebooking and overtime**).

Every visit is booked at its own moment inside the unit's opening hours. When its time comes it
is cancelled ahead (if a cancellation order covered it), held, or cancelled at the door. The unit
works through slots at `capacity / utilisation` of its normal booking rate: a slot goes to a held
visit booked for the same session if one is owed a slot, and otherwise to the cancelled visit that
has waited longest, once that patient has been told (`rebooking.notice` after the cancellation).
From `rebooking.start_after` after the unit's systems are back, extra sessions add
`rebooking.extra_capacity` of the normal volume, at the unit's capacity, for rebooked visits only.
A slot nobody takes is lost."""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import simpy

from ...scenario.model import CareUnit, RebookingPolicy
from ..incident import CancelOrder
from .clock import MINUTES_PER_HOUR, OpenWindows, per_minute_events
from .rules import (
    cancel_ahead_share,
    expected_share,
    hold_chance,
    overtime_allowed,
    overtime_slots_per_h,
    slack_slots_per_h,
)
from .world import World


@dataclass
class Visit:
    booked_h: float
    fate: str = "booked"  # held | cancelled_ahead | cancelled_at_door
    rebooked_h: float | None = None


class PlannedUnit:
    """The planned visits of one care unit entry (a group of `count` identical units)."""

    def __init__(
        self, world: World, unit: CareUnit, slot: int, windows: OpenWindows, orders: list[CancelOrder],
        rebooking: RebookingPolicy, rng: np.random.Generator,
    ):
        assert unit.planned is not None
        self.env, self.unit, self.slot = world.env, unit, slot
        self.capacity, self.windows, self.orders = world.capacity, windows, orders
        self.rebooking, self.rng, self.tally = rebooking, rng, world.tally
        self.utilisation = unit.planned.utilisation
        self.rate_per_h = unit.planned.visits_per_day * unit.count / unit.planned.opening_hours.length_h
        self.backlog: deque[Visit] = deque()
        self.visits: list[Visit] = []
        self.owed = 0  # held visits of the current session not yet given a slot
        self.session = -1

    # ------------------------------------------------------------------ bookings
    def bookings(self) -> list[float]:
        """Booked times: a Poisson process at the booking rate inside the opening hours."""
        times: list[float] = []
        for a, b in self.windows.spans:
            n = int(self.rng.poisson(self.rate_per_h * (b - a)))
            times.extend((a + (b - a) * self.rng.random(n)).tolist())
        times.sort()
        return times

    def day(self) -> Generator[simpy.Event, None, None]:
        """Each booked visit's time comes; what happens to it is decided then."""
        for t in self.bookings():
            yield self.env.timeout(t - self.env.now)
            self.arrive(Visit(t))

    def arrive(self, visit: Visit) -> None:
        t = visit.booked_h
        kind = self.unit.kind
        self.visits.append(visit)
        self.tally.count("planned_booked", kind, t)
        share = cancel_ahead_share(expected_share(self.orders, t), self.utilisation)
        if self.rng.random() < share:
            self.cancel(visit, "cancelled_ahead")
        elif self.rng.random() < hold_chance(self.capacity.at(self.slot, t), share, self.utilisation):
            visit.fate = "held"
            self.tally.count("planned_held", kind, t)
            self.in_session(t)
            self.owed += 1
        else:
            self.cancel(visit, "cancelled_at_door")

    def cancel(self, visit: Visit, how: str) -> None:
        visit.fate = how
        kind = self.unit.kind
        self.tally.count(how, kind, visit.booked_h)
        self.tally.count("cancelled_planned", kind, visit.booked_h)
        self.tally.change("backlog", kind, visit.booked_h, +1)
        self.backlog.append(visit)

    # ------------------------------------------------------------------ rebooking
    def in_session(self, t: float) -> None:
        """Slots owed to held visits are settled within an open span (a session): a new session
        starts with none owed."""
        session = self.windows.span_index(t)
        if session != self.session:
            self.session, self.owed = session, 0

    def slots(self) -> list[tuple[float, bool]]:
        """Moments of the unit's slots, and whether each is a slack slot (shared with the visits
        booked for the time) rather than an overtime slot (for rebooked visits only)."""
        cap = self.capacity.table[self.slot]
        is_open = self.windows.minute_mask(self.capacity.minutes)
        slack = per_minute_events(is_open * slack_slots_per_h(self.rate_per_h, cap, self.utilisation))
        m = np.arange(self.capacity.minutes)
        back = self.capacity.systems_back(self.capacity.model.entity_slots[self.unit.id])
        last_short_end = np.maximum.accumulate(np.where(~back, m + 1, -(10**9))) / MINUTES_PER_HOUR
        allowed = overtime_allowed(back, m / MINUTES_PER_HOUR - last_short_end, self.rebooking.start_after)
        extra = is_open * allowed * overtime_slots_per_h(self.rate_per_h, cap, self.rebooking.extra_capacity)
        overtime = per_minute_events(extra)
        out = [(float(t), True) for t in slack] + [(float(t), False) for t in overtime]
        out.sort()
        return out

    def rebook(self) -> Generator[simpy.Event, None, None]:
        """Each slot goes to a held visit owed one, else to the longest-waiting told patient."""
        notice = self.rebooking.notice
        for t, is_slack in self.slots():
            yield self.env.timeout(max(0.0, t - self.env.now))
            if is_slack:
                self.in_session(t)
                if self.owed > 0:
                    self.owed -= 1
                    continue
            if self.backlog and self.backlog[0].booked_h + notice <= t + 1e-12:
                visit = self.backlog.popleft()
                visit.rebooked_h = t
                self.tally.count("rebooked", self.unit.kind, t)
                self.tally.change("backlog", self.unit.kind, t, -1)
