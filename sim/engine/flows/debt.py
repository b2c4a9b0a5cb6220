"""Administrative debt: work done without a system leaves records to enter once it works again.

Each hour a unit's service works without a system that a backup routine replaces adds
`admin_debt_per_hour` hours of back-entry, times the share of the service's normal work done in
that hour, times the share of the system missing, whether or not a routine is used: the records
exist either way. The debt is worked off while the systems work, at the routine's
`back_entry_hours_per_day` in ordinary time, and from `overtime.start_after` after the unit's
systems are back at `overtime.back_entry_hours_per_day` more."""

from __future__ import annotations

import numpy as np

from .queues import lindley


def work_done_share(capacity: np.ndarray, headroom: float) -> np.ndarray:
    """docs/model.md, **Back-entry debt**: the share of a service's normal work done at `capacity`
    (a share of normal capacity, which is `headroom` times normal demand)."""
    return np.minimum(1.0, capacity * headroom)


def debt_added(without: np.ndarray, per_hour: float, count: int, step_h: float) -> np.ndarray:
    """docs/model.md, **Back-entry debt**: hours of records added in each step by units doing
    `without` (0..1) of their normal work without a replaced system: the share of normal work
    done times the share of the system missing."""
    return per_hour * count * step_h * without


def debt_flow(added_h: np.ndarray, work_h: np.ndarray) -> np.ndarray:
    """Debt (hours) after each step: a store fed by the records added and drained by the hours of
    back-entry in the step."""
    return lindley(added_h, work_h)
