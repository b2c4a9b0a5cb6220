"""The drill pages through Streamlit's AppTest: a short drill from start to report, the
participant view (which never shows facilitator-only text), resuming after a restart, and a
clear message for a damaged drill database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sim.drill.session import Drill
from sim.drill.store import DrillStore
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SORMLAND = ROOT / "scenarios" / "sormland-network-2022.yaml"
TIMEOUT = 120


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "drills.sqlite"
    monkeypatch.setenv("SIM_DRILL_DB", str(path))
    return path


def open_page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.query_params.update(query)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label or (b.label or "").startswith(label)]
    assert found, f"no button {label!r} in {[b.label for b in at.button]}"
    return found[0]


def all_text(at: AppTest) -> str:
    """Every piece of text on the page, tables and chart specs included."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error",
                 "success", "metric", "code", "text"):
        for el in at.get(kind):
            parts.append(str(getattr(el, "value", "")) + " " + str(getattr(el, "label", "")))
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    for el in at.get("plotly_chart"):
        parts.append(json.dumps(json.loads(el.proto.spec), ensure_ascii=False))
    for el in at.selectbox:
        parts.append(" ".join(map(str, el.options)))
    return "\n".join(parts)


def squash(text: str) -> str:
    return " ".join(text.split())


def test_a_short_drill_from_start_to_report(db):
    at = open_page("ui/pages/drill.py")
    assert at.selectbox(key="drill_new_scenario").value == "sormland-network-2022.yaml"
    button(at, "Start the drill").click().run()
    assert not at.exception, at.exception
    drill_id = at.query_params["drill"]
    assert at.metric[0].value == "Tue 06 Dec 06:30"

    button(at, "Next:").click().run()  # the fault is found
    assert any("Journal system and phones are not responding" in m.value for m in at.markdown)
    button(at, "Next:").click().run()  # the staff-mode decision point
    assert any("Waiting for the group" in w.value for w in at.warning)

    at.number_input(key="drill_n_staff-mode").set_value(4)
    button(at, "What-if preview").click().run()
    assert not at.exception, at.exception
    preview = [df.value for df in at.dataframe if "KPI" in df.value.columns]
    assert preview and any("Raise staff mode now: this drill" in c for c in preview[0].columns)

    at.radio(key="drill_opt_staff-mode").set_value("raise-now")
    at.selectbox(key="drill_by_staff-mode").set_value("sjukvårdsledare")
    button(at, "Decide").click().run()
    assert not at.exception, at.exception
    assert at.metric[1].value == "stabsläge"

    button(at, "Take the action now").click().run()  # the first action on offer: raise to stabsläge (no-op)
    assert not at.exception, at.exception

    at.text_area[0].input("1177 asked for a script")
    button(at, "Save the note").click().run()
    assert not at.exception, at.exception

    stored = DrillStore(db).load(drill_id)
    assert [(e.decision, e.option, e.by) for e in stored.drill.entries][0] == ("staff-mode", "raise-now", "sjukvårdsledare")
    assert [n.text for n in stored.drill.notes] == ["1177 asked for a script"]
    assert "fault-found" in [i for i, _t in stored.delivered]

    at.number_input(key="drill_report_n").set_value(4)
    button(at, "Write the after-action report").click().run()
    assert not at.exception, at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "After-action report (HTML)" in labels and "Master scenario events list (CSV)" in labels


def test_the_drill_resumes_after_a_restart(db):
    sc = load_scenario(SORMLAND)
    drill = Drill.new(sc, seed=0)
    drill = drill.advance_to_next()[0].advance_to_next()[0].choose("staff-mode", "wait")
    stored = DrillStore(db).create(drill, "Resumed drill", team="Team B")
    # A new AppTest is a new server process as far as the app knows: only the file is shared.
    at = open_page("ui/pages/drill.py")
    assert any("Resumed drill" in m.value for m in at.markdown)
    button(at, "Resume").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Resumed drill"
    assert at.metric[0].value == drill.clock_text()
    assert at.query_params["drill"] == stored.id


def test_the_participant_view_never_shows_facilitator_only_text(db):
    sc = load_scenario(SORMLAND)
    drill = Drill.new(sc, seed=0)
    while drill.clock_h < 8.5:
        drill = drill.advance(8.5)[0]
    drill = drill.choose("staff-mode", "wait").add_note("Facilitator: push them on the journalist")
    stored = DrillStore(db).create(drill, "Participant test")
    at = open_page("ui/pages/participant.py", drill=stored.id)
    text = squash(all_text(at))
    delivered = {i.id for _t, i in drill.delivered()}
    assert "journalist" in delivered
    for _t, inj in drill.delivered():
        assert squash(inj.title) in text
    for inj in sc.exercise.injects:
        if inj.facilitator_note.strip():
            assert squash(inj.facilitator_note) not in text, inj.id
        if inj.id not in delivered:
            assert squash(inj.title) not in text, inj.id
    for dp in sc.exercise.decisions:
        if dp.id not in {d.id for d in drill.open_decisions()} | {"staff-mode"}:
            assert squash(dp.question) not in text, dp.id
    assert "push them on the journalist" not in text
    for exp in sc.exercise.expected_actions:
        assert squash(exp.description) not in text
    # The questions waiting for the group are shown, with their options.
    assert "Decision for" in text and "Connect the new server as IT proposes" in text


def test_the_participant_view_without_a_link_explains_itself(db):
    at = open_page("ui/pages/participant.py")
    assert any("link the facilitator gives you" in i.value for i in at.info)


def test_a_damaged_drill_database_gives_a_clear_message(db):
    db.write_bytes(b"garbage" * 1000)
    at = open_page("ui/pages/drill.py")
    assert any(str(db) in e.value and "not a readable drill database" in e.value for e in at.error)


def test_an_unknown_drill_id_is_said_plainly(db):
    at = open_page("ui/pages/drill.py", drill="nothere")
    assert any("no drill 'nothere'" in e.value for e in at.error)


def test_the_improvement_plan_editor_keeps_every_change():
    from ui.pages.drill_view import editor_rows

    rows = [{"finding": "a", "action": "", "owner": "", "due": ""}, {"finding": "b", "action": "", "owner": "", "due": ""}]
    delta = {"edited_rows": {0: {"owner": "IT-chef"}}, "deleted_rows": [1],
             "added_rows": [{"finding": "c", "due": "2023-03-01"}]}
    assert editor_rows(rows, delta) == [
        {"finding": "a", "action": "", "owner": "IT-chef", "due": ""},
        {"finding": "c", "action": "", "owner": "", "due": "2023-03-01"},
    ]


def test_two_browsers_deciding_at_once_are_told_and_nothing_is_lost(db):
    sc = load_scenario(SORMLAND)
    drill = Drill.new(sc, seed=0).advance_to_next()[0].advance_to_next()[0]
    stored = DrillStore(db).create(drill, "Two browsers")
    first = open_page("ui/pages/drill.py", drill=stored.id)
    second = open_page("ui/pages/drill.py", drill=stored.id)
    first.radio(key="drill_opt_staff-mode").set_value("raise-now")
    button(first, "Decide").click().run()
    assert not first.exception, first.exception
    second.radio(key="drill_opt_staff-mode").set_value("wait")
    button(second, "Decide").click().run()
    assert not second.exception, second.exception
    told = " ".join(e.value for e in second.error)
    assert "changed in another browser" in told and "already decided" in told
    assert second.metric[1].value == "stabsläge"  # the second browser now shows the first's decision
    entries = DrillStore(db).load(stored.id).drill.entries
    assert [(e.decision, e.option) for e in entries] == [("staff-mode", "raise-now")]
