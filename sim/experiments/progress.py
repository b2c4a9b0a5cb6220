"""A progress bar for the command line: rich, on stderr, only when stderr is a terminal, and only
once the work has taken more than a moment."""

from __future__ import annotations

import sys
import time
from typing import Any

SHOW_AFTER_S = 0.7


class TerminalProgress:
    """Use as `progress=` of a run, inside `with`."""

    def __init__(self, label: str, stream: Any = None, show_after_s: float = SHOW_AFTER_S):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.show_after_s = show_after_s
        self.started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> TerminalProgress:
        self.started = time.monotonic()
        return self

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            if time.monotonic() - self.started < self.show_after_s or done >= total:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TimeRemainingColumn(),
                console=Console(file=self.stream), transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=total)
        self._bar.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
