"""The model's rules that every care flow of the reference engine reads: one small function per
rule, each naming the section of docs/model.md it implements, so a change of a rule is made in one
obvious place."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ...scenario.model import PhoneLine, Scenario
from ..capacity import CapacityModel
from ..incident import CancelOrder, IncidentTimeline
from ..surge import line_demand

FULL = 1 - 1e-9
"""Capacity at or above this counts as full (a system back, a service not short)."""


def acute_priority(acute: np.ndarray, planned: np.ndarray, staff_share: float) -> tuple[np.ndarray, np.ndarray]:
    """docs/model.md, "Care delivery", **Acute priority**: the unit's working capacity
    `s*a + (1-s)*p` goes to acute care first, up to full capacity; planned care gets the rest."""
    working = staff_share * acute + (1 - staff_share) * planned
    new_acute = np.minimum(1.0, np.maximum(acute, working / staff_share))
    if staff_share >= 1:
        return new_acute, planned
    new_planned = np.clip((working - staff_share * new_acute) / (1 - staff_share), 0.0, 1.0)
    return new_acute, new_planned


def expected_share(orders: list[CancelOrder], t: float) -> float:
    """docs/model.md, "Care delivery", planned visits, **cancel ahead**: the planned capacity the
    staff expects at `t`, the lowest of the cancellation orders whose window holds `t` (1 when no
    order does)."""
    share = 1.0
    for o in orders:
        if o.t_h <= t < o.until_h:
            share = min(share, o.expected)
    return share


def cancel_ahead_share(expected: float, utilisation: float) -> float:
    """docs/model.md, **Slack**: the share of bookings the staff cancels ahead, what it expects not
    to fit into the capacity it expects (bookings use `utilisation` of the normal capacity)."""
    return min(1.0, max(0.0, 1 - expected / utilisation))


def hold_chance(capacity: float, cancel_share: float, utilisation: float) -> float:
    """docs/model.md, planned visits, **cancel at the door**: a visit still booked when its time
    comes is held while the capacity (in normal bookings, `capacity / utilisation`) covers the
    bookings left after cancelling ahead."""
    room = capacity / utilisation
    left = 1 - cancel_share
    return min(1.0, max(0.0, room / left if left > 0 else room))


def slack_slots_per_h(bookings_per_h: float, capacity: np.ndarray, utilisation: float) -> np.ndarray:
    """docs/model.md, **Rebooking and overtime**: the unit sees `capacity / utilisation` of its
    normal bookings an hour; what the visits booked for the time leave over takes rebooked ones."""
    return bookings_per_h * capacity / utilisation


def overtime_slots_per_h(bookings_per_h: float, capacity: np.ndarray, extra_capacity: float) -> np.ndarray:
    """docs/model.md, **Rebooking and overtime**: extra sessions add `extra_capacity` of the normal
    volume, at the unit's capacity."""
    return extra_capacity * bookings_per_h * capacity


def overtime_allowed(systems_back: np.ndarray, hours_since_short: np.ndarray, start_after_h: float) -> np.ndarray:
    """docs/model.md, **Rebooking and overtime**: extra sessions run from `start_after` after the
    unit's systems are back (its capacity without backup routines is full again)."""
    allowed: np.ndarray = systems_back & (hours_since_short >= start_after_h - 1e-9)
    return allowed


def call_reduction_share(scenario: Scenario, timeline: IncidentTimeline, t: float) -> float:
    """docs/model.md, "Readiness ladder": once patients are informed, `call_reduction` of new calls
    are not made, until full operation (20% when the scenario gives no share)."""
    if timeline.informed_at is None or t < timeline.informed_at:
        return 0.0
    if timeline.full_operation is not None and t >= timeline.full_operation:
        return 0.0
    return scenario.policies.escalation.informed_call_reduction


def call_demand(
    scenario: Scenario, model: CapacityModel, timeline: IncidentTimeline, line: PhoneLine
) -> Callable[[np.ndarray], np.ndarray]:
    """docs/model.md, **Call surge** and "Readiness ladder": a line's new calls at given times as
    a multiple of normal, the surge less what informed patients do not call."""

    def demand(t: np.ndarray) -> np.ndarray:
        reduction = np.array([call_reduction_share(scenario, timeline, float(x)) for x in t])
        return line_demand(scenario, model, timeline, line, reduction, t)

    return demand


def discharges_per_h(normal_per_h: float, capacity: np.ndarray, catch_up: float) -> np.ndarray:
    """docs/model.md, patient ready for discharge **hold**: at discharge capacity `c` the service
    lets up to `c x catch_up` times the normal rate leave (no threshold: see *Continuity*)."""
    return normal_per_h * catch_up * capacity


def elective_reserve(normal_occupancy: float, length_of_stay_h: float, elective_share: float) -> float:
    """docs/model.md, "Care delivery", beds: planned (elective) admissions are postponed when fewer
    beds are left than half a day's acute admissions."""
    return normal_occupancy / (length_of_stay_h / 24) * (1 - elective_share) / 2
