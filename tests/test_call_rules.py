"""The rules of phone calls and cancellation decisions that decide strategies (docs/model.md,
"Readiness ladder", calls **drop** and "Cancellation decisions"), in both engines."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from engine_factory import BASE, small_scenario

from sim.engine import (
    Control,
    TimedAction,
    replication_seed,
    simulate,
    simulate_with_timeline,
    simulator,
)
from sim.scenario.changes import apply_changes
from sim.scenario.loader import load_scenario
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


# --------------------------------------------------------------------------- cancellation decisions


def long_outage(**changes: Any) -> Scenario:
    """The small region with a network repair of 2 to 60 hours (IT says 31 h) and decisions a
    day and a half ahead, so that the estimate ends the first window."""
    sc = small_scenario(incidents__0__repair={"dist": "uniform", "low": "2h", "high": "60h"}, horizon="8d")
    return apply_changes(sc, {"policies.cancellation.ahead": "36h", **changes})


def test_the_staff_decides_again_when_it_s_estimate_passes() -> None:
    late = 0
    for seed in range(12):
        rep, tl = simulate_with_timeline(long_outage(), seed)
        back = rep.milestones["system:network:restored"]
        first_end = min(o.until_h for o in tl.cancel_orders)
        if back <= first_end + 1:
            continue
        late += 1
        # The estimate passed with the network still down: the staff cancelled again, up to its return.
        assert any(o.t_h >= first_end - 1e-9 for o in tl.cancel_orders), seed
        assert max(o.until_h for o in tl.cancel_orders) >= back - 1e-9, seed
        # Visits are lost at the door only before the first decision, not once the estimate has passed.
        door = rep.series["cancelled_at_door:hospital"] + rep.series["cancelled_at_door:primary_care"]
        k = int(first_end / rep.step_h)
        assert door[-1] - door[k] < 0.02 * rep.kpis["cancelled_planned"], seed
    assert late >= 3  # the test sees outages that outrun the estimate


def test_a_new_estimate_is_the_mean_given_how_long_the_work_has_lasted() -> None:
    from sim.scenario.distributions import LogNormal, Triangular

    tri = Triangular(dist="triangular", low="1h", mode="2h", high="5h")
    assert tri.mean_beyond(0) == pytest.approx(tri.mean)
    assert tri.mean_beyond(4) == pytest.approx(4 + 1 / 3, abs=1e-3)  # the last hour's tail: a third of it
    logn = LogNormal(dist="lognormal", median="1d", p90="3d")
    rng = np.random.default_rng(3)
    drawn = np.mean([logn.sample_beyond(rng, 30.0) for _ in range(20_000)])
    assert logn.mean_beyond(30.0) == pytest.approx(drawn, rel=0.03)
    assert logn.mean_beyond(30.0) > 30.0


DECISION = {"id": "cancel", "question": "Cancel planned visits?", "when": {"milestone": "detected", "delay": "10min"},
            "default": "yes", "options": [
                {"id": "yes", "label": "Cancel", "actions": [{"do": "cancel_planned", "period": "10h"}]},
                {"id": "no", "label": "Wait"}]}


@pytest.mark.parametrize("engine", ENGINES)
def test_decide_never_cancels_nothing_ahead(engine: str) -> None:
    sc = small_scenario(exercise={"decisions": [DECISION]})
    never = apply_changes(sc, {"policies.cancellation.decide": "never"})
    run = simulator(engine)
    assert run(sc, 2).kpis["cancelled_ahead"] > 0
    rep = run(never, 2)
    assert rep.kpis["cancelled_ahead"] == 0
    assert rep.kpis["cancelled_at_door"] > 0  # the visits are lost at the door instead


def test_decide_never_cancels_nothing_ahead_in_sormland() -> None:
    sc = load_scenario(Path(__file__).parent.parent / "scenarios" / "sormland-network-2022.yaml")
    rep = simulate(apply_changes(sc, {"policies.cancellation.decide": "never"}), replication_seed(2024, 0))
    assert rep.kpis["cancelled_ahead"] == 0
    assert rep.kpis["cancelled_at_door"] > 0


def zero_length(sc: Scenario) -> Scenario:
    changes: dict[str, Any] = {}
    for inc in sc.incidents:
        for part in ("detection_delay", "diagnosis", "repair", "verification"):
            changes[f"incidents.{inc.id}.{part}"] = "0h"
    return apply_changes(sc, changes)


def same_kpis(a: dict[str, float], b: dict[str, float]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert (math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k], (k, a[k], b[k])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_zero_length_outage_changes_nothing(engine: str) -> None:
    sc = small_scenario(exercise={"decisions": [DECISION]})
    run = simulator(engine)
    for seed in range(2):
        same_kpis(run(zero_length(sc), seed).kpis, run(small_scenario(incidents=[], exercise={"decisions": [DECISION]}),
                                                          seed).kpis)


def test_a_zero_length_outage_in_sormland_changes_nothing() -> None:
    sc = load_scenario(Path(__file__).parent.parent / "scenarios" / "sormland-network-2022.yaml")
    zero = simulate(zero_length(sc), replication_seed(2024, 0))
    same_kpis(zero.kpis, simulate(sc.model_copy(update={"incidents": []}), replication_seed(2024, 0)).kpis)
    assert zero.kpis["staff_mode_h"] == 0


def test_a_failure_on_a_restoration_curve_complete_at_once_changes_nothing() -> None:
    from sim.engine.incident import lasts_no_time
    from sim.scenario.model import Incident

    at_once = Incident(id="x", name="X", at="+1h", fails=["network"], restoration=[{"after": "0h", "fraction": 1}])
    later = Incident(id="x", name="X", at="+1h", fails=["network"], restoration=[{"after": "1h", "fraction": 1}])
    repaired = Incident(id="x", name="X", at="+1h", fails=["network"], repair="0h", detection_delay="5min")
    assert lasts_no_time(at_once) and not lasts_no_time(later) and not lasts_no_time(repaired)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_routine_below_what_is_left_without_it_creates_no_debt(engine: str) -> None:
    # The primary-care centres keep 0.1 without the journal; a routine at 0.05 lifts nothing.
    sc = small_scenario()
    useless = apply_changes(sc, {"backup_routines.paper.capacity": 0.05, "backup_routines.paper.covers": ["vc"]})
    none = apply_changes(sc, {"backup_routines.paper.enabled": False, "backup_routines.paper.covers": ["vc"]})
    run = simulator(engine)
    assert run(useless, 8).kpis["admin_debt_peak_h"] == pytest.approx(run(none, 8).kpis["admin_debt_peak_h"])


# --------------------------------------------------------------------------- call surge

PER_H = 10 * 120 / 9
"""New calls an hour on the small region's phone lines (10 lines, 120 a day, 08:00-17:00)."""


def surge_region(**changes: Any) -> Scenario:
    """The small region with a dental clinic the outage does not touch, and a network outage from
    08:00 to 14:00 on day 2, found at once (no patients informed: no call_reduction)."""
    units = [*copy.deepcopy(BASE["region"]["units"]),
             {"id": "dent", "name": "Dental", "kind": "dental", "planned": {"visits_per_day": 50}}]
    sc = small_scenario(region__units=units, incidents__0__detection_delay="0h")
    return apply_changes(sc, changes) if changes else sc


def extra_calls(engine: str, control: Control = DRILL, seeds: int = 3, **surge: Any) -> float:
    """First attempts with the surge less those without, a mean over `seeds` replications."""
    changes = {k if k.startswith(("policies.", "region.")) else f"region.phone_lines.phones.{k}": v
               for k, v in surge.items()}
    with_surge = first_calls(surge_region(**changes), engine, control, seeds)
    plain = {k: v for k, v in changes.items() if not k.endswith(".factor")}
    return (with_surge - first_calls(surge_region(**plain), engine, control, seeds)) / seeds


@pytest.mark.parametrize("engine", ENGINES)
def test_a_line_surges_with_the_share_its_units_have_lost(engine: str) -> None:
    # The primary-care centres keep 0.1 of their capacity without the journal: 0.9 of the surge.
    extra = extra_calls(engine, **{"surge.factor": 3, "surge.half_life": "1min", "serves": ["vc"]})
    assert extra == pytest.approx(2 * 0.9 * PER_H * 6, rel=0.06)  # 1.8 times more calls for the 6 hours
    # Without the journal at all (effect: stop), the whole surge.
    stop = {"region.units.vc.depends_on.journal.effect": "stop", "region.units.vc.depends_on.journal.capacity": None}
    whole = extra_calls(engine, **{"surge.factor": 3, "surge.half_life": "1min", "serves": ["vc"]}, **stop)
    assert whole == pytest.approx(2 * PER_H * 6, rel=0.06)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_extra_calls_halve_every_half_life_after(engine: str) -> None:
    extra = extra_calls(engine, **{"surge.factor": 3, "surge.half_life": "2h", "serves": ["vc"]})
    after = 2 * 0.9 * PER_H * 2 / math.log(2) * (1 - 2 ** -1.5)  # from 14:00 to closing at 17:00
    assert extra == pytest.approx(2 * 0.9 * PER_H * 6 + after, rel=0.06)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_line_whose_units_are_not_hit_surges_only_with_the_news(engine: str) -> None:
    quiet = extra_calls(engine, **{"surge.factor": 3, "surge.half_life": "1min", "serves": ["dent"]})
    assert abs(quiet) < 0.03 * PER_H * 9 * 5
    zero = {"policies.escalation.call_reduction": 0}
    news = extra_calls(engine, informed_at(34.0), **{"surge.factor": 3, "surge.half_life": "1min",
                                                     "serves": ["dent"]}, **zero)
    assert news == pytest.approx(2 * PER_H * 4, rel=0.08)  # from informing at 10:00 to full operation at 14:00


def test_no_surge_changes_nothing() -> None:
    sc = surge_region()
    same = apply_changes(sc, {"region.phone_lines.phones.surge.factor": 1, "region.phone_lines.phones.surge.half_life": "9h"})
    same_kpis(simulate(sc, 4).kpis, simulate(same, 4).kpis)

