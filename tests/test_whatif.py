"""What-if from where the drill stands: the runs behind a preview and the band share the drill's
past up to its clock (the same failures, detections, decisions and arrivals), draw only what
happens after it afresh, and use the same random numbers for every option."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.drill.session import Drill
from sim.engine import Branch, replication_seed, simulate
from sim.scenario.distributions import Empirical, Exponential, Fixed, LogNormal, Triangular, Uniform

ARRIVALS = ("acute_arrived:hospital", "acute_arrived:primary_care", "planned_booked:hospital",
            "planned_booked:primary_care", "calls_attempts:phone")
PAST_SERIES = (*ARRIVALS, "cancelled_planned:all", "calls_unanswered:phone", "acute_queue:all", "capacity:hospital",
               "readiness")


def run_to(drill: Drill, t_h: float) -> Drill:
    while drill.clock_h < t_h - 1e-9:
        drill, _message = drill.advance(t_h)
    return drill


def the_past(played, clock_h: float) -> tuple[list, dict[str, float], dict[str, np.ndarray]]:
    """A run's event log, milestones and series up to `clock_h`."""
    events = [e for e in played.rep.events if e.t_h < clock_h]
    milestones = {k: v for k, v in played.milestones.items() if v < clock_h}
    n = played.steps_until(clock_h)
    return events, milestones, {k: played.rep.series[k][:n] for k in PAST_SERIES}


@pytest.fixture(scope="module")
def mid_morning(sormland):
    """A group that raised staff mode at once and is at 09:30, the repair under way."""
    drill = run_to(Drill.new(sormland, seed=0), 7.0)
    drill = drill.choose("staff-mode", "raise-now")
    return run_to(drill, 9.5)


@pytest.mark.parametrize("clock", [7.0, 9.5, 13.0])
def test_a_band_runs_event_log_up_to_now_equals_the_drills(sormland, clock):
    drill = run_to(Drill.new(sormland, seed=0), clock)
    own = the_past(drill.played(), drill.clock_h)
    assert own[0], "the drill has a past"
    runs = drill.plays(6, from_now=True)
    for played in runs:
        events, milestones, series = the_past(played, drill.clock_h)
        assert events == own[0]
        assert milestones == own[1]
        for key, values in series.items():
            np.testing.assert_array_equal(values, own[2][key], err_msg=key)
    # Only the future is drawn afresh: the runs differ from each other after the clock.
    ends = {round(p.rep.kpis["full_operation_at_h"], 6) for p in runs}
    arrivals = {p.rep.series["acute_arrived:hospital"][-1] for p in runs}
    assert len(ends) > 1 and len(arrivals) > 1


def test_a_what_if_previews_runs_share_the_past_and_common_random_numbers(sormland):
    drill = run_to(Drill.new(sormland, seed=0), 7.0).choose("staff-mode", "raise-now")
    while "failover" not in [d.id for d in drill.open_decisions()]:
        drill, _message = drill.advance_to_next()  # the clock stops when the question comes
    point = drill.decision_point("failover")
    own = the_past(drill.played(), drill.clock_h)
    by_option = {}
    for option in point.options:
        entries = (*drill.entries, drill.choose(point.id, option.id).entries[-1])
        runs = drill.plays(5, entries, from_now=True)
        for played in runs:
            events, milestones, _series = the_past(played, drill.clock_h)
            assert events == own[0] and milestones == own[1]
        by_option[option.id] = runs
    # The same random numbers under every option: what the decision does not touch is the same,
    # run by run, to the end of the period.
    for k in range(5):
        a, b = by_option["as-planned"][k], by_option["wait-vendor"][k]
        for key in ARRIVALS[:4]:  # calls depend on the outage's length (retries, informed patients)
            np.testing.assert_array_equal(a.rep.series[key], b.rep.series[key], err_msg=key)
        assert a.milestones["detected"] == b.milestones["detected"]
    # ... and what it does touch differs: waiting for the vendor means a later full operation.
    later = [by_option["wait-vendor"][k].rep.kpis["time_to_full_operation_h"]
             > by_option["as-planned"][k].rep.kpis["time_to_full_operation_h"] for k in range(5)]
    assert sum(later) >= 4
    preview = drill.what_if(point.id, n=5)
    assert [p.option for p in preview] == [o.id for o in point.options]


def test_a_delay_running_at_the_clock_is_drawn_again_given_how_long_it_has_run(mid_morning):
    """At 09:30 the new server is being connected (6-7.5 h from about 08:45): no run finishes
    before the clock, and each finishes within the lead time's range, given the time it has
    run. The drill's own finish is not leaked to the runs."""
    drill = mid_morning
    started = drill.played().milestones["action:new-server:started"]
    assert started < drill.clock_h < drill.played().milestones["action:new-server:in_effect"]
    runs = drill.plays(20, from_now=True)
    done = np.array([p.milestones["action:new-server:in_effect"] - started for p in runs])
    assert (done >= 5.75 - 1e-9).all() and (done <= 7.5 + 1e-9).all()
    assert len(set(np.round(done, 6))) > 10


def test_the_band_starts_from_the_drills_own_line(mid_morning):
    drill = mid_morning
    band = drill.band(8)
    n = drill.played().steps_until(drill.clock_h)
    own = drill.played().rep.series["cancelled_planned:all"]
    for q in ("p10", "p50", "p90"):
        np.testing.assert_array_equal(band.series["cancelled_planned"][q][:n], own[:n])


def test_a_run_that_does_not_branch_is_unchanged(sormland):
    """A branch at the end of the period replays the whole run: the same numbers as the run."""
    seed = replication_seed(3, 0)
    whole = simulate(sormland, seed)
    branched = simulate(sormland, replication_seed(9, 9), branch=Branch(sormland.horizon, seed))
    assert branched.kpis == whole.kpis or all(
        (math.isnan(a) and math.isnan(b)) or a == b for a, b in zip(whole.kpis.values(), branched.kpis.values(), strict=True))
    assert branched.events == whole.events


# --------------------------------------------------------------------------- delays given the past

DISTRIBUTIONS = [
    Fixed(value="3h"),
    Uniform(dist="uniform", low="1h", high="5h"),
    Triangular(dist="triangular", low="1h", mode="2h", high="6h"),
    LogNormal(dist="lognormal", median="2h", p90="6h"),
    Exponential.model_validate({"dist": "exponential", "mean": "2h"}),
    Empirical(dist="empirical", values=["1h", "2h", "4h", "8h"], weights=[1, 2, 3, 4]),
]


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: d.dist)
@pytest.mark.parametrize("elapsed", [0.0, 1.5, 2.5])
def test_a_delay_drawn_given_it_has_lasted_is_the_distribution_cut_there(dist, elapsed):
    rng = np.random.default_rng(1)
    beyond = np.array([dist.sample_beyond(rng, elapsed) for _ in range(2000)])
    assert (beyond >= elapsed - 1e-12).all()
    plain = dist.sample_n(rng, 40000) if dist.dist != "fixed" else np.full(10, 3.0)
    cut = plain[plain > elapsed] if elapsed > 0 else plain
    if dist.dist == "fixed":
        assert (beyond == max(3.0, elapsed)).all()
        return
    # The same distribution as plain draws conditioned on lasting longer than `elapsed`.
    for q in (0.25, 0.5, 0.75):
        assert np.quantile(beyond, q) == pytest.approx(np.quantile(cut, q), rel=0.08, abs=0.05)
