"""`python -m sim.validation [--replications N] [--out DIR]`: regenerate the validation report
(DIR/validation.md and its charts in DIR/validation/). `make validation` runs it into docs/."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ..experiments.executors import default_workers
from ..experiments.report import KPI_LABELS
from . import svg
from .checks import (
    SENSITIVITY_KPIS,
    SENSITIVITY_SCENARIO,
    incident_checks,
    queueing_checks,
    sensitivity,
)

ROOT = Path(__file__).resolve().parents[2]
LOO_DEFAULTS: dict[str, Any] = {
    "grid_replications": 8, "replications": 40, "seed": 404, "executor": "local", "workers": None,
}
"""Leave one incident out on 2 cores in minutes: each informed incident simulated once over the
grid of fitted values (`grid_replications` runs per point), the folds re-use those simulations;
the jobs (and the other sections) spread over local processes (`workers`, default one per core)."""

CANNOT_SAY = """\
- **Patient harm.** The model counts cancelled visits, waiting, diversions, blocked beds and
  unanswered calls; it says nothing about clinical outcomes, medication errors or delayed lab
  results (lab results were delayed 62% on average during EHR downtime, Larsen et al. 2019).
- **Exact numbers for a real region.** Unit volumes in the shipped scenarios are rounded,
  order-of-magnitude figures marked as assumed; the timelines are fitted to published moments,
  so agreement with them is a check of the machinery, not an independent prediction.
- **Causes.** An incident's cause, and so its repair time, is an input; the model does not know
  why a network fails or how long a forensic investigation takes.
- **Behaviour under stress beyond the parameters.** Staff fatigue is modelled only as a slow loss
  of backup-routine capacity; how people improvise, and how the public reacts to media reports,
  are outside the model.
- **Feedback from queues to decisions.** Escalation and cancellation are triggered by systems and
  units hit, not by queues building up; a region that escalates because its emergency department
  fills up is not modelled.
- **National spread.** A supplier attack that reaches many regions is modelled as one scenario with
  several regions' units; there is no interaction between regions beyond mutual aid.
"""


def _pct(x: float) -> str:
    return f"{x:+.1%}"


def _cell(x: float) -> str:
    return "-" if x != x else f"{x:,.3g}"


def leave_one_out_section(res: Any, options: dict[str, Any], write: bool) -> list[str]:
    """The section "Leave one incident out"; with `write`, the calibrated reference ranges are
    written back to their file."""
    from ..evidence.loo import FITTED, library_levels, write_calibrated
    from ..evidence.pooling import GRID
    from ..scenario.reference_ranges import RANGES_FILE, reload

    if write:
        write_calibrated(res.calibrated, RANGES_FILE)
        reload()
    levels = library_levels()
    population = sorted(n for n in res.full.members if levels.get(n) == "population")
    lines = [
        "## Leave one incident out",
        "",
        "The reference ranges the library informs (" + ", ".join(f"`{n}`" for n in FITTED) + ") are",
        "calibrated as populations (`sim/evidence/pooling.py`; see [Where do the numbers come",
        "from?](where-numbers-come-from.md)): every incident has its own value, drawn from a",
        "logit-normal population whose centre and spread are fitted, and the range a scenario gets",
        "is the population's 5th percentile, median and 95th percentile for a new incident. Studies and",
        "totals over many hospitals (" + (", ".join(population) or "none") + ") pin the population's",
        "mean instead of counting as one incident. Each informed incident is simulated once on a grid of",
        f"{len(GRID)} values per fitted range ({options['grid_replications']} replications per point, seed",
        f"{options['seed']}); each fold pools all incidents but one and predicts the held-out one with the",
        f"ranges so found, drawn as a scenario citing them draws them ({options['replications']} replications).",
        "Ratio: predicted median over the observation (the middle of a published range). Target: within a",
        "factor of 2 (or inside the published range). An observation given only as a bound (`>= 1`) has",
        "no ratio: its row says whether the predicted median meets the bound, and it is not counted among",
        "the factor-of-2 checks. Incidents whose scenarios cite none of the fitted ranges are predicted",
        "from their scenario as written: they check the encoding, not the ranges.",
        "",
        "| Incident | Observation | Observed | Predicted median | Predicted p10-p90 | Ratio | Within 2x | From ranges fitted without it |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in res.predictions:
        o = p.observation
        lines.append(
            f"| {p.target} | {o.id} ({o.kpi}, {o.statistic}) | {o.describe()} | {_cell(p.p50)} | "
            f"{_cell(p.p10)} to {_cell(p.p90)} | {_cell(p.ratio)} | {p.verdict} | "
            f"{'yes' if p.informed else 'no (as written)'} |"
        )
    lines += ["", "The ranges each fold fitted without its incident (5th percentile / median / 95th percentile):", "",
              "| Held out | " + " | ".join(f"`{n}`" for n in FITTED) + " |", "|---|" + "---|" * len(FITTED)]
    for held, ranges in res.folds.items():
        lines.append(f"| {held} | " + " | ".join(_range_cell(ranges[n]) for n in FITTED) + " |")
    lines += ["", "Calibrated on the whole library (written to `scenarios/evidence/reference-ranges.yaml` as",
              "`calibrated`):", "",
              "| Reference range | Prior | New incident: median | 90% interval | Population centre | Spread (logit sd) |",
              "|---|---|---|---|---|---|"]
    from ..scenario.reference_ranges import reference_ranges

    for name in FITTED:
        prior = reference_ranges()[name].prior.to_range()
        p5, med, p95 = res.calibrated[name]
        centre, sigma = res.full.hyper[name]
        lines.append(f"| `{name}` | {prior.low:g}-{prior.high:g} | {med:.2f} | {p5:.2f}-{p95:.2f} | {centre:.2f} | {sigma:.2f} |")
    lines += ["", *_loo_verdict(res), ""]
    return lines


def _range_cell(r: tuple[float, float, float]) -> str:
    return f"{r[0]:.2f} / {r[1]:.2f} / {r[2]:.2f}"


def _loo_verdict(res: Any) -> list[str]:
    """How many held-out observations are within a factor of 2, how many bounds are met, and,
    for each miss, what the run says about why."""
    from ..evidence.calibrate import obs_key

    valued = [p for p in res.predictions if not p.bound_only]
    bounds = [p for p in res.predictions if p.bound_only]
    missed = [p for p in valued if not p.within]
    unmet = [p for p in bounds if not p.within]
    lines = [
        f"Held-out observations with a value or range outside a factor of 2: {len(missed)} of {len(valued)}"
        + (": " + ", ".join(f"{p.target} {p.observation.id}" for p in missed) if missed else "") + ".",
        f"Observations given only as a bound (`>=`, `<=`; no ratio, not counted above): the predicted median "
        f"meets {len(bounds) - len(unmet)} of {len(bounds)}"
        + (": not " + ", ".join(f"{p.target} {p.observation.id}" for p in unmet) if unmet else "") + ".",
    ]
    if missed:
        lines.append("")
    for p in missed:
        o = p.observation
        head = f"- {p.target} {o.id} (observed {o.describe()}, predicted median {_cell(p.p50)}): "
        reach = res.reach.get(obs_key(p.target, o))
        if not p.informed:
            lines.append(head + "predicted from its scenario as written; the fitted ranges do not enter it, so the "
                         "encoding, not the ranges, misses it.")
        elif reach is None:
            lines.append(head + "its prediction at the ends of the fitted values was not computed.")
        elif reach.reaches(o):
            lines.append(head + f"with the fitted ranges at the lowest and highest values of the grid the median is "
                         f"{_cell(reach.low_end)} and {_cell(reach.high_end)}, so some value reaches it: the other "
                         "incidents pull the ranges away from what this one needs.")
        else:
            lines.append(head + f"with the fitted ranges at the lowest and highest values of the grid the median is "
                         f"{_cell(reach.low_end)} and {_cell(reach.high_end)}, so no value reaches it: the encoding "
                         "scenario, not the fitted ranges, decides this observation.")
    return lines


def reference_ranges_page() -> str:
    """docs/reference-ranges.md: the reference ranges as a table, from the file as calibrated."""
    from ..scenario.reference_ranges import reference_ranges

    def rng(spec: Any) -> str:
        if spec is None:
            return "-"
        r = spec.to_range()
        return f"{r.low:.2f} / {r.mode:.2f} / {r.high:.2f}"

    lines = [
        "# Reference ranges",
        "",
        "Evidence-based ranges for the numbers trainers most often have to guess, from",
        "`scenarios/evidence/reference-ranges.yaml`. A scenario cites one with `{evidence: NAME}`",
        "and gets the calibrated range where there is one, else the prior. This page is generated",
        "by `make validation`; do not edit it by hand. See [Where do the numbers come",
        "from?](where-numbers-come-from.md).",
        "",
        "| Name | What | Prior (low / mode / high) | Calibrated (p5 / median / p95) | In the model | Basis | Sources |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in reference_ranges().values():
        basis = " ".join(r.basis.split())
        lines.append(
            f"| `{r.name}` | {r.title} | {rng(r.prior)} | {rng(r.calibrated)} | "
            f"{'yes' if r.in_model else 'not yet'} | {basis} | {', '.join(r.sources)} |"
        )
    return "\n".join(lines) + "\n"


def compute(replications: int, loo: dict[str, Any]) -> tuple[Any, ...]:
    """Every section's numbers: the leave-one-out jobs (seeded) and the checks, one after the
    other or on local processes; the same numbers either way."""
    from ..evidence.loo import (
        finish,
        first_jobs,
        fold_jobs,
        responses_of,
        run_job,
        run_on_processes,
        settings,
    )

    st = settings(loo["replications"], loo["grid_replications"], loo["seed"])
    first = first_jobs(st)
    calls: list[tuple[Any, tuple[Any, ...]]] = [
        *((run_job, (j,)) for j in first),
        (incident_checks, (ROOT, replications)),
        (sensitivity, (ROOT, sensitivity_replications(replications))),
        (queueing_checks, (replications,)),
    ]

    def run(todo: list[tuple[Any, tuple[Any, ...]]]) -> list[Any]:
        if loo["executor"] == "serial":
            return [f(*args) for f, args in todo]
        return run_on_processes(todo, loo.get("workers"))

    results = run(calls)
    incidents, sens, queue = results[len(first):]
    folds = run([(run_job, (j,)) for j in fold_jobs(st, responses_of(results[: len(first)]))])
    return queue, incidents, sens, finish(results[: len(first)], folds)


def sensitivity_replications(replications: int) -> int:
    return max(20, replications // 2)


def _sensitivity_section(sens: Any, charts: Path, replications: int) -> list[str]:
    """The sensitivity table and its tornado charts (written into `charts`)."""
    lines: list[str] = []
    lines += [
        "## Sensitivity to the most uncertain parameters",
        "",
        f"Scenario `{SENSITIVITY_SCENARIO}`: each assumed parameter set to a low and a high plausible",
        f"value, the rest as in the file; means over {sensitivity_replications(replications)} replications with common random",
        "numbers, so the differences are the parameter's and not the noise's.",
        "",
    ]
    header = "| Parameter (low / high) | " + " | ".join(KPI_LABELS.get(k, k) for k in SENSITIVITY_KPIS) + " |"
    lines += [header, "|---|" + "---|" * len(SENSITIVITY_KPIS)]
    lines.append("| *Baseline* | " + " | ".join(f"{sens.baseline[k]:,.1f}" for k in SENSITIVITY_KPIS) + " |")
    for label, t_low, t_high, low, high in sens.rows:
        cells = [f"{low[k]:,.1f} / {high[k]:,.1f}" for k in SENSITIVITY_KPIS]
        lines.append(f"| {label} ({t_low} / {t_high}) | " + " | ".join(cells) + " |")
    lines.append("")
    for kpi in ("cancelled_planned", "lost_capacity_h", "calls_unanswered"):
        rows = sorted(
            ((label, low[kpi], high[kpi], t_low, t_high) for label, t_low, t_high, low, high in sens.rows),
            key=lambda r: -abs(r[2] - r[1]),
        )
        (charts / f"tornado-{kpi}.svg").write_text(
            svg.tornado(f"{KPI_LABELS.get(kpi, kpi)}: sensitivity (Sörmland)", sens.baseline[kpi], rows),
            encoding="utf-8",
        )
        lines += [f"![Tornado chart: {KPI_LABELS.get(kpi, kpi)}](validation/tornado-{kpi}.svg)", ""]
    return lines


def build(out_dir: Path, replications: int, loo_options: dict[str, Any] | None = None) -> Path:
    started = time.perf_counter()
    loo_options = {**LOO_DEFAULTS, **(loo_options or {})}
    write = loo_options.pop("write_ranges", True)
    if loo_options["executor"] not in ("serial", "local"):
        raise ValueError("the validation report runs on the serial or local executor")
    queue, incidents, sens, loo = compute(replications, loo_options)
    charts = out_dir / "validation"
    charts.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Validation",
        "",
        "How far the simulator's numbers can be trusted: the model against queueing theory, the",
        "shipped incidents against their published timelines, and the sensitivity of the main KPIs",
        "to the parameters that are most uncertain. This file is generated by `make validation`",
        f"(`python -m sim.validation --replications {replications}`); do not edit it by hand.",
        "",
        "## Queueing theory: the acute queue against Erlang C",
        "",
        "With no incident, one unit's acute care is an M/M/c queue: Poisson arrivals, exponential",
        "treatment times (mean 1 h), c places. Erlang C gives its mean wait exactly. The model's",
        f"mean is over {replications} replications of 60 days each, with its t-based 95% CI.",
        "",
        "| Utilisation | Places (c) | Erlang C mean wait (h) | Model mean wait (h) | Difference | Model 95% CI (h) |",
        "|---|---|---|---|---|---|",
    ]
    for q in queue:
        lines.append(
            f"| {q.rho:.2f} | {q.servers} | {q.theory_h:.4f} | {q.model_h:.4f} | {_pct(q.difference)} | "
            f"{q.ci_low:.4f} to {q.ci_high:.4f} |"
        )
    lines += [
        "",
        "A test (`tests/test_engine_theory.py`) holds the model within 5% of Erlang C at",
        "utilisation 0.5 and 0.85.",
        "",
        "## The real incidents against their published timelines",
        "",
        f"Medians and 10th-90th percentiles over {replications} replications. Where only a date was",
        "published, the published time is taken as noon of that day.",
        "",
    ]
    for path, (sc, checks) in incidents.items():
        name = Path(path).stem
        lines += [
            f"### {sc.title}",
            "",
            f"Scenario `{path}`.",
            "",
            "| Moment | Published | Simulated median | Simulated p10-p90 | Reached | Source |",
            "|---|---|---|---|---|---|",
        ]
        for c in checks:
            lines.append(
                f"| {c.published.label} | {c.at(c.published_h)} | {c.at(c.p50)} | {c.at(c.p10)} to {c.at(c.p90)} | "
                f"{c.reached:.0%} | {c.published.source} |"
            )
        (charts / f"{name}.svg").write_text(
            svg.timeline(
                sc.title,
                [(c.published.label, c.p10, c.p50, c.p90, c.published_h) for c in checks],
                sc.start,
            ),
            encoding="utf-8",
        )
        lines += ["", f"![{sc.title}](validation/{name}.svg)", ""]

    lines += _sensitivity_section(sens, charts, replications)
    lines += leave_one_out_section(loo, loo_options, write)
    (out_dir / "reference-ranges.md").write_text(reference_ranges_page(), encoding="utf-8")
    lines += ["## What the model cannot say", "", CANNOT_SAY]
    processes = "one process" if loo_options["executor"] == "serial" else (
        f"{loo_options.get('workers') or default_workers()} local processes")
    lines.append(f"_Generated in {time.perf_counter() - started:.0f} s on {processes}._")
    out = out_dir / "validation.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m sim.validation", description=__doc__)
    ap.add_argument("--replications", type=int, default=200)
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    args = ap.parse_args(argv)
    if not 2 <= args.replications <= 10_000:
        ap.error("--replications must be between 2 and 10,000")
    print(build(args.out, args.replications))


if __name__ == "__main__":
    main()
