"""Leave one incident out: calibrate the reference ranges on every incident of the library but
one, predict the held-out incident's observations from the ranges so found, and compare. Also
the calibration on the whole library, which `make validation` writes into the reference ranges
file as their `calibrated` ranges."""

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
from .calibrate import Fit, FitParameter, Target, calibrate, obs_key, targets_from, with_values
from .library import Observation, load_library
from .observe import simulated

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
    scenario as written: its observations do not depend on the fitted ranges)."""

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
    """What the held-out incident's observation is at the ends of the fitted ranges' priors:
    whether any value the fit could give brings it within a factor of 2."""

    low_end: float
    high_end: float

    def reaches(self, observation: Observation) -> bool:
        lo, hi = observation.bounds
        a, b = sorted((self.low_end, self.high_end))
        return not (math.isnan(a) or math.isnan(b)) and a <= 2 * hi and b >= lo / 2


def fitted_parameters() -> list[FitParameter]:
    ranges = reference_ranges()
    out = []
    for name in FITTED:
        prior = ranges[name].prior.to_range()
        out.append(FitParameter(f"evidence:{name}", prior.low, prior.high))
    return out


def cites(target: Target, names: tuple[str, ...] = FITTED) -> bool:
    return any(a.evidence in names for a in target.scenario.assumptions)


def predict(target: Target, params: list[FitParameter], fit: Fit | None, replications: int, seed: int) -> list[Prediction]:
    """The target's observations over `replications` runs, each with fitted values drawn from the
    posterior particles (or with the scenario as written when `fit` is None)."""
    from ..engine import replication_seed, simulate

    rng = np.random.default_rng(seed)
    values: dict[str, list[float]] = {obs_key(target.name, o): [] for o in target.observations}
    for k in range(replications):
        sc = target.scenario
        if fit is not None:
            row = fit.particles[rng.choice(len(fit.weights), p=fit.weights / fit.weights.sum())]
            sc = with_values(sc, params, {p.path: float(x) for p, x in zip(params, row, strict=True)})
        rep = simulate(sc, replication_seed(seed, k))
        for o in target.observations:
            values[obs_key(target.name, o)].append(simulated(rep, sc, o))
    out = []
    for o in target.observations:
        v = np.array(values[obs_key(target.name, o)], dtype=float)
        v = v[~np.isnan(v)]
        q = np.percentile(v, [10, 50, 90]) if v.size else [math.nan] * 3
        out.append(Prediction(target.name, o, float(q[0]), float(q[1]), float(q[2]), fit is not None))
    return out


def reach_at_prior_ends(target: Target, params: list[FitParameter], replications: int, seed: int) -> dict[str, Reach]:
    """Each observation's median with every fitted range at the low end of its prior, and at the
    high end (the capacities on paper routines: at the low end the most is lost)."""
    ends = []
    for pick in ("low", "high"):
        values = {p.path: getattr(p, pick) for p in params}
        sc = with_values(target.scenario, params, values)
        ends.append(predict(Target(target.name, sc, target.observations), params, None, replications, seed))
    return {obs_key(target.name, a.observation): Reach(a.p50, b.p50) for a, b in zip(*ends, strict=True)}


@functools.cache
def library_targets() -> list[Target]:
    """The library's incidents with observations, read once per process."""
    return targets_from(load_library())


@dataclass(frozen=True)
class Job:
    """One independent piece of leave one out: a fold (calibrate without `held`, predict it),
    the calibration on the whole library (`held` None, `fit_all`), or the predictions of an
    incident from its scenario as written."""

    kind: str
    """`fold`, `full` or `as-written`."""
    target: str | None
    settings: dict[str, int]


@dataclass
class JobResult:
    job: Job
    predictions: list[Prediction]
    fit: Fit | None
    reach: dict[str, Reach]
    cpu_s: float


def run_job(job: Job) -> JobResult:
    """Run one job in this process. Each calibration runs on one core (pyabc's single-core
    sampler, seeded), so its result does not depend on which process ran it or when."""
    import time

    started = time.process_time()
    st = job.settings
    targets = library_targets()
    params = fitted_parameters()
    informed = [t for t in targets if cites(t)]
    by_name = {t.name: t for t in targets}
    predictions: list[Prediction] = []
    fit = None
    reach: dict[str, Reach] = {}
    if job.kind == "as-written":
        predictions = predict(by_name[str(job.target)], params, None, st["replications"], st["seed"])
    elif job.kind == "full":
        fit = calibrate(informed, params, population=st["population"], generations=st["generations"],
                        seed=st["seed"], executor="serial")
    else:
        i = [t.name for t in informed].index(str(job.target))
        held = informed[i]
        rest = [t for t in informed if t is not held]
        fold = calibrate(rest, params, population=st["population"], generations=st["generations"],
                         seed=st["seed"] + i, executor="serial")
        predictions = predict(held, params, fold, st["replications"], st["seed"])
        if any(not p.within and not p.bound_only for p in predictions):
            reach = reach_at_prior_ends(held, params, st["replications"], st["seed"])
    return JobResult(job, predictions, fit, reach, time.process_time() - started)


def jobs(population: int, generations: int, replications: int, seed: int) -> list[Job]:
    """Every job, the longest first (the calibration on the whole library)."""
    settings = {"population": population, "generations": generations, "replications": replications, "seed": seed}
    targets = library_targets()
    informed = [t.name for t in targets if cites(t)]
    return [
        Job("full", None, settings),
        *(Job("fold", name, settings) for name in informed),
        *(Job("as-written", t.name, settings) for t in targets if t.name not in informed),
    ]


@dataclass
class LeaveOneOut:
    predictions: list[Prediction]
    full: Fit
    params: list[FitParameter]
    folds: int
    reach: dict[str, Reach] = field(default_factory=dict)
    """For each informed observation that misses (`target:observation`): its prediction with the
    fitted ranges at the low and at the high end of their priors."""
    cpu_s: float = 0.0
    """Processor time of all jobs together."""


def leave_one_out(
    *, population: int = 40, generations: int = 4, replications: int = 40, seed: int = 404,
    executor: str = "local", workers: int | None = None,
) -> LeaveOneOut:
    """Calibrate on every informed incident but one, predict it; predict the others as written;
    calibrate on them all. The jobs run one after the other (`serial`) or on local processes
    (`local`, `workers` of them); the numbers are the same either way."""
    todo = jobs(population, generations, replications, seed)
    if executor == "serial":
        return assemble([run_job(j) for j in todo])
    if executor != "local":
        raise ValueError(f"leave one out runs on the serial or local executor, not {executor!r}")
    return assemble(run_on_processes([(run_job, (j,)) for j in todo], workers))


def assemble(results: list[JobResult]) -> LeaveOneOut:
    """The jobs' results, in the order of `jobs()`, as one LeaveOneOut."""
    full = next(r.fit for r in results if r.job.kind == "full")
    assert full is not None
    predictions = [p for r in results for p in r.predictions]
    reach = {k: v for r in results for k, v in r.reach.items()}
    folds = sum(r.job.kind == "fold" for r in results)
    return LeaveOneOut(predictions, full, fitted_parameters(), folds, reach, sum(r.cpu_s for r in results))


def run_on_processes(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]], workers: int | None) -> list[Any]:
    """Each (function, arguments) on a pool of local processes, in the order given; the results
    in that order. Functions that seed their own randomness give the same results as in turn."""
    from concurrent.futures import ProcessPoolExecutor

    from ..experiments.executors import _ignore_sigint, default_workers, mp_context

    n = max(1, min(workers or default_workers(), len(calls)))
    with ProcessPoolExecutor(max_workers=n, mp_context=mp_context(), initializer=_ignore_sigint) as pool:
        futures = [pool.submit(f, *args) for f, args in calls]
        return [f.result() for f in futures]


def write_calibrated(fit: Fit, path: Path = RANGES_FILE) -> None:
    """Set each fitted reference range's `calibrated:` line (5th percentile, median, 95th) in the
    reference ranges file, keeping everything else as written."""
    text = path.read_text(encoding="utf-8")
    for p in fit.params:
        name = p.path.removeprefix("evidence:")
        post = fit.posterior[p.path]
        line = f"    calibrated: {{low: {post.p5:.3f}, mode: {post.median:.3f}, high: {post.p95:.3f}}}\n"
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
