"""Named changes to a scenario: strategies, sweep values and drill options all say
`path.to.field: value`, and every one gives a new validated scenario, never a mutated one."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import ValidationError

from ..i18n import _
from .assumptions import changed_paths_cover, extract_assumptions
from .model import Scenario


class ChangeError(ValueError):
    """A change names a field that does not exist, or gives a value the field refuses."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _step(node: Any, part: str, path: str, walked: list[str]) -> tuple[Any, Any]:
    """Find `part` in `node`; return (container, key) so that container[key] is the target."""
    where = ".".join(walked) or _("the scenario")
    if isinstance(node, dict):
        if part not in node:
            raise ChangeError(path, _("{where} has no field {name}").format(where=where, name=repr(part)))
        return node, part
    if isinstance(node, list):
        if part.isdigit():
            i = int(part)
            if i >= len(node):
                raise ChangeError(path, _("{where} has {n} items; there is no item {i}").format(where=where, n=len(node), i=i))
            return node, i
        for i, item in enumerate(node):
            if isinstance(item, dict) and part in (item.get("id"), item.get("system"), item.get("level")):
                return node, i
        ids = [str(item.get("id")) for item in node if isinstance(item, dict) and "id" in item]
        raise ChangeError(path, _("{where} has no item with id {id}").format(where=where, id=repr(part))
                          + (" " + _("(ids: {ids})").format(ids=", ".join(ids)) if ids else ""))
    raise ChangeError(path, _("{where} is a value, not a mapping or list").format(where=where))


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set `path` in the plain-data form of a scenario (in place)."""
    parts = [p for p in path.split(".") if p]
    if not parts:
        raise ChangeError(path, _("empty path"))
    node: Any = data
    walked: list[str] = []
    for part in parts[:-1]:
        container, key = _step(node, part, path, walked)
        node = container[key]
        walked.append(part)
        if node is None:
            raise ChangeError(path, _("{where} is not set in this scenario, so it has no fields to change").format(
                where=".".join(walked)))
    last = parts[-1]
    if isinstance(node, dict) and last not in node:
        # Optional fields left out of the file still exist in the model: the dump includes them.
        raise ChangeError(path, _("{where} has no field {name}").format(where=".".join(walked) or _("the scenario"), name=repr(last)))
    container, key = _step(node, last, path, walked)
    container[key] = copy.deepcopy(value)


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain data that validates back into an equal scenario."""
    return scenario.model_dump(mode="json", by_alias=True)


def apply_changes(scenario: Scenario, changes: dict[str, Any]) -> Scenario:
    """A new scenario with `changes` applied; raises ChangeError naming the first bad path."""
    if not changes:
        return scenario
    data = scenario_data(scenario)
    for path, value in changes.items():
        set_path(data, path, value)
    data, added, problems = extract_assumptions(data, Scenario)
    if problems:
        raise ChangeError(", ".join(changes), f"{problems[0].path}: {problems[0].message}")
    try:
        changed = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise ChangeError(", ".join(changes), f"{loc}: {err['msg']}") from None
    # A change of a field (or of a part above it) replaces what was assumed about it.
    kept = [a for a in scenario.assumptions if not changed_paths_cover(list(changes), a.path)]
    return changed.with_assumptions((*kept, *added))


def apply_strategy(scenario: Scenario, strategy_id: str) -> Scenario:
    """The scenario under a named strategy; `baseline` is the scenario itself."""
    if strategy_id == "baseline":
        return scenario
    for strategy in scenario.strategies:
        if strategy.id == strategy_id:
            return apply_changes(scenario, strategy.set)
    known = ", ".join(["baseline", *(s.id for s in scenario.strategies)])
    raise ChangeError(strategy_id, _("no strategy {id} in {scenario} (known: {known})").format(
        id=repr(strategy_id), scenario=scenario.name, known=known))
