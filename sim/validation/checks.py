"""The computations behind the validation report."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from ..engine import replication_seed, simulate
from ..experiments.stats import mean_ci, moment_bounds, summarize
from ..scenario.changes import apply_changes
from ..scenario.loader import load_scenario
from ..scenario.model import Scenario

# --------------------------------------------------------------------------- queueing theory

QUEUE_CASES = [(0.5, 1), (0.5, 3), (0.85, 4), (0.9, 8)]
"""(utilisation, servers) of the M/M/c checks."""


def erlang_c_wait_h(lam: float, mu: float, c: int) -> float:
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


def mmc_scenario(arrivals_per_day: float, servers: int, days: int) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "mmc",
            "title": "M/M/c check",
            "start": "2024-01-01 00:00",
            "horizon": f"{days}d",
            "resolution": "1h",
            "region": {
                "id": "r",
                "name": "Queue",
                "units": [
                    {
                        "id": "ed",
                        "name": "Emergency department",
                        "kind": "hospital",
                        "acute": {
                            "arrivals_per_day": arrivals_per_day,
                            "servers": servers,
                            "service_time": {"dist": "exponential", "mean": "1h"},
                        },
                    }
                ],
                "systems": [{"id": "journal", "name": "Journal"}],
            },
        }
    )


@dataclass
class QueueCheck:
    rho: float
    servers: int
    theory_h: float
    model_h: float
    ci_low: float
    ci_high: float

    @property
    def difference(self) -> float:
        return self.model_h / self.theory_h - 1


def queueing_checks(replications: int, days: int = 60) -> list[QueueCheck]:
    out = []
    for rho, c in QUEUE_CASES:
        lam = rho * c  # per hour, with a mean treatment of one hour
        sc = mmc_scenario(lam * 24, c, days)
        waits = np.array([simulate(sc, replication_seed(101, k)).kpis["acute_wait_mean_h"] for k in range(replications)])
        m, lo, hi = mean_ci(waits)
        out.append(QueueCheck(rho, c, erlang_c_wait_h(lam, 1.0, c), m, lo, hi))
    return out


# --------------------------------------------------------------------------- published incidents


@dataclass(frozen=True)
class Published:
    label: str
    milestone: str  # a milestone name, or "first:UNIT" for the first step a unit lost capacity
    when: str  # published date and time, "YYYY-MM-DD HH:MM"
    source: str


INCIDENTS: dict[str, list[Published]] = {
    "scenarios/sormland-network-2022.yaml": [
        Published("Fault found", "detected", "2022-12-06 06:55", "Region Sörmland: found just before 07:00"),
        Published("Staff mode (stabsläge)", "readiness:stabslage:start", "2022-12-06 07:00", "Region Sörmland: staff mode when the fault was found"),
        Published("Full operation", "full_operation", "2022-12-06 15:30", "Region Sörmland: full operation at about 15:30"),
        Published("Staff mode lifted", "readiness:stabslage:end", "2022-12-06 17:00", "Region Sörmland: lifted at about 17:00"),
    ],
    "scenarios/vgr-login-2022.yaml": [
        Published("Fault found", "detected", "2022-12-06 08:00", "VGR: fault found at about 08:00"),
        Published("Private centres locked out", "first:vc-private", "2022-12-06 08:00", "VGR: private centres could not log in"),
        Published("Everything back", "full_operation", "2022-12-06 10:30", "VGR: back from about 10:30"),
    ],
    "scenarios/vasterbotten-tietoevry-2024.yaml": [
        Published("Regional staff mode", "readiness:stabslage:start", "2024-01-22 15:00", "Region Västerbotten: afternoon of 22 January"),
        Published("Consumables supplier restored", "system:ordering-system:restored", "2024-01-25 12:00", "Region Västerbotten: restored 25 January"),
        Published("Alternative discharge in use", "action:ticket-discharge:in_effect", "2024-01-29 12:00", "Region Västerbotten: gradually from 29 January"),
        Published("Regional staff stood down", "readiness:stabslage:end", "2024-02-01 12:00", "Public reports: 1 February"),
        Published("Ordinary discharge system back", "system:discharge-system:restored", "2024-02-02 12:00", "Public reports: due back 2 February"),
    ],
}
"""Published moments; the hour is noon where only the date was published."""


@dataclass
class TimelineCheck:
    published: Published
    published_h: float
    p10: float
    p50: float
    p90: float
    reached: float
    start: datetime

    def at(self, hours: float) -> str:
        if math.isnan(hours):
            return "-"
        return (self.start + timedelta(hours=hours)).strftime("%d %b %H:%M")


def _moment(rep, milestone: str) -> float:
    if milestone.startswith("first:"):
        hit = np.flatnonzero(rep.series[f"unit_capacity:{milestone[6:]}"] < 1)
        return float(hit[0] * rep.step_h) if hit.size else math.nan
    return rep.milestones.get(milestone, math.nan)


def incident_checks(root: Path, replications: int) -> dict[str, tuple[Scenario, list[TimelineCheck]]]:
    out = {}
    for path, items in INCIDENTS.items():
        sc = load_scenario(root / path)
        reps = [simulate(sc, replication_seed(202, k)) for k in range(replications)]
        checks = []
        for p in items:
            v = np.array([_moment(r, p.milestone) for r in reps])
            ok = v[~np.isnan(v)]
            q = np.percentile(ok, [10, 50, 90]) if ok.size else [math.nan] * 3
            pub = (datetime.fromisoformat(p.when) - sc.start).total_seconds() / 3600
            checks.append(TimelineCheck(p, pub, float(q[0]), float(q[1]), float(q[2]), ok.size / v.size, sc.start))
        out[path] = (sc, checks)
    return out


# --------------------------------------------------------------------------- sensitivity

SENSITIVITY_SCENARIO = "scenarios/sormland-network-2022.yaml"
SENSITIVITY: list[tuple[str, dict, dict, str, str]] = [
    ("Detection delay", {"incidents.network-fault.detection_delay": "5min"},
     {"incidents.network-fault.detection_delay": "1h"}, "5 min", "1 h"),
    ("New server lead time", {"recovery_actions.new-server.lead_time": "3h"},
     {"recovery_actions.new-server.lead_time": "10h"}, "3 h", "10 h"),
    ("Paper-journal capacity", {"backup_routines.paper-journal.capacity": 0.5},
     {"backup_routines.paper-journal.capacity": 0.9}, "0.5", "0.9"),
    ("Paper-journal compliance", {"backup_routines.paper-journal.compliance": 0.5},
     {"backup_routines.paper-journal.compliance": 1.0}, "0.5", "1.0"),
    ("Cancellation window", {"policies.cancellation.ahead": "2h"},
     {"policies.cancellation.ahead": "1d"}, "2 h", "1 d"),
    ("Rebooking extra capacity", {"policies.rebooking.extra_capacity": 0.05},
     {"policies.rebooking.extra_capacity": 0.3}, "5%", "30%"),
    ("Staff mode after detection",
     {"exercise.decisions.staff-mode.default": "wait", "policies.escalation.triggers.stabslage.decision_delay": "5min"},
     {"exercise.decisions.staff-mode.default": "wait", "policies.escalation.triggers.stabslage.decision_delay": "2h"},
     "5 min", "2 h"),
    ("Phone backup capacity", {"backup_routines.mobile-phones.capacity": 0.1},
     {"backup_routines.mobile-phones.capacity": 0.6}, "0.1", "0.6"),
    ("Staff redeployed in staff mode", {"policies.staff_mode.redeploy": 0.0},
     {"policies.staff_mode.redeploy": 0.15}, "0", "15%"),
    ("Extra phone capacity in staff mode", {"policies.staff_mode.phone_capacity": 0.0},
     {"policies.staff_mode.phone_capacity": 0.5}, "0", "50%"),
]
"""(label, changes at low, changes at high, low text, high text): the most uncertain assumed
parameters."""

SENSITIVITY_KPIS = [
    "cancelled_planned", "lost_capacity_h", "calls_unanswered", "time_to_full_operation_h",
    "time_to_normal_h", "blocked_bed_days",
]


@dataclass
class Sensitivity:
    baseline: dict[str, float]
    rows: list[tuple[str, str, str, dict[str, float], dict[str, float]]]  # label, low text, high text, low, high


def _means(sc: Scenario, replications: int) -> dict[str, float]:
    reps = [simulate(sc, replication_seed(303, k)) for k in range(replications)]
    out = {}
    first = np.array([r.kpis["first_failure_at_h"] for r in reps], dtype=float)
    observed = np.array([r.kpis["observed_h"] for r in reps], dtype=float)
    for k in SENSITIVITY_KPIS:
        v = np.array([r.kpis[k] for r in reps], dtype=float)
        # A moment not reached within the horizon (time to normal) counts with the horizon.
        out[k] = float(summarize(v, moment=True, bounds=moment_bounds(k, first, observed))["mean"])  # type: ignore[arg-type]
    return out


def sensitivity(root: Path, replications: int) -> Sensitivity:
    sc = load_scenario(root / SENSITIVITY_SCENARIO)
    base = _means(sc, replications)
    rows = []
    for label, low, high, t_low, t_high in SENSITIVITY:
        rows.append(
            (label, t_low, t_high, _means(apply_changes(sc, low), replications),
             _means(apply_changes(sc, high), replications))
        )
    return Sensitivity(base, rows)
