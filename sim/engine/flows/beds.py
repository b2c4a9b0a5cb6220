"""Beds and discharges: patients ready to leave stay in their beds while discharge messaging to
municipal care is down (interruption rule **hold**: they wait in the bed until a message can be
sent). Held-up patients are discharged at `catch_up` times the normal rate once it works again.
Free beds are what normal occupancy leaves minus the blocked ones; acute patients who need a bed
when none is free are diverted."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...scenario.model import CareUnit
from ..grid import TimeGrid
from .queues import lindley


@dataclass
class BedResult:
    blocked: np.ndarray  # patients ready for discharge but still in a bed, after each step
    free_beds: np.ndarray  # free beds at the start of each step


def bed_flow(grid: TimeGrid, unit: CareUnit, discharge_capacity: np.ndarray, rng: np.random.Generator) -> BedResult:
    b = unit.beds
    assert b is not None
    per_day = unit.count * b.beds * b.occupancy / (b.length_of_stay / 24)
    rate = per_day / b.discharge_hours.length_h * grid.step_h * grid.open_fraction(b.discharge_hours)
    ready = rng.poisson(rate).astype(float)
    working = discharge_capacity >= 0.999
    cap = np.where(working, ready + (b.catch_up - 1) * rate, discharge_capacity * rate)
    blocked = lindley(ready, cap)
    spare = unit.count * b.beds * (1 - b.occupancy)
    free = spare - np.concatenate(([0.0], blocked[:-1]))
    return BedResult(blocked, free)
