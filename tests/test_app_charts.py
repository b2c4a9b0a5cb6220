"""The chart builders in sim.charts: each gives a figure with data, from a real run."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from sim import charts
from sim.experiments import experiment_summary, paired_difference, run_experiment
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for p in (ROOT / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def exp():
    sc = load_scenario(ROOT / "scenarios" / "sormland-network-2022.yaml")
    return run_experiment(sc, ["baseline", "fast-failover", "no-backup-routines"], 8, 1, executor="serial")


def data_points(fig: go.Figure) -> int:
    n = 0
    for trace in fig.data:
        for axis in ("x", "y"):
            values = getattr(trace, axis, None)
            if values is not None:
                n += sum(1 for v in values if v is not None)
    return n


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_scenario_charts_for_every_shipped_scenario(path):
    sc = load_scenario(path)
    graph = charts.dependency_graph(sc)
    node_traces = [t for t in graph.data if t.mode == "markers" and t.marker.opacity != 0]
    nodes = sum(len(t.x) for t in node_traces)
    region = sc.region
    assert nodes == len(region.systems) + len(region.units) + len(region.phone_lines) + len(region.consumables)
    assert len(graph.layout.annotations) == nodes, "every node has its label"
    assert data_points(charts.incident_timeline(sc)) > 0


def _segments(fig: go.Figure):
    for t in fig.data:
        if t.mode != "lines":
            continue
        pts = list(zip(t.x, t.y, strict=True))
        for a, b in zip(pts, pts[1:], strict=False):
            if None not in a and None not in b:
                yield a, b


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_dependency_edges_never_pass_through_a_node(path):
    """Edges run between neighbouring layers through waypoints: no node lies on any segment
    except at its ends, and every care unit's label fits inside the drawing."""
    fig = charts.dependency_graph(load_scenario(path))
    nodes = [(x, y) for t in fig.data if t.mode == "markers" and t.marker.opacity != 0
             for x, y in zip(t.x, t.y, strict=True)]
    for (x0, y0), (x1, y1) in _segments(fig):
        assert abs(x1 - x0) <= 1 + 1e-9, "an edge spans one layer at a time"
        for nx, ny in nodes:
            if min(x0, x1) + 1e-9 < nx < max(x0, x1) - 1e-9:
                raise AssertionError(f"node at {nx, ny} inside the edge {(x0, y0)}-{(x1, y1)}")
    right = fig.layout.xaxis.range[1]
    last = max(x for x, _y in nodes)
    longest = max(len(a.text) for a in fig.layout.annotations if a.x == last)
    assert right - last >= longest * charts.PX_PER_CHAR / ((1100 - 80) / (last + 1.5))


def test_timeline_labels_do_not_collide():
    rows = charts.label_rows([0, 1, 2, 10], [3, 3, 3, 3])
    assert rows[0] != rows[1] and rows[1] != rows[2] and rows[3] == 0
    sc = load_scenario(ROOT / "scenarios" / "vasterbotten-tietoevry-2024.yaml")
    fig = charts.incident_timeline(sc)
    assert len(fig.layout.annotations) >= 10


def test_span_colours_differ_from_every_unit_kind():
    from sim.vocabulary import BACKUP_LINE, OUTAGE_LINE, STAFF_LINE, UNIT_KINDS

    colours = [k.colour.lower() for k in UNIT_KINDS] + [BACKUP_LINE, OUTAGE_LINE, STAFF_LINE]
    assert len(set(colours)) == len(colours)


def test_dependency_graph_rings_the_failed_systems():
    sc = load_scenario(ROOT / "scenarios" / "sormland-network-2022.yaml")
    fig = charts.dependency_graph(sc)
    platform = next(t for t in fig.data if t.name == "Platforms")
    assert "#d62728" in list(platform.marker.line.color)


def test_cancelled_over_time_has_a_line_per_strategy(exp):
    fig = charts.cancelled_over_time(exp)
    lines = [t for t in fig.data if t.name in ("Baseline", "Fast failover", "No backup routines")]
    assert len(lines) == 3
    for t in lines:
        y = np.asarray(t.y, dtype=float)
        assert np.all(np.diff(y) >= -1e-9), "cumulative"
        assert y[-1] > 0
    assert fig.layout.xaxis.range is not None  # zoomed on the outage


def test_one_kind_has_a_band(exp):
    fig = charts.cancelled_over_time(exp, "hospital")
    names = [t.name for t in fig.data]
    assert "Baseline p10-p90" in names
    band = next(t for t in fig.data if t.name == "Baseline p10-p90")
    assert band.fill == "tonexty"


def test_recovery_curve_shades_outage_backup_and_staff_mode(exp):
    fig = charts.recovery_curve(exp, "baseline")
    kinds = {t.name for t in fig.data if t.mode == "lines" and t.showlegend is not False}
    assert {"Hospitals", "Primary care", "Dental care"} <= kinds
    legends = {t.name for t in fig.data if t.mode == "markers"}
    assert {"outage (to full operation)", "backup routines in use", "stabsläge or higher"} <= legends
    assert len(fig.layout.shapes) >= 3
    hospital = next(t for t in fig.data if t.name == "Hospitals")
    y = np.asarray(hospital.y, dtype=float)
    assert y.min() < 80 and math.isclose(y[-1], 100, abs_tol=1e-6)


def test_recovery_time_distribution_and_backlog(exp):
    fig = charts.recovery_time_distribution(exp)
    boxes = [t for t in fig.data if t.type == "box"]
    assert boxes and all(len(b.x) > 0 for b in boxes)
    assert data_points(charts.backlog_burndown(exp)) > 0


def test_timeline_gantt_has_outage_backup_and_readiness_bars(exp):
    fig = charts.timeline_gantt(exp, "baseline")
    groups = {t.name for t in fig.data if t.type == "bar"}
    assert {"Outage", "Backup routine", "Readiness"} <= groups
    assert all(t.x[0] > 0 for t in fig.data if t.type == "bar")


def test_comparison_charts(exp):
    summary = experiment_summary(exp)
    fig = charts.kpi_comparison(summary, ["cancelled_planned", "time_to_full_operation_h"], exp.scenario)
    assert len([t for t in fig.data if t.type == "bar"]) == 6
    diffs = {s: paired_difference(exp, "time_to_full_operation_h", s, "baseline")
             for s in ("fast-failover", "no-backup-routines")}
    fig = charts.paired_difference_chart(diffs, "time_to_full_operation_h", "baseline", exp.scenario)
    dots = [t for t in fig.data if t.mode == "markers+text"]
    assert len(dots) == 2
    fast = next(t for t in dots if t.name == "Fast failover")
    assert fast.x[0] < 0  # a faster failover shortens the outage


def test_a_difference_from_too_few_pairs_is_not_drawn_as_a_number(exp):
    """A moment reached in a few runs only gives a few pairs: the chart says so instead."""
    few = {"mean": 5.0, "ci95": [None, None], "p10": 5.0, "p50": 5.0, "p90": 5.0, "pairs": 1}
    fig = charts.paired_difference_chart({"fast-failover": few}, "time_to_normal_h", "baseline", exp.scenario)
    assert not [t for t in fig.data if t.mode == "markers+text"]
    assert any("too few runs" in (t.text or [""])[0] for t in fig.data if t.mode == "text")


def test_result_figures_are_the_results_page(exp):
    figs = charts.result_figures(exp, "fast-failover")
    assert list(figs) == ["cancelled-visits", "recovery-curve", "recovery-time", "backlog", "timeline"]
    assert all(data_points(f) > 0 for f in figs.values())


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_draws_its_results_and_report(path):
    from sim.reports.html import html_report

    sc = load_scenario(path)
    e = run_experiment(sc, ["baseline"], 2, 0, executor="serial")
    assert all(data_points(f) > 0 for f in charts.result_figures(e).values())
    assert "Plotly.newPlot" in html_report(e, experiment_summary(e))


def test_a_normal_period_without_incidents_still_draws(minimal_scenario_yaml):
    from sim.scenario import load_scenario_text

    text = minimal_scenario_yaml
    quiet = text[: text.index("incidents:")] + text[text.index("backup_routines:") :]
    sc = load_scenario_text(quiet)
    e = run_experiment(sc, ["baseline", "fast"], 2, 0, executor="serial")
    figs = charts.result_figures(e)
    assert set(figs) == {"cancelled-visits", "recovery-curve", "recovery-time", "backlog", "timeline"}
    assert charts.incident_timeline(sc).layout.annotations  # "no incident in this scenario"
