"""Command line: `sim validate | schema | explain | reference | run | compare | sweep | drill`.

Each command imports what it needs inside its body, so that `sim validate` starts fast and never
loads numpy, plotly or dask. Exit codes: 0 success, 2 bad input (with one line per problem),
1 an internal failure, 130 interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Tabletop-exercise simulator for IT outages in regional healthcare.",
)



@app.callback()
def _root() -> None:
    """Tabletop-exercise simulator for IT outages in regional healthcare."""


EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


def fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    """Print a message for a person and exit; never a traceback."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)


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


def _executor_options(executor: str | None, address: str | None, workers: int | None) -> str:
    """The executor to use, or exit 2 with the reason."""
    from .experiments.executors import DEFAULT_EXECUTOR, EXECUTORS

    if executor is None:
        executor = "dask" if address else DEFAULT_EXECUTOR
    if executor not in EXECUTORS:
        fail(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if address is not None and executor != "dask":
        fail(f"--address is the Dask scheduler's address; it needs --executor dask, not {executor}")
    if workers is not None and workers < 1:
        fail(f"--workers must be at least 1, got {workers}")
    return executor


def _run_options(replications: int, seed: int) -> None:
    from .experiments.runner import MAX_REPLICATIONS

    if not 1 <= replications <= MAX_REPLICATIONS:
        fail(f"--replications must be between 1 and {MAX_REPLICATIONS:,}, got {replications}")
    if seed < 0:
        fail(f"--seed must be zero or positive, got {seed}")


def _strategy_list(text: str, option: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    if not names:
        fail(f"{option}: give strategy ids separated by commas, for example baseline,fast-failover")
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

    try:
        with TerminalProgress(label) as progress:
            return work(progress)
    except BudgetExceeded as exc:
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
        fail(f"cannot write {path}: {exc.strerror}")


def _finish(summary, partial: bool) -> None:
    perf = summary["performance"]
    typer.echo(f"{perf['contacts']:,} contacts simulated in {perf['wall_s']:.2f} s")
    if partial:
        typer.echo("interrupted: the results above are partial", err=True)


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
) -> None:
    """Simulate a scenario and print each strategy's KPIs (mean, 95% CI, p10/p50/p90)."""
    from .experiments.report import kpi_table
    from .experiments.runner import run_experiment
    from .experiments.summary import experiment_summary

    _run_options(replications, seed)
    executor = _executor_options(executor, address, workers)
    scenario = load_or_exit(file)
    strategies = list(dict.fromkeys(strategy or ["baseline"]))
    _check_strategies(file, scenario, strategies, "--strategy")
    exp = _experiment(file, "replications", lambda progress: run_experiment(
        scenario, strategies, replications, seed, executor=executor, workers=workers,
        address=address, progress=progress, bands=False,
    ))
    summary = experiment_summary(exp, str(file))
    for s in strategies:
        typer.echo(kpi_table(summary, s))
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
) -> None:
    """Compare strategies with common random numbers: each strategy's mean KPIs, and the paired
    difference of each from the baseline with its 95% CI."""
    from .experiments.report import differences_table, means_table
    from .experiments.runner import run_experiment
    from .experiments.summary import comparison_summary

    _run_options(replications, seed)
    executor = _executor_options(executor, address, workers)
    names = _strategy_list(strategies, "--strategies")
    base = baseline.strip() if baseline else names[0]
    if base not in names:
        names.insert(0, base)
    scenario = load_or_exit(file)
    _check_strategies(file, scenario, names, "--strategies" if base != baseline else "--baseline")
    exp = _experiment(file, "replications", lambda progress: run_experiment(
        scenario, names, replications, seed, executor=executor, workers=workers,
        address=address, progress=progress, bands=False,
    ))
    summary = comparison_summary(exp, base, str(file))
    typer.echo(means_table(summary))
    typer.echo("")
    typer.echo(differences_table(summary))
    typer.echo("")
    _finish(summary, exp.partial)
    _write_json(json_out, summary)
    if exp.partial:
        raise typer.Exit(EXIT_INTERRUPTED)


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
    names = _strategy_list(strategies, "--strategies")
    shown = kpi or ["cancelled_planned", "lost_capacity_h", "time_to_full_operation_h"]
    for k in shown:
        if k not in ALL_KPIS:
            fail(f"--kpi {k}: no such KPI (KPIs: {', '.join(ALL_KPIS)})")
    scenario = load_or_exit(file)
    try:
        parameters = [parse_set(spec) for spec in set_]
        sweep_variants(scenario, parameters, names)
    except SweepError as exc:
        fail(f"{file}: {exc}")
    stem = out if out is not None else Path(f"{scenario.name}-sweep")
    if not stem.parent.is_dir():
        fail(f"--out {stem}: the folder {stem.parent} does not exist")
    result = _experiment(file, "sweep", lambda progress: run_sweep(
        scenario, parameters, names, replications, seed, executor=executor, workers=workers,
        address=address, progress=progress,
    ))
    rows = sweep_rows(result)
    summary = sweep_summary(result, str(file))
    typer.echo(sweep_table(rows, [p.path for p in parameters], shown))
    typer.echo("")
    _finish(summary, result.partial)
    try:
        written = write_table(rows, stem)
    except OSError as exc:
        fail(f"cannot write the table {stem}: {exc.strerror}")
    json_path = stem.with_name(stem.name + ".json")
    _write_json(json_path, summary)
    typer.echo("wrote " + ", ".join(str(p) for p in [*written, json_path]))
    if result.partial:
        raise typer.Exit(EXIT_INTERRUPTED)


# --------------------------------------------------------------------------- scenario format


@app.command()
def validate(files: FilesArg) -> None:
    """Check scenario files: `FILE: ok`, or one line per problem (`FILE line N: field: message`)."""
    from .scenario.loader import problems_in

    any_bad = False
    for path in files:
        problems = problems_in(path)
        if problems:
            any_bad = True
            for problem in problems:
                typer.echo(str(problem))
        else:
            typer.echo(f"{path}: ok")
    raise typer.Exit(EXIT_BAD_INPUT if any_bad else EXIT_OK)


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
        fail(f"cannot write {output}: {exc.strerror or exc}")
    typer.echo(f"wrote {output}")


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
def explain(file: FileArg) -> None:
    """Summarise a scenario in plain text: volumes, dependency tree, expected timeline, strategies."""
    from .scenario.explain import explain as explain_text

    scenario = load_or_exit(file)
    typer.echo(explain_text(scenario, file), nl=False)
