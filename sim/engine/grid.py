"""The time grid every flow and time series uses: fixed steps from the scenario's start."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np

from ..scenario.model import WEEKDAYS
from ..scenario.quantities import OpeningHours


@dataclass(frozen=True)
class TimeGrid:
    start: datetime
    step_h: float
    n: int

    @classmethod
    def for_horizon(cls, start: datetime, horizon_h: float, step_h: float) -> TimeGrid:
        return cls(start, step_h, max(1, math.ceil(horizon_h / step_h - 1e-9)))

    @property
    def horizon_h(self) -> float:
        return self.n * self.step_h

    @cached_property
    def t0(self) -> np.ndarray:
        """Start of each step, hours from start."""
        return np.arange(self.n) * self.step_h

    @cached_property
    def clock_h(self) -> np.ndarray:
        """Clock time (0..24) at the start of each step."""
        offset = self.start.hour + self.start.minute / 60
        return (self.t0 + offset) % 24

    @cached_property
    def weekday(self) -> np.ndarray:
        offset = self.start.hour + self.start.minute / 60
        days = np.floor((self.t0 + offset) / 24).astype(int)
        return (self.start.weekday() + days) % 7

    def step_of(self, t_h: float) -> int:
        """Index of the step containing time t (clamped to the grid)."""
        return min(self.n - 1, max(0, int(math.floor(t_h / self.step_h + 1e-9))))

    def open_fraction(self, hours: OpeningHours, days: list[str] | None = None) -> np.ndarray:
        """Share of each step that falls inside the opening hours (on open days)."""
        a = self.clock_h
        b = a + self.step_h
        # A step may wrap past midnight only when steps are long; clip each day piece separately.
        overlap = np.clip(np.minimum(b, hours.close_h) - np.maximum(a, hours.open_h), 0, None)
        overlap += np.clip(np.minimum(b, hours.close_h + 24) - np.maximum(a, hours.open_h + 24), 0, None)
        frac = overlap / self.step_h
        if days is not None:
            open_days = np.array([d in days for d in WEEKDAYS])
            frac = frac * open_days[self.weekday]
        return np.asarray(frac, dtype=float)

    @property
    def minutes_per_step(self) -> int | None:
        """Whole minutes in a step (None when a step is not a whole number of minutes)."""
        m = self.step_h * 60
        return int(round(m)) if abs(m - round(m)) < 1e-6 and round(m) >= 1 else None

    def open_minutes(self, hours: OpeningHours, days: list[str] | None = None) -> np.ndarray:
        """For each minute of the grid (steps x minutes per step): open at its middle."""
        per_step = self.minutes_per_step
        assert per_step is not None
        offset = self.start.hour * 60 + self.start.minute
        mid = offset + np.arange(self.n * per_step) + 0.5  # minutes from the start's midnight
        clock = (mid % 1440) / 60
        is_open = (clock >= hours.open_h) & (clock < hours.close_h)
        if days is not None:
            open_days = np.array([d in days for d in WEEKDAYS])
            is_open &= open_days[(self.start.weekday() + (mid // 1440).astype(int)) % 7]
        out: np.ndarray = is_open.reshape(self.n, per_step)
        return out

    def hourly_weights(self, weights: list[float] | None) -> np.ndarray:
        """Per-step share of a day's volume under an hourly profile (flat when None)."""
        if weights is None:
            return np.full(self.n, self.step_h / 24)
        w = np.asarray(weights, dtype=float)
        w = w / w.sum()
        # Steps shorter than an hour take their hour's share pro rata; longer steps sum hours.
        if self.step_h <= 1:
            return np.asarray(w[np.floor(self.clock_h).astype(int) % 24] * self.step_h, dtype=float)
        per_hour = np.concatenate([w, w])
        out = np.empty(self.n)
        span = int(round(self.step_h))
        for i, c in enumerate(np.floor(self.clock_h).astype(int)):
            out[i] = per_hour[c : c + span].sum() if span <= 24 else span / 24
        return out
