"""The status board of the situation picture: every system and unit at the drill's clock (up,
degraded, down, on backup routines), the readiness level, and what the group has ordered."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engine import compile_plan
from ..i18n import N_, _, number, percent
from ..vocabulary import READINESS_LEVELS, READINESS_NAMES
from .deadlines import BreachRow, breach_rows
from .play import EPS
from .session import Drill

SERVICE_NAMES = {
    "acute": N_("acute"),
    "planned": N_("planned"),
    "discharge": N_("discharge"),
    "calls": N_("calls"),
    "ordering": N_("ordering"),
}


@dataclass(frozen=True)
class Row:
    id: str
    name: str
    kind: str
    status: str  # up | degraded | down
    capacity: float  # 0..1; systems: health, units: the lowest of their services
    detail: str
    stand_ins: tuple[str, ...] = ()
    breached: tuple[str, ...] = ()  # deadlines breached in the disruption going on (RTO, MTPD)

    @property
    def label(self) -> str:
        on = " · on " + ", ".join(self.stand_ins) if self.stand_ins else ""
        return f"{self.status}{on}"


@dataclass(frozen=True)
class Board:
    clock: str
    readiness: str
    patients_informed: bool
    systems: list[Row]
    units: list[Row]
    breaches: list[BreachRow] = field(default_factory=list)
    """Every breach of a continuity deadline so far."""


def _status(cap: float) -> str:
    if cap >= 1 - 1e-6:
        return "up"
    if cap <= 1e-6:
        return "down"
    return "degraded"


def board(drill: Drill) -> Board:
    """The board at the drill's clock, from the drill's played timeline."""
    played = drill.played()
    sc = played.scenario
    model = compile_plan(sc).model
    t = drill.clock_h
    state = played.state_at(t)
    health = model.health(state.own)
    cap = model.capacity(state, np.array([t]), health)[:, 0]
    in_use = model.standin_in_use(state, health)
    names = {f"backup:{b.id}": b.name for b in sc.backup_routines}
    names.update({f"action:{a.id}": a.name for a in sc.recovery_actions})

    systems = []
    for i, s in enumerate(sc.region.systems):
        h = float(health[i])
        covering = tuple(
            names.get(model.standins[k].key, model.standins[k].key)
            for k in state.standins
            if i in model.standins[k].systems and k in in_use
        )
        own = float(state.own[i])
        if own < 1 and h < 1:
            detail = _("failed")
        elif h < 1:
            detail = _("hit by a system it depends on")
        else:
            detail = ""
        systems.append(Row(s.id, s.name, s.kind, _status(h), h, detail, covering))

    entity_names: dict[str, tuple[str, str, int]] = {u.id: (u.name, u.kind, u.count) for u in sc.region.units}
    entity_names.update({p.id: (p.name, "phone", p.count) for p in sc.region.phone_lines})
    entity_names.update({c.id: (c.name, "supplies", 1) for c in sc.region.consumables})
    units = []
    for entity, idx in model.entity_slots.items():
        name, kind, count = entity_names[entity]
        caps = {model.slots[i].service: float(cap[i]) for i in idx}
        low = min(caps.values())
        covering = tuple(
            sorted({names.get(model.standins[k].key, model.standins[k].key) for k, slots in in_use.items() if slots & set(idx)})
        )
        detail = ", ".join(f"{_(SERVICE_NAMES[s])} {percent(c)}" for s, c in caps.items())
        if kind == "supplies":
            stock = played.rep.series.get(f"stock:{entity}")
            if stock is not None:
                k = min(len(stock) - 1, max(0, int(t / played.rep.step_h)))
                detail += "; " + _("stock for {days} days").format(days=number(stock[k], 1))
        if count > 1:
            name = f"{name} ({count})"
        units.append(Row(entity, name, kind, _status(low), low, detail, covering))

    breaches = breach_rows(drill.scenario, played.timeline.breaches, t)
    ongoing: dict[str, tuple[str, ...]] = {}
    for b in breaches:
        if b.until is None and b.deadline not in ongoing.get(b.entity, ()):
            ongoing[b.entity] = (*ongoing.get(b.entity, ()), b.deadline)
    systems = [_with_breaches(r, ongoing) for r in systems]
    units = [_with_breaches(r, ongoing) for r in units]
    level = played.readiness_at(t)
    informed = played.timeline.informed_at is not None and played.timeline.informed_at <= t + EPS
    return Board(
        drill.clock_text(),
        READINESS_NAMES[READINESS_LEVELS[level]],
        informed,
        systems,
        units,
        breaches,
    )


def _with_breaches(row: Row, ongoing: dict[str, tuple[str, ...]]) -> Row:
    if row.id not in ongoing:
        return row
    return Row(row.id, row.name, row.kind, row.status, row.capacity, row.detail, row.stand_ins, ongoing[row.id])
