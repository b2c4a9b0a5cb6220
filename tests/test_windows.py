"""KPIs by time window and by unit kind, on both engines: adjacent windows add up to the whole
horizon, the kinds add up to the totals, and the command line's --window."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from engine_factory import small_scenario
from typer.testing import CliRunner

from sim.cli import app
from sim.engine import simulator
from sim.engine.windows import (
    WINDOWED_KPIS,
    Window,
    WindowError,
    by_kind,
    kpis_in_window,
    parse_window,
)
from sim.experiments import experiment_summary, run_experiment

ENGINES = ("fast", "reference")


def _whole(rep) -> Window:
    return Window(0.0, len(rep.series["readiness"]) * rep.step_h)


@pytest.mark.parametrize("engine", ENGINES)
def test_kinds_add_up_to_the_totals(engine: str) -> None:
    rep = simulator(engine)(small_scenario(), 3)
    cuts = by_kind(rep.series, rep.step_h, _whole(rep))
    assert set(cuts) == set(WINDOWED_KPIS)
    assert set(cuts["cancelled_planned"]) == {"hospital", "primary_care"}
    assert set(cuts["calls_unanswered"]) == {"phone"}
    assert rep.kpis["cancelled_planned"] > 0 and rep.kpis["blocked_bed_days"] > 0
    for kpi, values in cuts.items():
        assert sum(values.values()) == pytest.approx(rep.kpis[kpi], rel=1e-9, abs=1e-9), kpi


@pytest.mark.parametrize("engine", ENGINES)
def test_two_adjacent_windows_add_up_to_the_whole_horizon(engine: str) -> None:
    rep = simulator(engine)(small_scenario(), 4)
    whole = _whole(rep)
    for split in (24.0, 33.3, 31.0 + 1 / 60):  # a day's end, inside a step, an odd minute
        first = kpis_in_window(rep.kpis, by_kind(rep.series, rep.step_h, Window(0.0, split)))
        second = kpis_in_window(rep.kpis, by_kind(rep.series, rep.step_h, Window(split, whole.end_h)))
        for kpi in WINDOWED_KPIS:
            assert first[kpi] + second[kpi] == pytest.approx(rep.kpis[kpi], rel=1e-9, abs=1e-9), (kpi, split)
    # The outage is on the second day: the first day counts no cancellation.
    day_one = by_kind(rep.series, rep.step_h, Window(0.0, 24.0))
    assert sum(day_one["cancelled_planned"].values()) == 0


def test_a_window_is_read_as_people_write_it() -> None:
    sc = small_scenario()  # starts 2024-03-05 00:00, five days
    assert parse_window("2024-03-06 00:00..2024-03-07 00:00", sc.start, sc.horizon) == Window(24.0, 48.0)
    assert parse_window("+1d..+2d 12h", sc.start, sc.horizon) == Window(24.0, 60.0)
    assert parse_window("07:00..+3d", sc.start, sc.horizon) == Window(7.0, 72.0)
    assert parse_window("2024-03-04 00:00..2024-03-20 00:00", sc.start, sc.horizon) == Window(0.0, 120.0)
    for bad, why in [
        ("2024-03-06 00:00", "expected START..END"),
        ("2024-03-07 00:00..2024-03-06 00:00", "ends before it starts"),
        ("2024-04-01 00:00..2024-04-02 00:00", "outside the simulated period"),
        ("tomorrow..later", "is not a time"),
    ]:
        with pytest.raises(WindowError, match=why):
            parse_window(bad, sc.start, sc.horizon)


def test_the_summary_has_kinds_that_add_up_and_a_window() -> None:
    sc = small_scenario()
    whole = experiment_summary(run_experiment(sc, ["baseline"], 8, 1, executor="serial", bands=False))
    strategy = whole["strategies"]["baseline"]
    assert "window" not in whole
    for kpi in WINDOWED_KPIS:
        total = strategy["kpis"][kpi]["mean"]
        parts = [strategy["by_kind"][kind][kpi]["mean"] for kind in strategy["by_kind"] if kpi in strategy["by_kind"][kind]]
        assert sum(parts) == pytest.approx(total, rel=1e-6, abs=1e-6), kpi
    assert set(strategy["by_kind"]["hospital"]["cancelled_planned"]) == {"mean", "ci95", "p10", "p50", "p90"}
    window = Window(24.0, 48.0)
    day = experiment_summary(run_experiment(sc, ["baseline"], 8, 1, executor="serial", bands=False, window=window))
    assert day["window"] == {"start": "2024-03-06 00:00", "end": "2024-03-07 00:00"}
    cut = day["strategies"]["baseline"]
    assert 0 < cut["kpis"]["cancelled_planned"]["mean"] <= strategy["kpis"]["cancelled_planned"]["mean"]
    assert cut["kpis"]["normal_at_h"] == strategy["kpis"]["normal_at_h"]  # moments are not cut


def test_command_line_window(tmp_path: Path, minimal_scenario_yaml: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(minimal_scenario_yaml, encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "day.json"
    result = runner.invoke(app, ["run", str(path), "-n", "3", "--executor", "serial", "--window",
                                 "2024-01-22 00:00..2024-01-23 00:00", "--json", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads(out.read_text())
    assert summary["window"] == {"start": "2024-01-22 00:00", "end": "2024-01-23 00:00"}
    assert "2024-01-22 00:00" in result.output
    bad = runner.invoke(app, ["run", str(path), "--window", "2024-01-23 00:00..2024-01-22 00:00"])
    assert bad.exit_code == 2
    assert "--window" in bad.output and "ends before it starts" in bad.output
    for command in (["compare", str(path), "--strategies", "baseline,fast"],
                    ["sweep", str(path), "--set", "incidents.outage.repair=2h,4h", "--out", str(tmp_path / "sw")]):
        ok = runner.invoke(app, [*command, "-n", "2", "--executor", "serial", "--window", "+0h..+1d"])
        assert ok.exit_code == 0, ok.output
        bad = runner.invoke(app, [*command, "--window", "soon"])
        assert bad.exit_code == 2 and "--window" in bad.output


def test_day_marks_cut_a_run_by_date_after_it_ran() -> None:
    from sim.engine.windows import mark_times

    sc = small_scenario()
    exp = run_experiment(sc, ["baseline"], 4, 2, executor="serial", bands=False)
    runs = exp.runs["baseline"]
    marks = mark_times(sc.start, sc.horizon)
    assert list(marks) == [0.0, 24.0, 48.0, 72.0, 96.0, 120.0]
    for kind in runs.kinds("cancelled_planned"):
        cum = runs.marked("cancelled_planned", kind)
        assert cum is not None
        np.testing.assert_allclose(cum[:, -1], runs.by_kind("cancelled_planned", kind))


def test_a_finished_run_cut_by_date_and_kind_adds_up() -> None:
    from datetime import date

    from sim.experiments.cuts import Cut, cut_for_dates, cut_summary, is_whole

    sc = small_scenario()  # 2024-03-05 .. 2024-03-10
    exp = run_experiment(sc, ["baseline"], 4, 2, executor="serial", bands=False)
    whole = experiment_summary(exp)
    first = cut_summary(exp, whole, cut_for_dates(exp, date(2024, 3, 5), date(2024, 3, 6), None))
    second = cut_summary(exp, whole, cut_for_dates(exp, date(2024, 3, 7), date(2024, 3, 9), None))
    assert first["cut"] == {"start": "2024-03-05 00:00", "end": "2024-03-07 00:00", "kinds": None}
    assert is_whole(exp, cut_for_dates(exp, date(2024, 3, 1), date(2024, 3, 30), None))
    for strategy in ("baseline",):
        for kpi in WINDOWED_KPIS:
            parts = [first, second]
            total = sum(p["strategies"][strategy]["kpis"][kpi]["mean"] for p in parts)
            # Summaries give means to six decimals, so two parts can differ from the whole in the last.
            assert total == pytest.approx(whole["strategies"][strategy]["kpis"][kpi]["mean"], rel=1e-9, abs=2e-6)
            by_kind = first["strategies"][strategy]["by_kind"]
            assert sum(by_kind[k][kpi]["mean"] for k in by_kind if kpi in by_kind[k]) == pytest.approx(
                first["strategies"][strategy]["kpis"][kpi]["mean"], rel=1e-9, abs=1e-9)
    hospitals = cut_summary(exp, whole, Cut(0, 5, ("hospital",)))
    assert set(hospitals["strategies"]["baseline"]["by_kind"]) == {"hospital"}
    assert hospitals["strategies"]["baseline"]["kpis"]["cancelled_planned"]["mean"] == pytest.approx(
        whole["strategies"]["baseline"]["by_kind"]["hospital"]["cancelled_planned"]["mean"])
    # Moments are not cut.
    assert hospitals["strategies"]["baseline"]["kpis"]["normal_at_h"] == whole["strategies"]["baseline"]["kpis"]["normal_at_h"]
