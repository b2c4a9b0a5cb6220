"""Acute priority: when a unit loses capacity, staff move from planned to acute work.

With a share `s` of staff normally on acute work and capacities `a` (acute) and `p` (planned) left
by the outage, the unit's total working capacity is `s*a + (1-s)*p`. Acute care takes what it
needs first (up to full capacity); planned care gets the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..capacity import CapacityModel


def reallocate(acute: np.ndarray, planned: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    total = share * acute + (1 - share) * planned
    new_acute = np.minimum(1.0, np.maximum(acute, total / share))
    new_planned = np.clip((total - share * new_acute) / (1 - share), 0.0, 1.0) if share < 1 else planned
    return new_acute, new_planned


def planned_capacity_now(model: CapacityModel, cap: np.ndarray, entity: str, acute_priority: bool) -> float:
    """Planned capacity of a unit right now, after acute priority."""
    p_i = model.slot_index.get((entity, "planned"))
    if p_i is None:
        return 1.0
    a_i = model.slot_index.get((entity, "acute"))
    if not acute_priority or a_i is None:
        return float(cap[p_i])
    share = model.acute_share.get(entity, 0.3)
    _, p = reallocate(np.array([cap[a_i]]), np.array([cap[p_i]]), share)
    return float(p[0])
