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


def test_a_queue_solved_once_is_remembered_as_the_very_number_solving_gives() -> None:
    """The call queues remember every step they solved: a step solved again, alone or among others,
    in any order, with the memory full or empty, is the same number to the last bit."""
    from sim.engine.flows import calls

    rng = np.random.default_rng(3)
    lam = np.round(rng.uniform(1, 400, 300), 1)  # repeats, as steps of a day do
    mu = np.round(rng.uniform(2, 20, 300), 0)
    mu[::7] = 0.0  # steps with no one answering
    calls._SOLUTIONS.forget()
    first = calls.erlang_a(lam, 6, mu, 0.1)
    again = calls.erlang_a(lam, 6, mu, 0.1)
    alone = [calls._mean_waiting(lam[i:i + 1], mu[i:i + 1], 6, _depth(lam, mu), 10.0)[0] for i in range(0, 300, 37)
             if mu[i] > 0]
    order = rng.permutation(300)
    shuffled = calls.erlang_a(lam[order], 6, mu[order], 0.1)
    calls._SOLUTIONS.forget()
    fresh = calls.erlang_a(lam, 6, mu, 0.1)
    for got in (again, fresh):
        np.testing.assert_array_equal(got[0], first[0])
        np.testing.assert_array_equal(got[1], first[1])
    np.testing.assert_array_equal(shuffled[1], first[1][order])
    assert alone == [first[1][i] for i in range(0, 300, 37) if mu[i] > 0]


def test_the_queue_memory_starts_afresh_when_full() -> None:
    from sim.engine.flows.calls import _Solutions

    memory = _Solutions(most=50)
    lam, mu = np.arange(1.0, 41.0), np.full(40, 5.0)
    first = memory.mean_waiting(lam, mu, 3, 60, 10.0)
    assert memory.kept == 40
    second = memory.mean_waiting(lam + 0.5, mu, 3, 60, 10.0)
    assert memory.kept == 40  # the first 40 forgotten, the new 40 kept
    np.testing.assert_array_equal(memory.mean_waiting(lam, mu, 3, 60, 10.0), first)
    assert second.shape == (40,)
    # Rows solved before and new ones together, past the most it keeps: all of them are solved.
    mixed = np.concatenate((lam[:20], lam[:20] + 0.25))
    got = memory.mean_waiting(mixed, mu, 3, 60, 10.0)
    np.testing.assert_array_equal(got[:20], first[:20])
    assert memory.kept == 40


def _depth(lam: np.ndarray, mu: np.ndarray) -> int:
    """The states beyond the agents `erlang_a` follows for these steps (patience 0.1 h)."""
    import math

    top = float((lam[mu > 0] * 0.1).max())
    return int(math.ceil(top + 10 * math.sqrt(top) + 30))
