"""How the fast engine is held to the reference engine: which KPIs are compared, and when two
means agree. Used by the differential tests and by `make bench`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...vocabulary import KPIS, Aggregate

COMPARED_KPIS: tuple[str, ...] = tuple(
    k.name for k in KPIS if k.aggregate in (Aggregate.COUNT, Aggregate.AREA, Aggregate.LEVEL)
)
"""KPIs that count or add up what happened (not moments, durations, means or peaks)."""

RELATIVE = 0.05
"""Two means agree within 5% of the reference's, or within their combined 95% confidence
interval when that is wider."""


@dataclass(frozen=True)
class Agreement:
    kpi: str
    fast: float
    reference: float
    tolerance: float

    @property
    def gap(self) -> float:
        return self.fast - self.reference

    @property
    def relative_gap(self) -> float:
        return self.gap / abs(self.reference) if self.reference else (0.0 if self.gap == 0 else math.inf)

    @property
    def agrees(self) -> bool:
        if math.isnan(self.fast) and math.isnan(self.reference):
            return True  # a KPI neither engine has (a deadline the scenario does not declare)
        return abs(self.gap) <= self.tolerance + 1e-9

    def __str__(self) -> str:
        rel = f"{self.relative_gap:+.1%}" if math.isfinite(self.relative_gap) else "n/a"
        return (f"{self.kpi}: fast {self.fast:.4g}, reference {self.reference:.4g} ({rel}; "
                f"tolerance {self.tolerance:.3g})")


def _mean_half_width(values: np.ndarray) -> tuple[float, float]:
    from ...experiments.stats import mean_ci

    m, lo, _ = mean_ci(values)
    return m, (m - lo) if math.isfinite(lo) else 0.0


def agreement(kpi: str, fast: np.ndarray, reference: np.ndarray) -> Agreement:
    """The two engines' means of one KPI over their replications, and the tolerance between them."""
    mf, hf = _mean_half_width(np.asarray(fast, dtype=float))
    mr, hr = _mean_half_width(np.asarray(reference, dtype=float))
    return Agreement(kpi, mf, mr, max(RELATIVE * abs(mr), math.hypot(hf, hr)))


def compare(fast: list[dict[str, float]], reference: list[dict[str, float]]) -> list[Agreement]:
    """Every compared KPI of two lists of replications' KPIs."""
    return [
        agreement(k, np.array([r[k] for r in fast]), np.array([r[k] for r in reference]))
        for k in COMPARED_KPIS
    ]
