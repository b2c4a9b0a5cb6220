"""Beds and discharges: patients ready to leave stay in their beds while discharge messaging to
municipal care is down (interruption rule **hold**: they wait in the bed until a message can be
sent). Held-up patients are discharged at `catch_up` times the normal rate once it works again.

Occupancy is tracked as expected values per step (a fluid model): patients not yet ready become
ready at rate 1/length_of_stay, during discharge hours; in normal operation admissions replace
them one for one, so occupancy stays at its normal level. Blocked beds take the room of new
admissions: admissions are limited by free beds, so occupancy never exceeds the beds, and acute
patients who need a bed when none is free are diverted (see acute.py). Surge beds
(`surge`, överbeläggning) add room beyond the normal beds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...scenario.model import CareUnit
from ..grid import TimeGrid


@dataclass
class BedResult:
    blocked: np.ndarray  # patients ready for discharge but still in a bed, after each step
    free_beds: np.ndarray  # free beds at the start of each step
    turned_away: np.ndarray  # admissions that found no free bed, per step (expected)


def bed_flow(grid: TimeGrid, unit: CareUnit, discharge_capacity: np.ndarray) -> BedResult:
    b = unit.beds
    assert b is not None
    normal = float(unit.count * b.beds) * b.occupancy
    beds = float(unit.count * b.beds) * (1 + b.surge)
    # Share of the not-yet-ready patients who become ready in each step (discharge hours only).
    share = (
        (24 / (b.length_of_stay / 24)) / b.discharge_hours.length_h / 24 * grid.step_h
        * grid.open_fraction(b.discharge_hours)
    ).tolist()
    cap = discharge_capacity.tolist()
    n = grid.n
    blocked = np.empty(n)
    free = np.empty(n)
    turned = np.zeros(n)
    waiting, held = normal, 0.0  # not yet ready; ready but held
    catch_up = b.catch_up
    for k in range(n):
        free[k] = beds - waiting - held
        f = share[k]
        if f == 0.0:
            blocked[k] = held
            continue
        ready = waiting * f
        normal_out = normal * f
        c = cap[k]
        limit = normal_out * catch_up if c >= 0.999 else normal_out * c
        out = min(held + ready, limit) if held > 0 or c < 0.999 else held + ready
        held = held + ready - out
        waiting -= ready
        room = beds - waiting - held
        admit = min(normal_out, max(0.0, room))
        turned[k] = normal_out - admit
        waiting += admit
        blocked[k] = held
    return BedResult(blocked, free, turned)
