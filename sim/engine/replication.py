"""One replication: the incident machinery in SimPy, then the flows of patients, calls, beds and
supplies on the time grid, then KPIs, time series and the event log."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..scenario.model import Scenario
from ..vocabulary import (
    EXTRA_KPI_NAMES,
    KPI_NAMES,
    SERIES,
    TIME_KPIS,
    is_reported,
)
from .budget import Budget
from .capacity import CapacityModel
from .flows.acute import acute_flow
from .flows.beds import bed_flow
from .flows.calls import call_flow
from .flows.debt import debt_flow, overlap_hours
from .flows.planned import planned_flow
from .flows.priority import reallocate
from .flows.supplies import stock_flow
from .grid import TimeGrid
from .incident import Control, Event, IncidentRun, IncidentTimeline
from .streams import Streams

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


_PLANS: dict[int, Plan] = {}


def compile_plan(scenario: Scenario) -> Plan:
    plan = _PLANS.get(id(scenario))
    if plan is not None and plan.scenario is scenario:
        return plan
    model = CapacityModel(scenario)
    grid = TimeGrid.for_horizon(scenario.start, scenario.horizon, scenario.resolution)
    days = scenario.horizon / 24
    per_day = sum(
        u.count * ((u.acute.arrivals_per_day if u.acute else 0) + (u.planned.visits_per_day if u.planned else 0))
        for u in scenario.region.units
    ) + sum(p.count * p.calls_per_day * 2 for p in scenario.region.phone_lines)
    plan = Plan(scenario, model, grid, per_day * days)
    if len(_PLANS) > 16:
        _PLANS.clear()
    _PLANS[id(scenario)] = plan
    return plan


def capacity_grid(plan: Plan, timeline: IncidentTimeline) -> np.ndarray:
    """Capacity of every slot at the middle of every step (slots x steps)."""
    grid, model = plan.grid, plan.model
    mid = grid.t0 + grid.step_h / 2
    out = np.ones((len(model.slots), grid.n))
    snaps = timeline.snapshots
    times = [t for t, _ in snaps]
    for i, (t, state) in enumerate(snaps):
        t_next = times[i + 1] if i + 1 < len(snaps) else math.inf
        if t_next <= t:
            continue
        lo = np.searchsorted(mid, t, side="left")
        hi = np.searchsorted(mid, t_next, side="left")
        if hi > lo:
            out[:, lo:hi] = model.capacity(state, mid[lo:hi])
    return out


def simulate(
    scenario: Scenario,
    seed: int | np.random.SeedSequence = 0,
    *,
    control: Control | None = None,
    budget: Budget | None = None,
) -> Replication:
    """Play one replication of `scenario`."""
    return simulate_with_timeline(scenario, seed, control=control, budget=budget)[0]


def simulate_with_timeline(
    scenario: Scenario,
    seed: int | np.random.SeedSequence = 0,
    *,
    control: Control | None = None,
    budget: Budget | None = None,
) -> tuple[Replication, IncidentTimeline]:
    """One replication and the incident timeline behind it (system states and stand-ins over
    time), for the drill's status board."""
    plan = compile_plan(scenario)
    budget = budget or Budget()
    budget.check_contacts(plan.expected_contacts)
    streams = Streams(seed)
    control = control or Control()
    timeline = IncidentRun(scenario, plan.model, streams, control, budget).run()
    return _flows(plan, timeline, streams, budget), timeline


def _flows(plan: Plan, tl: IncidentTimeline, streams: Streams, budget: Budget) -> Replication:
    sc, model, grid = plan.scenario, plan.model, plan.grid
    n, step = grid.n, grid.step_h
    cap = capacity_grid(plan, tl)
    region = sc.region
    slot = model.slot_index

    # Acute priority moves staff from planned to acute work.
    if sc.policies.acute_priority:
        for u in region.units:
            if u.acute and u.planned:
                ai, pi = slot[(u.id, "acute")], slot[(u.id, "planned")]
                cap[ai], cap[pi] = reallocate(cap[ai], cap[pi], u.acute.staff_share)

    series: dict[str, np.ndarray] = {}
    kinds = model.kinds

    # Supplies first: a stock-out lowers planned capacity at the units that use the item.
    stockout_unit_hours = 0.0
    out_by_item: dict[str, np.ndarray] = {}
    for item in region.consumables:
        res = stock_flow(grid, item, cap[slot[(item.id, "ordering")]])
        series[f"stock:{item.id}"] = res.stock_days
        out_by_item[item.id] = res.out
    for u in region.units:
        if not u.consumables:
            continue
        out_any = np.zeros(n, dtype=bool)
        factor = np.ones(n)
        for cid in u.consumables:
            item = next(c for c in region.consumables if c.id == cid)
            out_any |= out_by_item[cid]
            factor = np.where(out_by_item[cid], np.minimum(factor, item.stockout_capacity), factor)
        stockout_unit_hours += float(out_any.sum()) * step * u.count
        if u.planned:
            cap[slot[(u.id, "planned")]] *= factor

    # Orders concerning each unit
    orders: dict[str, list] = {}
    for o in tl.cancel_orders:
        orders.setdefault(o.entity, []).append(o)

    kind_sum: dict[str, dict[str, np.ndarray]] = {}

    def add(metric: str, kind: str, values: np.ndarray) -> None:
        d = kind_sum.setdefault(metric, {})
        d[kind] = d[kind] + values if kind in d else values.astype(float)

    ledger: dict[str, dict[str, float]] = {
        "planned": dict(booked=0, held=0, cancelled=0, rebooked=0, backlog=0),
        "acute": dict(arrivals=0, served=0, waiting=0, diverted=0),
        "calls": dict(first_attempts=0, attempts=0, answered=0, unanswered=0, gave_up=0, waiting=0, retrying=0),
    }
    blocked_total = np.zeros(n)
    postponed_total = 0.0
    backlog_total = np.zeros(n)
    acute_wait_sum = 0.0
    acute_served = 0
    cancelled_ahead = cancelled_door = 0
    for u in region.units:
        free = None
        if u.beds is not None:
            beds = bed_flow(grid, u, cap[slot[(u.id, "discharge")]])
            add("blocked_beds", u.kind, beds.blocked)
            add("postponed_admissions", u.kind, np.cumsum(beds.postponed))
            blocked_total += beds.blocked
            postponed_total += float(beds.postponed.sum())
            free = beds.free_beds
        if u.acute is not None:
            ac = acute_flow(grid, u, cap[slot[(u.id, "acute")]], free, streams(f"acute:{u.id}"), budget)
            add("acute_queue", u.kind, ac.queue.astype(float))
            add("acute_arrived", u.kind, np.cumsum(ac.arrivals_by_step).astype(float))
            add("acute_started", u.kind, np.cumsum(ac.started_by_step).astype(float))
            add("cancelled_acute", u.kind, np.cumsum(ac.diverted_by_step).astype(float))
            led = ledger["acute"]
            led["arrivals"] += ac.arrivals
            led["served"] += ac.served
            led["waiting"] += ac.waiting_at_end
            led["diverted"] += ac.diverted
            acute_wait_sum += ac.wait_sum_h
            acute_served += ac.served
        if u.planned is not None:
            pl = planned_flow(grid, u, cap[slot[(u.id, "planned")]], orders.get(u.id, []), sc.policies.rebooking, streams(f"planned:{u.id}"))
            cancelled = pl.cancelled_ahead + pl.cancelled_at_door
            add("cancelled_planned", u.kind, np.cumsum(cancelled).astype(float))
            add("rebooked", u.kind, np.cumsum(pl.rebooked).astype(float))
            add("backlog", u.kind, pl.backlog.astype(float))
            add("planned_booked", u.kind, np.cumsum(pl.booked).astype(float))
            add("planned_held", u.kind, np.cumsum(pl.held).astype(float))
            backlog_total += pl.backlog
            led = ledger["planned"]
            led["booked"] += int(pl.booked.sum())
            led["held"] += int(pl.held.sum())
            led["cancelled"] += int(cancelled.sum())
            led["rebooked"] += int(pl.rebooked.sum())
            led["backlog"] += int(pl.backlog[-1])
            cancelled_ahead += int(pl.cancelled_ahead.sum())
            cancelled_door += int(pl.cancelled_at_door.sum())

    # Calls: fewer once patients are informed, until full operation.
    reduction = np.zeros(n)
    if tl.informed_at is not None:
        end = tl.full_operation if tl.full_operation is not None else math.inf
        mid = grid.t0 + step / 2
        share = sc.policies.escalation.call_reduction or 0.2
        reduction[(mid >= tl.informed_at) & (mid < end)] = share
    for line in region.phone_lines:
        cr = call_flow(grid, line, cap[slot[(line.id, "calls")]], reduction, streams(f"calls:{line.id}"))
        add("calls_unanswered", "phone", np.cumsum(cr.unanswered).astype(float))
        add("calls_attempts", "phone", np.cumsum(cr.attempts).astype(float))
        add("calls_answered", "phone", np.cumsum(cr.answered).astype(float))
        add("calls_waiting", "phone", cr.waiting.astype(float))
        led = ledger["calls"]
        led["first_attempts"] += cr.first_attempts
        led["attempts"] += int(cr.attempts.sum())
        led["answered"] += int(cr.answered.sum())
        led["unanswered"] += int(cr.unanswered.sum())
        led["gave_up"] += cr.gave_up_for_good
        led["waiting"] += cr.waiting_at_end
        led["retrying"] += cr.retrying_at_end

    # Administrative debt from backup routines
    debt_total = np.zeros(n)
    routines = {f"backup:{b.id}": b for b in sc.backup_routines}
    for u in region.units:
        slots_u = set(model.entity_slots.get(u.id, []))
        added = np.zeros(n)
        on_backup = np.zeros(n, dtype=bool)
        work = 0.0
        for key, uses in tl.standin_use.items():
            b = routines.get(key)
            if b is None:
                continue
            for start, end, used_slots in uses:
                if used_slots & slots_u:
                    hours = overlap_hours(grid, start, end)
                    added += hours * b.admin_debt_per_hour * b.compliance * u.count
                    on_backup |= hours > 0
                    work = max(work, b.back_entry_hours_per_day * u.count)
        if added.any():
            debt = debt_flow(grid, added, on_backup, work)
            add("admin_debt", u.kind, debt)
            debt_total += debt

    # Capacity per kind, weighted by normal volume
    for kind in kinds:
        idx = [i for i, s in enumerate(model.slots) if s.kind == kind]
        w = np.array([max(model.slots[i].weight_per_h, 1e-9) for i in idx])
        series[f"capacity:{kind}"] = (cap[idx] * w[:, None]).sum(axis=0) / w.sum()
    for entity, idx in model.entity_slots.items():
        series[f"unit_capacity:{entity}"] = cap[idx].min(axis=0)
    for metric, by_kind in kind_sum.items():
        for kind, values in by_kind.items():
            series[f"{metric}:{kind}"] = values
        if metric in TOTALLED:
            series[f"{metric}:all"] = np.sum(list(by_kind.values()), axis=0)
    level = np.zeros(n)
    for t, lv in tl.readiness:
        level[grid.t0 + step / 2 >= t] = lv
    series["readiness"] = level

    weights = np.array([s.weight_per_h for s in model.slots])
    lost = float(((1 - cap) * weights[:, None]).sum() * step / max(weights.sum(), 1e-12))

    first = tl.first_failure
    full = tl.full_operation if first is not None else None
    normal = None
    if full is not None:
        ends = grid.t0 + step
        clear = (backlog_total <= 0) & (debt_total <= 1e-9) & (blocked_total <= 1e-9) & (ends >= full)
        hits = np.flatnonzero(clear)
        if hits.size:
            normal = max(full, float(ends[hits[0]]) if hits[0] > 0 else full)
    nan = math.nan

    def since(t: float | None) -> float:
        return t - first if (t is not None and first is not None) else nan

    staff_h = 0.0
    for (t, lv), nxt in zip(tl.readiness, [*tl.readiness[1:], (sc.horizon, 0)], strict=True):
        if lv >= 1:
            staff_h += min(nxt[0], sc.horizon) - t

    acute_arrivals = ledger["acute"]["arrivals"]
    contacts = int(ledger["planned"]["booked"] + acute_arrivals + ledger["calls"]["first_attempts"])
    kpis = {
        "cancelled_planned": float(ledger["planned"]["cancelled"]),
        "cancelled_acute": float(ledger["acute"]["diverted"]),
        "rebooked": float(ledger["planned"]["rebooked"]),
        "backlog_at_end": float(ledger["planned"]["backlog"]),
        "calls_unanswered": float(ledger["calls"]["unanswered"]),
        "blocked_bed_days": float(blocked_total.sum() * step / 24),
        "stockout_unit_hours": stockout_unit_hours,
        "lost_capacity_h": lost,
        "detected_at_h": tl.first_detection if tl.first_detection is not None else nan,
        "full_operation_at_h": full if full is not None else nan,
        "normal_at_h": normal if normal is not None else nan,
        "time_to_detect_h": since(tl.first_detection),
        "time_to_full_operation_h": since(full),
        "time_to_normal_h": since(normal),
        "planned_booked": float(ledger["planned"]["booked"]),
        "cancelled_ahead": float(cancelled_ahead),
        "cancelled_at_door": float(cancelled_door),
        "acute_arrivals": float(acute_arrivals),
        "acute_wait_mean_h": acute_wait_sum / acute_served if acute_served else nan,
        "calls_gave_up": float(ledger["calls"]["gave_up"]),
        "staff_mode_h": staff_h,
        "postponed_admissions": postponed_total,
        "admin_debt_peak_h": float(debt_total.max()) if n else 0.0,
        "contacts": float(contacts),
    }
    milestones = {k: v for k, v in tl.milestones.items() if is_reported(k)}
    if normal is not None:
        milestones["normal"] = normal
    standin_use = {k: [(a, b) for a, b, _ in v] for k, v in tl.standin_use.items()}
    return Replication(
        kpis=kpis,
        milestones=milestones,
        series=series,
        step_h=step,
        events=tuple(tl.events),
        contacts=contacts,
        ledger=ledger,
        injects=tuple(tl.injects),
        decisions=tuple(tl.decisions),
        standin_use=standin_use,
        readiness=tuple(tl.readiness),
    )
