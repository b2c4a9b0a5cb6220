"""Scoring of expected actions: each is a criterion with a weight and points for on time, late
and missed (a late action beyond `late_within` counts as missed); the score per team is the
points earned over the most that could be earned by the clock, with a reason for each."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sim.drill.compare import compare, html_checks, text
from sim.drill.report import build_report, html_report, markdown
from sim.drill.scoring import score
from sim.drill.session import Drill
from sim.scenario.changes import scenario_data
from sim.scenario.model import Action, Points, Scenario

STAFF_MODE = Action(do="raise_readiness", target="stabslage")


def with_criteria(sc: Scenario, **changes: dict) -> Scenario:
    data = scenario_data(sc)
    for e in data["exercise"]["expected_actions"]:
        e.update(changes.get(e["id"].replace("-", "_"), {}))
    return Scenario.model_validate(data)


def detected(drill: Drill) -> float:
    return drill.played().milestones["detected"]


def at(drill: Drill, t_h: float) -> Drill:
    while drill.clock_h < t_h - 1e-9:
        drill, _m = drill.advance(t_h)
    return drill


def staff_mode_at(sc: Scenario, minutes_after_detection: float) -> Drill:
    d = Drill.new(sc, seed=0)
    t = detected(d) + minutes_after_detection / 60
    return at(d, t).act(STAFF_MODE, by="sjukvårdsledare")


def crit(drill: Drill, cid: str):
    return next(c for c in score(drill).criteria if c.expected.id == cid)


def test_on_time_late_and_missed_give_their_points_times_the_weight(sormland):
    sc = with_criteria(sormland, staff_mode_30min={"weight": 3, "points": {"on_time": 4, "late": 2, "missed": 0}})
    on_time = crit(staff_mode_at(sc, 10), "staff-mode-30min")
    assert (on_time.outcome, on_time.points, on_time.max_points) == ("met", 12, 12)
    late = crit(staff_mode_at(sc, 50), "staff-mode-30min")
    assert (late.outcome, late.points, late.max_points) == ("late", 6, 12)
    assert "late" in late.reason and "weight 3" in late.reason
    never = at(Drill.new(sc, seed=0), detected(Drill.new(sc, seed=0)) + 2)
    missed = crit(never, "staff-mode-30min")
    assert (missed.outcome, missed.points, missed.max_points) == ("missed", 0, 12)


def test_late_beyond_the_grace_counts_as_missed_and_says_why(sormland):
    sc = with_criteria(sormland, staff_mode_30min={"late_within": "15min"})
    within = crit(staff_mode_at(sc, 40), "staff-mode-30min")
    assert within.outcome == "late" and within.points == 1
    beyond = crit(staff_mode_at(sc, 60), "staff-mode-30min")
    assert beyond.outcome == "missed" and beyond.points == 0
    assert "15 min late counts as missed" in beyond.reason


def test_criteria_not_yet_due_count_in_no_maximum(sormland):
    d = Drill.new(sormland, seed=0)
    early = score(d)
    assert early.max_points == 0 and early.share is None and "nothing scored" in early.text()
    later = score(staff_mode_at(sormland, 5))
    assert later.points == later.max_points == 2  # staff mode on time; the rest not yet due
    assert later.text() == "2 of 2 points (100%)"


def test_points_must_not_grow_with_lateness():
    with pytest.raises(ValidationError, match="on_time >= late >= missed"):
        Points(on_time=1, late=2)
    with pytest.raises(ValidationError, match="above zero"):
        Points(on_time=0, late=0)


def test_the_report_and_a_comparison_show_each_teams_score_and_reasons(sormland):
    quick, slow = staff_mode_at(sormland, 10), staff_mode_at(sormland, 50)
    report = build_report(slow, "<b>Övning</b>", "Team <i>", n=2)
    md = markdown(report)
    assert "Score: 1 of 2 points (50%)" in md and "| Points | Why |" in md
    page = html_report(report)
    assert "Score: 1 of 2 points (50%)" in page and "<i>" not in page.split("<body>")[1].split("<script")[0]
    c = compare(("Snabba", quick), ("Långsamma", slow), ("Också snabba", quick), n=2)
    out = text(c)
    assert "A: 2 of 2 points (100%)" in out and "B: 1 of 2 points (50%)" in out and "C: 2 of 2" in out
    assert html_checks(c).count("points (") == 3
