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


@app.command()
def run(
    file: FileArg,
    strategy: Annotated[
        list[str] | None,
        typer.Option("--strategy", "-s", help="Strategy to run (repeat for several); default: baseline."),
    ] = None,
    replications: Annotated[int, typer.Option("--replications", "-n", help="Replications per strategy.")] = 100,
    seed: Annotated[int, typer.Option(help="Run seed; the same seed gives the same numbers.")] = 0,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the JSON summary here.")] = None,
) -> None:
    """Simulate a scenario and print each strategy's KPIs (mean, 95% CI, p10/p50/p90)."""
    import json

    from .engine import BudgetExceeded
    from .experiments.report import kpi_table
    from .experiments.runner import MAX_REPLICATIONS, run_experiment
    from .experiments.summary import experiment_summary
    from .scenario.changes import ChangeError, apply_strategy

    if not 1 <= replications <= MAX_REPLICATIONS:
        fail(f"--replications must be between 1 and {MAX_REPLICATIONS:,}, got {replications}")
    if seed < 0:
        fail(f"--seed must be zero or positive, got {seed}")
    scenario = load_or_exit(file)
    strategies = strategy or ["baseline"]
    for s in strategies:
        try:
            apply_strategy(scenario, s)
        except ChangeError as exc:
            fail(f"{file}: --strategy {s}: {exc.message}")
    try:
        exp = run_experiment(scenario, strategies, replications, seed)
    except BudgetExceeded as exc:
        fail(f"{file}: {exc}")
    summary = experiment_summary(exp, str(file))
    for s in strategies:
        typer.echo(kpi_table(summary, s))
        typer.echo("")
    perf = summary["performance"]
    typer.echo(f"{perf['contacts']:,} contacts simulated in {perf['wall_s']:.2f} s")
    if exp.partial:
        typer.echo("interrupted: the results above are partial", err=True)
    if json_out is not None:
        try:
            json_out.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {json_out}: {exc.strerror}")
    if exp.partial:
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
