"""Deadlines from the region's business impact analysis: every unit, phone line, consumable
(its ordering) and IT system that declares `continuity: {rto, mtpd}` is watched while the
incident runs.

A part is *disrupted* while its capacity is below its `disrupted_below` share of normal (backup
routines, alternative systems and mutual aid included; for a system, its health). A disruption is
an episode from the moment it starts to the moment the part is back at or above that share. When
an episode lasts longer than a deadline, the deadline is *breached* at episode start + deadline:
the incident run logs it, reaches the milestone `deadline:ID:rto` (or `:mtpd`) and records an
inject for the roles named. The hours beyond a deadline run from the breach to the end of the
episode (or of the simulated period).

The watch is fed by the incident run at every change of state and at the points where capacity
changes by itself (rollouts, and regular looks while a tiring backup routine is in use), so an
episode starts within one time step of a gradual slide below the threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..scenario.model import Continuity, Scenario
from ..vocabulary import milestone_key
from .capacity import CapacityModel

DEADLINES = ("rto", "mtpd")
"""The kinds of deadline, in the order they fall."""


@dataclass(frozen=True)
class Watched:
    """A part with deadlines: a set of service slots (the lowest decides) or one system."""

    entity: str
    system: int | None  # the system's index, for a system
    slots: tuple[int, ...]  # the slots' indices, for a unit, a phone line or a consumable
    continuity: Continuity

    def level(self, health: np.ndarray, capacity: np.ndarray) -> float:
        """The part's capacity (or health) now."""
        if self.system is not None:
            return float(health[self.system])
        return float(min(capacity[i] for i in self.slots)) if self.slots else 1.0


@dataclass(frozen=True)
class Breach:
    """A deadline a disruption outlasted."""

    entity: str
    deadline: str  # rto | mtpd
    limit_h: float
    disrupted_at: float
    breached_at: float
    until: float | None  # when the episode ended; None: not within the simulated period
    to: tuple[str, ...]

    @property
    def inject_id(self) -> str:
        """How the breach's inject is named in a run's injects: `deadline:ID:mtpd`."""
        return milestone_key("deadline", self.entity, self.deadline)

    def hours_beyond(self, horizon_h: float) -> float:
        end = horizon_h if self.until is None else min(self.until, horizon_h)
        return max(0.0, end - self.breached_at)


@dataclass
class Episode:
    """One disruption of a watched part, while it lasts."""

    start: float
    breaches: list[Breach] = field(default_factory=list)


def watched_parts(scenario: Scenario, model: CapacityModel) -> list[Watched]:
    """Every part of the region that declares deadlines, in the file's order."""
    region = scenario.region
    out: list[Watched] = []
    for items in (region.units, region.phone_lines, region.consumables):
        for x in items:
            c = x.continuity
            if c is None:
                continue
            slots = model.entity_slots.get(x.id, [])
            if c.services is not None:
                slots = [i for i in slots if model.slots[i].service in c.services]
            out.append(Watched(x.id, None, tuple(slots), c))
    for s in region.systems:
        if s.continuity is not None:
            out.append(Watched(s.id, model.sys_index[s.id], (), s.continuity))
    return out


class DeadlineWatch:
    """The open disruption of every watched part, and the breaches found so far."""

    def __init__(self, scenario: Scenario, model: CapacityModel):
        self.parts = watched_parts(scenario, model)
        self.open: dict[str, Episode] = {}
        self.breaches: list[Breach] = []

    def __bool__(self) -> bool:
        return bool(self.parts)

    def update(self, t: float, health: np.ndarray, capacity: np.ndarray) -> list[tuple[Watched, Episode]]:
        """Look at every part at time `t`: close the episodes that are over, open new ones; the
        new ones are returned so that the caller can set their deadlines."""
        started = []
        for part in self.parts:
            disrupted = part.level(health, capacity) < part.continuity.disrupted_below - 1e-9
            episode = self.open.get(part.entity)
            if disrupted and episode is None:
                episode = self.open[part.entity] = Episode(t)
                started.append((part, episode))
            elif not disrupted and episode is not None:
                self._close(part.entity, episode, t)
        return started

    def breach(self, part: Watched, episode: Episode, deadline: str, limit_h: float, t: float) -> Breach | None:
        """The breach of `deadline` at `t`, if `episode` is still open then."""
        if self.open.get(part.entity) is not episode:
            return None
        b = Breach(part.entity, deadline, limit_h, episode.start, t, None, tuple(part.continuity.to))
        episode.breaches.append(b)
        self.breaches.append(b)
        return b

    def _close(self, entity: str, episode: Episode, t: float) -> None:
        del self.open[entity]
        for b in episode.breaches:
            i = self.breaches.index(b)
            self.breaches[i] = Breach(b.entity, b.deadline, b.limit_h, b.disrupted_at, b.breached_at, t, b.to)


def deadline_kpis(scenario: Scenario, breaches: list[Breach]) -> dict[str, float]:
    """Breaches and hours beyond each kind of deadline; NaN for a kind the scenario declares
    nowhere."""
    declared = {
        name
        for items in (scenario.region.units, scenario.region.phone_lines, scenario.region.consumables,
                      scenario.region.systems)
        for x in items
        if x.continuity is not None
        for name, _h in x.continuity.deadlines()
    }
    out: dict[str, float] = {}
    for name in DEADLINES:
        if name not in declared:
            out[f"{name}_breaches"] = out[f"{name}_breach_h"] = math.nan
            continue
        mine = [b for b in breaches if b.deadline == name]
        out[f"{name}_breaches"] = float(len(mine))
        out[f"{name}_breach_h"] = float(sum(b.hours_beyond(scenario.horizon) for b in mine))
    return out
