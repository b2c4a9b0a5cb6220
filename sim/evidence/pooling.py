"""Reference ranges as populations: a random-effects (hierarchical) calibration of the ranges the
evidence library informs.

Incidents differ. One hospital keeps most of its clinics going on paper, another stops nearly
everything; a single fitted value for "planned capacity on paper routines" that every incident
must share (complete pooling) is pulled to whatever the most numerous incidents say, and its
interval shrinks with every incident added although the next incident is no more predictable.
Here each incident has its own value of each fitted range, drawn from a population:

    logit(theta_incident) ~ Normal(mu, sigma)          (one population per reference range)

and the reference range a trainer gets is the population's predictive distribution for a new
incident, with (mu, sigma) integrated over their posterior. A study that reports a mean over many
hospitals or incidents (`level: population` in its evidence file) constrains the population mean
of its statistic directly: it counts as the many incidents it averages, not as one.

The likelihood is simulation-based. For each target the simulator is run on a grid of values of
the ranges it cites (`GRID`, common random numbers across the grid) and each observation's
statistic is interpolated to a fine grid. An incident's likelihood at a value is the mean over
replications of `exp(-d^2 / 2)`, with `d` the distance of the statistic outside the observed range
in units of the observation's own width (the distance `sim calibrate` uses, as a Gaussian
kernel); a population study's is the same kernel on the population mean of its statistic. With
one or two fitted ranges the grid integrates exactly what ABC-SMC would sample, in seconds, and
the leave-one-out folds re-use the same simulations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .calibrate import FitParameter, Target, obs_key, scale, with_values
from .observe import simulated

GRID = np.linspace(0.02, 0.98, 9)
"""Values of each fitted range at which the simulator is run."""
FINE = np.linspace(0.005, 0.995, 100)
"""Values at which the likelihood is evaluated (statistics interpolated linearly from GRID)."""
SIGMAS = np.linspace(0.1, 1.5, 15)
"""Between-incident spread on the logit scale (uniform hyperprior). 1.5 lets incidents range
from nearly everything kept to nearly nothing; 0.1 is all incidents alike."""
MUS = 31
"""Points of the population's centre (uniform on the logit scale over the range's prior)."""


def logit(x: np.ndarray | float) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return np.log(x / (1 - x))


@dataclass(frozen=True)
class Hyper:
    """A fitted range's population: the grid of (mu, sigma) and each one's weights on FINE."""

    name: str
    mu: np.ndarray
    sigma: np.ndarray
    weights: np.ndarray
    """Shape (len(mu) * len(sigma), len(FINE)): the logit-normal on FINE, rows summing to 1."""

    @classmethod
    def for_range(cls, name: str, low: float, high: float) -> Hyper:
        mu_axis = np.linspace(float(logit(low)), float(logit(high)), MUS)
        mu, sigma = (a.ravel() for a in np.meshgrid(mu_axis, SIGMAS, indexing="ij"))
        z = logit(FINE)
        dens = np.exp(-0.5 * ((z[None, :] - mu[:, None]) / sigma[:, None]) ** 2) / sigma[:, None]
        dens = dens / (FINE * (1 - FINE))[None, :]
        return cls(name, mu, sigma, dens / dens.sum(axis=1, keepdims=True))


@dataclass
class Response:
    """What the simulator says about a target's observations over the grid of fitted values."""

    target: str
    level: str
    """`incident` (its own value of each range) or `population` (a mean over many)."""
    cites: tuple[bool, ...]
    """For each fitted range: whether the target's scenario cites it."""
    keys: list[str]
    bounds: list[tuple[float, float]]
    scales: list[float]
    stats: np.ndarray
    """Shape (observations, replications, G1, G2): G is len(GRID) for a range the target cites,
    1 for one it does not."""

    def fine(self) -> np.ndarray:
        """The statistics interpolated to FINE along every cited range's axis."""
        out = self.stats
        for axis, cited in enumerate(self.cites):
            if cited:
                out = np.apply_along_axis(lambda v: np.interp(FINE, GRID, v), 2 + axis, out)
        return out

    def distance2(self, stats: np.ndarray) -> np.ndarray:
        """Squared distance outside the observed ranges, summed over observations (axis 0)."""
        total = np.zeros(stats.shape[1:])
        for i, ((lo, hi), s) in enumerate(zip(self.bounds, self.scales, strict=True)):
            v = stats[i]
            d = np.where(np.isnan(v), 10.0, np.maximum(0.0, np.maximum(lo - v, v - hi)) / s)
            total = total + d * d
        return total

    def ends(self, key: str) -> tuple[float, float]:
        """The median statistic with every cited range at the lowest and at the highest GRID value."""
        i = self.keys.index(key)
        lo = self.stats[i][(slice(None), *(0 for _ in self.cites))]
        hi = self.stats[i][(slice(None), *(-1 if c else 0 for c in self.cites))]
        return float(np.nanmedian(lo)), float(np.nanmedian(hi))


def response(target: Target, fitted: list[str], level: str, replications: int, seed: int) -> Response:
    """Run the target's scenario at every grid point of the ranges it cites (`replications` runs
    each, the same seeds at every point)."""
    from ..engine import replication_seed, simulate

    cites = tuple(any(a.evidence == n for a in target.scenario.assumptions) for n in fitted)
    axes = [GRID if c else np.array([math.nan]) for c in cites]
    obs = target.observations
    stats = np.full((len(obs), replications, *(len(a) for a in axes)), math.nan)
    params = [FitParameter(f"evidence:{n}", 0.0, 1.0) for n, c in zip(fitted, cites, strict=True) if c]
    for idx in np.ndindex(*(len(a) for a in axes)):
        values = [axes[k][i] for k, i in enumerate(idx) if cites[k]]
        sc = with_values(target.scenario, params, {p.path: float(v) for p, v in zip(params, values, strict=True)})
        for r in range(replications):
            rep = simulate(sc, replication_seed(seed, r))
            for j, o in enumerate(obs):
                stats[(j, r, *idx)] = simulated(rep, sc, o)
    return Response(target.name, level, cites, [obs_key(target.name, o) for o in obs],
                    [o.bounds for o in obs], [scale(o) for o in obs], stats)


@dataclass
class Pooled:
    """The population posterior and each fitted range's predictive distribution for a new incident."""

    names: list[str]
    predictive: dict[str, np.ndarray]
    """Probabilities on FINE, per range."""
    hyper: dict[str, tuple[float, float]]
    """Posterior medians of (population centre as a value, sigma) per range."""
    members: list[str]

    def quantile(self, name: str, q: float) -> float:
        p = self.predictive[name]
        cdf = np.cumsum(p) - 0.5 * p
        return float(np.interp(q, cdf, FINE))

    def interval(self, name: str) -> tuple[float, float, float]:
        """(5th percentile, median, 95th percentile) of a new incident's value."""
        return self.quantile(name, 0.05), self.quantile(name, 0.5), self.quantile(name, 0.95)


def pool(responses: list[Response], hypers: list[Hyper]) -> Pooled:
    """Combine incident likelihoods and population studies into the population posterior."""
    if len(hypers) != 2:
        raise ValueError("pooling is written for two fitted ranges")
    h1, h2 = hypers
    logpost = np.zeros((len(h1.mu), len(h2.mu)))
    for r in responses:
        st = r.fine()
        w1 = h1.weights if r.cites[0] else np.ones((len(h1.mu), 1))
        w2 = h2.weights if r.cites[1] else np.ones((len(h2.mu), 1))
        if r.level == "population":
            mean = np.nanmean(st, axis=1)  # (obs, F1, F2): the mean over replications
            pop = np.stack([w1 @ m @ w2.T for m in mean])  # the population mean per hyper
            logpost += -0.5 * r.distance2(pop)
        else:
            like = np.exp(-0.5 * r.distance2(st)).mean(axis=0)  # (F1, F2)
            logpost += np.log(np.maximum(w1 @ like @ w2.T, 1e-300))
    post = np.exp(logpost - logpost.max())
    post /= post.sum()
    m1, m2 = post.sum(axis=1), post.sum(axis=0)
    predictive = {h1.name: m1 @ h1.weights, h2.name: m2 @ h2.weights}
    hyper = {}
    for h, m in ((h1, m1), (h2, m2)):
        hyper[h.name] = (_wmedian(1 / (1 + np.exp(-h.mu)), m), _wmedian(h.sigma, m))
    return Pooled([h1.name, h2.name], predictive, hyper, [r.target for r in responses])


def _wmedian(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, 0.5 * cum[-1])])
