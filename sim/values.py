"""KPI values as people read them at a glance, in the current language: moments as clock times
and dates (`6 dec 06:54`), long durations in days (`6,5 dygn`), counts as whole numbers, shares
as percentages; a moment reached in few runs, and a difference from too few pairs, said so.
Used by the app's tables, the charts and the reports."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

from .i18n import _, count, duration, moment, number, percent
from .vocabulary import KPI, Aggregate, kpi_label

Kind = Literal["moment", "duration", "count", "amount"]
MIN_PAIRS = 5
"""A paired difference from fewer pairs (replications in which both strategies reached the
moment), or from fewer than FEW_RUNS of the replications, is shown as "too few runs", never as a
number: it would describe a handful of selected runs, not the strategy."""
FEW_RUNS = 0.5
"""A moment reached in fewer than this share of the runs is marked as such: its mean and spread
describe only the runs in which it happened."""


def kpi_kind(name: str) -> Kind:
    """How a KPI's value reads: a moment (a clock time), a duration, a count, or an amount."""
    spec = KPI.get(name)
    if name.endswith("_at_h"):
        return "moment"
    if spec is not None and spec.aggregate in (Aggregate.COUNT, Aggregate.LEVEL):
        return "count"
    if name.startswith("time_to_") or (spec is not None and spec.aggregate is Aggregate.DURATION) or name in (
        "acute_wait_mean_h", "admin_debt_peak_h",
    ):
        return "duration"
    return "amount"


def label(name: str) -> str:
    """The KPI's label without an `(h)` unit: its values carry their own unit."""
    text = kpi_label(name) if name in KPI else name
    return text.removesuffix(" (h)") if kpi_kind(name) in ("moment", "duration") else text


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def value(name: str, x: Any, start: datetime | None = None, *, missing: str = "–") -> str:
    """One value of the KPI `name`: `6 dec 06:54`, `6,5 dygn`, `2 273`, `12,4`."""
    if _missing(x):
        return missing
    kind = kpi_kind(name)
    if kind == "moment":
        return moment(start, float(x), missing=missing) if start is not None else duration(float(x))
    if kind == "duration":
        return duration(float(x))
    if kind == "count":
        return count(float(x))
    return number(float(x), 1)


def difference(name: str, x: Any, *, missing: str = "–") -> str:
    """A difference of the KPI `name`, signed: `+14`, `−3,8 h`, `+1,2 dygn`."""
    if _missing(x):
        return missing
    kind = kpi_kind(name)
    if kind in ("moment", "duration"):
        return duration(float(x), signed=True)
    if kind == "count":
        return count(float(x), signed=True)
    return number(float(x), 1, signed=True)


def interval(name: str, low: Any, high: Any, start: datetime | None = None, *, signed: bool = False) -> str:
    """`2 100 to 2 400`, or `–` when either end is missing."""
    if _missing(low) or _missing(high):
        return "–"
    fmt = (lambda v: difference(name, v)) if signed else (lambda v: value(name, v, start))
    return _("{low} to {high}").format(low=fmt(low), high=fmt(high))


def percent_text(share: Any) -> str:
    return "" if _missing(share) else percent(float(share))


def few_runs(reached: Any) -> bool:
    return not _missing(reached) and float(reached) < FEW_RUNS


def reached_note(reached: Any) -> str:
    """`` (always reached), `reached in 80% of runs`, or `only in 2% of runs`."""
    if _missing(reached) or float(reached) >= 1:
        return ""
    if few_runs(reached):
        return _("only in {share} of runs").format(share=percent(float(reached)))
    return _("reached in {share} of runs").format(share=percent(float(reached)))


def mean_text(name: str, stats: dict[str, Any], start: datetime | None = None) -> str:
    """A KPI's mean as a table cell, with its reach where it was not always reached:
    `6,5 dygn (only in 2 % of runs)`; `never within the horizon` when never reached; `at least …`
    when replications that did not reach it count with the horizon (a censored moment)."""
    if _missing(stats.get("mean")):
        return _("never within the horizon") if stats.get("reached") is not None else "–"
    text = value(name, stats["mean"], start)
    if stats.get("censored"):
        # Replications that did not reach the moment count with the horizon: a lower bound.
        text = _("at least {value}").format(value=text)
    note = reached_note(stats.get("reached"))
    return f"{text} ({note})" if note else text


def too_few_pairs(diff: dict[str, Any]) -> bool:
    """Whether a paired difference rests on too few pairs to be shown as a number."""
    pairs = diff.get("pairs")
    if pairs is None:
        return _missing(diff.get("mean"))
    total = diff.get("replications") or pairs
    return int(pairs) < MIN_PAIRS or int(pairs) < FEW_RUNS * int(total)


def difference_text(name: str, diff: dict[str, Any]) -> str:
    """`−1 093 (−1 200 to −980)`, or `too few runs` when too few pairs."""
    if too_few_pairs(diff):
        return _("too few runs")
    lo, hi = diff.get("ci95") or (None, None)
    return f"{difference(name, diff['mean'])} ({interval(name, lo, hi, signed=True)})"
