"""The assumed numbers in the app (AppTest): the Scenario page lists each with its range and
whether it is evidence-based; the Results page draws the bands with and without assumption
uncertainty on the same seeds, and which assumptions drive the spread."""

from __future__ import annotations

import re

from test_app_pages import figures, has_data, start, titles

PAPER = "backup_routines.paper-journal.capacity"


def assumed_table(at):
    frames = [d.value for d in at.dataframe if "field" in d.value.columns]
    assert len(frames) == 1
    return frames[0]


def test_the_scenario_page_lists_the_default_scenarios_assumed_numbers():
    at = start()
    table = assumed_table(at)
    rows = {r["field"]: r for r in table.to_dict("records")}
    paper = rows[PAPER]
    assert paper["where"] == "line 34"
    assert paper["value or range"] == "0.7"
    assert paper["drawn each replication"] == "no, one value"
    assert paper["evidence-based"] == "no, assumed"
    assert "paper-routine-outpatient" in paper["evidence ranges"]
    assert paper["check"] == "in line with the evidence"
    assert rows["backup_routines.paper-journal.compliance"]["check"] == "in line with the evidence"
    acute = rows["region.units.hospitals.depends_on.journal.capacity"]
    assert acute["where"] == "scenarios/regions/sormland.yaml line 41"
    assert acute["check"] == "outside the evidence range for Hospitals"
    assert any("lie outside the evidence range" in w.value for w in at.warning)


def test_an_evidence_based_scenario_shows_its_ranges():
    at = start()
    at.selectbox[0].set_value("hse-ireland-2021.yaml").run()
    assert not at.exception, at.exception
    rows = {r["field"]: r for r in assumed_table(at).to_dict("records")}
    paper = rows["backup_routines.paper-outpatients.capacity"]
    assert paper["evidence-based"] == "paper-routine-outpatient"
    assert paper["drawn each replication"] == "yes"
    assert "most likely" in paper["value or range"]
    assert paper["check"] == "in line with the evidence"


def _numbers(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"[\d,]+(?:\.\d+)?", text)]


def test_the_results_page_shows_the_bands_with_and_without_assumption_uncertainty():
    at = start()
    at.selectbox[0].set_value("hse-ireland-2021.yaml").run()
    at.switch_page("ui/pages/run.py").run()
    assert not at.exception, at.exception
    assert any("twice the replications" in c.value for c in at.caption)
    at.number_input[0].set_value(40)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("Done" in s.value for s in at.success)
    at.switch_page("ui/pages/results.py").run()
    assert not at.exception, at.exception
    assert "Assumptions and chance" in [s.value for s in at.subheader]
    joined = " ".join(titles(at))
    assert "Cancelled planned visits with and without assumption uncertainty" in joined
    assert "Which assumptions drive the spread: Cancelled planned visits" in joined
    bands = next(f for f in figures(at) if "with and without" in f["layout"]["title"]["text"])
    names = {t.get("name") for t in bands["data"]}
    assert {"with assumption uncertainty (ranges drawn)",
            "chance alone (every assumed number at its central value)"} <= names
    assert has_data(bands)
    # The spread table: the ranges widen the p10-p90 of cancelled visits well beyond chance alone.
    spread = next(d.value for d in at.dataframe if "p10 to p90 by chance alone" in d.value.columns)
    row = spread[spread["KPI"] == "Cancelled planned visits"].iloc[0]
    lo, hi = _numbers(row["p10 to p90 with the ranges"])
    lo0, hi0 = _numbers(row["p10 to p90 by chance alone"])
    assert hi - lo > 3 * (hi0 - lo0)
    shares = next(f for f in figures(at) if "drive the spread" in f["layout"]["title"]["text"])
    bars = shares["data"][0]
    assert "evidence:paper-routine-outpatient" in bars["y"] and "chance and interplay" in bars["y"]
    at.selectbox(key="results_shares_kpi").set_value("lost_capacity_h").run()
    assert not at.exception
    assert "Which assumptions drive the spread: Lost capacity" in " ".join(titles(at))


def test_a_run_without_ranges_has_no_assumption_section():
    at = start()
    at.switch_page("ui/pages/run.py").run()
    assert not any("twice the replications" in c.value for c in at.caption)
    at.number_input[0].set_value(5)
    at.multiselect[0].set_value(["baseline"])
    at.button[0].click().run()
    at.switch_page("ui/pages/results.py").run()
    assert not at.exception, at.exception
    assert "Assumptions and chance" not in [s.value for s in at.subheader]
