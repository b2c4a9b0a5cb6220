"""What the simulator says about an observation: a KPI of one replication, counted in a time
window and by unit kind where the observation asks for it.

The windowed counts are taken from the replication's cumulative series (`METRIC:KIND`), so this
small function is the one place to change once KPIs by window and unit kind come from the engine
itself."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .library import SHARE_OF, Observation


def window_steps(scenario: Any, obs: Observation, step_h: float, n: int) -> tuple[int, int]:
    """[first, last) steps of the observation's window (the whole run when it has none)."""
    if obs.window is None:
        return 0, n
    a = int(round(scenario.hours(obs.window.start) / step_h))
    b = int(round(scenario.hours(obs.window.end) / step_h))
    return max(0, min(a, n)), max(0, min(b, n))


def windowed_count(series: dict[str, np.ndarray], metric: str, kind: str | None, steps: tuple[int, int]) -> float:
    """The growth of a cumulative series `METRIC:KIND` (all kinds summed when `kind` is None)
    over the steps [first, last)."""
    if kind is not None:
        names = [f"{metric}:{kind}"]
    else:
        names = [k for k in series if k.startswith(metric + ":") and not k.endswith(":all")]
    total = 0.0
    a, b = steps
    if b <= a:
        return 0.0
    for name in names:
        cum = series.get(name)
        if cum is None:
            continue
        before = float(cum[a - 1]) if a > 0 else 0.0
        total += float(cum[b - 1]) - before
    return total


def simulated(rep: Any, scenario: Any, obs: Observation) -> float:
    """The observation's statistic in one replication (NaN when it is undefined there: a moment
    never reached, or a share of nothing)."""
    if obs.statistic == "value":
        return float(rep.kpis.get(obs.kpi, math.nan))
    from ..vocabulary import KPI

    n = len(next(iter(rep.series.values())))
    steps = window_steps(scenario, obs, rep.step_h, n)
    count = windowed_count(rep.series, KPI[obs.kpi].series or obs.kpi, obs.unit_kind, steps)
    if obs.statistic == "count":
        return count
    normal = windowed_count(rep.series, SHARE_OF[obs.kpi], obs.unit_kind, steps)
    return count / normal if normal > 0 else math.nan
