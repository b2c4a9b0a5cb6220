"""What a run may cost, and what a scenario will cost, known before anything runs.

A valid scenario of two kilobytes can ask for a one-minute time grid over months for hundreds of
units, and a replication keeps a dozen arrays of that length per unit kind; a run keeps a sample
of replications for its percentile bands, and every worker process holds a replication of its
own. So the cost is estimated from the scenario's shape, and what exceeds the server's limits is
refused up front, with the numbers and what to change:

- **memory** (`SIM_MAX_MEMORY_MB`): the peak of a run, all its processes together (each process's
  own start-up memory included);
- **contacts** (`SIM_MAX_CONTACTS`): patients, visits and calls one replication simulates;
- **work** (`SIM_MAX_WORK`): steps the step-by-step parts of one replication take (phone lines,
  beds and consumables are followed step by step; about ten microseconds a step);
- **events** (`SIM_MAX_EVENTS`) and **seconds** (`SIM_MAX_REPLICATION_S`) per replication are
  checked while it runs, as a last guard.

The estimates are deliberately on the high side (a test measures real replications against
them). Nothing here imports numpy: `sim validate` uses it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .i18n import _, count

if TYPE_CHECKING:
    from .scenario.model import Scenario

MB = 1024 * 1024
PROCESS_BYTES = 100 * MB
"""What a Python process with the engine loaded takes before it simulates anything."""
SECONDS_PER_WORK_STEP = 10e-6
"""About how long one step of the step-by-step parts takes (for the messages only)."""

MAX_SAMPLE = 256
"""Most replications kept for the percentile bands, per strategy."""
SAMPLE_BUDGET_BYTES = 48 * MB
"""Memory the percentile sample of one strategy may take, whatever the replication count."""

ENV = {
    "memory_mb": "SIM_MAX_MEMORY_MB",
    "contacts": "SIM_MAX_CONTACTS",
    "work": "SIM_MAX_WORK",
    "events": "SIM_MAX_EVENTS",
    "replication_s": "SIM_MAX_REPLICATION_S",
}
RESOLUTIONS_H = (1 / 60, 5 / 60, 10 / 60, 15 / 60, 0.5, 1.0, 2.0, 4.0, 6.0, 12.0, 24.0)
"""Time steps suggested when a grid is too fine."""


class TooLarge(ValueError):
    """A run that would exceed the server's limits; the message gives the numbers and what to
    change. `field` is the scenario field to point at (a dotted path), or empty."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Limits:
    """The server's limits. Defaults fit a shared 2-core, 24 GB machine: two runs at once (the
    app's default) take at most 8 GB."""

    memory_mb: int = 4096
    contacts: int = 20_000_000
    work: int = 10_000_000
    events: int = 1_000_000
    replication_s: float = 120.0

    @classmethod
    def from_environment(cls) -> Limits:
        """The defaults, with any of SIM_MAX_MEMORY_MB, SIM_MAX_CONTACTS, SIM_MAX_WORK,
        SIM_MAX_EVENTS and SIM_MAX_REPLICATION_S that are set to a positive number."""
        values: dict[str, Any] = {}
        for name, var in ENV.items():
            raw = os.environ.get(var, "").strip()
            if not raw:
                continue
            try:
                number = float(raw)
            except ValueError:
                continue
            if math.isfinite(number) and number > 0:
                values[name] = number if name == "replication_s" else int(number)
        return cls(**values)

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * MB


def current() -> Limits:
    return Limits.from_environment()


# --------------------------------------------------------------------------- the estimate


def sample_cap(n_series: int, n_steps: int) -> int:
    """How many of the lowest-index replications the percentile bands keep for a time grid of
    this shape: up to MAX_SAMPLE, and never more than fit in SAMPLE_BUDGET_BYTES (float32)."""
    per_replication = max(1, n_series * n_steps * 4)
    return int(min(MAX_SAMPLE, SAMPLE_BUDGET_BYTES // per_replication))


@dataclass(frozen=True)
class Footprint:
    """The shape of one replication of a scenario, and what it costs."""

    steps: int
    step_h: float
    horizon_h: float
    units: int  # entries (a group of identical units is one entry)
    unit_count: int  # units, each unit of a group counted
    slots: int  # services that can lose capacity
    dependency_rows: int
    standins: int
    series: int  # time series a replication returns (an upper bound)
    step_loops: int  # parts followed step by step in Python (lines, bed units, consumables)
    widest_acute: int  # the largest `count` of a unit with acute care
    patients_per_unit: float  # the most acute patients of one unit entry in a replication
    acute_patients: float  # acute patients of every unit in a replication
    contacts: float  # patients, visits and first call attempts in a replication

    @property
    def series_bytes(self) -> int:
        """What one replication returns: its time series."""
        return 8 * self.steps * self.series

    @property
    def replication_bytes(self) -> int:
        """Peak memory while one replication runs, its result and the previous one's included."""
        per_step = (
            3 * self.slots + self.dependency_rows + self.standins  # capacity grid and its evaluation
            + 3 * self.series  # the series being built, this result and the one before
            + max(2 * self.widest_acute + 8, 24 if self.step_loops else 0)  # the widest flow's arrays
        )
        return 8 * self.steps * per_step + int(160 * self.patients_per_unit) + 2 * MB

    @property
    def work(self) -> int:
        """Steps of the step-by-step parts of one replication (plus acute patients, one by one)."""
        return int(self.steps * self.step_loops + self.acute_patients)

    def sample_rows(self, replications: int) -> int:
        return min(replications, sample_cap(self.series, self.steps))

    def chunk_bytes(self, chunk: int, bands: bool) -> int:
        """A worker's partial bands for a chunk of `chunk` replications."""
        if not bands:
            return 0
        return 16 * self.steps * self.series + 4 * self.steps * self.series * self.sample_rows(chunk)

    def bands_bytes(self, replications: int) -> int:
        """One strategy's bands in the parent: the sample and the running sums."""
        return 4 * self.steps * self.series * self.sample_rows(replications) + 24 * self.steps * self.series


def footprint(scenario: Scenario) -> Footprint:
    """The shape and cost of one replication of `scenario`. Numbers written as ranges count at
    their highest value."""
    sc = _at_highest(scenario)
    region = sc.region
    steps = max(1, math.ceil(sc.horizon / sc.resolution - 1e-9))
    days = sc.horizon / 24
    units, lines, items = region.units, region.phone_lines, region.consumables
    slots = sum((u.acute is not None) + (u.planned is not None) + (u.beds is not None) for u in units)
    slots += len(lines) + len(items)
    dependency_rows = sum(len(u.depends_on) * 3 for u in units)
    dependency_rows += sum(len(p.depends_on) for p in lines) + sum(len(c.depends_on) for c in items)
    acute_units = [u for u in units if u.acute is not None]
    patients = [u.count * u.acute.arrivals_per_day * days for u in acute_units]  # type: ignore[union-attr]
    contacts = sum(patients) + sum(
        u.count * u.planned.visits_per_day * days for u in units if u.planned is not None
    ) + sum(p.count * p.calls_per_day * 2 * days for p in lines)
    bed_units = sum(1 for u in units if u.beds is not None)
    return Footprint(
        steps=steps,
        step_h=sc.resolution,
        horizon_h=sc.horizon,
        units=len(units),
        unit_count=sum(u.count for u in units),
        slots=slots,
        dependency_rows=dependency_rows,
        standins=len(sc.backup_routines) + len(sc.recovery_actions),
        series=_series(sc),
        step_loops=len(lines) + len(items) + bed_units,
        widest_acute=max((u.count for u in acute_units), default=0),
        patients_per_unit=max(patients, default=0.0),
        acute_patients=sum(patients),
        contacts=contacts,
    )


def _series(sc: Scenario) -> int:
    """An upper bound on the time series of a replication: the per-kind series of each flow for
    the kinds of unit it concerns (and a total where the engine adds one), the capacity of every
    unit, line and consumable, the stock of every consumable, and the readiness level."""
    region = sc.region
    kinds = {u.kind for u in region.units}

    def kinds_with(part: str) -> int:
        return len({u.kind for u in region.units if getattr(u, part) is not None})

    per_kind = 7 * kinds_with("planned") + 5 * kinds_with("acute") + 2 * kinds_with("beds")
    per_kind += len(kinds) * 1  # administrative debt
    per_kind += 5 if region.phone_lines else 0
    capacity = len(kinds) + (1 if region.phone_lines else 0) + (1 if region.consumables else 0)
    from .vocabulary import SERIES

    totals = sum(1 for s in SERIES if s.totalled)
    entities = len(region.units) + len(region.phone_lines) + len(region.consumables)
    return per_kind + capacity + totals + entities + len(region.consumables) + 1


def _at_highest(scenario: Scenario) -> Scenario:
    """The scenario with every assumed range at its highest value (the most it can cost)."""
    assumptions = getattr(scenario, "assumptions", ())
    if not assumptions:
        return scenario
    from .scenario.assumptions import concrete

    return concrete(scenario, {a.path: max(a.range.points()) for a in assumptions})


# --------------------------------------------------------------------------- checks


def _size(n_bytes: float) -> str:
    if n_bytes >= 1024**3:
        return f"{n_bytes / 1024**3:,.1f} GB"
    return f"{max(1, round(n_bytes / MB)):,} MB"


def _duration(hours: float) -> str:
    if hours < 1:
        return f"{hours * 60:g} min"
    if hours < 48:
        return f"{hours:g} h"
    return _("{days} days").format(days=f"{hours / 24:g}")


def replication_problem(fp: Footprint, limits: Limits) -> TooLarge | None:
    """Why one replication (in one process, without bands) cannot run here; None when it can."""
    grid = _("{step} steps over {horizon} for {n} units").format(
        step=_duration(fp.step_h), horizon=_duration(fp.horizon_h), n=count(fp.unit_count))
    if fp.contacts > limits.contacts:
        return TooLarge(
            _("one replication would simulate about {n} contacts (patients, visits and calls); the limit is "
              "{limit} ({variable}): shorten the horizon or lower the volumes or unit counts").format(
                n=count(fp.contacts), limit=count(limits.contacts), variable=ENV["contacts"]),
            "horizon",
        )
    need = PROCESS_BYTES + fp.replication_bytes
    if need > limits.memory_bytes:
        return TooLarge(
            _("{grid} needs about {size} for one replication; the limit is {limit} ({variable}): {advice}").format(
                grid=grid, size=_size(need), limit=_size(limits.memory_bytes), variable=ENV["memory_mb"],
                advice=_coarser(fp, limits)),
            "resolution",
        )
    if fp.work > limits.work:
        return TooLarge(
            _("{grid} with {loops} phone lines, bed units and consumables takes about {work} steps of work a "
              "replication (about {seconds} s); the limit is {limit} ({variable}): {advice}").format(
                grid=grid, loops=count(fp.step_loops), work=count(fp.work),
                seconds=count(fp.work * SECONDS_PER_WORK_STEP), limit=count(limits.work), variable=ENV["work"],
                advice=_coarser(fp, limits, work=True)),
            "resolution",
        )
    return None


def _coarser(fp: Footprint, limits: Limits, work: bool = False) -> str:
    """The finest standard time step that would fit, or fewer units."""
    for step in RESOLUTIONS_H:
        if step <= fp.step_h + 1e-12:
            continue
        steps = max(1, math.ceil(fp.horizon_h / step - 1e-9))
        trial = Footprint(**{**fp.__dict__, "steps": steps, "step_h": step})
        fits = trial.work <= limits.work if work else PROCESS_BYTES + trial.replication_bytes <= limits.memory_bytes
        if fits:
            return _("use a resolution of {step} or more, or fewer units").format(step=_duration(step))
    return _("shorten the horizon or use fewer units")


def check_replication(scenario: Scenario, limits: Limits | None = None) -> None:
    """Raise TooLarge when one replication of `scenario` cannot run within the limits."""
    problem = replication_problem(footprint(scenario), limits or current())
    if problem is not None:
        raise problem


@dataclass(frozen=True)
class RunShape:
    """How a run is to be made: what its memory estimate depends on."""

    replications: int
    processes: int  # worker processes on this machine (0: the run is in this process)
    bands: bool
    chunk: int  # replications in one unit of work


def run_bytes(footprints: Iterable[Footprint], shape: RunShape) -> int:
    """Peak memory of a whole run of these variants (one footprint each), every process counted."""
    fps = list(footprints)
    if not fps:
        return PROCESS_BYTES
    widest = max(fps, key=lambda f: f.replication_bytes + f.chunk_bytes(shape.chunk, shape.bands))
    in_worker = widest.replication_bytes + widest.chunk_bytes(shape.chunk, shape.bands)
    parent = PROCESS_BYTES
    if shape.bands:
        parent += sum(f.bands_bytes(shape.replications) for f in fps)
        # Results in flight to the parent: one chunk's partial bands per worker slot.
        parent += (max(shape.processes, 1) + 1) * widest.chunk_bytes(shape.chunk, True)
    if shape.processes == 0:
        return parent + in_worker
    return parent + shape.processes * (PROCESS_BYTES + in_worker)


def check_run(
    footprints: Iterable[Footprint], shape: RunShape, what: str, limits: Limits | None = None
) -> None:
    """Raise TooLarge when the run would need more memory than the limit. `what` names the run
    in the message, in the plural ("100 replications")."""
    limits = limits or current()
    fps = list(footprints)
    for fp in fps:
        problem = replication_problem(fp, limits)
        if problem is not None:
            raise problem
    need = run_bytes(fps, shape)
    if need <= limits.memory_bytes:
        return
    advice = []
    if shape.processes > 1:
        fewer = fitting_processes(fps, shape, limits)
        advice.append(f"use {fewer} worker process{'es' if fewer != 1 else ''}" if fewer else "run it serially")
    if shape.bands and len(fps) > 1:
        advice.append("fewer strategies")
    advice.append("a coarser resolution")
    where = f" on {shape.processes} worker processes" if shape.processes else ""
    raise TooLarge(
        f"{what}{where} need about {_size(need)}; the limit is {_size(limits.memory_bytes)} "
        f"({ENV['memory_mb']}): {', or '.join(advice)}"
    )


def fitting_processes(footprints: Iterable[Footprint], shape: RunShape, limits: Limits | None = None) -> int:
    """The most worker processes (up to shape.processes) with which the run fits; 0 if none."""
    limits = limits or current()
    fps = list(footprints)
    for n in range(shape.processes, 0, -1):
        if run_bytes(fps, RunShape(shape.replications, n, shape.bands, shape.chunk)) <= limits.memory_bytes:
            return n
    return 0


def check_kept(fp: Footprint, replications: int, what: str, limits: Limits | None = None) -> None:
    """Raise TooLarge when `replications` replications kept whole in this process (a drill's
    band and what-if previews keep every series of every run) would exceed the memory limit."""
    limits = limits or current()
    problem = replication_problem(fp, limits)
    if problem is not None:
        raise problem
    need = PROCESS_BYTES + fp.replication_bytes + replications * fp.series_bytes
    if need > limits.memory_bytes:
        fits = max(0, (limits.memory_bytes - PROCESS_BYTES - fp.replication_bytes) // max(fp.series_bytes, 1))
        raise TooLarge(
            f"{what} of {replications:,} runs need about {_size(need)}; the limit is "
            f"{_size(limits.memory_bytes)} ({ENV['memory_mb']}): use {fits:,} runs or fewer"
        )
