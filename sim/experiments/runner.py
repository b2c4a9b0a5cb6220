"""Replications of one or more strategies with common random numbers.

Replication k of every strategy uses the seed `replication_seed(run_seed, k)`, so it sees the same
failures and arrivals unless the strategy itself changes them, and the numbers do not depend on
which executor ran which replication.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..engine import EXTRA_KPI_NAMES, KPI_NAMES, Replication, replication_seed, simulate
from ..scenario.changes import apply_strategy
from ..scenario.model import Scenario

MAX_REPLICATIONS = 100_000
ALL_KPIS = KPI_NAMES + EXTRA_KPI_NAMES


@dataclass
class RepOutcome:
    """The compact part of a replication that travels back from a worker."""

    index: int
    kpis: dict[str, float]
    milestones: dict[str, float]
    contacts: int


@dataclass
class StrategyRuns:
    strategy: str
    outcomes: list[RepOutcome] = field(default_factory=list)

    def kpi(self, name: str) -> np.ndarray:
        ordered = sorted(self.outcomes, key=lambda o: o.index)
        return np.array([o.kpis[name] for o in ordered], dtype=float)

    def milestone_names(self) -> list[str]:
        names: set[str] = set()
        for o in self.outcomes:
            names.update(o.milestones)
        return sorted(names)

    def milestone(self, name: str) -> np.ndarray:
        ordered = sorted(self.outcomes, key=lambda o: o.index)
        return np.array([o.milestones.get(name, math.nan) for o in ordered], dtype=float)

    @property
    def contacts(self) -> int:
        return sum(o.contacts for o in self.outcomes)


@dataclass
class Experiment:
    scenario: Scenario
    seed: int
    replications: int
    runs: dict[str, StrategyRuns]
    wall_s: float
    partial: bool = False


def outcome(index: int, rep: Replication) -> RepOutcome:
    return RepOutcome(index, dict(rep.kpis), dict(rep.milestones), rep.contacts)


def run_indices(scenario: Scenario, seed: int, indices: Sequence[int]) -> list[RepOutcome]:
    """Replications `indices` of an already-changed scenario: the unit of work of every executor."""
    return [outcome(k, simulate(scenario, replication_seed(seed, k))) for k in indices]


def check_replications(n: int) -> None:
    if not 1 <= n <= MAX_REPLICATIONS:
        raise ValueError(f"replications must be between 1 and {MAX_REPLICATIONS:,}, got {n:,}")


def run_experiment(
    scenario: Scenario,
    strategies: Sequence[str] = ("baseline",),
    replications: int = 100,
    seed: int = 0,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Experiment:
    """Run every strategy `replications` times, serially, in this process."""
    check_replications(replications)
    started = time.perf_counter()
    variants = {s: apply_strategy(scenario, s) for s in strategies}
    runs = {s: StrategyRuns(s) for s in strategies}
    total = replications * len(strategies)
    done = 0
    partial = False
    try:
        for k in range(replications):
            for s, variant in variants.items():
                runs[s].outcomes.extend(run_indices(variant, seed, [k]))
                done += 1
                if progress:
                    progress(done, total)
    except KeyboardInterrupt:
        partial = True
    return Experiment(scenario, seed, replications, runs, time.perf_counter() - started, partial)
