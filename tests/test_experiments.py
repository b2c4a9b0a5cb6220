"""Experiments: statistics, common random numbers, time-series bands and sweeps (serial executor;
the other executors are compared with it in test_executors.py)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from sim import limits
from sim.engine import replication_seed, simulate
from sim.experiments import bands as bands_module
from sim.experiments import (
    paired_difference,
    parse_set,
    run_experiment,
    run_sweep,
    sweep_rows,
    sweep_summary,
    unpaired_difference,
)
from sim.experiments.bands import Bands
from sim.experiments.stats import difference_summary, replications_needed, t975, welch_difference
from sim.experiments.sweep import SweepError, write_table
from sim.experiments.work import Task, chunk_ranges, run_chunk
from sim.scenario.changes import apply_changes, apply_strategy
from sim.scenario.loader import load_scenario, load_scenario_text

ROOT = Path(__file__).resolve().parent.parent
SORMLAND = ROOT / "scenarios" / "sormland-network-2022.yaml"


@pytest.fixture
def small(minimal_scenario_yaml):
    return load_scenario_text(minimal_scenario_yaml)


# --------------------------------------------------------------------------- statistics


def test_t_quantile_matches_tables() -> None:
    assert t975(1) == pytest.approx(12.706, abs=1e-3)
    assert t975(30) == pytest.approx(2.042, abs=1e-3)
    assert t975(60) == pytest.approx(2.000, abs=1e-3)
    assert t975(120) == pytest.approx(1.980, abs=1e-3)


def test_paired_difference_of_a_constant_shift_has_zero_width() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(10, 3, 50)
    d = difference_summary(base + 2.0, base)
    assert d["mean"] == pytest.approx(2.0)
    assert d["ci95"] == pytest.approx([2.0, 2.0])
    assert d["p10"] == pytest.approx(2.0) and d["p90"] == pytest.approx(2.0)
    w = welch_difference(base + 2.0, base)
    assert w["mean"] == pytest.approx(2.0)
    assert w["ci95"][1] - w["ci95"][0] > 2  # the noise of both samples


def test_replications_needed_shrinks_with_a_wider_target() -> None:
    pilot = np.random.default_rng(2).normal(100, 20, 30)
    n_narrow = replications_needed(pilot, 2.0)
    n_wide = replications_needed(pilot, 8.0)
    assert n_narrow > n_wide >= 2
    # About (1.96 * 20 / 2)^2 = 384 for a standard deviation near 20.
    s = float(pilot.std(ddof=1))
    assert n_narrow == pytest.approx((1.96 * s / 2.0) ** 2, rel=0.05)


# --------------------------------------------------------------------------- common random numbers


def test_paired_ci_is_narrower_than_unpaired_on_sormland() -> None:
    """Common random numbers work: the same failures under both strategies make the paired
    interval of a difference much narrower than the interval of independent samples."""
    scenario = load_scenario(SORMLAND)
    exp = run_experiment(scenario, ["baseline", "fast-failover"], 24, 1, executor="serial", bands=False)
    for kpi in ("calls_unanswered", "lost_capacity_h", "time_to_full_operation_h"):
        p = paired_difference(exp, kpi, "fast-failover", "baseline")
        u = unpaired_difference(exp, kpi, "fast-failover", "baseline")
        assert p["mean"] == pytest.approx(u["mean"])
        assert p["mean"] < 0, kpi  # a faster failover helps
        assert p["ci95"][1] - p["ci95"][0] < 0.8 * (u["ci95"][1] - u["ci95"][0]), kpi


def test_replication_k_is_the_same_under_every_run(small) -> None:
    exp = run_experiment(small, ["baseline", "fast"], 6, 9, executor="serial", bands=False)
    for k in range(6):
        rep = simulate(small, replication_seed(9, k))
        assert exp.runs["baseline"].kpi("cancelled_planned")[k] == rep.kpis["cancelled_planned"]
        fast = simulate(apply_strategy(small, "fast"), replication_seed(9, k))
        assert exp.runs["fast"].kpi("full_operation_at_h")[k] == fast.kpis["full_operation_at_h"]
        assert exp.runs["fast"].kpi("detected_at_h")[k] == rep.kpis["detected_at_h"]


def test_paired_difference_names_unknown_strategy_and_kpi(small) -> None:
    exp = run_experiment(small, ["baseline"], 2, 0, executor="serial", bands=False)
    with pytest.raises(KeyError, match="fast"):
        paired_difference(exp, "cancelled_planned", "fast", "baseline")
    with pytest.raises(KeyError, match="no KPI"):
        paired_difference(exp, "cancelled", "baseline", "baseline")


# --------------------------------------------------------------------------- bands


def _replications(scenario, seed, n):
    return [simulate(scenario, replication_seed(seed, k)) for k in range(n)]


def test_bands_match_direct_statistics(small) -> None:
    exp = run_experiment(small, ["baseline"], 12, 4, executor="serial")
    bands = exp.runs["baseline"].bands
    reps = _replications(small, 4, 12)
    assert bands.names == sorted(reps[0].series)
    assert bands.replications == 12 and bands.sample_size == 12
    assert np.allclose(bands.times_h, np.arange(len(bands.times_h)) * reps[0].step_h)
    for name in ("capacity:primary_care", "backlog:primary_care", "readiness"):
        stack = np.stack([r.series[name] for r in reps])
        got = bands.get(name)
        assert np.allclose(got["mean"], stack.mean(axis=0))
        for q in (10, 50, 90):
            assert np.allclose(got[f"p{q}"], np.percentile(stack.astype(np.float32), q, axis=0), atol=1e-4)
    with pytest.raises(KeyError, match="no time series"):
        bands.get("nope")


def test_bands_do_not_depend_on_arrival_order(small) -> None:
    tasks = [Task("b", small, 3, c, a, b) for c, (a, b) in enumerate(chunk_ranges(40))]
    parts = [run_chunk(t).bands for t in tasks]
    in_order, shuffled = Bands(), Bands()
    for p in parts:
        in_order.add(p)
    parts = [run_chunk(t).bands for t in tasks]
    random.Random(5).shuffle(parts)
    for p in parts:
        shuffled.add(p)
    for name in in_order.names:
        a, b = in_order.get(name), shuffled.get(name)
        for stat in ("mean", "p10", "p50", "p90"):
            assert np.array_equal(a[stat], b[stat]), (name, stat)


def test_percentile_sample_is_capped_at_the_lowest_indices(small, monkeypatch) -> None:
    monkeypatch.setattr(limits, "MAX_SAMPLE", 5)
    exp = run_experiment(small, ["baseline"], 15, 2, executor="serial")
    bands = exp.runs["baseline"].bands
    assert bands.sample_size == 5 and bands.replications == 15
    reps = _replications(small, 2, 15)
    stack = np.stack([r.series["backlog:primary_care"] for r in reps])
    got = bands.get("backlog:primary_care")
    assert np.allclose(got["mean"], stack.mean(axis=0))  # the mean uses every replication
    assert np.allclose(got["p50"], np.median(stack[:5], axis=0))


def test_sample_cap_fits_the_budget() -> None:
    assert bands_module.sample_cap(25, 864) == bands_module.MAX_SAMPLE
    for series, steps in [(40, 24 * 4 * 366), (200, 200_000), (5000, 200_000)]:
        cap = bands_module.sample_cap(series, steps)
        assert cap * series * steps * 4 <= limits.SAMPLE_BUDGET_BYTES  # whatever the shape
    assert bands_module.sample_cap(40, 24 * 4 * 366) == 8
    assert bands_module.sample_cap(5000, 200_000) == 0  # too long for even one: the mean only


def test_the_percentile_sample_keeps_to_its_memory_cap_whatever_the_replications(small, monkeypatch) -> None:
    rep = simulate(small, 0)
    per_replication = len(rep.series) * len(next(iter(rep.series.values()))) * 4
    monkeypatch.setattr(limits, "SAMPLE_BUDGET_BYTES", 3 * per_replication)
    exp = run_experiment(small, ["baseline"], 40, 2, executor="serial")
    bands = exp.runs["baseline"].bands
    assert bands.replications == 40 and bands.sample_size == 3
    assert bands._sample.nbytes <= limits.SAMPLE_BUDGET_BYTES


def test_bands_can_be_left_out(small) -> None:
    exp = run_experiment(small, ["baseline"], 3, 0, executor="serial", bands=False)
    assert exp.runs["baseline"].bands is None


# --------------------------------------------------------------------------- sweeps


def test_parse_set_reads_yaml_values() -> None:
    p = parse_set("recovery_actions.new-server.lead_time=1h,{dist: triangular, low: 1h, mode: 2h, high: 3h}, 07:00")
    assert p.path == "recovery_actions.new-server.lead_time"
    assert p.values == ("1h", {"dist": "triangular", "low": "1h", "mode": "2h", "high": "3h"}, "07:00")
    assert parse_set("a.b=0.5,1,true").values == (0.5, 1, True)
    for bad, needle in [("nothing", "PATH=VALUE"), ("a.b=", "no values"), ("a.b=[1,", "cannot read")]:
        with pytest.raises(SweepError, match=needle):
            parse_set(bad)


def test_sweep_has_one_row_per_point_and_strategy_with_the_values_run(small, tmp_path) -> None:
    params = {"backup_routines.paper.capacity": [0.3, 0.9], "incidents.outage.repair": ["2h", "8h"]}
    sweep = run_sweep(small, params, ["baseline", "fast"], 5, 7, executor="serial")
    rows = sweep_rows(sweep)
    assert len(rows) == 4 * 2
    assert [(r["backup_routines.paper.capacity"], r["incidents.outage.repair"], r["strategy"]) for r in rows] == [
        (c, rep, s) for c in (0.3, 0.9) for rep in ("2h", "8h") for s in ("baseline", "fast")
    ]
    for r in rows:
        point = {"backup_routines.paper.capacity": r["backup_routines.paper.capacity"],
                 "incidents.outage.repair": r["incidents.outage.repair"]}
        variant = apply_changes(apply_strategy(small, r["strategy"]), point)
        direct = [simulate(variant, replication_seed(7, k)).kpis for k in range(5)]
        assert r["replications"] == 5
        assert r["cancelled_planned_mean"] == pytest.approx(np.mean([d["cancelled_planned"] for d in direct]))
        assert r["lost_capacity_h_p50"] == pytest.approx(np.median([d["lost_capacity_h"] for d in direct]))
        assert "time_to_full_operation_h_reached" in r
    # More backup capacity, fewer cancellations, the same failures.
    by = {(r["backup_routines.paper.capacity"], r["incidents.outage.repair"], r["strategy"]): r for r in rows}
    assert by[(0.9, "8h", "baseline")]["lost_capacity_h_mean"] < by[(0.3, "8h", "baseline")]["lost_capacity_h_mean"]

    written = write_table(rows, tmp_path / "grid")
    with written[0].open() as f:
        table = list(csv.DictReader(f))
    assert len(table) == 8 and table[0]["strategy"] == "baseline"
    assert float(table[0]["cancelled_planned_mean"]) == pytest.approx(rows[0]["cancelled_planned_mean"])
    pq = pytest.importorskip("pyarrow.parquet")
    parquet = pq.read_table(written[1]).to_pylist()
    assert len(parquet) == 8
    assert parquet[3]["incidents.outage.repair"] == "8h" and parquet[3]["strategy"] == "fast"

    doc = sweep_summary(sweep, "x.yaml")
    assert doc["parameters"] == params and len(doc["points"]) == 4
    assert doc["points"][1]["set"] == {"backup_routines.paper.capacity": 0.3, "incidents.outage.repair": "8h"}
    assert set(doc["points"][1]["strategies"]) == {"baseline", "fast"}


def test_sweep_names_the_bad_value(small) -> None:
    cases = [
        ({"backup_routines.paper.capacty": [0.5]}, "has no field 'capacty'"),
        ({"backup_routines.paper.capacity": [0.5, "lots"]}, "capacity=lots"),
        ({"backup_routines.paper.capacity": [1.5]}, "less than or equal to 1"),
        ({"backup_routines.nope.capacity": [0.5]}, "no item with id 'nope'"),
    ]
    for params, needle in cases:
        with pytest.raises(SweepError, match=needle):
            run_sweep(small, params, ["baseline"], 2, executor="serial")
    with pytest.raises(SweepError, match="strategy nope"):
        run_sweep(small, {"backup_routines.paper.capacity": [0.5]}, ["nope"], 2, executor="serial")


def test_mixed_number_column_is_float(small) -> None:
    sweep = run_sweep(small, {"backup_routines.paper.capacity": [0, 0.5]}, ["baseline"], 1, executor="serial")
    assert [r["backup_routines.paper.capacity"] for r in sweep_rows(sweep)] == [0.0, 0.5]

