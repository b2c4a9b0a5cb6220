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
