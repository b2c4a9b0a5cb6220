"""Summary statistics over replications: mean with a t-based 95% confidence interval, and
percentiles. Plain numpy: the command line must not need scipy."""

from __future__ import annotations

import math

import numpy as np

# Student t 97.5% quantiles for 1..30 degrees of freedom.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)
_Z975 = 1.959963984540054


def t975(df: int) -> float:
    """97.5% quantile of Student's t (two-sided 95%)."""
    if df < 1:
        return math.nan
    if df <= 30:
        return _T975[df - 1]
    # Cornish-Fisher expansion (Abramowitz and Stegun 26.7.5); error below 1e-4 for df > 30.
    z = _Z975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


def mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and the two ends of its t-based 95% confidence interval (NaN values left out)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return math.nan, math.nan, math.nan
    m = float(v.mean())
    if v.size == 1:
        return m, math.nan, math.nan
    half = t975(v.size - 1) * float(v.std(ddof=1)) / math.sqrt(v.size)
    return m, m - half, m + half


def summarize(
    values: np.ndarray, *, moment: bool = False, bounds: np.ndarray | None = None
) -> dict[str, float | list[float]]:
    """Mean, 95% CI and p10/p50/p90; for moments (a time something happened) also the share
    of replications in which it happened. With `bounds` (the horizon, for each replication where
    a moment could happen), a replication that did not reach the moment within the horizon
    counts with its bound: the mean and percentiles are then lower bounds (`censored` > 0), never
    a mean of only the replications that reached it."""
    v = np.asarray(values, dtype=float)
    reached = ~np.isnan(v)
    if bounds is not None:
        b = np.asarray(bounds, dtype=float)
        applicable = reached | ~np.isnan(b)
        v = np.where(reached, v, b)[applicable]
        reached = reached[applicable]
    finite = v[~np.isnan(v)]
    m, lo, hi = mean_ci(finite)
    if finite.size:
        p10, p50, p90 = (float(x) for x in np.percentile(finite, [10, 50, 90]))
    else:
        p10 = p50 = p90 = math.nan
    out: dict[str, float | list[float]] = {"mean": m, "ci95": [lo, hi], "p10": p10, "p50": p50, "p90": p90}
    if moment:
        out["reached"] = float(reached.mean()) if reached.size else math.nan
        if bounds is not None:
            out["censored"] = float(1 - reached.mean()) if reached.size else 0.0
    return out


def moment_bounds(name: str, first_failure_at_h: np.ndarray, observed_h: np.ndarray) -> np.ndarray | None:
    """Each replication's lower bound for moment KPI `name` (NaN where nothing failed), or None
    for a KPI that is no censored moment."""
    from ..vocabulary import kpi, moment_bound

    if kpi(name).since is None:
        return None
    return np.array([moment_bound(name, f, o) for f, o in zip(first_failure_at_h, observed_h, strict=True)])


def replications_needed(values: np.ndarray, half_width: float) -> int:
    """Replications needed for a 95% CI of the mean no wider than +/- `half_width`, from a pilot
    sample (iterates because the t quantile depends on the count)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size < 2:
        raise ValueError("need at least two pilot replications")
    if half_width <= 0:
        raise ValueError("the half-width must be above zero")
    s = float(v.std(ddof=1))
    if s == 0:
        return 2
    n = max(2, v.size)
    for _ in range(100):
        need = math.ceil((t975(n - 1) * s / half_width) ** 2)
        if need <= n:
            return max(2, need)
        n = need
    return n


def difference_summary(values: np.ndarray, baseline: np.ndarray) -> dict[str, float | list[float]]:
    """Paired differences `values - baseline`, replication by replication (common random
    numbers): mean, 95% CI and p10/p50/p90, the number of `pairs` they rest on and of
    `replications`. Pairs where either is NaN are left out."""
    a = np.asarray(values, dtype=float)
    b = np.asarray(baseline, dtype=float)
    if a.shape != b.shape:
        raise ValueError("paired samples must have the same length")
    d = a - b
    paired = d[~np.isnan(d)]
    out = summarize(paired)
    return {**{k: out[k] for k in ("mean", "ci95", "p10", "p50", "p90")}, "pairs": int(paired.size),
            "replications": int(d.size)}


def welch_difference(values: np.ndarray, baseline: np.ndarray) -> dict[str, float | list[float]]:
    """The difference of two means treated as independent samples (Welch's t interval): what a
    comparison without common random numbers would give."""
    a = np.asarray(values, dtype=float)
    b = np.asarray(baseline, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size == 0 or b.size == 0:
        return {"mean": math.nan, "ci95": [math.nan, math.nan]}
    m = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2:
        return {"mean": m, "ci95": [math.nan, math.nan]}
    va, vb = float(a.var(ddof=1)) / a.size, float(b.var(ddof=1)) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return {"mean": m, "ci95": [m, m]}
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = t975(max(1, math.floor(df))) * se
    return {"mean": m, "ci95": [m - half, m + half]}
