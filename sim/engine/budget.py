"""Limits on what one replication may cost, so a valid but huge scenario stops with a message
instead of running for hours or eating the machine's memory."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

MAX_CONTACTS_PER_REPLICATION = 20_000_000
MAX_EVENTS_PER_REPLICATION = 1_000_000
MAX_SECONDS_PER_REPLICATION = 120.0


class BudgetExceeded(RuntimeError):
    """A scenario asks for more than a run may spend; the message says what and how to fix it."""


@dataclass
class Budget:
    max_contacts: int = MAX_CONTACTS_PER_REPLICATION
    max_events: int = MAX_EVENTS_PER_REPLICATION
    max_seconds: float = MAX_SECONDS_PER_REPLICATION
    started: float = field(default_factory=time.monotonic)

    def check_contacts(self, expected: float) -> None:
        if expected > self.max_contacts:
            raise BudgetExceeded(
                f"the scenario would simulate about {expected:,.0f} contacts in one replication; "
                f"the limit is {self.max_contacts:,}. Shorten the horizon or lower the volumes."
            )

    def check_events(self, events: int) -> None:
        if events > self.max_events:
            raise BudgetExceeded(
                f"the incident machinery passed {self.max_events:,} events in one replication; "
                "check the scenario for very short repeating delays"
            )
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() - self.started > self.max_seconds:
            raise BudgetExceeded(
                f"one replication took more than {self.max_seconds:g} s; "
                "shorten the horizon or lower the volumes"
            )
