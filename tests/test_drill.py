"""Drill mode without a screen: the clock, injects and decision points, the decision log, replay,
the shipped Sörmland logs, the checklist, what-if previews, the reports and the MSEL."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from shipped import ROOT

from sim.drill.board import board
from sim.drill.catalogue import catalogue
from sim.drill.evaluate import checklist
from sim.drill.log import DrillLogError, log_yaml, parse_log, play_log, read_log
from sim.drill.msel import COLUMNS, msel_bytes, msel_csv
from sim.drill.play import play
from sim.drill.report import SECTIONS, build_report, html_report, markdown
from sim.drill.session import Drill, DrillError
from sim.engine import Control, replication_seed, simulate
from sim.scenario.model import Action

EARLY = ROOT / "scenarios" / "drills" / "sormland-early.yaml"
LATE = ROOT / "scenarios" / "drills" / "sormland-late.yaml"


@pytest.fixture(scope="module")
def early(sormland):
    return play_log(read_log(EARLY), sormland)


@pytest.fixture(scope="module")
def late(sormland):
    return play_log(read_log(LATE), sormland)


def kpis(drill: Drill) -> dict[str, float]:
    return drill.played().rep.kpis


def run_to(drill: Drill, t_h: float) -> Drill:
    """Advance to `t_h`, leaving decision points on the way open."""
    while drill.clock_h < t_h - 1e-9:
        drill, _message = drill.advance(t_h)
    return drill


# --------------------------------------------------------------------------- the engine seam


def test_drill_play_gives_the_engines_numbers(sormland):
    control = Control(automatic_escalation=False, automatic_cancellation=False, decision_defaults=False)
    seed = replication_seed(3, 0)
    assert play(sormland, seed, control).rep.kpis == simulate(sormland, seed, control=control).kpis


# --------------------------------------------------------------------------- clock and decisions


def test_the_clock_stops_at_decision_points_and_injects_arrive(sormland):
    drill = Drill.new(sormland, seed=0)
    assert drill.clock_text() == "Tue 06 Dec 06:30"
    assert drill.delivered() == []
    drill, message = drill.advance_to_next()
    assert [i.id for _t, i in drill.delivered()] == ["fault-found"]
    drill, message = drill.advance_by(1.0)
    assert "staff-mode" in message
    assert [d.id for d in drill.open_decisions()] == ["staff-mode"]
    # The question stays open while the clock moves on.
    drill, _ = drill.advance_by(0.25)
    assert [d.id for d in drill.open_decisions()] == ["staff-mode"]
    drill = drill.choose("staff-mode", "raise-now", by="sjukvårdsledare")
    assert drill.open_decisions() == []
    assert drill.played().readiness_at(drill.clock_h) == 1
    with pytest.raises(DrillError, match="already decided"):
        drill.choose("staff-mode", "wait")
    with pytest.raises(DrillError, match="only moves forward"):
        drill.advance(drill.clock_h - 1)


def test_a_decision_point_cannot_be_answered_before_it_comes(sormland):
    drill = Drill.new(sormland, seed=0)
    with pytest.raises(DrillError, match="not open"):
        drill.choose("staff-mode", "raise-now")
    with pytest.raises(DrillError, match="no option"):
        drill.advance_by(1)[0].choose("staff-mode", "nonsense")


def test_conditional_inject_follows_the_groups_decisions(early, late):
    assert "journalist" not in [i.id for _t, i in early.delivered()]
    assert "journalist" in [i.id for _t, i in late.delivered()]


def test_the_participant_sees_only_what_has_happened(sormland):
    drill = Drill.new(sormland, seed=0).advance_by(1)[0]
    played = drill.played()
    shown = played.steps_until(drill.clock_h)
    assert shown * played.rep.step_h <= drill.clock_h + 1e-9
    upcoming = {u.id for u in drill.upcoming()}
    delivered = {i.id for _t, i in drill.delivered()}
    assert "full-operation" in upcoming and not upcoming & delivered


def test_catalogue_offers_what_the_scenario_has(sormland):
    keys = {item.key for item in catalogue(sormland)}
    assert {"raise_readiness:stabslage", "lower_readiness:normallage", "activate_backup:paper-journal",
            "cancel_planned:", "cancel_planned:hospitals", "start_recovery:new-server", "inform_patients:"} <= keys


def test_an_action_from_the_catalogue_changes_the_played_timeline(sormland):
    drill = Drill.new(sormland, seed=0).advance_by(1)[0]
    before = kpis(drill)["time_to_full_operation_h"]
    after = drill.act(Action(do="start_recovery", target="new-server"))
    assert kpis(after)["time_to_full_operation_h"] < before
    with pytest.raises(DrillError, match="unknown target"):
        drill.act(Action(do="activate_backup", target="nothing"))


def test_the_board_shows_systems_down_and_on_backup_routines(sormland):
    drill = run_to(Drill.new(sormland, seed=0), 9.0)
    b = board(drill)
    rows = {r.id: r for r in b.systems}
    assert rows["regional-network"].status == "down"
    assert rows["journal"].status == "down" and "Paper journals and printed lists" in rows["journal"].stand_ins
    units = {r.id: r for r in b.units}
    assert units["hospitals"].status == "degraded"
    assert b.readiness == "normalläge"  # in a drill only the group raises the level


# --------------------------------------------------------------------------- replay and the shipped logs


def test_a_drill_replayed_from_its_log_gives_the_same_outcome(sormland, tmp_path):
    drill = Drill.new(sormland, seed=5)
    drill, _ = drill.advance_by(1)
    for dp in drill.open_decisions():
        drill = drill.choose(dp.id, dp.options[0].id)
    drill = drill.act(Action(do="cancel_planned", target="dental", period="6h"), by="primärvårdschef")
    drill = run_to(drill, 13.0)
    for dp in drill.open_decisions():
        drill = drill.skip(dp.id)
    drill = drill.add_note("Checked the phone lists", by="kommunikatör")
    path = tmp_path / "log.yaml"
    path.write_text(log_yaml(drill), encoding="utf-8")
    again = play_log(read_log(path), sormland)
    assert again.entries == drill.entries
    assert again.clock_h == drill.clock_h
    assert kpis(again) == kpis(drill)
    assert again.played().rep.events == drill.played().rep.events
    assert again.notes == drill.notes


def test_same_log_same_seed_same_outcome_and_another_seed_differs(sormland):
    log = read_log(EARLY)
    a, b = play_log(log, sormland), play_log(log, sormland)
    assert kpis(a) == kpis(b)
    assert kpis(play_log(log, sormland, seed=0)) == kpis(a)


def test_the_shipped_logs_differ_the_way_the_domain_says(early, late):
    e, lt = kpis(early), kpis(late)
    # Patients told in time: nobody turned away at the door after early cancellations.
    assert e["cancelled_at_door"] == 0
    assert lt["cancelled_at_door"] > 300
    # Informed patients call less while the phones are down. (Busy lines also lose some calls in
    # normal operation, on both courses alike, so the difference is in calls, not in a share.)
    assert e["calls_unanswered"] < lt["calls_unanswered"] - 100
    # The same failover: IT's recovery does not depend on staff mode.
    assert e["time_to_full_operation_h"] == pytest.approx(lt["time_to_full_operation_h"])
    # The early group meets every expected action; the late one is late on staff mode.
    assert {c.expected.id: c.status for c in checklist(early)} == {
        "staff-mode-30min": "met", "cancel-1h": "met", "patients-informed": "met", "stand-down-2h": "met"}
    late_checks = {c.expected.id: c.status for c in checklist(late)}
    assert late_checks["staff-mode-30min"] == "late" and late_checks["patients-informed"] == "late"


def test_the_difference_holds_over_replications(early, late):
    from sim.drill.session import kpi_stats

    e = kpi_stats(early.replication_kpis(10))
    lt = kpi_stats(late.replication_kpis(10))
    assert e["cancelled_at_door"]["mean"] < lt["cancelled_at_door"]["mean"] - 300
    assert e["calls_unanswered"]["mean"] < lt["calls_unanswered"]["mean"]


# --------------------------------------------------------------------------- bad logs


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "log.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(sormland, path: Path) -> list[str]:
    with pytest.raises(DrillLogError) as info:
        play_log(read_log(path), sormland)
    return [str(p) for p in info.value.problems]


def test_a_log_naming_an_unknown_option_names_the_line(sormland, tmp_path):
    path = write(tmp_path, 'seed: 0\ndecisions:\n  - at: "07:00"\n    decide: staff-mode\n    option: raise-later\n')
    (line,) = problems(sormland, path)
    assert f"{path} line 3" in line and "raise-later" in line and "did you mean 'raise-now'" in line


def test_a_log_with_a_time_outside_the_scenario_names_the_line(sormland, tmp_path):
    path = write(tmp_path, 'decisions:\n  - at: "2023-01-10 08:00"\n    do: inform_patients\n')
    (line,) = problems(sormland, path)
    assert "line 2" in line and "outside the drill" in line


def test_a_log_answering_a_decision_before_it_comes_says_when_it_comes(sormland, tmp_path):
    path = write(tmp_path, 'decisions:\n  - {at: "06:45", decide: staff-mode, option: raise-now}\n')
    (line,) = problems(sormland, path)
    assert "line 2" in line and "it comes at Tue 06 Dec 07:00" in line


def test_a_log_lists_every_problem_it_can(sormland, tmp_path):
    path = write(
        tmp_path,
        "seed: -1\ncolour: red\ndecisions:\n"
        '  - {at: "07:10", do: start_recovery, target: new-servr}\n'
        '  - {at: "07:10", decide: stafmode, option: x}\n'
        '  - {at: "07:10", do: raise_readines}\n'
        '  - {decide: staff-mode, option: raise-now}\n',
    )
    found = problems(sormland, path)
    text = "\n".join(found)
    for expected in ("seed", "colour", "new-servr", "stafmode", "raise_readines", "give the time"):
        assert expected in text
    assert all(str(path) in p for p in found)


def test_a_log_that_is_not_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "decisions: [\n")
    with pytest.raises(DrillLogError) as info:
        read_log(path)
    assert info.value.problems[0].line is not None


def test_parse_log_keeps_structure_problems_for_play(sormland):
    log = parse_log('decisions:\n  - {at: "07:00", decide: staff-mode}\n', "x.yaml")
    assert log.problems and "option" in log.problems[0].message


# --------------------------------------------------------------------------- what-if


def test_what_if_gives_each_option_side_by_side_with_common_random_numbers(sormland):
    drill = Drill.new(sormland, seed=0).advance_by(1)[0]
    previews = drill.what_if("staff-mode", n=4)
    assert [p.option for p in previews] == ["raise-now", "wait"]
    raise_now, wait = previews
    # Same seeds, so detection is the same under both options.
    assert raise_now.stats["detected_at_h"] == wait.stats["detected_at_h"]
    assert raise_now.played["staff_mode_h"] > wait.played["staff_mode_h"] == 0
    # The preview does not change the drill.
    assert drill.entries == ()


def test_what_if_of_a_closed_decision_is_refused(sormland):
    with pytest.raises(DrillError):
        Drill.new(sormland).what_if("staff-mode", n=2)


def test_the_band_covers_the_horizon(sormland):
    drill = Drill.new(sormland, seed=0).advance_by(2)[0]
    band = drill.band(4)
    n = len(drill.played().rep.series["capacity:hospital"])
    assert band.n == 4 and len(band.series["capacity:hospital"]["p50"]) == n
    assert (band.series["cancelled_planned"]["p10"] <= band.series["cancelled_planned"]["p90"]).all()


def test_an_option_that_changes_the_scenario_acts_from_the_decision(sormland):
    drill = run_to(Drill.new(sormland, seed=0), 8.0)
    while "failover" not in [d.id for d in drill.open_decisions()]:
        drill, _message = drill.advance_to_next()
    waited = drill.choose("failover", "wait-vendor")
    assert not waited.past_changed(drill)
    assert kpis(waited)["time_to_full_operation_h"] > kpis(drill)["time_to_full_operation_h"]


def test_an_option_chosen_after_its_changes_would_have_acted_is_flagged(sormland):
    drill = run_to(Drill.new(sormland, seed=0), 12.0)
    late = drill.choose("failover", "wait-vendor")
    assert late.past_changed(drill)


# --------------------------------------------------------------------------- reports and MSEL


@pytest.fixture(scope="module")
def late_report(late):
    return build_report(late, team="Late decisions", n=3)


def test_markdown_report_has_every_section(late_report):
    text = markdown(late_report)
    for section in SECTIONS:
        assert f"## {section}" in text
    assert "A journalist calls" in text
    assert "| Finding | Action | Owner | Due date |" in text


def test_html_report_has_every_section_and_loads_nothing_from_outside(late_report):
    page = html_report(late_report)
    for section in SECTIONS:
        assert f"<h2>{section}</h2>" in page
    assert "Plotly.newPlot" in page
    assert_no_external_resources(page)


def assert_no_external_resources(page: str) -> None:
    """No script, style, image, font or frame from anywhere but the page itself."""
    tags = re.findall(r"<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*>", page, re.I)
    for tag in tags:
        assert not re.search(r"\b(?:src|href|data)\s*=", tag, re.I), tag
    styles = " ".join(re.findall(r"<style[^>]*>(.*?)</style>", page, re.S | re.I))
    assert "@import" not in styles and "url(" not in styles
    assert not re.search(r"""style\s*=\s*["'][^"']*url\(""", page, re.I)


def test_report_never_shows_facilitator_notes(late_report, late):
    text = markdown(late_report)
    for inj in late.scenario.exercise.injects:
        if inj.facilitator_note:
            assert " ".join(inj.facilitator_note.split()) not in text


def test_improvement_plan_appears_in_the_report(late):
    from sim.drill.session import Improvement

    drill = late.with_improvements([Improvement("Staff mode came late", "Trigger list for the duty commander", "Beredskapssamordnare", "2023-03-01")])
    text = markdown(build_report(drill, n=2))
    assert "| Staff mode came late | Trigger list for the duty commander | Beredskapssamordnare | 2023-03-01 |" in text


def test_msel_lists_every_inject_and_decision_point(sormland):
    rows = list(csv.DictReader(io.StringIO(msel_csv(sormland))))
    assert tuple(rows[0]) == COLUMNS
    ids = {r["Id"] for r in rows}
    assert {i.id for i in sormland.exercise.injects} | {d.id for d in sormland.exercise.decisions} == ids
    journalist = next(r for r in rows if r["Id"] == "journalist")
    assert "not reached by 08:00" in journalist["Condition"]
    assert msel_bytes(sormland).startswith(b"\xef\xbb\xbf")


def test_the_situation_series_add_up_to_the_kpis(late):
    from sim.drill.session import series_of

    rep = late.played().rep
    assert series_of(rep, "cancelled_planned")["cancelled_planned"][-1] == rep.kpis["cancelled_planned"]
    assert series_of(rep, "calls_unanswered")["calls_unanswered"][-1] == rep.kpis["calls_unanswered"]
    assert all(k.split(":")[1] != "all" for k in series_of(rep, "capacity"))


def test_the_facilitator_guides_example_log_plays(sormland):
    text = (ROOT / "docs" / "facilitator-guide.md").read_text(encoding="utf-8")
    block = text.split("The log format:", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    drill = play_log(parse_log(block, "facilitator-guide.md"), sormland)
    assert [e.kind for e in drill.entries] == ["option", "action", "skip", "action"]
    assert drill.clock_text() == "Tue 06 Dec 12:00"
    assert drill.improvements[0].owner == "Kommunikatör"
