"""Drills in SQLite: they survive a restart, can be listed, resumed and archived; two browsers on
one drill never lose a decision; a damaged, foreign, newer or locked file gives a clear message."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap

import pytest
from shipped import ROOT, SORMLAND

from sim.drill import access
from sim.drill.ops import Act, AddNote, Advance, Choose, SetImprovements, StrikeNote, perform
from sim.drill.session import Drill, DrillError, Improvement
from sim.drill.store import (
    ENV_VAR,
    SCHEMA,
    SCHEMA_VERSION,
    DrillChanged,
    DrillNotFound,
    DrillStore,
    StoreBusy,
    StoreError,
    default_path,
)
from sim.scenario.model import Action


@pytest.fixture
def started(store, sormland):
    return store.create(Drill.new(sormland, seed=2), "Morning drill", team="Team A", source=str(SORMLAND))


def to_decision(store, stored, dp_id):
    while dp_id not in [d.id for d in stored.drill.open_decisions()]:
        stored = perform(store, stored, Advance()).stored
    return stored


def test_a_new_drill_is_listed_and_loads(store, started):
    (info,) = store.list()
    assert (info.id, info.title, info.team, info.status, info.revision) == (started.id, "Morning drill", "Team A", "active", 1)
    loaded = store.load(started.id)
    assert loaded.drill.clock_h == started.drill.start_h
    assert loaded.drill.scenario.name == "sormland-network-2022"
    with pytest.raises(DrillNotFound):
        store.load("nothere")


def test_decisions_notes_injects_and_improvements_are_stored(store, started):
    s = to_decision(store, started, "staff-mode")
    s = perform(store, s, Choose("staff-mode", "raise-now", by="sjukvårdsledare", note="at once")).stored
    s = perform(store, s, Act(Action(do="inform_patients"), by="kommunikatör")).stored
    s = perform(store, s, AddNote("Phones down at every vårdcentral", by="primärvårdschef")).stored
    s = perform(store, s, AddNote("Good start", hot_wash=True)).stored
    s = perform(store, s, SetImprovements((Improvement("Slow statement", "Template", "Kommunikatör", "2023-02-01"),))).stored
    again = DrillStore(store.path).load(s.id)
    assert again.drill == s.drill
    assert [e.decision or e.action.do for e in again.drill.entries] == ["staff-mode", "inform_patients"]
    assert [i for i, _t in again.delivered] == [i.id for _t, i in s.drill.delivered()]
    assert again.drill.improvements[0].owner == "Kommunikatör"
    assert again.revision == s.revision


def test_archive_and_resume(store, started):
    archived = store.set_status(started.id, started.revision, "archived")
    assert [d.id for d in store.list("archived")] == [started.id]
    assert store.list("active") == []
    resumed = store.set_status(archived.id, archived.revision, "active")
    assert resumed.info.status == "active"


def test_a_drill_survives_a_restart_of_the_program(tmp_path, sormland):
    """Write in one process, stop it, read and go on in another."""
    db = tmp_path / "restart.sqlite"
    first = textwrap.dedent(f"""
        from sim.drill.ops import Advance, Choose, perform
        from sim.drill.session import Drill
        from sim.drill.store import DrillStore
        from sim.scenario.loader import load_scenario
        store = DrillStore({str(db)!r})
        s = store.create(Drill.new(load_scenario({str(SORMLAND)!r}), seed=1), "Restart")
        while "staff-mode" not in [d.id for d in s.drill.open_decisions()]:
            s = perform(store, s, Advance()).stored
        s = perform(store, s, Choose("staff-mode", "raise-now")).stored
        print(s.id, s.drill.clock_h, s.drill.played().rep.kpis["staff_mode_h"])
    """)
    out = subprocess.run([sys.executable, "-c", first], capture_output=True, text=True, cwd=ROOT, check=True).stdout.split()
    drill_id, clock, staff_h = out[0], float(out[1]), float(out[2])
    second = textwrap.dedent(f"""
        from sim.drill.ops import Advance, perform
        from sim.drill.store import DrillStore
        store = DrillStore({str(db)!r})
        s = store.load({drill_id!r})
        print(s.drill.clock_h, s.drill.played().rep.kpis["staff_mode_h"], len(s.drill.entries))
        s = perform(store, s, Advance(by_h=0.25)).stored
        print(s.drill.clock_h)
    """)
    lines = subprocess.run([sys.executable, "-c", second], capture_output=True, text=True, cwd=ROOT, check=True).stdout.splitlines()
    c, h, n = lines[0].split()
    assert float(c) == clock and float(h) == staff_h and int(n) == 1
    assert float(lines[1]) == pytest.approx(clock + 0.25)


# --------------------------------------------------------------------------- two browsers


def test_two_browsers_deciding_at_once_lose_nothing(store, started):
    s = to_decision(store, started, "staff-mode")
    browser_a, browser_b = store.load(s.id), store.load(s.id)
    a = perform(store, browser_a, Choose("staff-mode", "raise-now", by="A"))
    assert a.applied and not a.reloaded
    b = perform(store, browser_b, Choose("staff-mode", "wait", by="B"))
    assert not b.applied and b.reloaded
    assert "changed in another browser" in b.message and "raise-now" in b.message
    final = store.load(s.id)
    assert [(e.decision, e.option, e.by) for e in final.drill.entries] == [("staff-mode", "raise-now", "A")]
    assert b.stored.revision == final.revision


def test_a_note_from_a_stale_browser_is_applied_on_top(store, started):
    browser_a, browser_b = store.load(started.id), store.load(started.id)
    perform(store, browser_a, AddNote("from A"))
    b = perform(store, browser_b, AddNote("from B"))
    assert b.applied and b.reloaded and "applied on top" in b.message
    assert [n.text for n in store.load(started.id).drill.notes] == ["from A", "from B"]


def test_a_stale_clock_move_is_refused_clearly(store, started):
    browser_a, browser_b = store.load(started.id), store.load(started.id)
    moved = perform(store, browser_a, Advance(by_h=0.25)).stored
    b = perform(store, browser_b, Advance(by_h=0.25))
    assert not b.applied and "not applied" in b.message and "clock was moved" in b.message
    assert store.load(started.id).drill.clock_h == moved.drill.clock_h


def test_the_same_action_twice_from_two_browsers_is_taken_once(store, started):
    browser_a, browser_b = store.load(started.id), store.load(started.id)
    action = Action(do="raise_readiness", target="stabslage")
    perform(store, browser_a, Act(action))
    b = perform(store, browser_b, Act(action))
    assert not b.applied and "already taken" in b.message
    assert len(store.load(started.id).drill.entries) == 1


def test_a_save_over_an_old_revision_is_refused(store, started):
    store.save(started.id, started.revision, started.drill.add_note("first"))
    with pytest.raises(DrillChanged):
        store.save(started.id, started.revision, started.drill.add_note("second"))


def test_a_save_that_would_drop_a_decision_is_refused(store, started):
    s = perform(store, to_decision(store, started, "staff-mode"), Choose("staff-mode", "wait")).stored
    without = Drill(s.drill.scenario, s.drill.seed, s.drill.start_h, s.drill.clock_h, (), s.drill.notes)
    with pytest.raises(StoreError, match="drop or alter logged decisions"):
        store.save(s.id, s.revision, without)


def test_a_change_that_makes_no_sense_saves_nothing(store, started):
    with pytest.raises(DrillError):
        perform(store, started, Choose("staff-mode", "raise-now"))
    assert store.load(started.id).revision == started.revision


# --------------------------------------------------------------------------- bad files


def test_a_damaged_file_gives_a_message_naming_it(tmp_path):
    path = tmp_path / "drills.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError) as info:
        DrillStore(path)
    assert str(path) in str(info.value) and "drill database is not readable" in str(info.value)
    assert str(path) not in info.value.public  # what a web page shows


def test_a_truncated_database_gives_a_message_naming_it(tmp_path, sormland):
    path = tmp_path / "drills.sqlite"
    store = DrillStore(path)
    store.create(Drill.new(sormland), "x")
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\x00" * 50 + data[150:2000])
    for f in tmp_path.glob("drills.sqlite-*"):
        f.unlink()
    with pytest.raises(StoreError) as info:
        DrillStore(path).list()
    assert str(path) in str(info.value)


def test_another_programs_database_is_not_taken_over(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(StoreError, match="not a drill database"):
        DrillStore(path)


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "drills.sqlite"
    DrillStore(path)
    with sqlite3.connect(path) as con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreError, match="newer version"):
        DrillStore(path)


def test_a_locked_database_says_so_and_nothing_is_lost(tmp_path, sormland):
    path = tmp_path / "drills.sqlite"
    store = DrillStore(path, busy_timeout_s=0.2)
    s = store.create(Drill.new(sormland), "locked")
    s = perform(store, s, AddNote("kept")).stored
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreBusy) as info:
            perform(store, s, AddNote("waiting"))
        assert str(path) in str(info.value) and "nothing was saved" in str(info.value)
        assert str(path) not in info.value.public
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    s = perform(store, s, AddNote("waiting")).stored
    assert [n.text for n in store.load(s.id).drill.notes] == ["kept", "waiting"]


def test_a_folder_is_not_a_database(tmp_path):
    with pytest.raises(StoreError, match="names a folder"):
        DrillStore(tmp_path)


def test_the_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "x" / "d.sqlite"))
    assert default_path() == tmp_path / "x" / "d.sqlite"
    store = DrillStore()
    assert store.path.is_file()
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if sys.platform.startswith("linux"):
        assert default_path() == tmp_path / "data" / "outage-drill-sim" / "drills.sqlite"


# --------------------------------------------------------------------------- keys, notes, limits


def test_keys_open_a_drill_and_only_their_digests_are_stored(store, sormland):
    stored, keys = access.create_drill(store, Drill.new(sormland), "Confidential")
    assert len(keys.facilitator) == 32 and len(set(keys.facilitator)) > 10  # 192 random bits
    assert keys.participant != keys.facilitator and access.valid_key(keys.participant)
    assert access.open_drill(store, stored.id, keys.facilitator, "facilitator").id == stored.id
    assert access.open_drill(store, stored.id, keys.participant, "participant").id == stored.id
    for key, role in [(keys.participant, "facilitator"), (keys.facilitator, "participant"),
                      (None, "facilitator"), ("", "participant"), (keys.facilitator[:-1] + "A", "facilitator"),
                      (keys.facilitator.upper(), "facilitator")]:
        if key != keys.facilitator or role != "facilitator":
            with pytest.raises(access.NoSuchDrill, match="No such drill"):
                access.open_drill(store, stored.id, key, role)
    with pytest.raises(access.NoSuchDrill):
        access.open_drill(store, "ffffffffffffffff", keys.facilitator, "facilitator")
    raw = b"".join(p.read_bytes() for p in store.path.parent.glob("drills.sqlite*"))
    assert keys.facilitator.encode() not in raw and keys.participant.encode() not in raw
    assert access.key_digest(keys.facilitator).encode() in raw


def test_a_team_has_a_participant_key_of_its_own():
    keys = access.new_keys()
    team_a, team_b = access.participant_key(keys.facilitator, "team-a"), access.participant_key(keys.facilitator, "team-b")
    assert len({team_a, team_b, keys.participant}) == 3
    assert ("participant", "team-a") in keys.digests(("team-a",))
    with pytest.raises(ValueError):
        access.participant_key(keys.facilitator, "Team A!")


def test_keys_are_compared_in_constant_time(monkeypatch):
    seen = []
    real = access.hmac.compare_digest
    monkeypatch.setattr(access.hmac, "compare_digest", lambda a, b: seen.append((a, b)) or real(a, b))
    keys = access.new_keys()
    digest = access.key_digest(keys.facilitator)
    assert access.key_matches(keys.facilitator, digest)
    assert not access.key_matches("x" * 32, digest) and not access.key_matches(None, digest)
    assert not access.key_matches(keys.facilitator, None)
    assert len(seen) == 4  # every answer went through hmac.compare_digest, even with nothing to compare


def test_the_organiser_password_is_kept_only_as_a_hash(monkeypatch):
    monkeypatch.setattr(access, "WRONG_PASSWORD_DELAY_S", 0.0)
    monkeypatch.setenv(access.PASSWORD_ENV, "a long organiser password")
    organiser = access.OrganiserPassword.from_environment()
    assert access.PASSWORD_ENV not in os.environ  # worker processes never see it
    assert organiser.configured and organiser.check("a long organiser password")
    assert not organiser.check("a long organiser passwore") and not organiser.check("")
    assert "a long organiser password" not in repr(vars(organiser))
    monkeypatch.setenv(access.PASSWORD_ENV, "short")
    weak = access.OrganiserPassword.from_environment()
    assert not weak.configured and "shorter than 12" in weak.problem


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_database_is_readable_by_its_owner_only(tmp_path, sormland):
    folder = tmp_path / "new" / "drills"
    store = DrillStore(folder / "drills.sqlite")
    stored = store.create(Drill.new(sormland), "x")
    reader = sqlite3.connect(store.path)  # keeps the write-ahead log and its index in place
    try:
        reader.execute("SELECT count(*) FROM drills").fetchone()
        perform(store, stored, AddNote("a note"))
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        files = list(folder.glob("drills.sqlite*"))
        assert len(files) == 3  # the database, its write-ahead log and the log's index
        assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
    finally:
        reader.close()
    loose = tmp_path / "loose.sqlite"
    loose.touch(mode=0o644)
    os.chmod(loose, 0o644)
    DrillStore(loose)
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600


def test_a_fifo_is_not_a_database(tmp_path):
    fifo = tmp_path / "drills.sqlite"
    os.mkfifo(fifo)
    with pytest.raises(StoreError, match="not a regular file"):
        DrillStore(fifo)


def version_2_schema() -> str:
    """The schema before exercises of several teams (version 2)."""
    schema = SCHEMA.replace(
        ",\n    exercise_id TEXT REFERENCES exercises(id) ON DELETE CASCADE,\n    team_id TEXT NOT NULL DEFAULT '',\n"
        "    position INTEGER NOT NULL DEFAULT 0,\n    branched_from TEXT,\n    branched_at_h REAL\n", "\n")
    head, rest = schema.split("CREATE TABLE IF NOT EXISTS exercises (")
    return head + rest.split("CREATE INDEX IF NOT EXISTS drills_by_exercise ON drills (exercise_id, position);\n")[1]


def test_a_database_of_the_second_version_gets_exercises_and_keeps_its_drills(tmp_path, sormland):
    path = tmp_path / "v2.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript(version_2_schema())
        con.execute("INSERT INTO meta VALUES ('schema_version', '2')")
        con.execute(
            "INSERT INTO drills (id, title, team, scenario_name, scenario_title, scenario_json, seed, start_h, clock_h, "
            "revision, created_at, updated_at) VALUES ('00000000000000aa', 'old', 'Team', 's', 'S', ?, 0, 6.5, 6.5, 1, "
            "'2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')",
            (DrillStore.scenario_json(sormland),),
        )
    store = DrillStore(path)
    old = store.load("00000000000000aa")
    assert old.info.exercise_id is None and old.info.team_id == "" and old.drill.clock_h == 6.5
    info, teams, _keys = access.create_exercise(store, [("A", Drill.new(sormland)), ("B", Drill.new(sormland))], "x")
    assert [t.info.team_id for t in teams] == ["a", "b"]


def test_a_database_of_the_first_version_is_brought_up_to_date(tmp_path, sormland):
    path = tmp_path / "old.sqlite"
    old_schema = version_2_schema().split("CREATE TABLE IF NOT EXISTS drill_keys")[0]
    old_schema = old_schema.replace(
        "    struck_by TEXT NOT NULL DEFAULT '',\n    struck_at_h REAL,\n    struck_recorded_at TEXT,\n", "")
    with sqlite3.connect(path) as con:
        con.executescript(old_schema)
        con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    store = DrillStore(path)
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    s = store.create(Drill.new(sormland).add_note("n"), "migrated")
    assert store.load(s.id).drill.notes[0].text == "n"


def test_a_struck_note_is_kept_marked_and_stays_struck(store, started):
    s = perform(store, started, AddNote("wrong number given out", by="kommunikatör")).stored
    s = perform(store, s, Advance(by_h=0.25)).stored
    s = perform(store, s, StrikeNote(0, "wrong number given out", "sjukvårdsledare")).stored
    again = DrillStore(store.path).load(s.id).drill.notes[0]
    assert (again.text, again.by, again.struck_by, again.struck_at_h) == (
        "wrong number given out", "kommunikatör", "sjukvårdsledare", s.drill.clock_h)
    unstruck = Drill(s.drill.scenario, s.drill.seed, s.drill.start_h, s.drill.clock_h, s.drill.entries,
                     (again.unstruck(),))
    with pytest.raises(StoreError, match="stays struck"):
        store.save(s.id, s.revision, unstruck)
    with pytest.raises(DrillError, match="already struck"):
        s.drill.strike_note(0)
    from sim.drill.log import log_yaml, parse_log, play_log

    text = log_yaml(s.drill)
    assert "struck:" in text and "sjukvårdsledare" in text
    replayed = play_log(parse_log(text), s.drill.scenario)
    assert replayed.notes[0].struck and replayed.notes[0].struck_by == "sjukvårdsledare"


def test_texts_have_length_limits(store, started, sormland):
    from sim.drill.session import MAX_NOTE_CHARS, MAX_REASON_CHARS, MAX_TITLE_CHARS

    with pytest.raises(DrillError, match="at most 2,000 characters"):
        started.drill.add_note("x" * (MAX_NOTE_CHARS + 1))
    with pytest.raises(DrillError, match="at most 1,000"):
        started.drill.act(Action(do="inform_patients"), note="y" * (MAX_REASON_CHARS + 1))
    with pytest.raises(DrillError):
        started.drill.with_improvements([Improvement("f" * (MAX_REASON_CHARS + 1))])
    with pytest.raises(StoreError, match="title may be at most"):
        store.create(Drill.new(sormland), "t" * (MAX_TITLE_CHARS + 1))
    with pytest.raises(StoreError, match="team name may be at most"):
        store.rename(started.id, started.revision, "ok", "t" * 101)
