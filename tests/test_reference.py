"""Differential tests: the fast engine against the per-entity reference engine.

On the three shipped incidents and on small scenarios that each isolate one mechanism, the mean of
every KPI that adds up (sim/engine/reference/agreement.py) of the fast engine must agree with the
reference engine's within 5%, or within the two means' combined 95% confidence interval when that
is wider. Both engines play the same replication seeds, so they see the same incident timelines.
The CI versions use few replications (the reference engine takes seconds per replication on the
real regions); `make bench` runs the longer ones (`--slow`). Where the fast engine disagrees
today, the case is an expected failure with the reason, and must fail (strict).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from reference_scenarios import SYNTHETIC

from sim.engine import Budget, replication_seed, simulate
from sim.engine.reference import simulate_reference
from sim.engine.reference.agreement import COMPARED_KPIS, agreement, compare
from sim.scenario.loader import load_scenario
from sim.scenario.model import Scenario

ROOT = Path(__file__).resolve().parent.parent

SEED = 11
TEST_BUDGET_S = 3600.0
"""A replication's time limit here: the differential runs must not fail for a busy machine."""


def disagreements(scenario: Scenario, replications: int) -> list[str]:
    """The compared KPIs whose means disagree beyond the tolerance, with the figures."""
    fast = [simulate(scenario, replication_seed(SEED, k)).kpis for k in range(replications)]
    ref = [
        simulate_reference(scenario, replication_seed(SEED, k), budget=Budget(max_seconds=TEST_BUDGET_S)).kpis
        for k in range(replications)
    ]
    return [str(a) for a in compare(fast, ref) if not a.agrees]


def _shipped(name: str) -> Callable[[], Scenario]:
    return lambda: load_scenario(ROOT / "scenarios" / f"{name}.yaml")


CASES = [
    # name, scenario, replications in CI and at length, why the fast engine disagrees today
    ("planned-only", SYNTHETIC["planned-only"], (30, 150), None),
    ("planned-at-the-door", SYNTHETIC["planned-at-the-door"], (30, 150), None),
    ("acute-only", SYNTHETIC["acute-only"], (30, 150), None),
    ("acute-without-records", SYNTHETIC["acute-without-records"], (30, 150), None),
    ("one-phone-line", SYNTHETIC["one-phone-line"], (20, 100), None),
    ("many-phone-lines", SYNTHETIC["many-phone-lines"], (20, 100), None),
    ("pooled-phone-lines", SYNTHETIC["pooled-phone-lines"], (20, 100), None),
    ("discharges", SYNTHETIC["discharges"], (30, 150), None),
    ("consumables", SYNTHETIC["consumables"], (10, 50), None),
    ("staff-mode", SYNTHETIC["staff-mode"], (20, 100), None),
    ("queue-triggers", SYNTHETIC["queue-triggers"], (20, 100), None),
    ("call-surge", SYNTHETIC["call-surge"], (20, 100), None),
    ("sormland-network-2022", _shipped("sormland-network-2022"), (3, 12), None),
    ("vgr-login-2022", _shipped("vgr-login-2022"), (2, 6), None),
    ("vasterbotten-tietoevry-2024", _shipped("vasterbotten-tietoevry-2024"), (2, 6), None),
]


def _params(at_length: bool) -> list[object]:
    out = []
    for name, build, (n_ci, n_long), reason in CASES:
        marks = [pytest.mark.slow] if at_length else []
        if reason is not None:
            marks.append(pytest.mark.xfail(reason=reason, strict=True))
        out.append(pytest.param(build, n_long if at_length else n_ci, id=name, marks=marks))
    return out


@pytest.mark.parametrize(("build", "replications"), _params(at_length=False))
def test_fast_engine_agrees_with_the_reference(build: Callable[[], Scenario], replications: int) -> None:
    assert disagreements(build(), replications) == []


@pytest.mark.parametrize(("build", "replications"), _params(at_length=True))
def test_fast_engine_agrees_with_the_reference_at_length(build: Callable[[], Scenario], replications: int) -> None:
    assert disagreements(build(), replications) == []


def test_the_tolerance_can_fail() -> None:
    same = np.array([100.0, 101.0, 99.0, 100.0])
    assert agreement("x", same, same).agrees
    assert agreement("x", same * 1.04, same).agrees
    assert not agreement("x", same * 1.2, same).agrees
    # A noisy KPI gets the width of the two means' confidence intervals.
    noisy = np.array([50.0, 150.0, 80.0, 120.0])
    assert agreement("x", noisy * 1.2, noisy).agrees


def test_the_compared_kpis_are_the_ones_that_add_up() -> None:
    assert {"cancelled_planned", "calls_unanswered", "blocked_bed_days", "contacts"} <= set(COMPARED_KPIS)
    assert not {"normal_at_h", "acute_wait_mean_h", "admin_debt_peak_h", "staff_mode_h"} & set(COMPARED_KPIS)
