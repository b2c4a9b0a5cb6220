"""The acute queue against queueing theory: with no incident it is an M/M/c queue, whose mean
wait Erlang C gives exactly."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import replication_seed, simulate
from sim.validation.checks import erlang_c_wait_h, mmc_scenario


@pytest.mark.parametrize(("rho", "servers"), [(0.5, 3), (0.85, 4)])
def test_mean_acute_wait_matches_erlang_c(rho: float, servers: int) -> None:
    mu = 1.0  # per hour (mean treatment 1 h)
    lam = rho * servers * mu
    scenario = mmc_scenario(arrivals_per_day=lam * 24, servers=servers, days=60)
    # 120 replications of 60 days: the standard error of the mean is under 2%, well inside 5%.
    waits = [simulate(scenario, replication_seed(11, k)).kpis["acute_wait_mean_h"] for k in range(120)]
    model = float(np.mean(waits))
    theory = erlang_c_wait_h(lam, mu, servers)
    assert model == pytest.approx(theory, rel=0.05), (model, theory)


def test_erlang_c_formula_reference_value() -> None:
    # Textbook value: M/M/2 with a = 1 (rho = 0.5) waits with probability 1/3, Wq = 1/3 h.
    assert erlang_c_wait_h(1.0, 1.0, 2) == pytest.approx(1 / 3)


def test_erlang_a_when_patience_equals_service_is_a_poisson_count() -> None:
    """With callers giving up at the rate agents answer, every caller in the system leaves at that
    rate: the number in the system is Poisson(calls / rate), and the waiting are those beyond the
    agents."""
    from math import exp, factorial

    from sim.engine.flows.calls import erlang_a

    lam, mu, agents = 30.0, 10.0, 4  # per hour
    share, waiting = erlang_a(np.array([lam]), agents, np.array([mu]), 1 / mu)
    a = lam / mu
    expected_waiting = sum(max(0, n - agents) * exp(-a) * a**n / factorial(n) for n in range(80))
    assert waiting[0] == pytest.approx(expected_waiting, rel=1e-9)
    assert share[0] == pytest.approx(mu * expected_waiting / lam, rel=1e-9)


def test_erlang_a_far_beyond_capacity_is_its_fluid_limit_and_stays_small() -> None:
    """A huge offered load (a burst) neither takes unbounded memory nor jumps at the switch to the
    fluid limit."""
    from sim.engine.flows.calls import MAX_EXACT, erlang_a

    mu, agents, patience = 15.0, 3, 0.05
    below = MAX_EXACT * 0.999 / patience
    above = MAX_EXACT * 1.001 / patience
    share = erlang_a(np.array([below, above, 1e12]), agents, np.array([mu, mu, mu]), patience)[0]
    assert share[0] == pytest.approx(share[1], abs=0.01)
    assert share[1] == pytest.approx(1 - agents * mu / above)
    assert share[2] == pytest.approx(1.0)
