"""What the reference engine records: the moment of every counted event and every change of a
level, by metric and unit kind. KPIs, windows and time series are all read from these records."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np


class Tally:
    """Counted events (a visit cancelled, a call abandoned) and levels (the backlog, the beds
    blocked), each under (metric, kind), with the exact time of each."""

    def __init__(self) -> None:
        self._events: dict[tuple[str, str], list[float]] = defaultdict(list)
        self._weights: dict[tuple[str, str], list[float]] = defaultdict(list)
        self._levels: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)

    # ------------------------------------------------------------------ recording
    def count(self, metric: str, kind: str, t: float, amount: float = 1.0) -> None:
        self._events[(metric, kind)].append(t)
        self._weights[(metric, kind)].append(amount)

    def change(self, metric: str, kind: str, t: float, delta: float) -> None:
        """A level goes up or down by `delta` at time `t`."""
        self._levels[(metric, kind)].append((t, delta))

    # ------------------------------------------------------------------ reading
    def kinds(self, metric: str) -> list[str]:
        keys = set(self._events) | set(self._levels)
        return sorted({k for m, k in keys if m == metric})

    def total(self, metric: str, kind: str | None = None, window: tuple[float, float] | None = None) -> float:
        """Sum of the events of `metric` (of one kind, or all), within [a, b) when a window is given."""
        out = 0.0
        for (m, k), times in self._events.items():
            if m != metric or (kind is not None and k != kind):
                continue
            w = self._weights[(m, k)]
            if window is None:
                out += math.fsum(w)
            else:
                a, b = window
                out += math.fsum(x for t, x in zip(times, w, strict=True) if a <= t < b)
        return out

    def cumulative(self, metric: str, kind: str, ends: np.ndarray) -> np.ndarray:
        """Events of `metric` up to (before) each of `ends`."""
        times = np.asarray(self._events.get((metric, kind), []), dtype=float)
        weights = np.asarray(self._weights.get((metric, kind), []), dtype=float)
        if times.size == 0:
            return np.zeros(len(ends))
        order = np.argsort(times, kind="stable")
        cum = np.concatenate(([0.0], np.cumsum(weights[order])))
        return cum[np.searchsorted(times[order], ends, side="left")]

    def level_changes(self, metric: str, kind: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Times and level after each change, in time order (of one kind, or summed)."""
        pairs = [
            p for (m, k), ps in self._levels.items() if m == metric and (kind is None or k == kind) for p in ps
        ]
        if not pairs:
            return np.zeros(0), np.zeros(0)
        pairs.sort(key=lambda p: p[0])
        times = np.array([t for t, _ in pairs])
        return times, np.cumsum([d for _, d in pairs])

    def level_at(self, metric: str, kind: str | None, ends: np.ndarray) -> np.ndarray:
        """The level at (just before) each of `ends`."""
        times, levels = self.level_changes(metric, kind)
        if times.size == 0:
            return np.zeros(len(ends))
        idx = np.searchsorted(times, ends, side="left")
        return np.where(idx > 0, levels[np.maximum(idx - 1, 0)], 0.0)

    def level_area(self, metric: str, kind: str | None, window: tuple[float, float]) -> float:
        """Integral of the level over [a, b) (level x hours)."""
        times, levels = self.level_changes(metric, kind)
        a, b = window
        if times.size == 0 or b <= a:
            return 0.0
        edges = np.concatenate(([a], np.clip(times, a, b), [b]))
        values = np.concatenate(([0.0], levels))
        return float(np.sum(values * np.diff(edges)))

    def cumulative_area(self, metric: str, kind: str | None, at: np.ndarray) -> np.ndarray:
        """Integral of the level from the start to each of `at` (level x hours)."""
        times, levels = self.level_changes(metric, kind)
        if times.size == 0:
            return np.zeros(len(at))
        knots = np.concatenate(([0.0], times))
        before = np.concatenate(([0.0], levels))  # the level from each knot to the next
        area = np.concatenate(([0.0], np.cumsum(before[:-1] * np.diff(knots))))
        idx = np.clip(np.searchsorted(knots, at, side="right") - 1, 0, len(knots) - 1)
        out: np.ndarray = area[idx] + before[idx] * (np.asarray(at) - knots[idx])
        return out
