"""Sweeps and sensitivity: plausible low and high values from the file, the evidence or 25% either
side; one-at-a-time runs on common random numbers; the tornado chart; the page in the app."""

from __future__ import annotations

import json
import math

import pytest
from shipped import ROOT
from streamlit.testing.v1 import AppTest

from sim.experiments.sensitivity import (
    SensitivityError,
    Span,
    default_spans,
    run_sensitivity,
    variants,
)
from sim.scenario import load_scenario
from sim.sensitivity_charts import tornado


def test_default_spans_come_from_the_evidence_or_an_assumed_spread(sormland):
    spans = {s.path: s for s in default_spans(sormland)}
    paper = spans["backup_routines.paper-journal.capacity"]
    assert paper.basis == "evidence" and paper.low < paper.high <= 1.0
    assert all(s.low < s.high for s in spans.values())
    ranged = load_scenario(ROOT / "scenarios" / "norrbotten-2021.yaml")
    assert {s.basis for s in default_spans(ranged)} >= {"range"}


def test_a_value_the_field_refuses_is_named(sormland):
    with pytest.raises(SensitivityError, match="compliance"):
        variants(sormland, [Span("backup_routines.paper-journal.compliance", 0.9, 0.5, 3.0, "assumed")], "baseline")
    with pytest.raises(SensitivityError, match="low value"):
        variants(sormland, [Span("backup_routines.paper-journal.capacity", 0.7, 0.8, 0.2, "assumed")], "baseline")


def test_more_backup_capacity_never_cancels_more_and_the_tornado_draws_it(sormland):
    spans = [Span("backup_routines.paper-journal.capacity", 0.7, 0.2, 0.9, "assumed"),
             Span("backup_routines.paper-journal.compliance", 0.9, 0.6, 1.0, "assumed")]
    sens = run_sensitivity(sormland, spans, replications=6, seed=1)
    low = sens.mean((spans[0].path, "low"), "lost_capacity_h")
    high = sens.mean((spans[0].path, "high"), "lost_capacity_h")
    assert high <= low  # more capacity in the backup routine loses no more
    bars = sens.bars("lost_capacity_h")
    swings = [abs(b[2] - b[1]) for b in bars]
    assert swings == sorted(swings, reverse=True)
    fig = tornado(sens, "lost_capacity_h").to_plotly_json()
    assert len(fig["data"]) == 2 and len(fig["data"][0]["y"]) == 2
    assert math.isfinite(sens.baseline("lost_capacity_h"))


def start() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, at.exception
    return at


def test_the_page_runs_a_tornado_and_a_sweep():
    at = start()
    at.switch_page("ui/pages/sensitivity.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Sweeps and sensitivity"
    at.number_input(key="sensitivity_replications").set_value(3)
    at.button(key="sensitivity_run").click().run()
    assert not at.exception, at.exception
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert any("sensitivity" in f["layout"]["title"]["text"] for f in figs)
    at.selectbox(key="sweep_path").set_value("backup_routines.paper-journal.capacity")
    at.text_input(key="sweep_values").set_value("0.3, 0.7")
    at.number_input(key="sweep_replications").set_value(3)
    at.button(key="sweep_run").click().run()
    assert not at.exception, at.exception
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert any("against backup_routines.paper-journal.capacity" in f["layout"]["title"]["text"] for f in figs)
    # A value the field refuses is said in words, and nothing breaks.
    at.text_input(key="sweep_values").set_value("0.3, 7")
    at.button(key="sweep_run").click().run()
    assert not at.exception
    assert any("capacity" in e.value for e in at.error)
