"""One random stream per source of randomness, spawned from the replication's seed.

A stream is named ("acute:hospitals", "incident:network-fault:repair"), and its seed depends only
on the replication's seed and that name. So replication k sees the same failures and arrivals
under every strategy (common random numbers), and adding a new source never shifts another's.
"""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
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
        rng = self._cache.get(name)
        if rng is None:
            ss = np.random.SeedSequence(self._entropy, spawn_key=(*self._key, zlib.crc32(name.encode())))
            rng = self._cache[name] = np.random.Generator(np.random.PCG64(ss))
        return rng


def replication_seed(run_seed: int, replication: int) -> np.random.SeedSequence:
    """The seed of replication `replication` of a run: the same under every strategy and executor."""
    return np.random.SeedSequence(int(run_seed), spawn_key=(int(replication),))
