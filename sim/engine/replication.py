"""One replication: the incident machinery in SimPy, then the flows of patients, calls, beds and
supplies on the time grid, then KPIs, time series and the event log."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..limits import Footprint, footprint
from ..scenario.assumptions import draw
from ..scenario.model import Scenario
from ..vocabulary import (
    EXTRA_KPI_NAMES,
    KPI_NAMES,
    NORMAL,
    SERIES,
    TIME_KPIS,
    is_reported,
)
from .budget import Budget
from .capacity import CapacityModel, CapacityState
from .collectors import COLLECTORS, FlowRun, kind_series, ordered_kpis, prioritise_acute
from .grid import TimeGrid
from .incident import Control, Event, IncidentRun, IncidentTimeline
from .queue_watch import queue_levels
from .staff_mode import reinforce
from .streams import Branch, Streams

__all__ = ["EXTRA_KPI_NAMES", "KPI_NAMES", "TIME_KPIS", "Replication", "simulate", "simulate_with_timeline"]

TOTALLED = frozenset(s.name for s in SERIES if s.totalled)
"""Series also given summed over unit kinds, as `METRIC:all`."""


@dataclass(frozen=True)
class Replication:
    """What one replication gives: KPIs, milestones, time series and the event log."""

    kpis: dict[str, float]
    milestones: dict[str, float]
    series: dict[str, np.ndarray]
    step_h: float
    events: tuple[Event, ...]
    contacts: int
    ledger: dict[str, dict[str, float]] = field(default_factory=dict)
    injects: tuple[tuple[float, str], ...] = ()
    decisions: tuple[tuple[float, str, str], ...] = ()
    standin_use: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    readiness: tuple[tuple[float, int], ...] = ()


@dataclass
class Plan:
    """What a scenario compiles to once, reused by every replication."""

    scenario: Scenario
    model: CapacityModel
    grid: TimeGrid
    expected_contacts: float
    footprint: Footprint


_PLANS: dict[int, Plan] = {}


def compile_plan(scenario: Scenario, budget: Budget | None = None) -> Plan:
    """The scenario compiled for its replications; BudgetExceeded (before anything is built)
    when one replication cannot fit the limits."""
    plan = _PLANS.get(id(scenario))
    if plan is not None and plan.scenario is scenario:
        return plan
    fp = footprint(scenario)
    (budget or Budget()).check_footprint(fp)
    model = CapacityModel(scenario)
    grid = TimeGrid.for_horizon(scenario.start, scenario.horizon, scenario.resolution)
    days = scenario.horizon / 24
    per_day = sum(
        u.count * ((u.acute.arrivals_per_day if u.acute else 0) + (u.planned.visits_per_day if u.planned else 0))
        for u in scenario.region.units
    ) + sum(p.count * p.calls_per_day * 2 for p in scenario.region.phone_lines)
    plan = Plan(scenario, model, grid, per_day * days, fp)
    if len(_PLANS) > 16:
        _PLANS.clear()
    _PLANS[id(scenario)] = plan
    return plan


def capacity_grid(plan: Plan, timeline: IncidentTimeline) -> np.ndarray:
    """Capacity of every slot at the middle of every step (slots x steps)."""
    model = plan.model
    return _on_grid(plan, timeline, len(model.slots), lambda state, mid: model.capacity(state, mid))


def pace_grid(plan: Plan, timeline: IncidentTimeline) -> np.ndarray:
    """Pace of acute treatment of every slot at the middle of every step (slots x steps)."""
    model = plan.model
    return _on_grid(plan, timeline, len(model.slots), lambda state, mid: model.pace(state, mid))


def health_grid(plan: Plan, timeline: IncidentTimeline) -> np.ndarray:
    """Health of every IT system at the middle of every step (systems x steps): 1 working, 0 down,
    in between when a system it depends on with `effect: reduce` is down."""
    model = plan.model

    def health(state: CapacityState, mid: np.ndarray) -> np.ndarray:
        return np.repeat(model.health(state.own)[:, None], len(mid), axis=1)

    return _on_grid(plan, timeline, len(model.system_ids), health)


def base_grid(plan: Plan, health: np.ndarray) -> np.ndarray:
    """Capacity of every slot at every step without backup routines, alternative systems or aid:
    what the state of the IT systems alone leaves (slots x steps)."""
    return plan.model.base_over_time(health)


def _on_grid(
    plan: Plan,
    timeline: IncidentTimeline,
    rows: int,
    value: Callable[[CapacityState, np.ndarray], np.ndarray],
) -> np.ndarray:
    grid = plan.grid
    mid = grid.t0 + grid.step_h / 2
    out = np.ones((rows, grid.n))
    snaps = timeline.snapshots
    times = [t for t, _ in snaps]
    for i, (t, state) in enumerate(snaps):
        t_next = times[i + 1] if i + 1 < len(snaps) else math.inf
        if t_next <= t:
            continue
        lo = np.searchsorted(mid, t, side="left")
        hi = np.searchsorted(mid, t_next, side="left")
        if hi > lo:
            out[:, lo:hi] = value(state, mid[lo:hi])
    return out


def simulate(
    scenario: Scenario,
    seed: int | np.random.SeedSequence = 0,
    *,
    control: Control | None = None,
    budget: Budget | None = None,
    branch: Branch | None = None,
) -> Replication:
    """Play one replication of `scenario`."""
    return simulate_with_timeline(scenario, seed, control=control, budget=budget, branch=branch)[0]


def simulate_with_timeline(
    scenario: Scenario,
    seed: int | np.random.SeedSequence = 0,
    *,
    control: Control | None = None,
    budget: Budget | None = None,
    branch: Branch | None = None,
) -> tuple[Replication, IncidentTimeline]:
    """One replication and the incident timeline behind it (system states and stand-ins over
    time), for the drill's status board. With `branch`, the replication shares the past of the
    run with seed `branch.past` up to `branch.at_h` (its assumed numbers too) and draws what
    happens from then on from `seed` (see streams.py)."""
    scenario = draw(scenario, seed if branch is None else branch.past)  # assumed numbers written as ranges
    budget = budget or Budget()
    plan = compile_plan(scenario, budget)
    budget.check_contacts(plan.expected_contacts)
    control = control or Control()

    def make_streams() -> Streams:
        return Streams(seed) if branch is None else branch.streams(seed)

    timeline, streams, rep = play_incident(plan, make_streams, control, budget)
    return rep if rep is not None else _flows(plan, timeline, streams, budget), timeline


MAX_PASSES = 8
"""docs/model.md, **Queue triggers**: the most passes of the incident machinery over the queues of
the one before."""


def play_incident(
    plan: Plan, make_streams: Callable[[], Streams], control: Control, budget: Budget
) -> tuple[IncidentTimeline, Streams, Replication | None]:
    """The incident timeline, the streams it drew from (the care streams not yet drawn) and, when
    it is known already, the fast engine's replication of it.

    docs/model.md, **Queue triggers**: when a trigger watches the queues, the incident machinery
    runs again with the queues the flows of its last timeline give, until the readiness levels
    come out the same (what happens before a level changes does not depend on it, so each pass
    settles at least one more moment); every pass draws from fresh streams of the same seed."""
    sc = plan.scenario
    streams = make_streams()
    timeline = IncidentRun(sc, plan.model, streams, control, budget).run()
    if not (control.automatic_escalation and any(t.watches_queues for t in sc.policies.escalation.triggers)):
        return timeline, streams, None
    for _ in range(MAX_PASSES):
        rep = _flows(plan, timeline, make_streams(), budget)
        queues = queue_levels(rep.series, plan.grid.step_h)
        streams = make_streams()
        again = IncidentRun(sc, plan.model, streams, control, budget, queues).run()
        if again.readiness == timeline.readiness:
            return again, streams, rep
        timeline = again
    return timeline, streams, None


def _flows(plan: Plan, tl: IncidentTimeline, streams: Streams, budget: Budget) -> Replication:
    cap = capacity_grid(plan, tl)
    prioritise_acute(plan.scenario, plan.model, cap)
    reinforce(plan.scenario, plan.model, cap, plan.grid.t0 + plan.grid.step_h / 2, tl.readiness)
    health = health_grid(plan, tl)
    run = FlowRun(
        plan.scenario, plan.model, plan.grid, tl, cap, health, base_grid(plan, health), pace_grid(plan, tl),
        streams, budget,
    )
    for collector in COLLECTORS:
        collector.collect(run)
    milestones = {k: v for k, v in tl.milestones.items() if is_reported(k)}
    if run.normal_at is not None:
        milestones[NORMAL] = run.normal_at
    return Replication(
        kpis=ordered_kpis(run.kpis),
        milestones=milestones,
        series={**run.series, **kind_series(run)},
        step_h=plan.grid.step_h,
        events=tuple(tl.events),
        contacts=int(run.kpis["contacts"]),
        ledger=run.ledger,
        injects=tuple(tl.injects),
        decisions=tuple(tl.decisions),
        standin_use={k: [(a, b) for a, b, _ in v] for k, v in tl.standin_use.items()},
        readiness=tuple(tl.readiness),
    )
