"""`sim run`: the table, the JSON summary's layout, and clear errors for bad values."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sim.engine import KPI_NAMES

ROOT = Path(__file__).resolve().parent.parent
SORMLAND = "scenarios/sormland-network-2022.yaml"


def sim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_run_writes_the_documented_json(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    res = sim("run", SORMLAND, "-n", "8", "--seed", "3", "--strategy", "baseline",
              "--strategy", "fast-failover", "--json", str(out))
    assert res.returncode == 0, res.stderr
    assert "Cancelled planned visits" in res.stdout and "fast-failover" in res.stdout
    doc = json.loads(out.read_text())
    assert doc["scenario"] == "sormland-network-2022"
    assert doc["seed"] == 3 and doc["replications"] == 8
    assert doc["start"] == "2022-12-06T00:00"
    assert set(doc["strategies"]) == {"baseline", "fast-failover"}
    kpis = doc["strategies"]["baseline"]["kpis"]
    assert set(KPI_NAMES) <= set(kpis)
    for name in KPI_NAMES:
        assert {"mean", "ci95", "p10", "p50", "p90"} <= set(kpis[name]), name
    assert kpis["full_operation_at_h"]["reached"] == 1.0
    assert "reached" not in kpis["cancelled_planned"]
    ms = doc["strategies"]["baseline"]["milestones"]
    assert "system:regional-network:restored" in ms
    assert "readiness:stabslage:start" in ms and "readiness:stabslage:end" in ms
    assert "action:new-server:in_effect" in ms
    assert {"mean", "p10", "p50", "p90", "reached"} <= set(ms["readiness:stabslage:start"])
    assert doc["performance"]["contacts"] > 0 and doc["performance"]["wall_s"] > 0
    # A faster failover brings full operation earlier, with the same failures (common random numbers).
    ff = doc["strategies"]["fast-failover"]["kpis"]
    assert ff["full_operation_at_h"]["mean"] < kpis["full_operation_at_h"]["mean"]
    assert ff["detected_at_h"]["mean"] == kpis["detected_at_h"]["mean"]


def test_same_seed_same_json(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert sim("run", SORMLAND, "-n", "4", "--seed", "5", "--json", str(a)).returncode == 0
    assert sim("run", SORMLAND, "-n", "4", "--seed", "5", "--json", str(b)).returncode == 0
    da, db = json.loads(a.read_text()), json.loads(b.read_text())
    da["performance"].pop("wall_s")
    db["performance"].pop("wall_s")
    assert da == db


def test_bad_values_exit_2_without_traceback() -> None:
    for args, needle in [
        (("-n", "0"), "--replications"),
        (("-n", "10000000"), "--replications"),
        (("--strategy", "fast-failovr"), "fast-failover"),
        (("--seed", "-1"), "--seed"),
    ]:
        res = sim("run", SORMLAND, *args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert needle in res.stderr + res.stdout, (args, res.stderr)
        assert "Traceback" not in res.stderr


def test_invalid_scenario_exits_2_with_its_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntitle: t\nstart: 2022-12-06 00:00\nhorizon: 1d\nregion: nowhere.yaml\n")
    res = sim("run", str(bad), "-n", "2")
    assert res.returncode == 2
    assert "bad.yaml" in res.stdout + res.stderr
    assert "Traceback" not in res.stderr
