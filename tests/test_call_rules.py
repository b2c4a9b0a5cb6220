"""The rules of phone calls that decide strategies (docs/model.md, "Readiness ladder" and calls
**drop**): informed patients call less by exactly `call_reduction`, in both engines."""

from __future__ import annotations

from typing import Any

import pytest
from engine_factory import small_scenario

from sim.engine import Control, TimedAction, simulator
from sim.scenario.changes import apply_changes
from sim.scenario.model import CALL_REDUCTION_LEFT_OUT, Action, Scenario

ENGINES = ("fast", "reference")

DRILL = Control(automatic_escalation=False, automatic_cancellation=False, decision_defaults=False,
                automatic_patient_information=False)


def informed_at(t_h: float) -> Control:
    """A drill in which the group informs patients at `t_h`."""
    return Control(actions=(TimedAction(t_h, Action(do="inform_patients")),), automatic_escalation=False,
                   automatic_cancellation=False, decision_defaults=False, automatic_patient_information=False)


def first_calls(scenario: Scenario, engine: str, control: Control, seeds: int = 3) -> int:
    run = simulator(engine)
    return sum(int(run(scenario, seed, control=control).ledger["calls"]["first_attempts"]) for seed in range(seeds))


def outage(**changes: Any) -> Scenario:
    """The small region with a network outage of two days from the morning of day 2."""
    sc = small_scenario(incidents__0__repair="2d")
    return apply_changes(sc, changes) if changes else sc


@pytest.mark.parametrize("engine", ENGINES)
def test_a_call_reduction_of_zero_avoids_no_call_when_patients_are_informed(engine: str) -> None:
    sc = outage(**{"policies.escalation.call_reduction": 0})
    assert first_calls(sc, engine, informed_at(33.0)) == first_calls(sc, engine, DRILL)


@pytest.mark.parametrize("engine", ENGINES)
def test_informed_patients_avoid_the_given_share_of_calls(engine: str) -> None:
    base = first_calls(outage(), engine, DRILL)
    half = first_calls(outage(**{"policies.escalation.call_reduction": 0.5}), engine, informed_at(33.0))
    left_out = first_calls(outage(), engine, informed_at(33.0))
    assert half < left_out < base
    # The calls avoided in the same window scale with the share avoided: 20% left out, 50% given.
    assert (base - left_out) / (base - half) == pytest.approx(CALL_REDUCTION_LEFT_OUT / 0.5, rel=0.15)


def test_staff_mode_informs_patients_only_when_the_scenario_gives_a_call_reduction() -> None:
    run = simulator("fast")
    left_out = run(outage(), 1)
    zero = run(outage(**{"policies.escalation.call_reduction": 0}), 1)
    assert not any(e.kind == "informed" for e in left_out.events)
    assert any(e.kind == "informed" for e in zero.events)
    assert zero.ledger["calls"]["first_attempts"] == left_out.ledger["calls"]["first_attempts"]
