"""`sim calibrate`: ABC-SMC recovers known parameters from observations made by the simulator
itself, and the command line prints and writes the posterior and the fit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.evidence.calibrate import (
    CalibrationError,
    calibrate,
    parse_fit,
    synthetic_observations,
    targets_from,
)
from sim.evidence.library import load_evidence

DATA = Path(__file__).resolve().parent / "data"
EVIDENCE = DATA / "calibration-small-evidence.yaml"
PAPER, PHONES = "backup_routines.paper.capacity", "backup_routines.mobiles.capacity"


def test_fit_specs() -> None:
    p = parse_fit(f"{PAPER}=0.1..0.9")
    assert (p.path, p.low, p.high, p.duration) == (PAPER, 0.1, 0.9, False)
    d = parse_fit("recovery_actions.x.lead_time=3h..10h")
    assert (d.low, d.high, d.duration) == (3.0, 10.0, True)
    for bad in (f"{PAPER}=0.9..0.1", f"{PAPER}=a..b", PAPER):
        with pytest.raises(CalibrationError):
            parse_fit(bad)


@pytest.mark.slow
def test_calibration_recovers_two_known_parameters() -> None:
    (target,) = targets_from([load_evidence(EVIDENCE)])
    params = [parse_fit(f"{PAPER}=0.05..0.95"), parse_fit(f"{PHONES}=0.05..0.95")]
    truth = {PAPER: 0.6, PHONES: 0.55}
    synthetic = synthetic_observations(target, params, truth, replications=10, seed=0, width=0.1)
    fit = calibrate([synthetic], params, population=40, generations=5, seed=1)
    for p in params:
        post = fit.posterior[p.path]
        assert post.p5 <= truth[p.path] <= post.p95, (p.path, post)
        assert abs(post.median - truth[p.path]) < 0.1, (p.path, post)
        assert post.p95 - post.p5 < 0.5 * (p.high - p.low), (p.path, post)  # narrower than the prior
    assert all(o["within_observed"] > 0.3 for o in fit.observations.values()), fit.observations


def test_a_parameter_the_scenario_does_not_have_is_refused() -> None:
    (target,) = targets_from([load_evidence(EVIDENCE)])
    with pytest.raises(CalibrationError, match="no item with id 'papr'"):
        calibrate([target], [parse_fit("backup_routines.papr.capacity=0.1..0.9")])
    with pytest.raises(CalibrationError, match="no scenario of the fit cites"):
        calibrate([target], [parse_fit("evidence:paper-routine-outpatient=0.1..0.9")])


def test_the_command_prints_and_writes_the_posterior(tmp_path: Path) -> None:
    out = tmp_path / "fit.json"
    res = subprocess.run(
        [sys.executable, "-m", "sim", "calibrate", str(DATA / "calibration-small.yaml"), "--evidence", str(EVIDENCE),
         "--fit", f"{PAPER}=0.05..0.95", "--fit", f"{PHONES}=0.05..0.95", "--population", "20",
         "--generations", "2", "--executor", "serial", "--json", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert res.returncode == 0, res.stderr
    assert "Posterior (median, 90% interval)" in res.stdout and PAPER in res.stdout
    data = json.loads(out.read_text())
    assert set(data["parameters"]) == {PAPER, PHONES}
    assert data["parameters"][PAPER]["p5"] <= data["parameters"][PAPER]["median"] <= data["parameters"][PAPER]["p95"]
    assert set(data["observations"]) == {"calibration-small:cancelled-share", "calibration-small:calls-unanswered-share"}
    assert data["generations"] == 2 and not data["partial"]


def test_the_command_names_a_bad_fit(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "sim", "calibrate", str(DATA / "calibration-small.yaml"), "--evidence", str(EVIDENCE),
         "--fit", "backup_routines.paper.capacity=2..3", "--executor", "serial"],
        capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 2 and "backup_routines.paper.capacity" in res.stderr and "1" in res.stderr, res.stderr
