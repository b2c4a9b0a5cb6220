"""The shipped incident scenarios land on their published times in the typical run (every
duration at its mean; tests/test_incidents.py checks the simulated medians)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from sim.scenario.explain import expected_timeline, systems_down
from sim.scenario.loader import load_scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def at(scenario, hours: float) -> datetime:
    return scenario.start + timedelta(hours=hours)


def expected(scenario) -> dict[str, datetime]:
    return {e.key: at(scenario, e.hours) for e in expected_timeline(scenario) if np.isfinite(e.hours)}


# --------------------------------------------------------------------------- VGR, 6 Dec 2022


@pytest.fixture(scope="module")
def vgr():
    return load_scenario(SCENARIOS / "vgr-login-2022.yaml")


def test_vgr_only_private_units_depend_on_the_login(vgr):
    down = systems_down(vgr, [f.system for f in vgr.incidents[0].failed])
    hit = [u for u in vgr.region.units if any(d.system in down for d in u.depends_on)]
    assert hit and all(u.ownership == "private" and u.kind == "primary_care" for u in hit)
    public = [u for u in vgr.region.units if u.ownership == "public"]
    assert public and not any(d.system in down for u in public for d in u.depends_on)


def test_vgr_expected_times(vgr):
    t = expected(vgr)
    assert datetime(2022, 12, 6, 7, 45) <= t["incident:login-fault:detected"] <= datetime(2022, 12, 6, 8, 15)
    assert datetime(2022, 12, 6, 10, 0) <= t["system:private-login:restored"] <= datetime(2022, 12, 6, 11, 0)
    assert not any(k.startswith("readiness:") for k in t)


# --------------------------------------------------------------------------- Västerbotten, Jan 2024


@pytest.fixture(scope="module")
def vbn():
    return load_scenario(SCENARIOS / "vasterbotten-tietoevry-2024.yaml")


def test_vasterbotten_expected_times(vbn):
    t = expected(vbn)
    staff = t["readiness:stabslage:start"]
    assert staff.date() == datetime(2024, 1, 22).date() and 12 <= staff.hour < 18
    assert t["system:ordering-system:restored"].date() == datetime(2024, 1, 25).date()
    assert t["action:ticket-discharge:started"].date() == datetime(2024, 1, 25).date()
    assert t["action:ticket-discharge:in_effect"].date() == datetime(2024, 1, 29).date()
    assert t["readiness:stabslage:end"].date() == datetime(2024, 2, 1).date()
    assert t["system:discharge-system:restored"].date() == datetime(2024, 2, 2).date()


def test_vasterbotten_curve_holds_the_published_figures(vbn):
    inc = vbn.incidents[0]
    failure = vbn.start + timedelta(hours=vbn.hours(inc.at))
    by_date = {(failure + timedelta(hours=s.after)).date(): s.fraction for s in inc.restoration}
    assert by_date[datetime(2024, 2, 15).date()] == pytest.approx(0.70)
    assert by_date[datetime(2024, 3, 6).date()] == pytest.approx(0.83)
