"""Command line: `sim validate | schema | explain | reference | run | compare | sweep | drill`.

Each command imports what it needs inside its body, so that `sim validate` starts fast and never
loads numpy, plotly or dask. Exit codes: 0 success, 2 bad input (with one line per problem),
1 an internal failure, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from .i18n import DEFAULT, LANGUAGES, _, from_environment, number, set_language

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Tabletop-exercise simulator for IT outages in regional healthcare.",
)



LangOpt = Annotated[
    str | None,
    typer.Option("--lang", help="Language of messages and tables: en or sv; default: from SIM_LANG or LANG.",
                 show_default=False),
]


@app.callback()
def _root(lang: LangOpt = None) -> None:
    """Tabletop-exercise simulator for IT outages in regional healthcare."""
    if lang is not None and lang not in LANGUAGES:
        set_language(from_environment() or DEFAULT)
        fail(_("--lang must be one of {languages}, got {value!r}").format(languages=", ".join(LANGUAGES), value=lang))
    set_language(lang or from_environment() or DEFAULT)


EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


SWEEP_KPIS = ("cancelled_planned", "lost_capacity_h", "time_to_full_operation_h")
"""The KPIs a sweep shows unless --kpi names others."""


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """Print a message for a person and exit; never a traceback."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo(_("interrupted"), err=True)
        sys.exit(EXIT_INTERRUPTED)
    except MemoryError:
        typer.echo(_("out of memory: this machine (or its ulimit) gives less than SIM_MAX_MEMORY_MB; "
                     "set SIM_MAX_MEMORY_MB to what it can give, and runs too large for it are refused "
                     "up front"), err=True)
        sys.exit(EXIT_INTERNAL)
    except Exception as exc:  # a bug: a short line for the person, the traceback on request
        if os.environ.get("SIM_DEBUG"):
            raise
        typer.echo(_("internal error ({kind}: {message}); run it again with SIM_DEBUG=1 to see where").format(
            kind=type(exc).__name__, message=str(exc).splitlines()[0][:300] if str(exc) else "-"), err=True)
        sys.exit(EXIT_INTERNAL)


FilesArg = Annotated[list[Path], typer.Argument(help="Scenario files.", show_default=False)]
FileArg = Annotated[Path, typer.Argument(help="Scenario file.", show_default=False)]


def load_or_exit(path: Path):
    """Load a scenario, or print its problems (one line each) and exit 2."""
    from .scenario.loader import load_scenario
    from .scenario.problems import ScenarioError

    try:
        return load_scenario(path)
    except ScenarioError as exc:
        for problem in exc.problems:
            typer.echo(str(problem))
        raise typer.Exit(EXIT_BAD_INPUT) from None


# --------------------------------------------------------------------------- experiments

ExecutorOpt = Annotated[
    str | None,
    typer.Option(
        "--executor",
        help="Where replications run: serial (this process), local (every core; the default) or "
        "dask (a dask.distributed cluster).",
        show_default=False,
    ),
]
AddressOpt = Annotated[
    str | None,
    typer.Option(
        "--address",
        help="Dask scheduler address (tcp://host:8786); implies --executor dask. "
        "With dask and no address, a local cluster is started for the run.",
        show_default=False,
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", help="Worker processes for local or a local Dask cluster; default: one per core.",
                 show_default=False),
]
ReplicationsOpt = Annotated[int, typer.Option("--replications", "-n", help="Replications per strategy.")]
SeedOpt = Annotated[int, typer.Option(help="Run seed; the same seed gives the same numbers.")]
JsonOpt = Annotated[Path | None, typer.Option("--json", help="Write the JSON summary here.")]
EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        help="fast (flows on the time grid; the default) or reference (every visit, patient and "
        "caller one by one, exact to the minute; about a hundred times slower).",
    ),
]


WindowOpt = Annotated[
    str | None,
    typer.Option(
        "--window",
        help="Count only what happens in this window: START..END, like "
        "\"2022-12-06 00:00..2022-12-07 00:00\" (or clock times on the start date, or offsets such as "
        "+1d..+2d). A visit counts where its booked time falls, a call where it is made, a bed-day "
        "where it is spent.",
        show_default=False,
    ),
]


def _window_option(file: Path, scenario, text: str | None):
    """The window, or exit 2 with the reason."""
    if text is None:
        return None
    from .engine.windows import WindowError, parse_window

    try:
        return parse_window(text, scenario.start, scenario.horizon)
    except WindowError as exc:
        fail(f"{file}: --window: {exc}")


def _engine_option(engine: str) -> str:
    from .engine import ENGINES

    if engine not in ENGINES:
        fail(_("--engine must be one of {engines}, got {value!r}").format(engines=", ".join(ENGINES), value=engine))
    return engine


def _executor_options(executor: str | None, address: str | None, workers: int | None) -> str:
    """The executor to use, or exit 2 with the reason."""
    from .experiments.executors import DEFAULT_EXECUTOR, EXECUTORS

    if executor is None:
        executor = "dask" if address else DEFAULT_EXECUTOR
    if executor not in EXECUTORS:
        fail(_("--executor must be one of {executors}, got {value!r}").format(executors=", ".join(EXECUTORS), value=executor))
    if address is not None and executor != "dask":
        fail(_("--address is the Dask scheduler's address; it needs --executor dask, not {executor}").format(executor=executor))
    if workers is not None and workers < 1:
        fail(_("--workers must be at least 1, got {value}").format(value=workers))
    if workers is not None and address is not None:
        fail(_("--workers sets the size of a local pool or cluster; a cluster at --address has the workers it was started with"))
    if workers is not None and executor == "serial":
        fail(_("--workers needs --executor local or dask; serial runs in this process"))
    return executor


def _run_options(replications: int, seed: int) -> None:
    from .experiments.runner import MAX_REPLICATIONS

    if not 1 <= replications <= MAX_REPLICATIONS:
        fail(_("--replications must be between 1 and {most}, got {value}").format(most=f"{MAX_REPLICATIONS:,}", value=replications))
    if seed < 0:
        fail(_("--seed must be zero or positive, got {value}").format(value=seed))


def _strategy_list(text: str, option: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        fail(_("{option}: give strategy ids separated by commas, for example baseline,fast-failover").format(option=option))
    return list(dict.fromkeys(names))


def _check_strategies(file: Path, scenario, strategies: list[str], option: str) -> None:
    from .scenario.changes import ChangeError, apply_strategy

    for s in strategies:
        try:
            apply_strategy(scenario, s)
        except ChangeError as exc:
            fail(f"{file}: {option} {s}: {exc.message}")


def _experiment(file: Path, label: str, work):
    """Run `work(progress)` with a progress bar; turn the problems a person can act on into
    exit 2 with one line, a worker failure into exit 1."""
    from .engine import BudgetExceeded
    from .experiments.executors import ExecutorError, WorkerFailure
    from .experiments.progress import TerminalProgress
    from .limits import TooLarge

    try:
        with TerminalProgress(label) as progress:
            return work(progress)
    except (BudgetExceeded, TooLarge) as exc:
        fail(f"{file}: {exc}")
    except WorkerFailure as exc:
        fail(str(exc), EXIT_INTERNAL)
    except ExecutorError as exc:
        fail(str(exc))


def _write_json(path: Path | None, data) -> None:
    import json

    if path is None:
        return
    try:
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as exc:
        fail(_("cannot write {file}: {reason}").format(file=path, reason=exc.strerror))


def _finish(summary, partial: bool) -> None:
    perf = summary["performance"]
    typer.echo(_("{contacts} contacts simulated in {seconds} s").format(
        contacts=number(perf["contacts"]), seconds=number(perf["wall_s"], 2)))
    if partial:
        typer.echo(_("interrupted: the results above are partial"), err=True)


@app.command()
def run(
    file: FileArg,
    strategy: Annotated[
        list[str] | None,
        typer.Option("--strategy", "-s", help="Strategy to run (repeat for several); default: baseline."),
    ] = None,
    replications: ReplicationsOpt = 100,
    seed: SeedOpt = 0,
    json_out: JsonOpt = None,
    executor: ExecutorOpt = None,
    address: AddressOpt = None,
    workers: WorkersOpt = None,
    engine: EngineOpt = "fast",
    window: WindowOpt = None,
) -> None:
    """Simulate a scenario and print each strategy's KPIs (mean, 95% CI, p10/p50/p90)."""
    from .experiments.report import kpi_table
    from .experiments.summary import experiment_summary

    _run_options(replications, seed)
    executor = _executor_options(executor, address, workers)
    engine = _engine_option(engine)
    scenario = load_or_exit(file)
    strategies = list(dict.fromkeys(strategy or ["baseline"]))
    _check_strategies(file, scenario, strategies, "--strategy")
    cut = _window_option(file, scenario, window)
    _run_and_report(
        file, scenario, strategies, replications, seed, (executor, workers, address, engine, cut), json_out,
        lambda exp: experiment_summary(exp, str(file)),
        lambda summary: [kpi_table(summary, s) for s in strategies],
    )


def _run_and_report(file, scenario, names, replications, seed, where, json_out, summarize, render) -> None:
    """Run the strategies, print the rendered tables, write the JSON; exit 130 if interrupted."""
    from .experiments.runner import run_experiment

    executor, workers, address, engine, window = where
    exp = _experiment(file, "replications", lambda progress: run_experiment(
        scenario, names, replications, seed, executor=executor, workers=workers,
        address=address, progress=progress, bands=False, engine=engine, window=window,
    ))
    summary = summarize(exp)
    if "window" in summary:
        w = summary["window"]
        typer.echo(_("Counts within {start}..{end}; moments, means and peaks over the whole period.").format(
            start=w["start"], end=w["end"]))
        typer.echo("")
    for table in render(summary):
        typer.echo(table)
        typer.echo("")
    _finish(summary, exp.partial)
    _write_json(json_out, summary)
    if exp.partial:
        raise typer.Exit(EXIT_INTERRUPTED)


@app.command()
def compare(
    file: FileArg,
    strategies: Annotated[
        str, typer.Option("--strategies", help="Strategies to compare, separated by commas.", show_default=False)
    ],
    baseline: Annotated[
        str | None,
        typer.Option(help="Strategy the others are compared with; default: the first listed.", show_default=False),
    ] = None,
    replications: ReplicationsOpt = 100,
    seed: SeedOpt = 0,
    json_out: JsonOpt = None,
    executor: ExecutorOpt = None,
    address: AddressOpt = None,
    workers: WorkersOpt = None,
    engine: EngineOpt = "fast",
    window: WindowOpt = None,
) -> None:
    """Compare strategies with common random numbers: each strategy's mean KPIs, and the paired
    difference of each from the baseline with its 95% CI."""
    from .experiments.report import differences_table, means_table
    from .experiments.summary import comparison_summary

    _run_options(replications, seed)
    executor = _executor_options(executor, address, workers)
    engine = _engine_option(engine)
    names = _strategy_list(strategies, "--strategies")
    scenario = load_or_exit(file)
    _check_strategies(file, scenario, names, "--strategies")
    base = baseline.strip() if baseline else names[0]
    if base not in names:
        _check_strategies(file, scenario, [base], "--baseline")
        names.insert(0, base)
    cut = _window_option(file, scenario, window)
    _run_and_report(
        file, scenario, names, replications, seed, (executor, workers, address, engine, cut), json_out,
        lambda exp: comparison_summary(exp, base, str(file)),
        lambda summary: [means_table(summary), differences_table(summary)],
    )


@app.command()
def sweep(
    file: FileArg,
    set_: Annotated[
        list[str],
        typer.Option("--set", help="PATH=V1,V2,... : values of a scenario field to sweep (repeat for a grid).",
                     show_default=False),
    ],
    strategies: Annotated[
        str, typer.Option("--strategies", help="Strategies to run at every point, separated by commas.")
    ] = "baseline",
    replications: ReplicationsOpt = 100,
    seed: SeedOpt = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the table and summary to OUT.csv, OUT.parquet (with pyarrow) and "
                     "OUT.json; default: <scenario name>-sweep in the current folder.", show_default=False),
    ] = None,
    kpi: Annotated[
        list[str] | None,
        typer.Option("--kpi", help="KPI to show in the printed table (repeat); the files hold every KPI."),
    ] = None,
    executor: ExecutorOpt = None,
    address: AddressOpt = None,
    workers: WorkersOpt = None,
    engine: EngineOpt = "fast",
    window: WindowOpt = None,
) -> None:
    """Run a grid of values of scenario fields under one or more strategies, and write a tidy
    table (one row per point and strategy) and a JSON summary."""
    from .experiments.report import sweep_table
    from .experiments.sweep import (
        SweepError,
        parse_set,
        run_sweep,
        sweep_rows,
        sweep_summary,
        sweep_variants,
        write_table,
    )
    from .experiments.work import ALL_KPIS

    _run_options(replications, seed)
    executor = _executor_options(executor, address, workers)
    engine = _engine_option(engine)
    names = _strategy_list(strategies, "--strategies")
    shown = kpi or list(SWEEP_KPIS)
    for k in shown:
        if k not in ALL_KPIS:
            fail(_("--kpi {kpi}: no such KPI (KPIs: {kpis})").format(kpi=k, kpis=", ".join(ALL_KPIS)))
    scenario = load_or_exit(file)
    try:
        parameters = [parse_set(spec) for spec in set_]
        sweep_variants(scenario, parameters, names)
    except SweepError as exc:
        fail(f"{file}: {exc}")
    cut = _window_option(file, scenario, window)
    stem = out if out is not None else Path(f"{scenario.name}-sweep")
    if not stem.parent.is_dir():
        fail(_("--out {stem}: the folder {folder} does not exist").format(stem=stem, folder=stem.parent))
    result = _experiment(file, "sweep", lambda progress: run_sweep(
        scenario, parameters, names, replications, seed, executor=executor, workers=workers,
        address=address, progress=progress, engine=engine, window=cut,
    ))
    rows = sweep_rows(result)
    summary = sweep_summary(result, str(file))
    typer.echo(sweep_table(rows, [p.path for p in parameters], shown))
    typer.echo("")
    _finish(summary, result.partial)
    try:
        written = write_table(rows, stem)
    except OSError as exc:
        fail(_("cannot write the table {stem}: {reason}").format(stem=stem, reason=exc.strerror))
    json_path = stem.with_name(stem.name + ".json")
    _write_json(json_path, summary)
    typer.echo(_("wrote {files}").format(files=", ".join(str(p) for p in [*written, json_path])))
    if result.partial:
        raise typer.Exit(EXIT_INTERRUPTED)


@app.command()
def calibrate(
    file: FileArg,
    evidence: Annotated[
        list[Path], typer.Option("--evidence", "-e", help="Evidence file whose observations to fit (repeat).", show_default=False)
    ],
    fit: Annotated[
        list[str], typer.Option("--fit", help="PATH=LOW..HIGH: a field (or evidence:NAME, a reference range) to fit, with its uniform prior (repeat).", show_default=False)
    ],
    population: Annotated[int, typer.Option(help="Particles per generation.")] = 100,
    generations: Annotated[int, typer.Option(help="Most ABC-SMC generations.")] = 6,
    replications: Annotated[int, typer.Option("--replications", "-n", help="Replications per proposal.")] = 1,
    seed: SeedOpt = 0,
    json_out: JsonOpt = None,
    executor: ExecutorOpt = None,
    address: AddressOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Fit assumed numbers of a scenario to observed incidents (approximate Bayesian computation
    with pyabc): each parameter's posterior (median, 90% interval) and the fit to each observation."""
    from .evidence.calibrate import CalibrationError, Target, parse_fit
    from .evidence.calibrate import calibrate as run_calibration
    from .evidence.library import load_evidence
    from .experiments.executors import ExecutorError
    from .experiments.progress import TerminalProgress
    from .scenario.problems import ScenarioError

    executor = _executor_options(executor, address, workers)
    if not 1 <= replications <= 100:
        fail(f"--replications must be between 1 and 100, got {replications}")
    scenario = load_or_exit(file)
    targets = []
    for path in evidence:
        try:
            ev = load_evidence(path)
        except ScenarioError as exc:
            for problem in exc.problems:
                typer.echo(str(problem))
            raise typer.Exit(EXIT_BAD_INPUT) from None
        if not ev.file.observations:
            fail(f"{path}: has no observations to fit")
        targets.append(Target(ev.name, scenario, list(ev.file.observations)))
    try:
        params = [parse_fit(spec) for spec in fit]
        with TerminalProgress("generations") as bar:
            result = run_calibration(
                targets, params, population=population, generations=generations,
                replications=replications, seed=seed, executor=executor, workers=workers,
                address=address, progress=lambda done, total, note: bar(done, total),
            )
    except CalibrationError as exc:
        fail(f"{file}: {exc}")
    except ExecutorError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted before the first generation finished: no results", EXIT_INTERRUPTED)
    typer.echo(_calibration_table(result))
    _write_json(json_out, {"scenario": scenario.name, "file": str(file), "evidence": [str(p) for p in evidence], "seed": seed, **result.summary()})
    if result.partial:
        typer.echo("interrupted: the posterior is from the last finished generation", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)


def _calibration_table(result) -> str:
    lines = ["Posterior (median, 90% interval)"]
    for p in result.params:
        post = result.posterior[p.path]
        lines.append(f"  {p.path}: {p.text(post.median)}  ({p.text(post.p5)} to {p.text(post.p95)}; prior {p.text(p.low)} to {p.text(p.high)})")
    lines += ["", "Fit to each observation (simulated median, 90% interval; share of the posterior within what was observed)"]
    for key, o in result.observations.items():
        sim = o["simulated"]
        lines.append(f"  {key}: observed {o['observed']}, simulated {sim['median']:.3g} ({sim['p5']:.3g} to {sim['p95']:.3g}); within {o['within_observed']:.0%}")
    lines += ["", f"{result.generations} generations, {result.evaluations:,} simulated proposals, final epsilon {result.epsilon:.3g}, {result.wall_s:.1f} s"]
    return "\n".join(lines)


# --------------------------------------------------------------------------- scenario format


@app.command()
def validate(files: FilesArg) -> None:
    """Check scenario files, evidence files (scenarios/evidence/) and the reference ranges:
    `FILE: ok`, or one line per problem (`FILE line N: field: message`)."""
    any_bad = False
    for path in files:
        problems = _problems_in_any(path)
        if problems:
            any_bad = True
            for problem in problems:
                typer.echo(str(problem))
        else:
            typer.echo(_("{file}: ok").format(file=path))
    raise typer.Exit(EXIT_BAD_INPUT if any_bad else EXIT_OK)


def _problems_in_any(path: Path) -> list:
    """The problems of a scenario, an evidence file or a reference ranges file, told apart by
    their top-level fields."""
    from .scenario.loader import problems_in
    from .scenario.yamlsafe import YamlError, decode_utf8, parse_yaml, read_capped

    try:
        data = parse_yaml(decode_utf8(read_capped(path))).data
    except (YamlError, OSError):
        data = None  # the scenario loader reports it
    if isinstance(data, dict) and "reference_ranges" in data:
        from .scenario.reference_ranges import load_ranges_file

        return load_ranges_file(path)[1]
    from .evidence.library import is_evidence_data, problems_in_evidence

    if is_evidence_data(data):
        return problems_in_evidence(path)
    return problems_in(path)


OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of printing.")
]


def _write_or_print(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(_("cannot write {file}: {reason}").format(file=output, reason=exc.strerror or exc))
    typer.echo(_("wrote {files}").format(files=output))


@app.command()
def schema(output: OutputOpt = None) -> None:
    """Print the JSON Schema of scenario files (docs/scenario.schema.json)."""
    from .scenario.reference import schema_text

    _write_or_print(schema_text(), output)


@app.command()
def reference(output: OutputOpt = None) -> None:
    """Print the scenario file reference in Markdown (docs/scenario-reference.md)."""
    from .scenario.reference import reference_text

    _write_or_print(reference_text(), output)


@app.command()
def explain(
    file: FileArg,
    replications: Annotated[int, typer.Option(
        "--replications", "-n",
        help="Replications of the baseline for the variance shares of the assumed numbers written as "
        "ranges (0: none). Only scenarios with such ranges are run.")] = 200,
    seed: SeedOpt = 0,
    executor: ExecutorOpt = None,
) -> None:
    """Summarise a scenario in plain text: volumes, dependency tree, expected timeline, strategies,
    and its assumed numbers against the evidence; with ranges, which of them drive the spread."""
    from .scenario.explain import explain as explain_text

    if replications:
        _run_options(replications, seed)
    executor = _executor_options(executor, None, None)
    scenario = load_or_exit(file)
    typer.echo(explain_text(scenario, file), nl=False)
    if replications and scenario.assumptions:
        _explain_spread(file, scenario, replications, seed, executor)


def _explain_spread(file: Path, scenario, replications: int, seed: int, executor: str) -> None:
    """Run the baseline and print each assumed number's share of every KPI's variance."""
    from .experiments.report import shares_table
    from .experiments.runner import run_experiment
    from .experiments.summary import experiment_summary

    exp = _experiment(file, "replications", lambda progress: run_experiment(
        scenario, ["baseline"], replications, seed, executor=executor, progress=progress, bands=False,
    ))
    typer.echo("")
    typer.echo(shares_table(experiment_summary(exp, str(file)), "baseline"))
    if exp.partial:
        typer.echo(_("interrupted: the results above are partial"), err=True)
        raise typer.Exit(EXIT_INTERRUPTED)


# --------------------------------------------------------------------------- drills

DRILL_HELP = """Play a drill from a decision log, or compare logs.

sim drill FILE --decisions LOG.yaml [--report OUT.html] [--markdown OUT.md]
plays a drill of the scenario FILE from the decision log and prints its
timeline, the expected-action checklist and the outcome; --report writes the
after-action report (one self-contained HTML file).

sim drill compare LOG_A LOG_B [LOG_C ...] [--report OUT.html] [--markdown OUT.md]
plays two or more logs (each names its scenario with `scenario:`) and shows how
the groups' outcomes differ, on the same replication seeds.

sim drill FILE --msel OUT writes the scenario's injects and decision points as
a master scenario events list: CSV (OUT.csv), a spreadsheet with the HSEEP
columns (OUT.xlsx), OpenBAS scenario JSON (--msel-format openbas) or MISP CEXF
JSON (--msel-format cexf).

sim drill import-msel LIST.xlsx --into SCENARIO.yaml reads a spreadsheet MSEL
back into the scenario's injects (decision points are kept as they are).

sim drill backup OUT.sqlite copies the app's drill database (SIM_DRILL_DB, or
drills.sqlite in the data folder) to a new file, safely while the app runs.

The decision log format is in docs/facilitator-guide.md.
"""


@app.command(help=DRILL_HELP, no_args_is_help=True)
def drill(
    args: Annotated[
        list[str],
        typer.Argument(metavar="FILE | compare LOG... | import-msel LIST.xlsx | backup OUT", help="A scenario file, `compare` and two or more logs, `import-msel` and a spreadsheet, or `backup` and a new file.", show_default=False),
    ],
    decisions: Annotated[
        Path | None, typer.Option("--decisions", "-d", help="Decision log to play (YAML).", show_default=False)
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the after-action report here (self-contained HTML).", show_default=False)
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option("--markdown", help="Write the report in Markdown here.", show_default=False)
    ] = None,
    msel: Annotated[
        Path | None, typer.Option("--msel", help="Write the scenario's injects and decision points as an events list here (.csv or .xlsx; JSON with --msel-format).", show_default=False)
    ] = None,
    msel_format: Annotated[
        str | None, typer.Option("--msel-format", help="csv, xlsx, openbas (OpenBAS JSON) or cexf (MISP CEXF JSON); default: from --msel's file name.", show_default=False)
    ] = None,
    into: Annotated[
        Path | None, typer.Option("--into", help="import-msel: the scenario file whose injects are replaced.", show_default=False)
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed; default: the log's own.", show_default=False)
    ] = None,
    replications: Annotated[
        int, typer.Option("--replications", "-n", help="Replications behind the bands and the comparison.")
    ] = 20,
) -> None:
    from .drill.session import MAX_REPLICATIONS

    if seed is not None and seed < 0:
        fail(_("--seed must be zero or positive, got {value}").format(value=seed))
    if not 1 <= replications <= MAX_REPLICATIONS:
        fail(_("--replications must be between 1 and {most}, got {value}").format(most=MAX_REPLICATIONS, value=replications))
    if args and args[0] in ("backup", "import-msel", "compare"):
        _drill_subcommand(args, into=into, decisions=decisions, msel=msel, report=report, markdown=markdown,
                          seed=seed, replications=replications)
        return
    if len(args) != 1:
        fail(_("usage: sim drill FILE --decisions LOG.yaml, or sim drill compare LOG_A LOG_B"))
    file = Path(args[0])
    scenario = load_or_exit(file)
    if msel_format is not None and msel is None:
        fail(_("--msel-format goes with --msel OUT (the file to write)"))
    if msel is not None:
        _write_msel(scenario, msel, msel_format)
    if decisions is None:
        if msel is None:
            fail(_("give --decisions LOG.yaml to play a drill (or --msel OUT.csv for the events list)"))
        return
    _play_drill(file, scenario, decisions, report, markdown, seed, replications)


def _drill_subcommand(
    args: list[str], *, into: Path | None, decisions: Path | None, msel: Path | None,
    report: Path | None, markdown: Path | None, seed: int | None, replications: int,
) -> None:
    """sim drill backup, import-msel or compare: check the words that go with each, then run it."""
    if args[0] == "backup":
        if len(args) != 2:
            fail(_("usage: sim drill backup OUT.sqlite (a new file for the copy of the drill database)"))
        _drill_backup(Path(args[1]))
        return
    if args[0] == "import-msel":
        if len(args) != 2 or into is None:
            fail(_("usage: sim drill import-msel LIST.xlsx --into SCENARIO.yaml"))
        assert into is not None  # fail() does not return
        _import_msel(Path(args[1]), into)
        return
    from .drill.compare import MAX_SIDES

    if not 3 <= len(args) <= MAX_SIDES + 1:
        fail(_("usage: sim drill compare LOG_A LOG_B [LOG_C ...] (two to {most} decision logs, each naming its scenario)").format(most=MAX_SIDES))
    if decisions is not None or msel is not None:
        fail(_("sim drill compare takes decision logs; --decisions and --msel belong to `sim drill FILE`"))
    _drill_compare([Path(a) for a in args[1:]], report, markdown, seed, replications)


def _write_msel(scenario, msel: Path, msel_format: str | None) -> None:
    """Write the scenario's events list in the format asked for or named by the file's ending."""
    from .drill.msel_formats import FORMATS, format_for, msel_bytes_as

    fmt = format_for(msel.name, msel_format)
    if fmt not in FORMATS:
        fail(_("--msel-format must be one of {formats}, got {value!r}").format(formats=", ".join(FORMATS), value=fmt))
    if fmt in ("openbas", "cexf") and msel.suffix.lower() != ".json":
        fail(_("{format} is JSON: give --msel a file name ending in .json").format(format=fmt))
    _write_bytes(msel, msel_bytes_as(scenario, fmt))


def _play_drill(
    file: Path, scenario, decisions: Path, report: Path | None, markdown: Path | None,
    seed: int | None, replications: int,
) -> None:
    """Play a decision log on the scenario FILE, print the drill and write the reports asked for."""
    log = _read_log_or_exit(decisions)
    if log.scenario_path is not None and log.scenario_path.resolve() != file.resolve():
        other = load_or_exit(log.scenario_path) if log.scenario_path.is_file() else None
        if other is None or other.name != scenario.name:
            fail(_("{log}: this log is for {scenario}, not {file}").format(log=decisions, scenario=log.scenario_path, file=file))
    played = _play_log_or_exit(log, scenario, seed)
    _print_drill(played, log.team)
    if report is not None or markdown is not None:
        from .drill.report import build_report, html_report
        from .drill.report import markdown as report_markdown

        rep = build_report(played, team=log.team, n=replications)
        if markdown is not None:
            _write_bytes(markdown, report_markdown(rep).encode("utf-8"))
        if report is not None:
            _write_bytes(report, html_report(rep).encode("utf-8"))


def _import_msel(sheet: Path, scenario_file: Path) -> None:
    from .drill.msel_import import MselImportError, import_into, write_into

    load_or_exit(scenario_file)  # a scenario with problems is named as such, before the sheet
    try:
        imported = import_into(sheet, scenario_file)
    except MselImportError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for note in (*imported.warnings, *imported.skipped):
        typer.echo(str(note), err=True)
    try:
        write_into(imported, scenario_file)
    except OSError as exc:
        fail(_("cannot write {file}: {reason}").format(file=scenario_file, reason=exc.strerror or exc))
    typer.echo(_("wrote {n} injects into {file} ({kept} decision points kept as they were)").format(
        n=imported.injects, file=scenario_file, kept=imported.kept_decisions))


def _drill_backup(target: Path) -> None:
    from .drill.store import DrillStore, StoreError

    try:
        store = DrillStore()
        store.backup(target)
    except StoreError as exc:
        fail(str(exc))
    typer.echo(_("wrote {path} (a copy of {source})").format(path=target, source=store.path))


def _write_bytes(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        fail(_("cannot write {file}: {reason}").format(file=path, reason=exc.strerror or exc))
    typer.echo(_("wrote {files}").format(files=path))


def _read_log_or_exit(path: Path):
    from .drill.log import DrillLogError, read_log

    try:
        return read_log(path)
    except DrillLogError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _play_log_or_exit(log, scenario, seed):
    from .drill.log import DrillLogError, play_log
    from .drill.session import DrillError

    try:
        return play_log(log, scenario, seed)
    except DrillLogError as exc:
        for problem in exc.problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except DrillError as exc:
        fail(f"{log.file}: {exc}")


def _print_drill(played, team: str) -> None:
    from .drill.report import fmt, kind_text, timeline_rows
    from .drill.session import outcome_kpis

    d = played
    head = _("Drill of {scenario} (seed {seed}), {start} to {end}").format(
        scenario=d.scenario.name, seed=d.seed, start=d.clock_text(d.start_h), end=d.clock_text())
    typer.echo(head + (f", {team}" if team else ""))
    typer.echo("")
    for r in timeline_rows(d, events=False):
        who = f" [{r.who}]" if r.who else ""
        typer.echo(f"  {d.clock_text(r.t_h)}  {kind_text(r.kind):<9} {' '.join(r.what.split())}{who}")
    typer.echo("")
    typer.echo(_("Expected actions:"))
    from .drill.scoring import score

    card = score(d)
    for cr in card.criteria:
        typer.echo(f"  {cr.outcome_text:<13} {cr.points_text():>7}  {cr.expected.description} ({cr.reason})")
    typer.echo(_("Score: {score}").format(score=card.text()))
    typer.echo("")
    typer.echo(_("Outcome to the end of the simulated period:"))
    kpis = d.played().rep.kpis
    for name, label, pattern in outcome_kpis(d.scenario):
        value = kpis.get(name, float("nan"))
        shown = label.replace(label.strip(), _(label.strip()))
        typer.echo(f"  {shown:<44} {fmt(value, pattern):>10}")


def _drill_compare(paths: list[Path], report: Path | None, markdown: Path | None, seed, n: int) -> None:
    from .drill.compare import compare, html_comparison, text
    from .drill.compare import markdown as compare_markdown

    logs = [_read_log_or_exit(p) for p in paths]
    for p, log in zip(paths, logs, strict=True):
        if log.scenario_path is None:
            fail(_("{log}: name the scenario file in the log (scenario: path/to/scenario.yaml) to compare it").format(log=p))
        if not log.scenario_path.is_file():
            fail(_("{log}: scenario file {scenario} not found").format(log=p, scenario=log.scenario_path))
    scenarios = [load_or_exit(log.scenario_path) for log in logs]
    other = next((sc for sc in scenarios if sc.name != scenarios[0].name), None)
    if other is not None:
        fail(_("the logs are for different scenarios ({a}, {b}); compare drills of one scenario").format(a=scenarios[0].name, b=other.name))
    drills = [_play_log_or_exit(log, scenarios[0], seed) for log in logs]
    names = [log.team or str(p) for p, log in zip(paths, logs, strict=True)]
    seeds = sorted({d.seed for d in drills})
    if len(seeds) > 1:
        typer.echo(
            _("note: the logs use different seeds ({seeds}); the played columns differ by chance as well "
              "as by decisions. Give --seed to use one.").format(seeds=", ".join(str(s) for s in seeds)),
            err=True,
        )
    c = compare(*zip(names, drills, strict=True), n=n)
    typer.echo(text(c), nl=False)
    if markdown is not None:
        _write_bytes(markdown, compare_markdown(c).encode("utf-8"))
    if report is not None:
        _write_bytes(report, html_comparison(c).encode("utf-8"))
