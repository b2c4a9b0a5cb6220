"""The reference engine on its own: every contact accounted for, reproducible, the same KPIs and
series as the fast engine, the time budget, and the engine choice through the experiments layer,
the command line and the app."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from engine_factory import small_scenario
from reference_scenarios import SYNTHETIC
from typer.testing import CliRunner

from sim.cli import app
from sim.engine import Budget, BudgetExceeded, replication_seed, simulate
from sim.engine.engines import UnknownEngine, simulator
from sim.engine.reference import simulate_reference
from sim.experiments import experiment_summary, run_experiment


def test_every_contact_is_accounted_for_at_every_step() -> None:
    rep = simulate_reference(small_scenario(), 4)
    s = rep.series
    for kind in ("hospital", "primary_care"):
        booked, held = s[f"planned_booked:{kind}"], s[f"planned_held:{kind}"]
        cancelled, rebooked, backlog = s[f"cancelled_planned:{kind}"], s[f"rebooked:{kind}"], s[f"backlog:{kind}"]
        np.testing.assert_array_equal(booked, held + cancelled)
        np.testing.assert_array_equal(cancelled, rebooked + backlog)
        np.testing.assert_array_equal(cancelled, s[f"cancelled_ahead:{kind}"] + s[f"cancelled_at_door:{kind}"])
    arrived, started = s["acute_arrived:hospital"], s["acute_started:hospital"]
    np.testing.assert_array_equal(arrived, started + s["acute_queue:hospital"] + s["cancelled_acute:hospital"])
    attempts, answered = s["calls_attempts:phone"], s["calls_answered:phone"]
    np.testing.assert_array_equal(attempts, answered + s["calls_unanswered:phone"] + s["calls_waiting:phone"])
    led = rep.ledger
    assert led["planned"]["booked"] == led["planned"]["held"] + led["planned"]["cancelled"]
    assert led["acute"]["arrivals"] == led["acute"]["served"] + led["acute"]["waiting"] + led["acute"]["diverted"]
    assert rep.kpis["cancelled_planned"] > 0 and rep.kpis["rebooked"] > 0


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others() -> None:
    sc = small_scenario()
    a, b = simulate_reference(sc, replication_seed(3, 1)), simulate_reference(sc, replication_seed(3, 1))
    assert a.kpis == pytest.approx(b.kpis, nan_ok=True)
    for name, values in a.series.items():
        np.testing.assert_array_equal(values, b.series[name])
    c = simulate_reference(sc, replication_seed(3, 2))
    assert c.kpis["planned_booked"] != a.kpis["planned_booked"]


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_same_kpis_series_and_milestones_as_the_fast_engine(name: str) -> None:
    sc = SYNTHETIC[name]()
    fast, ref = simulate(sc, 5), simulate_reference(sc, 5)
    assert list(ref.kpis) == list(fast.kpis)
    assert set(ref.series) == set(fast.series)
    for key, values in ref.series.items():
        assert values.shape == fast.series[key].shape, key
    assert set(ref.milestones) - {"normal"} == set(fast.milestones) - {"normal"}
    # The same incident machinery and streams: the same timeline.
    for key in ("detected_at_h", "full_operation_at_h", "staff_mode_h"):
        assert ref.kpis[key] == pytest.approx(fast.kpis[key], nan_ok=True), key
    assert ref.events == fast.events


def test_no_incident_cancels_nothing() -> None:
    rep = simulate_reference(small_scenario(incidents=[]), 5)
    k = rep.kpis
    assert k["cancelled_planned"] == k["cancelled_acute"] == k["postponed_admissions"] == 0
    assert k["lost_capacity_h"] == 0
    assert k["planned_booked"] > 0 and k["acute_arrivals"] > 0


def test_a_replication_that_would_take_too_long_is_refused_up_front() -> None:
    with pytest.raises(BudgetExceeded, match="reference engine would take about"):
        simulate_reference(small_scenario(), 1, budget=Budget(max_seconds=0.01))


def test_engines_by_name() -> None:
    assert simulator("fast") is simulate
    assert simulator("reference") is simulate_reference
    with pytest.raises(UnknownEngine, match="engines: fast, reference"):
        simulator("quick")


def test_experiments_run_the_reference_engine_on_every_executor_alike() -> None:
    sc = SYNTHETIC["planned-only"]()
    serial = run_experiment(sc, ["baseline"], 6, 3, executor="serial", bands=False, engine="reference")
    local = run_experiment(sc, ["baseline"], 6, 3, executor="local", workers=2, bands=True, engine="reference")
    for kpi in ("cancelled_planned", "rebooked", "planned_booked"):
        np.testing.assert_array_equal(serial.runs["baseline"].kpi(kpi), local.runs["baseline"].kpi(kpi))
    fast = run_experiment(sc, ["baseline"], 6, 3, executor="serial", bands=False)
    assert not np.array_equal(fast.runs["baseline"].kpi("planned_booked"), serial.runs["baseline"].kpi("planned_booked"))
    assert experiment_summary(serial)["engine"] == "reference"
    assert experiment_summary(fast)["engine"] == "fast"


def test_command_line_engine_option(tmp_path: Path, minimal_scenario_yaml: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(minimal_scenario_yaml, encoding="utf-8")
    out = tmp_path / "out.json"
    runner = CliRunner()
    result = runner.invoke(app, ["run", str(path), "--engine", "reference", "-n", "2", "--executor", "serial",
                                 "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["engine"] == "reference"
    bad = runner.invoke(app, ["run", str(path), "--engine", "quick"])
    assert bad.exit_code == 2
    assert "--engine must be one of fast, reference" in bad.output
    for command in (["compare", str(path), "--strategies", "baseline,fast"], ["sweep", str(path), "--set",
                                                                              "incidents.outage.repair=2h,4h"]):
        bad = runner.invoke(app, [*command, "--engine", "quick"])
        assert bad.exit_code == 2 and "--engine must be one of" in bad.output


def test_run_page_offers_the_engine_and_runs_the_reference() -> None:
    from streamlit.testing.v1 import AppTest

    from ui import state

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=600).run()
    at.selectbox[0].set_value("crowdstrike-2024.yaml").run()  # a small region: a quick reference run
    at.switch_page("ui/pages/run.py").run()
    engine = at.selectbox(key="run_engine")
    assert engine.value == "fast" and list(engine.options) == [
        "fast: flows on the time grid: milliseconds per replication",
        "reference: every visit, patient and caller one by one, exact to the minute: about a "
        "hundred times slower, for checking the fast engine",
    ]
    engine.set_value("reference")
    at.number_input[0].set_value(2)
    at.multiselect[0].set_value(["baseline"])
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("(reference engine)" in s.value for s in at.success)
    # The run is kept under a key that holds the engine.
    key = state.run_key(state.ScenarioChoice("x", "x", "edit", None), state.RunSettings(1, 0, ("baseline",), "serial"))
    assert key != state.run_key(
        state.ScenarioChoice("x", "x", "edit", None), state.RunSettings(1, 0, ("baseline",), "serial", engine="reference")
    )
