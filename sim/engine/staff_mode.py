"""What the crisis staff does while staff mode lasts (docs/model.md, "Readiness ladder", **Staff
mode acts**): staff moved to the care services short of capacity, and extra phone capacity. Both
engines apply these rules to the capacity the incident timeline gives, after acute priority; the
readiness ladder itself looks at the services without them."""

from __future__ import annotations

import numpy as np

from ..scenario.model import Scenario
from .capacity import CapacityModel

FULL = 1 - 1e-9
"""A service at or above this capacity is not short (it gets no extra staff)."""


def staff_mode_spans(readiness: list[tuple[float, int]] | tuple[tuple[float, int], ...]) -> list[tuple[float, float]]:
    """Each stretch at stabsläge or above, (raised at, back at normalläge or inf)."""
    spans: list[tuple[float, float]] = []
    since: float | None = None
    for t, level in readiness:
        if level >= 1 and since is None:
            since = t
        elif level < 1 and since is not None:
            spans.append((since, t))
            since = None
    if since is not None:
        spans.append((since, np.inf))
    return spans


def active(spans: list[tuple[float, float]], after_h: float, times: np.ndarray) -> np.ndarray:
    """At each of `times`: staff mode has lasted at least `after_h` (a new stretch starts the
    delay again)."""
    out = np.zeros(len(times), dtype=bool)
    for start, end in spans:
        out |= (times >= start + after_h) & (times < end)
    return out


def reinforced(cap: np.ndarray, share: float) -> np.ndarray:
    """A service short of capacity worked by `share` more staff than it has: `min(1, c (1 + share))`;
    a service at full capacity, or down, stays as it is. No threshold: a small change of `c` gives
    a small change."""
    return np.where(cap < FULL, np.minimum(1.0, cap * (1 + share)), cap)


def reinforce(
    scenario: Scenario, model: CapacityModel, cap: np.ndarray, times: np.ndarray,
    readiness: list[tuple[float, int]] | tuple[tuple[float, int], ...],
) -> None:
    """Lift, in place, the capacity (slots x `times`) of the services the staff reinforces while
    staff mode lasts: `redeploy` at the care services in `redeploy_to`, `phone_capacity` at every
    phone line."""
    policy = scenario.policies.staff_mode
    spans = staff_mode_spans(readiness)
    if not spans:
        return
    care = set(policy.redeploy_to)
    rules = ((policy.redeploy, policy.redeploy_after, lambda service: service in care),
             (policy.phone_capacity, policy.phone_after, lambda service: service == "calls"))
    for share, after_h, targets in rules:
        if share <= 0:
            continue
        on = active(spans, float(after_h), times)
        if not on.any():
            continue
        for i, slot in enumerate(model.slots):
            if targets(slot.service):
                cap[i, on] = reinforced(cap[i, on], share)
