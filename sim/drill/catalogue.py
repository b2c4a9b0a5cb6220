"""The actions a group can take at any time in a drill, built from what the scenario has:
its readiness levels, backup routines, care units and recovery actions."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_, _
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
    "failover": N_("Fail over"),
    "alternative_system": N_("Start building an alternative system"),
    "mutual_aid": N_("Ask for help"),
}
GROUPS = (N_("Readiness"), N_("Backup routines"), N_("Planned care"), N_("Recovery"), N_("Communication"))
"""The kinds of action, in English (the page shows them in the session's language)."""


def _item(do: str, target: str | None, group: str, label: str, needs_period: bool = False) -> CatalogueItem:
    action = Action.model_validate({"do": do, "target": target})
    return CatalogueItem(f"{do}:{target or ''}", group, label, action, needs_period)


def catalogue(scenario: Scenario) -> list[CatalogueItem]:
    """Every action the group can take in a drill of `scenario`."""
    names = READINESS_NAMES
    items = [
        _item("raise_readiness", lv, "Readiness", _("Raise the readiness level to {level}").format(level=names[lv]))
        for lv in READINESS_LEVELS[1:]
    ]
    items += [
        _item("lower_readiness", lv, "Readiness", _("Lower the readiness level to {level}").format(level=names[lv]))
        for lv in READINESS_LEVELS[:-1]
    ]
    items += [
        _item("activate_backup", b.id, "Backup routines", _("Activate the backup routine now: {name}").format(name=b.name))
        for b in scenario.backup_routines if b.enabled
    ]
    items.append(_item("cancel_planned", None, "Planned care",
                       _("Cancel planned visits ahead at every unit that has lost capacity"), True))
    items += [
        _item("cancel_planned", u.id, "Planned care", _("Cancel planned visits ahead: {name}").format(name=u.name), True)
        for u in scenario.region.units if u.planned is not None
    ]
    items += [
        _item("start_recovery", a.id, "Recovery", f"{_(RECOVERY_VERBS[a.kind])}: {a.name}")
        for a in scenario.recovery_actions if a.enabled
    ]
    items.append(_item("inform_patients", None, "Communication", _("Inform patients (1177, the web, text messages)")))
    return items


def describe_action(scenario: Scenario, action: Action) -> str:
    """The action in words, naming things as the scenario names them."""
    t = action.target
    if action.do in ("raise_readiness", "lower_readiness"):
        level = t or ("stabslage" if action.do == "raise_readiness" else "normallage")
        word = READINESS_NAMES.get(level, level)
        if action.do == "raise_readiness":
            return _("Raise the readiness level to {level}").format(level=word)
        return _("Lower the readiness level to {level}").format(level=word)
    if action.do == "activate_backup":
        name = next((b.name for b in scenario.backup_routines if b.id == t), t)
        return _("Activate the backup routine: {name}").format(name=name)
    if action.do == "cancel_planned":
        where = (
            next((u.name for u in scenario.region.units if u.id == t), t)
            if t
            else _("every unit that has lost capacity")
        )
        period = action.period if action.period is not None else scenario.policies.cancellation.ahead
        return _("Cancel planned visits for the next {period}: {where}").format(period=format_duration(period), where=where)
    if action.do == "start_recovery":
        rec = next((a for a in scenario.recovery_actions if a.id == t), None)
        if rec is None:
            return _("Start recovery action {id}").format(id=t)
        return f"{_(RECOVERY_VERBS[rec.kind])}: {rec.name}"
    return _("Inform patients (1177, the web, text messages)")
