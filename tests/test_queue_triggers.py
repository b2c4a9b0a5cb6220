"""Escalation triggered by the queues (docs/model.md, "Readiness ladder", **Queue triggers**): the
acute queue, the share of unanswered calls and the blocked beds, as the flows give them at the end
of every time step, raise the readiness level like the units hit do; the incident machinery runs
again over the queues of its last timeline until the levels settle."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError
from reference_scenarios import SYNTHETIC

from sim.engine import Budget, Control, replication_seed, simulate, simulate_with_timeline
from sim.engine.incident import IncidentRun
from sim.engine.queue_watch import QueueLevels, queue_levels
from sim.engine.reference import simulate_reference
from sim.engine.replication import compile_plan, play_incident
from sim.engine.streams import Streams
from sim.scenario.changes import apply_changes
from sim.scenario.model import EscalationTrigger


def first_end(holds: np.ndarray, step_h: float, after_h: float) -> float:
    """The end of the first time step after `after_h` at whose end a condition holds."""
    ends = (np.arange(len(holds)) + 1) * step_h
    return float(ends[holds & (ends >= after_h)][0])


def test_a_trigger_needs_a_condition_and_a_finite_threshold() -> None:
    with pytest.raises(ValidationError, match="acute_queue, unanswered_calls, blocked_beds"):
        EscalationTrigger.model_validate({"level": "stabslage"})
    with pytest.raises(ValidationError):
        EscalationTrigger.model_validate({"level": "stabslage", "unanswered_calls": 1.5})
    assert EscalationTrigger.model_validate({"level": "stabslage", "acute_queue": 12}).watches_queues
    assert not EscalationTrigger.model_validate({"level": "stabslage", "units_hit": 1}).watches_queues


def test_the_levels_hold_each_condition_at_the_end_of_a_step() -> None:
    levels = QueueLevels(0.5, np.array([0.0, 3, 8, 2]), np.array([0.0, 0.2, 0.7, 0.1]), np.array([0.0, 40, 60, 90]))
    trig = EscalationTrigger.model_validate({"level": "stabslage", "acute_queue": 8, "blocked_beds": 90})
    assert levels.holds(trig).tolist() == [False, False, True, True]
    assert levels.moments(trig) == [1.5, 2.0]
    assert not levels.holds_at(trig, 1.4) and levels.holds_at(trig, 1.5) and levels.holds_at(trig, 1.9)
    calls = EscalationTrigger.model_validate({"level": "stabslage", "unanswered_calls": 0.7})
    assert levels.holds(calls).tolist() == [False, False, True, False]


def test_the_unanswered_share_is_over_the_last_hour() -> None:
    attempts = np.cumsum([10, 10, 10, 10, 0, 0])
    unanswered = np.cumsum([0, 10, 5, 0, 0, 0])
    series = {"readiness": np.zeros(6), "calls_attempts:phone": attempts, "calls_unanswered:phone": unanswered}
    levels = queue_levels(series, 0.5)
    np.testing.assert_allclose(levels.unanswered_share, [0, 0.5, 0.75, 0.25, 0, 0])


def test_the_queues_raise_the_levels_when_they_pass_the_thresholds() -> None:
    """Stabsläge 37 minutes after the end of the first step after detection at which 60% of the
    last hour's calls went unanswered; förstärkningsläge an hour after 100 beds are held; both
    read off the replication's own queues (the passes have settled)."""
    scenario = SYNTHETIC["queue-triggers"]()
    for k in range(3):
        rep = simulate(scenario, replication_seed(11, k))
        levels = queue_levels(rep.series, rep.step_h)
        detected = rep.kpis["detected_at_h"]
        staff, reinforced = rep.readiness[1], rep.readiness[2]
        assert staff[1] == 1 and reinforced[1] == 2
        assert staff[0] == pytest.approx(first_end(levels.unanswered_share >= 0.6, rep.step_h, detected) + 37 / 60)
        assert reinforced[0] == pytest.approx(first_end(levels.blocked_beds >= 100, rep.step_h, detected) + 1)


def test_the_passes_settle_on_a_timeline_its_own_queues_give_again() -> None:
    scenario = SYNTHETIC["queue-triggers"]()
    seed = replication_seed(11, 1)
    plan = compile_plan(scenario)
    timeline, _streams, rep = play_incident(plan, lambda: Streams(seed), Control(), Budget())
    assert rep is not None
    again = IncidentRun(scenario, plan.model, Streams(seed), Control(), Budget(),
                        queue_levels(rep.series, plan.grid.step_h)).run()
    assert again.readiness == timeline.readiness


def test_same_seed_same_numbers_and_the_same_patients_and_callers() -> None:
    scenario = SYNTHETIC["queue-triggers"]()
    by_units = SYNTHETIC["staff-mode"]()
    seed = replication_seed(3, 0)
    a, b, c = simulate(scenario, seed), simulate(scenario, seed), simulate(by_units, seed)
    assert a.kpis == b.kpis and a.readiness == b.readiness
    assert a.readiness != c.readiness
    # The same patients and callers: what happens before the first level differs is the same.
    n = int(min(a.readiness[1][0], c.readiness[1][0]) / a.step_h)
    for key in ("calls_attempts:phone", "blocked_beds:all"):
        np.testing.assert_array_equal(a.series[key][:n], c.series[key][:n], err_msg=key)


def test_a_queue_trigger_that_never_holds_changes_nothing() -> None:
    scenario = SYNTHETIC["staff-mode"]()
    never = apply_changes(scenario, {"policies.escalation.triggers": [
        *[t.model_dump(mode="json", exclude_none=True) for t in scenario.policies.escalation.triggers],
        {"level": "forstarkningslage", "acute_queue": 100_000},
    ]})
    for k in range(2):
        seed = replication_seed(4, k)
        assert simulate(never, seed).kpis == simulate(scenario, seed).kpis


def test_in_a_drill_the_group_decides_and_no_queue_raises_the_level() -> None:
    scenario = SYNTHETIC["queue-triggers"]()
    control = Control(automatic_escalation=False, automatic_cancellation=False, decision_defaults=False,
                      automatic_patient_information=False)
    rep, _timeline = simulate_with_timeline(scenario, replication_seed(11, 0), control=control)
    assert rep.readiness == ((0.0, 0),)


def test_both_engines_see_the_same_queue_triggered_timeline() -> None:
    scenario = SYNTHETIC["queue-triggers"]()
    seed = replication_seed(11, 2)
    fast, ref = simulate(scenario, seed), simulate_reference(scenario, seed)
    assert fast.readiness == ref.readiness
    assert math.isclose(fast.kpis["staff_mode_h"], ref.kpis["staff_mode_h"])
