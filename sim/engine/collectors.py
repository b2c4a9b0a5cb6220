"""Per-flow collectors: each runs one flow of flows/ over every unit, phone line or item it
concerns, and owns the KPIs and series that flow gives. A replication runs them in order over one
shared `FlowRun` (capacity grid, cancellation orders, the incident timeline).

Every count KPI that has a cumulative series in sim/vocabulary.py gets it per unit kind, so a
count can be cut by time window (the series at the window's end minus at its start) and by kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..scenario.model import CareUnit, Scenario
from ..vocabulary import KPI, SERIES_BY_NAME, TOTAL, Split, series_key
from .budget import Budget
from .capacity import CapacityModel
from .deadlines import deadline_kpis
from .flows.acute import Arrivals, acute_arrivals, acute_flow
from .flows.beds import bed_flow
from .flows.calls import call_flow
from .flows.debt import debt_added, debt_flow, work_done_share
from .flows.planned import planned_flow, systems_back_allowed
from .flows.priority import reallocate
from .flows.supplies import stock_flow
from .grid import TimeGrid
from .incident import CancelOrder, IncidentTimeline
from .streams import Streams
from .surge import line_demand


@dataclass
class FlowRun:
    """What the collectors of one replication share and fill in."""

    scenario: Scenario
    model: CapacityModel
    grid: TimeGrid
    timeline: IncidentTimeline
    cap: np.ndarray  # capacity of every slot at every step; supplies lower planned capacity
    health: np.ndarray  # health of every IT system at every step
    base: np.ndarray  # capacity of every slot at every step that the IT systems alone leave
    pace: np.ndarray  # pace of acute treatment of every slot at every step (information loss)
    streams: Streams
    budget: Budget
    kpis: dict[str, float] = field(default_factory=dict)
    series: dict[str, np.ndarray] = field(default_factory=dict)
    by_kind: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    ledger: dict[str, dict[str, float]] = field(default_factory=dict)
    totals: dict[str, np.ndarray] = field(default_factory=dict)  # over all units, for time to normal
    free_beds: dict[str, np.ndarray] = field(default_factory=dict)
    normal_at: float | None = None

    def add(self, metric: str, kind: str, values: np.ndarray) -> None:
        """Add a unit's `values` to series `metric` of its kind."""
        if SERIES_BY_NAME[metric].split is not Split.KIND:
            raise KeyError(f"series {metric!r} is not split by kind")
        d = self.by_kind.setdefault(metric, {})
        d[kind] = d[kind] + values if kind in d else values.astype(float)

    def add_count(self, metric: str, kind: str, per_step: np.ndarray) -> None:
        """Add a unit's counts per step as the cumulative series `metric` of its kind."""
        self.add(metric, kind, np.cumsum(per_step).astype(float))

    def total(self, name: str, values: np.ndarray) -> None:
        self.totals[name] = self.totals[name] + values if name in self.totals else values.astype(float)

    def slot(self, entity: str, service: str) -> int:
        return self.model.slot_index[(entity, service)]

    def systems_back(self, entity: str) -> np.ndarray:
        """Steps in which none of the entity's services is short of a system."""
        return np.asarray((self.base[self.model.entity_slots[entity]] >= 1 - 1e-9).all(axis=0))

    def units_with(self, part: str) -> list[CareUnit]:
        return [u for u in self.scenario.region.units if getattr(u, part) is not None]


class Collector:
    """One flow: the KPIs and series it owns, and how it fills them in."""

    kpis: ClassVar[tuple[str, ...]] = ()
    series: ClassVar[tuple[str, ...]] = ()

    def collect(self, run: FlowRun) -> None:
        raise NotImplementedError


class Supplies(Collector):
    """Stock of each consumable; a stock-out lowers planned capacity at the units that use it."""

    kpis = ("stockout_unit_hours",)
    series = ("stock",)

    def collect(self, run: FlowRun) -> None:
        region, n, step = run.scenario.region, run.grid.n, run.grid.step_h
        out_by_item: dict[str, np.ndarray] = {}
        for item in region.consumables:
            res = stock_flow(run.grid, item, run.cap[run.slot(item.id, "ordering")], run.budget)
            run.series[series_key("stock", item.id)] = res.stock_days
            out_by_item[item.id] = res.out
        items = {c.id: c for c in region.consumables}
        unit_hours = 0.0
        for u in region.units:
            if not u.consumables:
                continue
            out_any = np.zeros(n, dtype=bool)
            factor = np.ones(n)
            for cid in u.consumables:
                out_any |= out_by_item[cid]
                factor = np.where(out_by_item[cid], np.minimum(factor, items[cid].stockout_capacity), factor)
            unit_hours += float(out_any.sum()) * step * u.count
            if u.planned:
                run.cap[run.slot(u.id, "planned")] *= factor
        run.kpis["stockout_unit_hours"] = unit_hours


class Beds(Collector):
    """Beds blocked by delayed discharges, and elective admissions postponed for want of a bed."""

    kpis = ("blocked_bed_days", "postponed_admissions")
    series = ("blocked_beds", "postponed_admissions")

    def collect(self, run: FlowRun) -> None:
        blocked = np.zeros(run.grid.n)
        postponed = 0.0
        for u in run.units_with("beds"):
            beds = bed_flow(run.grid, u, run.cap[run.slot(u.id, "discharge")], run.streams, run.budget)
            run.add("blocked_beds", u.kind, beds.blocked)
            run.add_count("postponed_admissions", u.kind, beds.postponed)
            blocked += beds.blocked
            postponed += float(beds.postponed.sum())
            run.free_beds[u.id] = beds.free_beds
        run.totals["blocked"] = blocked
        run.kpis["blocked_bed_days"] = float(blocked.sum() * run.grid.step_h / 24)
        run.kpis["postponed_admissions"] = postponed


class Acute(Collector):
    """Acute patients: arrivals, the queue, treatment starts and diversions."""

    kpis = ("cancelled_acute", "acute_not_in_time", "acute_arrivals", "acute_wait_mean_h")
    series = ("acute_queue", "acute_arrived", "acute_started", "cancelled_acute", "acute_not_in_time")

    def collect(self, run: FlowRun) -> None:
        led = run.ledger["acute"] = dict(arrivals=0, served=0, waiting=0, diverted=0)
        wait_sum = 0.0
        late = 0
        for u in run.units_with("acute"):
            slot = run.slot(u.id, "acute")
            ac = acute_flow(run.grid, u, run.cap[slot], run.pace[slot], run.free_beds.get(u.id), arrivals(run, u),
                            run.budget)
            run.add("acute_queue", u.kind, ac.queue.astype(float))
            run.add_count("acute_arrived", u.kind, ac.arrivals_by_step)
            run.add_count("acute_started", u.kind, ac.started_by_step)
            run.add_count("cancelled_acute", u.kind, ac.diverted_by_step)
            run.add_count("acute_not_in_time", u.kind, ac.late_by_step)
            late += int(ac.late_by_step.sum())
            led["arrivals"] += ac.arrivals
            led["served"] += ac.served
            led["waiting"] += ac.waiting_at_end
            led["diverted"] += ac.diverted
            wait_sum += ac.wait_all_sum_h
        run.kpis["cancelled_acute"] = float(led["diverted"])
        run.kpis["acute_not_in_time"] = float(late)
        run.kpis["acute_arrivals"] = float(led["arrivals"])
        run.kpis["acute_wait_mean_h"] = wait_sum / led["arrivals"] if led["arrivals"] else math.nan


def arrivals(run: FlowRun, unit: CareUnit) -> Arrivals:
    """A unit's acute patients; for a branched run, the past's up to the branch and the
    replication's own from then on."""
    name = f"acute:{unit.id}"
    drawn = acute_arrivals(run.grid, unit, run.streams(name))
    if not run.streams.branched:
        return drawn
    return drawn.spliced(acute_arrivals(run.grid, unit, run.streams.fresh(name)), run.streams.branch_h)


class Planned(Collector):
    """Planned visits: booked, held, cancelled ahead or at the door, rebooked, the backlog."""

    kpis = ("cancelled_planned", "rebooked", "backlog_at_end", "planned_booked", "cancelled_ahead",
            "cancelled_at_door")
    series = ("cancelled_planned", "cancelled_ahead", "cancelled_at_door", "rebooked", "backlog",
              "planned_booked", "planned_held")

    def collect(self, run: FlowRun) -> None:
        orders: dict[str, list[CancelOrder]] = {}
        for o in run.timeline.cancel_orders:
            orders.setdefault(o.entity, []).append(o)
        led = run.ledger["planned"] = dict(booked=0, held=0, cancelled=0, rebooked=0, backlog=0)
        backlog = np.zeros(run.grid.n)
        ahead = door = 0
        rebooking = run.scenario.policies.rebooking
        changes = [t for t, _ in run.timeline.snapshots]
        for u in run.units_with("planned"):
            pl = planned_flow(
                run.grid, u, run.cap[run.slot(u.id, "planned")], run.systems_back(u.id),
                orders.get(u.id, []), rebooking, run.streams, f"planned:{u.id}", changes,
            )
            cancelled = pl.cancelled_ahead + pl.cancelled_at_door
            run.add_count("cancelled_planned", u.kind, cancelled)
            run.add_count("cancelled_ahead", u.kind, pl.cancelled_ahead)
            run.add_count("cancelled_at_door", u.kind, pl.cancelled_at_door)
            run.add_count("rebooked", u.kind, pl.rebooked)
            run.add("backlog", u.kind, pl.backlog.astype(float))
            run.add_count("planned_booked", u.kind, pl.booked)
            run.add_count("planned_held", u.kind, pl.held)
            backlog += pl.backlog
            led["booked"] += int(pl.booked.sum())
            led["held"] += int(pl.held.sum())
            led["cancelled"] += int(cancelled.sum())
            led["rebooked"] += int(pl.rebooked.sum())
            led["backlog"] += int(pl.backlog[-1])
            ahead += int(pl.cancelled_ahead.sum())
            door += int(pl.cancelled_at_door.sum())
        run.totals["backlog"] = backlog
        run.kpis.update(
            cancelled_planned=float(led["cancelled"]), rebooked=float(led["rebooked"]),
            backlog_at_end=float(led["backlog"]), planned_booked=float(led["booked"]),
            cancelled_ahead=float(ahead), cancelled_at_door=float(door),
        )


class Calls(Collector):
    """Phone lines: more calls during the outage (call surge), fewer once patients are informed."""

    kpis = ("calls_unanswered", "calls_gave_up")
    series = ("calls_unanswered", "calls_gave_up", "calls_attempts", "calls_answered", "calls_waiting")

    def collect(self, run: FlowRun) -> None:
        tl, grid, sc = run.timeline, run.grid, run.scenario
        reduction = np.zeros(grid.n)
        if tl.informed_at is not None:
            end = tl.full_operation if tl.full_operation is not None else math.inf
            mid = grid.t0 + grid.step_h / 2
            share = sc.policies.escalation.informed_call_reduction
            reduction[(mid >= tl.informed_at) & (mid < end)] = share
        led = run.ledger["calls"] = dict(
            first_attempts=0, attempts=0, answered=0, unanswered=0, gave_up=0, waiting=0, retrying=0
        )
        for line in sc.region.phone_lines:
            demand = line_demand(sc, run.model, tl, line, reduction, grid.t0 + grid.step_h / 2)
            cr = call_flow(grid, line, run.cap[run.slot(line.id, "calls")], demand, run.streams, f"calls:{line.id}",
                           run.budget)
            run.add_count("calls_unanswered", "phone", cr.unanswered)
            run.add_count("calls_gave_up", "phone", cr.gave_up)
            run.add_count("calls_attempts", "phone", cr.attempts)
            run.add_count("calls_answered", "phone", cr.answered)
            run.add("calls_waiting", "phone", cr.waiting.astype(float))
            led["first_attempts"] += cr.first_attempts
            led["attempts"] += int(cr.attempts.sum())
            led["answered"] += int(cr.answered.sum())
            led["unanswered"] += int(cr.unanswered.sum())
            led["gave_up"] += cr.gave_up_for_good
            led["waiting"] += cr.waiting_at_end
            led["retrying"] += cr.retrying_at_end
        run.kpis["calls_unanswered"] = float(led["unanswered"])
        run.kpis["calls_gave_up"] = float(led["gave_up"])


class Debt(Collector):
    """Administrative debt: records of the work done without a system, entered afterwards."""

    kpis = ("admin_debt_peak_h",)
    series = ("admin_debt",)

    def collect(self, run: FlowRun) -> None:
        total = np.zeros(run.grid.n)
        for u in run.scenario.region.units:
            debt = unit_debt(run, u)
            if debt is not None:
                run.add("admin_debt", u.kind, debt)
                total += debt
        run.totals["debt"] = total
        run.kpis["admin_debt_peak_h"] = float(total.max()) if run.grid.n else 0.0


def service_headroom(unit: CareUnit, service: str) -> float:
    """Normal capacity over normal demand: `1 / utilisation` for planned care, `catch_up` for
    discharges, 1 for acute care (every patient is treated, at the pace capacity allows)."""
    if service == "planned" and unit.planned is not None:
        return 1 / unit.planned.utilisation
    if service == "discharge" and unit.beds is not None:
        return unit.beds.catch_up
    return 1.0


def missing_share(
    model: CapacityModel, health: np.ndarray, slot: int, replaced: frozenset[int]
) -> np.ndarray | None:
    """The share of a slot's work done without the `replaced` systems at each time of `health`
    (systems x times): the share of work that needs them times the share of them missing; None when
    it needs none of them."""
    out = None
    for roots, share in model.slot_dep_roots[slot]:
        needed = sorted(roots & replaced)
        if needed:
            lost = share * (1 - health[needed].min(axis=0))
            out = lost if out is None else np.maximum(out, lost)
    return out


def unit_debt(run: FlowRun, unit: CareUnit) -> np.ndarray | None:
    """The unit's debt after each step, or None when no routine describes records for it."""
    grid = run.grid
    rates = debt_rates(run.scenario, run.model, unit, run.cap, run.health, grid.step_h)
    if rates is None:
        return None
    added, ordinary = rates
    overtime = run.scenario.policies.overtime
    allowed = systems_back_allowed(grid, run.systems_back(unit.id), overtime.start_after)
    extra = overtime.back_entry_hours_per_day * unit.count / 24 * grid.step_h * allowed
    return debt_flow(added, ordinary + extra)


def debt_rates(
    scenario: Scenario, model: CapacityModel, unit: CareUnit, cap: np.ndarray, health: np.ndarray, step_h: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """docs/model.md, **Back-entry debt**: the hours of records a unit adds in each interval of
    `step_h` (capacity `cap` and system `health` over the same intervals), and the hours of
    ordinary time it can spend entering them; None when no routine describes records for it.
    Shared by both engines."""
    n = cap.shape[1]
    added = np.zeros(n)
    ordinary = np.zeros(n)
    for routine in scenario.backup_routines:
        if routine.admin_debt_per_hour <= 0 or (routine.covers is not None and unit.id not in routine.covers):
            continue
        replaced = frozenset(model.sys_index[s] for s in routine.replaces)
        work, missing = [], []
        for i in model.entity_slots.get(unit.id, []):
            lost = missing_share(model, health, i, replaced)
            if lost is not None:
                work.append(work_done_share(cap[i], service_headroom(unit, model.slots[i].service)))
                missing.append(lost)
        if not work:
            continue
        without = np.mean([w * m for w, m in zip(work, missing, strict=True)], axis=0)
        added += debt_added(without, routine.admin_debt_per_hour, unit.count, step_h)
        working = 1 - np.max(missing, axis=0)
        ordinary = np.maximum(ordinary, routine.back_entry_hours_per_day * unit.count / 24 * step_h * working)
    if not added.any():
        return None
    return added, ordinary


class Recovery(Collector):
    """The whole region: capacity by kind, the readiness level, lost capacity, the moments of
    detection, full operation and back to normal, time in staff mode, and contacts."""

    kpis = ("lost_capacity_h", "detected_at_h", "full_operation_at_h", "normal_at_h", "time_to_detect_h",
            "time_to_full_operation_h", "time_to_normal_h", "staff_mode_h", "contacts", "first_failure_at_h",
            "observed_h")
    series = ("capacity", "unit_capacity", "readiness")

    def collect(self, run: FlowRun) -> None:
        model, grid, tl = run.model, run.grid, run.timeline
        cap, step = run.cap, grid.step_h
        for kind in model.kinds:
            idx = [i for i, s in enumerate(model.slots) if s.kind == kind]
            w = np.array([max(model.slots[i].weight_per_h, 1e-9) for i in idx])
            run.series[series_key("capacity", kind)] = (cap[idx] * w[:, None]).sum(axis=0) / w.sum()
        for entity, idx in model.entity_slots.items():
            run.series[series_key("unit_capacity", entity)] = cap[idx].min(axis=0)
        level = np.zeros(grid.n)
        for t, lv in tl.readiness:
            level[grid.t0 + step / 2 >= t] = lv
        run.series["readiness"] = level
        weights = np.array([s.weight_per_h for s in model.slots])
        run.kpis["lost_capacity_h"] = float(((1 - cap) * weights[:, None]).sum() * step / max(weights.sum(), 1e-12))
        self._moments(run)
        run.kpis["staff_mode_h"] = staff_mode_hours(tl.readiness, run.scenario.horizon)
        contacts = run.ledger["planned"]["booked"] + run.ledger["acute"]["arrivals"]
        run.kpis["contacts"] = float(int(contacts + run.ledger["calls"]["first_attempts"]))

    def _moments(self, run: FlowRun) -> None:
        tl = run.timeline
        first = tl.first_failure
        full = tl.full_operation if first is not None else None
        normal = run.normal_at = back_to_normal(run, full)

        def at(t: float | None) -> float:
            return t if t is not None else math.nan

        def since(t: float | None) -> float:
            return t - first if (t is not None and first is not None) else math.nan

        run.kpis.update(
            detected_at_h=at(tl.first_detection), full_operation_at_h=at(full), normal_at_h=at(normal),
            time_to_detect_h=since(tl.first_detection), time_to_full_operation_h=since(full),
            time_to_normal_h=since(normal), first_failure_at_h=at(first),
            observed_h=since(run.scenario.horizon),
        )


class Deadlines(Collector):
    """Breaches of the business impact analysis' deadlines (rto, mtpd), found by the incident
    run, and the hours beyond them."""

    kpis = ("rto_breaches", "rto_breach_h", "mtpd_breaches", "mtpd_breach_h")

    def collect(self, run: FlowRun) -> None:
        run.kpis.update(deadline_kpis(run.scenario, run.timeline.breaches))


def back_to_normal(run: FlowRun, full: float | None) -> float | None:
    """The end of the first step after full operation with no backlog, no administrative debt and
    no blocked bed left."""
    if full is None:
        return None
    ends = run.grid.t0 + run.grid.step_h
    clear = (run.totals["backlog"] <= 0) & (run.totals["debt"] <= 1e-9) & (run.totals["blocked"] <= 1e-9)
    hits = np.flatnonzero(clear & (ends >= full))
    if not hits.size:
        return None
    return max(full, float(ends[hits[0]]) if hits[0] > 0 else full)


def staff_mode_hours(readiness: list[tuple[float, int]], horizon: float) -> float:
    """Hours at stabsläge or above within the horizon."""
    hours = 0.0
    for (t, lv), nxt in zip(readiness, [*readiness[1:], (horizon, 0)], strict=True):
        if lv >= 1:
            hours += min(nxt[0], horizon) - t
    return hours


def prioritise_acute(scenario: Scenario, model: CapacityModel, cap: np.ndarray) -> None:
    """Acute priority moves staff from planned to acute work (in place)."""
    if not scenario.policies.acute_priority:
        return
    for u in scenario.region.units:
        if u.acute and u.planned:
            ai, pi = model.slot_index[(u.id, "acute")], model.slot_index[(u.id, "planned")]
            cap[ai], cap[pi] = reallocate(cap[ai], cap[pi], u.acute.staff_share)


COLLECTORS: tuple[Collector, ...] = (
    Supplies(), Beds(), Acute(), Planned(), Calls(), Debt(), Recovery(), Deadlines(),
)
"""In order: supplies lower planned capacity, beds give acute care its free beds, the totals of
the flows decide when the region is back to normal."""


def kind_series(run: FlowRun) -> dict[str, np.ndarray]:
    """The per-kind series as `METRIC:KIND`, and `METRIC:all` for the totalled ones."""
    out: dict[str, np.ndarray] = {}
    for metric, by_kind in run.by_kind.items():
        for kind, values in by_kind.items():
            out[series_key(metric, kind)] = values
        if SERIES_BY_NAME[metric].totalled:
            out[series_key(metric, TOTAL)] = np.sum(list(by_kind.values()), axis=0)
    return out


def ordered_kpis(found: dict[str, float]) -> dict[str, float]:
    """The KPIs in the registry's order; a KPI no collector gave is a bug."""
    missing = set(KPI) - set(found)
    if missing:
        raise KeyError(f"no collector gave KPIs {sorted(missing)}")
    return {name: found[name] for name in KPI}
