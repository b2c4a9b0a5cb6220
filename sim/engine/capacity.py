"""Capacity of every care service from the state of the IT systems.

A *service slot* is one thing that can lose capacity: a unit's acute, planned or discharge
service, a phone line, or a consumable's ordering. Its capacity (0..1 of normal) is the product
over its dependencies of `remaining + (1 - remaining) * health(system)`, where a backup routine or
an alternative system covering it lifts a dependency to its own capacity, and mutual aid adds on
top. System health follows the dependency graph: a system is as healthy as its own state times
what its dependencies leave it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..graph import DependencyGraph
from ..scenario.model import CareUnit, Dependency, Scenario


@dataclass(frozen=True)
class Slot:
    entity: str  # unit, phone line or consumable id
    service: str  # acute | planned | discharge | calls | ordering
    kind: str  # hospital | primary_care | dental | other | phone | supplies
    count: int
    deps: tuple[tuple[int, float], ...]  # (system index, remaining capacity when it is down)
    weight_per_h: float  # normal volume per hour, for volume-weighted averages
    shares: tuple[float, ...] = ()  # share of the work that needs each of `deps` (1 when empty)
    paces: tuple[float, ...] = ()  # acute pace left while each of `deps` is missing (1 when empty)


@dataclass(frozen=True)
class Standin:
    """A backup routine or alternative system: lifts dependencies on `systems` for `slots`."""

    key: str  # backup:ID or action:ID
    systems: frozenset[int]
    slots: frozenset[int]
    capacity: float
    compliance: float = 1.0
    fatigue_after_h: float | None = None
    fatigue_loss_per_h: float = 0.0
    fatigue_floor: float = 0.0
    rollout_h: float = 0.0
    restores_information: float = 0.0

    def level(self, since: np.ndarray) -> np.ndarray:
        """Capacity `since` hours after it came into use."""
        cap = np.full_like(since, self.capacity, dtype=float)
        if self.rollout_h > 0:
            cap = cap * np.clip(since / self.rollout_h, 0.0, 1.0)
        if self.fatigue_after_h is not None:
            tired = since - self.fatigue_after_h
            floor = min(self.fatigue_floor, self.capacity)
            cap = np.where(tired > 0, np.maximum(floor, cap - self.fatigue_loss_per_h * tired), cap)
        return cap

    def information(self, since: np.ndarray) -> np.ndarray:
        """Share of the acute slow-down given back `since` hours after it came into use (ramping
        up with the rollout), at the units that follow it."""
        ramp = np.clip(since / self.rollout_h, 0.0, 1.0) if self.rollout_h > 0 else np.ones_like(since, dtype=float)
        return self.restores_information * self.compliance * ramp


@dataclass
class CapacityState:
    """What the incident machinery changes: own system state and stand-ins in use."""

    own: np.ndarray  # own health of each system (0 down, 1 up)
    standins: dict[int, float] = field(default_factory=dict)  # stand-in index -> time in use since
    aids: dict[int, float] = field(default_factory=dict)  # aid index -> time in effect since

    def copy(self) -> CapacityState:
        return CapacityState(self.own.copy(), dict(self.standins), dict(self.aids))


class CapacityModel:
    """The scenario's structure, compiled once: slots, system graph and stand-ins."""

    def __init__(self, scenario: Scenario):
        region = scenario.region
        self.system_ids = [s.id for s in region.systems]
        self.sys_index = {sid: i for i, sid in enumerate(self.system_ids)}
        graph = DependencyGraph({s.id: [d.system for d in s.depends_on] for s in region.systems})
        self.order = [self.sys_index[sid] for sid in graph.order()]
        self.sys_deps = [
            tuple((self.sys_index[d.system], d.remaining, d.share) for d in s.depends_on) for s in region.systems
        ]
        self.slots = self._slots(scenario)
        slots = self.slots
        self.slot_index = {(s.entity, s.service): i for i, s in enumerate(slots)}
        self.entity_slots: dict[str, list[int]] = {}
        for i, s in enumerate(slots):
            self.entity_slots.setdefault(s.entity, []).append(i)
        self.unit_counts = {u.id: u.count for u in region.units}
        self.acute_share = {u.id: u.acute.staff_share for u in region.units if u.acute}
        self._add_standins(scenario)
        self._compile_dependencies(slots)
        self.kinds = sorted({s.kind for s in slots}, key=_kind_order)
        self._compile_roots(graph, slots)

    def _compile_dependencies(self, slots: list[Slot]) -> None:
        """One row per (slot, dependency), as arrays for fast evaluation."""
        self._dep_slot = np.array([i for i, s in enumerate(slots) for _ in s.deps], dtype=int)
        self._dep_sys = np.array([d[0] for s in slots for d in s.deps], dtype=int)
        self._dep_rem = np.array([d[1] for s in slots for d in s.deps], dtype=float)
        # Pace of acute treatment left while each dependency's system is missing (1: no slow-down).
        self._dep_pace = np.array([x for s in slots for x in (s.paces or (1.0,) * len(s.deps))], dtype=float)
        # Share of the slot's work that needs the system (docs/model.md, **Share of work**).
        self._dep_share = np.array([x for s in slots for x in (s.shares or (1.0,) * len(s.deps))], dtype=float)
        # Which stand-ins apply to each dependency row
        self._dep_standins: list[list[int]] = [
            [k for k, st in enumerate(self.standins) if sys_i in st.systems and slot_i in st.slots]
            for slot_i, sys_i in zip(self._dep_slot, self._dep_sys, strict=True)
        ]

    def _compile_roots(self, graph: DependencyGraph, slots: list[Slot]) -> None:
        """The systems behind each slot: all of them, and those behind each direct dependency."""
        def upstream(indices: list[int]) -> frozenset[int]:
            return frozenset(self.sys_index[sid] for sid in graph.upstream(self.system_ids[j] for j in indices))

        # Every system each slot depends on, directly or through other systems.
        self.slot_roots: list[frozenset[int]] = [upstream([j for j, _ in s.deps]) for s in slots]
        # For each slot, each direct dependency's systems (itself and upstream) and its share.
        self.slot_dep_roots: list[tuple[tuple[frozenset[int], float], ...]] = [
            tuple(
                (upstream([j]), share)
                for (j, _), share in zip(s.deps, s.shares or (1.0,) * len(s.deps), strict=True)
            )
            for s in slots
        ]

    def _slots(self, scenario: Scenario) -> list[Slot]:
        """A slot for every service of every unit, every phone line and every consumable."""
        region = scenario.region
        slots: list[Slot] = []
        for u in region.units:
            for service, per_h in _services(u):
                used = [d for d in u.depends_on if d.affects is None or service in d.affects]
                deps = tuple((self.sys_index[d.system], d.remaining) for d in used)
                paces = tuple(d.acute_pace if service == "acute" else 1.0 for d in used)
                shares = tuple(d.share for d in used)
                slots.append(Slot(u.id, service, u.kind, u.count, deps, per_h * u.count, shares, paces))
        for p in region.phone_lines:
            deps = self._deps(p.depends_on)
            shares = tuple(d.share for d in p.depends_on)
            slots.append(Slot(p.id, "calls", "phone", p.count, deps, p.calls_per_day / 24 * p.count, shares))
        for c in region.consumables:
            deps = self._deps(c.depends_on)
            slots.append(Slot(c.id, "ordering", "supplies", 1, deps, 0.0, tuple(d.share for d in c.depends_on)))
        return slots

    def _add_standins(self, scenario: Scenario) -> None:
        """Backup routines and alternative systems stand in for systems; mutual aid adds capacity."""
        self.standins: list[Standin] = []
        self.standin_index: dict[str, int] = {}
        for b in scenario.backup_routines:
            if not b.enabled:
                continue
            self._add_standin(
                f"backup:{b.id}", b.replaces, b.covers, b.capacity, b.compliance,
                b.fatigue.after if b.fatigue else None,
                (b.fatigue.loss_per_day / 24) if b.fatigue else 0.0,
                b.fatigue.floor if b.fatigue else 0.0, 0.0, b.restores_information,
            )
        self.aids: list[tuple[str, frozenset[int], float, float]] = []
        self.aid_index: dict[str, int] = {}
        for a in scenario.recovery_actions:
            if not a.enabled:
                continue
            if a.kind == "alternative_system":
                self._add_standin(
                    f"action:{a.id}", a.systems, a.covers, a.capacity, 1.0, None, 0.0, 0.0, a.rollout,
                    a.restores_information,
                )
            elif a.kind == "mutual_aid":
                covered = frozenset(i for e in (a.covers or []) for i in self.entity_slots.get(e, []))
                self.aid_index[f"action:{a.id}"] = len(self.aids)
                self.aids.append((f"action:{a.id}", covered, a.capacity, a.rollout))

    # ------------------------------------------------------------------ structure
    def _deps(self, deps: list[Dependency]) -> tuple[tuple[int, float], ...]:
        return tuple((self.sys_index[d.system], d.remaining) for d in deps)

    def _add_standin(
        self, key: str, systems: list[str], covers: list[str] | None, capacity: float, compliance: float,
        f_after: float | None, f_loss: float, f_floor: float, rollout: float, restores: float = 0.0,
    ) -> None:
        sys_set = frozenset(self.sys_index[s] for s in systems)
        if covers is None:
            slot_set = frozenset(
                i for i, s in enumerate(self.slots) if any(d[0] in sys_set for d in s.deps)
            )
        else:
            slot_set = frozenset(i for e in covers for i in self.entity_slots.get(e, []))
        self.standin_index[key] = len(self.standins)
        self.standins.append(
            Standin(key, sys_set, slot_set, capacity, compliance, f_after, f_loss, f_floor, rollout, restores)
        )

    # ------------------------------------------------------------------ evaluation
    def new_state(self) -> CapacityState:
        return CapacityState(np.ones(len(self.system_ids)))

    def health(self, own: np.ndarray) -> np.ndarray:
        """Effective health of each system given each one's own state."""
        h = own.astype(float).copy()
        for i in self.order:
            for j, rem, share in self.sys_deps[i]:
                h[i] *= on_share(share, rem + (1 - rem) * h[j])
        return h

    def base(self, health: np.ndarray) -> np.ndarray:
        """Capacity of each slot with no stand-ins: what the outage alone leaves."""
        out = np.ones(len(self.slots))
        if len(self._dep_slot):
            contrib = self._dep_rem + (1 - self._dep_rem) * health[self._dep_sys]
            np.multiply.at(out, self._dep_slot, on_share(self._dep_share, contrib))
        return out

    def base_over_time(self, health: np.ndarray) -> np.ndarray:
        """`base` for a health matrix (systems x times): slots x times."""
        out = np.ones((len(self.slots), health.shape[1]))
        if len(self._dep_slot):
            rem, share = self._dep_rem[:, None], self._dep_share[:, None]
            np.multiply.at(out, self._dep_slot, on_share(share, rem + (1 - rem) * health[self._dep_sys]))
        return out

    def capacity(self, state: CapacityState, times: np.ndarray, health: np.ndarray | None = None) -> np.ndarray:
        """Capacity of each slot at each of `times` (shape slots x times), stand-ins included."""
        h = self.health(state.own) if health is None else health
        n_t = len(times)
        out = np.ones((len(self.slots), n_t))
        if len(self._dep_slot):
            base = self._dep_rem + (1 - self._dep_rem) * h[self._dep_sys]
            levels = {
                k: self.standins[k].level(times - since) for k, since in state.standins.items()
            }
            rows = zip(self._dep_slot.tolist(), base.tolist(), self._dep_share.tolist(), strict=True)
            for row, (slot_i, b, share) in enumerate(rows):
                if b == 1.0:
                    continue  # a factor of exactly 1 (on any share) changes nothing
                contrib: np.ndarray | float = b
                if b < 1:
                    best = None
                    for k in self._dep_standins[row]:
                        if k in levels:
                            st = self.standins[k]
                            v = st.compliance * np.maximum(b, levels[k]) + (1 - st.compliance) * b
                            best = v if best is None else np.maximum(best, v)
                    if best is not None:
                        contrib = best
                out[slot_i] *= on_share(share, contrib)
        for k, since in state.aids.items():
            _, covered, add, rollout = self.aids[k]
            ramp = np.clip((times - since) / rollout, 0, 1) if rollout > 0 else (times >= since) * 1.0
            for i in covered:
                out[i] = np.minimum(1.0, out[i] + add * ramp)
        return out

    def pace(self, state: CapacityState, times: np.ndarray, health: np.ndarray | None = None) -> np.ndarray:
        """docs/model.md, **Information loss in acute care**: the pace of acute treatment of each
        slot at each of `times` (slots x times; 1 where nothing slows it). A dependency with
        `acute_pace` p on a system of health h leaves `1 - (1 - p)(1 - h)(1 - g)`, where g is the
        most any stand-in in use gives back (`restores_information` x compliance)."""
        out = np.ones((len(self.slots), len(times)))
        slow = np.flatnonzero(self._dep_pace < 1)
        if not slow.size:
            return out
        h = self.health(state.own) if health is None else health
        for row in slow:
            loss = self._dep_share[row] * (1 - self._dep_pace[row]) * (1 - h[self._dep_sys[row]])
            if loss <= 0:
                continue
            given: np.ndarray | float = 0.0
            for k in self._dep_standins[row]:
                if k in state.standins:
                    given = np.maximum(given, self.standins[k].information(times - state.standins[k]))
            out[self._dep_slot[row]] *= 1 - loss * (1 - given)
        return out

    def standin_in_use(self, state: CapacityState, health: np.ndarray) -> dict[int, set[int]]:
        """For each stand-in in use, the slots it is actually lifting (a dependency is down)."""
        used: dict[int, set[int]] = {}
        if not len(self._dep_slot):
            return used
        base = self._dep_rem + (1 - self._dep_rem) * health[self._dep_sys]
        for row, (slot_i, b) in enumerate(zip(self._dep_slot, base, strict=True)):
            if b < 1:
                for k in self._dep_standins[row]:
                    if k in state.standins:
                        used.setdefault(k, set()).add(int(slot_i))
        return used


def on_share(share: np.ndarray | float, contrib: np.ndarray | float) -> np.ndarray | float:
    """docs/model.md, **Share of work**: a dependency's effect on the share of the work that needs
    the system; the rest of the work goes on as normal."""
    if isinstance(share, float):  # one dependency (numpy's float64 is a float too)
        return contrib if share >= 1 else 1 - share * (1 - contrib)
    return np.where(np.asarray(share) >= 1, contrib, 1 - share * (1 - contrib))


def _kind_order(kind: str) -> int:
    order = ["hospital", "primary_care", "dental", "other", "phone", "supplies"]
    return order.index(kind) if kind in order else len(order)


def _services(u: CareUnit) -> list[tuple[str, float]]:
    """The unit's services and their normal volume per hour (one unit of the group)."""
    services = []
    if u.acute is not None:
        services.append(("acute", u.acute.arrivals_per_day / 24))
    if u.planned is not None:
        services.append(("planned", u.planned.visits_per_day * len(u.planned.open_days) / 7 / 24))
    if u.beds is not None:
        services.append(("discharge", u.beds.beds * u.beds.occupancy / u.beds.length_of_stay))
    return services
