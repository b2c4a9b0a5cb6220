"""Counts by time window and by unit kind, read from a replication's cumulative series.

A count KPI with a cumulative series per unit kind (sim/vocabulary.py) counts what happened in a
window [start, end) as the series at the end minus at the start: a visit counts where its booked
time falls, a call where it is made, an arrival where it arrives. Blocked bed-days count where they
are spent (the blocked beds integrated over the window). A window edge inside a time step takes
that step's share pro rata. The same cut works for both engines, and the kinds sum to the total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..scenario.quantities import parse_time_point
from ..vocabulary import KPI, KPIS, TOTAL, Aggregate

AREA_SERIES: dict[str, tuple[str, float]] = {"blocked_bed_days": ("blocked_beds", 1 / 24)}
"""KPIs that are an area under a per-kind series: (series, factor per series-unit-hour)."""

WINDOWED_KPIS: tuple[str, ...] = tuple(
    k.name for k in KPIS if k.by_window or k.name in AREA_SERIES
)
"""The KPIs a window and a unit kind cut: the counts with a cumulative series, and bed-days."""


class WindowError(ValueError):
    """A window that cannot be read or does not fit the scenario; the message says why."""


@dataclass(frozen=True)
class Window:
    """[start_h, end_h) in hours from the scenario's start."""

    start_h: float
    end_h: float

    def describe(self, start: datetime) -> dict[str, str]:
        from datetime import timedelta

        return {
            "start": (start + timedelta(hours=self.start_h)).strftime("%Y-%m-%d %H:%M"),
            "end": (start + timedelta(hours=self.end_h)).strftime("%Y-%m-%d %H:%M"),
        }


def parse_window(text: str, start: datetime, horizon_h: float) -> Window:
    """`2022-12-06 00:00..2022-12-07 00:00` (or clock times on the start date, or offsets such as
    `+1d..+2d`) as a window of the scenario starting at `start`."""
    parts = text.split("..")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise WindowError(f"expected START..END, like 2022-12-06 00:00..2022-12-07 00:00, got {text!r}")
    try:
        a, b = (parse_time_point(p.strip()).hours_from(start) for p in parts)
    except ValueError as exc:
        raise WindowError(str(exc)) from None
    if b <= a:
        raise WindowError(f"the window {text!r} ends before it starts")
    if b <= 0 or a >= horizon_h:
        raise WindowError(
            f"the window {text!r} lies outside the simulated period "
            f"({start:%Y-%m-%d %H:%M} plus {horizon_h:g} h)"
        )
    return Window(max(0.0, a), min(horizon_h, b))


def series_kinds(series: dict[str, np.ndarray], name: str) -> list[str]:
    """The unit kinds a replication has series `name` for (without the `all` total)."""
    prefix = f"{name}:"
    return [k[len(prefix):] for k in series if k.startswith(prefix) and k[len(prefix):] != TOTAL]


def cumulative(series: dict[str, np.ndarray], step_h: float, kpi: str, kind: str, times: np.ndarray) -> np.ndarray:
    """KPI `kpi` of unit kind `kind` from the start up to each of `times` (pro rata within a step)."""
    values_of = series[f"{_series_of(kpi)}:{kind}"]
    if kpi in AREA_SERIES:
        per_step = values_of * step_h * AREA_SERIES[kpi][1]
    else:
        assert KPI[kpi].aggregate is Aggregate.COUNT
        per_step = np.diff(values_of, prepend=0.0)
    edges = np.arange(len(per_step) + 1) * step_h
    values = np.concatenate(([0.0], np.cumsum(per_step)))
    out: np.ndarray = np.interp(times, edges, values)
    return out


def count(series: dict[str, np.ndarray], step_h: float, kpi: str, kind: str, window: Window) -> float:
    """KPI `kpi` of unit kind `kind` within the window."""
    a, b = cumulative(series, step_h, kpi, kind, np.array([window.start_h, window.end_h]))
    return float(b - a)


def by_kind(series: dict[str, np.ndarray], step_h: float, window: Window) -> dict[str, dict[str, float]]:
    """{KPI: {kind: value}} of every windowed KPI within the window."""
    out: dict[str, dict[str, float]] = {}
    for kpi in WINDOWED_KPIS:
        out[kpi] = {kind: count(series, step_h, kpi, kind, window) for kind in series_kinds(series, _series_of(kpi))}
    return out


def kpis_in_window(kpis: dict[str, float], cuts: dict[str, dict[str, float]]) -> dict[str, float]:
    """The replication's KPIs with the windowed ones replaced by their totals over the kinds."""
    out = dict(kpis)
    for kpi, values in cuts.items():
        out[kpi] = math.fsum(values.values())
    return out


def mark_times(start: datetime, horizon_h: float) -> np.ndarray:
    """The moments a run keeps cumulative counts at, for cuts by date: the start, every midnight
    within the horizon, and the end."""
    first = (24 - (start.hour + start.minute / 60)) % 24 or 24.0
    midnights = np.arange(first, horizon_h, 24.0)
    return np.concatenate(([0.0], midnights[midnights < horizon_h - 1e-9], [horizon_h]))


def day_marks(series: dict[str, np.ndarray], step_h: float, scenario: object) -> dict[str, np.ndarray]:
    """{"KPI:KIND": cumulative value at each of `mark_times`} of every windowed KPI: what happened
    between two marks is the difference, so a run can be cut by date after it has run."""
    from ..scenario.model import Scenario

    assert isinstance(scenario, Scenario)
    times = mark_times(scenario.start, scenario.horizon)
    out: dict[str, np.ndarray] = {}
    for kpi in WINDOWED_KPIS:
        for kind in series_kinds(series, _series_of(kpi)):
            out[f"{kpi}:{kind}"] = cumulative(series, step_h, kpi, kind, times)
    return out


def _series_of(kpi: str) -> str:
    name = AREA_SERIES[kpi][0] if kpi in AREA_SERIES else KPI[kpi].series
    assert name is not None
    return name
