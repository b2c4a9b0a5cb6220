"""Leave one incident out: calibrate the reference ranges on every incident of the library but
one, predict the held-out incident's observations from the ranges so found, and compare. Also
the calibration on the whole library, which `make validation` writes into the reference ranges
file as their `calibrated` ranges."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

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
    def ratio(self) -> float:
        c = self.observation.central
        return self.p50 / c if c and not math.isnan(self.p50) else math.nan

    @property
    def within(self) -> bool:
        """Within a factor of 2 of the observation (or inside its range)."""
        lo, hi = self.observation.bounds
        if lo <= self.p50 <= hi:
            return True
        r = self.ratio
        return bool(0.5 <= r <= 2) if not math.isnan(r) else False


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


@dataclass
class LeaveOneOut:
    predictions: list[Prediction]
    full: Fit
    params: list[FitParameter]
    folds: int


def leave_one_out(
    *, population: int = 40, generations: int = 4, replications: int = 40, seed: int = 404,
    executor: str = "local", workers: int | None = None,
) -> LeaveOneOut:
    targets = targets_from(load_library())
    params = fitted_parameters()
    informed = [t for t in targets if cites(t)]
    predictions: list[Prediction] = []
    for i, held in enumerate(informed):
        rest = [t for t in informed if t is not held]
        fit = calibrate(rest, params, population=population, generations=generations, seed=seed + i,
                        executor=executor, workers=workers)
        predictions += predict(held, params, fit, replications, seed)
    for t in targets:
        if not cites(t):
            predictions += predict(t, params, None, replications, seed)
    full = calibrate(informed, params, population=population, generations=generations, seed=seed,
                     executor=executor, workers=workers)
    return LeaveOneOut(predictions, full, params, len(informed))


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
