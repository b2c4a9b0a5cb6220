"""Administrative debt minute by minute (docs/model.md, **Back-entry debt**).

Work done without a system adds records to enter afterwards, whether or not a backup routine is
used (the same rule as the fast engine, `debt_rates`, read minute by minute); while the systems
work, the records are entered in ordinary time and, from `policies.overtime.start_after` after the
unit's systems are back, in overtime. Debt is hours of work, not entities, so the reference
follows it as a level with a knot at the end of every minute."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...scenario.model import Scenario
from ..collectors import debt_rates
from ..flows.debt import debt_flow
from .clock import MINUTES_PER_HOUR, MinuteCapacity
from .rules import overtime_allowed


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


def debt_curves(scenario: Scenario, capacity: MinuteCapacity) -> dict[str, DebtCurve]:
    """The debt of every unit that builds any, by unit id."""
    model = capacity.model
    minute_h = 1 / MINUTES_PER_HOUR
    m = np.arange(capacity.minutes)
    overtime = scenario.policies.overtime
    out: dict[str, DebtCurve] = {}
    for u in scenario.region.units:
        rates = debt_rates(scenario, model, u, capacity.table, capacity.health, minute_h)
        if rates is None:
            continue
        added, ordinary = rates
        back = capacity.systems_back(model.entity_slots[u.id])
        last_short_end = np.maximum.accumulate(np.where(~back, m + 1, -(10**9))) / MINUTES_PER_HOUR
        allowed = overtime_allowed(back, m / MINUTES_PER_HOUR - last_short_end, overtime.start_after)
        extra = overtime.back_entry_hours_per_day * u.count / 24 * minute_h * allowed
        level = debt_flow(added, ordinary + extra)
        out[u.id] = DebtCurve(np.concatenate(([0.0], (m + 1) / MINUTES_PER_HOUR)), np.concatenate(([0.0], level)))
    return out
