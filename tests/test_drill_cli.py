"""`sim drill`: playing a decision log, the reports and the MSEL, comparing two logs, and exit 2
with file and line for bad logs."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from sim.drill.report import SECTIONS

ROOT = Path(__file__).resolve().parent.parent
SORMLAND = "scenarios/sormland-network-2022.yaml"
EARLY = "scenarios/drills/sormland-early.yaml"
LATE = "scenarios/drills/sormland-late.yaml"


def sim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def test_help_explains_both_forms() -> None:
    res = sim("drill", "--help")
    assert res.returncode == 0
    assert "sim drill FILE --decisions LOG.yaml" in res.stdout
    assert "sim drill compare LOG_A LOG_B" in res.stdout


def test_play_a_log_and_write_the_reports(tmp_path: Path) -> None:
    html, md, msel = tmp_path / "aar.html", tmp_path / "aar.md", tmp_path / "msel.csv"
    res = sim("drill", SORMLAND, "--decisions", LATE, "--report", str(html), "--markdown", str(md),
              "--msel", str(msel), "-n", "3")
    assert res.returncode == 0, res.stderr
    assert "A journalist calls" in res.stdout
    assert "Expected actions:" in res.stdout and "late" in res.stdout
    text = md.read_text(encoding="utf-8")
    page = html.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f"## {section}" in text and f"<h2>{section}</h2>" in page
    rows = list(csv.DictReader(msel.read_text(encoding="utf-8-sig").splitlines()))
    assert "journalist" in {r["Id"] for r in rows}


def test_msel_alone() -> None:
    res = sim("drill", SORMLAND, "--msel", "/dev/null")
    assert res.returncode == 0, res.stderr


def test_compare_the_shipped_logs(tmp_path: Path) -> None:
    md = tmp_path / "cmp.md"
    res = sim("drill", "compare", EARLY, LATE, "-n", "4", "--markdown", str(md))
    assert res.returncode == 0, res.stderr
    assert "A: Early decisions" in res.stdout and "B: Late decisions" in res.stdout
    assert "staff-mode-30min: A met, B late" in res.stdout
    assert "B: journalist" in res.stdout
    assert "of which at the door" in md.read_text(encoding="utf-8")


def test_a_bad_log_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    log = tmp_path / "bad.yaml"
    log.write_text('decisions:\n  - at: "07:00"\n    decide: staff-mode\n    option: later\n', encoding="utf-8")
    res = sim("drill", SORMLAND, "--decisions", str(log))
    assert res.returncode == 2
    assert f"{log} line 2: decisions.0.option: decision point 'staff-mode' has no option 'later'" in res.stderr
    assert "Traceback" not in res.stderr


def test_a_log_time_outside_the_scenario_exits_2(tmp_path: Path) -> None:
    log = tmp_path / "bad.yaml"
    log.write_text('decisions:\n  - {at: "+20d", do: inform_patients}\n', encoding="utf-8")
    res = sim("drill", SORMLAND, "--decisions", str(log))
    assert res.returncode == 2 and "outside the drill" in res.stderr


def test_a_missing_log_exits_2(tmp_path: Path) -> None:
    res = sim("drill", SORMLAND, "--decisions", str(tmp_path / "none.yaml"))
    assert res.returncode == 2 and "no such file" in res.stderr


def test_usage_mistakes_exit_2() -> None:
    assert sim("drill", "compare", EARLY).returncode == 2
    assert sim("drill", SORMLAND).returncode == 2
    assert sim("drill", SORMLAND, LATE).returncode == 2


def test_a_log_for_another_scenario_is_refused(tmp_path: Path) -> None:
    res = sim("drill", "scenarios/vgr-login-2022.yaml", "--decisions", EARLY)
    assert res.returncode == 2 and "this log is for" in res.stderr
