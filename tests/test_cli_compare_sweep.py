"""`sim compare` and `sim sweep`, and the executor options of `sim run`: tables, files, and a clear
message with exit 2 for every bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments import executors as executors_module

ROOT = Path(__file__).resolve().parent.parent
SORMLAND = str(ROOT / "scenarios" / "sormland-network-2022.yaml")
runner = CliRunner()


def sim(*args: str):
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_compare_prints_strategies_and_paired_differences(tmp_path: Path) -> None:
    out = tmp_path / "compare.json"
    code, stdout, stderr = sim("compare", SORMLAND, "--strategies", "baseline,fast-failover,early-staff-mode",
                               "-n", "6", "--seed", "2", "--executor", "serial", "--json", str(out))
    assert code == 0, stderr
    assert "Mean per strategy" in stdout and "early-staff-mode" in stdout
    assert "Paired differences from baseline" in stdout
    doc = json.loads(out.read_text())
    assert set(doc["strategies"]) == {"baseline", "fast-failover", "early-staff-mode"}
    comparison = doc["comparison"]
    assert comparison["baseline"] == "baseline"
    assert set(comparison["differences"]) == {"fast-failover", "early-staff-mode"}
    d = comparison["differences"]["fast-failover"]["full_operation_at_h"]
    assert set(d) == {"mean", "ci95", "p10", "p50", "p90", "pairs", "replications"}
    base = doc["strategies"]["baseline"]["kpis"]["full_operation_at_h"]["mean"]
    fast = doc["strategies"]["fast-failover"]["kpis"]["full_operation_at_h"]["mean"]
    assert d["mean"] == pytest.approx(fast - base, abs=1e-5)
    assert d["mean"] < 0


def test_compare_baseline_outside_the_list_is_added() -> None:
    code, stdout, stderr = sim("compare", SORMLAND, "--strategies", "fast-failover", "--baseline", "baseline",
                               "-n", "2", "--executor", "serial")
    assert code == 0, stderr
    assert "Paired differences from baseline" in stdout and "fast-failover" in stdout


def test_sweep_writes_a_tidy_table_and_a_summary(tmp_path: Path) -> None:
    stem = tmp_path / "grid"
    code, stdout, stderr = sim(
        "sweep", SORMLAND,
        "--set", "backup_routines.paper-journal.capacity=0.5,0.9",
        "--set", "recovery_actions.new-server.lead_time=2h,{dist: triangular, low: 5h, mode: 6h, high: 7h}",
        "--strategies", "baseline,early-staff-mode", "-n", "3", "--executor", "serial", "--out", str(stem),
    )
    assert code == 0, stderr
    assert "grid.csv" in stdout and "grid.json" in stdout
    with (tmp_path / "grid.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * 2 * 2
    assert [r["backup_routines.paper-journal.capacity"] for r in rows] == ["0.5"] * 4 + ["0.9"] * 4
    assert rows[0]["recovery_actions.new-server.lead_time"] == "2h"
    assert json.loads(rows[2]["recovery_actions.new-server.lead_time"])["mode"] == "6h"
    assert [r["strategy"] for r in rows[:2]] == ["baseline", "early-staff-mode"]
    assert {r["replications"] for r in rows} == {"3"}
    # The quicker lead time brings full operation earlier.
    assert float(rows[0]["time_to_full_operation_h_mean"]) < float(rows[2]["time_to_full_operation_h_mean"])
    doc = json.loads((tmp_path / "grid.json").read_text())
    assert len(doc["points"]) == 4 and doc["strategies"] == ["baseline", "early-staff-mode"]
    if (tmp_path / "grid.parquet").exists():
        pq = pytest.importorskip("pyarrow.parquet")
        assert pq.read_table(tmp_path / "grid.parquet").num_rows == 8


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("sweep", SORMLAND, "--set", "backup_routines.paper-journal.capcity=0.5"), "has no field 'capcity'"),
        (("sweep", SORMLAND, "--set", "backup_routines.paper-journal.capacity=0.5,lots"), "capacity=lots"),
        (("sweep", SORMLAND, "--set", "policies.acute_priority=maybe"), "acute_priority=maybe"),
        (("sweep", SORMLAND, "--set", "capacity"), "PATH=VALUE"),
        (("sweep", SORMLAND, "--set", "a.b=1", "--set", "a.b=2"), "more than once"),
        (("sweep", SORMLAND, "--set", "backup_routines.paper-journal.capacity=0.5", "--strategies", "nope"),
         "no strategy 'nope'"),
        (("sweep", SORMLAND, "--set", "backup_routines.paper-journal.capacity=0.5", "--kpi", "speed"),
         "--kpi speed"),
        (("sweep", SORMLAND, "--set", "backup_routines.paper-journal.capacity=0.5", "--out", "/no/such/dir/x"),
         "does not exist"),
        (("compare", SORMLAND, "--strategies", "baseline,fast-failovr"), "no strategy 'fast-failovr'"),
        (("compare", SORMLAND, "--strategies", "baseline", "--baseline", "nope"), "--baseline nope"),
        (("compare", SORMLAND, "--strategies", ","), "--strategies"),
        (("run", SORMLAND, "--executor", "threads"), "--executor"),
        (("run", SORMLAND, "--executor", "local", "--address", "tcp://127.0.0.1:9"), "--address"),
        (("run", SORMLAND, "--workers", "0"), "--workers"),
        (("compare", SORMLAND, "--strategies", "baseline", "-n", "0"), "--replications"),
    ],
)
def test_bad_input_exits_2_with_a_message(args, needle) -> None:
    code, stdout, stderr = sim(*args, "-n", "2") if "-n" not in args else sim(*args)
    assert code == 2, (stdout, stderr)
    assert needle in stderr + stdout
    assert "Traceback" not in stderr + stdout


def test_unreachable_dask_address_exits_2(monkeypatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(executors_module, "DASK_CONNECT_TIMEOUT_S", 1)
    for command in (["run", SORMLAND], ["compare", SORMLAND, "--strategies", "baseline,fast-failover"]):
        code, stdout, stderr = sim(*command, "-n", "2", "--address", "tcp://127.0.0.1:9")
        assert code == 2
        assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in stderr
        assert "Traceback" not in stderr


def test_run_takes_the_executor_options(tmp_path: Path) -> None:
    a, b = tmp_path / "serial.json", tmp_path / "local.json"
    assert sim("run", SORMLAND, "-n", "4", "--executor", "serial", "--json", str(a))[0] == 0
    code, _, stderr = sim("run", SORMLAND, "-n", "4", "--executor", "local", "--workers", "2", "--json", str(b))
    assert code == 0, stderr
    da, db = json.loads(a.read_text()), json.loads(b.read_text())
    for d in (da, db):
        assert set(d["performance"]) == {"contacts", "wall_s"}
        d["performance"].pop("wall_s")
    assert da == db
