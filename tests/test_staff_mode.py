"""Staff mode acts (docs/model.md, "Readiness ladder", **Staff mode acts**): while staff mode lasts
the crisis staff moves staff to the care services short of capacity and opens extra phone
capacity, so raising it earlier shows in the patients' and the phones' KPIs, in batch runs and in
a drill's what-if preview."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from reference_scenarios import SYNTHETIC

from sim.drill.session import Drill
from sim.engine import Control, TimedAction, replication_seed, simulate
from sim.engine.staff_mode import active, reinforced, staff_mode_spans
from sim.scenario.changes import apply_changes
from sim.scenario.loader import load_scenario
from sim.scenario.model import Action, Scenario

ROOT = Path(__file__).resolve().parent.parent
VASTERBOTTEN = ROOT / "scenarios" / "vasterbotten-tietoevry-2024.yaml"
SORMLAND = ROOT / "scenarios" / "sormland-network-2022.yaml"
HARM = ("calls_unanswered", "blocked_bed_days", "acute_not_in_time", "cancelled_acute", "cancelled_planned",
        "lost_capacity_h")


def without_staff_acts(scenario: Scenario) -> Scenario:
    return apply_changes(scenario, {"policies.staff_mode.redeploy": 0, "policies.staff_mode.phone_capacity": 0})


def strategy(scenario: Scenario, strategy_id: str) -> Scenario:
    return apply_changes(scenario, next(s for s in scenario.strategies if s.id == strategy_id).set)


def test_a_short_service_gets_the_share_of_what_it_has_never_beyond_normal() -> None:
    cap = np.array([0.0, 0.5, 0.95, 0.99, 1.0])
    np.testing.assert_allclose(reinforced(cap, 0.1), [0.0, 0.55, 1.0, 1.0, 1.0])
    # No threshold: a small change of capacity gives a small change.
    c = np.linspace(0, 1, 1001)
    assert np.abs(np.diff(reinforced(c, 0.25))).max() <= 1.25 * 0.001 + 1e-12
    assert (reinforced(c, 0.25) >= c).all()


def test_the_delay_runs_from_each_raise_and_ends_at_the_stand_down() -> None:
    spans = staff_mode_spans([(0.0, 0), (2.0, 1), (3.0, 2), (5.0, 0), (8.0, 1)])
    assert spans == [(2.0, 5.0), (8.0, np.inf)]
    times = np.arange(0, 12, 0.5)
    on = active(spans, 1.0, times)
    assert times[on].tolist() == [3.0, 3.5, 4.0, 4.5, 9.0, 9.5, 10.0, 10.5, 11.0, 11.5]
    assert not active([], 0.0, times).any()


def test_the_staff_lifts_the_phones_and_the_discharges_only_while_staff_mode_lasts() -> None:
    scenario = SYNTHETIC["staff-mode"]()
    seed = replication_seed(11, 0)
    rep, bare = simulate(scenario, seed), simulate(without_staff_acts(scenario), seed)
    (raised, _), (lowered, _) = rep.readiness[1], rep.readiness[2]
    assert rep.readiness == bare.readiness  # the ladder looks at the services without the staff
    mid = (np.arange(len(rep.series["readiness"])) + 0.5) * rep.step_h
    for series, after in (("unit_capacity:phones", 23 / 60), ("unit_capacity:hosp", 5 + 13 / 60)):
        lifted = rep.series[series] > bare.series[series] + 1e-9
        assert lifted.any(), series
        assert (mid[lifted] >= raised + after).all() and (mid[lifted] < lowered).all(), series
        assert (rep.series[series] >= bare.series[series] - 1e-12).all()
    assert rep.kpis["calls_unanswered"] < bare.kpis["calls_unanswered"]
    assert rep.kpis["blocked_bed_days"] < bare.kpis["blocked_bed_days"]


@pytest.mark.parametrize("name", ["sormland-network-2022", "vasterbotten-tietoevry-2024"])
def test_what_the_staff_does_never_makes_a_harm_kpi_worse(name: str) -> None:
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    bare = without_staff_acts(scenario)
    for k in range(3):
        seed = replication_seed(5, k)
        with_staff, without = simulate(scenario, seed).kpis, simulate(bare, seed).kpis
        for kpi in HARM:
            assert with_staff[kpi] <= without[kpi] * 1.005 + 1, (kpi, k)


def test_early_staff_mode_in_vasterbotten_holds_fewer_beds_paired() -> None:
    """Regional staff mode on the Saturday instead of the Monday: the redeployed staff work the
    manual discharges two days longer, so fewer beds are held by patients ready to leave, in every
    replication of a pair with common random numbers. Without the staff's acts the timing of
    staff mode changes no bed."""
    base = load_scenario(VASTERBOTTEN)
    early = strategy(base, "early-staff-mode")
    for k in range(3):
        seed = replication_seed(0, k)
        late_kpis, early_kpis = simulate(base, seed).kpis, simulate(early, seed).kpis
        assert early_kpis["staff_mode_h"] > late_kpis["staff_mode_h"] + 24
        assert early_kpis["blocked_bed_days"] < 0.95 * late_kpis["blocked_bed_days"], k
        bare_late = simulate(without_staff_acts(base), seed).kpis
        bare_early = simulate(without_staff_acts(early), seed).kpis
        assert bare_early["blocked_bed_days"] == pytest.approx(bare_late["blocked_bed_days"])


def test_the_sormland_drills_staff_mode_decision_differs_between_its_options() -> None:
    """The what-if preview of "raise staff mode now or wait": raising it now opens the extra phone
    capacity and the redeployed staff, so fewer calls go unanswered, in the drill's own course
    and over the runs that share its past."""
    drill = Drill.new(load_scenario(SORMLAND), seed=0)
    while "staff-mode" not in [d.id for d in drill.open_decisions()]:
        drill, _message = drill.advance_to_next()
    preview = {w.option: w for w in drill.what_if("staff-mode", n=4)}
    now, wait = preview["raise-now"], preview["wait"]
    assert now.played["staff_mode_h"] > wait.played["staff_mode_h"] == 0
    assert now.played["calls_unanswered"] < wait.played["calls_unanswered"]
    assert now.stats["calls_unanswered"]["mean"] < 0.95 * wait.stats["calls_unanswered"]["mean"]
    assert now.stats["blocked_bed_days"]["mean"] <= wait.stats["blocked_bed_days"]["mean"]


def test_the_staff_asks_for_the_mutual_aid_that_waits_for_a_decision() -> None:
    scenario = apply_changes(SYNTHETIC["staff-mode"](), {"recovery_actions": [
        {"id": "neighbours", "name": "Nurses from the neighbouring region", "kind": "mutual_aid",
         "covers": ["hosp"], "capacity": 0.2, "start": {"after": "manual"}, "lead_time": "3h 7min"},
    ]})
    seed = replication_seed(11, 0)
    asked = simulate(scenario, seed)
    not_asked = simulate(apply_changes(scenario, {"policies.staff_mode.ask_mutual_aid": False}), seed)
    raised = asked.readiness[1][0]
    assert asked.milestones["action:neighbours:in_effect"] == pytest.approx(raised + 3 + 7 / 60)
    assert "action:neighbours:in_effect" not in not_asked.milestones
    assert asked.kpis["blocked_bed_days"] < not_asked.kpis["blocked_bed_days"]


def coordinated() -> Scenario:
    """Primary care at 85% of its planned capacity while the journal is down: above the units' own
    threshold for cancelling ahead (80%), below what its bookings need (90%)."""
    scenario = SYNTHETIC["planned-only"]()
    return apply_changes(scenario, {
        "region.units.vc.depends_on": [{"system": "journal", "effect": "reduce", "capacity": 0.85}],
        "policies.cancellation.capacity_below": 0.8,
        "policies.escalation.triggers": [{"level": "stabslage", "units_hit": 1, "decision_delay": "10min"}],
    })


def test_in_staff_mode_the_region_cancels_ahead_what_the_units_would_turn_away_at_the_door() -> None:
    scenario = coordinated()
    local = apply_changes(scenario, {"policies.staff_mode.coordinate_cancellations": False})
    for k in range(3):
        seed = replication_seed(2, k)
        central, units = simulate(scenario, seed).kpis, simulate(local, seed).kpis
        assert units["cancelled_ahead"] == 0 and units["cancelled_at_door"] > 0
        assert central["cancelled_ahead"] > 0
        assert central["cancelled_at_door"] < 0.5 * units["cancelled_at_door"], k


def test_in_a_drill_the_group_cancels_not_the_staff_mode_policy() -> None:
    control = Control(actions=(TimedAction(31.5, Action(do="raise_readiness", target="stabslage"), "group"),),
                      automatic_escalation=False, automatic_cancellation=False, decision_defaults=False,
                      automatic_patient_information=False)
    rep = simulate(coordinated(), replication_seed(2, 0), control=control)
    assert rep.readiness[1] == (31.5, 1)
    assert rep.kpis["cancelled_ahead"] == 0
