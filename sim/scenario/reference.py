"""The scenario format described from the model itself: a JSON Schema for editors and checkers,
and docs/scenario-reference.md for people. Both are committed and a test fails when they are stale.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pydantic import BaseModel

from ..vocabulary import READINESS_LEVELS
from .assumptions import NUMBER_DISTS, RANGE_DEF, RANGE_MARK, RANGE_SCHEMA
from .checks import MILESTONE_FORMS
from .model import Scenario
from .problems import _models_in
from .quantities import CLOCK_PATTERN, DATETIME_PATTERN, DURATION_PATTERN
from .yamlsafe import MAX_DEPTH

SCHEMA_ID = "urn:outage-drill-sim:scenario.schema.json"
SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


def scenario_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a scenario file. `region:` may also be a file path, and a
    distribution mapping must name its `dist:`, as the loader requires."""
    schema = Scenario.model_json_schema(mode="validation")
    schema = {
        "$schema": SCHEMA_DRAFT,
        "$id": SCHEMA_ID,
        "title": "Outage drill scenario",
        **{k: v for k, v in schema.items() if k != "title"},
    }
    region = schema["properties"]["region"]
    description = region.pop("description", "")
    schema["properties"]["region"] = {
        "description": description,
        "anyOf": [
            {"$ref": region.pop("$ref")},
            {
                "type": "string",
                "pattern": r"\.ya?ml$",
                "description": "Path of a region file, relative to this scenario file.",
            },
        ],
    }
    schema = _range_refs(schema)
    for definition in schema["$defs"].values():
        props = definition.get("properties", {})
        if "dist" in props:
            required = definition.setdefault("required", [])
            if "dist" not in required:
                required.insert(0, "dist")
            props["dist"].pop("default", None)
    schema["$defs"][RANGE_DEF] = copy.deepcopy(RANGE_SCHEMA)  # dist: is optional in a range
    return dict(schema)


def _range_refs(node: Any) -> Any:
    """The schema with each placeholder of an assumed range replaced by a reference to it."""
    if isinstance(node, dict):
        if node.get(RANGE_MARK):
            return {"$ref": f"#/$defs/{RANGE_DEF}"}
        return {k: _range_refs(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_range_refs(v) for v in node]
    return node


def schema_text() -> str:
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- reference


INTRO = f"""\
# Scenario file reference

A scenario is one YAML file: a region (its care units, phone lines, consumables and IT
systems), the incidents that hit it, the backup routines and recovery actions that answer them,
the region's policies, drill material and strategies to compare. This page is generated from the
model (`sim reference --output docs/scenario-reference.md`); `sim schema` gives the same rules as a
JSON Schema for editors (docs/scenario.schema.json), and `sim validate FILE` checks a file and
names the line of every problem.

## Writing values

- **Durations** are written with a unit: `15min`, `2h`, `3d`, `1w`, `1d 12h`, `1.5h` (units `w`,
  `d`, `h`, `min`, `s`). A bare number is refused, because `2` could mean minutes, hours or days;
  only `0` needs no unit.
- **Time points** are a clock time on the start date (`07:00`; quote it or not, it stays a
  time), a date and time (`2024-01-22 14:00`) or an offset from the start (`+6h`, `+1d 2h`). They
  must fall inside the simulated period: from `start` to `start` + `horizon`.
- **Opening hours** are a daily window: `08:00-17:00`; `00:00-24:00` is round the clock.
- **Distributions**: wherever the type says *duration or distribution*, write a plain duration
  (`2h`, always the same) or a mapping that names its `dist:`
  - `{{dist: fixed, value: 2h}}`: always the same;
  - `{{dist: uniform, low: 1h, high: 3h}}`: anything in between, equally likely;
  - `{{dist: triangular, low: 1h, mode: 2h, high: 6h}}`: the usual three-point estimate;
  - `{{dist: lognormal, median: 2h, p90: 8h}}`: right-skewed, by its median and the value nine in
    ten stay under;
  - `{{dist: exponential, mean: 2h}}`: many short values, a few long ones;
  - `{{dist: empirical, values: [1h, 2h, 8h], weights: [3, 2, 1]}}`: one of the observed values.
- **Ids** are lower-case letters, digits, `-` and `_` (`vc-public`, `journal`). Every id is
  unique in its list; units, phone lines and consumables share one set of ids, because
  `covers:` may name any of them. Every id that refers to something (`depends_on`, `fails`,
  `replaces`, `covers`, `serves`, a unit's `consumables`, action targets) must exist.
- **Fractions** are numbers from 0 to 1 (`0.6` is 60 %).
- **Assumed numbers as ranges**: wherever the type says *or range*, an assumed number may be
  written as a range, drawn once per replication (each from its own random stream, so every
  strategy sees the same draw): `{{low: 0.4, mode: 0.7, high: 0.95}}` (triangular),
  `{{low: 0.4, high: 0.9}}` (uniform), a mapping with `dist:` one of {", ".join(f"`{d}`" for d in NUMBER_DISTS)}
  (`{{dist: empirical, values: [0.5, 0.7]}}`), or `{{evidence: NAME}}` for a reference range from
  scenarios/evidence/reference-ranges.yaml (every field citing one range shares its draw). The
  field holds the range's central value (the mode) wherever one number is needed; low, mode and
  high must each be a value the field accepts.
- **Plain YAML only.** `true` and `false` are the only booleans (`no`, `yes`, `on` and `off`
  stay text); dates and times stay text; tags (`!!python/...`) are refused; anchors, aliases and
  merge keys (`<<: *defaults`) work in moderation. A file is at most 1 MB and nests at most
  {MAX_DEPTH} levels deep; a key may appear once in a mapping.

## Region files

`region:` holds the region inline, or the path of a region file relative to the scenario file
(`region: regions/sormland.yaml`), so that several scenarios share one region. The region file
holds what the [Region](#region) section lists, at its top level, and must lie in the scenario's
folder or below it. Problems in it are reported with its own name and line.

## Strategies and drill options

A strategy's `set:` (and a decision option's) changes fields by their path: keys joined by dots,
list items named by their `id` (dependencies by their `system`, escalation triggers by their
`level`) or by their position from 0:

```yaml
strategies:
  - id: fast-failover
    set:
      recovery_actions.new-server.lead_time: 2h
      backup_routines.paper-journal.capacity: 0.8
      region.units.hospitals.acute.servers: 10
```

Problems are reported with the same paths, so a path in an error message can be pasted into a
`set:`.

## Milestones

Conditions (`when:` on injects and decisions) and expected actions (`after:`) count from a
milestone, where ID is the id of the system, incident, backup routine, recovery action or inject
and LEVEL one of {", ".join(f"`{lv}`" for lv in READINESS_LEVELS)}:

{chr(10).join(f"- `{m}`" for m in MILESTONE_FORMS)}
"""


def _anchor(name: str) -> str:
    return name.lower()


def _link(ref: str) -> str:
    name = ref.rsplit("/", 1)[-1]
    return f"[{name}](#{_anchor(name)})"


def _type_words(p: dict[str, Any]) -> str:
    """A property's JSON Schema in a few words."""
    if p.get("$ref", "").endswith("/" + RANGE_DEF):
        return "[range](#writing-values)"
    if "$ref" in p:
        return _link(p["$ref"])
    if "oneOf" in p and any("Fixed" in o.get("$ref", "") for o in p["oneOf"]):
        return "duration or [distribution](#distributions)"
    if "anyOf" in p:
        options = [o for o in p["anyOf"] if o.get("type") != "null"]
        if any(o.get("pattern") == DURATION_PATTERN for o in options):
            return "duration"
        words = [_type_words(o) for o in options]
        return " or ".join(dict.fromkeys(words))
    if "const" in p:
        return f"`{p['const']}`"
    if "enum" in p:
        return "one of " + ", ".join(f"`{v}`" for v in p["enum"])
    kind = p.get("type")
    if kind == "string":
        return _string_words(p.get("pattern", ""))
    if kind in ("integer", "number"):
        return _number_words(p)
    if kind == "boolean":
        return "true/false"
    if kind == "array":
        inner = _type_words(p.get("items", {}))
        size = ""
        if p.get("minItems") and p.get("minItems") == p.get("maxItems"):
            size = f" (exactly {p['minItems']})"
        elif p.get("minItems"):
            size = f" (at least {p['minItems']})"
        return f"list of {inner}{size}"
    if kind == "object":
        return "mapping of `path.to.field: value`"
    return "any"


def _string_words(pattern: str) -> str:
    if pattern == r"\.ya?ml$":
        return "path of a region file"
    if pattern == ID_PATTERN:
        return "id"
    if pattern == DATETIME_PATTERN:
        return "date and time"
    if CLOCK_PATTERN in pattern and "+" in pattern:
        return "time point"
    if pattern.startswith(r"^\d{1,2}:\d{2}"):
        return "opening hours"
    return "text"


def _number_words(p: dict[str, Any]) -> str:
    kind = p.get("type")
    if kind == "number" and p.get("minimum") == 0 and p.get("maximum") == 1:
        return "fraction 0-1"
    word = "whole number" if kind == "integer" else "number"
    bounds = []
    if "minimum" in p:
        bounds.append(f"≥ {_num(p['minimum'])}")
    if "exclusiveMinimum" in p:
        bounds.append(f"> {_num(p['exclusiveMinimum'])}")
    if "maximum" in p:
        bounds.append(f"≤ {_num(p['maximum'])}")
    return f"{word} {', '.join(bounds)}".strip()


def _num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


def _default_words(model: type[BaseModel], name: str, p: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" in p:
        value = p["default"]
    else:
        field = model.model_fields[name]
        value = field.get_default(call_default_factory=True, validated_data={})
        if isinstance(value, BaseModel):
            return "all defaults"
    if value is None:
        return "left out"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list | dict):
        if not value:
            return "none" if isinstance(value, list) else "`{}`"
        return f"`{_flow(value)}`"
    if isinstance(value, float):
        return f"`{_num(value)}`"
    if value == "":
        return "empty"
    return f"`{value}`"


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return str(value)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _models_in_order(schema: dict[str, Any]) -> list[str]:
    """Sections in the order a reader meets them: breadth first from Scenario."""
    defs = schema["$defs"]
    order: list[str] = []
    queue = ["Scenario"]
    while queue:
        name = queue.pop(0)
        if name in order:
            continue
        order.append(name)
        props = schema["properties"] if name == "Scenario" else defs[name].get("properties", {})
        for p in props.values():
            for ref in _refs(p):
                if ref not in order and ref not in _DISTS and ref != RANGE_DEF:
                    queue.append(ref)
    return order + [d for d in _DISTS if d in defs]


_DISTS = ["Fixed", "Uniform", "Triangular", "LogNormal", "Exponential", "Empirical"]


def _refs(p: Any) -> list[str]:
    found: list[str] = []
    stack = [p]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            if "$ref" in x:
                found.append(x["$ref"].rsplit("/", 1)[-1])
            stack.extend(reversed(list(x.values())))
        elif isinstance(x, list):
            stack.extend(reversed(x))
    return found


def _all_models() -> dict[str, type[BaseModel]]:
    from .distributions import Empirical, Exponential, Fixed, LogNormal, Triangular, Uniform

    found: dict[str, type[BaseModel]] = {}
    stack: list[type[BaseModel]] = [
        Scenario,
        Fixed,
        Uniform,
        Triangular,
        LogNormal,
        Exponential,
        Empirical,
    ]
    while stack:
        m = stack.pop()
        if m.__name__ in found:
            continue
        found[m.__name__] = m
        for f in m.model_fields.values():
            stack.extend(_models_in(f.annotation))
    return found


def reference_text() -> str:
    """docs/scenario-reference.md."""
    schema = scenario_schema()
    models = _all_models()
    out = [INTRO]
    names = _models_in_order(schema)
    sections = ", ".join(f"[{n}](#{_anchor(n)})" for n in names if n not in _DISTS)
    dists = ", ".join(f"[{n}](#{_anchor(n)})" for n in _DISTS)
    out.append(f"## Contents\n\n{sections}; distributions: {dists}.\n")
    for name in names:
        if name == _DISTS[0]:
            out.append(
                "## Distributions\n\nA *duration or distribution* field takes a plain duration "
                "or one of these mappings, told apart by `dist:`.\n"
            )
        definition = schema if name == "Scenario" else schema["$defs"][name]
        model = models[name]
        level = "###" if name in _DISTS else "##"
        out.append(f"{level} {name}\n")
        doc = (model.__doc__ or "").strip()
        if doc:
            out.append(" ".join(doc.split()) + "\n")
        out.append("| field | type | default | description |")
        out.append("| --- | --- | --- | --- |")
        required = set(definition.get("required", []))
        by_alias = {(f.alias or n): n for n, f in model.model_fields.items()}
        for key, p in definition.get("properties", {}).items():
            field_name = by_alias.get(key, key)
            description = model.model_fields[field_name].description or ""
            default = _default_words(model, field_name, p, key in required)
            out.append(
                f"| `{key}` | {_cell(_type_words(p))} | {_cell(default)} | {_cell(description)} |"
            )
        out.append("")
    out.append(RANGE_SECTION)
    return "\n".join(out).rstrip() + "\n"


RANGE_SECTION = f"""## {RANGE_DEF}

A field whose type says *or range* takes an assumed number as a range, drawn once per
replication (see [Writing values](#writing-values)).

| form | meaning |
| --- | --- |
| `{{low: 0.4, mode: 0.7, high: 0.95}}` | triangular: at worst, most likely, at best |
| `{{low: 0.4, high: 0.9}}` | uniform: anything in between, equally likely |
| `{{dist: triangular, low: ..., mode: ..., high: ...}}`, `{{dist: uniform, low: ..., high: ...}}` | the same, with `dist:` named |
| `{{dist: fixed, value: 0.6}}` | always the same |
| `{{dist: empirical, values: [0.5, 0.7], weights: [1, 2]}}` | one of the listed values |
| `{{evidence: NAME}}` | a reference range from scenarios/evidence/reference-ranges.yaml |
"""
