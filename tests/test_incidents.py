"""The shipped incidents reproduce what was published (medians over 200 replications).

Sources: Region Sörmland and Västra Götalandsregionen press releases of 6 December 2022; Region
Västerbotten's reports after the Tietoevry attack of January 2024 (see the scenario files)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

import numpy as np
import pytest

from sim.engine import replication_seed, simulate
from sim.scenario.loader import load_scenario

N = 200


@cache
def played(path: str):
    scenario = load_scenario(path)
    reps = [simulate(scenario, replication_seed(2024, k)) for k in range(N)]
    return scenario, reps


def median_time(scenario, reps, milestone: str) -> datetime:
    values = [r.milestones.get(milestone, np.nan) for r in reps]
    reached = np.count_nonzero(~np.isnan(values))
    assert reached >= N / 2, f"{milestone} reached in only {reached} of {N} replications"
    return scenario.start + timedelta(hours=float(np.nanmedian(values)))


def median_kpi(reps, kpi: str) -> float:
    return float(np.nanmedian([r.kpis[kpi] for r in reps]))


def between(t: datetime, lo: str, hi: str) -> bool:
    day = t.strftime("%Y-%m-%d")
    return datetime.fromisoformat(f"{day} {lo}") <= t <= datetime.fromisoformat(f"{day} {hi}")


class TestSormland2022:
    path = "scenarios/sormland-network-2022.yaml"

    def test_acute_care_goes_on_and_planned_visits_are_cancelled(self) -> None:
        _, reps = played(self.path)
        assert median_kpi(reps, "cancelled_acute") == 0
        assert median_kpi(reps, "cancelled_planned") > 0

    def test_full_operation_about_15_30(self) -> None:
        sc, reps = played(self.path)
        t = median_time(sc, reps, "full_operation")
        assert t.date() == sc.start.date() and between(t, "15:00", "16:00"), t

    def test_staff_mode_from_detection_to_about_17_00(self) -> None:
        sc, reps = played(self.path)
        start = median_time(sc, reps, "readiness:stabslage:start")
        end = median_time(sc, reps, "readiness:stabslage:end")
        assert between(start, "06:45", "07:30"), start
        assert between(end, "16:30", "17:30"), end


class TestVgr2022:
    path = "scenarios/vgr-login-2022.yaml"

    def test_private_primary_care_locked_out_from_about_08_00(self) -> None:
        sc, reps = played(self.path)
        firsts = []
        for r in reps:
            hit = np.flatnonzero(r.series["unit_capacity:vc-private"] < 1)
            assert hit.size, "private primary care was never hit"
            firsts.append(hit[0] * r.step_h)
        t = sc.start + timedelta(hours=float(np.median(firsts)))
        assert between(t, "07:30", "08:30"), t

    def test_full_operation_between_10_00_and_11_00(self) -> None:
        sc, reps = played(self.path)
        assert between(median_time(sc, reps, "full_operation"), "10:00", "11:00")

    def test_public_units_untouched(self) -> None:
        sc, reps = played(self.path)
        public = [u.id for u in sc.region.units if u.ownership == "public"]
        assert public
        for r in reps[:50]:
            for uid in public:
                assert (r.series[f"unit_capacity:{uid}"] == 1).all(), uid


class TestVasterbotten2024:
    path = "scenarios/vasterbotten-tietoevry-2024.yaml"

    @pytest.mark.parametrize(
        ("milestone", "day", "lo", "hi"),
        [
            ("readiness:stabslage:start", "2024-01-22", "12:00", "18:00"),
            ("system:ordering-system:restored", "2024-01-25", "00:00", "23:59"),
            ("action:ticket-discharge:in_effect", "2024-01-29", "00:00", "23:59"),
            ("readiness:stabslage:end", "2024-02-01", "00:00", "23:59"),
            ("system:discharge-system:restored", "2024-02-02", "00:00", "23:59"),
        ],
    )
    def test_published_timeline(self, milestone: str, day: str, lo: str, hi: str) -> None:
        sc, reps = played(self.path)
        t = median_time(sc, reps, milestone)
        assert t.strftime("%Y-%m-%d") == day and between(t, lo, hi), (milestone, t)
