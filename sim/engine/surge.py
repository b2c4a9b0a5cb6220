"""docs/model.md, **Call surge**: outages and news make people call. A phone line's new calls are
up to `surge.factor` times normal while a care unit it serves (every unit, when it names none) is
short of a system — in proportion to the share of capacity lost — and `surge.factor` times while
patients have been informed and the region is not yet in full operation; after that the extra
calls halve every `surge.half_life`. Shared by both engines: the fast one reads
the factor at the middle of each time step, the reference one at each caller's moment."""

from __future__ import annotations

import math

import numpy as np

from ..scenario.model import PhoneLine, Scenario
from .capacity import CapacityModel
from .incident import IncidentTimeline

Period = tuple[float, float, float]
"""From, until, and how strong the reason to call is (0-1)."""


def surge_periods(scenario: Scenario, model: CapacityModel, timeline: IncidentTimeline, line: PhoneLine) -> list[Period]:
    """The periods in which `line`'s callers have reason to call more, with how strong it is: the
    largest share of normal capacity a unit it serves has lost for want of a system (its capacity
    without backup routines), and 1 from when patients are informed until full operation."""
    units = line.serves or [u.id for u in scenario.region.units]
    slots = [i for u in units for i in model.entity_slots.get(u, [])]
    periods: list[Period] = []
    snaps = timeline.snapshots
    for k, (t, state) in enumerate(snaps):
        until = snaps[k + 1][0] if k + 1 < len(snaps) else math.inf
        short = float((1 - model.base(model.health(state.own))[slots]).max()) if slots else 0.0
        if until > t and short > 1e-9:
            periods.append((t, until, min(1.0, short)))
    if timeline.informed_at is not None:
        end = timeline.full_operation if timeline.full_operation is not None else math.inf
        if end > timeline.informed_at:
            periods.append((timeline.informed_at, end, 1.0))
    return periods


def surge_factor(line: PhoneLine, periods: list[Period], t: np.ndarray) -> np.ndarray:
    """New calls at times `t` as a multiple of normal: `1 + (factor - 1) * s`, where `s` is the
    strength of a period at a time inside it, and after it `strength * 2^(-(t - end) / half_life)`
    (the strongest of these)."""
    t = np.asarray(t, dtype=float)
    extra = line.surge.factor - 1
    out = np.ones_like(t)
    if extra <= 0 or not periods:
        return out
    share = np.zeros_like(t)
    for a, b, strength in periods:
        inside = (t >= a) & (t < b)
        since = np.maximum(t - b, 0.0) if math.isfinite(b) else np.zeros_like(t)
        after = np.where(t >= b, strength * np.exp2(-since / line.surge.half_life), 0.0)
        share = np.maximum(share, np.where(inside, strength, after))
    result: np.ndarray = out + extra * share
    return result


def line_demand(
    scenario: Scenario, model: CapacityModel, timeline: IncidentTimeline, line: PhoneLine, reduction: np.ndarray,
    t: np.ndarray,
) -> np.ndarray:
    """A line's new calls at times `t` as a multiple of normal: the surge, less what informed
    patients do not call (`reduction` at the same times)."""
    periods = surge_periods(scenario, model, timeline, line) if line.surge.factor > 1 else []
    demand: np.ndarray = (1 - reduction) * surge_factor(line, periods, t)
    return demand
