"""Beds and discharges, patient by patient (docs/model.md, "Care delivery", patient ready for
discharge **hold**, and the beds paragraph of the same table).

A ward (a unit entry's beds) has as many *turnover places* as patients at normal occupancy. Each
place turns over at the normal rate, during discharge hours only (a patient is ready after an
exponential stay of `length_of_stay` in days of discharge hours): its patient becomes ready for
discharge, and a new patient is admitted to it if a bed is free. That is the documented "in normal
operation admissions replace them one for one, so occupancy stays at its normal level", one
patient at a time; a place left empty tries again at its next turn.

Discharges go out at the pace the discharge service allows: up to `capacity x catch_up` times the
normal rate. A ready patient leaves at once if the service has a discharge to spare (it keeps at
most one it had time for and nobody needed); otherwise the patient waits in the bed (a blocked
bed), first come, first served, for the service's next discharge. Acute admissions take any free
bed; planned (elective) ones are postponed when fewer beds than half a day's acute admissions
would be left."""

from __future__ import annotations

from collections import deque
from collections.abc import Generator

import numpy as np
import simpy

from ...scenario.model import CareUnit
from .clock import OpenWindows, per_minute_events
from .rules import discharges_per_h, elective_reserve
from .world import World


class Ward:
    def __init__(self, world: World, unit: CareUnit, slot: int, windows: OpenWindows, rng: np.random.Generator):
        b = unit.beds
        assert b is not None
        capacity = world.capacity
        self.env, self.unit, self.rng, self.tally = world.env, unit, rng, world.tally
        self.windows = windows
        normal = unit.count * b.beds * b.occupancy
        self.beds = unit.count * b.beds * (1 + b.surge)
        self.places = [True] * round(normal)  # True: the place holds a patient not yet ready
        self.not_ready = len(self.places)
        self.held: deque[float] = deque()  # ready times of the patients waiting for a message
        self.reserve = elective_reserve(normal, b.length_of_stay, b.elective_share)
        self.turnover_per_open_h = 1 / (b.length_of_stay / 24 * b.discharge_hours.length_h)
        self.spare = 0  # discharges the service had time for and nobody needed (at most one)
        normal_per_h = normal * self.turnover_per_open_h
        pace = discharges_per_h(normal_per_h, capacity.table[slot], b.catch_up)
        self.discharge_times = per_minute_events(windows.minute_mask(capacity.minutes) * pace).tolist()

    def free_beds(self) -> float:
        return self.beds - self.not_ready - len(self.held)

    # ------------------------------------------------------------------ turnover
    def turnover(self) -> Generator[simpy.Event, None, None]:
        """The turns of all places: a Poisson process in discharge-hours time, each turn at a
        place drawn at random."""
        total_rate = len(self.places) * self.turnover_per_open_h
        open_h = self.windows.total_h
        if total_rate <= 0 or open_h <= 0:
            return
        n = int(self.rng.poisson(total_rate * open_h))
        at_open = np.sort(self.rng.random(n) * open_h).tolist()
        which = self.rng.integers(0, len(self.places), n).tolist()
        elective = (self.rng.random(n) < self.unit.beds.elective_share).tolist() if self.unit.beds else []
        for open_t, place, is_elective in zip(at_open, which, elective, strict=True):
            t = self.windows.real_time(open_t)
            yield self.env.timeout(max(0.0, t - self.env.now))
            if self.places[place]:
                self.places[place] = False
                self.not_ready -= 1
                self.ready()
            self.admit(place, is_elective)

    def ready(self) -> None:
        """A patient is ready to leave: at once if the service has a discharge to spare and no
        one is held up before them, else the patient stays in the bed until a discharge."""
        now = self.env.now
        if self.spare and not self.held:
            self.spare = 0
            return
        self.held.append(now)
        self.tally.change("blocked_beds", self.unit.kind, now, +1)

    def admit(self, place: int, elective: bool) -> None:
        free = self.free_beds()
        if elective and free < self.reserve + 1:
            self.tally.count("postponed_admissions", self.unit.kind, self.env.now)
            return
        if free < 1:
            return  # no bed: the place stays empty until its next turn
        self.places[place] = True
        self.not_ready += 1

    # ------------------------------------------------------------------ discharges
    def discharges(self) -> Generator[simpy.Event, None, None]:
        """The service's discharges, at its pace: each lets the longest-held patient go, or is
        kept (at most one) for the next patient who becomes ready."""
        for t in self.discharge_times:
            yield self.env.timeout(max(0.0, t - self.env.now))
            if self.held:
                self.held.popleft()
                self.tally.change("blocked_beds", self.unit.kind, t, -1)
            else:
                self.spare = 1
