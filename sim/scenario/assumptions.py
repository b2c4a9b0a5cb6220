"""Assumed numbers written as ranges: `capacity: {low: 0.4, mode: 0.7, high: 0.95}`, the `dist:`
forms, or `{evidence: NAME}` for a reference range from the evidence library.

The loader records each ranged field as an `Assumption` and puts its central value in the field,
so the frozen scenario holds plain numbers and the engine never sees a range. Each replication
draws every assumption once, from its own named stream (`assumption:PATH`, or
`assumption:evidence:NAME` for all the fields that cite one reference range, which then share one
draw), and gets a concrete scenario with the drawn values: replication k sees the same values under
every strategy (common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..i18n import _
from .problems import Problem, Sources, _message, _models_in, display_path, suggest

if TYPE_CHECKING:
    import numpy as np

    from .model import Scenario

NUMBER_DISTS = ("triangular", "uniform", "fixed", "empirical")
RANGE_KEYS = ("low", "mode", "high", "dist", "value", "values", "weights", "evidence")


class Uncertain:
    """Marks a number field that may be written as a range (in `Annotated[...]`)."""

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        inner = handler(core_schema)
        return {"anyOf": [inner, {RANGE_MARK: True}]}

    def __repr__(self) -> str:
        return "Uncertain()"


UNCERTAIN = Uncertain()
RANGE_DEF = "AssumedRange"
"""Name of the range's definition in the JSON Schema (added by sim/scenario/reference.py)."""
RANGE_MARK = "x-assumed-range"
"""Stands for a reference to that definition while pydantic builds the schema."""

_NUM = {"type": "number"}
RANGE_SCHEMA: dict[str, Any] = {
    "description": "An assumed number as a range, drawn once per replication: "
    "{low, mode, high} (triangular), {low, high} (uniform), a dist: mapping, or "
    "{evidence: NAME} for a reference range.",
    "type": "object",
    "properties": {
        "dist": {"enum": list(NUMBER_DISTS)},
        "low": _NUM,
        "mode": _NUM,
        "high": _NUM,
        "value": _NUM,
        "values": {"type": "array", "items": _NUM, "minItems": 1},
        "weights": {"type": "array", "items": _NUM},
        "evidence": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]*$"},
    },
    "additionalProperties": False,
}


class RangeError(ValueError):
    """A range written wrongly; `key` is the part of the mapping at fault (or empty)."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key
        self.message = message


@dataclass(frozen=True)
class NumberRange:
    """An assumed number's distribution: triangular, uniform, fixed or empirical."""

    dist: str
    low: float
    mode: float
    high: float
    values: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()

    @property
    def central(self) -> float:
        """The value the field holds when nothing is drawn: the mode, the middle of a uniform
        range, the fixed value, or the weighted mean of empirical values."""
        if self.dist == "uniform":
            return (self.low + self.high) / 2
        if self.dist == "empirical":
            w = self.weights or (1.0,) * len(self.values)
            return sum(v * x for v, x in zip(self.values, w, strict=True)) / sum(w)
        return self.mode

    def points(self) -> tuple[float, ...]:
        """Every value the range can give at its ends, to check against the field's limits."""
        return self.values if self.dist == "empirical" else (self.low, self.mode, self.high)

    def sample(self, rng: np.random.Generator) -> float:
        if self.dist == "fixed" or self.low == self.high:
            return self.mode
        if self.dist == "uniform":
            return float(rng.uniform(self.low, self.high))
        if self.dist == "triangular":
            return float(rng.triangular(self.low, self.mode, self.high))
        w = self.weights or (1.0,) * len(self.values)
        total = sum(w)
        return float(self.values[int(rng.choice(len(self.values), p=[x / total for x in w]))])

    def quantile(self, q: float) -> float:
        """The q-quantile (triangular and uniform exactly; empirical by its sorted values)."""
        a, c, b = self.low, self.mode, self.high
        if self.dist == "fixed" or a == b:
            return c
        if self.dist == "uniform":
            return a + q * (b - a)
        if self.dist == "triangular":
            cut = (c - a) / (b - a)
            if q < cut:
                return a + math.sqrt(q * (b - a) * (c - a))
            return b - math.sqrt((1 - q) * (b - a) * (b - c))
        ordered = sorted(self.values)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def describe(self) -> str:
        if self.dist == "fixed":
            return _g(self.mode)
        if self.dist == "uniform":
            return f"{_g(self.low)}-{_g(self.high)} (uniform)"
        if self.dist == "triangular":
            return f"{_g(self.low)}-{_g(self.high)}, most likely {_g(self.mode)}"
        return f"one of {', '.join(_g(v) for v in self.values)}"

    def as_data(self) -> dict[str, Any]:
        """The range as written in a file (`{low, mode, high}` and so on)."""
        if self.dist == "triangular":
            return {"low": self.low, "mode": self.mode, "high": self.high}
        if self.dist == "uniform":
            return {"low": self.low, "high": self.high}
        if self.dist == "fixed":
            return {"dist": "fixed", "value": self.mode}
        out: dict[str, Any] = {"dist": "empirical", "values": list(self.values)}
        if self.weights:
            out["weights"] = list(self.weights)
        return out


def _g(x: float) -> str:
    return f"{x:.3g}"


def _number(spec: dict[str, Any], key: str) -> float:
    if key not in spec:
        raise RangeError("", _("missing {name}").format(name=repr(key)))
    value = spec[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RangeError(key, _("must be a number") + " " + _("(got {value})").format(value=repr(value)))
    if not math.isfinite(value):
        raise RangeError(key, _("must be a finite number"))
    return float(value)


def _numbers(spec: dict[str, Any], key: str) -> tuple[float, ...]:
    value = spec.get(key)
    if not isinstance(value, list) or not value:
        raise RangeError(key, _("must be a list of at least one number"))
    if len(value) > 10_000:
        raise RangeError(key, _("may have at most {n} items").format(n=10000))
    return tuple(_number({key: v}, key) for v in value)


def parse_range(spec: dict[str, Any]) -> NumberRange:
    """A range mapping as written in a file (not an `evidence:` reference) -> NumberRange."""
    dist = spec.get("dist")
    if dist in ("lognormal", "exponential"):
        raise RangeError(
            "dist",
            _("an assumed number is drawn once per replication and must stay within the field's limits: "
              "use {names}, not {dist}").format(names=", ".join(NUMBER_DISTS), dist=dist),
        )
    for key in spec:
        if key not in RANGE_KEYS or key == "evidence":
            raise RangeError(
                str(key), _("unknown field {name} in a range").format(name=repr(str(key))) + suggest(str(key), list(RANGE_KEYS))
            )
    if dist is None:
        extra = set(spec) - {"low", "mode", "high"}
        if extra:
            key = sorted(extra)[0]
            raise RangeError(key, _("{name} needs a dist: (one of {names})").format(name=repr(key), names=", ".join(NUMBER_DISTS)))
        dist = "triangular" if "mode" in spec else "uniform"
    if not isinstance(dist, str) or dist not in NUMBER_DISTS:
        raise RangeError(
            "dist", _("{value} is not one of {options}").format(value=repr(dist), options=", ".join(NUMBER_DISTS))
            + suggest(dist, list(NUMBER_DISTS), list_them=0)
        )
    allowed = {
        "triangular": {"dist", "low", "mode", "high"},
        "uniform": {"dist", "low", "high"},
        "fixed": {"dist", "value"},
        "empirical": {"dist", "values", "weights"},
    }[dist]
    for key in spec:
        if key not in allowed:
            raise RangeError(str(key), _("{dist} takes {names}, not {name}").format(
                dist=dist, names=", ".join(sorted(allowed - {"dist"})), name=repr(key)))
    if dist == "fixed":
        v = _number(spec, "value")
        return NumberRange("fixed", v, v, v)
    if dist == "empirical":
        values = _numbers(spec, "values")
        weights = _numbers(spec, "weights") if "weights" in spec else ()
        if weights and (len(weights) != len(values) or min(weights) < 0 or sum(weights) <= 0):
            raise RangeError("weights", _("needs one weight of at least 0 per value, not all 0"))
        return NumberRange("empirical", min(values), values[0], max(values), values, weights)
    low, high = _number(spec, "low"), _number(spec, "high")
    mode = _number(spec, "mode") if dist == "triangular" else (low + high) / 2
    if not low <= mode <= high:
        raise RangeError("", _("needs low <= mode <= high") if dist == "triangular" else _("needs low <= high"))
    return NumberRange(dist, low, mode, high)


@dataclass(frozen=True)
class Assumption:
    """A field written as a range: where it is, what it may be, and where the range comes from."""

    path: str
    """The field's path as a strategy names it (`backup_routines.paper-journal.capacity`)."""
    loc: tuple[str | int, ...]
    """The same path with list positions, to set a drawn value quickly."""
    range: NumberRange
    file: str = ""
    line: int | None = None
    evidence: str | None = None
    """The reference range's name when the file wrote `{evidence: NAME}`."""

    @property
    def key(self) -> str:
        """Its stream and its group in the variance shares: the reference range's name when it
        cites one (every field citing it shares the draw), else its path."""
        return f"evidence:{self.evidence}" if self.evidence else self.path

    @property
    def stream(self) -> str:
        return f"assumption:{self.key}"


# --------------------------------------------------------------------------- finding ranges


def _uncertain_annotation(field: Any) -> Any | None:
    """The field's type with its limits, when it is marked Uncertain; else None."""
    if any(isinstance(m, Uncertain) for m in field.metadata):
        return Annotated[(field.annotation, *field.metadata)]
    stack = [field.annotation]
    while stack:
        tp = stack.pop()
        args = get_args(tp)
        if get_origin(tp) is Annotated and any(isinstance(m, Uncertain) for m in args[1:]):
            return tp
        stack.extend(a for a in args if not isinstance(a, str | int | float | bool))
    return None


_HAS_UNCERTAIN: dict[type[BaseModel], bool] = {}


def _has_uncertain(model: type[BaseModel], seen: frozenset[type[BaseModel]] = frozenset()) -> bool:
    if model in _HAS_UNCERTAIN:
        return _HAS_UNCERTAIN[model]
    if model in seen:
        return False
    found = False
    for f in model.model_fields.values():
        if _uncertain_annotation(f) is not None or any(
            _has_uncertain(m, seen | {model}) for m in _models_in(f.annotation)
        ):
            found = True
            break
    _HAS_UNCERTAIN[model] = found
    return found


def uncertain_fields(model: type[BaseModel]) -> list[str]:
    """Names of the fields of `model` that may be written as a range."""
    return [n for n, f in model.model_fields.items() if _uncertain_annotation(f) is not None]


def _ranged(
    data: Any, model: type[BaseModel], path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], Any, dict[str, Any]]]:
    """(path, field type, range mapping) of every field of `data` written as a range."""
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        field = model.model_fields.get(key) if isinstance(key, str) else None
        if field is None:
            continue
        here = (*path, key)
        annotation = _uncertain_annotation(field)
        if annotation is not None and isinstance(value, dict):
            yield here, annotation, value
            continue
        for sub in _models_in(field.annotation):
            if not _has_uncertain(sub):
                continue
            if isinstance(value, dict):
                yield from _ranged(value, sub, here)
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    yield from _ranged(item, sub, (*here, i))


def extract_assumptions(
    data: dict[str, Any], root: type[BaseModel], sources: Sources | None = None
) -> tuple[dict[str, Any], list[Assumption], list[Problem]]:
    """Replace every range in `data` by its central value (in place, on a copy's nodes) and
    return the data, the assumptions and the problems with the ranges."""
    from .reference_ranges import reference_names, reference_range

    sources = sources or Sources("", data=data)
    found: list[Assumption] = []
    problems: list[Problem] = []
    for loc, annotation, spec in list(_ranged(data, root, ())):
        path_text = display_path(data, loc)
        evidence = spec.get("evidence")
        try:
            if evidence is not None:
                if set(spec) != {"evidence"}:
                    raise RangeError("", _("write {evidence: NAME} alone, or a range without evidence:"))
                if not isinstance(evidence, str):
                    raise RangeError("evidence", _("must be the name of a reference range"))
                rng = reference_range(evidence)
                if rng is None:
                    raise RangeError(
                        "evidence",
                        _("no reference range {name}").format(name=repr(evidence)) + suggest(evidence, reference_names()),
                    )
            else:
                rng = parse_range(spec)
            _check_limits(annotation, rng)
        except RangeError as exc:
            where = (*loc, exc.key) if exc.key and exc.key in spec else loc
            problems.append(sources.problem(where, exc.message, data))
            continue
        file, line = sources.locate(loc)
        found.append(Assumption(path_text, loc, rng, file, line, evidence if evidence else None))
        _set(data, loc, rng.central)
    return data, found, problems


def _check_limits(annotation: Any, rng: NumberRange) -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    names = ("low", "mode", "high") if rng.dist != "empirical" else ("values",) * len(rng.values)
    for name, value in zip(names, rng.points(), strict=True):
        try:
            adapter.validate_python(value)
        except ValidationError as exc:
            raise RangeError(name, f"{name}: {_message(dict(exc.errors()[0]), set())}") from None


def _set(data: Any, loc: tuple[str | int, ...], value: Any) -> None:
    node = data
    for step in loc[:-1]:
        node = node[step]
    node[loc[-1]] = value


# --------------------------------------------------------------------------- per replication


def draw_values(assumptions: tuple[Assumption, ...], seed: Any) -> dict[str, float]:
    """The value of every assumption in the replication with this seed, by path. Assumptions
    citing one reference range share its draw."""
    from ..engine.streams import Streams

    streams = Streams(seed)
    by_key: dict[str, float] = {}
    out: dict[str, float] = {}
    for a in assumptions:
        if a.key not in by_key:
            by_key[a.key] = a.range.sample(streams(a.stream))
        out[a.path] = by_key[a.key]
    return out


def concrete(scenario: Scenario, values: dict[str, float]) -> Scenario:
    """The scenario with the given values in its assumed fields, and no assumptions left. Only
    the objects on each field's path are copied; the values are within the fields' limits, so
    nothing needs validating again."""
    out: Any = scenario
    for a in scenario.assumptions:
        if a.path in values:
            out = _replace(out, a.loc, values[a.path])
    return out.fixed()  # type: ignore[no-any-return]


def _replace(node: Any, loc: tuple[str | int, ...], value: float) -> Any:
    head, rest = loc[0], loc[1:]
    if isinstance(node, list | tuple):
        assert isinstance(head, int)
        items = list(node)
        items[head] = _replace(items[head], rest, value) if rest else value
        return items
    assert isinstance(node, BaseModel) and isinstance(head, str)
    child = getattr(node, head)
    return node.model_copy(update={head: _replace(child, rest, value) if rest else value})


def draw(scenario: Scenario, seed: Any) -> Scenario:
    """The concrete scenario of the replication with this seed."""
    if not scenario.assumptions:
        return scenario
    return concrete(scenario, draw_values(scenario.assumptions, seed))


def changed_paths_cover(changed: list[str], path: str) -> bool:
    """Whether a change of one of `changed` replaces the field at `path` (or a part above it)."""
    return any(path == c or path.startswith(c + ".") for c in changed)


__all__ = [
    "UNCERTAIN",
    "Assumption",
    "NumberRange",
    "RangeError",
    "Uncertain",
    "concrete",
    "draw",
    "draw_values",
    "extract_assumptions",
    "parse_range",
    "uncertain_fields",
]

