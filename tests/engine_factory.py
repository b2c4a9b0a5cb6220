"""Small scenarios built in code for the engine's tests."""

from __future__ import annotations

import copy
from typing import Any

from sim.scenario.model import Scenario

BASE: dict[str, Any] = {
    "name": "small",
    "title": "Small region",
    "start": "2024-03-05 00:00",
    "horizon": "5d",
    "resolution": "15min",
    "region": {
        "id": "small",
        "name": "Small region",
        "units": [
            {
                "id": "hosp",
                "name": "Hospital",
                "kind": "hospital",
                "acute": {"arrivals_per_day": 60, "servers": 6, "service_time": {"dist": "exponential", "mean": "1h"}, "admitted_fraction": 0.2},
                "planned": {"visits_per_day": 300},
                "beds": {"beds": 200, "occupancy": 0.9, "length_of_stay": "4d"},
                "depends_on": [
                    {"system": "journal", "effect": "reduce", "capacity": 0.2, "affects": ["acute", "planned"]},
                    {"system": "discharge", "effect": "reduce", "capacity": 0.3, "affects": ["discharge"]},
                ],
                "consumables": ["supplies"],
            },
            {
                "id": "vc",
                "name": "Primary care",
                "kind": "primary_care",
                "count": 10,
                "planned": {"visits_per_day": 60},
                "depends_on": [{"system": "journal", "effect": "reduce", "capacity": 0.1}],
            },
        ],
        "phone_lines": [
            {"id": "phones", "name": "Phones", "count": 10, "calls_per_day": 120, "agents": 2,
             "depends_on": [{"system": "telephony"}]},
        ],
        "consumables": [{"id": "supplies", "name": "Supplies", "stock_days": 2, "lead_time": "1d",
                         "depends_on": [{"system": "ordering"}]}],
        "systems": [
            {"id": "network", "name": "Network", "kind": "platform"},
            {"id": "journal", "name": "Journal", "depends_on": [{"system": "network"}]},
            {"id": "discharge", "name": "Discharge messaging", "depends_on": [{"system": "journal"}]},
            {"id": "telephony", "name": "Telephony", "depends_on": [{"system": "network"}]},
            {"id": "ordering", "name": "Ordering", "depends_on": [{"system": "network"}]},
        ],
    },
    "incidents": [
        {"id": "fault", "name": "Network fault", "at": "+1d 8h", "fails": ["network"],
         "detection_delay": {"dist": "exponential", "mean": "20min"}, "repair": "6h"},
    ],
    "backup_routines": [
        {"id": "paper", "name": "Paper", "replaces": ["journal"], "capacity": 0.6, "admin_debt_per_hour": 0.5},
    ],
    "policies": {"escalation": {"triggers": [{"level": "stabslage", "units_hit": 5}]}},
}


def small_scenario(**changes: Any) -> Scenario:
    """The small region, with top-level or dotted-path changes (`incidents.0.repair`)."""
    data = copy.deepcopy(BASE)
    for path, value in changes.items():
        node: Any = data
        parts = path.split("__")
        for p in parts[:-1]:
            node = node[int(p)] if isinstance(node, list) else node[p]
        last = parts[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return Scenario.model_validate(data)
