"""The downloads: the KPI table as CSV, and the self-contained HTML report whose charts need no
network (nothing in it loads from another address)."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sim.experiments import experiment_summary, run_experiment
from sim.reports import kpi_csv, kpi_rows
from sim.reports.html import html_report
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def run():
    sc = load_scenario(ROOT / "scenarios" / "sormland-network-2022.yaml")
    exp = run_experiment(sc, ["baseline", "fast-failover"], 6, 3, executor="serial")
    return exp, experiment_summary(exp, "scenarios/sormland-network-2022.yaml")


class Loads(HTMLParser):
    """Every src and href attribute of the document's tags (script bodies are not tags)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts += 1
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def test_html_report_is_self_contained(run):
    exp, summary = run
    text = html_report(exp, summary, strategy="baseline", baseline="baseline")
    loads = Loads()
    loads.feed(text)
    remote = [u for u in loads.urls if re.match(r"\s*(https?:)?//", u)]
    assert remote == []
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=\s*[\"']?(https?:)?//", text, re.I)
    # plotly.js is inlined once, and every chart is drawn with it.
    assert text.count("plotly.js v") >= 1
    assert text.count("Plotly.newPlot") >= 8
    assert len(text) > 3_000_000
    assert "Region Sörmland" in text and "Fast failover" in text
    assert "Paired differences from Baseline" in text


def test_html_report_of_one_strategy_has_no_comparison(run):
    exp, summary = run
    only = experiment_summary(exp, None)
    only["strategies"] = {"baseline": only["strategies"]["baseline"]}
    exp1 = type(exp)(exp.scenario, exp.seed, exp.replications, {"baseline": exp.runs["baseline"]}, exp.wall_s)
    text = html_report(exp1, only)
    assert "Paired differences" not in text
    assert "Strategies compared" not in text


def test_kpi_csv_has_a_row_per_strategy_and_kpi(run):
    exp, summary = run
    rows = list(csv.DictReader(io.StringIO(kpi_csv(summary))))
    assert len(rows) == len(kpi_rows(summary)) > 20
    first = rows[0]
    assert first["strategy"] == "baseline" and first["kpi"] == "cancelled_planned"
    assert float(first["ci95_low"]) <= float(first["mean"]) <= float(first["ci95_high"])
    moment = next(r for r in rows if r["kpi"] == "time_to_full_operation_h")
    assert 0 < float(moment["reached"]) <= 1
    json.dumps(summary)  # the JSON download is plain JSON


def test_png_export_when_kaleido_and_a_browser_are_here(run):
    from ui import export

    if not export.png_available():
        pytest.skip("PNG export needs the kaleido package and Chromium (BROWSER_PATH or chromium on PATH)")
    import zipfile

    from sim import charts

    exp, _ = run
    data = export.png_zip({"timeline": charts.timeline_gantt(exp)}, width=600)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.read("timeline.png")[:8] == b"\x89PNG\r\n\x1a\n"
