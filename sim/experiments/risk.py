"""Risk statements beside the means: "chance that normal takes more than 5 days: 23%", counted
from the replications, with a 95% interval for the share (Wilson's score interval).

A moment not reached within the horizon counts as taking longer than any threshold inside the
horizon: a run that never returned to normal did take more than 5 days. A threshold at or past
the horizon cannot be judged from such runs, so its statement is left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..i18n import N_, _, count, duration, percent
from ..vocabulary import TIME_KPIS

RISK_KPIS: tuple[str, ...] = ("time_to_normal_h", "time_to_full_operation_h", "cancelled_planned", "calls_unanswered")
"""The KPIs with a risk statement, in this order."""

PHRASES: dict[str, str] = {
    "time_to_normal_h": N_("Chance that normal takes more than {threshold}: {share}"),
    "time_to_full_operation_h": N_("Chance that full operation takes more than {threshold}: {share}"),
    "cancelled_planned": N_("Chance that more than {threshold} planned visits are cancelled: {share}"),
    "calls_unanswered": N_("Chance that more than {threshold} calls go unanswered: {share}"),
}
GENERIC = N_("Chance that {kpi} is more than {threshold}: {share}")
_Z = 1.959963984540054


@dataclass(frozen=True)
class Risk:
    """The share of replications in which a KPI exceeded a threshold."""

    kpi: str
    strategy: str
    threshold: float
    exceeded: int
    runs: int

    @property
    def share(self) -> float:
        return self.exceeded / self.runs if self.runs else math.nan

    @property
    def interval(self) -> tuple[float, float]:
        """Wilson's 95% score interval for the share."""
        n = self.runs
        if n == 0:
            return math.nan, math.nan
        p = self.share
        centre = (p + _Z**2 / (2 * n)) / (1 + _Z**2 / n)
        half = _Z * math.sqrt(p * (1 - p) / n + _Z**2 / (4 * n * n)) / (1 + _Z**2 / n)
        return max(0.0, centre - half), min(1.0, centre + half)


def exceeded(values: np.ndarray, threshold: float, *, moment: bool) -> tuple[int, int]:
    """(runs above `threshold`, runs). For a moment, a run in which it was never reached (NaN)
    counts as above."""
    v = np.asarray(values, dtype=float)
    if moment:
        return int(np.sum(np.isnan(v) | (v > threshold))), int(v.size)
    v = v[~np.isnan(v)]
    return int(np.sum(v > threshold)), int(v.size)


def nice_threshold(kpi: str, values: np.ndarray) -> float | None:
    """A round threshold at or just above the median, for a statement about the worse half that
    people can quote: whole days for a long time (whole hours for a short one), two significant
    figures for a count. None when no run reached the moment."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return None
    median = float(np.median(v))
    if kpi in TIME_KPIS:
        if median >= 48:
            return 24.0 * max(1, math.ceil(median / 24 - 1e-9))
        return float(max(1, math.ceil(median - 1e-9)))
    if median <= 0:
        return 0.0
    step = 10.0 ** (int(math.floor(math.log10(median))) - 1)
    return float(math.ceil(median / step - 1e-9) * step)


def judged_until(scenario: Any) -> dict[str, float]:
    """The largest threshold a moment's statement can be judged at: a run that never reached it
    only tells that it took longer than the rest of the horizon (from the first failure, for a
    `time_to_` KPI)."""
    horizon = float(scenario.horizon)
    starts = [scenario.hours(i.at) for i in scenario.incidents]
    first = min(starts) if starts else 0.0
    return {k: horizon - first if k.startswith("time_to_") else horizon for k in TIME_KPIS}


def risks(exp: Any, thresholds: dict[str, float] | None = None, kpis: tuple[str, ...] = RISK_KPIS,
          baseline: str = "baseline") -> list[Risk]:
    """One risk per KPI and strategy; the same threshold for every strategy (given, or a round
    number near the baseline's median), so the strategies can be compared."""
    thresholds = dict(thresholds or {})
    limit = judged_until(exp.scenario)
    reference = baseline if baseline in exp.runs else next(iter(exp.runs))
    out = []
    for kpi in kpis:
        moment = kpi in TIME_KPIS
        threshold = thresholds.get(kpi)
        if threshold is None:
            threshold = nice_threshold(kpi, exp.runs[reference].kpi(kpi))
        if threshold is None or (moment and threshold >= limit.get(kpi, math.inf)):
            continue
        for strategy, runs in exp.runs.items():
            above, n = exceeded(runs.kpi(kpi), threshold, moment=moment)
            out.append(Risk(kpi, strategy, float(threshold), above, n))
    return out


def threshold_text(kpi: str, threshold: float) -> str:
    return duration(threshold) if kpi in TIME_KPIS else count(threshold)


def statement(risk: Risk) -> str:
    """`Chance that normal takes more than 5 days: 23%` in the current language."""
    from ..values import label

    phrase = PHRASES.get(risk.kpi)
    text = _(phrase) if phrase else _(GENERIC).replace("{kpi}", label(risk.kpi).lower())
    return text.format(threshold=threshold_text(risk.kpi, risk.threshold), share=percent(risk.share))


def interval_text(risk: Risk) -> str:
    lo, hi = risk.interval
    return _("{low} to {high}").format(low=percent(lo), high=percent(hi))
