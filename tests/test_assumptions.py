"""Assumed numbers written as ranges: loaded with their lines, drawn once per replication from
their own streams, and carried into results, bands and comparisons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.engine import replication_seed, simulate
from sim.experiments.runner import run_experiment
from sim.scenario.assumptions import draw_values, parse_range
from sim.scenario.changes import apply_changes, apply_strategy
from sim.scenario.loader import load_scenario, problems_in

ROOT = Path(__file__).resolve().parents[1]
SORMLAND = ROOT / "scenarios" / "sormland-network-2022.yaml"
PAPER = "    capacity: 0.7   # assumed\n"


def sormland_with(tmp_path: Path, paper: str, **other: str) -> Path:
    """A copy of Sörmland (and its region) with the paper journal's capacity written as given."""
    text = SORMLAND.read_text(encoding="utf-8")
    assert text.count(PAPER) == 1
    text = text.replace(PAPER, f"    capacity: {paper}\n")
    for old, new in other.items():
        text = text.replace(old, new)
    (tmp_path / "regions").mkdir(exist_ok=True)
    region = ROOT / "scenarios" / "regions" / "sormland.yaml"
    (tmp_path / "regions" / "sormland.yaml").write_text(region.read_text(encoding="utf-8"))
    path = tmp_path / "sormland.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_range_is_recorded_with_its_line_and_the_field_holds_the_mode(tmp_path: Path) -> None:
    sc = load_scenario(sormland_with(tmp_path, "{low: 0.4, mode: 0.7, high: 0.95}"))
    (a,) = sc.assumptions
    assert a.path == "backup_routines.paper-journal.capacity"
    assert a.line == SORMLAND.read_text().splitlines().index(PAPER.rstrip("\n")) + 1
    assert (a.range.low, a.range.mode, a.range.high) == (0.4, 0.7, 0.95)
    assert sc.backup_routines[0].capacity == 0.7
    assert sc.fixed().assumptions == ()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("{low: 0.4, mode: 0.7, hihg: 0.95}", "unknown field 'hihg' in a range (did you mean 'high'?)"),
        ("{low: 0.4, mode: 0.7, high: 1.2}", "high: must be at most 1 (got 1.2)"),
        ("{low: 0.8, mode: 0.7, high: 0.9}", "needs low <= mode <= high"),
        ("{dist: lognormal, median: 0.5, p90: 0.8}", "must stay within the field's limits"),
        ("{evidence: paper-routine-outpatent}", "did you mean 'paper-routine-outpatient'?"),
        ("{low: 0.4, mode: '70%', high: 0.9}", "must be a number"),
    ],
)
def test_a_range_written_wrongly_gets_one_problem_with_its_line(tmp_path: Path, spec: str, expected: str) -> None:
    problems = problems_in(sormland_with(tmp_path, spec))
    assert len(problems) == 1, problems
    (p,) = problems
    assert p.path.startswith("backup_routines.paper-journal.capacity")
    assert p.line is not None and expected in p.message, p


def test_range_forms() -> None:
    assert parse_range({"low": 0.2, "high": 0.6}).central == pytest.approx(0.4)
    assert parse_range({"dist": "fixed", "value": 0.3}).central == 0.3
    emp = parse_range({"dist": "empirical", "values": [0.2, 0.6], "weights": [3, 1]})
    assert emp.central == pytest.approx(0.3)
    tri = parse_range({"dist": "triangular", "low": 0.0, "mode": 0.5, "high": 1.0})
    assert tri.quantile(0.5) == pytest.approx(0.5)


def test_each_replication_draws_once_from_its_own_stream(tmp_path: Path) -> None:
    sc = load_scenario(sormland_with(tmp_path, "{low: 0.4, mode: 0.7, high: 0.95}"))
    values = [draw_values(sc.assumptions, replication_seed(0, k))["backup_routines.paper-journal.capacity"] for k in range(200)]
    assert min(values) >= 0.4 and max(values) <= 0.95
    assert np.mean(values) == pytest.approx((0.4 + 0.7 + 0.95) / 3, abs=0.03)
    assert values == [draw_values(sc.assumptions, replication_seed(0, k))["backup_routines.paper-journal.capacity"] for k in range(200)]
    # The same replication gives the same KPIs, and the range changes them between replications.
    a, b = simulate(sc, replication_seed(0, 3)), simulate(sc, replication_seed(0, 3))
    assert a.kpis == b.kpis


def test_strategies_keep_the_draws_and_a_strategy_that_sets_the_field_replaces_it(tmp_path: Path) -> None:
    sc = load_scenario(sormland_with(tmp_path, "{low: 0.4, mode: 0.7, high: 0.95}"))
    fast = apply_strategy(sc, "fast-failover")
    assert fast.assumptions == sc.assumptions  # common random numbers: the same draws
    set_fixed = apply_changes(sc, {"backup_routines.paper-journal.capacity": 0.5})
    assert set_fixed.assumptions == ()
    set_range = apply_changes(sc, {"backup_routines.paper-journal.compliance": {"low": 0.5, "high": 1.0}})
    assert {a.path for a in set_range.assumptions} == {
        "backup_routines.paper-journal.capacity", "backup_routines.paper-journal.compliance"}


def test_fields_citing_one_reference_range_share_its_draw(tmp_path: Path) -> None:
    path = sormland_with(
        tmp_path, "{evidence: paper-routine-outpatient}",
        **{"    capacity: 0.6   # assumed\n": "    capacity: {evidence: paper-routine-outpatient}\n"},
    )
    sc = load_scenario(path)
    assert len(sc.assumptions) == 2 and {a.evidence for a in sc.assumptions} == {"paper-routine-outpatient"}
    for k in range(5):
        values = set(draw_values(sc.assumptions, replication_seed(0, k)).values())
        assert len(values) == 1


def test_a_range_for_sormlands_paper_journal_widens_the_cancelled_visits_band(tmp_path: Path) -> None:
    ranged = load_scenario(sormland_with(tmp_path, "{low: 0.4, mode: 0.7, high: 0.95}"))
    widths = {}
    for label, sc in (("fixed", ranged.fixed()), ("ranged", ranged)):
        exp = run_experiment(sc, ["baseline"], 40, 0, executor="serial")
        band = exp.runs["baseline"].bands.get("cancelled_planned:all")
        widths[label] = float(band["p90"][-1] - band["p10"][-1])
        kpi = exp.runs["baseline"].kpi("cancelled_planned")
        widths[label + "-kpi"] = float(np.percentile(kpi, 90) - np.percentile(kpi, 10))
    assert widths["ranged"] > 2.5 * widths["fixed"], widths
    assert widths["ranged-kpi"] > 2.5 * widths["fixed-kpi"], widths
