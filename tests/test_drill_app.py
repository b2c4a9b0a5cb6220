"""The drill pages through Streamlit's AppTest: a short drill from start to report, the
participant view (which never shows facilitator-only text), resuming after a restart, keys that
open a drill (and nothing else that does), the organiser's list, struck notes, and a clear
message for a damaged drill database that never shows where it is."""

from __future__ import annotations

import html
import json
import re

import pytest
from shipped import APP, APP_TIMEOUT, SORMLAND
from streamlit.testing.v1 import AppTest

from sim.drill import access
from sim.drill.session import Drill
from sim.drill.store import DrillStore
from sim.scenario.loader import load_scenario
from ui import browser_keys


def open_page(page: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT)
    at.run()
    at.query_params.update(query)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label or (b.label or "").startswith(label)]
    assert found, f"no button {label!r} in {[b.label for b in at.button]}"
    return found[0]


def shown(markdown: str) -> str:
    """Markdown as a person reads it: escapes and character references resolved."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown))


def all_text(at: AppTest) -> str:
    """Every piece of text on the page, as a person reads it, tables and chart specs included."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error",
                 "success", "metric", "code", "text"):
        for el in at.get(kind):
            parts.append(shown(str(getattr(el, "value", "")) + " " + str(getattr(el, "label", ""))))
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    for el in at.get("plotly_chart"):
        parts.append(json.dumps(json.loads(el.proto.spec), ensure_ascii=False))
    for el in at.selectbox:
        parts.append(" ".join(map(str, el.options)))
    return "\n".join(parts)


def squash(text: str) -> str:
    return " ".join(text.split())


def create(db, drill: Drill, title: str, team: str = ""):
    return access.create_drill(DrillStore(db), drill, title, team)


def test_a_short_drill_from_start_to_report(db):
    at = open_page("ui/pages/drill.py")
    assert at.selectbox(key="drill_new_scenario").value == "sormland-network-2022.yaml"
    button(at, "Start the drill").click().run()
    assert not at.exception, at.exception
    drill_id, key = at.query_params["drill"], at.query_params["key"]
    assert access.valid_key(key) and len(key) * 6 >= 128
    assert at.session_state[browser_keys._SESSION] == [(drill_id, key)]  # this browser remembers it
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
    stored, keys = create(db, drill, "Resumed drill", team="Team B")
    # A new AppTest is a new server process as far as the app knows: only the file and the
    # browser's cookie (here: the session's list read from it) are shared.
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT)
    at.run()
    at.session_state[browser_keys._SESSION] = [(stored.id, keys.facilitator)]
    at.switch_page("ui/pages/drill.py").run()
    assert any("Resumed drill" in m.value for m in at.markdown)
    button(at, "Resume").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Resumed drill"
    assert at.metric[0].value == drill.clock_text()
    assert at.query_params["drill"] == stored.id and at.query_params["key"] == keys.facilitator


def test_no_drill_is_listed_to_a_visitor_without_its_key(db):
    sc = load_scenario(SORMLAND)
    create(db, Drill.new(sc, seed=0), "Secret drill")
    at = open_page("ui/pages/drill.py")
    assert "Secret drill" not in all_text(at)
    assert not [b for b in at.button if b.label in ("Resume", "Open")]
    assert str(db) not in all_text(at) and "sqlite" not in all_text(at)


@pytest.mark.parametrize("which", ["no key", "wrong key", "participant key", "unknown id", "malformed"])
def test_the_facilitator_page_opens_only_with_the_facilitator_key(db, which):
    sc = load_scenario(SORMLAND)
    stored, keys = create(db, Drill.new(sc, seed=0), "Keyed drill")
    query = {
        "no key": {"drill": stored.id},
        "wrong key": {"drill": stored.id, "key": access.new_keys().facilitator},
        "participant key": {"drill": stored.id, "key": keys.participant},
        "unknown id": {"drill": "0123456789abcdef", "key": keys.facilitator},
        "malformed": {"drill": stored.id + "'; DROP TABLE drills; --", "key": "x" * 5000},
    }[which]
    at = open_page("ui/pages/drill.py", **query)
    assert [e.value for e in at.error] == [access.NO_SUCH_DRILL]  # the same words whatever was wrong
    assert "Keyed drill" not in all_text(at)
    assert not at.metric and not at.tabs


def test_the_participant_page_opens_only_with_the_participant_key(db):
    sc = load_scenario(SORMLAND)
    stored, keys = create(db, Drill.new(sc, seed=0), "Keyed drill")
    for key in (keys.facilitator, access.new_keys().participant, ""):
        at = open_page("ui/pages/participant.py", drill=stored.id, key=key)
        assert [e.value for e in at.error] == [access.NO_SUCH_DRILL]
        assert "Keyed drill" not in all_text(at)
    at = open_page("ui/pages/participant.py", drill=stored.id, key=keys.participant)
    assert not at.error and at.title[0].value == "Keyed drill"


def test_the_organiser_password_unlocks_every_drill(db, monkeypatch):
    from ui import settings

    monkeypatch.setattr(settings, "ORGANISER", access.OrganiserPassword("correct horse battery staple"))
    monkeypatch.setattr(access, "WRONG_PASSWORD_DELAY_S", 0.01)
    sc = load_scenario(SORMLAND)
    stored, _keys = create(db, Drill.new(sc, seed=0), "Someone else's drill")
    at = open_page("ui/pages/drill.py")
    at.text_input[0].input("wrong password")  # a form: the value goes with the submit button
    button(at, "Unlock").click().run()
    assert any("not the organiser password" in e.value for e in at.error)
    assert "Someone else's drill" not in all_text(at)
    at.text_input[0].input("correct horse battery staple")
    button(at, "Unlock").click().run()
    assert not at.exception, at.exception
    assert "Someone else" in all_text(at)
    button(at, "Resume").click().run()
    assert not at.exception, at.exception
    assert shown(at.title[0].value) == "Someone else's drill"
    button(at, "Issue new links").click().run()  # the server keeps no keys: new links
    assert not at.exception, at.exception
    new_key = at.query_params["key"]
    assert access.open_drill(DrillStore(db), stored.id, new_key, "facilitator").id == stored.id
    with pytest.raises(access.NoSuchDrill):
        access.open_drill(DrillStore(db), stored.id, _keys.facilitator, "facilitator")


def test_a_struck_note_stays_in_the_log_with_who_and_when(db):
    sc = load_scenario(SORMLAND)
    drill = Drill.new(sc, seed=0).add_note("Mistyped, ignore").add_note("Phones down")
    stored, keys = create(db, drill, "Notes")
    at = open_page("ui/pages/drill.py", drill=stored.id, key=keys.facilitator)
    strike = [b for b in at.button if b.key == "drill_strike_0"]
    strike[0].click().run()
    assert not at.exception, at.exception
    notes = DrillStore(db).load(stored.id).drill.notes
    assert [(n.text, n.struck, n.struck_by) for n in notes] == [
        ("Mistyped, ignore", True, "facilitator"), ("Phones down", False, "")]
    assert notes[0].struck_at_h == drill.clock_h
    assert any("~~Mistyped, ignore~~" in shown(m.value) and "struck by facilitator" in m.value for m in at.markdown)


def test_the_participant_view_never_shows_facilitator_only_text(db):
    sc = load_scenario(SORMLAND)
    drill = Drill.new(sc, seed=0)
    while drill.clock_h < 8.5:
        drill = drill.advance(8.5)[0]
    drill = drill.choose("staff-mode", "wait").add_note("Facilitator: push them on the journalist")
    stored, keys = create(db, drill, "Participant test")
    at = open_page("ui/pages/participant.py", drill=stored.id, key=keys.participant)
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


def test_a_damaged_drill_database_gives_a_clear_message_without_its_path(db):
    db.write_bytes(b"garbage" * 1000)
    at = open_page("ui/pages/drill.py")
    assert any("drill database is not readable" in e.value for e in at.error)
    assert str(db) not in all_text(at) and str(db.parent) not in all_text(at)


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
    stored, keys = create(db, drill, "Two browsers")
    first = open_page("ui/pages/drill.py", drill=stored.id, key=keys.facilitator)
    second = open_page("ui/pages/drill.py", drill=stored.id, key=keys.facilitator)
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


def test_drill_runs_take_the_servers_run_slots(db, monkeypatch):
    """Bands and what-if previews wait for a run slot like the Run page's runs, and say so when
    the server stays busy."""
    import dataclasses
    import threading

    from ui import settings

    slots = threading.BoundedSemaphore(1)
    slots.acquire()  # another run holds the only slot
    monkeypatch.setattr(settings, "HEAVY_RUNS", slots)
    monkeypatch.setattr(settings, "LIMITS", dataclasses.replace(settings.LIMITS, max_heavy_runs=1, queue_wait_s=0.2))
    sc = load_scenario(SORMLAND)
    drill = Drill.new(sc, seed=17).advance_to_next()[0].advance_to_next()[0]
    stored, keys = create(db, drill, "Busy server")
    at = open_page("ui/pages/drill.py", drill=stored.id, key=keys.facilitator)
    assert any("busy" in w.value for w in at.warning)  # the band waited, then gave up
    at.number_input(key="drill_n_staff-mode").set_value(4)
    button(at, "What-if preview").click().run()
    assert any("busy" in e.value for e in at.error)
    assert not [df for df in at.dataframe if "KPI" in df.value.columns]
    slots.release()
    button(at, "What-if preview").click().run()
    assert not at.exception, at.exception
    assert [df for df in at.dataframe if "KPI" in df.value.columns]
