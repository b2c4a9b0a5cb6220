"""Reference ranges as populations: incidents each with a value of their own, studies of many
hospitals pinning the population's mean, and the shipped ranges fitted that way."""

from __future__ import annotations

import numpy as np

from sim.evidence.loo import FITTED, cites, hypers, library_levels, library_targets
from sim.evidence.pooling import GRID, Hyper, Response, pool, response
from sim.scenario.reference_ranges import reference_ranges


def linear(name: str, level: str, lost_at_zero: float, observed: tuple[float, float]) -> Response:
    """A made-up target whose share lost falls linearly with the first fitted range, as planned
    visits on paper do: `lost = lost_at_zero * (1 - value)`, three replications alike."""
    stats = np.broadcast_to(lost_at_zero * (1 - GRID)[None, None, :, None], (1, 3, len(GRID), 1)).copy()
    lo, hi = observed
    return Response(name, level, (True, False), [f"{name}:o"], [observed], [hi - lo], stats)


HYPERS = [Hyper.for_range("a", 0.05, 0.95), Hyper.for_range("b", 0.05, 0.95)]


def median(responses: list[Response]) -> float:
    return pool(responses, HYPERS).interval("a")[1]


def test_one_incident_sets_a_wide_range_around_its_value() -> None:
    p5, mid, p95 = pool([linear("x", "incident", 1.0, (0.65, 0.75))], HYPERS).interval("a")
    assert 0.2 < mid < 0.45  # the value the incident needs is about 0.3
    assert p95 - p5 > 0.4  # one incident says little about the next one


def test_a_population_study_pins_the_mean_where_one_incident_is_one_draw() -> None:
    severe = linear("severe", "incident", 1.0, (0.65, 0.75))  # needs about 0.3
    mild_incident = linear("mild", "incident", 1.0, (0.2, 0.3))  # needs about 0.75
    mild_study = linear("mild", "population", 1.0, (0.2, 0.3))
    as_incident = median([severe, mild_incident])
    as_study = median([severe, mild_study])
    assert 0.35 < as_incident < 0.65
    assert as_study > as_incident + 0.1  # the study's mean over many hospitals outweighs one severe incident
    # Leaving the study out moves the range back to the severe incident.
    assert median([severe]) < as_study - 0.2


def test_more_incidents_that_agree_narrow_the_range_and_disagreement_widens_it() -> None:
    alike = [linear(f"x{i}", "incident", 1.0, (0.45, 0.55)) for i in range(6)]
    apart = [linear(f"y{i}", "incident", 1.0, (0.1, 0.2) if i % 2 else (0.8, 0.9)) for i in range(6)]
    a5, _, a95 = pool(alike, HYPERS).interval("a")
    b5, _, b95 = pool(apart, HYPERS).interval("a")
    assert a95 - a5 < b95 - b5


def test_a_range_no_target_cites_keeps_its_population_prior() -> None:
    wide = pool([linear("x", "incident", 1.0, (0.65, 0.75))], HYPERS).interval("b")
    assert wide[0] < 0.15 and wide[2] > 0.85


def test_the_shipped_ranges_count_the_population_studies() -> None:
    """The calibrated ranges in the reference ranges file come from pooling that counts the studies
    and national totals as population means: recomputed here on few replications, the median with
    them is near the shipped one, and without them it is clearly lower (the severe single incidents
    alone would set it)."""
    levels = library_levels()
    responses = [response(t, list(FITTED), levels[t.name], 2, 404) for t in library_targets() if cites(t)]
    assert any(r.level == "population" for r in responses)
    shipped = reference_ranges()["paper-routine-outpatient"].calibrated
    assert shipped is not None
    with_studies = pool(responses, hypers()).interval("paper-routine-outpatient")[1]
    without = pool([r for r in responses if r.level != "population"], hypers()).interval("paper-routine-outpatient")[1]
    assert abs(with_studies - shipped.to_range().mode) < 0.1
    assert without < with_studies - 0.1
