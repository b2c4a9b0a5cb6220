"""Administrative debt in exact time (docs/model.md, "Backup routines (reservrutiner)").

Each hour a unit works on a backup routine adds `admin_debt_per_hour` hours of records (times the
share that follows the routine, times the units in the group); while no routine is in use at the
unit, the debt is worked off at `back_entry_hours_per_day`. Debt is hours of work, not entities,
so the reference follows it as a piecewise-linear level with a knot at every change."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...scenario.model import Scenario
from ..capacity import CapacityModel
from ..incident import IncidentTimeline


@dataclass(frozen=True)
class DebtCurve:
    """One unit's debt: knots (time, hours) joined by straight lines, zero before the first."""

    times: np.ndarray
    hours: np.ndarray

    def at(self, t: np.ndarray) -> np.ndarray:
        if self.times.size == 0:
            return np.zeros(len(t))
        out: np.ndarray = np.interp(t, self.times, self.hours, left=0.0, right=float(self.hours[-1]))
        return out


def debt_curves(scenario: Scenario, model: CapacityModel, timeline: IncidentTimeline) -> dict[str, DebtCurve]:
    """The debt of every unit that builds any, by unit id."""
    routines = {f"backup:{b.id}": b for b in scenario.backup_routines}
    out: dict[str, DebtCurve] = {}
    for u in scenario.region.units:
        slots = set(model.entity_slots.get(u.id, []))
        spells: list[tuple[float, float, float]] = []  # (start, end, hours added per hour)
        work_per_h = 0.0
        for key, uses in timeline.standin_use.items():
            b = routines.get(key)
            if b is None:
                continue
            for start, end, used in uses:
                if used & slots and end > start:
                    spells.append((start, end, b.admin_debt_per_hour * b.compliance * u.count))
                    work_per_h = max(work_per_h, b.back_entry_hours_per_day * u.count / 24)
        if any(rate > 0 for _, _, rate in spells):
            out[u.id] = _curve(spells, work_per_h, scenario.horizon)
    return out


def _curve(spells: list[tuple[float, float, float]], work_per_h: float, horizon_h: float) -> DebtCurve:
    edges = sorted({0.0, horizon_h, *(min(horizon_h, x) for s in spells for x in s[:2])})
    times, hours = [0.0], [0.0]
    level = 0.0
    for a, b in zip(edges, edges[1:], strict=False):
        covering = [rate for s0, s1, rate in spells if s0 <= a < s1]
        if covering:
            level += sum(covering) * (b - a)
        elif level > 0 and work_per_h > 0:
            cleared = a + level / work_per_h
            if cleared < b:
                times.append(cleared)
                hours.append(0.0)
                level = 0.0
            else:
                level -= work_per_h * (b - a)
        times.append(b)
        hours.append(level)
    return DebtCurve(np.array(times), np.array(hours))
