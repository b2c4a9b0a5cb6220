"""The JSON summary of a run: what `sim run --json` writes and the app downloads."""

from __future__ import annotations

import math
from typing import Any

from ..engine import TIME_KPIS
from .runner import ALL_KPIS, Experiment
from .stats import summarize


def _clean(x: Any) -> Any:
    if isinstance(x, float):
        return None if math.isnan(x) else round(x, 6)
    if isinstance(x, list):
        return [_clean(v) for v in x]
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    return x


def strategy_summary(exp: Experiment, strategy: str) -> dict[str, Any]:
    runs = exp.runs[strategy]
    kpis = {k: summarize(runs.kpi(k), moment=k in TIME_KPIS) for k in ALL_KPIS}
    milestones = {}
    for name in runs.milestone_names():
        s = summarize(runs.milestone(name), moment=True)
        s.pop("ci95", None)
        milestones[name] = s
    return {"kpis": kpis, "milestones": milestones, "replications": len(runs.outcomes)}


def experiment_summary(exp: Experiment, file: str | None = None) -> dict[str, Any]:
    out = {
        "scenario": exp.scenario.name,
        "file": file,
        "seed": exp.seed,
        "replications": exp.replications,
        "start": exp.scenario.start.strftime("%Y-%m-%dT%H:%M"),
        "strategies": {s: strategy_summary(exp, s) for s in exp.runs},
        "performance": {
            "contacts": sum(r.contacts for r in exp.runs.values()),
            "wall_s": exp.wall_s,
        },
    }
    if exp.partial:
        out["partial"] = True
    return _clean(out)
