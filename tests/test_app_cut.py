"""The cut by date and unit kind on the Results and Compare pages (Streamlit's AppTest): the KPI
table, the comparison and the downloads follow it, and the chosen cut is kept for the run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 120


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    at.switch_page("ui/pages/run.py").run()
    at.number_input[0].set_value(4)
    at.multiselect[0].set_value(["baseline", "fast-failover"])
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def _mean(at: AppTest, label: str, strategy: str = "Baseline", column: str = "mean") -> str:
    rows = at.dataframe[0].value.to_dict("records")
    return next(r[column] for r in rows if r[list(r)[1]] == label and r[list(r)[0]] == strategy)


def _count(text: str) -> int:
    return int("".join(ch for ch in text if ch.isdigit()))


def test_results_and_compare_pages_cut_by_days_and_unit_kinds() -> None:
    at = _run(AppTest.from_file(APP, default_timeout=TIMEOUT))
    at.switch_page("ui/pages/results.py").run()
    assert not at.exception, at.exception
    days = at.date_input(key="results_cut_days")
    assert days.value == (date(2022, 12, 6), date(2022, 12, 14))
    whole = _count(_mean(at, "Cancelled planned visits"))
    detected = _mean(at, "Detected at")
    assert any("whole run" in c.value for c in at.caption)
    assert [b.proto.label for b in at.get("download_button")][:2] == ["KPI table (CSV)", "JSON summary"]

    # The outage is on the first day: the days after it cancel fewer visits.
    days.set_value((date(2022, 12, 7), date(2022, 12, 14))).run()
    assert not at.exception, at.exception
    later = _count(_mean(at, "Cancelled planned visits"))
    assert later < whole
    assert _mean(at, "Detected at") == detected  # moments are not cut
    assert any("from 7 Dec 00:00 to 15 Dec 00:00" in c.value or "7 Dec" in c.value for c in at.caption)

    at.date_input(key="results_cut_days").set_value((date(2022, 12, 6), date(2022, 12, 6))).run()
    first_day = _count(_mean(at, "Cancelled planned visits"))
    assert first_day + later == whole

    at.multiselect(key="results_cut_kinds").set_value(["hospital"]).run()
    assert not at.exception, at.exception
    hospitals = _count(_mean(at, "Cancelled planned visits"))
    assert 0 < hospitals < first_day
    assert any("Hospital" in c.value for c in at.caption)

    # The Compare page starts from the same cut, and its table follows it.
    at.switch_page("ui/pages/compare.py").run()
    assert not at.exception, at.exception
    assert at.date_input(key="compare_cut_days").value == (date(2022, 12, 6), date(2022, 12, 6))
    assert at.multiselect(key="compare_cut_kinds").value == ["hospital"]
    side = at.dataframe[0].value.to_dict("records")
    cancelled = next(r for r in side if r["KPI"] == "Cancelled planned visits")
    assert _count(cancelled["Baseline"].split("·")[0]) == hospitals
    at.multiselect(key="compare_cut_kinds").set_value([]).run()
    assert any("counting all of them" in i.value for i in at.info)

    # The Downloads page follows the cut too.
    at.switch_page("ui/pages/downloads.py").run()
    assert not at.exception, at.exception
    assert any("Counts and bed-days from" in c.value for c in at.caption)


def test_the_cut_in_swedish() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["ui_language"] = "sv"
    _run(at)
    at.switch_page("ui/pages/results.py").run()
    assert not at.exception, at.exception
    assert at.date_input(key="results_cut_days").label == "Dagar som räknas"
    assert at.multiselect(key="results_cut_kinds").label == "Typer av enheter som räknas"
    at.date_input(key="results_cut_days").set_value((date(2022, 12, 7), date(2022, 12, 8))).run()
    assert any("Antal och vårddygn från" in c.value for c in at.caption)
