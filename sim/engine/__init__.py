"""The simulation engine: SimPy for the incident machinery and the decisions, vectorised numpy for
the flow of contacts between events, per-patient detail for the acute queue (the fast engine);
and a per-entity reference engine (`reference/`) that the fast one is tested against."""

from .budget import Budget, BudgetExceeded
from .engines import DEFAULT_ENGINE, ENGINES, UnknownEngine, check_engine, simulator
from .incident import Control, Event, IncidentTimeline, TimedAction
from .replication import (
    EXTRA_KPI_NAMES,
    KPI_NAMES,
    TIME_KPIS,
    Replication,
    compile_plan,
    simulate,
    simulate_with_timeline,
)
from .streams import Branch, Streams, branch_seed, replication_seed

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "EXTRA_KPI_NAMES",
    "KPI_NAMES",
    "TIME_KPIS",
    "Budget",
    "Branch",
    "BudgetExceeded",
    "Control",
    "Event",
    "IncidentTimeline",
    "Replication",
    "Streams",
    "TimedAction",
    "UnknownEngine",
    "branch_seed",
    "check_engine",
    "compile_plan",
    "replication_seed",
    "simulate",
    "simulate_with_timeline",
    "simulator",
]
