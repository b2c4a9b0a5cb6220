"""Small scenarios that each isolate one mechanism, for the differential tests of the fast engine
against the reference engine. Volumes are small so that the reference engine takes well under a
second per replication."""

from __future__ import annotations

import copy
from typing import Any

from sim.scenario.model import Scenario

START = "2024-03-04 00:00"  # a Monday
NETWORK = [{"id": "network", "name": "Network", "kind": "platform"}]


def _scenario(name: str, region: dict[str, Any], incidents: list[dict[str, Any]], **more: Any) -> Scenario:
    data: dict[str, Any] = {
        "name": name,
        "title": name,
        "start": START,
        "horizon": more.pop("horizon", "4d"),
        "resolution": more.pop("resolution", "15min"),
        "region": {"id": "test", "name": "Test region", **region},
        "incidents": incidents,
        **more,
    }
    return Scenario.model_validate(copy.deepcopy(data))


def _outage(system: str = "network", at: str = "+1d 7h 7min", repair: str = "5h 23min",
            **more: Any) -> dict[str, Any]:
    """A failure at an odd minute, so that nothing lines up with the time steps."""
    return {"id": "fault", "name": "Fault", "at": at, "fails": [system],
            "detection_delay": {"dist": "exponential", "mean": "13min"}, "repair": repair, **more}


def planned_only() -> Scenario:
    """Planned visits: cancel ahead in windows that start and end at odd minutes, cancel at the
    door, and rebooking into extra slots."""
    region = {
        "units": [{
            "id": "vc", "name": "Primary care", "kind": "primary_care", "count": 20,
            "planned": {"visits_per_day": 60, "opening_hours": "08:00-16:30"},
            "depends_on": [{"system": "journal", "effect": "reduce", "capacity": 0.2}],
        }],
        "systems": [*NETWORK, {"id": "journal", "name": "Journal", "depends_on": [{"system": "network"}]}],
    }
    policies = {"cancellation": {"decide": "on_detection", "decision_delay": "22min", "ahead": "3h 10min"},
                "rebooking": {"extra_capacity": 0.2, "start_after": "10h"}}
    return _scenario("planned-only", region, [_outage()], policies=policies)


def planned_at_the_door() -> Scenario:
    """Planned visits only lost at the door (no cancellation decisions), with a backup routine."""
    scenario = planned_only()
    return scenario.model_copy(update={
        "policies": scenario.policies.model_copy(update={
            "cancellation": scenario.policies.cancellation.model_copy(update={"decide": "never"}),
        }),
    })


def acute_only() -> Scenario:
    """An acute queue whose capacity drops, with an hourly profile; patients are diverted when
    six are waiting."""
    region = {
        "units": [{
            "id": "ed", "name": "Emergency department", "kind": "hospital", "count": 2,
            "acute": {"arrivals_per_day": 40, "servers": 3, "service_time": {"dist": "exponential", "mean": "1h"},
                      "divert_queue_length": 6,
                      "profile": {"weights": [1] * 7 + [3] * 12 + [2] * 5}},
            "depends_on": [{"system": "journal", "effect": "reduce", "capacity": 0.4}],
        }],
        "systems": [*NETWORK, {"id": "journal", "name": "Journal", "depends_on": [{"system": "network"}]}],
    }
    return _scenario("acute-only", region, [_outage()])


def acute_without_records() -> Scenario:
    """The acute queue of `acute_only` slowed down by the missing journal (information loss), with a
    paper routine that gives part of the pace back and leaves records to enter afterwards."""
    scenario = acute_only()
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["name"] = data["title"] = "acute-without-records"
    data["region"]["units"][0]["depends_on"][0]["acute_pace"] = 0.6
    data["backup_routines"] = [{"id": "paper", "name": "Paper", "replaces": ["journal"], "capacity": 0.6,
                                "activation_delay": "47min", "restores_information": 0.5,
                                "admin_debt_per_hour": 0.3}]
    return Scenario.model_validate(data)


def one_phone_line() -> Scenario:
    """One line (nothing to pool): callers wait, give up and call again while telephony is down
    and on a backup routine."""
    return _phones("one-phone-line", count=1, agents=6, calls_per_day=900)


def many_phone_lines() -> Scenario:
    """Twelve lines of two agents, each with its own queue."""
    return _phones("many-phone-lines", count=12, agents=2, calls_per_day=75)


def pooled_phone_lines() -> Scenario:
    """The same twelve lines declared pooled: one queue with all 24 agents."""
    return _phones("pooled-phone-lines", count=12, agents=2, calls_per_day=75, pooled=True)


def _phones(name: str, count: int, agents: int, calls_per_day: float, pooled: bool = False) -> Scenario:
    region = {
        "units": [{"id": "vc", "name": "Primary care", "kind": "primary_care", "count": 1,
                   "planned": {"visits_per_day": 10}}],
        "phone_lines": [{
            "id": "phones", "name": "Phones", "count": count, "calls_per_day": calls_per_day,
            "opening_hours": "08:00-17:00", "agents": agents, "pooled": pooled, "handling_time": "4min",
            "patience": "3min", "retry_probability": 0.6, "retry_after": "40min",
            "depends_on": [{"system": "telephony"}],
        }],
        "systems": [*NETWORK, {"id": "telephony", "name": "Telephony", "depends_on": [{"system": "network"}]}],
    }
    backup = [{"id": "mobiles", "name": "Mobile phones", "replaces": ["telephony"], "capacity": 0.4,
               "activation_delay": "1h 11min"}]
    return _scenario(name, region, [_outage()], backup_routines=backup, horizon="3d")


def discharges() -> Scenario:
    """Beds: discharge messaging down for two days, held-up patients, postponed electives."""
    region = {
        "units": [{
            "id": "hosp", "name": "Hospital", "kind": "hospital", "count": 3,
            "beds": {"beds": 300, "occupancy": 0.9, "length_of_stay": "4d", "elective_share": 0.3,
                     "discharge_hours": "09:00-17:00"},
            "depends_on": [{"system": "messaging", "effect": "reduce", "capacity": 0.3, "affects": ["discharge"]}],
        }],
        "systems": [*NETWORK, {"id": "messaging", "name": "Messaging", "depends_on": [{"system": "network"}]}],
    }
    return _scenario("discharges", region, [_outage(repair="2d 3h")], horizon="6d")


def consumables() -> Scenario:
    """Stock runs down while ordering is down for a week, then planned care is cut."""
    region = {
        "units": [{"id": "hosp", "name": "Hospital", "kind": "hospital",
                   "planned": {"visits_per_day": 40}, "consumables": ["gloves"]}],
        "consumables": [{"id": "gloves", "name": "Gloves", "stock_days": 3, "lead_time": "1d 5h",
                         "stockout_capacity": 0.5, "depends_on": [{"system": "ordering"}]}],
        "systems": [*NETWORK, {"id": "ordering", "name": "Ordering", "depends_on": [{"system": "network"}]}],
    }
    backup = [{"id": "phone-orders", "name": "Orders by phone", "replaces": ["ordering"], "capacity": 0.3,
               "activation_delay": "1d"}]
    return _scenario("consumables", region, [_outage(repair="6d 7h")], horizon="12d", resolution="1h",
                     backup_routines=backup)


def staff_mode() -> Scenario:
    """Staff mode raised by the units hit: staff redeployed to a discharge service short of
    capacity and extra capacity on a phone line on its backup routine, each from its own delay,
    until the region stands down."""
    beds, phones = discharges(), one_phone_line()
    data = beds.model_dump(mode="json", exclude_none=True)
    data["name"] = data["title"] = "staff-mode"
    more = phones.model_dump(mode="json", exclude_none=True)
    data["region"]["phone_lines"] = more["region"]["phone_lines"]
    data["region"]["systems"].append({"id": "telephony", "name": "Telephony", "depends_on": [{"system": "network"}]})
    data["backup_routines"] = more["backup_routines"]
    data["policies"] = {
        "escalation": {"triggers": [{"level": "stabslage", "units_hit": 1, "decision_delay": "37min"}],
                       "stand_down_after": "1h 19min"},
        "staff_mode": {"redeploy": 0.3, "redeploy_to": ["discharge"], "redeploy_after": "5h 13min",
                       "phone_capacity": 0.5, "phone_after": "23min"},
    }
    return Scenario.model_validate(data)


def queue_triggers() -> Scenario:
    """`staff_mode` with the levels raised by the queues: stabsläge when 60% of the last hour's
    calls go unanswered, förstärkningsläge when 100 beds are held by patients ready to leave."""
    data = staff_mode().model_dump(mode="json", exclude_none=True)
    data["name"] = data["title"] = "queue-triggers"
    data["policies"]["escalation"]["triggers"] = [
        {"level": "stabslage", "unanswered_calls": 0.6, "decision_delay": "37min"},
        {"level": "forstarkningslage", "blocked_beds": 100, "decision_delay": "1h"},
    ]
    return Scenario.model_validate(data)


def call_surge() -> Scenario:
    """Twelve lines whose calls surge while the unit they serve is short of the network (it keeps
    0.4: 0.6 of the surge) and wholly once staff mode has informed patients, fading after."""
    data = many_phone_lines().model_dump(mode="json", exclude_none=True)
    data["name"] = data["title"] = "call-surge"
    data["horizon"] = "5d"  # every visit cancelled is rebooked by the end
    data["region"]["units"][0]["depends_on"] = [{"system": "network", "effect": "reduce", "capacity": 0.4}]
    data["region"]["phone_lines"][0].update(serves=["vc"], surge={"factor": 2.5, "half_life": "1h 47min"})
    data["policies"] = {"escalation": {"triggers": [{"level": "stabslage", "outage_longer_than": "2h 3min"}],
                                       "call_reduction": 0.25}}
    return Scenario.model_validate(data)


SYNTHETIC = {
    "planned-only": planned_only,
    "planned-at-the-door": planned_at_the_door,
    "acute-only": acute_only,
    "acute-without-records": acute_without_records,
    "one-phone-line": one_phone_line,
    "many-phone-lines": many_phone_lines,
    "pooled-phone-lines": pooled_phone_lines,
    "discharges": discharges,
    "consumables": consumables,
    "staff-mode": staff_mode,
    "queue-triggers": queue_triggers,
    "call-surge": call_surge,
}
