"""Per-flow collectors: each owns its KPIs and series, together they give every KPI once, and
every count KPI can be cut by unit kind and time step from its cumulative series."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from sim import vocabulary as v
from sim.engine import simulate
from sim.engine.collectors import COLLECTORS
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_every_kpi_has_exactly_one_collector() -> None:
    owners = Counter(k for c in COLLECTORS for k in c.kpis)
    assert set(owners) == set(v.KPI)
    assert all(n == 1 for n in owners.values()), owners


def test_collectors_own_registered_series_only() -> None:
    owned = [s for c in COLLECTORS for s in c.series]
    assert len(owned) == len(set(owned))
    assert set(owned) == set(v.SERIES_BY_NAME)


@pytest.mark.parametrize("file", ["sormland-network-2022.yaml", "vasterbotten-tietoevry-2024.yaml"])
def test_count_kpis_are_the_end_of_their_per_kind_series(file: str) -> None:
    rep = simulate(load_scenario(ROOT / "scenarios" / file), 5)
    cut = [k for k in v.KPIS if k.by_window]
    assert {k.name for k in cut} >= {"cancelled_planned", "cancelled_at_door", "calls_unanswered", "rebooked"}
    for k in cut:
        assert k.series is not None
        parts = [s for name, s in rep.series.items()
                 if name.startswith(k.series + ":") and not name.endswith(":" + v.TOTAL)]
        total = np.sum(parts, axis=0)[-1] if parts else 0.0
        assert total == pytest.approx(rep.kpis[k.name]), k.name
        for s in parts:
            assert (np.diff(s) >= 0).all(), f"{k.series} is cumulative"
