"""One replication of the reference engine: the same incident machinery as the fast engine, then
care delivered to every visit, patient, caller, discharge and order one by one in SimPy, exact to
the minute, then the same KPIs, milestones and time series as the fast engine."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy

from ...scenario.assumptions import draw
from ...scenario.model import Scenario
from ...vocabulary import NORMAL, SERIES_BY_NAME, TOTAL, is_reported, series_key
from ..budget import Budget, BudgetExceeded
from ..collectors import ordered_kpis, staff_mode_hours
from ..deadlines import deadline_kpis
from ..incident import CancelOrder, Control, IncidentTimeline
from ..replication import Plan, Replication, compile_plan, play_incident
from ..staff_mode import reinforce
from ..streams import Streams
from .acute import AcuteUnit, arrival_times
from .beds import Ward
from .calls import KIND as PHONE
from .calls import PhoneLines
from .clock import (
    MINUTES_PER_HOUR,
    MinuteCapacity,
    OpenWindows,
    apply_stockouts,
    give_acute_priority,
)
from .debt import DebtCurve, debt_curves
from .planned import PlannedUnit
from .rules import call_demand
from .supplies import Store, out_of_stock, run_stores
from .tally import Tally
from .world import World

HOURS_BETWEEN_TIME_CHECKS = 6.0
SECONDS_PER_CONTACT = 2e-5
"""What the reference engine spends per expected contact, on the slow side of what `make bench`
measures (about 1e-5 s on a quiet core): the estimate that refuses a replication up front."""


def check_cost(plan: Plan, budget: Budget) -> None:
    """Refuse, before any work, a replication the reference engine could not finish in time."""
    budget.check_contacts(plan.expected_contacts)
    seconds = plan.expected_contacts * SECONDS_PER_CONTACT
    if seconds > budget.max_seconds:
        raise BudgetExceeded(
            f"the reference engine would take about {seconds:,.0f} s for one replication of about "
            f"{plan.expected_contacts:,.0f} contacts; the limit is {budget.max_seconds:g} s. "
            "Use the fast engine, or shorten the horizon or lower the volumes."
        )


@dataclass
class Care:
    """Everything care delivery left behind for the KPIs and series."""

    tally: Tally
    capacity: MinuteCapacity
    stores: dict[str, Store]
    debts: dict[str, DebtCurve]
    calls: list[PhoneLines]
    stockout_unit_hours: float


def simulate_reference(
    scenario: Scenario,
    seed: int | np.random.SeedSequence = 0,
    *,
    control: Control | None = None,
    budget: Budget | None = None,
) -> Replication:
    """Play one replication of `scenario` entity by entity."""
    return simulate_reference_with_timeline(scenario, seed, control=control, budget=budget)[0]


def simulate_reference_with_timeline(
    scenario: Scenario,
    seed: int | np.random.SeedSequence = 0,
    *,
    control: Control | None = None,
    budget: Budget | None = None,
) -> tuple[Replication, IncidentTimeline]:
    scenario = draw(scenario, seed)  # assumed numbers written as ranges: this replication's values
    plan = compile_plan(scenario)
    budget = budget or Budget()
    check_cost(plan, budget)
    # The incident machinery, queue triggers included, is the fast engine's (docs/model.md).
    timeline, streams, _rep = play_incident(plan, lambda: Streams(seed), control or Control(), budget)
    care = deliver_care(plan, timeline, streams, budget)
    return assemble(plan, timeline, care), timeline


# --------------------------------------------------------------------------- care delivery


def deliver_care(plan: Plan, timeline: IncidentTimeline, streams: Streams, budget: Budget) -> Care:
    sc, model = plan.scenario, plan.model
    region = sc.region
    horizon = sc.horizon
    capacity = MinuteCapacity(model, timeline, horizon)
    give_acute_priority(capacity, sc)
    reinforce_by_minute(capacity, sc, timeline)
    stores = run_stores(list(region.consumables), capacity)
    out = out_of_stock(stores)
    apply_stockouts(capacity, sc, out)
    stockout_unit_hours = 0.0
    for u in region.units:
        if u.consumables:
            any_out = np.logical_or.reduce([out[c] for c in u.consumables])
            stockout_unit_hours += float(any_out.sum()) / MINUTES_PER_HOUR * u.count

    env = simpy.Environment()
    tally = Tally()
    world = World(env, capacity, tally)
    orders: dict[str, list[CancelOrder]] = {}
    for o in timeline.cancel_orders:
        orders.setdefault(o.entity, []).append(o)
    slot = model.slot_index
    acute_units: list[AcuteUnit] = []
    start_hour = sc.start.hour + sc.start.minute / 60
    for u in region.units:
        ward = None
        if u.beds is not None:
            ward = Ward(world, u, slot[(u.id, "discharge")],
                        OpenWindows.build(sc.start, horizon, u.beds.discharge_hours), streams(f"beds:{u.id}"))
            env.process(ward.turnover())
            env.process(ward.discharges())
        if u.acute is not None:
            rng = streams(f"acute:{u.id}")
            for _ in range(u.count):
                unit = AcuteUnit(world, u, slot[(u.id, "acute")], ward.free_beds if ward is not None else None, rng)
                acute_units.append(unit)
                env.process(unit.arrivals(arrival_times(u, start_hour, horizon, rng)))
        if u.planned is not None:
            days = tuple(u.planned.open_days)
            pu = PlannedUnit(world, u, slot[(u.id, "planned")],
                             OpenWindows.build(sc.start, horizon, u.planned.opening_hours, days),
                             orders.get(u.id, []), sc.policies.rebooking, streams(f"planned:{u.id}"))
            env.process(pu.day())
            env.process(pu.rebook())
    calls = []
    for line in region.phone_lines:
        lines = PhoneLines(world, line, slot[(line.id, "calls")],
                           OpenWindows.build(sc.start, horizon, line.opening_hours),
                           call_demand(sc, model, timeline, line), streams(f"calls:{line.id}"), horizon)
        lines.start()
        calls.append(lines)
    _run(env, horizon, budget)
    for unit in acute_units:
        unit.settle(horizon)
    return Care(tally, capacity, stores, debt_curves(sc, capacity), calls, stockout_unit_hours)


def reinforce_by_minute(capacity: MinuteCapacity, scenario: Scenario, timeline: IncidentTimeline) -> None:
    """docs/model.md, **Staff mode acts**: the staff's reinforcements, at the middle of every minute."""
    mids = (np.arange(capacity.minutes) + 0.5) / MINUTES_PER_HOUR
    reinforce(scenario, capacity.model, capacity.table, mids, timeline.readiness)
    for slot in range(len(capacity.model.slots)):
        capacity.invalidate(slot)


def _run(env: simpy.Environment, horizon: float, budget: Budget) -> None:
    """Run to the horizon, checking the time budget every few simulated hours."""
    t = 0.0
    while t < horizon:
        t = min(horizon, t + HOURS_BETWEEN_TIME_CHECKS)
        env.run(until=t)
        budget.check_time()


# --------------------------------------------------------------------------- KPIs and series


def assemble(plan: Plan, tl: IncidentTimeline, care: Care) -> Replication:
    sc, grid = plan.scenario, plan.grid
    tally = care.tally
    horizon = sc.horizon
    whole = (0.0, horizon)
    ends = (np.arange(grid.n) + 1) * grid.step_h
    series = _series(plan, tl, care, ends)

    first = tl.first_failure
    full = tl.full_operation if first is not None else None
    normal = _normal_at(tally, care.debts, full, horizon)
    nan = math.nan

    def since(t: float | None) -> float:
        return t - first if (t is not None and first is not None) else nan

    booked = tally.total("planned_booked")
    arrivals = tally.total("acute_arrived")
    first_attempts = sum(c.first_attempts for c in care.calls)
    debt_total = _debt_total(care.debts)
    kpis = {
        "cancelled_planned": tally.total("cancelled_planned"),
        "cancelled_acute": tally.total("cancelled_acute"),
        "acute_not_in_time": tally.total("acute_not_in_time"),
        "rebooked": tally.total("rebooked"),
        "backlog_at_end": tally.total("cancelled_planned") - tally.total("rebooked"),
        "calls_unanswered": tally.total("calls_unanswered"),
        "blocked_bed_days": tally.level_area("blocked_beds", None, whole) / 24,
        "stockout_unit_hours": care.stockout_unit_hours,
        "lost_capacity_h": _lost_capacity_h(plan, care.capacity),
        "detected_at_h": tl.first_detection if tl.first_detection is not None else nan,
        "full_operation_at_h": full if full is not None else nan,
        "normal_at_h": normal if normal is not None else nan,
        "time_to_detect_h": since(tl.first_detection),
        "time_to_full_operation_h": since(full),
        "time_to_normal_h": since(normal),
        "planned_booked": booked,
        "cancelled_ahead": tally.total("cancelled_ahead"),
        "cancelled_at_door": tally.total("cancelled_at_door"),
        "acute_arrivals": arrivals,
        "acute_wait_mean_h": tally.total("acute_wait_all_h") / arrivals if arrivals else nan,
        "calls_gave_up": tally.total("calls_gave_up"),
        "staff_mode_h": staff_mode_hours(tl.readiness, horizon),
        "postponed_admissions": tally.total("postponed_admissions"),
        "admin_debt_peak_h": float(debt_total[1].max()) if debt_total[1].size else 0.0,
        "contacts": float(int(booked + arrivals + first_attempts)),
        **deadline_kpis(sc, tl.breaches),
        "first_failure_at_h": first if first is not None else nan,
        "observed_h": since(horizon),
    }
    ledger = _ledger(tally, care, horizon)
    milestones = {k: v for k, v in tl.milestones.items() if is_reported(k)}
    if normal is not None:
        milestones[NORMAL] = normal
    return Replication(
        kpis=ordered_kpis(kpis),
        milestones=milestones,
        series=series,
        step_h=grid.step_h,
        events=tuple(tl.events),
        contacts=int(kpis["contacts"]),
        ledger=ledger,
        injects=tuple(tl.injects),
        decisions=tuple(tl.decisions),
        standin_use={k: [(a, b) for a, b, _ in v] for k, v in tl.standin_use.items()},
        readiness=tuple(tl.readiness),
    )


def _ledger(tally: Tally, care: Care, horizon: float) -> dict[str, dict[str, float]]:
    end = np.array([horizon])
    waiting = float(tally.level_at("acute_queue", None, end + 1e-9)[0])
    return {
        "planned": {
            "booked": tally.total("planned_booked"),
            "held": tally.total("planned_held"),
            "cancelled": tally.total("cancelled_planned"),
            "rebooked": tally.total("rebooked"),
            "backlog": tally.total("cancelled_planned") - tally.total("rebooked"),
        },
        "acute": {
            "arrivals": tally.total("acute_arrived"),
            "served": tally.total("acute_started"),
            "waiting": waiting,
            "diverted": tally.total("cancelled_acute"),
        },
        "calls": {
            "first_attempts": float(sum(c.first_attempts for c in care.calls)),
            "attempts": tally.total("calls_attempts"),
            "answered": tally.total("calls_answered"),
            "unanswered": tally.total("calls_unanswered"),
            "gave_up": tally.total("calls_gave_up"),
            "waiting": float(tally.level_at("calls_waiting", None, end + 1e-9)[0]),
            "retrying": float(sum(c.retrying_at_end for c in care.calls)),
        },
    }


def _lost_capacity_h(plan: Plan, capacity: MinuteCapacity) -> float:
    weights = np.array([s.weight_per_h for s in plan.model.slots])
    if weights.sum() <= 0:
        return 0.0
    lost_h = (1 - capacity.table).sum(axis=1) / MINUTES_PER_HOUR
    return float((lost_h * weights).sum() / weights.sum())


def _debt_total(debts: dict[str, DebtCurve]) -> tuple[np.ndarray, np.ndarray]:
    """The region's debt (the sum over units) at every knot of any unit's curve."""
    if not debts:
        return np.zeros(0), np.zeros(0)
    knots = np.unique(np.concatenate([d.times for d in debts.values()]))
    return knots, np.sum([d.at(knots) for d in debts.values()], axis=0)


def _normal_at(tally: Tally, debts: dict[str, DebtCurve], full: float | None, horizon: float) -> float | None:
    """The first moment from full operation on with no planned backlog, no blocked beds and no
    administrative debt."""
    if full is None:
        return None
    backlog_t, backlog = tally.level_changes("backlog")
    blocked_t, blocked = tally.level_changes("blocked_beds")
    debt_t, debt = _debt_total(debts)
    candidates = np.unique(np.concatenate(([full], backlog_t, blocked_t, debt_t)))
    candidates = candidates[(candidates >= full) & (candidates <= horizon)]

    def after(times: np.ndarray, levels: np.ndarray, at: np.ndarray) -> np.ndarray:
        if times.size == 0:
            return np.zeros(len(at))
        idx = np.searchsorted(times, at, side="right") - 1
        return np.where(idx >= 0, levels[np.maximum(idx, 0)], 0.0)

    clear = (after(backlog_t, backlog, candidates) <= 0) & (after(blocked_t, blocked, candidates) <= 0)
    if debt_t.size:
        clear &= np.interp(candidates, debt_t, debt, left=0.0, right=float(debt[-1])) <= 1e-9
    hits = np.flatnonzero(clear)
    return float(candidates[hits[0]]) if hits.size else None


def _series(plan: Plan, tl: IncidentTimeline, care: Care, ends: np.ndarray) -> dict[str, np.ndarray]:
    sc, model, grid = plan.scenario, plan.model, plan.grid
    tally, capacity = care.tally, care.capacity
    series: dict[str, np.ndarray] = {}
    by_kind: dict[str, dict[str, np.ndarray]] = {}

    def cumulative(metric: str, kind: str) -> None:
        by_kind.setdefault(metric, {})[kind] = tally.cumulative(metric, kind, ends)

    def level(metric: str, kind: str, values: np.ndarray | None = None) -> None:
        by_kind.setdefault(metric, {})[kind] = (
            values if values is not None else tally.level_at(metric, kind, ends)
        )

    end_minute = np.minimum(capacity.minutes - 1, np.ceil(ends * MINUTES_PER_HOUR - 1e-9).astype(int) - 1)
    for item_id, store in care.stores.items():
        series[series_key("stock", item_id)] = np.asarray(store.level)[end_minute]
    for u in sc.region.units:
        if u.beds is not None:
            # The mean over each step, so that the series adds up to the bed-days exactly.
            edges = np.concatenate(([0.0], ends))
            area = tally.cumulative_area("blocked_beds", u.kind, edges)
            level("blocked_beds", u.kind, np.diff(area) / np.diff(edges))
            cumulative("postponed_admissions", u.kind)
        if u.acute is not None:
            level("acute_queue", u.kind)
            for metric in ("acute_arrived", "acute_started", "cancelled_acute", "acute_not_in_time"):
                cumulative(metric, u.kind)
        if u.planned is not None:
            for metric in ("cancelled_planned", "cancelled_ahead", "cancelled_at_door", "rebooked",
                           "planned_booked", "planned_held"):
                cumulative(metric, u.kind)
            level("backlog", u.kind)
    if sc.region.phone_lines:
        for metric in ("calls_unanswered", "calls_gave_up", "calls_attempts", "calls_answered"):
            cumulative(metric, PHONE)
        level("calls_waiting", PHONE)
    kinds = {u.id: u.kind for u in sc.region.units}
    for unit_id, curve in care.debts.items():
        d = by_kind.setdefault("admin_debt", {})
        d[kinds[unit_id]] = d.get(kinds[unit_id], np.zeros(len(ends))) + curve.at(ends)

    step_of_minute = _step_of_minute(capacity.minutes, grid.step_h, grid.n)
    for slot_kind in model.kinds:
        idx = [i for i, s in enumerate(model.slots) if s.kind == slot_kind]
        w = np.array([max(model.slots[i].weight_per_h, 1e-9) for i in idx])
        per_minute = (capacity.table[idx] * w[:, None]).sum(axis=0) / w.sum()
        series[series_key("capacity", slot_kind)] = _step_mean(per_minute, step_of_minute, grid.n)
    for entity, idx in model.entity_slots.items():
        series[series_key("unit_capacity", entity)] = _step_mean(capacity.table[idx].min(axis=0), step_of_minute, grid.n)
    for metric, values in by_kind.items():
        for values_kind, v in values.items():
            series[series_key(metric, values_kind)] = v
        if SERIES_BY_NAME[metric].totalled:
            series[series_key(metric, TOTAL)] = np.sum(list(values.values()), axis=0)
    readiness = np.zeros(grid.n)
    mid = grid.t0 + grid.step_h / 2
    for t, lv in tl.readiness:
        readiness[mid >= t] = lv
    series["readiness"] = readiness
    return series


def _step_of_minute(minutes: int, step_h: float, n: int) -> np.ndarray:
    mids = (np.arange(minutes) + 0.5) / MINUTES_PER_HOUR
    steps: np.ndarray = np.minimum(n - 1, np.floor(mids / step_h + 1e-9).astype(int))
    return steps


def _step_mean(per_minute: np.ndarray, step_of_minute: np.ndarray, n: int) -> np.ndarray:
    sums = np.bincount(step_of_minute, weights=per_minute, minlength=n)
    counts = np.bincount(step_of_minute, minlength=n)
    out: np.ndarray = np.where(counts > 0, sums / np.maximum(counts, 1), 1.0)
    return out
