"""Which assumptions drive the spread: the share of a KPI's variance over a run's replications that
each assumed number explains on its own (its first-order sensitivity index).

Every replication draws each assumed number once (sim/scenario/assumptions.py), so a run of N
replications is already a sample of (drawn values, KPI): the shares come from the run itself, with
no extra simulation. For an assumption X and a KPI Y the first-order index is

    S = Var(E[Y | X]) / Var(Y),

the share of Y's variance that would go if X were known exactly. It is estimated as an adjusted
correlation ratio: the replications are sorted by X and cut into bins of equal count; the
variance between the bins' means, less what bin means of a finite sample scatter by chance,
over the total variance (epsilon-squared of a one-way analysis of variance; the "given data"
estimate of a first-order Sobol index, Plischke 2010). A bootstrap over the replications gives
a 90% interval (percentiles shifted by the resamples' bias).

What it estimates, and its limits:
- Var(Y) holds the randomness of events (failures, arrivals, repairs) as well as the
  assumptions; the shares are of that total. What no single assumption explains (1 - the sum)
  is chance and interactions between assumptions.
- First order only: an assumption that matters only together with another shows a small share.
- Bins smooth the effect of X: a threshold inside one bin is underestimated. With fewer than
  MIN_REPLICATIONS replications no share is given; with a few hundred, shares below about 0.05
  cannot be told from nothing (read the interval).
- Fields citing one reference range share one draw, so they get one share (`evidence:NAME`).
- A moment KPI (time to full operation) is taken over the replications that reached it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MIN_REPLICATIONS = 30
"""Fewer replications than this give no shares: too few to tell a share from noise."""
MAX_BINS = 20
BOOTSTRAP = 200
"""Bootstrap resamples for the 90% interval."""
INTERVAL = (5.0, 95.0)


@dataclass(frozen=True)
class Share:
    """One assumption's share of a KPI's variance, with its bootstrap 90% interval."""

    key: str
    """The assumption's key: its field's path, or `evidence:NAME` for a reference range."""
    share: float
    low: float
    high: float


@dataclass(frozen=True)
class KpiShares:
    """The shares of one KPI, largest first, and what no single assumption explains."""

    kpi: str
    replications: int
    """Replications the shares come from (those where the KPI is defined)."""
    shares: tuple[Share, ...]
    unexplained: float
    """1 - the sum of the shares (at least 0): chance, and assumptions acting together."""

    def as_data(self) -> dict[str, Any]:
        return {
            "replications": self.replications,
            "unexplained": self.unexplained,
            "shares": {s.key: {"share": s.share, "p5": s.low, "p95": s.high} for s in self.shares},
        }


def bins_for(n: int) -> int:
    """Bins for n replications: about the square root of n, at most MAX_BINS (so at least
    n / 20 replications in each)."""
    return max(2, min(MAX_BINS, math.isqrt(max(n, 4))))


def bin_index(x: np.ndarray, bins: int) -> np.ndarray:
    """Each replication's bin: equal counts in the order of x. A value drawn from few distinct
    values (an empirical range) gets one bin per value, so that ties never straddle bins."""
    values, inverse = np.unique(x, return_inverse=True)
    if len(values) <= bins:
        return np.asarray(inverse, dtype=np.intp)
    order = np.argsort(x, kind="stable")
    out = np.empty(len(x), dtype=np.intp)
    out[order] = (np.arange(len(x)) * bins) // len(x)
    return out


def _epsilon_squared(y: np.ndarray, b: np.ndarray, bins: int) -> np.ndarray:
    """Adjusted correlation ratio of y by bin, for each row of y (rows: resamples)."""
    rows, n = y.shape
    flat = (b + bins * np.arange(rows)[:, None]).ravel()
    counts = np.bincount(flat, minlength=rows * bins).reshape(rows, bins).astype(float)
    sums = np.bincount(flat, weights=y.ravel(), minlength=rows * bins).reshape(rows, bins)
    total = y.sum(axis=1)
    ss_total = (y * y).sum(axis=1) - total * total / n
    with np.errstate(invalid="ignore", divide="ignore"):
        between = np.where(counts > 0, sums * sums / np.where(counts > 0, counts, 1), 0.0).sum(axis=1)
    ss_between = between - total * total / n
    used = (counts > 0).sum(axis=1)
    ss_within = np.maximum(ss_total - ss_between, 0.0)
    ms_within = ss_within / np.maximum(n - used, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        eps = (ss_between - (used - 1) * ms_within) / ss_total
    scale = np.maximum(np.abs(y).max(axis=1), 1e-300)
    eps[ss_total <= 1e-18 * n * scale * scale] = np.nan  # a KPI that does not vary
    return np.clip(eps, 0.0, 1.0)


def variance_shares(
    drawn: Mapping[str, np.ndarray],
    y: np.ndarray,
    *,
    kpi: str = "",
    bootstrap: int = BOOTSTRAP,
    seed: int = 0,
) -> KpiShares | None:
    """The first-order variance share of every assumption in `drawn` (key -> the value drawn in
    each replication) for the outcome `y` (one value per replication, NaN where undefined).
    None when too few replications define `y`, or `y` does not vary."""
    y = np.asarray(y, dtype=float)
    ok = ~np.isnan(y)
    n = int(ok.sum())
    if n < MIN_REPLICATIONS:
        return None
    y = y[ok]
    if np.ptp(y) <= 1e-12 * max(1.0, float(np.abs(y).max())):
        return None
    bins = bins_for(n)
    rng = np.random.default_rng(seed)
    resample = rng.integers(0, n, size=(bootstrap, n)) if bootstrap > 0 else np.zeros((0, n), dtype=int)
    shares = []
    for key, x in drawn.items():
        x = np.asarray(x, dtype=float)[ok]
        if np.ptp(x) == 0:
            shares.append(Share(key, 0.0, 0.0, 0.0))
            continue
        b = bin_index(x, bins)
        used = int(b.max()) + 1
        point = float(_epsilon_squared(y[None, :], b, used)[0])
        lo = hi = point
        if bootstrap > 0:
            boot = _epsilon_squared(y[resample], b[resample], used)
            # Resampled replications repeat, which inflates the between-bin variance: the
            # percentiles are shifted by the resamples' median bias (bias-corrected percentiles).
            bias = float(np.nanmedian(boot)) - point
            lo, hi = (float(v) - bias for v in np.nanpercentile(boot, INTERVAL))
        shares.append(Share(key, point, min(max(lo, 0.0), point), max(min(hi, 1.0), point)))
    shares.sort(key=lambda s: (-s.share, s.key))
    rest = max(0.0, 1.0 - sum(s.share for s in shares))
    return KpiShares(kpi, n, tuple(shares), rest)


def drawn_values(scenario: Any, seed: int, indices: Sequence[int] | np.ndarray) -> dict[str, np.ndarray]:
    """The value each assumption of `scenario` took in each of the replications `indices` of a
    run with `seed`, by assumption key: the same draws the replications made (same streams)."""
    from ..engine import replication_seed
    from ..scenario.assumptions import draw_values

    assumptions = scenario.assumptions
    first_path: dict[str, str] = {}
    for a in assumptions:
        first_path.setdefault(a.key, a.path)
    out = {key: np.empty(len(indices)) for key in first_path}
    for row, k in enumerate(indices):
        values = draw_values(assumptions, replication_seed(seed, int(k)))
        for key, path in first_path.items():
            out[key][row] = values[path]
    return out


def experiment_shares(
    exp: Any, strategy: str, kpis: Sequence[str], *, bootstrap: int = BOOTSTRAP
) -> dict[str, KpiShares]:
    """The variance shares of `kpis` for one strategy of a finished run (empty when the
    strategy's scenario has no assumed numbers written as ranges)."""
    from ..scenario.changes import apply_strategy

    scenario = apply_strategy(exp.scenario, strategy)
    if not scenario.assumptions:
        return {}
    runs = exp.runs[strategy]
    drawn = drawn_values(scenario, exp.seed, runs.indices)
    out = {}
    for kpi in kpis:
        s = variance_shares(drawn, runs.kpi(kpi), kpi=kpi, bootstrap=bootstrap, seed=exp.seed)
        if s is not None:
            out[kpi] = s
    return out


__all__ = [
    "MIN_REPLICATIONS",
    "KpiShares",
    "Share",
    "drawn_values",
    "experiment_shares",
    "variance_shares",
]
