"""The JSON summary of a run: what `sim run --json` writes and the app downloads."""

from __future__ import annotations

import math
from typing import Any

from ..engine import TIME_KPIS
from ..engine.windows import WINDOWED_KPIS
from ..scenario.changes import apply_strategy
from ..vocabulary import TABLE_KPIS
from .runner import Experiment, StrategyRuns, paired_difference
from .stats import moment_bounds, summarize
from .work import ALL_KPIS


def clean(x: Any) -> Any:
    """JSON-ready: NaN (a moment never reached) becomes null; floats are rounded to 6 decimals."""
    if isinstance(x, float):
        return round(x, 6) if math.isfinite(x) else None
    if isinstance(x, list):
        return [clean(v) for v in x]
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    return x


def strategy_summary(exp: Experiment, strategy: str) -> dict[str, Any]:
    return runs_summary(exp.runs[strategy])


def runs_summary(runs: StrategyRuns) -> dict[str, Any]:
    """KPIs and milestones of one strategy's replications (not yet cleaned for JSON)."""
    first, observed = runs.kpi("first_failure_at_h"), runs.kpi("observed_h")
    kpis = {
        k: summarize(runs.kpi(k), moment=k in TIME_KPIS, bounds=moment_bounds(k, first, observed))
        for k in ALL_KPIS
    }
    milestones = {}
    for name in runs.milestone_names():
        s = summarize(runs.milestone(name), moment=True)
        s.pop("ci95", None)
        milestones[name] = s
    by_kind: dict[str, dict[str, Any]] = {}
    for kpi in WINDOWED_KPIS:
        for kind in runs.kinds(kpi):
            by_kind.setdefault(kind, {})[kpi] = without_reached(summarize(runs.by_kind(kpi, kind)))
    return {"kpis": kpis, "by_kind": by_kind, "milestones": milestones, "replications": runs.replications}


def without_reached(s: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in s.items() if k != "reached"}


SHARE_KPIS = TABLE_KPIS
"""The KPIs whose variance shares a summary gives (those of the tables)."""


def assumptions_summary(scenario: Any) -> list[dict[str, Any]]:
    """The scenario's assumed numbers written as ranges: field, range, reference range, line."""
    return [
        {"path": a.path, "key": a.key, "range": a.range.as_data(), "evidence": a.evidence,
         "file": a.file or None, "line": a.line}
        for a in scenario.assumptions
    ]


def shares_summary(exp: Experiment, strategy: str) -> dict[str, Any]:
    """Which assumptions drive the spread of each KPI (sim/experiments/shares.py)."""
    from .shares import experiment_shares

    return {k: s.as_data() for k, s in experiment_shares(exp, strategy, SHARE_KPIS).items()}


def experiment_summary(exp: Experiment, file: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "scenario": exp.scenario.name,
        "file": file,
        "seed": exp.seed,
        "engine": exp.engine,
        "replications": exp.replications,
        **({"window": exp.window.describe(exp.scenario.start)} if exp.window else {}),
        "start": exp.scenario.start.strftime("%Y-%m-%dT%H:%M"),
        "strategies": {s: strategy_summary(exp, s) for s in exp.runs},
        "performance": {
            "contacts": sum(r.contacts for r in exp.runs.values()),
            "wall_s": exp.wall_s,
        },
    }
    if exp.scenario.assumptions or any(apply_strategy(exp.scenario, s).assumptions for s in exp.runs):
        out["assumptions"] = assumptions_summary(exp.scenario)
        for s in exp.runs:
            out["strategies"][s]["assumption_shares"] = shares_summary(exp, s)
    if exp.fixed_runs:
        out["without_assumption_uncertainty"] = {s: runs_summary(r) for s, r in exp.fixed_runs.items()}
    if exp.partial:
        out["partial"] = True
    return clean(out)


def comparison_summary(exp: Experiment, baseline: str, file: str | None = None) -> dict[str, Any]:
    """The run's summary plus, for every other strategy, the paired differences against
    `baseline` on every KPI: {"comparison": {"baseline": b, "differences": {S: {KPI: {"mean",
    "ci95", "p10", "p50", "p90"}}}}}."""
    out = experiment_summary(exp, file)
    differences = {
        s: {k: paired_difference(exp, k, s, baseline) for k in ALL_KPIS}
        for s in exp.runs
        if s != baseline
    }
    out["comparison"] = clean({"baseline": baseline, "differences": differences})
    return out
