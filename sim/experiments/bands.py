"""Time-series bands over replications (mean and p10/p50/p90 of every series), accumulated as
replications arrive, in memory that does not grow with the number of replications.

How they are computed:

- **Mean**: exact. Each work unit (a chunk of consecutive replication indices) sums its
  replications' series in index order; the parent adds the chunk sums in chunk order, holding back
  a chunk that arrives before its predecessors. The chunks depend only on the replication count,
  so the float sums, and the mean, are bit for bit the same whichever executor ran which chunk
  and in whatever order the chunks came back. The held-back chunks are at most the ones in
  flight, so memory stays bounded.
- **p10/p50/p90**: exact percentiles over a fixed sample: the replications with the lowest
  indices, up to `sample_cap(...)` of them (256 for a typical scenario; fewer for very long time
  grids, so that the sample of one strategy never takes more than `SAMPLE_BUDGET_BYTES`, whatever
  the replication count; see sim/limits.py). The sample is kept by index and stored as float32 (7 significant digits,
  plenty for a chart), so it does not depend on arrival order either. With more replications
  than the cap, the bands describe the spread of the first `cap` replications; the mean uses all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..limits import MAX_SAMPLE, SAMPLE_BUDGET_BYTES, sample_cap

__all__ = [
    "BAND_QUANTILES", "MAX_SAMPLE", "SAMPLE_BUDGET_BYTES", "Bands", "ChunkBands", "ChunkBandsBuilder",
    "percentile_band", "sample_cap",
]


BAND_QUANTILES = ("p10", "p50", "p90")


def percentile_band(rows: np.ndarray) -> dict[str, np.ndarray]:
    """p10, p50 and p90 at every step over replications (`rows`: replications x steps)."""
    p10, p50, p90 = np.percentile(rows, [10, 50, 90], axis=0)
    return {"p10": p10, "p50": p50, "p90": p90}


@dataclass
class ChunkBands:
    """A work unit's partial bands: the sum of its replications' series (in index order) and the
    series of those of its replications that belong to the percentile sample."""

    chunk: int
    names: tuple[str, ...]
    step_h: float
    total: np.ndarray  # series x steps, float64
    count: int
    sample_indices: np.ndarray  # replication indices, ascending
    sample: np.ndarray  # len(sample_indices) x series x steps, float32


class ChunkBandsBuilder:
    """Builds a ChunkBands inside a worker from replications given in index order."""

    def __init__(self, chunk: int):
        self.chunk = chunk
        self.names: tuple[str, ...] | None = None
        self.step_h = 0.0
        self.total: np.ndarray | None = None
        self.count = 0
        self.cap = 0
        self.sample_indices: list[int] = []
        self.sample: list[np.ndarray] = []

    def add(self, index: int, series: dict[str, np.ndarray], step_h: float) -> None:
        if self.names is None:
            self.names = tuple(sorted(series))
            self.step_h = step_h
        stacked = np.stack([np.asarray(series[n], dtype=float) for n in self.names])
        if self.total is None:
            self.total = stacked.copy()
            self.cap = sample_cap(*stacked.shape)
        else:
            self.total += stacked
        self.count += 1
        if index < self.cap:
            self.sample_indices.append(index)
            self.sample.append(stacked.astype(np.float32))

    def build(self) -> ChunkBands | None:
        if self.names is None or self.total is None:
            return None
        shape = (0, *self.total.shape)
        return ChunkBands(
            self.chunk,
            self.names,
            self.step_h,
            self.total,
            self.count,
            np.array(self.sample_indices, dtype=np.int64),
            np.stack(self.sample) if self.sample else np.zeros(shape, dtype=np.float32),
        )


class Bands:
    """Mean and p10/p50/p90 of every time series of one strategy, as replications arrive."""

    def __init__(self, replications: int | None = None) -> None:
        self._replications = replications  # no room is set aside for more samples than this
        self.names: list[str] = []
        self.step_h = 0.0
        self.times_h: np.ndarray = np.zeros(0)
        """Start of every step, hours from the scenario's start."""
        self._index: dict[str, int] = {}
        self._total: np.ndarray | None = None
        self._count = 0
        self._next_chunk = 0
        self._held: dict[int, ChunkBands] = {}
        self._sample: np.ndarray | None = None
        self._filled: np.ndarray | None = None

    # ---------------------------------------------------------------- merging

    def add(self, part: ChunkBands) -> None:
        """Merge a work unit's partial bands; chunks may come in any order."""
        if self._sample is None:
            self.names = list(part.names)
            self._index = {n: i for i, n in enumerate(self.names)}
            self.step_h = part.step_h
            self.times_h = np.arange(part.total.shape[1], dtype=float) * part.step_h
            cap = sample_cap(*part.total.shape)
            if self._replications is not None:
                cap = min(cap, self._replications)
            self._sample = np.zeros((cap, *part.total.shape), dtype=np.float32)
            self._filled = np.zeros(cap, dtype=bool)
        elif tuple(part.names) != tuple(self.names):
            raise ValueError("replications of one strategy gave different time series")
        assert self._sample is not None and self._filled is not None
        for row, index in enumerate(part.sample_indices):
            if index < len(self._filled):
                self._sample[index] = part.sample[row]
                self._filled[index] = True
        # Only the totals are needed from here on: the sample rows are copied above.
        part.sample = part.sample[:0]
        self._held[part.chunk] = part
        while self._next_chunk in self._held:
            self._fold(self._held.pop(self._next_chunk))
            self._next_chunk += 1

    def _fold(self, part: ChunkBands) -> None:
        if self._total is None:
            self._total = part.total.copy()
        else:
            self._total += part.total
        self._count += part.count

    def _mean_total(self) -> tuple[np.ndarray, int]:
        """Sum and count over every replication merged so far, chunks in chunk order (a partial
        run may leave gaps; then the held chunks follow in order)."""
        if not self._held:
            assert self._total is not None
            return self._total, self._count
        total = None if self._total is None else self._total.copy()
        count = self._count
        for chunk in sorted(self._held):
            part = self._held[chunk]
            total = part.total.copy() if total is None else total + part.total
            count += part.count
        assert total is not None
        return total, count

    # ---------------------------------------------------------------- reading

    @property
    def replications(self) -> int:
        """Replications in the mean."""
        return self._count + sum(p.count for p in self._held.values())

    @property
    def sample_size(self) -> int:
        """Replications the percentile bands are computed from."""
        return 0 if self._filled is None else int(self._filled.sum())

    def get(self, name: str) -> dict[str, np.ndarray]:
        """{"mean", "p10", "p50", "p90"}: arrays over `times_h`."""
        if name not in self._index:
            known = ", ".join(self.names) or "none"
            raise KeyError(f"no time series {name!r} (series: {known})")
        i = self._index[name]
        total, count = self._mean_total()
        assert self._sample is not None and self._filled is not None
        rows = self._sample[self._filled, i, :].astype(float)
        if rows.shape[0]:
            spread = percentile_band(rows)
        else:
            spread = dict.fromkeys(BAND_QUANTILES, np.full(len(self.times_h), np.nan))
        return {"mean": total[i] / count, **spread}

    def __contains__(self, name: object) -> bool:
        return name in self._index
