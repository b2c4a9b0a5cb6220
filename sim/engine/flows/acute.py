"""Acute patients: one record per patient, queued first come, first served at each unit.

A unit has `servers` patients in treatment at once; treatment takes `service_time / capacity`
with the capacity at the moment treatment starts (interruption rule **finish**: a patient in
treatment when capacity changes finishes at the pace it started at). Patients are diverted (turned
away, counted) only when the unit can take no one at all, when the queue has reached
`divert_queue_length`, or when they need a bed and none is free. With no outage this is exactly
an M(t)/G/c queue, checked against Erlang C in the tests.
"""

from __future__ import annotations

import heapq
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

    def spliced(self, later: Arrivals, at_h: float) -> Arrivals:
        """These patients up to `at_h` and `later`'s from then on (a run branching at `at_h`)."""
        mine, theirs = self.time < at_h, later.time >= at_h

        def join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return np.concatenate((a[mine], b[theirs]))

        step, unit = join(self.step, later.step), join(self.unit, later.unit)
        counts = np.zeros_like(self.counts)
        np.add.at(counts, (unit, step), 1)
        return Arrivals(counts, step, unit, join(self.time, later.time), join(self.service, later.service),
                        join(self.admitted, later.admitted))


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
    return Arrivals(counts, step_idx_all, unit_idx_all, times_all, service_all, admitted_all)


def acute_flow(
    grid: TimeGrid,
    unit: CareUnit,
    capacity: np.ndarray,
    free_beds: np.ndarray | None,
    arrivals: Arrivals,
    budget: Budget,
) -> AcuteResult:
    a = unit.acute
    assert a is not None
    n, step = grid.n, grid.step_h
    horizon = grid.horizon_h
    counts = arrivals.counts
    m_total = int(counts.sum())
    step_idx_all, unit_idx_all = arrivals.step, arrivals.unit
    times_all, service_all, admitted_all = arrivals.time, arrivals.service, arrivals.admitted

    # Next moment with capacity, for patients arriving while the unit can treat no one.
    up = capacity > 0
    up_steps = np.flatnonzero(up)
    nxt = np.searchsorted(up_steps, np.arange(n))
    next_up = np.where(nxt < len(up_steps), up_steps[np.minimum(nxt, len(up_steps) - 1)] * step, np.inf)

    diverted_mask = ~up[step_idx_all]
    if free_beds is not None:
        diverted_mask |= admitted_all & (free_beds[step_idx_all] <= 0)

    cap_list = capacity.tolist()
    next_up_list = next_up.tolist()
    starts_all = np.full(m_total, np.inf)
    limit = a.divert_queue_length
    servers = a.servers
    order = np.lexsort((times_all, unit_idx_all))
    bounds = np.searchsorted(unit_idx_all[order], np.arange(unit.count + 1))
    processed = 0
    for j in range(unit.count):
        idx = order[bounds[j] : bounds[j + 1]]
        d_list = diverted_mask[idx].tolist()
        queue_rule = _Queue(servers, limit, step, n, cap_list, next_up_list)
        starts_all[idx] = queue_rule.serve(times_all[idx].tolist(), service_all[idx].tolist(), d_list)
        diverted_mask[idx] = d_list
        processed += len(idx)
        if processed > 200_000:
            budget.check_time()
            processed = 0

    keep = ~diverted_mask
    t_kept = times_all[keep]
    s_kept = starts_all[keep]
    served_mask = s_kept <= horizon
    waits = s_kept[served_mask] - t_kept[served_mask]
    ends = (np.arange(n) + 1) * step
    queue = np.searchsorted(np.sort(t_kept), ends, side="right") - np.searchsorted(
        np.sort(s_kept), ends, side="right"
    )
    diverted_by_step = np.bincount(step_idx_all[diverted_mask], minlength=n)
    started = s_kept[served_mask]
    started_by_step = np.bincount(np.minimum((started / step).astype(np.int64), n - 1), minlength=n)
    return AcuteResult(
        arrivals=m_total,
        diverted=int(diverted_mask.sum()),
        served=int(served_mask.sum()),
        waiting_at_end=int((~served_mask).sum()),
        wait_sum_h=float(waits.sum()),
        waits=waits,
        queue=queue,
        diverted_by_step=diverted_by_step,
        arrivals_by_step=counts.sum(axis=0),
        started_by_step=started_by_step,
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
        out = [np.inf] * len(t_list)
        heap = [0.0] * self.servers
        waiting: list[float] = []
        for i, t in enumerate(t_list):
            if d_list[i]:
                continue
            if limit is not None:
                while waiting and waiting[0] <= t:
                    heapq.heappop(waiting)
                if len(waiting) >= limit:
                    d_list[i] = True
                    continue
            f = heap[0]
            s = t if t > f else f
            k = int(s / step)
            if k >= n:
                out[i] = s
                heapq.heapreplace(heap, s)
                continue
            c = cap_list[k]
            if c <= 0:
                s = next_up_list[k]
                if s == np.inf:
                    continue
                k = int(s / step)
                c = cap_list[k] if k < n else 1.0
            heapq.heapreplace(heap, s + s_list[i] / c)
            out[i] = s
            if limit is not None and s > t:
                heapq.heappush(waiting, s)
        return out
