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
