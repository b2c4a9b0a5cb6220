"""Limits on what one replication may cost, so a valid but huge scenario stops with a message
instead of running for hours or eating the machine's memory, and a run with a deadline (the app's
time budget) stops inside a replication when its time is up.

The up-front estimate is in sim/limits.py; these checks are the guard while a replication runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..limits import Footprint, Limits, current, replication_problem

CHECK_EVERY = 4096
"""Step-by-step loops look at the clock this often (a few milliseconds apart)."""


class BudgetExceeded(RuntimeError):
    """A scenario asks for more than a run may spend; the message says what and how to fix it."""


class RunStopped(Exception):
    """The run's deadline passed while a replication was running: the replication is given up
    and the run ends with what it has (partial)."""


def _limits() -> Limits:
    return current()


@dataclass
class Budget:
    max_contacts: int = field(default_factory=lambda: _limits().contacts)
    max_events: int = field(default_factory=lambda: _limits().events)
    max_seconds: float = field(default_factory=lambda: _limits().replication_s)
    deadline: float | None = None
    """Wall-clock time (time.time()) at which the run this replication belongs to stops."""
    started: float = field(default_factory=time.monotonic)

    def check_contacts(self, expected: float) -> None:
        if expected > self.max_contacts:
            raise BudgetExceeded(
                f"the scenario would simulate about {expected:,.0f} contacts in one replication; "
                f"the limit is {self.max_contacts:,}. Shorten the horizon or lower the volumes."
            )

    def check_footprint(self, fp: Footprint) -> None:
        """Refuse a replication that the up-front estimate says cannot fit."""
        self.check_contacts(fp.contacts)
        limits = _limits()
        problem = replication_problem(fp, Limits(limits.memory_mb, self.max_contacts, limits.work))
        if problem is not None:
            raise BudgetExceeded(str(problem))

    def check_events(self, events: int) -> None:
        if events > self.max_events:
            raise BudgetExceeded(
                f"the incident machinery passed {self.max_events:,} events in one replication; "
                "check the scenario for very short repeating delays"
            )
        self.check_time()

    def check_time(self) -> None:
        if self.deadline is not None and time.time() > self.deadline:
            raise RunStopped("the run's time is up")
        if time.monotonic() - self.started > self.max_seconds:
            raise BudgetExceeded(
                f"one replication took more than {self.max_seconds:g} s; "
                "shorten the horizon or lower the volumes"
            )
