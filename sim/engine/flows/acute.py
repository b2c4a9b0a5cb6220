"""Acute patients: one record per patient, queued first come, first served at each unit.

A unit has `servers` patients in treatment at once; treatment takes `service_time / (capacity x
pace)` with the capacity and the pace (information loss) at the moment treatment starts (interruption rule **finish**: a patient in
treatment when capacity changes finishes at the pace it started at). Patients are diverted (turned
away, counted) only when the unit can take no one at all or when the queue has reached
`divert_queue_length`. A patient who needs a bed when none is free is treated here and then moved
to another hospital for admission (counted as diverted when treatment starts). With no outage
this is exactly an M(t)/G/c queue, checked against Erlang C in the tests.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from ...scenario.model import CareUnit
from ..budget import Budget
from ..grid import TimeGrid


@dataclass
class AcuteResult:
    arrivals: int
    diverted: int
    served: int  # treatment started within the horizon
    waiting_at_end: int
    wait_sum_h: float
    waits: np.ndarray  # waits of served patients (hours)
    queue: np.ndarray  # patients waiting at the end of each step
    diverted_by_step: np.ndarray
    arrivals_by_step: np.ndarray
    started_by_step: np.ndarray  # treatment starts in each step (non-diverted patients)
    wait_all_sum_h: float  # waits of every arrival (see `arrival_waits`)
    late_by_step: np.ndarray  # arrivals in each step not treated within the wait target


@dataclass
class Arrivals:
    """The acute patients of a unit (or group of units) over the horizon: when each arrives, at
    which of the group's units, how long treatment takes at full capacity, whether admitted.
    What arrives does not depend on the incident, so it is drawn apart from the queue."""

    counts: np.ndarray  # arrivals per unit of the group and step (units x steps)
    step: np.ndarray  # each patient's step
    unit: np.ndarray  # each patient's unit in the group
    time: np.ndarray  # each patient's arrival time (hours from the start)
    service: np.ndarray  # treatment time at full capacity (hours)
    admitted: np.ndarray  # needs a bed
    bed_luck: np.ndarray  # a uniform per patient: finds no bed when below the step's share short

    def spliced(self, later: Arrivals, at_h: float) -> Arrivals:
        """These patients up to `at_h` and `later`'s from then on (a run branching at `at_h`)."""
        mine, theirs = self.time < at_h, later.time >= at_h

        def join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return np.concatenate((a[mine], b[theirs]))

        step, unit = join(self.step, later.step), join(self.unit, later.unit)
        counts = np.zeros_like(self.counts)
        np.add.at(counts, (unit, step), 1)
        return Arrivals(counts, step, unit, join(self.time, later.time), join(self.service, later.service),
                        join(self.admitted, later.admitted), join(self.bed_luck, later.bed_luck))


def acute_arrivals(grid: TimeGrid, unit: CareUnit, rng: np.random.Generator) -> Arrivals:
    """Draw a unit's acute patients over the horizon."""
    a = unit.acute
    assert a is not None
    n, step = grid.n, grid.step_h
    lam = a.arrivals_per_day * grid.hourly_weights(a.profile.weights if a.profile else None)
    counts = rng.poisson(lam, size=(unit.count, n))
    m_total = int(counts.sum())
    step_idx_all = np.repeat(np.tile(np.arange(n), unit.count), counts.ravel())
    unit_idx_all = np.repeat(np.repeat(np.arange(unit.count), n), counts.ravel())
    times_all = (step_idx_all + rng.random(m_total)) * step
    service_all = a.service_time.sample_n(rng, m_total)
    admitted_all = rng.random(m_total) < a.admitted_fraction
    bed_luck = rng.random(m_total)  # drawn after the others, so that no other draw shifts
    return Arrivals(counts, step_idx_all, unit_idx_all, times_all, service_all, admitted_all, bed_luck)


def acute_flow(
    grid: TimeGrid,
    unit: CareUnit,
    capacity: np.ndarray,
    pace: np.ndarray,
    free_beds: np.ndarray | None,
    arrivals: Arrivals,
    budget: Budget,
) -> AcuteResult:
    a = unit.acute
    assert a is not None
    m_total = int(arrivals.counts.sum())
    step_idx_all, admitted_all = arrivals.step, arrivals.admitted
    diverted_mask = ~(capacity > 0)[step_idx_all]
    # Admitted patients who find no free bed are treated here, then moved to another hospital.
    no_bed = np.zeros(m_total, dtype=bool)
    if free_beds is not None:
        lam = a.arrivals_per_day * grid.hourly_weights(a.profile.weights if a.profile else None)
        short = no_bed_share(free_beds, unit.count * lam * a.admitted_fraction)
        no_bed = admitted_all & (arrivals.bed_luck < short[step_idx_all])
    starts_all = _treatment_starts(grid, unit, capacity, pace, arrivals, diverted_mask, budget)
    no_bed &= ~diverted_mask
    return _tally(grid, unit, arrivals, starts_all, diverted_mask, no_bed)


def _next_up(capacity: np.ndarray, step: float) -> np.ndarray:
    """Next moment with capacity, for patients arriving while the unit can treat no one."""
    up_steps = np.flatnonzero(capacity > 0)
    nxt = np.searchsorted(up_steps, np.arange(len(capacity)))
    return np.where(nxt < len(up_steps), up_steps[np.minimum(nxt, len(up_steps) - 1)] * step, np.inf)


def _treatment_starts(
    grid: TimeGrid,
    unit: CareUnit,
    capacity: np.ndarray,
    pace: np.ndarray,
    arrivals: Arrivals,
    diverted_mask: np.ndarray,
    budget: Budget,
) -> np.ndarray:
    """Each patient's start of treatment, every unit of the group queued on its own; patients
    diverted on the way (a full queue) are marked in `diverted_mask`."""
    a = unit.acute
    assert a is not None
    n, step = grid.n, grid.step_h
    times_all, service_all, unit_idx_all = arrivals.time, arrivals.service, arrivals.unit
    # Treatment goes at the unit's capacity (staff) times the pace information loss leaves.
    cap_list = treatment_speed(capacity, pace).tolist()
    next_up_list = _next_up(capacity, step).tolist()
    starts_all = np.full(len(times_all), np.inf)
    order = np.lexsort((times_all, unit_idx_all))
    bounds = np.searchsorted(unit_idx_all[order], np.arange(unit.count + 1))
    processed = 0
    for j in range(unit.count):
        idx = order[bounds[j] : bounds[j + 1]]
        d_list = diverted_mask[idx].tolist()
        queue_rule = _Queue(a.servers, a.divert_queue_length, step, n, cap_list, next_up_list)
        starts_all[idx] = queue_rule.serve(times_all[idx].tolist(), service_all[idx].tolist(), d_list)
        diverted_mask[idx] = d_list
        processed += len(idx)
        if processed > 200_000:
            budget.check_time()
            processed = 0
    return starts_all


def _tally(
    grid: TimeGrid,
    unit: CareUnit,
    arrivals: Arrivals,
    starts_all: np.ndarray,
    diverted_mask: np.ndarray,
    no_bed: np.ndarray,
) -> AcuteResult:
    """Counts, waits and per-step series of a unit's queued patients."""
    a = unit.acute
    assert a is not None
    n, step, horizon = grid.n, grid.step_h, grid.horizon_h
    times_all, step_idx_all = arrivals.time, arrivals.step
    keep = ~diverted_mask
    t_kept = times_all[keep]
    s_kept = starts_all[keep]
    moved = no_bed[keep]
    started_mask = s_kept <= horizon
    served_mask = started_mask & ~moved
    waits = s_kept[served_mask] - t_kept[served_mask]
    every = arrival_waits(times_all, starts_all, diverted_mask, horizon, a.diversion_delay)
    every = every + np.where(no_bed & (starts_all <= horizon), a.diversion_delay, 0.0)
    late = not_in_time(every, diverted_mask | no_bed, a.wait_target)
    ends = (np.arange(n) + 1) * step
    queue = np.searchsorted(np.sort(t_kept), ends, side="right") - np.searchsorted(
        np.sort(s_kept), ends, side="right"
    )

    def by_start(mask: np.ndarray) -> np.ndarray:
        started = s_kept[mask]
        return np.bincount(np.minimum((started / step).astype(np.int64), n - 1), minlength=n)

    # A patient moved for want of a bed counts as diverted when treatment here starts.
    diverted_by_step = np.bincount(step_idx_all[diverted_mask], minlength=n) + by_start(started_mask & moved)
    return AcuteResult(
        arrivals=len(times_all),
        diverted=int(diverted_mask.sum()) + int((started_mask & moved).sum()),
        served=int(served_mask.sum()),
        waiting_at_end=int((~started_mask).sum()),
        wait_sum_h=float(waits.sum()),
        waits=waits,
        queue=queue,
        diverted_by_step=diverted_by_step,
        arrivals_by_step=arrivals.counts.sum(axis=0),
        started_by_step=by_start(served_mask),
        wait_all_sum_h=float(every.sum()),
        late_by_step=np.bincount(step_idx_all[late], minlength=n),
    )


class _Queue:
    """One unit's acute queue: first come, first served by `servers` in parallel, at the step's
    capacity; a patient who finds `limit` waiting is diverted."""

    def __init__(
        self, servers: int, limit: int | None, step: float, n: int, cap: list[float], next_up: list[float]
    ) -> None:
        self.servers, self.limit, self.step, self.n = servers, limit, step, n
        self.cap, self.next_up = cap, next_up

    def serve(self, t_list: list[float], s_list: list[float], d_list: list[bool]) -> list[float]:
        """Start of treatment of each patient (inf: not within reach); diverts in `d_list`."""
        step, n, cap_list, next_up_list, limit = self.step, self.n, self.cap, self.next_up, self.limit
        bounded, most = limit is not None, limit or 0
        replace, push, pop, inf = heapq.heapreplace, heapq.heappush, heapq.heappop, math.inf
        out = [inf] * len(t_list)
        heap = [0.0] * self.servers
        waiting: list[float] = []
        for i, (t, service, diverted) in enumerate(zip(t_list, s_list, d_list, strict=True)):
            if diverted:
                continue
            if bounded:
                while waiting and waiting[0] <= t:
                    pop(waiting)
                if len(waiting) >= most:
                    d_list[i] = True
                    continue
            f = heap[0]
            s = t if t > f else f
            k = int(s / step)
            if k >= n:
                out[i] = s
                replace(heap, s)
                continue
            c = cap_list[k]
            if c <= 0:
                s = next_up_list[k]
                if s == inf:
                    continue
                k = int(s / step)
                c = cap_list[k] if k < n else 1.0
            replace(heap, s + service / c)
            out[i] = s
            if bounded and s > t:
                push(waiting, s)
        return out


def no_bed_share(free_beds: np.ndarray, admissions: np.ndarray) -> np.ndarray:
    """docs/model.md, beds: the share of the admitted acute patients of a step who find no bed,
    `1 - free / expected admissions` (0 when the free beds cover them, 1 when none is free): the
    beds are followed as expected values, so a small change of them gives a small change here."""
    return np.asarray(np.clip(1 - free_beds / np.maximum(admissions, 1e-12), 0.0, 1.0), dtype=float)


def treatment_speed(capacity: np.ndarray, pace: np.ndarray) -> np.ndarray:
    """docs/model.md, **Information loss in acute care**: treatment takes `service_time / (capacity
    x pace)`: staff moved to acute work raise the capacity, but not the pace lost with the records."""
    return np.asarray(capacity * pace, dtype=float)


def arrival_waits(
    arrivals: np.ndarray, starts: np.ndarray, diverted: np.ndarray, horizon: float, diversion_delay: float
) -> np.ndarray:
    """docs/model.md, **Honest acute KPIs**: the wait of every arrival. A treated patient waits
    until treatment starts; a diverted one the time it takes to be seen elsewhere
    (`diversion_delay`); one still waiting at the end has waited at least until the end."""
    waited = np.minimum(starts, horizon) - arrivals
    return np.where(diverted, diversion_delay, waited)


def not_in_time(waits: np.ndarray, diverted: np.ndarray, target: float) -> np.ndarray:
    """docs/model.md, **Honest acute KPIs**: arrivals not treated within `target` at their unit:
    every diverted patient, and every wait beyond the target."""
    return diverted | (waits > target + 1e-9)
