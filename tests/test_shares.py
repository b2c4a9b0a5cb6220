"""Which assumptions drive the spread: the variance shares on synthetic cases where the answer is
known, then through the simulator, the run's JSON summary and `sim explain`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_assumptions import sormland_with

from sim.engine import replication_seed
from sim.experiments.runner import run_experiment
from sim.experiments.shares import (
    MIN_REPLICATIONS,
    drawn_values,
    experiment_shares,
    variance_shares,
)
from sim.experiments.summary import experiment_summary
from sim.scenario.assumptions import draw
from sim.scenario.loader import load_scenario

PHONES = '    capacity: 0.3   # assumed: "phoning the primary-care centres became hard"\n'


def _shares(result) -> dict[str, float]:
    return {s.key: s.share for s in result.shares}


def test_one_parameter_that_drives_everything_gets_the_whole_variance() -> None:
    rng = np.random.default_rng(1)
    x = {"driver": rng.uniform(0.4, 0.95, 600), "idle": rng.triangular(0, 1, 3, 600)}
    y = np.exp(3 * x["driver"])  # nonlinear, but a function of the driver alone
    result = variance_shares(x, y, kpi="k")
    assert result is not None
    shares = _shares(result)
    assert shares["driver"] > 0.97
    assert shares["idle"] < 0.03
    assert result.shares[0].key == "driver"
    assert result.unexplained < 0.03
    idle = next(s for s in result.shares if s.key == "idle")
    assert idle.low == 0.0  # an assumption that does nothing cannot be told from nothing


@pytest.mark.parametrize("n", [400, 1500])
def test_two_parameters_in_a_known_ratio(n: int) -> None:
    # y = 2 a + b with a, b uniform on the same range: Var = 4 + 1 parts, shares 0.8 and 0.2.
    rng = np.random.default_rng(n)
    a, b, c = (rng.uniform(0, 1, n) for _ in range(3))
    result = variance_shares({"a": a, "b": b, "c": c}, 2 * a + b, kpi="k", seed=3)
    assert result is not None
    shares = _shares(result)
    tolerance = 0.08 if n < 1000 else 0.05
    assert shares["a"] == pytest.approx(0.8, abs=tolerance)
    assert shares["b"] == pytest.approx(0.2, abs=tolerance)
    assert shares["c"] < tolerance
    for s in result.shares:
        truth = {"a": 0.8, "b": 0.2, "c": 0.0}[s.key]
        assert s.low - 0.02 <= truth <= s.high + 0.02, s


def test_chance_is_the_part_no_assumption_explains() -> None:
    # y = a + noise with Var(a) = 1/12 and Var(noise) = 1/12: half the variance is chance.
    rng = np.random.default_rng(7)
    n = 2000
    a = rng.uniform(0, 1, n)
    y = a + rng.uniform(0, 1, n)
    result = variance_shares({"a": a}, y)
    assert result is not None
    assert _shares(result)["a"] == pytest.approx(0.5, abs=0.05)
    assert result.unexplained == pytest.approx(0.5, abs=0.05)


def test_values_drawn_from_a_few_values_get_one_bin_each() -> None:
    rng = np.random.default_rng(2)
    x = rng.choice([0.3, 0.5, 0.9], 300)
    result = variance_shares({"x": x}, 10 * x, bootstrap=0)
    assert result is not None
    assert _shares(result)["x"] == pytest.approx(1.0, abs=1e-9)


def test_no_shares_from_too_few_replications_or_a_kpi_that_does_not_vary() -> None:
    x = {"a": np.linspace(0, 1, 200)}
    assert variance_shares(x, np.full(200, 3.0)) is None
    few = {"a": np.linspace(0, 1, MIN_REPLICATIONS - 1)}
    assert variance_shares(few, few["a"]) is None
    # A moment never reached in most replications: too few defined values.
    y = np.full(200, np.nan)
    y[:10] = 1.0
    assert variance_shares(x, y) is None


def ranged_sormland(tmp_path: Path) -> Path:
    return sormland_with(
        tmp_path, "{low: 0.4, mode: 0.7, high: 0.95}",
        **{PHONES: "    capacity: {low: 0.05, mode: 0.3, high: 0.6}\n"},
    )


@pytest.fixture(scope="module")
def ranged_run(tmp_path_factory: pytest.TempPathFactory):
    sc = load_scenario(ranged_sormland(tmp_path_factory.mktemp("ranged")))
    return run_experiment(sc, ["baseline"], 160, 5, executor="serial", bands=False)


def test_drawn_values_are_the_values_the_replications_used(ranged_run) -> None:
    exp = ranged_run
    values = drawn_values(exp.scenario, exp.seed, [0, 7, 42])
    for row, k in enumerate([0, 7, 42]):
        concrete = draw(exp.scenario, replication_seed(exp.seed, k))
        assert values["backup_routines.paper-journal.capacity"][row] == concrete.backup_routines[0].capacity
        assert values["backup_routines.mobile-phones.capacity"][row] == concrete.backup_routines[2].capacity


def test_the_simulator_attributes_each_kpi_to_the_assumption_behind_it(ranged_run) -> None:
    shares = experiment_shares(ranged_run, "baseline", ["cancelled_planned", "calls_unanswered", "detected_at_h"])
    cancelled = _shares(shares["cancelled_planned"])
    calls = _shares(shares["calls_unanswered"])
    assert cancelled["backup_routines.paper-journal.capacity"] > 0.5
    assert cancelled["backup_routines.mobile-phones.capacity"] < 0.15
    assert calls["backup_routines.mobile-phones.capacity"] > 0.5
    assert calls["backup_routines.paper-journal.capacity"] < 0.15
    # The fault is found whatever the routines can do.
    detected = shares["detected_at_h"]
    assert all(s.low == 0.0 for s in detected.shares), detected


def test_a_scenario_without_ranges_has_no_shares(tmp_path: Path) -> None:
    sc = load_scenario(sormland_with(tmp_path, "0.7"))
    exp = run_experiment(sc, ["baseline"], 40, 0, executor="serial", bands=False)
    assert experiment_shares(exp, "baseline", ["cancelled_planned"]) == {}
    summary = experiment_summary(exp)
    assert "assumptions" not in summary
    assert "assumption_shares" not in summary["strategies"]["baseline"]


def test_the_json_summary_lists_the_assumptions_and_their_shares(ranged_run) -> None:
    summary = experiment_summary(ranged_run, "sormland.yaml")
    paths = [a["path"] for a in summary["assumptions"]]
    assert paths == ["backup_routines.paper-journal.capacity", "backup_routines.mobile-phones.capacity"]
    first = summary["assumptions"][0]
    assert first["range"] == {"low": 0.4, "mode": 0.7, "high": 0.95} and first["line"] == 34
    shares = summary["strategies"]["baseline"]["assumption_shares"]["cancelled_planned"]
    assert shares["replications"] == 160
    top = max(shares["shares"], key=lambda k: shares["shares"][k]["share"])
    assert top == "backup_routines.paper-journal.capacity"
    assert 0 <= shares["unexplained"] <= 1
    json.dumps(summary, allow_nan=False)


def test_fixed_twin_runs_the_same_seeds_without_assumption_uncertainty(tmp_path: Path) -> None:
    sc = load_scenario(ranged_sormland(tmp_path))
    exp = run_experiment(sc, ["baseline"], 40, 3, executor="serial", bands=False, fixed_twin=True)
    alone = run_experiment(sc.fixed(), ["baseline"], 40, 3, executor="serial", bands=False)
    with_ranges = exp.runs["baseline"].kpi("cancelled_planned")
    fixed = exp.fixed_runs["baseline"].kpi("cancelled_planned")
    assert np.array_equal(fixed, alone.runs["baseline"].kpi("cancelled_planned"))
    assert np.array_equal(with_ranges, run_experiment(sc, ["baseline"], 40, 3, executor="serial",
                                                      bands=False).runs["baseline"].kpi("cancelled_planned"))
    assert np.std(with_ranges) > 2 * np.std(fixed)
    summary = experiment_summary(exp)
    assert summary["without_assumption_uncertainty"]["baseline"]["replications"] == 40


def test_sim_explain_says_which_assumptions_drive_the_spread(tmp_path: Path) -> None:
    path = ranged_sormland(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "sim", "explain", str(path), "-n", "80", "--executor", "serial"],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Which assumptions drive the spread: baseline" in text
    block = text.split("Unanswered calls (80 replications)", 1)[1].split("\n\n", 1)[0]
    first = block.strip().splitlines()[0]
    assert first.startswith("backup_routines.mobile-phones.capacity"), block
    quiet = subprocess.run(
        [sys.executable, "-m", "sim", "explain", str(path), "-n", "0"], capture_output=True, text=True, timeout=120,
    )
    assert quiet.returncode == 0 and "drive the spread" not in quiet.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "sim", "explain", str(path), "-n", "-3"], capture_output=True, text=True, timeout=120,
    )
    assert bad.returncode == 2 and "--replications" in bad.stdout + bad.stderr
