"""Every shipped scenario and every one of its strategies simulates."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.engine import KPI_NAMES, TIME_KPIS, simulate
from sim.scenario.changes import apply_strategy
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_there_are_shipped_scenarios() -> None:
    names = {p.name for p in SCENARIOS}
    assert {
        "sormland-network-2022.yaml",
        "vgr-login-2022.yaml",
        "vasterbotten-tietoevry-2024.yaml",
        "large-region-benchmark.yaml",
    } <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_and_its_strategies_simulate(path: Path) -> None:
    scenario = load_scenario(path)
    for strategy in ["baseline", *(s.id for s in scenario.strategies)]:
        rep = simulate(apply_strategy(scenario, strategy), 1)
        assert rep.contacts > 0, strategy
        for name in KPI_NAMES:
            value = rep.kpis[name]
            assert value >= 0 or (name in TIME_KPIS and math.isnan(value)), (strategy, name, value)
        if scenario.incidents:
            assert not math.isnan(rep.kpis["detected_at_h"]), strategy
