"""Risk statements: the share of replications past a threshold, a moment never reached counted as
past it, round thresholds, Wilson's interval, and the statement in Swedish and English."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.experiments import run_experiment
from sim.experiments.risk import Risk, exceeded, nice_threshold, risks, statement
from sim.i18n import using
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def test_a_moment_never_reached_counts_as_past_the_threshold():
    v = np.array([10.0, 200.0, math.nan, 50.0])
    assert exceeded(v, 100.0, moment=True) == (2, 4)
    # A count has no missing runs to count: NaN (a replication not finished) is left out.
    assert exceeded(v, 100.0, moment=False) == (1, 3)


def test_thresholds_are_round_numbers_near_the_median():
    assert nice_threshold("time_to_normal_h", np.array([150.0, 157.0, 170.0])) == 168.0  # 7 days
    assert nice_threshold("time_to_full_operation_h", np.array([5.2, 5.6, 7.0])) == 6.0
    assert nice_threshold("cancelled_planned", np.array([2272.9, 2400.0, 2100.0])) == 2300.0
    assert nice_threshold("time_to_normal_h", np.array([math.nan, math.nan])) is None


def test_the_interval_holds_the_share_and_narrows_with_more_runs():
    few, many = Risk("cancelled_planned", "baseline", 1.0, 2, 10), Risk("cancelled_planned", "baseline", 1.0, 200, 1000)
    for r in (few, many):
        lo, hi = r.interval
        assert 0 <= lo < r.share < hi <= 1
    assert many.interval[1] - many.interval[0] < few.interval[1] - few.interval[0]
    assert Risk("x", "b", 1.0, 0, 20).interval[0] == 0.0


def test_statements_in_both_languages():
    r = Risk("time_to_normal_h", "baseline", 120.0, 23, 100)
    with using("en"):
        assert statement(r) == "Chance that normal takes more than 5.0 days: 23%"
    with using("sv"):
        assert statement(r) == "Risk att normalläget dröjer mer än 5,0 dygn: 23\u00a0%"
    r = Risk("cancelled_planned", "baseline", 2300.0, 40, 100)
    with using("sv"):
        assert statement(r) == "Risk att mer än 2\u00a0300 planerade besök ställs in: 40\u00a0%"


@pytest.fixture(scope="module")
def experiment():
    scenario = load_scenario(ROOT / "scenarios" / "sormland-network-2022.yaml")
    return run_experiment(scenario, ("baseline", "fast-failover"), replications=12, seed=3, bands=False)


def test_risks_of_a_run_use_one_threshold_for_every_strategy(experiment):
    found = risks(experiment)
    by_kpi: dict[str, set[float]] = {}
    for r in found:
        by_kpi.setdefault(r.kpi, set()).add(r.threshold)
        assert r.runs == 12
        values = experiment.runs[r.strategy].kpi(r.kpi)
        assert r.exceeded == exceeded(values, r.threshold, moment=r.kpi.startswith("time_"))[0]
    assert "time_to_normal_h" in by_kpi and "cancelled_planned" in by_kpi
    assert all(len(t) == 1 for t in by_kpi.values())
    assert {r.strategy for r in found} == {"baseline", "fast-failover"}


def test_a_higher_threshold_never_gives_a_higher_chance(experiment):
    low = {r.strategy: r.share for r in risks(experiment, {"time_to_normal_h": 48.0}, ("time_to_normal_h",))}
    high = {r.strategy: r.share for r in risks(experiment, {"time_to_normal_h": 120.0}, ("time_to_normal_h",))}
    assert all(high[s] <= low[s] for s in low)


def test_a_threshold_past_what_the_horizon_can_tell_is_left_out(experiment):
    assert risks(experiment, {"time_to_normal_h": 24.0 * 400}, ("time_to_normal_h",)) == []
