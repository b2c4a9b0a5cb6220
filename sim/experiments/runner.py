"""Replications of one or more strategies with common random numbers, on any executor.

Replication k of every strategy uses the seed `replication_seed(run_seed, k)`, so it sees the same
failures and arrivals unless the strategy itself changes them, and the numbers do not depend on
which executor ran which replication: results are stored by replication index, and every sum is
taken in index order.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..engine import DEFAULT_ENGINE, check_engine, replication_seed, simulator
from ..engine.windows import Window
from ..limits import RunShape, check_run, fitting_processes, footprint
from ..scenario.changes import apply_strategy
from ..scenario.model import Scenario
from ..vocabulary import MILESTONE_FORMS, is_milestone
from .bands import Bands
from .executors import DEFAULT_EXECUTOR, StopRequest, check_options, default_workers, execute
from .stats import difference_summary, welch_difference
from .work import ALL_KPIS, ChunkResult, chunk_ranges, chunk_size, plan_tasks

MAX_REPLICATIONS = 100_000
FIXED = "fixed"
"""Marks the variant of a strategy run without assumption uncertainty."""
_KPI_COLUMN = {name: i for i, name in enumerate(ALL_KPIS)}

Progress = Callable[[int, int], None]


@dataclass
class RepOutcome:
    """The compact part of one replication."""

    index: int
    kpis: dict[str, float]
    milestones: dict[str, float]
    contacts: int


class StrategyRuns:
    """The replications of one strategy (or one sweep point under a strategy), by index."""

    def __init__(self, strategy: str, replications: int, *, bands: bool = True):
        self.strategy = strategy
        self.requested = replications
        self._kpis = np.full((replications, len(ALL_KPIS)), np.nan)
        self._done = np.zeros(replications, dtype=bool)
        self._milestones: dict[str, np.ndarray] = {}
        self._by_kind: dict[str, np.ndarray] = {}
        self._marks: dict[str, np.ndarray] = {}
        self.contacts = 0
        self.bands: Bands | None = Bands(replications) if bands else None
        """Time-series bands (None when the run was asked for none)."""

    def add(self, result: ChunkResult) -> None:
        rows = slice(result.start, result.stop)
        self._kpis[rows] = result.kpis
        for name, values in result.milestones.items():
            if name not in self._milestones:
                self._milestones[name] = np.full(self.requested, np.nan)
            self._milestones[name][rows] = values
        for key, values in result.by_kind.items():
            self._by_kind.setdefault(key, np.full(self.requested, np.nan))[rows] = values
        for key, values in result.marks.items():
            if key not in self._marks:
                self._marks[key] = np.full((self.requested, values.shape[1]), np.nan)
            self._marks[key][rows] = values
        self.contacts += result.contacts
        if self.bands is not None and result.bands is not None:
            self.bands.add(result.bands)
        self._done[rows] = True

    @property
    def replications(self) -> int:
        """Replications finished (fewer than requested when a run was stopped)."""
        return int(self._done.sum())

    @property
    def indices(self) -> np.ndarray:
        """Indices of the finished replications, ascending."""
        return np.flatnonzero(self._done)

    def kpi(self, name: str, *, all_indices: bool = False) -> np.ndarray:
        """A KPI over the finished replications in index order (or over every requested index,
        NaN where not finished)."""
        if name not in _KPI_COLUMN:
            raise KeyError(f"no KPI {name!r} (KPIs: {', '.join(ALL_KPIS)})")
        column = self._kpis[:, _KPI_COLUMN[name]]
        return column.copy() if all_indices else column[self._done]

    def kinds(self, kpi: str) -> list[str]:
        """The unit kinds KPI `kpi` is counted by in this run."""
        return sorted({key.split(":", 1)[1] for key in self._by_kind if key.split(":", 1)[0] == kpi})

    def by_kind(self, kpi: str, kind: str) -> np.ndarray:
        """KPI `kpi` of unit kind `kind` over the finished replications (within the run's window,
        if it has one)."""
        values = self._by_kind.get(f"{kpi}:{kind}")
        return np.zeros(self.replications) if values is None else values[self._done]

    def marked(self, kpi: str, kind: str) -> np.ndarray | None:
        """KPI `kpi` of kind `kind` from the start to each day mark (replications x marks), for
        cuts by date after the run; None if the run has no such count."""
        values = self._marks.get(f"{kpi}:{kind}")
        return None if values is None else values[self._done]

    def milestone_names(self) -> list[str]:
        return sorted(self._milestones)

    def milestone(self, name: str) -> np.ndarray:
        if not is_milestone(name):
            raise KeyError(f"{name!r} is not a milestone (forms: {', '.join(MILESTONE_FORMS)})")
        values = self._milestones.get(name)
        if values is None:
            return np.full(self.replications, np.nan)
        return values[self._done]

    @property
    def outcomes(self) -> list[RepOutcome]:
        """One record per finished replication (built on demand: for small runs and tests)."""
        out = []
        for k in self.indices:
            kpis = {n: float(self._kpis[k, i]) for n, i in _KPI_COLUMN.items()}
            ms = {n: float(v[k]) for n, v in self._milestones.items() if not math.isnan(v[k])}
            out.append(RepOutcome(int(k), kpis, ms, 0))
        return out


@dataclass
class Experiment:
    scenario: Scenario
    seed: int
    replications: int
    runs: dict[str, StrategyRuns]
    wall_s: float
    partial: bool = False
    executor: str = "serial"
    workers: int | None = None
    fixed_runs: dict[str, StrategyRuns] = field(default_factory=dict)
    """The same strategies without assumption uncertainty (`Scenario.fixed()`, the same seeds),
    for those whose scenario has assumed numbers written as ranges, when the run asked for them."""
    engine: str = DEFAULT_ENGINE
    window: Window | None = None


def outcome(index: int, rep) -> RepOutcome:
    return RepOutcome(index, dict(rep.kpis), dict(rep.milestones), rep.contacts)


def run_indices(
    scenario: Scenario, seed: int, indices: Sequence[int], engine: str = DEFAULT_ENGINE
) -> list[RepOutcome]:
    """Replications `indices` of an already-changed scenario, in this process."""
    simulate = simulator(engine)
    return [outcome(k, simulate(scenario, replication_seed(seed, k))) for k in indices]


def check_replications(n: int) -> None:
    if not 1 <= n <= MAX_REPLICATIONS:
        raise ValueError(f"replications must be between 1 and {MAX_REPLICATIONS:,}, got {n:,}")


def run_variants(
    variants: dict[Hashable, Scenario],
    replications: int,
    seed: int,
    *,
    executor: str = DEFAULT_EXECUTOR,
    workers: int | None = None,
    address: str | None = None,
    progress: Progress | None = None,
    bands: bool = True,
    stop: StopRequest | None = None,
    labels: dict[Hashable, str] | None = None,
    engine: str = DEFAULT_ENGINE,
    max_workers: int | None = None,
    window: Window | None = None,
) -> tuple[dict[Hashable, StrategyRuns], bool]:
    """Run every variant `replications` times with common random numbers. Returns the runs by
    variant and whether the run was stopped early (partial)."""
    check_replications(replications)
    check_engine(engine)
    if seed < 0:
        raise ValueError(f"the seed must be zero or positive, got {seed}")
    check_options(executor, workers, address)
    labels = labels or {}
    if executor == "local" and len(chunk_ranges(replications)) * len(variants) == 1:
        executor = "serial"  # one task: a pool would only add its start-up time
    workers = check_size(variants, replications, executor, workers, address, bands, max_workers)
    runs = {k: StrategyRuns(labels.get(k, str(k)), replications, bands=bands) for k in variants}
    total = replications * len(variants)
    done = 0

    def on_result(result: ChunkResult) -> None:
        nonlocal done
        runs[result.variant].add(result)
        done += result.stop - result.start
        if progress is not None:
            progress(done, total)

    if progress is not None:
        progress(0, total)
    stop = stop or StopRequest()
    tasks = plan_tasks(variants, replications, seed, bands, engine, stop.deadline, window)
    try:
        with stop.on_interrupt():
            completed = execute(
                tasks, on_result, executor=executor, workers=workers, address=address, stop=stop
            )
    except KeyboardInterrupt:
        completed = False
    # A chunk stopped at the deadline comes back short: the run is partial then too.
    return runs, not completed or any(r.replications < replications for r in runs.values())


def check_size(
    variants: dict[Hashable, Scenario], replications: int, executor: str, workers: int | None,
    address: str | None, bands: bool, max_workers: int | None = None,
) -> int | None:
    """The worker processes to use, or TooLarge (with the numbers) when the run cannot fit in
    the memory limit (sim/limits.py). Without `workers`, a local pool or cluster gets as many
    processes as fit, up to `max_workers` (default: one per core)."""
    fps = [footprint(s) for s in variants.values()]
    local = executor == "local" or (executor == "dask" and not address)
    processes = (workers or max_workers or default_workers()) if local else 0
    shape = RunShape(replications, processes, bands, chunk_size(replications))
    what = (
        f"{replications:,} replications" if len(variants) == 1
        else f"{replications:,} replications of each of {len(variants):,} strategies or sweep points"
    )
    if local and workers is None:
        fitting = fitting_processes(fps, shape)
        if fitting:
            return fitting if fitting < processes or max_workers else workers
    check_run(fps, shape, what)
    return workers


def run_experiment(
    scenario: Scenario,
    strategies: Sequence[str] = ("baseline",),
    replications: int = 100,
    seed: int = 0,
    *,
    executor: str = DEFAULT_EXECUTOR,
    workers: int | None = None,
    address: str | None = None,
    progress: Progress | None = None,
    bands: bool = True,
    stop: StopRequest | None = None,
    fixed_twin: bool = False,
    engine: str = DEFAULT_ENGINE,
    max_workers: int | None = None,
    window: Window | None = None,
) -> Experiment:
    """Run every strategy `replications` times with common random numbers.

    executor: "serial" (this process), "local" (a process per core; `workers` processes) or
    "dask" (the cluster at `address`, or a local cluster of `workers` processes). Without
    `workers`, as many processes as fit in the memory limit, up to `max_workers` or one per core;
    a run that cannot fit is refused up front (sim.limits.TooLarge). The numbers are
    identical under every executor. progress(done, total) is called as replications finish.
    A stop request or Ctrl-C ends the run early with what finished, marked `partial`.
    With `fixed_twin`, every strategy whose scenario has assumed numbers written as ranges also
    runs without them (`Scenario.fixed()`, the same seeds: common random numbers), into
    `Experiment.fixed_runs`: the spread that chance alone gives.
    engine: "fast" (the default) or "reference" (per entity, exact to the minute; slow).
    window: count KPIs only within this window (sim/engine/windows.py); None: the whole horizon.
    """
    started = time.perf_counter()
    strategies = list(dict.fromkeys(strategies))
    variants: dict[Hashable, Scenario] = {s: apply_strategy(scenario, s) for s in strategies}
    if fixed_twin:
        variants.update({(FIXED, s): v.fixed() for s, v in list(variants.items()) if v.assumptions})
    runs, partial = run_variants(
        variants, replications, seed, executor=executor, workers=workers, address=address,
        progress=progress, bands=bands, stop=stop, labels={k: str(k[1]) for k in variants if isinstance(k, tuple)},
        engine=engine, window=window,
        max_workers=max_workers,
    )
    return Experiment(
        scenario, seed, replications, {str(k): v for k, v in runs.items() if not isinstance(k, tuple)},
        time.perf_counter() - started, partial, executor, workers,
        {str(k[1]): v for k, v in runs.items() if isinstance(k, tuple)}, engine, window,
    )


def _pair(exp: Experiment, kpi: str, strategy: str, baseline: str) -> tuple[np.ndarray, np.ndarray]:
    for s in (strategy, baseline):
        if s not in exp.runs:
            raise KeyError(f"no strategy {s!r} in this experiment (ran: {', '.join(exp.runs)})")
    a = exp.runs[strategy].kpi(kpi, all_indices=True)
    b = exp.runs[baseline].kpi(kpi, all_indices=True)
    return a, b


def paired_difference(exp: Experiment, kpi: str, strategy: str, baseline: str) -> dict:
    """`strategy` minus `baseline` on one KPI, replication by replication (common random
    numbers): {"mean", "ci95": [lo, hi], "p10", "p50", "p90"}. Replications that did not finish
    under both, or where a time KPI was not reached under both, are left out."""
    a, b = _pair(exp, kpi, strategy, baseline)
    return difference_summary(a, b)


def unpaired_difference(exp: Experiment, kpi: str, strategy: str, baseline: str) -> dict:
    """The same difference of means as if the two strategies had been run with independent
    random numbers (Welch's interval): {"mean", "ci95": [lo, hi]}."""
    a, b = _pair(exp, kpi, strategy, baseline)
    return welch_difference(a, b)
