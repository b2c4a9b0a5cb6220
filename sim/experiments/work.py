"""The unit of work of every executor: a chunk of consecutive replications of one scenario variant
(a strategy, or a point of a sweep under a strategy), reduced in the worker to a compact result.

Only KPIs, milestones and partial time-series bands travel back; a replication's series never
leave the worker. The split into chunks depends only on the replication count, never on the
executor or the number of workers, so every executor adds up exactly the same numbers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass

import numpy as np

from ..engine import (
    DEFAULT_ENGINE,
    EXTRA_KPI_NAMES,
    KPI_NAMES,
    Replication,
    replication_seed,
    simulator,
)
from ..engine.budget import Budget, RunStopped
from ..engine.windows import Window, day_marks, kpis_in_window
from ..engine.windows import by_kind as by_kind_in
from ..scenario.model import Scenario
from .bands import ChunkBands, ChunkBandsBuilder

ALL_KPIS = KPI_NAMES + EXTRA_KPI_NAMES
MAX_CHUNK = 50
"""Most replications in one work unit: enough (about 0.5 s of work for a region like Sörmland)
to amortise the cost of a task, few enough to spread a run over the workers."""
CHUNKS_PER_VARIANT = 8
"""A variant's replications are cut into about this many chunks, up to MAX_CHUNK each: few tasks
for the Dask scheduler (a few milliseconds each), enough to keep a few workers busy; runs with
several strategies or sweep points multiply them."""


def chunk_size(replications: int) -> int:
    return max(1, min(MAX_CHUNK, math.ceil(replications / CHUNKS_PER_VARIANT)))


def chunk_ranges(replications: int) -> list[tuple[int, int]]:
    """[start, stop) of every chunk of a variant with `replications` replications."""
    size = chunk_size(replications)
    return [(a, min(a + size, replications)) for a in range(0, replications, size)]


@dataclass
class Task:
    """Replications start..stop-1 of one variant."""

    variant: Hashable
    scenario: Scenario
    seed: int
    chunk: int
    start: int
    stop: int
    bands: bool = True
    engine: str = DEFAULT_ENGINE
    deadline: float | None = None
    """Wall-clock time (time.time()) at which the run stops: the chunk then ends with the
    replications it finished, even in the middle of one."""
    window: Window | None = None
    """Count KPIs only within this window (None: the whole horizon)."""

    @property
    def size(self) -> int:
        return self.stop - self.start


@dataclass
class ChunkResult:
    variant: Hashable
    chunk: int
    start: int
    stop: int
    kpis: np.ndarray  # replications x len(ALL_KPIS)
    milestones: dict[str, np.ndarray]  # name -> replications (NaN: not reached)
    by_kind: dict[str, np.ndarray]  # "KPI:KIND" -> replications (within the window, if any)
    marks: dict[str, np.ndarray]  # "KPI:KIND" -> replications x day marks (cumulative)
    contacts: int
    bands: ChunkBands | None
    compute_s: float


def plan_tasks(
    variants: dict[Hashable, Scenario], replications: int, seed: int, bands: bool,
    engine: str = DEFAULT_ENGINE,
    deadline: float | None = None,
    window: Window | None = None,
) -> Iterator[Task]:
    """Every task of a run, chunk by chunk across the variants, so that a run stopped early has
    about as many replications of each variant."""
    for chunk, (a, b) in enumerate(chunk_ranges(replications)):
        for key, scenario in variants.items():
            yield Task(key, scenario, seed, chunk, a, b, bands, engine, deadline, window)


def run_chunk(task: Task, stop: Callable[[], bool] | None = None) -> ChunkResult | None:
    """Run a task. When `stop()` turns true or the task's deadline passes, the chunk ends with
    the replications it finished (a shorter ChunkResult), or None if it finished none."""
    started = time.perf_counter()
    n = task.size
    kpis = np.full((n, len(ALL_KPIS)), np.nan)
    milestones: dict[str, np.ndarray] = {}
    by_kind: dict[str, np.ndarray] = {}
    marks: dict[str, np.ndarray] = {}
    contacts = 0
    builder = ChunkBandsBuilder(task.chunk) if task.bands else None
    simulate = simulator(task.engine)
    done = 0
    for row, k in enumerate(range(task.start, task.stop)):
        if (stop is not None and stop()) or (task.deadline is not None and time.time() > task.deadline):
            break
        try:
            rep = simulate(task.scenario, replication_seed(task.seed, k), budget=Budget(deadline=task.deadline))
        except RunStopped:
            break
        cuts = _cuts(rep, task.window)
        found = kpis_in_window(rep.kpis, cuts) if task.window is not None else rep.kpis
        kpis[row] = [found.get(name, math.nan) for name in ALL_KPIS]
        for kpi, values in cuts.items():
            for kind, v in values.items():
                by_kind.setdefault(f"{kpi}:{kind}", np.full(n, np.nan))[row] = v
        for key, cumulative in day_marks(rep.series, rep.step_h, task.scenario).items():
            marks.setdefault(key, np.full((n, len(cumulative)), np.nan))[row] = cumulative
        for name, t in rep.milestones.items():
            if name not in milestones:
                milestones[name] = np.full(n, np.nan)
            milestones[name][row] = t
        contacts += rep.contacts
        if builder is not None:
            builder.add(k, rep.series, rep.step_h)
        done = row + 1
    if done == 0 and n > 0:
        return None
    return ChunkResult(
        task.variant,
        task.chunk,
        task.start,
        task.start + done,
        kpis[:done],
        {name: values[:done] for name, values in milestones.items()},
        {key: values[:done] for key, values in by_kind.items()},
        {key: values[:done] for key, values in marks.items()},
        contacts,
        builder.build() if builder is not None else None,
        time.perf_counter() - started,
    )


def _cuts(rep: Replication, window: Window | None) -> dict[str, dict[str, float]]:
    """The windowed KPIs of a replication by unit kind, within `window` or the whole horizon."""
    if not rep.series:
        return {}
    whole = Window(0.0, len(next(iter(rep.series.values()))) * rep.step_h)
    return by_kind_in(rep.series, rep.step_h, window or whole)


def run_chunk_in_worker(task: Task) -> ChunkResult | None:
    """What a worker process runs (no stop flag: the parent cancels whole tasks; the task's
    deadline ends it early, None when it finished no replication)."""
    return run_chunk(task)


def idle_task(task: Task) -> ChunkResult:
    """A task that does no simulation, to measure an executor's overhead per task."""
    return ChunkResult(task.variant, task.chunk, task.start, task.stop,
                       np.zeros((0, len(ALL_KPIS))), {}, {}, {}, 0, None, 0.0)
