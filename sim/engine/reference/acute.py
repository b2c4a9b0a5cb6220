"""Acute patients, one by one (docs/model.md, "Care delivery", acute patients **finish**).

Each unit of a group has its own queue and `servers` places (a SimPy resource). A patient arriving
when the unit can treat no one or when the queue has reached `divert_queue_length` is diverted. The
others queue first come, first served; treatment takes `service_time / (capacity x pace)` at the
capacity and the pace (information loss) when it starts. A patient whose turn comes while the unit
can treat no one keeps the place and starts when capacity returns. A patient who needs a bed when
none is free is treated here, then moved to another hospital (counted as diverted when treatment
starts). Every arrival's wait counts (docs/model.md, **Honest acute KPIs**)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
import simpy

from ...scenario.model import CareUnit
from ..flows.acute import arrival_waits, not_in_time
from .world import World


@dataclass
class Patient:
    arrived_h: float
    service_h: float  # treatment time at full capacity
    admitted: bool  # needs a bed
    diverted: bool = False
    moved: bool = False  # treated here, then moved for want of a bed
    started_h: float | None = None


def arrival_times(unit: CareUnit, start_hour: float, horizon_h: float, rng: np.random.Generator) -> list[float]:
    """A Poisson process whose rate follows the hourly profile, clock hour by clock hour."""
    a = unit.acute
    assert a is not None
    weights = np.asarray(a.profile.weights if a.profile else [1.0] * 24, dtype=float)
    per_hour = a.arrivals_per_day * weights / weights.sum()
    # Edges of the clock hours, in hours from the start.
    first = -(start_hour % 1)
    edges = np.arange(first, horizon_h + 1, 1.0)
    lo, hi = np.clip(edges[:-1], 0, horizon_h), np.clip(edges[1:], 0, horizon_h)
    clock = np.floor(start_hour + edges[:-1] + 1e-9).astype(int) % 24
    counts = rng.poisson(per_hour[clock] * (hi - lo))
    times = np.repeat(lo, counts) + rng.random(int(counts.sum())) * np.repeat(hi - lo, counts)
    out: list[float] = np.sort(times).tolist()
    return out


class AcuteUnit:
    """One unit's queue (a unit of a group; the group shares capacity and beds)."""

    def __init__(
        self, world: World, unit: CareUnit, slot: int, free_beds: Callable[[], float] | None,
        rng: np.random.Generator,
    ):
        assert unit.acute is not None
        self.env, self.unit, self.slot, self.capacity = world.env, unit, slot, world.capacity
        self.free_beds, self.rng, self.tally = free_beds, rng, world.tally
        self.places = simpy.Resource(world.env, capacity=unit.acute.servers)
        self.patients: list[Patient] = []

    def arrivals(self, times: list[float]) -> Generator[simpy.Event, None, None]:
        a = self.unit.acute
        assert a is not None
        services = a.service_time.sample_n(self.rng, len(times)).tolist()
        admitted = (self.rng.random(len(times)) < a.admitted_fraction).tolist()
        for t, service, adm in zip(times, services, admitted, strict=True):
            yield self.env.timeout(t - self.env.now)
            patient = Patient(t, max(0.0, float(service)), bool(adm))
            self.patients.append(patient)
            self.tally.count("acute_arrived", self.unit.kind, t)
            if self.must_divert(patient):
                patient.diverted = True
                self.tally.count("cancelled_acute", self.unit.kind, t)
            else:
                patient.moved = patient.admitted and self.free_beds is not None and self.free_beds() <= 0
                self.env.process(self.treat(patient))

    def must_divert(self, patient: Patient) -> bool:
        """Diverted (turned away) only when the unit can take no one or when the queue is full."""
        a = self.unit.acute
        assert a is not None
        if self.capacity.at(self.slot, patient.arrived_h) <= 0:
            return True
        return a.divert_queue_length is not None and len(self.places.queue) >= a.divert_queue_length

    def settle(self, horizon_h: float) -> None:
        """At the end: every arrival's wait, and the arrivals not treated in time, counted at their
        arrival (docs/model.md, **Honest acute KPIs**)."""
        a = self.unit.acute
        assert a is not None
        if not self.patients:
            return
        arrived = np.array([p.arrived_h for p in self.patients])
        starts = np.array([p.started_h if p.started_h is not None else np.inf for p in self.patients])
        diverted = np.array([p.diverted for p in self.patients])
        moved = np.array([p.moved for p in self.patients])
        waits = arrival_waits(arrived, starts, diverted, horizon_h, a.diversion_delay)
        waits = waits + np.where(moved & (starts <= horizon_h), a.diversion_delay, 0.0)
        late = not_in_time(waits, diverted | moved, a.wait_target)
        kind = self.unit.kind
        for t, w, is_late in zip(arrived.tolist(), waits.tolist(), late.tolist(), strict=True):
            self.tally.count("acute_wait_all_h", kind, t, w)
            if is_late:
                self.tally.count("acute_not_in_time", kind, t)

    def treat(self, patient: Patient) -> Generator[simpy.Event, None, None]:
        kind = self.unit.kind
        self.tally.change("acute_queue", kind, patient.arrived_h, +1)
        with self.places.request() as place:
            yield place
            capacity = self.capacity.at(self.slot, self.env.now)
            if capacity <= 0:
                back = self.capacity.next_minute_with(self.slot, self.env.now, 0.0)
                if back == float("inf"):
                    return  # never treated within the horizon: still waiting at the end
                yield self.env.timeout(back - self.env.now)
                capacity = self.capacity.at(self.slot, self.env.now)
            patient.started_h = self.env.now
            self.tally.change("acute_queue", kind, self.env.now, -1)
            # A patient moved for want of a bed counts as diverted when treatment here starts.
            self.tally.count("cancelled_acute" if patient.moved else "acute_started", kind, self.env.now)
            pace = self.capacity.pace_at(self.slot, self.env.now)
            yield self.env.timeout(patient.service_h / (capacity * pace))
