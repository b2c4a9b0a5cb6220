"""Scenarios saved in the app: versions per owner in a real SQLite file, only the owner's key
opens them, limits said in words, text kept as typed; and the Scenario page saves, lists and
opens them."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sim.scenario_store import MAX_NAME, SavedError, ScenarioStore, new_owner_key

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "scenarios" / "sormland-network-2022.yaml"


@pytest.fixture
def store(tmp_path):
    return ScenarioStore(tmp_path / "s.sqlite")


def test_versions_are_kept_and_opened_by_number(store):
    me = new_owner_key()
    sid, v1 = store.save(me, "Sörmland", "a: 1\n", valid=False, max_bytes=1000)
    sid2, v2 = store.save(me, "Sörmland", "a: 2\n", note="more staff", valid=True, max_bytes=1000,
                          files={"regions/mine.yaml": b"units: []\n"})
    assert sid == sid2 and (v1, v2) == (1, 2)
    assert store.open(me, sid, 1).text == "a: 1\n"
    latest = store.open(me, sid)
    assert latest.version == 2 and latest.files == (("regions/mine.yaml", b"units: []\n"),)
    assert [v.version for v in store.versions(me, sid)] == [2, 1]
    assert store.versions(me, sid)[0].note == "more staff"
    assert [s.name for s in store.list(me)] == ["Sörmland"]


def test_only_the_owner_lists_opens_or_deletes(store):
    me, other = new_owner_key(), new_owner_key()
    sid, _v = store.save(me, "mine", "x: 1\n", valid=True, max_bytes=1000)
    assert store.list(other) == []
    with pytest.raises(SavedError):
        store.open(other, sid)
    store.delete(other, sid)
    assert store.list(me)
    store.delete(me, sid)
    assert store.list(me) == []
    with pytest.raises(SavedError):
        store.list("not a key")


def test_limits_and_cleaning(store):
    me = new_owner_key()
    with pytest.raises(SavedError, match="bytes"):
        store.save(me, "big", "x" * 2000, valid=False, max_bytes=1000)
    with pytest.raises(SavedError, match="name"):
        store.save(me, " \n\t", "x: 1", valid=False, max_bytes=1000)
    sid, _v = store.save(me, "<b>bold</b>\x00\n" + "n" * 500, "x: 1", valid=False, max_bytes=1000)
    name = store.list(me)[0].name
    assert len(name) == MAX_NAME and "\x00" not in name and "\n" not in name and name.startswith("<b>bold</b>")


def test_the_key_digest_only_is_stored(store):
    me = new_owner_key()
    store.save(me, "s", "x: 1", valid=False, max_bytes=1000)
    assert me.encode() not in store.path.read_bytes()


def test_the_scenario_page_saves_and_opens_a_version(tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_SCENARIO_DB", str(tmp_path / "app.sqlite"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, at.exception
    at.text_input(key="saved_note").set_value("as shipped")
    at.button(key="FormSubmitter:saved_save-Save this version").click().run()
    assert not at.exception, at.exception
    assert any("version 1" in s.value for s in at.success)
    text = DEFAULT.read_text(encoding="utf-8")
    at.session_state["scenario_editor_0"] = text.replace("capacity: 0.7", "capacity: 0.65", 1)
    at.button(key="FormSubmitter:saved_save-Save this version").click().run()
    assert any("version 2" in s.value for s in at.success)
    # Open version 1 again: the editor and the check follow it.
    sid = at.session_state["saved_pick"]
    at.selectbox(key=f"saved_version_{sid}").set_value(1).run()
    at.button(key="saved_open").click().run()
    assert not at.exception, at.exception
    assert any("v1.yaml is valid" in s.value for s in at.success)
