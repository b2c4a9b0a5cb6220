"""Beds and discharges: patients ready to leave stay in their beds while discharge messaging to
municipal care is down (interruption rule **hold**: they wait in the bed until a message can be
sent). The discharge service has `catch_up` times the normal rate as its capacity: at discharge
capacity `c`, up to `c * catch_up` times the normal rate leave in a step, the patients ready now
first and the held-up ones with what is left, so the backlog is worked off continuously.

Occupancy is tracked per step: patients not yet ready become ready at rate 1/length_of_stay,
during discharge hours, and how many do in a step is drawn (Poisson, from the stream
`beds:UNIT`), so a discharge service close to demand builds the queue that chance builds
(patients ready late in the day wait overnight, and a near-critical service falls behind on the
days more patients are ready than it can send); in normal operation admissions replace them one
for one, so occupancy stays at its normal level. Blocked beds take the room of new
admissions: admissions are limited by free beds, so occupancy never exceeds the beds. Acute
admissions come first; planned (elective) admissions, `elective_share` of the normal ones, are
postponed when fewer beds are left than half a day's acute admissions, and acute patients who need a bed when none is free are
diverted (see acute.py). Surge beds
(`surge`, överbeläggning) add room beyond the normal beds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...scenario.model import CareUnit
from ..budget import CHECK_EVERY, Budget
from ..grid import TimeGrid
from ..streams import Streams


@dataclass
class BedResult:
    blocked: np.ndarray  # patients ready for discharge but still in a bed, after each step
    free_beds: np.ndarray  # beds an acute patient could get in each step (electives postponed first)
    postponed: np.ndarray  # elective admissions postponed for want of a bed, per step (expected)


def discharge_limit(normal_out: float, capacity: float, catch_up: float) -> float:
    """docs/model.md, discharge **hold**: patients who can leave in a step at discharge capacity
    `capacity` (share of normal): the service's headroom `catch_up` times the normal rate, scaled
    by the capacity. No threshold: a small change of capacity gives a small change."""
    return normal_out * catch_up * capacity


def readiness(grid: TimeGrid, unit: CareUnit, streams: Streams) -> tuple[np.ndarray, np.ndarray]:
    """The share of the not-yet-ready patients who become ready in each step (discharge hours
    only), and a draw for each step of how many do at normal occupancy: Poisson with the expected
    number as its mean. The flow scales it to the patients it has (`ready = draw × waiting /
    normal`), so the mean follows the occupancy and the draws stay common to every strategy."""
    b = unit.beds
    assert b is not None
    normal = float(unit.count * b.beds) * b.occupancy
    share = (24 / (b.length_of_stay / 24)) / b.discharge_hours.length_h / 24 * grid.step_h * grid.open_fraction(b.discharge_hours)
    drawn = streams.over_steps(f"beds:{unit.id}", grid.n, grid.step_h, lambda g, k: g.poisson(normal * share[k]))
    return share, drawn.astype(float)


def bed_flow(grid: TimeGrid, unit: CareUnit, discharge_capacity: np.ndarray, streams: Streams,
             budget: Budget | None = None) -> BedResult:
    b = unit.beds
    assert b is not None
    normal = float(unit.count * b.beds) * b.occupancy
    beds = float(unit.count * b.beds) * (1 + b.surge)
    share_a, drawn_a = readiness(grid, unit, streams)
    share, drawn = share_a.tolist(), drawn_a.tolist()
    cap = discharge_capacity.tolist()
    n = grid.n
    blocked = [0.0] * n
    free = [0.0] * n
    postponed = [0.0] * n
    elective = b.elective_share
    reserve = normal / (b.length_of_stay / 24) * (1 - elective) / 2
    waiting, held, spare = normal, 0.0, 0.0  # not yet ready; ready but held; spare discharge
    catch_up = b.catch_up
    for k in range(n):
        if budget is not None and k % CHECK_EVERY == 0:
            budget.check_time()
        free[k] = beds - waiting - held
        f = share[k]
        if f == 0.0:
            blocked[k] = held
            continue
        # The turns of the places at normal occupancy: a place holding a patient not yet ready
        # makes them ready, and every turn admits a new patient if a bed is free.
        turns = drawn[k]
        ready = min(waiting, turns * waiting / normal)
        limit = discharge_limit(normal * f, cap[k], catch_up) + spare
        out = min(held + ready, limit)
        spare = min(1.0, limit - out)  # a discharge the service had time for and nobody needed
        held = held + ready - out
        waiting -= ready
        room = max(0.0, beds - waiting - held)
        free[k] = room
        acute_admit = min(turns * (1 - elective), room)
        # Electives leave room for the acute admissions of the next half day.
        elective_admit = min(turns * elective, max(0.0, room - acute_admit - reserve))
        postponed[k] = turns * elective - elective_admit
        waiting += acute_admit + elective_admit
        blocked[k] = held
    return BedResult(np.array(blocked), np.array(free), np.array(postponed))
