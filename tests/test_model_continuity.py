"""No cliffs: a small change of any capacity gives a small change of every KPI.

Every capacity in a shipped scenario (backup routines, alternative systems, mutual aid, the
capacity a dependency leaves, planned care during a stock-out) is lowered by 0.1%; the KPIs'
means over replications with common random numbers move by no more than a few percent."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.engine import replication_seed, simulate
from sim.engine.flows.beds import discharge_limit
from sim.engine.flows.planned import cancel_ahead_share, hold_chance
from sim.scenario.assumptions import draw
from sim.scenario.changes import scenario_data
from sim.scenario.loader import load_scenario
from sim.scenario.model import Scenario

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
REPLICATIONS = {"large-region-benchmark": 8, "national-supplier-attack": 10}
"""Replications per scenario (fewer for the large ones; common random numbers keep the noise
of a paired difference small)."""
CAPACITY_KEYS = ("capacity", "stockout_capacity")
RELATIVE = 0.03
"""Largest relative change of a KPI's mean allowed for a 0.1% change of capacity."""
ABSOLUTE = {"h": 0.25, "bed-days": 0.5}
"""Changes below these are noise on KPIs near zero (hours, bed-days); counts allow one."""


def scaled(scenario: Scenario, factor: float) -> Scenario:
    """The scenario with every capacity multiplied by `factor`."""
    data = scenario_data(scenario)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in CAPACITY_KEYS and isinstance(value, int | float) and not isinstance(value, bool):
                    node[key] = value * factor
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data["region"])
    walk(data["backup_routines"])
    walk(data["recovery_actions"])
    return Scenario.model_validate(data)


def means(scenario: Scenario, n: int, factor: float = 1.0) -> dict[str, tuple[float, float]]:
    """Mean (over the replications that reach it) and share reached of every KPI, with every
    capacity times `factor` (after the replication's assumed numbers are drawn)."""
    reps = []
    for k in range(n):
        seed = replication_seed(11, k)
        drawn = draw(scenario, seed)
        reps.append(simulate(scaled(drawn, factor) if factor != 1 else drawn, seed).kpis)
    out = {}
    for name in reps[0]:
        values = np.array([r[name] for r in reps], dtype=float)
        reached = np.isfinite(values)
        out[name] = (float(values[reached].mean()) if reached.any() else math.nan, float(reached.mean()))
    return out


@pytest.mark.parametrize("name", SHIPPED)
def test_a_tenth_of_a_percent_less_capacity_moves_no_kpi_by_more_than_a_few_percent(name: str) -> None:
    from sim.vocabulary import kpi

    base = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    n = REPLICATIONS.get(name, 12)
    before, after = means(base, n), means(base, n, 0.999)
    for key, (a, share_a) in before.items():
        b, share_b = after[key]
        assert share_a == share_b, f"{name}: {key} reached in {share_a:.0%} -> {share_b:.0%} of replications"
        if math.isnan(a):
            continue
        floor = ABSOLUTE.get(kpi(key).unit, 1.0)
        assert abs(b - a) <= RELATIVE * abs(a) + floor, f"{name}: {key} {a:.3f} -> {b:.3f}"


def test_the_discharge_limit_has_no_threshold_below_full_capacity() -> None:
    limits = [discharge_limit(10.0, c, 1.5) for c in (0.997, 0.998, 0.999, 1.0)]
    assert np.diff(limits) == pytest.approx([0.015] * 3)


def test_slack_absorbs_a_loss_smaller_than_itself() -> None:
    # Bookings use 90% of the capacity: at 95% nothing is cancelled ahead or at the door.
    share = cancel_ahead_share(np.array([0.95, 0.9, 0.45]), 0.9)
    assert share == pytest.approx([0.0, 0.0, 0.5])
    assert hold_chance(np.array([0.95]), np.array([0.0]), 0.9) == pytest.approx([1.0])
    assert hold_chance(np.array([0.45]), np.array([0.0]), 0.9) == pytest.approx([0.5])
    # After cancelling ahead for an expected 0.45, the visits left all fit when 0.45 comes.
    assert hold_chance(np.array([0.45]), np.array([0.5]), 0.9) == pytest.approx([1.0])
