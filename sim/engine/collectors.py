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
from .flows.debt import debt_flow, overlap_hours
from .flows.planned import planned_flow
from .flows.priority import reallocate
from .flows.supplies import stock_flow
from .grid import TimeGrid
from .incident import CancelOrder, IncidentTimeline
from .streams import Streams


@dataclass
class FlowRun:
    """What the collectors of one replication share and fill in."""

    scenario: Scenario
    model: CapacityModel
    grid: TimeGrid
    timeline: IncidentTimeline
    cap: np.ndarray  # capacity of every slot at every step; supplies lower planned capacity
    base: np.ndarray  # capacity of every slot at every step that the IT systems alone leave
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
            beds = bed_flow(run.grid, u, run.cap[run.slot(u.id, "discharge")], run.budget)
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

    kpis = ("cancelled_acute", "acute_arrivals", "acute_wait_mean_h")
    series = ("acute_queue", "acute_arrived", "acute_started", "cancelled_acute")

    def collect(self, run: FlowRun) -> None:
        led = run.ledger["acute"] = dict(arrivals=0, served=0, waiting=0, diverted=0)
        wait_sum = 0.0
        for u in run.units_with("acute"):
            ac = acute_flow(run.grid, u, run.cap[run.slot(u.id, "acute")], run.free_beds.get(u.id),
                            arrivals(run, u), run.budget)
            run.add("acute_queue", u.kind, ac.queue.astype(float))
            run.add_count("acute_arrived", u.kind, ac.arrivals_by_step)
            run.add_count("acute_started", u.kind, ac.started_by_step)
            run.add_count("cancelled_acute", u.kind, ac.diverted_by_step)
            led["arrivals"] += ac.arrivals
            led["served"] += ac.served
            led["waiting"] += ac.waiting_at_end
            led["diverted"] += ac.diverted
            wait_sum += ac.wait_sum_h
        run.kpis["cancelled_acute"] = float(led["diverted"])
        run.kpis["acute_arrivals"] = float(led["arrivals"])
        run.kpis["acute_wait_mean_h"] = wait_sum / led["served"] if led["served"] else math.nan


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
        for u in run.units_with("planned"):
            pl = planned_flow(
                run.grid, u, run.cap[run.slot(u.id, "planned")], run.systems_back(u.id),
                orders.get(u.id, []), rebooking, run.streams, f"planned:{u.id}",
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
    """Phone lines: fewer calls once patients are informed, until full operation."""

    kpis = ("calls_unanswered", "calls_gave_up")
    series = ("calls_unanswered", "calls_gave_up", "calls_attempts", "calls_answered", "calls_waiting")

    def collect(self, run: FlowRun) -> None:
        tl, grid, sc = run.timeline, run.grid, run.scenario
        reduction = np.zeros(grid.n)
        if tl.informed_at is not None:
            end = tl.full_operation if tl.full_operation is not None else math.inf
            mid = grid.t0 + grid.step_h / 2
            share = sc.policies.escalation.call_reduction or 0.2
            reduction[(mid >= tl.informed_at) & (mid < end)] = share
        led = run.ledger["calls"] = dict(
            first_attempts=0, attempts=0, answered=0, unanswered=0, gave_up=0, waiting=0, retrying=0
        )
        for line in sc.region.phone_lines:
            cr = call_flow(grid, line, run.cap[run.slot(line.id, "calls")], reduction, run.streams, f"calls:{line.id}",
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
    """Administrative debt: records kept on paper while backup routines run, entered afterwards."""

    kpis = ("admin_debt_peak_h",)
    series = ("admin_debt",)

    def collect(self, run: FlowRun) -> None:
        n = run.grid.n
        total = np.zeros(n)
        routines = {f"backup:{b.id}": b for b in run.scenario.backup_routines}
        for u in run.scenario.region.units:
            slots_u = set(run.model.entity_slots.get(u.id, []))
            added = np.zeros(n)
            on_backup = np.zeros(n, dtype=bool)
            work = 0.0
            for key, uses in run.timeline.standin_use.items():
                b = routines.get(key)
                if b is None:
                    continue
                for start, end, used_slots in uses:
                    if used_slots & slots_u:
                        hours = overlap_hours(run.grid, start, end)
                        added += hours * b.admin_debt_per_hour * b.compliance * u.count
                        on_backup |= hours > 0
                        work = max(work, b.back_entry_hours_per_day * u.count)
            if added.any():
                debt = debt_flow(run.grid, added, on_backup, work)
                run.add("admin_debt", u.kind, debt)
                total += debt
        run.totals["debt"] = total
        run.kpis["admin_debt_peak_h"] = float(total.max()) if n else 0.0


class Recovery(Collector):
    """The whole region: capacity by kind, the readiness level, lost capacity, the moments of
    detection, full operation and back to normal, time in staff mode, and contacts."""

    kpis = ("lost_capacity_h", "detected_at_h", "full_operation_at_h", "normal_at_h", "time_to_detect_h",
            "time_to_full_operation_h", "time_to_normal_h", "staff_mode_h", "contacts")
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
            time_to_normal_h=since(normal),
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
