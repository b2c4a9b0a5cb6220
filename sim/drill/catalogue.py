"""The actions a group can take at any time in a drill, built from what the scenario has:
its readiness levels, backup routines, care units and recovery actions."""

from __future__ import annotations

from dataclasses import dataclass

from ..scenario.model import Action, Scenario
from ..scenario.quantities import format_duration
from ..vocabulary import READINESS_LEVELS, READINESS_NAMES


@dataclass(frozen=True)
class CatalogueItem:
    """One action on offer. Cancelling planned visits also needs a period (`needs_period`)."""

    key: str
    group: str
    label: str
    action: Action
    needs_period: bool = False


RECOVERY_VERBS = {
    "failover": "Fail over",
    "alternative_system": "Start building an alternative system",
    "mutual_aid": "Ask for help",
}


def _item(do: str, target: str | None, group: str, label: str, needs_period: bool = False) -> CatalogueItem:
    action = Action.model_validate({"do": do, "target": target})
    return CatalogueItem(f"{do}:{target or ''}", group, label, action, needs_period)


def catalogue(scenario: Scenario) -> list[CatalogueItem]:
    """Every action the group can take in a drill of `scenario`."""
    names = READINESS_NAMES
    items = [
        _item("raise_readiness", lv, "Readiness", f"Raise the readiness level to {names[lv]}")
        for lv in READINESS_LEVELS[1:]
    ]
    items += [
        _item("lower_readiness", lv, "Readiness", f"Lower the readiness level to {names[lv]}")
        for lv in READINESS_LEVELS[:-1]
    ]
    items += [
        _item("activate_backup", b.id, "Backup routines", f"Activate the backup routine now: {b.name}")
        for b in scenario.backup_routines if b.enabled
    ]
    items.append(_item("cancel_planned", None, "Planned care",
                       "Cancel planned visits ahead at every unit that has lost capacity", True))
    items += [
        _item("cancel_planned", u.id, "Planned care", f"Cancel planned visits ahead: {u.name}", True)
        for u in scenario.region.units if u.planned is not None
    ]
    items += [
        _item("start_recovery", a.id, "Recovery", f"{RECOVERY_VERBS[a.kind]}: {a.name}")
        for a in scenario.recovery_actions if a.enabled
    ]
    items.append(_item("inform_patients", None, "Communication", "Inform patients (1177, the web, text messages)"))
    return items


def describe_action(scenario: Scenario, action: Action) -> str:
    """The action in words, naming things as the scenario names them."""
    t = action.target
    if action.do in ("raise_readiness", "lower_readiness"):
        level = t or ("stabslage" if action.do == "raise_readiness" else "normallage")
        verb = "Raise" if action.do == "raise_readiness" else "Lower"
        return f"{verb} the readiness level to {READINESS_NAMES.get(level, level)}"
    if action.do == "activate_backup":
        name = next((b.name for b in scenario.backup_routines if b.id == t), t)
        return f"Activate the backup routine: {name}"
    if action.do == "cancel_planned":
        where = (
            next((u.name for u in scenario.region.units if u.id == t), t)
            if t
            else "every unit that has lost capacity"
        )
        period = action.period if action.period is not None else scenario.policies.cancellation.ahead
        return f"Cancel planned visits for the next {format_duration(period)}: {where}"
    if action.do == "start_recovery":
        rec = next((a for a in scenario.recovery_actions if a.id == t), None)
        if rec is None:
            return f"Start recovery action {t}"
        return f"{RECOVERY_VERBS[rec.kind]}: {rec.name}"
    return "Inform patients (1177, the web, text messages)"
