"""Deadlines from the business impact analysis (rto, mtpd): a disruption that outlasts one is a
breach; it fires an inject to the roles named, the board marks it, the KPIs count breaches and
hours beyond, the after-action report lists them, and batch runs report them per strategy."""

from __future__ import annotations

import copy
import math

import pytest
from engine_factory import BASE
from shipped import ROOT, SORMLAND

from sim.drill.board import board
from sim.drill.report import build_report, markdown
from sim.drill.session import Drill
from sim.engine import simulate, simulate_with_timeline
from sim.scenario.changes import apply_strategy
from sim.scenario.loader import load_scenario
from sim.scenario.model import Scenario


def small(**continuity) -> Scenario:
    """The engine tests' small region; `continuity` maps a part's path to its deadlines."""
    data = copy.deepcopy(BASE)
    for where, spec in continuity.items():
        key, index = where.split("__")
        data["region"][key][int(index)]["continuity"] = spec
    return Scenario.model_validate(data)


def test_an_mtpd_breach_fires_an_inject_to_the_roles_named(sormland):
    """Sörmland's phone lines may be below half capacity for four hours (assumed); the mobile
    phones give 30%, so the MTPD passes four hours after the fault and the inject arrives."""
    drill = Drill.new(sormland, seed=0)
    while drill.clock_h < 11.0:
        drill, _message = drill.advance(11.0)
    delivered = {inj.id: (t, inj) for t, inj in drill.delivered()}
    t, inject = delivered["deadline:vc-phones:mtpd"]
    failure = drill.played().milestones["first_failure"]
    assert t == pytest.approx(failure + 4.0)
    assert inject.to == ["primärvårdschef", "kommunikatör"]
    assert "MTPD" in inject.title and "primary-care" in inject.title.lower()
    assert "maximum tolerable period of disruption" in inject.message
    # It is a milestone too, and on the event log.
    assert drill.played().milestones["deadline:vc-phones:mtpd"] == pytest.approx(t)
    assert any(e.kind == "deadline" and e.subject == "vc-phones" for e in drill.played().rep.events)


def test_the_next_stop_and_upcoming_list_show_the_coming_breach(sormland):
    drill = Drill.new(sormland, seed=0)
    while drill.clock_h < 8.0:
        drill, _message = drill.advance(8.0)
    upcoming = {u.id: u for u in drill.upcoming()}
    assert upcoming["deadline:vc-phones:rto"].t_h == pytest.approx(drill.played().milestones["first_failure"] + 2)


def test_breaches_and_hours_beyond_are_counted(sormland):
    rep, timeline = simulate_with_timeline(sormland, 0)
    breaches = timeline.breaches
    assert {(b.entity, b.deadline) for b in breaches} == {("vc-phones", "rto"), ("vc-phones", "mtpd"), ("journal", "rto")}
    assert rep.kpis["rto_breaches"] == 2 and rep.kpis["mtpd_breaches"] == 1
    full = rep.milestones["full_operation"]
    for b in breaches:
        assert b.until == pytest.approx(full)  # the disruption ends with full operation
        assert b.breached_at == pytest.approx(b.disrupted_at + b.limit_h)
    beyond = sum(b.until - b.breached_at for b in breaches if b.deadline == "rto")
    assert rep.kpis["rto_breach_h"] == pytest.approx(beyond)


def test_backup_routines_keep_a_unit_within_its_deadline_and_removing_them_breaches_it(sormland):
    """The hospitals' acute care is on paper journals at about two thirds of capacity, above the
    half the analysis asks for; without the routines the MTPD is breached. Removing a resource
    never lowers the breaches."""
    with_routines = [simulate(sormland, k).kpis for k in range(4)]
    without = apply_strategy(sormland, "no-backup-routines")
    no_routines = [simulate(without, k).kpis for k in range(4)]
    for a, b in zip(with_routines, no_routines, strict=True):
        assert b["mtpd_breaches"] >= a["mtpd_breaches"] and b["mtpd_breach_h"] >= a["mtpd_breach_h"]
    assert sum(b["mtpd_breaches"] for b in no_routines) > sum(a["mtpd_breaches"] for a in with_routines)


def test_a_disruption_shorter_than_the_deadline_is_no_breach():
    sc = small(systems__1={"rto": "7h", "mtpd": "1d"})  # the journal, down about 6 hours
    rep, timeline = simulate_with_timeline(sc, 0)
    assert timeline.breaches == [] and rep.kpis["rto_breaches"] == 0 and rep.kpis["rto_breach_h"] == 0
    sc = small(systems__1={"rto": "2h"})
    rep, timeline = simulate_with_timeline(sc, 0)
    assert [b.deadline for b in timeline.breaches] == ["rto"] and rep.kpis["rto_breaches"] == 1
    assert math.isnan(rep.kpis["mtpd_breaches"])  # no MTPD is declared anywhere


def test_a_scenario_without_deadlines_gives_no_deadline_numbers():
    rep = simulate(small(), 0)
    for name in ("rto_breaches", "rto_breach_h", "mtpd_breaches", "mtpd_breach_h"):
        assert math.isnan(rep.kpis[name])


def test_a_tiring_backup_routine_slides_below_the_threshold_and_breaches():
    """Fatigue lowers a backup routine's capacity between changes of state; the watch notices the
    slide within a time step."""
    data = copy.deepcopy(BASE)
    data["incidents"][0]["repair"] = "3d"
    data["backup_routines"][0].update(capacity=0.9, fatigue={"after": "6h", "loss_per_day": 0.8, "floor": 0.1})
    data["region"]["units"][1]["continuity"] = {"mtpd": "4h", "disrupted_below": 0.5, "services": ["planned"]}
    sc = Scenario.model_validate(data)
    rep, timeline = simulate_with_timeline(sc, 0)
    (breach,) = timeline.breaches
    backup = rep.milestones["backup:paper:active"]
    # The routine stands in for the journal at its own level, so the unit falls below half when the
    # routine does: 6 h + (0.9 - 0.5) / (0.8 / 24) h after it came into use.
    slide = backup + 6 + (0.9 - 0.5) / (0.8 / 24)
    assert breach.disrupted_at == pytest.approx(slide, abs=0.25 + 1e-6)
    assert breach.breached_at == pytest.approx(breach.disrupted_at + 4)


def test_the_board_marks_the_breach_and_the_report_lists_it(sormland):
    drill = Drill.new(sormland, seed=0)
    while drill.clock_h < 11.0:
        drill, _message = drill.advance(11.0)
    b = board(drill)
    phones = next(r for r in b.units if r.id == "vc-phones")
    assert phones.breached == ("RTO", "MTPD")
    journal = next(r for r in b.systems if r.id == "journal")
    assert journal.breached == ("RTO",)
    assert [(r.entity, r.deadline) for r in b.breaches] == [
        ("vc-phones", "RTO"), ("journal", "RTO"), ("vc-phones", "MTPD")]
    text = markdown(build_report(drill, n=2))
    assert "## Continuity deadlines" in text
    assert "| Primary-care centres' phone lines | MTPD 4 h |" in text.replace("\\'", "'")


def test_batch_runs_report_breaches_per_strategy(sormland, tmp_path):
    from typer.testing import CliRunner

    from sim.cli import app

    out = tmp_path / "summary.json"
    result = CliRunner().invoke(app, ["run", str(SORMLAND), "-n", "3", "--executor", "serial", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "MTPD breaches" in result.output and "RTO breaches" in result.output
    result = CliRunner().invoke(app, ["run", str(ROOT / "scenarios" / "vgr-login-2022.yaml"), "-n", "2",
                                      "--executor", "serial"])
    assert result.exit_code == 0 and "MTPD" not in result.output  # declares no deadlines


def test_deadline_problems_name_the_field(write_scenario, minimal_scenario_yaml):
    from conftest import edit

    from sim.scenario.problems import ScenarioError

    text = edit(minimal_scenario_yaml, "      depends_on:\n        - system: journal\n",
                "      depends_on:\n        - system: journal\n      continuity: {mtpd: 2h, rto: 3h, services: [discharge]}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(text))
    assert "rto must not be longer than mtpd" in str(info.value)
    text = edit(minimal_scenario_yaml, "      depends_on:\n        - system: journal\n",
                "      depends_on:\n        - system: journal\n      continuity: {mtpd: 4h, services: [discharge]}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(text))
    assert "line 20: region.units.vc-public.continuity.services.0" in str(info.value) and "no discharge service" in str(info.value)
    # A breach is a milestone that injects can wait for.
    text = edit(minimal_scenario_yaml, "      depends_on:\n        - system: journal\n",
                "      depends_on:\n        - system: journal\n      continuity: {mtpd: 2h}\n")
    text += ("exercise:\n  injects:\n    - id: imy\n      when: {milestone: \"deadline:vc-public:mtpd\"}\n"
             "      title: Report to the authority\n")
    sc = load_scenario(write_scenario(text))
    rep = simulate(sc, 0)
    assert rep.injects[-1][1] == "imy" and rep.injects[-1][0] == pytest.approx(rep.milestones["deadline:vc-public:mtpd"])
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(text.replace("deadline:vc-public:mtpd", "deadline:switchboard:mtpd")))
    assert "unknown unit, phone line, consumable or system with continuity 'switchboard'" in str(info.value)
