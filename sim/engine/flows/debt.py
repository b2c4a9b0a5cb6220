"""Administrative debt: records kept on paper during backup routines must be entered afterwards.

Each hour a unit works on a backup routine adds `admin_debt_per_hour` hours of back-entry
(times the share of units that follow the routine); once no routine is needed at the unit, the
debt is worked off at `back_entry_hours_per_day`."""

from __future__ import annotations

import numpy as np

from ..grid import TimeGrid
from .queues import lindley


def overlap_hours(grid: TimeGrid, start: float, end: float) -> np.ndarray:
    a = grid.t0
    b = a + grid.step_h
    return np.asarray(np.clip(np.minimum(b, end) - np.maximum(a, start), 0, None), dtype=float)


def debt_flow(grid: TimeGrid, added_h: np.ndarray, on_backup: np.ndarray, work_per_day_h: float) -> np.ndarray:
    """Debt (hours) after each step."""
    work = np.where(on_backup, 0.0, work_per_day_h / 24 * grid.step_h)
    return lindley(added_h, work)
