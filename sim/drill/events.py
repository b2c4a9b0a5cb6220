"""The simulation's event log as a drill's reader reads it: each event told again from its kind and
subject in the current language, naming things as the scenario names them. The engine's own text
(English, with ids) stays the fallback for an event this module does not know."""

from __future__ import annotations

import re

from ..engine.incident import Event
from ..i18n import _
from ..scenario.model import Scenario
from ..vocabulary import READINESS_NAMES

_WHY = {
    "repaired": lambda: _("repaired"),
    "trigger": lambda: _("a trigger of the readiness ladder"),
    "stood down": lambda: _("stood down"),
    "policy": lambda: _("the scenario's policies"),
    "group": lambda: _("the group"),
}
_DECISION = re.compile(r"^decision (?P<id>[^:]+)(?::\s*(?P<option>.+))?$")


def _parts(text: str) -> tuple[str, str]:
    """`head (detail)` -> (head, detail); a text without a trailing bracket -> (text, "")."""
    if text.endswith(")") and " (" in text:
        head, _sep, detail = text[:-1].rpartition(" (")
        return head, detail
    return text, ""


def why_text(scenario: Scenario, why: str) -> str:
    """Who or what made something happen (`policy`, `group`, `decision staff: yes`) in words."""
    if why in _WHY:
        return _WHY[why]()
    if why.startswith("failover: "):
        return _("failover: {name}").format(name=why.removeprefix("failover: "))
    m = _DECISION.match(why)
    if m:
        dp = next((d for d in scenario.exercise.decisions if d.id == m["id"]), None)
        option = next((o.label for o in dp.options if o.id == m["option"]), m["option"]) if dp and m["option"] else m["option"]
        if option:
            return _("decision {id}: {option}").format(id=m["id"], option=" ".join(str(option).split()))
        return _("decision {id}").format(id=m["id"])
    return why


def event_text(scenario: Scenario, ev: Event) -> str:
    """One event of the log in the current language."""
    systems = {s.id: s.name for s in scenario.region.systems}
    routines = {b.id: b.name for b in scenario.backup_routines}
    incident = next((i for i in scenario.incidents if i.id == ev.subject), None)
    head, detail = _parts(ev.text)
    if ev.kind in ("failure", "detected", "diagnosed") and incident is not None:
        if ev.kind == "failure":
            down = ", ".join(systems.get(f.system, f.system) for f in incident.failed)
            return _("{incident}: {systems} down").format(incident=incident.name, systems=down)
        if ev.kind == "detected":
            return _("{incident} detected").format(incident=incident.name)
        return _("{incident} diagnosed").format(incident=incident.name)
    if ev.kind == "restored":
        if ev.subject == "region":
            return _("full operation: every affected service back at full capacity")
        return _("{system} back in use ({how})").format(
            system=systems.get(ev.subject, ev.subject), how=why_text(scenario, detail))
    if ev.kind == "readiness" and ev.subject in READINESS_NAMES:
        return f"{READINESS_NAMES[ev.subject]} ({why_text(scenario, detail)})"
    if ev.kind == "backup" and ev.subject.startswith("backup:"):
        routine = routines.get(ev.subject.split(":", 1)[1], ev.subject.split(":", 1)[1])
        if head.endswith("no longer needed"):
            return _("{routine} no longer needed").format(routine=routine)
        return _("backup routine {routine} in use ({source})").format(routine=routine, source=why_text(scenario, detail))
    if ev.kind == "informed":
        if not detail:
            return _("patients informed through 1177 and the web")
        return _("patients informed ({who})").format(who=why_text(scenario, detail))
    return ev.text
