"""Drill controls that work: every action of the catalogue taken with its parameters (and a bad
period refused in words), the kind of action switching the action list, tabs that stay where the
facilitator put them, deleting a drill after confirming, a decision log that names its scenario,
report charts on the played span, the real-time clock, and the drill pages in Swedish."""

from __future__ import annotations

import pytest
from shipped import APP, APP_TIMEOUT, SORMLAND
from streamlit.testing.v1 import AppTest

from sim.drill import access
from sim.drill.catalogue import catalogue
from sim.drill.ops import Act, Advance, perform
from sim.drill.session import Drill
from sim.drill.store import DrillStore
from sim.i18n import using
from sim.scenario.loader import load_scenario


def opened(db, lang: str = "en", clock: str = "07:30") -> tuple[AppTest, str]:
    """The facilitator page of a new Sörmland drill with its clock at `clock`."""
    sc = load_scenario(SORMLAND)
    store = DrillStore(db)
    stored, keys = access.create_drill(store, Drill.new(sc, 0, 6.5), "Controls", "")
    hh, mm = map(int, clock.split(":"))
    perform(store, stored, Advance(to_h=hh + mm / 60))
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT)
    at.session_state["ui_language"] = lang
    at.run()
    at.query_params.update({"drill": stored.id, "key": keys.facilitator})
    at.switch_page("ui/pages/drill.py").run()
    assert not at.exception, at.exception
    return at, stored.id


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label or (b.label or "").startswith(label)]
    assert found, f"no button {label!r} in {[b.label for b in at.button]}"
    return found[0]


def entries(db, drill_id: str):
    return DrillStore(db).load(drill_id).drill.entries


def test_every_catalogue_action_is_taken_with_its_parameters(db):
    """Each kind of action, each action of the kind: the page takes it and the log holds it."""
    at, drill_id = opened(db)
    items = catalogue(load_scenario(SORMLAND))
    for group in dict.fromkeys(i.group for i in items):
        at.segmented_control(key="drill_action_group").set_value(group).run()
        keys = [i.key for i in items if i.group == group]
        box = at.selectbox(key=f"drill_action_item_{group}")
        assert list(box.options) == [i.label for i in items if i.group == group], "switching kind switches the list"
        for key in keys:
            at.selectbox(key=f"drill_action_item_{group}").set_value(key).run()
            if key.startswith("cancel_planned"):
                at.text_input(key="drill_action_period").set_value("4h").run()
            before = len(entries(db, drill_id))
            button(at, "Take the action now").click().run()
            assert not at.exception, at.exception
            assert not [e.value for e in at.error], f"{key}: {[e.value for e in at.error]}"
            assert len(entries(db, drill_id)) == before + 1, key
    done = {(e.action.do, e.action.target) for e in entries(db, drill_id)}
    assert {(i.action.do, i.action.target) for i in items} <= done
    cancel = next(e.action for e in entries(db, drill_id) if e.action.do == "cancel_planned")
    assert cancel.period == pytest.approx(4.0)


@pytest.mark.parametrize(("text", "words"), [("soon", "15min, 4h or 1d"), ("0h", "longer than zero"),
                                             ("30d", "past the end of the simulated period")])
def test_a_bad_period_is_refused_in_words(db, text, words):
    at, drill_id = opened(db)
    at.segmented_control(key="drill_action_group").set_value("Planned care").run()
    at.text_input(key="drill_action_period").set_value(text).run()
    button(at, "Take the action now").click().run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert words in errors and "pydantic" not in errors
    assert not entries(db, drill_id)


def test_tabs_stay_where_the_facilitator_put_them(db):
    at, _drill_id = opened(db)
    at.session_state["drill_tabs_en"] = "Actions"
    at.run()
    button(at, "+15 min").click().run()
    button(at, "Take the action now").click().run()
    assert at.session_state["drill_tabs_en"] == "Actions"


def test_a_drill_is_deleted_only_after_confirming(db):
    at, drill_id = opened(db)
    assert button(at, "Delete the drill").disabled
    at.checkbox(key=f"drill_delete_sure_{drill_id}").check().run()
    button(at, "Delete the drill").click().run()
    assert not at.exception, at.exception
    assert DrillStore(db).info(drill_id) is None
    assert any("deleted" in s.value for s in at.success)


def test_the_decision_log_names_its_scenario(db):
    from sim.drill.log import log_yaml

    _at, drill_id = opened(db)
    stored = DrillStore(db).load(drill_id)
    text = log_yaml(stored.drill, source=stored.info.scenario_source, scenario_path="scenarios/sormland-network-2022.yaml")
    assert "scenario: scenarios/sormland-network-2022.yaml" in text
    assert text.startswith("# Decision log of a drill of sormland-network-2022")


def test_report_charts_show_the_played_span():
    sc = load_scenario(SORMLAND)
    drill = Drill.new(sc, 0, 6.5)
    drill, _m = drill.advance(7.0)
    drill = drill.act(catalogue(sc)[0].action)
    acted = drill.clock_h
    while not drill.finished:  # to the end, past the decision points left open
        drill, _m = drill.advance(sc.horizon)
    lo, hi = drill.played_span()
    assert lo == 6.5 and acted < hi <= acted + 3, "a clock moved to the end does not stretch the span"
    assert hi < drill.clock_h


def test_the_real_time_clock_moves_on_by_itself(db, monkeypatch):
    at, drill_id = opened(db, clock="06:40")
    at.toggle(key="drill_rt_on").set_value(True)
    at.selectbox(key="drill_rt_speed").set_value(60).run()
    assert not at.exception, at.exception
    before = DrillStore(db).load(drill_id).drill.clock_h
    at.session_state["drill_rt_last"] = at.session_state["drill_rt_last"] - 30  # 30 s of real time
    at.run()
    after = DrillStore(db).load(drill_id).drill.clock_h
    assert after > before, "30 s at 60x real time is half an hour"


def test_the_drill_page_in_swedish(db):
    at, _drill_id = opened(db, "sv")
    labels = [b.label for b in at.button]
    assert "Vidta åtgärden nu" in labels and "+15 min" in labels
    assert at.metric[0].label == "Klocka" and at.metric[0].value.startswith("tis 6 dec")
    with using("sv"):
        assert [i.label for i in catalogue(load_scenario(SORMLAND))][0] == "Höj beredskapsnivån till stabsläge"


def test_an_action_taken_in_swedish_is_said_in_swedish(db):
    sc = load_scenario(SORMLAND)
    store = DrillStore(db)
    stored, _keys = access.create_drill(store, Drill.new(sc, 0, 6.5), "Sv", "")
    with using("sv"):
        outcome = perform(store, stored, Act(catalogue(sc)[-1].action))
    assert outcome.message.startswith("Informera patienter")
