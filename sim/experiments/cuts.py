"""Cutting a finished run by date and by unit kind: the counts between two day marks, of the kinds
chosen, as a summary in the layout of the JSON summary, so that tables, charts and downloads read
it unchanged. The app's Results and Compare pages use it."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from ..engine.windows import WINDOWED_KPIS, mark_times
from .runner import Experiment, StrategyRuns
from .stats import difference_summary, summarize
from .summary import clean, without_reached


@dataclass(frozen=True)
class Cut:
    """Counts from day mark `first` to day mark `last` (indices into the run's marks), of the unit
    kinds in `kinds` (None: all)."""

    first: int
    last: int
    kinds: tuple[str, ...] | None = None


def mark_dates(exp: Experiment) -> list[datetime]:
    """The moments of a run's day marks: its start, every midnight, its end."""
    sc = exp.scenario
    return [sc.start + timedelta(hours=float(h)) for h in mark_times(sc.start, sc.horizon)]


def cut_for_dates(exp: Experiment, first_day: date, last_day: date, kinds: tuple[str, ...] | None) -> Cut:
    """The cut from the start of `first_day` to the end of `last_day` (within the run)."""
    marks = mark_dates(exp)
    start = datetime(first_day.year, first_day.month, first_day.day)
    end = datetime(last_day.year, last_day.month, last_day.day) + timedelta(days=1)
    first = max(i for i, m in enumerate(marks) if m <= max(start, marks[0]))
    last = min(i for i, m in enumerate(marks) if m >= min(end, marks[-1]))
    return Cut(first, max(first, last), kinds)


def is_whole(exp: Experiment, cut: Cut) -> bool:
    return cut.first == 0 and cut.last == len(mark_dates(exp)) - 1 and cut.kinds is None


def values(runs: StrategyRuns, kpi: str, cut: Cut) -> np.ndarray:
    """KPI `kpi` of every finished replication within the cut."""
    total = np.zeros(runs.replications)
    for kind in runs.kinds(kpi):
        if cut.kinds is not None and kind not in cut.kinds:
            continue
        marked = runs.marked(kpi, kind)
        if marked is not None:
            total += marked[:, cut.last] - marked[:, cut.first]
    return total


def cut_summary(exp: Experiment, summary: dict[str, Any], cut: Cut) -> dict[str, Any]:
    """`summary` with every count and bed-day KPI (and its kinds) within the cut; a comparison's
    paired differences too. Everything else is unchanged."""
    out = copy.deepcopy(summary)
    marks = mark_dates(exp)
    out["cut"] = {
        "start": marks[cut.first].strftime("%Y-%m-%d %H:%M"),
        "end": marks[cut.last].strftime("%Y-%m-%d %H:%M"),
        "kinds": list(cut.kinds) if cut.kinds is not None else None,
    }
    for strategy, s in out["strategies"].items():
        runs = exp.runs[strategy]
        for kpi in WINDOWED_KPIS:
            s["kpis"][kpi] = clean(summarize(values(runs, kpi, cut)))
        s["by_kind"] = {
            kind: {kpi: clean(without_reached(summarize(values(runs, kpi, Cut(cut.first, cut.last, (kind,))))))
                   for kpi in WINDOWED_KPIS if kind in runs.kinds(kpi)}
            for kind in s.get("by_kind", {})
            if cut.kinds is None or kind in cut.kinds
        }
    comparison = out.get("comparison")
    if comparison:
        base = exp.runs[comparison["baseline"]]
        for strategy, diffs in comparison["differences"].items():
            for kpi in WINDOWED_KPIS:
                if kpi in diffs:
                    diffs[kpi] = clean(paired(exp.runs[strategy], base, kpi, cut))
    return out


def paired(runs: StrategyRuns, baseline: StrategyRuns, kpi: str, cut: Cut) -> dict[str, Any]:
    """The paired difference of one KPI within the cut, replication by replication."""
    a = np.full(runs.requested, np.nan)
    b = np.full(baseline.requested, np.nan)
    a[runs.indices] = values(runs, kpi, cut)
    b[baseline.indices] = values(baseline, kpi, cut)
    return difference_summary(a, b)
