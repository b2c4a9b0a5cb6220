"""Several teams at once: an exercise holds teams, each with its own decision log, clock,
participant link and key; the shared clock moves them all; a team branches from a moment of its
drill with the same past; all of it persists with revisions; the board, the report of every team
and `sim drill compare` with more than two logs."""

from __future__ import annotations

import re

import numpy as np
import pytest
from shipped import APP, ROOT, SORMLAND
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from sim.drill import access
from sim.drill.exercise_report import SECTIONS, build_exercise_report, html_report, markdown
from sim.drill.ops import AdvanceAll, Choose, perform, perform_all
from sim.drill.session import Drill, DrillError
from sim.drill.store import DrillStore
from sim.drill.teams import team_id, team_view, timeline

TEAMS = ("Sjukhusen", "Primärvården", "Regional staff")


@pytest.fixture
def exercise(store, sormland):
    start = Drill.new(sormland, seed=0, start_h=6.5)
    return access.create_exercise(store, [(name, start) for name in TEAMS], "Regional exercise", source="sormland")


def to_clock(store, teams, t_h):
    while min(t.drill.clock_h for t in teams) < t_h - 1e-9:
        teams = perform_all(store, teams, AdvanceAll(to_h=t_h)).stored
    return teams


def test_team_ids_are_short_and_unique():
    assert team_id("Primärvården Sörmland", set()) == "primarvarden-sormland"
    assert team_id("Team", {"team"}) == "team-2"
    assert team_id("!!!", set()) == "team"
    assert len(team_id("x" * 200, set())) <= 32


def test_each_team_has_its_own_log_clock_and_participant_key(store, exercise):
    info, teams, keys = exercise
    assert [t.info.team for t in teams] == list(TEAMS) and info.shared_clock
    # Every team opens with the one facilitator key; each participant key opens its team's view only.
    for t in teams:
        assert access.open_drill(store, t.id, keys.facilitator, "facilitator").id == t.id
        participant = keys.participant_for(t.info)
        assert access.open_drill(store, t.id, participant, "participant").id == t.id
        for other in teams:
            if other.id != t.id:
                with pytest.raises(access.NoSuchDrill):
                    access.open_drill(store, other.id, participant, "participant")
        with pytest.raises(access.NoSuchDrill):
            access.open_drill(store, t.id, participant, "facilitator")
        with pytest.raises(access.NoSuchDrill):
            access.open_exercise(store, info.id, participant)
    assert len({keys.participant_for(t.info) for t in teams}) == 3
    assert access.open_exercise(store, info.id, keys.facilitator)[0].id == info.id
    # A decision of one team is in its log only.
    teams = to_clock(store, teams, 7.0)
    perform(store, teams[0], Choose("staff-mode", "raise-now"))
    logs = [store.load(t.id).drill.entries for t in teams]
    assert len(logs[0]) == 1 and logs[1] == logs[2] == ()


def test_the_shared_clock_moves_every_team_and_stops_at_the_first_question(store, exercise):
    _info, teams, _keys = exercise
    out = perform_all(store, teams, AdvanceAll(by_h=2.0))
    clocks = {t.drill.clock_h for t in out.stored}
    assert len(clocks) == 1
    # The staff-mode question comes ten minutes after detection, before 08:30: the clock stops there.
    assert clocks.pop() < 8.5 and "staff-mode" in out.message
    assert all(t.revision == 2 for t in out.stored)


def test_teams_with_their_own_clocks_move_apart(store, sormland):
    start = Drill.new(sormland, seed=0, start_h=6.5)
    _info, teams, _keys = access.create_exercise(store, [("A", start), ("B", start)], "own clocks", shared_clock=False)
    from sim.drill.ops import Advance

    moved = perform(store, teams[0], Advance(by_h=0.25)).stored
    assert moved.drill.clock_h == 6.75 and store.load(teams[1].id).drill.clock_h == 6.5


def test_two_browsers_moving_the_shared_clock_lose_nothing(store, exercise):
    _info, teams, _keys = exercise
    first = perform_all(store, teams, AdvanceAll(by_h=0.25))
    assert first.applied
    stale = perform_all(store, teams, AdvanceAll(by_h=0.25))  # the other browser still shows 06:30
    assert not stale.applied and stale.reloaded and "clock was moved" in stale.message
    assert [t.drill.clock_h for t in stale.stored] == [6.75] * 3
    # A team's decision saved meanwhile is kept when the clock moves on top of it.
    teams = to_clock(store, first.stored, 7.0)
    seen = teams
    perform(store, teams[1], Choose("staff-mode", "wait"))
    moved = perform_all(store, seen, AdvanceAll(by_h=0.25))
    assert moved.reloaded and moved.applied
    assert store.load(teams[1].id).drill.entries[0].option == "wait"


def test_everything_survives_a_restart(tmp_path, sormland):
    path = tmp_path / "drills.sqlite"
    start = Drill.new(sormland, seed=0, start_h=6.5)
    info, teams, keys = access.create_exercise(DrillStore(path), [(n, start) for n in TEAMS], "x")
    teams = to_clock(DrillStore(path), teams, 7.0)
    perform(DrillStore(path), teams[2], Choose("staff-mode", "raise-now"))
    again, teams_again = access.open_exercise(DrillStore(path), info.id, keys.facilitator)
    assert again == DrillStore(path).exercise(info.id)
    assert [t.drill.clock_h for t in teams_again] == [7.0] * 3
    assert teams_again[2].drill.entries[0].option == "raise-now"


def test_a_team_branched_from_0800_has_the_same_past(store, exercise, sormland):
    info, teams, keys = exercise
    teams = to_clock(store, teams, 7.0)
    perform(store, teams[0], Choose("staff-mode", "raise-now"))
    teams = to_clock(store, store.teams(info.id), 10.0)
    source = teams[0]
    branched = access.add_team(store, info.id, keys.facilitator, "Sjukhusen från 08:00", source.drill.branch(8.0),
                               branched_from=source.id, branched_at_h=8.0)
    assert branched.info.branched_from == source.id and branched.info.branched_at_h == 8.0
    assert branched.drill.clock_h == 8.0 and branched.drill.entries == source.drill.entries[:1]
    # The same past: the played timeline up to 08:00 is the source's.
    a, b = source.drill.played(), branched.drill.played()
    assert [e for e in a.rep.events if e.t_h < 8.0] == [e for e in b.rep.events if e.t_h < 8.0]
    n = a.steps_until(8.0)
    np.testing.assert_array_equal(a.rep.series["cancelled_planned:all"][:n], b.rep.series["cancelled_planned:all"][:n])
    assert [t.info.team for t in store.teams(info.id)][-1] == "Sjukhusen från 08:00"
    # Its participant key opens it, and no other team.
    participant = keys.participant_for(branched.info)
    assert access.open_drill(store, branched.id, participant, "participant").id == branched.id
    with pytest.raises(access.NoSuchDrill):
        access.open_drill(store, source.id, participant, "participant")
    # Or a drill of its own, with its own keys.
    alone, alone_keys = access.branch_drill(store, source, source.drill.branch(8.0), "Again from 08:00")
    assert alone.info.exercise_id is None and alone.info.branched_from == source.id
    with pytest.raises(access.NoSuchDrill):
        access.open_drill(store, alone.id, keys.facilitator, "facilitator")
    assert access.open_drill(store, alone.id, alone_keys.facilitator, "facilitator").drill.clock_h == 8.0
    with pytest.raises(DrillError, match="branches from a moment it has played"):
        source.drill.branch(11.0)


def test_the_board_views_and_the_timeline_of_every_team(store, exercise):
    info, teams, _keys = exercise
    teams = to_clock(store, teams, 7.0)
    perform(store, teams[0], Choose("staff-mode", "raise-now"))
    teams = to_clock(store, store.teams(info.id), 11.0)
    views = [team_view(t.info.team, t.drill) for t in teams]
    assert views[0].readiness == "stabsläge" and views[1].readiness == "normalläge"
    assert all(v.so_far["cancelled_at_door"] > 0 for v in views)  # nobody cancelled ahead
    assert {b.deadline for b in views[0].breaches} == {"RTO", "MTPD"}
    items = timeline([(t.info.team, t.drill) for t in teams])
    assert [(i.team, i.kind) for i in items if i.kind == "decision"] == [("Sjukhusen", "decision")]
    assert {i.team for i in items if i.kind == "deadline"} == set(TEAMS)


def test_the_report_covers_every_team_with_a_comparison(store, exercise):
    info, teams, _keys = exercise
    teams = to_clock(store, teams, 7.0)
    perform(store, teams[0], Choose("staff-mode", "raise-now"))
    teams = store.teams(info.id)
    rep = build_exercise_report("Regional exercise", [(t.info.team, t.drill) for t in teams], n=2)
    text = markdown(rep)
    for section in SECTIONS:
        assert f"## {section}" in text
    for name in TEAMS:
        assert f"## Team: {name}" in text
    assert "| KPI | A played | B played | C played |" in text
    assert text.count("### Expected actions") == 3
    page = html_report(rep)
    assert "<h2>Comparison of the teams</h2>" in page and page.count("<h3>Timeline of injects and decisions</h3>") == 3


def test_compare_takes_three_logs(tmp_path):
    from sim.cli import app

    early = ROOT / "scenarios" / "drills" / "sormland-early.yaml"
    late = ROOT / "scenarios" / "drills" / "sormland-late.yaml"
    third = tmp_path / "middle.yaml"
    third.write_text(
        f"scenario: {SORMLAND}\nseed: 0\nteam: Middle\nstart: \"06:30\"\nuntil: \"12:00\"\n"
        "decisions:\n  - {at: \"07:00\", decide: staff-mode, option: raise-now}\n", encoding="utf-8")
    out = tmp_path / "three.md"
    result = CliRunner().invoke(app, ["drill", "compare", str(early), str(late), str(third), "-n", "2",
                                      "--markdown", str(out)])
    assert result.exit_code == 0, result.output
    assert "A: Early decisions" in result.output and "C: Middle" in result.output
    assert re.search(r"staff-mode-30min: A met, B late, C met", result.output)
    assert "C, 2 runs" in result.output
    assert "# 3 drills of" in out.read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["drill", "compare", str(early)])
    assert result.exit_code == 2 and "two to" in result.output


# --------------------------------------------------------------------------- the board in the app


def test_the_board_shows_every_team_and_moves_the_shared_clock(tmp_path, monkeypatch, sormland):
    path = tmp_path / "drills.sqlite"
    monkeypatch.setenv("SIM_DRILL_DB", str(path))
    start = Drill.new(sormland, seed=0, start_h=6.5)
    info, teams, keys = access.create_exercise(DrillStore(path), [(n, start) for n in TEAMS], "Regional exercise")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.query_params.update({"exercise": info.id, "key": keys.facilitator})
    at.switch_page("ui/pages/drill.py").run()
    assert not at.exception, at.exception
    text = " ".join(m.value for m in at.markdown)
    for name in TEAMS:
        assert name in text
    codes = [c.value for c in at.code]
    for t in teams:
        assert any(f"drill={t.id}&key={keys.participant_for(t.info)}" in c for c in codes)
    next(b for b in at.button if (b.label or "").startswith("Next")).click().run()
    assert not at.exception, at.exception
    assert {DrillStore(path).load(t.id).drill.clock_h for t in teams} == {DrillStore(path).load(teams[0].id).drill.clock_h}
    assert DrillStore(path).load(teams[0].id).drill.clock_h > 6.5
    # A participant key opens neither the board nor another team.
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.query_params.update({"exercise": info.id, "key": keys.participant_for(teams[0].info)})
    at.switch_page("ui/pages/drill.py").run()
    assert [e.value for e in at.error] == [access.NO_SUCH_DRILL] and not at.tabs
