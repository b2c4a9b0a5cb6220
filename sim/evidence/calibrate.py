"""Calibration of assumed numbers against observed incidents: approximate Bayesian computation
(ABC-SMC, with the pyabc library).

A parameter is a scenario field (`backup_routines.paper-journal.capacity`) or a reference range
(`evidence:paper-routine-outpatient`: every field of every scenario that cites it). Its prior is
uniform on LOW..HIGH. For a proposed set of values the simulator plays each scenario of the fit
(`replications` times, common seeds for every proposal) and computes each observation's
statistic; the distance is how far the statistics fall outside what was observed, in units of
each observation's own width. ABC-SMC then narrows the distance generation by generation
(epsilon: the median distance of the last generation), and the particles of the last generation
are the posterior.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import time
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..scenario.assumptions import concrete
from ..scenario.changes import ChangeError, apply_changes
from ..scenario.model import Scenario
from ..scenario.quantities import format_duration, parse_duration_h
from .library import Evidence, Observation
from .observe import simulated

MISSING_DISTANCE = 10.0
"""Distance of an observation whose statistic is undefined in a run (a moment never reached)."""
_SPEC = re.compile(r"^\s*([^=\s]+)\s*=\s*([^.\s][^\s]*?)\s*\.\.\s*(\S+)\s*$")


class CalibrationError(ValueError):
    """A fit that cannot be run as asked: the message says what to change."""


@dataclass(frozen=True)
class FitParameter:
    """A number to fit, with its uniform prior LOW..HIGH."""

    path: str
    low: float
    high: float
    duration: bool = False
    """A duration field (its value is set as a fixed duration in hours)."""

    @property
    def evidence(self) -> str | None:
        return self.path[len("evidence:"):] if self.path.startswith("evidence:") else None

    def text(self, x: float) -> str:
        return format_duration(x) if self.duration else f"{x:.3g}"


def parse_fit(spec: str) -> FitParameter:
    """`PATH=LOW..HIGH` (numbers, or durations such as 3h..10h) -> FitParameter."""
    m = _SPEC.match(spec)
    if not m:
        raise CalibrationError(f"--fit {spec!r}: write PATH=LOW..HIGH, for example backup_routines.paper-journal.capacity=0.3..0.95")
    path, a, b = m.groups()
    try:
        low, high, duration = float(a), float(b), False
    except ValueError:
        try:
            low, high, duration = parse_duration_h(a), parse_duration_h(b), True
        except ValueError as exc:
            raise CalibrationError(f"--fit {spec!r}: LOW and HIGH must be numbers or durations ({exc})") from None
    if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
        raise CalibrationError(f"--fit {spec!r}: needs LOW below HIGH")
    return FitParameter(path, low, high, duration)


@dataclass
class Target:
    """A scenario of the fit and the observations it is compared with."""

    name: str
    scenario: Scenario
    observations: list[Observation]


def targets_from(evidence: list[Evidence]) -> list[Target]:
    return [Target(e.name, e.scenario, list(e.file.observations)) for e in evidence if e.scenario is not None and e.file.observations]


def with_values(scenario: Scenario, params: list[FitParameter], values: dict[str, float]) -> Scenario:
    """The scenario with the fitted parameters set: reference ranges fixed at the value in every
    field that cites them (the other assumptions stay ranges), fields set by path."""
    fixed: dict[str, float] = {}
    changes: dict[str, Any] = {}
    for p in params:
        x = values[p.path]
        name = p.evidence
        if name is not None:
            fixed.update({a.path: x for a in scenario.assumptions if a.evidence == name})
        elif p.duration:
            changes[p.path] = format_duration(x)
        else:
            changes[p.path] = x
    out = scenario
    if fixed:
        rest = tuple(a for a in scenario.assumptions if a.path not in fixed)
        out = concrete(scenario, fixed).with_assumptions(rest)
    return apply_changes(out, changes) if changes else out


def check_parameters(targets: list[Target], params: list[FitParameter]) -> None:
    """Refuse a parameter that no scenario of the fit uses, or a value its field refuses."""
    if not params:
        raise CalibrationError("give at least one --fit PATH=LOW..HIGH")
    for p in params:
        used = False
        for t in targets:
            if p.evidence is not None:
                used |= any(a.evidence == p.evidence for a in t.scenario.assumptions)
                continue
            try:
                for x in (p.low, p.high):
                    with_values(t.scenario, [p], {p.path: x})
                used = True
            except ChangeError as exc:
                raise CalibrationError(f"--fit {p.path}: {t.name}: {exc.message}") from None
        if not used:
            raise CalibrationError(f"--fit {p.path}: no scenario of the fit cites this reference range")


def obs_key(target: str, obs: Observation) -> str:
    return f"{target}:{obs.id}"


class Simulator:
    """The model pyabc calls: proposed values -> every observation's statistic. Picklable, so
    that worker processes and Dask workers can run it."""

    def __init__(self, targets: list[Target], params: list[FitParameter], replications: int, seed: int):
        self.targets = targets
        self.params = params
        self.replications = replications
        self.seed = seed

    def __call__(self, values: dict[str, float]) -> dict[str, float]:
        from ..engine import replication_seed, simulate

        theta = {p.path: float(values[p.path]) for p in self.params}
        # A seed from the values: the same proposal gives the same statistics on any executor.
        key = zlib.crc32(np.array([theta[p.path] for p in self.params]).tobytes())
        out: dict[str, float] = {}
        for t in self.targets:
            sc = with_values(t.scenario, self.params, theta)
            reps = [simulate(sc, replication_seed(self.seed + key, k)) for k in range(self.replications)]
            for o in t.observations:
                v = np.array([simulated(r, sc, o) for r in reps], dtype=float)
                v = v[~np.isnan(v)]
                out[obs_key(t.name, o)] = float(v.mean()) if v.size else math.nan
        return out


class Distance:
    """How far the statistics fall outside the observed values, each in units of its own width."""

    def __init__(self, targets: list[Target]):
        self.scales = {obs_key(t.name, o): (o.bounds, scale(o)) for t in targets for o in t.observations}

    def __call__(self, x: dict[str, float], x0: dict[str, float] | None = None) -> float:
        total = 0.0
        for key, ((lo, hi), s) in self.scales.items():
            v = x.get(key, math.nan)
            d = MISSING_DISTANCE if math.isnan(v) else max(0.0, lo - v, v - hi) / s
            total += d * d
        return math.sqrt(total)


def scale(o: Observation) -> float:
    """An observation's width: its range, twice its tolerance, or a tenth of a one-sided bound."""
    lo, hi = o.bounds
    if math.isfinite(lo) and math.isfinite(hi) and hi > lo:
        return max(hi - lo, 0.02 * max(abs(lo), abs(hi)), 1e-6)
    bound = lo if math.isfinite(lo) else hi
    return max(abs(bound) * 0.1, 0.05)


@dataclass
class Posterior:
    median: float
    p5: float
    p95: float


@dataclass
class Fit:
    """What a calibration gives: each parameter's posterior and the fit to each observation."""

    params: list[FitParameter]
    posterior: dict[str, Posterior]
    observations: dict[str, dict[str, Any]]
    generations: int
    evaluations: int
    epsilon: float
    wall_s: float
    partial: bool = False
    particles: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def summary(self) -> dict[str, Any]:
        """The JSON form (`sim calibrate --json`)."""
        from ..experiments.summary import clean

        return clean({
            "parameters": {
                p.path: {"prior": [p.low, p.high], "median": self.posterior[p.path].median,
                         "p5": self.posterior[p.path].p5, "p95": self.posterior[p.path].p95,
                         "duration": p.duration}
                for p in self.params
            },
            "observations": self.observations,
            "generations": self.generations,
            "evaluations": self.evaluations,
            "epsilon": self.epsilon,
            "wall_s": self.wall_s,
            "partial": self.partial,
        })


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = np.cumsum(w) - 0.5 * w
    cum /= w.sum()
    return float(np.interp(q, cum, v))


Progress = Callable[[int, int, str], None]


def calibrate(
    targets: list[Target],
    params: list[FitParameter],
    *,
    population: int = 100,
    generations: int = 6,
    replications: int = 1,
    seed: int = 0,
    executor: str = "serial",
    workers: int | None = None,
    address: str | None = None,
    progress: Progress | None = None,
) -> Fit:
    """Fit `params` to the targets' observations with ABC-SMC. Ctrl-C (or a KeyboardInterrupt)
    ends it after the last finished generation, marked partial."""
    check_parameters(targets, params)
    if population < 10:
        raise CalibrationError("the population must be at least 10 particles")
    if not 1 <= generations <= 50:
        raise CalibrationError("generations must be between 1 and 50")
    try:
        import pyabc
    except ImportError:
        raise CalibrationError("calibration needs the calibrate extra: pip install 'outage-drill-sim[calibrate]'") from None

    started = time.perf_counter()
    np.random.seed(seed % 2**32)  # pyabc draws its proposals from numpy's global generator
    prior = pyabc.Distribution(**{p.path: pyabc.RV("uniform", p.low, p.high - p.low) for p in params})
    distance = Distance(targets)
    x0 = {k: 0.0 for k in distance.scales}  # the distance reads the observations itself
    partial = False
    with _quiet(), _sampler(executor, workers, address) as sampler:
        abc = pyabc.ABCSMC(
            Simulator(targets, params, replications, seed), prior, distance,
            population_size=population, sampler=sampler,
            eps=_epsilon_with_progress(generations, progress),
        )
        # pyabc keeps its generations in a database; in memory it costs a fifth less than a file.
        history = abc.new("sqlite://", x0)
        if progress is not None:
            progress(0, generations, "")
        try:
            history = abc.run(max_nr_populations=generations, minimum_epsilon=0.0)
        except KeyboardInterrupt:
            partial = True
        if history.max_t < 0:
            raise KeyboardInterrupt
        fit = _read(history, params, targets, partial)
    fit.wall_s = time.perf_counter() - started
    return fit


def _epsilon_with_progress(generations: int, progress: Progress | None) -> Any:
    """pyabc's quantile epsilon (the median distance of the last generation), reporting each
    finished generation: pyabc updates epsilon in this process once a generation is done."""
    import pyabc

    class Epsilon(pyabc.epsilon.QuantileEpsilon):
        def update(self, t: int, *args: Any, **kwargs: Any) -> None:
            super().update(t, *args, **kwargs)
            if progress is not None:
                progress(min(t, generations), generations, f"epsilon {self(t):.3g}")

    return Epsilon(alpha=0.5)


def _read(history: Any, params: list[FitParameter], targets: list[Target], partial: bool) -> Fit:
    t = history.max_t
    df, w = history.get_distribution(m=0, t=t)
    w = np.asarray(w, dtype=float)
    posterior = {}
    cols = []
    for p in params:
        v = df[p.path].to_numpy(dtype=float)
        cols.append(v)
        posterior[p.path] = Posterior(*(weighted_quantile(v, w, q) for q in (0.5, 0.05, 0.95)))
    sw, stats = history.get_weighted_sum_stats(t=t)
    sw = np.asarray(sw, dtype=float)
    observations: dict[str, dict[str, Any]] = {}
    for target in targets:
        for o in target.observations:
            key = obs_key(target.name, o)
            v = np.array([s.get(key, math.nan) for s in stats], dtype=float)
            ok = ~np.isnan(v)
            lo, hi = o.bounds
            sim = {"median": math.nan, "p5": math.nan, "p95": math.nan}
            if ok.any():
                sim = {n: weighted_quantile(v[ok], sw[ok], q) for n, q in (("median", 0.5), ("p5", 0.05), ("p95", 0.95))}
            inside = float(sw[ok & (v >= lo) & (v <= hi)].sum() / sw.sum()) if sw.sum() else math.nan
            observations[key] = {"kpi": o.kpi, "statistic": o.statistic, "unit_kind": o.unit_kind,
                                 "observed": o.describe(), "simulated": sim, "within_observed": inside}
    pops = history.get_all_populations()
    return Fit(params, posterior, observations, t + 1, int(pops["samples"].sum()),
               float(pops["epsilon"].iloc[-1]), 0.0, partial, np.column_stack(cols), w)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """pyabc logs every generation and warns about its database; the command line shows its own
    progress instead."""
    logger = logging.getLogger("ABC")
    level = logger.level
    logger.setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            yield
        finally:
            logger.setLevel(level)


@contextlib.contextmanager
def _sampler(executor: str, workers: int | None, address: str | None) -> Iterator[Any]:
    """pyabc's sampler on the project's executors: this process, local processes or Dask."""
    import pyabc

    from ..experiments.executors import (
        ExecutorError,
        _ignore_sigint,
        check_options,
        dask_client,
        default_workers,
        mp_context,
    )

    check_options(executor, workers, address)
    if executor == "serial":
        yield pyabc.sampler.SingleCoreSampler()
        return
    if executor == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ExecutorError("the dask executor needs the dask extra: pip install 'outage-drill-sim[dask]'") from None
        with dask_client(address, workers) as client:
            yield pyabc.sampler.DaskDistributedSampler(dask_client=client, batch_size=4)
        return
    from concurrent.futures import ProcessPoolExecutor

    n = workers or default_workers()
    pool = ProcessPoolExecutor(max_workers=n, mp_context=mp_context(), initializer=_ignore_sigint)
    try:
        yield pyabc.sampler.ConcurrentFutureSampler(cfuture_executor=pool, client_max_jobs=2 * n, batch_size=4)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def synthetic_observations(
    target: Target, params: list[FitParameter], truth: dict[str, float], replications: int, seed: int, width: float
) -> Target:
    """The target with its observations replaced by what the simulator itself gives at `truth`
    (the mean over `replications`), each as a range of +/- `width` times its value: for testing
    that a fit recovers known values."""
    stats = Simulator([target], params, replications, seed + 7919)(truth)
    out = []
    for o in target.observations:
        v = stats[obs_key(target.name, o)]
        half = max(abs(v) * width, 1e-3)
        out.append(o.model_copy(update={"value": None, "low": v - half, "high": v + half}))
    return Target(target.name, target.scenario, out)
