"""Numbers quoted in the docs, produced by a run rather than typed by hand.

A quoted number is written in the page between two markers that Markdown does not show:
`<!--fig:diff:fast-failover:time_to_full_operation_h-->-3.8 h<!--/fig-->`. tests/test_docs.py runs
the scenario the page names (RUN below), works every figure out again and fails where the text
differs; `python tests/docs_figures.py` rewrites them after a change of the model.

Figures: `diff:S:KPI` (the paired difference of strategy S from the baseline, mean), `ci:S:KPI`
(its 95% CI), `mean:S:KPI` (a strategy's mean), `clear:S:KPI` ("a clear" or "no clear", whether
the CI leaves out zero), `risk:S:KPI` and `threshold:S:KPI` (the chance and the threshold of the Results page's risk
statement), and
`strategies` (how many strategies the scenario compares, the baseline included).
"""

from __future__ import annotations

import re
import sys
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = (ROOT / "docs" / "using-the-app.md", ROOT / "README.md")
SCENARIO = ROOT / "scenarios" / "sormland-network-2022.yaml"
RUN = {"replications": 50, "seed": 0}
MARK = re.compile(r"<!--fig:([^>]*?)-->(.*?)<!--/fig-->", re.S)


@cache
def experiment() -> Any:
    sys.path.insert(0, str(ROOT))
    from sim.experiments import run_experiment
    from sim.scenario import load_scenario

    sc = load_scenario(SCENARIO)
    strategies = ["baseline", *(s.id for s in sc.strategies)]
    return run_experiment(sc, strategies, RUN["replications"], RUN["seed"], bands=False, executor="serial")


def figure(key: str) -> str:
    from sim import values
    from sim.experiments import experiment_summary
    from sim.experiments.risk import risks
    from sim.experiments.runner import paired_difference
    from sim.i18n import percent, using
    from sim.reports import kpi_rows

    exp = experiment()
    kind, *args = key.split(":")
    with using("en"):
        if kind == "strategies":
            return str(len(exp.runs))
        strategy, kpi = args
        if kind in ("diff", "ci", "clear"):
            d = paired_difference(exp, kpi, strategy, "baseline")
            lo, hi = d["ci95"]
            if kind == "diff":
                return values.difference(kpi, d["mean"])
            if kind == "ci":
                return values.interval(kpi, lo, hi, signed=True)
            return "no clear" if lo <= 0 <= hi else "a clear"
        if kind == "mean":
            row = next(r for r in kpi_rows(experiment_summary(exp)) if r["strategy"] == strategy and r["kpi"] == kpi)
            return values.mean_text(kpi, row, exp.scenario.start)
        if kind in ("risk", "threshold"):
            from sim.experiments.risk import threshold_text

            r = next(r for r in risks(exp, kpis=(kpi,)) if r.strategy == strategy)
            return percent(r.share) if kind == "risk" else threshold_text(kpi, r.threshold)
    raise KeyError(f"no figure {key!r}")


def figures_in(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in MARK.finditer(text)]


def filled(text: str) -> str:
    return MARK.sub(lambda m: f"<!--fig:{m.group(1)}-->{figure(m.group(1))}<!--/fig-->", text)


def main() -> int:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        new = filled(text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            print(f"updated {page.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
