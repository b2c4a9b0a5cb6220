"""One-at-a-time sensitivity for a tornado chart: each uncertain number set to a low and a high
plausible value, the rest as in the file, all on the same seeds (common random numbers), so a
bar's length is the number's own effect and not the noise's.

The plausible values of a number come from where it is documented: the file's own range (its
10th and 90th percentiles), else the evidence-based reference ranges meant for the field (their
widest span), else 25% either side of the value, kept within a share's 0 to 1.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import DEFAULT_ENGINE
from ..i18n import _
from ..scenario.changes import ChangeError, apply_changes, apply_strategy
from ..scenario.model import Scenario
from .executors import DEFAULT_EXECUTOR, StopRequest
from .runner import Progress, StrategyRuns, run_variants

MAX_PARAMETERS = 30
SPREAD = 0.25
"""Either side of a number with no range and no evidence range."""


class SensitivityError(ValueError):
    """A parameter or value the scenario refuses; the message names it."""


@dataclass(frozen=True)
class Span:
    """A number to vary: its path, its low and high plausible values, and where they come from."""

    path: str
    value: float
    low: float
    high: float
    basis: str
    """`range` (the file's own), `evidence` (reference ranges) or `assumed` (25% either side)."""


@dataclass
class Sensitivity:
    scenario: Scenario
    strategy: str
    spans: list[Span]
    runs: dict[Hashable, StrategyRuns]
    replications: int
    seed: int
    wall_s: float
    partial: bool = False

    def mean(self, key: Hashable, kpi: str) -> float:
        v = self.runs[key].kpi(kpi)
        v = v[~np.isnan(v)]
        return float(v.mean()) if v.size else math.nan

    def baseline(self, kpi: str) -> float:
        return self.mean("base", kpi)

    def bars(self, kpi: str) -> list[tuple[Span, float, float]]:
        """(span, mean at low, mean at high) per number, the widest swing first."""
        rows = [(s, self.mean((s.path, "low"), kpi), self.mean((s.path, "high"), kpi)) for s in self.spans]

        def swing(r: tuple[Span, float, float]) -> float:
            d = abs(r[2] - r[1])
            return -d if math.isfinite(d) else math.inf

        return sorted(rows, key=swing)


def _share(path: str) -> bool:
    return path.rsplit(".", 1)[-1] in ("capacity", "compliance", "remaining", "share", "probability")


def default_spans(scenario: Scenario) -> list[Span]:
    """Every assumed number of the scenario with its plausible low and high."""
    from ..scenario.against_evidence import assumed_numbers

    out = []
    for n in assumed_numbers(scenario):
        if n.range is not None and n.range.low < n.range.high:
            low, high, basis = n.range.quantile(0.1), n.range.quantile(0.9), "range"
        elif n.verdicts:
            low, high, basis = min(v.low for v in n.verdicts), max(v.high for v in n.verdicts), "evidence"
        else:
            low, high, basis = n.value * (1 - SPREAD), n.value * (1 + SPREAD), "assumed"
        if _share(n.path):
            low, high = max(0.0, low), min(1.0, high)
        if low < high:
            out.append(Span(n.path, float(n.value), float(low), float(high), basis))
    return out


def variants(scenario: Scenario, spans: Sequence[Span], strategy: str) -> dict[Hashable, Scenario]:
    """The strategy's scenario, and one copy per number at its low and at its high value."""
    if len(spans) > MAX_PARAMETERS:
        raise SensitivityError(_("{n} numbers; a sensitivity run varies at most {most}").format(n=len(spans), most=MAX_PARAMETERS))
    try:
        base = apply_strategy(scenario, strategy)
    except ChangeError as exc:
        raise SensitivityError(_("strategy {id}: {problem}").format(id=strategy, problem=exc.message)) from None
    out: dict[Hashable, Scenario] = {"base": base}
    for s in spans:
        if not s.low < s.high:
            raise SensitivityError(_("{path}: the low value ({low}) must be below the high ({high})").format(
                path=s.path, low=f"{s.low:g}", high=f"{s.high:g}"))
        for end, value in (("low", s.low), ("high", s.high)):
            try:
                out[(s.path, end)] = apply_changes(base, {s.path: value})
            except ChangeError as exc:
                raise SensitivityError(f"{s.path}={value:g}: {exc.message}") from None
    return out


def run_sensitivity(
    scenario: Scenario,
    spans: Sequence[Span],
    strategy: str = "baseline",
    replications: int = 30,
    seed: int = 0,
    *,
    executor: str = DEFAULT_EXECUTOR,
    workers: int | None = None,
    progress: Progress | None = None,
    stop: StopRequest | None = None,
    engine: str = DEFAULT_ENGINE,
) -> Sensitivity:
    started = time.perf_counter()
    spans = list(spans)
    keyed = variants(scenario, spans, strategy)
    runs, partial = run_variants(
        keyed, replications, seed, executor=executor, workers=workers, progress=progress, bands=False,
        stop=stop, labels={k: str(k) for k in keyed}, engine=engine,
    )
    return Sensitivity(scenario, strategy, spans, runs, replications, seed, time.perf_counter() - started, partial)


def summary(sens: Sensitivity, kpis: Sequence[str]) -> dict[str, Any]:
    """The numbers behind the tornado charts, for a download."""
    return {
        "strategy": sens.strategy, "replications": sens.replications, "seed": sens.seed, "partial": sens.partial,
        "baseline": {k: sens.baseline(k) for k in kpis},
        "parameters": [
            {"path": s.path, "value": s.value, "low": s.low, "high": s.high, "basis": s.basis,
             "at_low": {k: sens.mean((s.path, "low"), k) for k in kpis},
             "at_high": {k: sens.mean((s.path, "high"), k) for k in kpis}}
            for s in sens.spans
        ],
    }
