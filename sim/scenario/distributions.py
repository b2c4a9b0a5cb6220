"""Distributions of durations: how long detection, repair or a lead time takes.

In a file a plain duration (`2h`) is a fixed value; a mapping names its distribution with `dist:`.
Every distribution samples hours from a numpy Generator handed in by the caller, so that the
engine decides which random stream each source of randomness uses. `sample_beyond(rng, elapsed)`
draws a duration given that it has already lasted `elapsed` hours (the distribution cut at
`elapsed`, by its inverse): what a run that branches from a drill draws for a delay still running
at the branch. `mean_beyond(elapsed)` is its mean given the same: what IT says when its estimate
has passed and the system is still down.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

if TYPE_CHECKING:  # numpy is imported where it is used, so validation starts without it
    import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    model_validator,
)

from ..i18n import _
from .quantities import Duration, format_duration

Z90 = 1.2815515655446004  # standard normal 90th percentile


class _Dist(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True, allow_inf_nan=False)


class Fixed(_Dist):
    """Always the same value."""

    dist: Literal["fixed"] = "fixed"
    value: Duration
    """The duration."""

    def sample(self, rng: np.random.Generator) -> float:
        return self.value

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np

        return np.full(n, self.value)

    def sample_beyond(self, rng: np.random.Generator, elapsed: float) -> float:
        return max(self.value, elapsed)

    def mean_beyond(self, elapsed: float) -> float:
        return max(self.value, elapsed)

    @property
    def mean(self) -> float:
        return self.value

    def describe(self) -> str:
        return format_duration(self.value)


class Uniform(_Dist):
    """Any value between `low` and `high`, equally likely."""

    dist: Literal["uniform"]
    low: Duration
    """Shortest value."""
    high: Duration
    """Longest value."""

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(_("high must not be below low"))
        return self

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)

    def sample_beyond(self, rng: np.random.Generator, elapsed: float) -> float:
        low = max(self.low, elapsed)
        return low if low >= self.high else float(rng.uniform(low, self.high))

    def mean_beyond(self, elapsed: float) -> float:
        low = max(self.low, elapsed)
        return low if low >= self.high else (low + self.high) / 2

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def describe(self) -> str:
        return f"uniform {format_duration(self.low)}-{format_duration(self.high)}"


class Triangular(_Dist):
    """Between `low` and `high`, most likely near `mode`: the usual three-point estimate."""

    dist: Literal["triangular"]
    low: Duration
    """Shortest plausible value."""
    mode: Duration
    """Most likely value."""
    high: Duration
    """Longest plausible value."""

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError(_("needs low <= mode <= high"))
        return self

    def sample(self, rng: np.random.Generator) -> float:
        if self.low == self.high:
            return self.low
        return float(rng.triangular(self.low, self.mode, self.high))

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np

        if self.low == self.high:
            return np.full(n, self.low)
        return rng.triangular(self.low, self.mode, self.high, n)

    def cdf(self, x: float) -> float:
        a, c, b = self.low, self.mode, self.high
        if x <= a:
            return 0.0
        if x >= b:
            return 1.0
        if x <= c:
            return (x - a) ** 2 / ((b - a) * (c - a))
        return 1 - (b - x) ** 2 / ((b - a) * (b - c))

    def ppf(self, u: float) -> float:
        a, c, b = self.low, self.mode, self.high
        if b == a:
            return a
        fc = (c - a) / (b - a)
        if u <= fc:
            return a + math.sqrt(u * (b - a) * (c - a))
        return b - math.sqrt((1 - u) * (b - a) * (b - c))

    def sample_beyond(self, rng: np.random.Generator, elapsed: float) -> float:
        lo = self.cdf(elapsed)
        if lo >= 1:
            return max(elapsed, self.high)
        return max(elapsed, self.ppf(float(rng.uniform(lo, 1.0))))

    def mean_beyond(self, elapsed: float) -> float:
        if elapsed <= self.low:
            return self.mean
        if elapsed >= self.high:
            return elapsed
        # E[X | X > e] = e + (integral of 1 - F from e to high) / (1 - F(e)), F piecewise quadratic.
        xs = [elapsed + (self.high - elapsed) * k / 64 for k in range(65)]
        tail = [1 - self.cdf(x) for x in xs]
        area = sum((a + b) / 2 for a, b in zip(tail, tail[1:], strict=False)) * (self.high - elapsed) / 64
        return elapsed + area / tail[0] if tail[0] > 0 else elapsed

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def describe(self) -> str:
        return (
            f"triangular {format_duration(self.low)} / {format_duration(self.mode)} / "
            f"{format_duration(self.high)}"
        )


class LogNormal(_Dist):
    """Right-skewed: given by its median and its 90th percentile (9 in 10 are shorter)."""

    dist: Literal["lognormal"]
    median: Duration
    """Half of the values are shorter than this."""
    p90: Duration
    """Nine in ten values are shorter than this; must exceed the median."""

    @model_validator(mode="after")
    def _order(self) -> LogNormal:
        if self.median <= 0:
            raise ValueError(_("median must be above zero"))
        if self.p90 <= self.median:
            raise ValueError(_("p90 must be above the median"))
        return self

    @property
    def sigma(self) -> float:
        return (math.log(self.p90) - math.log(self.median)) / Z90

    def sample(self, rng: np.random.Generator) -> float:
        return float(self.median * math.exp(self.sigma * rng.standard_normal()))

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np

        return self.median * np.exp(self.sigma * rng.standard_normal(n))

    def sample_beyond(self, rng: np.random.Generator, elapsed: float) -> float:
        from statistics import NormalDist

        if elapsed <= 0:
            return self.sample(rng)
        z = (math.log(elapsed) - math.log(self.median)) / self.sigma
        lo = NormalDist().cdf(z)
        u = float(rng.uniform(lo, 1.0))
        if u >= 1 - 1e-15:
            return elapsed
        return max(elapsed, float(self.median * math.exp(self.sigma * NormalDist().inv_cdf(u))))

    def mean_beyond(self, elapsed: float) -> float:
        from statistics import NormalDist

        if elapsed <= 0:
            return self.mean
        z = (math.log(elapsed) - math.log(self.median)) / self.sigma
        above = 1 - NormalDist().cdf(z)
        if above <= 1e-12:
            return elapsed
        return max(elapsed, self.mean * (1 - NormalDist().cdf(z - self.sigma)) / above)

    @property
    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)

    def describe(self) -> str:
        return f"lognormal, median {format_duration(self.median)}, p90 {format_duration(self.p90)}"


class Exponential(_Dist):
    """Memoryless: many short values and a few long ones, given by the mean."""

    dist: Literal["exponential"]
    mean_value: Duration = Field(alias="mean")
    """The average."""

    model_config = ConfigDict(populate_by_name=False)

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.exponential(self.mean_value))

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_value, n)

    def sample_beyond(self, rng: np.random.Generator, elapsed: float) -> float:
        return max(0.0, elapsed) + float(rng.exponential(self.mean_value))  # memoryless

    def mean_beyond(self, elapsed: float) -> float:
        return max(0.0, elapsed) + self.mean_value

    @property
    def mean(self) -> float:
        return self.mean_value

    def describe(self) -> str:
        return f"exponential, mean {format_duration(self.mean_value)}"


class Empirical(_Dist):
    """One of the listed values, drawn with the given weights (equal when left out)."""

    dist: Literal["empirical"]
    values: list[Duration] = Field(min_length=1, max_length=10_000)
    """Observed durations."""
    weights: list[Annotated[float, Field(ge=0, le=1_000_000)]] | None = None
    """Relative weight of each value; the same length as `values`."""

    @model_validator(mode="after")
    def _weights(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(_("weights must have one entry per value"))
            if sum(self.weights) <= 0:
                raise ValueError(_("weights must not all be zero"))
        return self

    def _p(self) -> np.ndarray | None:
        import numpy as np

        if self.weights is None:
            return None
        w = np.asarray(self.weights, dtype=float)
        return np.asarray(w / w.sum(), dtype=float)

    def sample(self, rng: np.random.Generator) -> float:
        import numpy as np

        return float(rng.choice(np.asarray(self.values), p=self._p()))

    def sample_n(self, rng: np.random.Generator, n: int) -> np.ndarray:
        import numpy as np

        return rng.choice(np.asarray(self.values), size=n, p=self._p())

    def _beyond(self, elapsed: float) -> tuple[np.ndarray, np.ndarray] | None:
        """The values above `elapsed` and their weights summing to 1; None when there are none."""
        import numpy as np

        values = np.asarray(self.values, dtype=float)
        p = self._p()
        weights = np.ones(len(values)) if p is None else p
        keep = values > elapsed
        if not keep.any() or weights[keep].sum() <= 0:
            return None
        return values[keep], weights[keep] / weights[keep].sum()

    def sample_beyond(self, rng: np.random.Generator, elapsed: float) -> float:
        beyond = self._beyond(elapsed)
        if beyond is None:
            return max(elapsed, float(max(self.values)))
        return float(rng.choice(beyond[0], p=beyond[1]))

    def mean_beyond(self, elapsed: float) -> float:
        beyond = self._beyond(elapsed)
        if beyond is None:
            return max(elapsed, float(max(self.values)))
        return float((beyond[0] * beyond[1]).sum())

    @property
    def mean(self) -> float:
        import numpy as np

        p = self._p()
        v = np.asarray(self.values)
        return float(v.mean() if p is None else (v * p).sum())

    def describe(self) -> str:
        return f"empirical over {len(self.values)} values, mean {format_duration(self.mean)}"


def _which(value: Any) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return "text"
    if isinstance(value, dict):
        dist = value.get("dist")
        return dist if isinstance(dist, str) else "missing"
    if isinstance(value, _Dist):
        return str(getattr(value, "dist", ""))
    return None


def _to_dist(value: Any) -> Any:
    # A plain duration is shorthand for a fixed distribution.
    return Fixed.model_construct(dist="fixed", value=value) if isinstance(value, float) else value


def _serialize(d: Any) -> Any:
    if isinstance(d, Fixed):
        return format_duration(d.value)
    return d.model_dump(mode="json", by_alias=True)


Distribution = Fixed | Uniform | Triangular | LogNormal | Exponential | Empirical

if TYPE_CHECKING:
    DurationDist = Distribution  # what the validators leave: text becomes Fixed
else:
    DurationDist = Annotated[
        Annotated[Duration, Tag("text")]
        | Annotated[Fixed, Tag("fixed")]
        | Annotated[Uniform, Tag("uniform")]
        | Annotated[Triangular, Tag("triangular")]
        | Annotated[LogNormal, Tag("lognormal")]
        | Annotated[Exponential, Tag("exponential")]
        | Annotated[Empirical, Tag("empirical")],
        Discriminator(
            _which,
            custom_error_type="distribution",
            custom_error_message=(
                "expected a duration (2h) or a mapping with dist: fixed, uniform, triangular, "
                "lognormal, exponential or empirical"
            ),
        ),
        AfterValidator(_to_dist),
        PlainSerializer(_serialize),
    ]
    """A duration that may be uncertain: `2h`, or `{dist: lognormal, median: 2h, p90: 6h}`."""

