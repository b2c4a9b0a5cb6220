"""Honest KPIs: nothing improves when a resource is removed, diverted patients count, work done
without a system leaves records whether or not a routine is used, and moments not reached within
the horizon are censored, never averaged over the lucky replications only."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from engine_factory import small_scenario

from sim.engine import replication_seed, simulate
from sim.engine.flows.acute import arrival_waits, not_in_time
from sim.experiments.stats import moment_bounds, summarize
from sim.scenario.changes import apply_changes
from sim.scenario.loader import load_scenario
from sim.scenario.model import Scenario
from sim.vocabulary import HARM_KPIS, kpi

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
REPLICATIONS = {"large-region-benchmark": 3, "national-supplier-attack": 3}
SLACK = {"h": 0.01, "bed-days": 0.5}
"""Noise allowed on a paired mean (hours, bed-days); counts allow one, plus 0.5% of the value."""


def removals(scenario: Scenario) -> dict[str, dict[str, bool]]:
    """One variant per backup routine and per recovery action in use: without it."""
    out = {f"without backup routine {b.id}": {f"backup_routines.{b.id}.enabled": False}
           for b in scenario.backup_routines if b.enabled}
    out.update({f"without recovery action {a.id}": {f"recovery_actions.{a.id}.enabled": False}
                for a in scenario.recovery_actions if a.enabled})
    return out


def paired_means(scenario: Scenario, n: int) -> dict[str, float]:
    reps = [simulate(scenario, replication_seed(17, k)).kpis for k in range(n)]
    return {name: float(np.mean([r[name] for r in reps])) for name in HARM_KPIS}


@pytest.mark.parametrize("name", SHIPPED)
def test_removing_a_backup_routine_or_a_recovery_action_never_improves_a_harm_kpi(name: str) -> None:
    base = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    variants = removals(base)
    if not variants:
        pytest.skip(f"{name} has no backup routine or recovery action to remove")
    n = REPLICATIONS.get(name, 6)
    before = paired_means(base, n)
    for label, change in variants.items():
        after = paired_means(apply_changes(base, change), n)
        for key in HARM_KPIS:
            if math.isnan(before[key]) and math.isnan(after[key]):
                continue  # no such patients in this scenario (no acute care)
            slack = SLACK.get(kpi(key).unit, 1.0) + 0.005 * abs(before[key])
            assert after[key] >= before[key] - slack, f"{name} {label}: {key} {before[key]:.3f} -> {after[key]:.3f}"


def test_work_without_a_system_leaves_records_whether_or_not_a_routine_is_used() -> None:
    without = simulate(apply_changes(small_scenario(), {"backup_routines.paper.enabled": False}), 4)
    assert without.kpis["admin_debt_peak_h"] > 0


def test_a_routine_that_lifts_nothing_leaves_no_records_of_its_own() -> None:
    # The primary-care centres keep 0.1 without the journal; a routine at 0.1 lifts nothing.
    sc = small_scenario()
    useless = apply_changes(sc, {"backup_routines.paper.capacity": 0.1, "backup_routines.paper.covers": ["vc"]})
    none = apply_changes(sc, {"backup_routines.paper.enabled": False, "backup_routines.paper.covers": ["vc"]})
    a, b = simulate(useless, 8), simulate(none, 8)
    assert a.kpis["admin_debt_peak_h"] == pytest.approx(b.kpis["admin_debt_peak_h"])
    np.testing.assert_allclose(a.series["admin_debt:primary_care"], b.series["admin_debt:primary_care"])


def test_diverted_patients_wait_and_are_never_in_time() -> None:
    arrivals = np.array([0.0, 1.0, 2.0, 3.0])
    starts = np.array([0.5, np.inf, 5.5, np.inf])
    diverted = np.array([False, True, False, False])
    waits = arrival_waits(arrivals, starts, diverted, horizon=10.0, diversion_delay=1.5)
    # Treated: until treatment; diverted: the time to be seen elsewhere; still waiting: until the end.
    assert waits == pytest.approx([0.5, 1.5, 3.5, 7.0])
    assert not_in_time(waits, diverted, target=2.0).tolist() == [False, True, True, True]


def test_more_diversions_never_give_fewer_patients_not_treated_in_time() -> None:
    sc = small_scenario(incidents=[{"id": "fault", "name": "Network fault", "at": "+1d 8h", "fails": ["network"],
                                    "repair": "12h"}])
    counts = []
    for limit in (None, 12, 6, 3, 1):
        changed = apply_changes(sc, {"region.units.hosp.acute.divert_queue_length": limit})
        reps = [simulate(changed, replication_seed(5, k)).kpis for k in range(6)]
        counts.append((np.mean([r["cancelled_acute"] for r in reps]), np.mean([r["acute_not_in_time"] for r in reps])))
    diverted = [c[0] for c in counts]
    late = [c[1] for c in counts]
    assert diverted == sorted(diverted) and diverted[-1] > diverted[0]
    assert late == sorted(late), late


def test_a_moment_not_reached_counts_with_the_horizon_as_a_lower_bound() -> None:
    values = np.array([10.0, math.nan, 30.0, math.nan])
    first = np.array([2.0, 2.0, 2.0, math.nan])  # nothing failed in the last replication
    observed = np.array([98.0, 98.0, 98.0, math.nan])
    bounds = moment_bounds("time_to_normal_h", first, observed)
    st = summarize(values, moment=True, bounds=bounds)
    assert st["mean"] == pytest.approx((10 + 98 + 30) / 3)  # never (10 + 30) / 2
    assert st["reached"] == pytest.approx(2 / 3)
    assert st["censored"] == pytest.approx(1 / 3)
    at = moment_bounds("normal_at_h", first, observed)
    assert at is not None and at[1] == pytest.approx(100.0)
    assert moment_bounds("cancelled_planned", first, observed) is None


def test_a_run_summary_reports_censored_moments_as_lower_bounds() -> None:
    from sim.experiments import run_experiment
    from sim.experiments.summary import experiment_summary

    sc = small_scenario(horizon="2d", incidents=[{"id": "fault", "name": "Fault", "at": "+1d 20h",
                                                  "fails": ["network"], "repair": "1d"}])
    summary = experiment_summary(run_experiment(sc, ["baseline"], replications=3, executor="serial"))
    normal = summary["strategies"]["baseline"]["kpis"]["time_to_normal_h"]
    assert normal["reached"] == 0 and normal["censored"] == 1
    assert normal["mean"] == pytest.approx(4.0)  # the horizon less the first failure
