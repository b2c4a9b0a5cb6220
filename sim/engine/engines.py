"""The two engines a run can use: `fast` (flows on the time grid; the default) and `reference`
(every visit, patient, caller, discharge and order one by one, exact to the minute; for checking
the fast engine and for small scenarios)."""

from __future__ import annotations

from collections.abc import Callable

from ..i18n import N_
from .replication import Replication

ENGINES = ("fast", "reference")
DEFAULT_ENGINE = "fast"
ENGINE_HELP = {
    "fast": N_("flows on the time grid: milliseconds per replication"),
    "reference": N_(
        "every visit, patient and caller one by one, exact to the minute: about a hundred times "
        "slower, for checking the fast engine"
    ),
}
"""How the app describes each engine (English; translated where shown)."""

Simulate = Callable[..., Replication]


class UnknownEngine(ValueError):
    """An engine name that is not one of ENGINES."""


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise UnknownEngine(f"unknown engine {engine!r} (engines: {', '.join(ENGINES)})")
    return engine


def simulator(engine: str = DEFAULT_ENGINE) -> Simulate:
    """`simulate(scenario, seed, *, control=None, budget=None)` of the named engine."""
    check_engine(engine)
    if engine == "reference":
        from .reference import simulate_reference

        return simulate_reference
    from .replication import simulate

    return simulate

