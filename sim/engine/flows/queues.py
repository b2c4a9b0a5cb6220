"""Small queueing helpers shared by the flows."""

from __future__ import annotations

import numpy as np


def lindley(inflow: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Level after each step of a store fed by `inflow` and drained by at most `capacity` a step,
    starting empty: L[k] = max(0, L[k-1] + inflow[k] - capacity[k]), without a Python loop."""
    s = np.cumsum(inflow - capacity)
    return s - np.minimum(0, np.minimum.accumulate(s))
