"""`sim explain`: a plain-text summary of every shipped scenario, and of a small one whose
expected timeline can be worked out by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import edit
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario.explain import curve_quantile, expected_timeline, explain, fmt_hours, units_hit
from sim.scenario.loader import load_scenario, load_scenario_text
from sim.scenario.model import RestorationStage

runner = CliRunner()
SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))


def run_explain(path: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["explain", str(path)])
    return result.exit_code, result.output


def test_there_are_scenarios_to_explain():
    assert len(SCENARIOS) >= 4


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_explains_every_shipped_scenario(path: Path):
    code, out = run_explain(path)
    assert code == 0, out
    sc = load_scenario(path)
    assert sc.title in out
    for unit in sc.region.units:
        assert re.search(rf"\b{re.escape(unit.id)}\b", out), unit.id
    for line in sc.region.phone_lines:
        assert re.search(rf"\b{re.escape(line.id)}\b", out), line.id
    for system in sc.region.systems:
        assert f"{system.id}: {system.name}" in out, system.id
    for strategy in sc.strategies:
        assert f"  {strategy.id}" in out, strategy.id
        for change in strategy.set:
            assert f"set {change} = " in out
    for section in ("Period", "Dependencies", "Incidents", "Backup routines", "Recovery actions",
                    "Policies", "Exercise material", "Strategies"):
        assert f"\n{section}" in out


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_output_is_plain_text(path: Path):
    out = explain(load_scenario(path), path)
    assert "\x1b[" not in out
    assert max(len(line) for line in out.splitlines()) < 220


def test_large_region_volumes_are_summed():
    path = next(p for p in SCENARIOS if p.stem == "large-region-benchmark")
    out = explain(load_scenario(path))
    total = re.search(r"Contacts on a weekday: .* = ([\d,]+)", out)
    assert total and int(total.group(1).replace(",", "")) >= 50_000
    row = re.search(r"^\s+total\s+\d+\s+([\d,]+)", out, re.MULTILINE)
    assert row and int(row.group(1).replace(",", "")) >= 200


def test_invalid_file_exits_2_with_the_loaders_problem_lines(write_scenario, minimal_scenario_yaml):
    path = write_scenario(edit(minimal_scenario_yaml, "horizon: 2d", "horizon: 2"))
    code, out = run_explain(path)
    assert code == 2
    assert out.strip().splitlines() == [
        f"{path} line 4: horizon: a duration needs a unit: write 2h, 2min or 2d, not a bare 2"
    ]


def test_missing_file_exits_2(tmp_path: Path):
    code, out = run_explain(tmp_path / "nothing.yaml")
    assert code == 2
    assert "nothing.yaml" in out


# --------------------------------------------------------------------------- a small scenario


@pytest.fixture
def small(minimal_scenario_yaml):
    return load_scenario_text(minimal_scenario_yaml)


def test_small_scenario_tree_and_volumes(small):
    out = explain(small)
    assert "network: Regional network [platform]  << fails" in out
    assert "├─ journal: Journal system - stop" in out
    assert "unit vc-public x2 - stop" in out
    assert "phone line switchboard - stop" in out
    assert "Contacts on a weekday: 20 acute + 80 planned + 100 calls = 200" in out
    assert "set recovery_actions.new-server.lead_time = 1h" in out


def test_small_scenario_timeline_by_hand(small):
    # Failure 07:00, no detection delay or diagnosis: the failover starts at 07:00 and is in
    # effect at 09:00, before the 4h repair would finish at 11:00.
    times = {e.key: e.hours for e in expected_timeline(small)}
    assert times["incident:outage:failure"] == 7
    assert times["incident:outage:detected"] == 7
    assert times["action:new-server:in_effect"] == 9
    assert times["system:network:restored"] == 9
    out = explain(small)
    assert "Mon 22 Jan 09:00   network back  [failover new-server, before the repair]" in out


def test_small_scenario_escalation_estimate(minimal_scenario_yaml):
    text = minimal_scenario_yaml.replace(
        "strategies:",
        "policies:\n  escalation:\n    triggers:\n      - {level: stabslage, units_hit: 2, decision_delay: 30min}\n"
        "    stand_down_after: 1h\nstrategies:",
    )
    sc = load_scenario_text(text)
    assert units_hit(sc, ["network"]) == 2
    times = {e.key: e.hours for e in expected_timeline(sc)}
    assert times["readiness:stabslage:start"] == 7.5
    # The paper routine (60%) is not enough to stand down; the failover at 09:00 is.
    assert times["readiness:stabslage:end"] == 10


def test_no_escalation_is_said(minimal_scenario_yaml):
    text = minimal_scenario_yaml.replace(
        "strategies:",
        "policies:\n  escalation:\n    triggers:\n      - {level: stabslage, outage_longer_than: 1d}\nstrategies:",
    )
    out = explain(load_scenario_text(text))
    assert "No readiness change expected" in out


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("hours", "text"),
    [(0, "0min"), (0.25, "15min"), (1.5, "1h 30min"), (24, "1d"), (49.4, "2d 1h"), (36.5, "1d 12h 30min"),
     (float("inf"), "never")],
)
def test_fmt_hours(hours, text):
    assert fmt_hours(hours) == text


def test_curve_quantile_is_linear_between_stages():
    stages = [RestorationStage(after="1d", fraction=0.0), RestorationStage(after="3d", fraction=0.8)]
    assert curve_quantile(stages, 0.4) == 48
    assert curve_quantile(stages, 0.9) == float("inf")


def test_the_expected_timeline_is_a_run_of_the_engine():
    """Every moment explain expects is one the engine reaches, at the time of the engine's typical
    run: there is no second copy of the rules to drift."""
    from pathlib import Path

    from sim.engine.typical import typical_timeline
    from sim.scenario.loader import load_scenario
    from sim.vocabulary import is_milestone

    for file in sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml")):
        sc = load_scenario(file)
        reached = typical_timeline(sc).milestones
        for e in expected_timeline(sc):
            assert is_milestone(e.key), e.key
            assert reached[e.key] == e.hours, (file.name, e.key)
