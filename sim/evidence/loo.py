"""Leave one incident out: calibrate the reference ranges on every incident of the library but
one (the random-effects pooling of `pooling.py`), predict the held-out incident's observations
from the ranges so found, drawn as a scenario citing them draws them, and compare. Also the
calibration on the whole library, which `make validation` writes into the reference ranges file
as their `calibrated` ranges."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..scenario.reference_ranges import RANGES_FILE, reference_ranges
from .calibrate import FitParameter, Target, obs_key, targets_from, with_values
from .library import Observation, load_library
from .observe import simulated
from .pooling import Hyper, Pooled, Response, pool, response

FITTED = ("paper-routine-outpatient", "paper-routine-hospital")
"""The reference ranges the library informs: planned capacity on paper routines."""


@dataclass
class Prediction:
    target: str
    observation: Observation
    p10: float
    p50: float
    p90: float
    informed: bool
    """Whether the prediction came from ranges calibrated without this incident (else the
    scenario as written: it cites none of the fitted ranges)."""

    @property
    def bound_only(self) -> bool:
        """The observation is only a bound (`>= 1`, `<= 0`): a ratio to it means nothing."""
        o = self.observation
        return o.value is None and (o.low is None or o.high is None)

    @property
    def ratio(self) -> float:
        """Predicted median over the observation (its value, or the middle of its range); NaN for
        a bound."""
        c = self.observation.central
        if self.bound_only or not c or math.isnan(self.p50):
            return math.nan
        return self.p50 / c

    @property
    def within(self) -> bool:
        """Within a factor of 2 of the observation (or inside its range); for a bound, whether
        the predicted median meets it."""
        lo, hi = self.observation.bounds
        if lo <= self.p50 <= hi:
            return True
        r = self.ratio
        return bool(0.5 <= r <= 2) if not math.isnan(r) else False

    @property
    def verdict(self) -> str:
        """The table's cell: `yes`/`no` for a value or range, `bound met`/`bound not met`."""
        if self.bound_only:
            return "bound met" if self.within else "**bound not met**"
        return "yes" if self.within else "**no**"


@dataclass
class Reach:
    """What the held-out incident's observation is with the fitted ranges at the low and at the
    high end of the values they can take: whether any value brings it within a factor of 2."""

    low_end: float
    high_end: float

    def reaches(self, observation: Observation) -> bool:
        lo, hi = observation.bounds
        a, b = sorted((self.low_end, self.high_end))
        return not (math.isnan(a) or math.isnan(b)) and a <= 2 * hi and b >= lo / 2


def cites(target: Target, names: tuple[str, ...] = FITTED) -> bool:
    return any(a.evidence in names for a in target.scenario.assumptions)


Ranges = dict[str, tuple[float, float, float]]
"""Fitted reference ranges as shipped: name -> (5th percentile, median, 95th percentile), drawn
as triangular ranges (low, mode, high) like every `{evidence: NAME}` citation."""


def predict(target: Target, ranges: Ranges | None, replications: int, seed: int) -> list[Prediction]:
    """The target's observations over `replications` runs, each with the fitted ranges drawn as a
    scenario citing them would draw them (or with the scenario as written when `ranges` is None)."""
    from ..engine import replication_seed, simulate
    from ..scenario.assumptions import NumberRange

    rng = np.random.default_rng(seed)
    params = [FitParameter(f"evidence:{n}", 0.0, 1.0) for n in (ranges or {})]
    values: dict[str, list[float]] = {obs_key(target.name, o): [] for o in target.observations}
    for k in range(replications):
        sc = target.scenario
        if ranges:
            drawn = {f"evidence:{n}": NumberRange("triangular", *r).sample(rng) for n, r in ranges.items()}
            sc = with_values(sc, params, drawn)
        rep = simulate(sc, replication_seed(seed, k))
        for o in target.observations:
            values[obs_key(target.name, o)].append(simulated(rep, sc, o))
    out = []
    for o in target.observations:
        v = np.array(values[obs_key(target.name, o)], dtype=float)
        v = v[~np.isnan(v)]
        q = np.percentile(v, [10, 50, 90]) if v.size else [math.nan] * 3
        out.append(Prediction(target.name, o, float(q[0]), float(q[1]), float(q[2]), ranges is not None))
    return out


@functools.cache
def library_targets() -> list[Target]:
    """The library's incidents with observations, read once per process."""
    return targets_from(load_library())


@functools.cache
def library_levels() -> dict[str, str]:
    """Each evidence file's level: `incident` or `population` (a mean over many)."""
    return {e.name: e.file.pooling_level for e in load_library()}


def hypers() -> list[Hyper]:
    """The population grid of each fitted range, over its prior."""
    ranges = reference_ranges()
    out = []
    for name in FITTED:
        prior = ranges[name].prior.to_range()
        out.append(Hyper.for_range(name, max(prior.low, 0.02), min(prior.high, 0.98)))
    return out


def ranges_from(pooled: Pooled) -> Ranges:
    return {n: pooled.interval(n) for n in pooled.names}


@dataclass(frozen=True)
class Job:
    """One independent piece of leave one out: the simulations of an informed incident over the
    grid of fitted values (`response`), a fold (pool the other incidents' responses, predict
    `target` from the ranges so found), or the predictions of an incident from its scenario as
    written (`as-written`)."""

    kind: str
    target: str
    settings: dict[str, int]
    responses: tuple[Response, ...] = ()


@dataclass
class JobResult:
    job: Job
    predictions: list[Prediction] = field(default_factory=list)
    response: Response | None = None
    reach: dict[str, Reach] = field(default_factory=dict)
    ranges: Ranges = field(default_factory=dict)
    cpu_s: float = 0.0


def run_job(job: Job) -> JobResult:
    """Run one job in this process; seeded, so its result does not depend on which process ran it."""
    import time

    started = time.process_time()
    st = job.settings
    by_name = {t.name: t for t in library_targets()}
    target = by_name[job.target]
    out = JobResult(job)
    if job.kind == "as-written":
        out.predictions = predict(target, None, st["replications"], st["seed"])
    elif job.kind == "response":
        level = library_levels()[job.target]
        out.response = response(target, list(FITTED), level, st["grid_replications"], st["seed"])
    else:
        rest = [r for r in job.responses if r.target != job.target]
        own = next(r for r in job.responses if r.target == job.target)
        out.ranges = ranges_from(pool(rest, hypers()))
        out.predictions = predict(target, out.ranges, st["replications"], st["seed"])
        for p in out.predictions:
            if not p.within and not p.bound_only:
                key = obs_key(target.name, p.observation)
                out.reach[key] = Reach(*own.ends(key))
    out.cpu_s = time.process_time() - started
    return out


def settings(replications: int, grid_replications: int, seed: int) -> dict[str, int]:
    return {"replications": replications, "grid_replications": grid_replications, "seed": seed}


def first_jobs(st: dict[str, int]) -> list[Job]:
    """The simulations that need no other job: each informed incident over the grid (the most
    work first), each other incident as written."""
    targets = library_targets()
    informed = [t.name for t in targets if cites(t)]
    return [
        *(Job("response", name, st) for name in informed),
        *(Job("as-written", t.name, st) for t in targets if t.name not in informed),
    ]


def fold_jobs(st: dict[str, int], responses: list[Response]) -> list[Job]:
    """One fold per informed incident, carrying every incident's response."""
    return [Job("fold", r.target, st, tuple(responses)) for r in responses]


@dataclass
class LeaveOneOut:
    predictions: list[Prediction]
    full: Pooled
    calibrated: Ranges
    folds: dict[str, Ranges]
    """The ranges each fold fitted without its incident."""
    reach: dict[str, Reach] = field(default_factory=dict)
    """For each informed observation that misses (`target:observation`): its median with the
    fitted ranges at the low and at the high end of the grid."""
    cpu_s: float = 0.0
    """Processor time of all jobs together."""


def leave_one_out(
    *, replications: int = 40, grid_replications: int = 8, seed: int = 404,
    executor: str = "local", workers: int | None = None,
) -> LeaveOneOut:
    """Simulate every informed incident over the grid and every other incident as written; pool
    all but one and predict it, for each; pool them all. On `serial` or `local` processes (the
    same numbers either way)."""
    if executor not in ("serial", "local"):
        raise ValueError(f"leave one out runs on the serial or local executor, not {executor!r}")
    st = settings(replications, grid_replications, seed)

    def run(todo: list[Job]) -> list[JobResult]:
        if executor == "serial":
            return [run_job(j) for j in todo]
        return run_on_processes([(run_job, (j,)) for j in todo], workers)

    first = run(first_jobs(st))
    return finish(first, run(fold_jobs(st, responses_of(first))))


def responses_of(results: list[JobResult]) -> list[Response]:
    return [r.response for r in results if r.response is not None]


def finish(first: list[JobResult], folds: list[JobResult]) -> LeaveOneOut:
    """The jobs' results as one LeaveOneOut: folds first, then the incidents as written."""
    full = pool(responses_of(first), hypers())
    predictions = [p for r in folds for p in r.predictions] + [p for r in first for p in r.predictions]
    reach = {k: v for r in folds for k, v in r.reach.items()}
    cpu = sum(r.cpu_s for r in first + folds)
    return LeaveOneOut(predictions, full, ranges_from(full), {r.job.target: r.ranges for r in folds}, reach, cpu)


def run_on_processes(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]], workers: int | None) -> list[Any]:
    """Each (function, arguments) on a pool of local processes, in the order given; the results
    in that order. Functions that seed their own randomness give the same results as in turn."""
    from concurrent.futures import ProcessPoolExecutor

    from ..experiments.executors import _ignore_sigint, default_workers, mp_context

    n = max(1, min(workers or default_workers(), len(calls)))
    with ProcessPoolExecutor(max_workers=n, mp_context=mp_context(), initializer=_ignore_sigint) as pool:
        futures = [pool.submit(f, *args) for f, args in calls]
        return [f.result() for f in futures]


def write_calibrated(ranges: Ranges, path: Path = RANGES_FILE) -> None:
    """Set each fitted reference range's `calibrated:` line (5th percentile, median, 95th of a new
    incident's value) in the reference ranges file, keeping everything else as written."""
    text = path.read_text(encoding="utf-8")
    for name, (p5, median, p95) in ranges.items():
        line = f"    calibrated: {{low: {p5:.3f}, mode: {median:.3f}, high: {p95:.3f}}}\n"
        block = re.search(rf"(  - name: {re.escape(name)}\n(?:    .*\n|\s*\n)*?)(?=  - name: |\Z)", text)
        if block is None:
            raise ValueError(f"no reference range {name!r} in {path}")
        body = re.sub(r"    calibrated: .*\n", "", block.group(1))
        at = re.search(r"    prior: .*\n", body)
        if at is None:
            raise ValueError(f"reference range {name!r} has no prior line in {path}")
        body = body[: at.end()] + line + body[at.end():]
        text = text[: block.start()] + body + text[block.end():]
    path.write_text(text, encoding="utf-8")
