"""The app's pages through Streamlit's AppTest: widgets, a run of the default scenario, charts with
data in them (read from the plotly spec), a bad upload naming its line, and the comparison."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
DEFAULT = ROOT / "scenarios" / "sormland-network-2022.yaml"
TIMEOUT = 90


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    return at


def figures(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def has_data(fig: dict) -> bool:
    """Some trace holds at least one number (plotly may store arrays as typed-array dicts)."""
    for trace in fig["data"]:
        for axis in ("x", "y"):
            values = trace.get(axis)
            if isinstance(values, dict) and values.get("bdata"):
                return True
            if isinstance(values, list) and any(v is not None for v in values):
                return True
    return False


def titles(at: AppTest) -> list[str]:
    return [f["layout"].get("title", {}).get("text", "") for f in figures(at)]


def session_value(at: AppTest, key: str, default=None):
    try:
        return at.session_state[key]
    except KeyError:
        return default


def editor_key(at: AppTest) -> str:
    return f"scenario_editor_{session_value(at, 'scenario_editor_version', 0)}"


def editor_text(at: AppTest) -> str:
    """The text in the scenario page's code editor: what was typed (a component's value is in the
    session), else the text the editor was given."""
    key = editor_key(at)
    typed = session_value(at, key)
    if typed is not None:
        return typed
    editors = [json.loads(e.proto.json_args) for e in at.get("component_instance")
               if "defaultValue" in json.loads(e.proto.json_args or "{}")]
    assert len(editors) == 1, "one code editor on the page"
    return editors[0]["defaultValue"]


def type_in_editor(at: AppTest, text: str) -> None:
    at.session_state[editor_key(at)] = text


def run_default(at: AppTest, replications: int = 10) -> AppTest:
    at.switch_page("ui/pages/run.py").run()
    assert not at.exception, at.exception
    at.number_input[0].set_value(replications)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_scenario_page_shows_the_default_scenario_and_its_summary():
    at = start()
    assert at.title[0].value == "Scenario"
    assert at.radio[0].value == "shipped"
    assert at.selectbox[0].value == "sormland-network-2022.yaml"
    assert editor_text(at) == DEFAULT.read_text(encoding="utf-8")
    assert any("is valid" in s.value for s in at.success)
    figs = figures(at)
    assert len(figs) == 2 and all(has_data(f) for f in figs)
    graph = figs[0]
    labels = [a.get("text", "") for a in graph["layout"].get("annotations", [])]
    assert any("Regional network" in t for t in labels)
    assert any("hospitals" in t.lower() for t in labels)
    assert len(at.dataframe) >= 2  # units, timeline (and phone lines, strategies)


def test_picking_another_shipped_scenario_replaces_the_text():
    at = start()
    at.selectbox[0].set_value("vgr-login-2022.yaml").run()
    assert not at.exception
    assert "vgr" in editor_text(at).lower()
    assert editor_text(at) == (ROOT / "scenarios" / "vgr-login-2022.yaml").read_text(encoding="utf-8")


def test_a_broken_upload_shows_its_line_and_the_app_keeps_working():
    text = DEFAULT.read_text(encoding="utf-8")
    broken = text.replace("horizon: 9d", "horizon: nine days", 1)
    line = next(i for i, ln in enumerate(broken.splitlines(), 1) if ln.startswith("horizon:"))
    at = start()
    at.radio[0].set_value("upload").run()
    at.file_uploader[0].set_value(("broken.yaml", broken.encode(), "application/x-yaml")).run()
    assert not at.exception, at.exception
    assert any("problem" in e.value for e in at.error)
    shown = " ".join(m.value for m in at.markdown)
    assert f"line {line}" in shown and "horizon" in shown
    assert "nine days" in " ".join(c.value for c in at.code)
    # The rest of the app keeps working and says what to do.
    at.switch_page("ui/pages/run.py").run()
    assert not at.exception
    assert any("problems" in w.value for w in at.warning)
    at.switch_page("ui/pages/results.py").run()
    assert not at.exception


def test_an_upload_over_the_limit_is_refused():
    at = start()
    at.radio[0].set_value("upload").run()
    big = b"# padding\n" * 110_000
    at.file_uploader[0].set_value(("big.yaml", big, "application/x-yaml")).run()
    assert not at.exception
    assert any("bytes" in e.value and "1,000,000" in e.value for e in at.error)
    assert editor_text(at) == DEFAULT.read_text(encoding="utf-8")  # the scenario stays


def test_a_valid_upload_with_a_shipped_region_file_is_used():
    text = (ROOT / "scenarios" / "vgr-login-2022.yaml").read_text(encoding="utf-8")
    at = start()
    at.radio[0].set_value("upload").run()
    at.file_uploader[0].set_value(("mine.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception
    assert any("mine.yaml is valid" in s.value for s in at.success)


def test_editing_in_the_page_checks_the_text():
    at = start()
    text = editor_text(at)
    type_in_editor(at, text.replace("capacity: 0.7", "capacity: 7", 1))
    at.button(key="scenario_check").click().run()
    assert not at.exception
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "capacity: 0.7" in ln)
    assert f"line {line}" in " ".join(m.value for m in at.markdown)
    # Put it right again: the edited text is used.
    type_in_editor(at, text.replace("capacity: 0.7", "capacity: 0.65", 1))
    at.button(key="scenario_check").click().run()
    assert any("is valid" in s.value for s in at.success)
    assert any(re.search(r"\\?\(edited\\?\)", c.value) for c in at.caption)  # escaped: shown as text
    assert "capacity: 0.65" in editor_text(at)


def test_the_editor_marks_each_problem_on_its_line():
    from ui import editor_marks, state

    text = DEFAULT.read_text(encoding="utf-8").replace("horizon: 9d", "horizon: nine days", 1)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("horizon:"))
    choice = state.validate(text, "broken.yaml", "edit")
    marks = editor_marks.annotations(choice)
    assert any(m["row"] == line - 1 and m["type"] == "error" and "horizon" in m["text"] for m in marks), marks
    assert {m["startRow"] for m in editor_marks.markers(choice)} >= {line - 1}
    assert editor_marks.annotations(state.validate(DEFAULT.read_text(encoding="utf-8"), "ok.yaml", "edit")) == []


def test_a_scenario_with_its_own_region_file_uploaded_beside_it():
    scenario = (ROOT / "scenarios" / "vgr-login-2022.yaml").read_text(encoding="utf-8")
    region_ref = next(ln for ln in scenario.splitlines() if ln.startswith("region:")).split(":", 1)[1].strip()
    region = (ROOT / "scenarios" / region_ref).read_text(encoding="utf-8").replace("name:", "name:", 1)
    mine = scenario.replace(f"region: {region_ref}", "region: my-regions/mine.yaml")
    at = start()
    at.radio[0].set_value("upload").run()
    at.file_uploader[0].set_value([("scen.yaml", mine.encode(), "application/x-yaml"),
                                   ("mine.yaml", region.encode(), "application/x-yaml")]).run()
    assert not at.exception, at.exception
    assert any("scen.yaml is valid" in s.value for s in at.success), [e.value for e in at.error]
    assert any("my-regions/mine.yaml" in c.value for c in at.caption)
    # The region file stays with the scenario when it is edited.
    type_in_editor(at, editor_text(at).replace("title: \"", "title: \"Mine: ", 1))
    at.button(key="scenario_check").click().run()
    assert any("is valid" in s.value for s in at.success), [e.value for e in at.error]


def test_a_zip_of_a_scenario_and_its_region_is_used_and_a_bad_zip_is_refused():
    import io
    import zipfile

    scenario = (ROOT / "scenarios" / "vgr-login-2022.yaml").read_text(encoding="utf-8")
    region_ref = next(ln for ln in scenario.splitlines() if ln.startswith("region:")).split(":", 1)[1].strip()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("drill/scenario.yaml", scenario.replace(f"region: {region_ref}", "region: r/mine.yaml"))
        z.writestr("drill/r/mine.yaml", (ROOT / "scenarios" / region_ref).read_bytes())
    at = start()
    at.radio[0].set_value("upload").run()
    at.file_uploader[0].set_value(("both.zip", buf.getvalue(), "application/zip")).run()
    assert not at.exception, at.exception
    assert any("both.zip/drill/scenario.yaml is valid" in s.value for s in at.success), [e.value for e in at.error]
    at.file_uploader[0].set_value(("bad.zip", b"PK not a zip", "application/zip")).run()
    assert any("bad.zip is not a zip file" in e.value for e in at.error)


def test_run_page_widgets_and_a_run_of_the_default_scenario():
    at = start()
    at.switch_page("ui/pages/run.py").run()
    assert at.title[0].value == "Run"
    assert at.number_input[0].value == 50  # replications
    assert at.number_input[1].value == 0  # seed
    assert at.multiselect[0].value == ["baseline", "fast-failover", "no-backup-routines", "early-staff-mode", "late-staff-mode"]
    assert at.selectbox[0].value == "serial"
    at.number_input[0].set_value(10)
    at.multiselect[0].set_value(["baseline", "fast-failover"])
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("Done: 20 replications" in s.value for s in at.success)
    figs = figures(at)
    assert len(figs) == 1 and has_data(figs[0])
    names = {t.get("name") for t in figs[0]["data"]}
    assert {"Baseline", "Fast failover"} <= names
    # The same settings again come from the session's cache.
    at.button[0].click().run()
    assert any("earlier run" in i.value for i in at.info)


def test_results_page_draws_every_chart_with_data():
    at = run_default(start())
    at.switch_page("ui/pages/results.py").run()
    assert not at.exception, at.exception
    figs = figures(at)
    assert len(figs) == 5
    assert all(has_data(f) for f in figs)
    joined = " ".join(titles(at))
    for words in ("Cancelled planned visits", "Recovery curve", "How long recovery takes",
                  "Backlog", "Timeline"):
        assert words in joined
    recovery = next(f for f in figs if "Recovery curve" in f["layout"]["title"]["text"])
    assert recovery["layout"].get("shapes"), "outage, backup routines and staff mode are shaded"
    assert len(at.dataframe) == 2  # the key figures and the risks
    table = at.dataframe[0].value.to_dict("records")
    normal = next(r for r in table if r["strategy"] == "Baseline" and r["KPI"] == "Time to normal")
    assert re.fullmatch(r"Chance that normal takes more than [\d.]+ (days|h): \d+%", normal["risk"]), normal
    risks = at.dataframe[1].value.to_dict("records")
    assert {r["strategy"] for r in risks} >= {"Baseline", "Fast failover"}
    # A threshold set on the page moves every statement of its KPI.
    at.number_input(key="risk_threshold_time_to_normal_h").set_value(1.0).run()
    assert not at.exception, at.exception
    risks = at.dataframe[1].value.to_dict("records")
    assert any("more than 24.0 h" in r["risk"] for r in risks), risks
    # One unit kind: the band (p10-p90) is drawn.
    at.get("button_group")[0].set_value("hospital").run()
    cancelled = figures(at)[0]
    assert any("p10" in (t.get("name") or "") for t in cancelled["data"])
    at.selectbox(key="results_strategy").set_value("fast-failover").run()
    assert "Fast failover" in " ".join(titles(at))


def test_compare_page_side_by_side_and_paired_difference():
    at = run_default(start())
    at.switch_page("ui/pages/compare.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="compare_baseline").value == "baseline"
    figs = figures(at)
    assert len(figs) == 1 + 4  # side by side, and a paired difference per default KPI
    assert all(has_data(f) for f in figs)
    assert "difference from Baseline" in " ".join(titles(at))
    at.selectbox(key="compare_baseline").set_value("fast-failover").run()
    assert not at.exception
    assert "difference from Fast failover" in " ".join(titles(at))
    at.multiselect(key="compare_kpis").set_value(["cancelled_planned"]).run()
    assert len(figures(at)) == 2


def test_compare_page_with_one_strategy_says_what_to_do():
    at = start()
    at.switch_page("ui/pages/run.py").run()
    at.number_input[0].set_value(5)
    at.multiselect[0].set_value(["baseline"])
    at.button[0].click().run()
    at.switch_page("ui/pages/compare.py").run()
    assert not at.exception
    assert any("one strategy" in i.value for i in at.info)


def test_downloads_page_offers_csv_xlsx_json_and_html():
    at = run_default(start())
    at.switch_page("ui/pages/downloads.py").run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:4] == ["KPI table (CSV)", "KPI table (Excel)", "JSON summary", "HTML report (works offline)"]


@pytest.mark.parametrize("page", ["results", "compare", "downloads"])
def test_pages_without_a_run_point_to_the_run_page(page):
    at = start()
    at.switch_page(f"ui/pages/{page}.py").run()
    assert not at.exception
    assert any("run" in i.value.lower() for i in at.info)


def test_sessions_do_not_share_the_scenario_or_results():
    one, two = start(), start()
    one.selectbox[0].set_value("vgr-login-2022.yaml").run()
    run_default(one, replications=3)
    two.run()
    assert two.selectbox[0].value == "sormland-network-2022.yaml"
    two.switch_page("ui/pages/results.py").run()
    assert any("No results yet" in i.value for i in two.info)


def test_the_pages_in_swedish_read_numbers_at_a_glance():
    """A Swedish session: Swedish titles and labels, moments as clock times, long durations in
    days, counts as whole numbers, "reached" as a percentage, and the comparison's marks."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["ui_language"] = "sv"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Scenario"
    assert any("är giltig" in s.value for s in at.success)
    run_default(at, 12)
    assert any(s.value.startswith("Klart:") for s in at.success)
    at.switch_page("ui/pages/results.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Resultat"
    table = at.dataframe[0].value
    rows = {(r["strategi"], r["Nyckeltal"]): r for r in table.to_dict("records")}
    detected = rows[("Utgångsläge", "Upptäckt vid")]
    assert re.fullmatch(r"\d{1,2} dec \d\d:\d\d", detected["medel"]), detected
    cancelled = rows[("Utgångsläge", "Inställda planerade besök")]["medel"]
    assert re.fullmatch(r"\d{1,3}(\u00a0\d{3})*", cancelled), cancelled
    normal = rows[("Utgångsläge", "Tid till normalläge")]["medel"]
    assert "dygn" in normal or " h" in normal
    assert rows[("Utgångsläge", "Tid till full drift")]["uppnått"] == "100\u00a0%"
    at.switch_page("ui/pages/compare.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Jämför strategier"
    assert any("Parvis skillnad mot Utgångsläge" in h.value for h in at.subheader)
