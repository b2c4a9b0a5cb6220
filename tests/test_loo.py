"""Leave one incident out: bounds are not ratios, misses get a computed reason, and the jobs give
the same numbers in turn or on local processes."""

from __future__ import annotations

import math

import numpy as np

from sim.evidence.library import Observation
from sim.evidence.loo import (
    Job,
    Prediction,
    Reach,
    first_jobs,
    fold_jobs,
    run_job,
    run_on_processes,
    settings,
)
from sim.validation.__main__ import _loo_verdict


def obs(**kw: float) -> Observation:
    return Observation(id="o", kpi="cancelled_acute", measured="as published", **kw)


def test_a_bound_has_no_ratio_and_is_met_or_not() -> None:
    at_least = Prediction("x", obs(low=1), 200.0, 228.0, 250.0, True)
    assert at_least.bound_only and math.isnan(at_least.ratio)
    assert at_least.within and at_least.verdict == "bound met"
    at_most = Prediction("x", obs(high=0), 2.0, 3.0, 5.0, False)
    assert at_most.bound_only and not at_most.within
    assert at_most.verdict == "**bound not met**"
    ranged = Prediction("x", obs(low=10, high=20), 30.0, 40.0, 50.0, True)
    assert not ranged.bound_only and ranged.ratio == 40 / 15 and not ranged.within
    assert ranged.verdict == "**no**"
    valued = Prediction("x", obs(value=100), 80.0, 150.0, 190.0, True)
    assert valued.ratio == 1.5 and valued.within and valued.verdict == "yes"


def test_the_verdict_counts_bounds_apart_and_reasons_come_from_the_run() -> None:
    class Result:
        predictions = [
            Prediction("a", obs(low=1), 200.0, 228.0, 250.0, True),
            Prediction("a", obs(value=100), 80.0, 150.0, 190.0, True),
            Prediction("b", obs(low=10, high=20), 30.0, 60.0, 70.0, True),
            Prediction("c", obs(value=5), 30.0, 40.0, 50.0, False),
        ]
        reach = {"b:o": Reach(12.0, 70.0)}

    text = "\n".join(_loo_verdict(Result()))
    assert "outside a factor of 2: 2 of 3: b o, c o." in text
    assert "meets 1 of 1." in text
    assert "so some value reaches it" in text
    assert "predicted from its scenario as written" in text
    Result.reach = {"b:o": Reach(45.0, 70.0)}
    assert "so no value reaches it" in "\n".join(_loo_verdict(Result()))


def test_jobs_give_the_same_numbers_in_turn_or_on_processes() -> None:
    st = settings(replications=2, grid_replications=1, seed=7)
    todo = first_jobs(st)
    grid = next(j for j in todo if j.kind == "response" and j.target == "wannacry-nhs-2017")
    written = next(j for j in todo if j.kind == "as-written" and j.target == "kronoberg-2018")
    assert not any(j.kind == "response" and j.target in ("kronoberg-2018", "norrbotten-2021") for j in todo)
    here = [run_job(grid), run_job(written)]
    there = run_on_processes([(run_job, (grid,)), (run_job, (written,))], 2)
    assert here[0].response is not None and there[0].response is not None
    assert np.array_equal(here[0].response.stats, there[0].response.stats, equal_nan=True)
    assert [(p.p10, p.p50, p.p90) for p in here[1].predictions] == [(p.p10, p.p50, p.p90) for p in there[1].predictions]
    fold = fold_jobs(st, [here[0].response])[0]
    assert isinstance(fold, Job) and fold.kind == "fold"
    result = run_job(fold)
    assert result.predictions and not np.isnan(result.predictions[0].p50)
    assert set(result.ranges) == {"paper-routine-outpatient", "paper-routine-hospital"}


def test_a_decision_to_stop_planned_care_is_encoded_as_a_decision() -> None:
    """Kronoberg and Norrbotten cancelled all non-acute care by decision: their scenarios cite no
    paper-routine range, so they do not pull the capacity kept on paper down, and as written they
    cancel nearly every planned visit in the window."""
    from sim.evidence.loo import cites, library_targets

    by_name = {t.name: t for t in library_targets()}
    for name in ("kronoberg-2018", "norrbotten-2021"):
        assert not cites(by_name[name])
    result = run_job(Job("as-written", "kronoberg-2018", settings(replications=4, grid_replications=1, seed=7)))
    share = next(p for p in result.predictions if p.observation.id == "non-acute-cancelled")
    assert share.p50 > 0.9
