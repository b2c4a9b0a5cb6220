"""Assumed numbers against the evidence: every field of a scenario that a reference range is meant
for (scenarios/evidence/reference-ranges.yaml, its `fields:`), with the value or range the file
gives it, whether that is evidence-based, and whether it lies outside the reference range.

A reference range names its fields as a path with `*` for any id, optionally followed by the
service it is about: `backup_routines.*.capacity (affects: planned)` is the capacity of a backup
routine that stands in for planned care; `region.units.*.depends_on.*.capacity (affects: acute)`
is what acute care keeps without a system, for a dependency whose `affects:` names acute care. With `unit_kinds:` it applies only to those kinds of
unit. One number can serve several kinds (a routine for hospitals and primary care): it is
checked for each kind against the ranges meant for that kind, and flagged for a kind when it lies
outside every one of them.

A single value is outside when it is below the range's low or above its high end. A range is
outside when its central value is; a range that only reaches beyond the reference range is
marked so, not flagged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .assumptions import NumberRange
from .model import BackupRoutine, CareUnit, Dependency, Scenario

if TYPE_CHECKING:
    from .problems import Sources
    from .reference_ranges import ReferenceRange

Loc = tuple[str | int, ...]
_FIELD = re.compile(r"^(?P<path>[a-z_]+(?:\.(?:[a-z_]+|\*))*)(?: \(affects: (?P<service>acute|planned|discharge)\))?$")
_ITEM_KEYS = ("id", "system", "level")


@dataclass(frozen=True)
class FieldPattern:
    """A reference range's field: a path with `*` for any id, and the service it is about."""

    parts: tuple[str, ...]
    service: str | None = None

    def matches(self, path: str) -> bool:
        steps = path.split(".")
        return len(steps) == len(self.parts) and all(p in ("*", s) for p, s in zip(self.parts, steps, strict=True))


def parse_field(text: str) -> FieldPattern | None:
    """`backup_routines.*.capacity (affects: planned)` -> FieldPattern; None for text that is not a
    path (a note such as `(to come: ...)`)."""
    m = _FIELD.match(text.strip())
    if m is None:
        return None
    return FieldPattern(tuple(m.group("path").split(".")), m.group("service"))


@dataclass(frozen=True)
class Verdict:
    """How a field's number stands against one reference range, for the unit kinds it serves."""

    reference: str
    low: float
    high: float
    calibrated: bool
    kinds: tuple[str, ...]
    """The unit kinds (of those the field serves) the range is meant for; empty: any."""
    position: str
    """`inside`, `below`, `above`, or `reaches beyond` (a range whose central value is inside)."""

    @property
    def outside(self) -> bool:
        return self.position in ("below", "above")


@dataclass(frozen=True)
class AssumedNumber:
    """A field a reference range is meant for, or one written as a range."""

    path: str
    file: str
    line: int | None
    value: float
    """The value the field holds (a range's central value)."""
    range: NumberRange | None
    """The range when the file writes one."""
    evidence: str | None
    """The reference range the file cites with `{evidence: NAME}`."""
    verdicts: tuple[Verdict, ...]
    """Against the reference ranges meant for the field; for several, the kinds say which."""
    flagged_kinds: tuple[str, ...] = ()
    """Kinds for which the number lies outside every reference range meant for them ("any" when
    the ranges are not by kind)."""

    @property
    def evidence_based(self) -> bool:
        return self.evidence is not None

    @property
    def flagged(self) -> bool:
        return bool(self.flagged_kinds)

    def where(self) -> str:
        return f"{self.file} line {self.line}" if self.line else self.file


# --------------------------------------------------------------------------- finding the fields


def _item_name(items: list[Any], index: int) -> str:
    """As a path names a list item (sim/scenario/problems.py, and a strategy's `set:`): its id,
    system or level when that finds this item first, else its position."""
    item = items[index]
    for key in _ITEM_KEYS:
        name = getattr(item, key, None)
        if isinstance(name, str) and not name.isdigit():
            for other in items:
                if name in (getattr(other, k, None) for k in _ITEM_KEYS):
                    return name if other is item else str(index)
    return str(index)


def walk(scenario: Scenario, pattern: FieldPattern) -> Iterator[tuple[Loc, str, Any, float]]:
    """(location, path, owner, value) of every number field of `scenario` that `pattern` names."""

    def step(node: Any, parts: tuple[str, ...], loc: Loc, path: tuple[str, ...], owner: Any) -> Iterator[tuple[Loc, str, Any, float]]:
        if not parts:
            if isinstance(node, int | float) and not isinstance(node, bool):
                yield loc, ".".join(path), owner, float(node)
            return
        head, rest = parts[0], parts[1:]
        if isinstance(node, list):
            for i in range(len(node)):
                name = _item_name(node, i)
                if head in ("*", name):
                    yield from step(node[i], rest, (*loc, i), (*path, name), node[i])
        elif isinstance(node, BaseModel) and head != "*" and head in type(node).model_fields:
            yield from step(getattr(node, head), rest, (*loc, head), (*path, head), node)

    yield from step(scenario, pattern.parts, (), (), scenario)


def _unit_services(u: CareUnit) -> list[str]:
    return [s for s, part in (("acute", u.acute), ("planned", u.planned), ("discharge", u.beds)) if part is not None]


def _served(dep: Dependency, unit: CareUnit, *, named: bool = False) -> set[tuple[str, str]]:
    """The unit's (kind, service) pairs that need the dependency's system; with `named`, only the
    services its `affects:` names (a dependency on everything is not a number about one)."""
    if named and dep.affects is None:
        return set()
    return {(unit.kind, s) for s in _unit_services(unit) if dep.affects is None or s in dep.affects}


def served(scenario: Scenario, owner: Any, path: str) -> set[tuple[str, str]] | None:
    """(unit kind, service) pairs a field's number acts on; None when it is not tied to units."""
    region = scenario.region
    if isinstance(owner, BackupRoutine):
        covers = set(owner.covers) if owner.covers is not None else None
        out: set[tuple[str, str]] = set()
        for u in region.units:
            if covers is not None and u.id not in covers:
                continue
            for d in u.depends_on:
                if d.system in owner.replaces:
                    out |= _served(d, u)
        for p in region.phone_lines:
            if (covers is None or p.id in covers) and any(d.system in owner.replaces for d in p.depends_on):
                out.add(("phone", "calls"))
        for c in region.consumables:
            if (covers is None or c.id in covers) and any(d.system in owner.replaces for d in c.depends_on):
                out.add(("supplies", "ordering"))
        return out
    if isinstance(owner, Dependency):
        parts = path.split(".")
        units = region.units
        for i in range(len(units)):
            if parts[:3] == ["region", "units", _item_name(units, i)]:
                return _served(owner, units[i], named=True)
        return set()
    return None


# --------------------------------------------------------------------------- the check


def _position(value: float, rng: NumberRange | None, low: float, high: float) -> str:
    if value < low:
        return "below"
    if value > high:
        return "above"
    if rng is not None and (rng.low < low or rng.high > high):
        return "reaches beyond"
    return "inside"


def _patterns(ranges: dict[str, ReferenceRange]) -> list[tuple[ReferenceRange, FieldPattern]]:
    out = []
    for r in ranges.values():
        if not r.in_model:
            continue
        for text in r.fields:
            pattern = parse_field(text)
            if pattern is not None:
                out.append((r, pattern))
    return out


def assumed_numbers(scenario: Scenario, ranges: dict[str, ReferenceRange] | None = None) -> list[AssumedNumber]:
    """Every field written as a range, and every field a reference range is meant for, in file
    order, with its verdicts against the reference ranges."""
    from .reference_ranges import reference_ranges

    ranges = reference_ranges() if ranges is None else ranges
    assumed = {a.path: a for a in scenario.assumptions}
    found: dict[str, tuple[Loc, Any, float, list[tuple[ReferenceRange, FieldPattern]]]] = {}
    for ref, pattern in _patterns(ranges):
        for loc, path, owner, value in walk(scenario, pattern):
            if path in assumed or scenario.field_line(path)[1] is not None:
                found.setdefault(path, (loc, owner, value, []))[3].append((ref, pattern))
    out = []
    for path in dict.fromkeys([*assumed, *found]):
        a = assumed.get(path)
        loc, owner, value, refs = found.get(path, ((), None, float(a.range.central) if a else 0.0, []))
        file, line = (a.file, a.line) if a is not None else scenario.field_line(path)
        rng = a.range if a is not None else None
        if a is not None:
            value = a.range.central
        verdicts, flagged = _verdicts(scenario, owner, path, value, rng, refs)
        if a is None and not verdicts:
            continue  # no reference range is meant for this part (another kind, another service)
        out.append(AssumedNumber(path, file, line, value, rng, a.evidence if a else None, verdicts, flagged))
    main = scenario.field_line("")[0]
    out.sort(key=lambda n: (n.file != main, n.file, n.line or 0, n.path))
    return out


def _verdicts(
    scenario: Scenario, owner: Any, path: str, value: float, rng: NumberRange | None,
    refs: list[tuple[ReferenceRange, FieldPattern]],
) -> tuple[tuple[Verdict, ...], tuple[str, ...]]:
    """The verdict against each reference range meant for the field, and the kinds for which
    the number lies outside every range meant for them."""
    pairs = served(scenario, owner, path) if owner is not None else None
    verdicts: list[Verdict] = []
    outside_by_kind: dict[str, list[bool]] = {}
    for ref, pattern in refs:
        if pairs is None:
            if ref.unit_kinds or pattern.service is not None:
                continue
            kinds = {"any"}
        else:
            kinds = {k for k, s in pairs if (not ref.unit_kinds or k in ref.unit_kinds)
                     and (pattern.service is None or s == pattern.service)}
            if not kinds:
                continue
        r = ref.range()
        position = _position(value, rng, r.low, r.high)
        shown = tuple(sorted(kinds)) if ref.unit_kinds else ()
        verdicts.append(Verdict(ref.name, r.low, r.high, ref.calibrated is not None, shown, position))
        for k in kinds:
            outside_by_kind.setdefault(k, []).append(position in ("below", "above"))
    flagged = tuple(sorted(k for k, outs in outside_by_kind.items() if all(outs)))
    return tuple(verdicts), flagged


# --------------------------------------------------------------------------- lines of plain fields


def field_lines(scenario: Scenario, sources: Sources) -> dict[str, tuple[str, int | None]]:
    """File and line of every field a reference range is meant for, by path (for a scenario just
    validated from `sources`)."""
    from .reference_ranges import reference_ranges

    out: dict[str, tuple[str, int | None]] = {"": sources.locate(())}
    for _, pattern in _patterns(reference_ranges()):
        for loc, path, _owner, _value in walk(scenario, pattern):
            if _written(sources.data, loc):
                out[path] = sources.locate(loc)
    return out


def _written(data: Any, loc: Loc) -> bool:
    """Whether the file writes the field at `loc` (a default left out is not an assumption of
    the file's)."""
    node = data
    for step in loc:
        if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
            continue
        if not (isinstance(node, dict) and step in node):
            return False
        node = node[step]
    return True


__all__ = ["AssumedNumber", "FieldPattern", "Verdict", "assumed_numbers", "field_lines", "parse_field"]
