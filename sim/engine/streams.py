"""One random stream per source of randomness, spawned from the replication's seed.

A stream is named ("acute:hospitals", "incident:network-fault:repair"), and its seed depends only
on the replication's seed and that name. So replication k sees the same failures and arrivals
under every strategy (common random numbers), and adding a new source never shifts another's.

A *branched* replication shares another's past (a drill's course up to its clock): draws made
before the branch time come from the streams of the run it branches from, in the same order, so
they give the same values; draws made from the branch time on come from the replication's own
seed. Each stream is drawn in time order by one draw site, so the draws before the branch are
the first ones of the stream whatever happens after it. A delay drawn before the branch and still
running at it is drawn again, given how long it has run (see IncidentRun.sample).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

BRANCH_KEY = 0x6272
"""The spawn key that sets a branched replication's own seeds apart from a run's replications."""


class Streams:
    branch_h: float = math.inf
    """Draws before this time replay the run branched from; a replication that does not branch
    draws everything from its own seed."""

    def __init__(self, seed: int | np.random.SeedSequence):
        if isinstance(seed, np.random.SeedSequence):
            self._entropy = seed.entropy
            self._key = tuple(seed.spawn_key)
        else:
            if int(seed) < 0:
                raise ValueError("a seed must be zero or positive")
            self._entropy = int(seed)
            self._key = ()
        self._cache: dict[str, np.random.Generator] = {}

    def __call__(self, name: str) -> np.random.Generator:
        """The stream `name` (for a branched replication: the past's)."""
        rng = self._cache.get(name)
        if rng is None:
            ss = np.random.SeedSequence(self._entropy, spawn_key=(*self._key, zlib.crc32(name.encode())))
            rng = self._cache[name] = np.random.Generator(np.random.PCG64(ss))
        return rng

    def fresh(self, name: str) -> np.random.Generator:
        """The stream `name` for draws from the branch time on (unbranched: the same stream)."""
        return self(name)

    @property
    def branched(self) -> bool:
        return math.isfinite(self.branch_h)

    def at(self, name: str, t_h: float) -> np.random.Generator:
        """The stream `name` for a draw made at `t_h`."""
        return self(name) if t_h < self.branch_h else self.fresh(name)

    def steps_before(self, n: int, step_h: float) -> int:
        """How many of `n` time steps end by the branch time (all of them, unbranched)."""
        if not self.branched:
            return n
        return max(0, min(n, int(math.floor(self.branch_h / step_h + 1e-9))))

    def over_steps(self, name: str, n: int, step_h: float,
                   draw: Callable[[np.random.Generator, slice], np.ndarray]) -> np.ndarray:
        """A vector of draws, one (or a row) per time step: the steps before the branch from the
        past's stream, the others from the fresh one. `draw(rng, steps)` draws for a slice of
        steps, element by element in step order, so the past's part is the first of its draws."""
        b = self.steps_before(n, step_h)
        if b >= n:
            return draw(self(name), slice(0, n))
        if b <= 0:
            return draw(self.fresh(name), slice(0, n))
        return np.concatenate([draw(self(name), slice(0, b)), draw(self.fresh(name), slice(b, n))])


class BranchedStreams(Streams):
    """The streams of a replication that shares the past of another up to `branch_h`."""

    def __init__(self, past: int | np.random.SeedSequence, seed: int | np.random.SeedSequence, branch_h: float):
        super().__init__(past)
        self._own = Streams(seed)
        self.branch_h = float(branch_h)

    def fresh(self, name: str) -> np.random.Generator:
        return self._own(name)


@dataclass(frozen=True)
class Branch:
    """Where a replication leaves another's course: at `at_h`, from the run with seed `past`."""

    at_h: float
    past: int | np.random.SeedSequence

    def streams(self, seed: int | np.random.SeedSequence) -> BranchedStreams:
        return BranchedStreams(self.past, seed, self.at_h)


def replication_seed(run_seed: int, replication: int) -> np.random.SeedSequence:
    """The seed of replication `replication` of a run: the same under every strategy and executor."""
    return np.random.SeedSequence(int(run_seed), spawn_key=(int(replication),))


def branch_seed(run_seed: int, replication: int) -> np.random.SeedSequence:
    """The own seed of replication `replication` of the runs that branch from a drill: the same for
    every option (common random numbers), and apart from the drill's own replications."""
    return np.random.SeedSequence(int(run_seed), spawn_key=(int(replication), BRANCH_KEY))
