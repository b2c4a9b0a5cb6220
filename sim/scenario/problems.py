"""Problems in a scenario file, each with its file, line and field, in words a trainer can act on.

Pydantic's errors are translated here: a `loc` becomes the path of YAML keys (list items named by
their id, as in a strategy's `set:`), and each kind of error gets a plain sentence.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args

from pydantic import BaseModel, ValidationError

from ..i18n import _, ngettext
from .yamlsafe import Path_, YamlDocument

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

MAX_PROBLEMS = 100
"""Most problems reported for one file; the rest are counted in a last line."""
MAX_MESSAGE = 400

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
_ID = re.compile(ID_PATTERN)
DIST_NAMES = ("fixed", "uniform", "triangular", "lognormal", "exponential", "empirical")
_DIST_TAGS = {"text", *DIST_NAMES}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a scenario: `FILE line N: path.to.field: message`."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        head = _("{file} line {line}").format(file=self.file, line=self.line) if self.line else self.file
        return ": ".join(part for part in (head, self.path, self.message) if part)


class ScenarioError(ValueError):
    """A scenario that cannot be used; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------- where things are


@dataclass
class Sources:
    """Where each part of a scenario's data was written: the scenario file, and the region file
    when `region:` named one."""

    file: str
    doc: YamlDocument | None = None
    region_file: str | None = None
    region_doc: YamlDocument | None = None
    data: Any = None
    """The scenario's data as validated (region file spliced in), for readable paths."""
    extra: list[Problem] = field(default_factory=list)

    def locate(self, path: Path_) -> tuple[str, int | None]:
        if self.region_file is not None and self.region_doc is not None and path[:1] == ("region",):
            return self.region_file, self.region_doc.line_of(path[1:])
        return self.file, self.doc.line_of(path) if self.doc is not None else None

    def where(self, path: Path_) -> str:
        """`line 12`, or `regions/x.yaml line 12` when in the other file: for messages."""
        file, line = self.locate(path)
        if line is None:
            return display_path(self.data, path) or _("the top")
        if file == self.locate(())[0]:
            return _("line {n}").format(n=line)
        return _("{file} line {line}").format(file=file, line=line)

    def problem(self, path: Path_, message: str, data: Any = None) -> Problem:
        file, line = self.locate(path)
        return Problem(
            file, line, display_path(self.data if data is None else data, path), _cap(message)
        )


def _cap(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


def item_name(items: list[Any], index: int) -> str:
    """How a path names a list item: its id (or system, or level) when that finds exactly this
    item the way a strategy's `set:` looks it up; otherwise its position from 0."""
    item = items[index]
    if isinstance(item, dict):
        for key in ("id", "system", "level"):
            name = item.get(key)
            if isinstance(name, str) and _ID.match(name) and not name.isdigit():
                for other in items:
                    if isinstance(other, dict) and name in (
                        other.get("id"),
                        other.get("system"),
                        other.get("level"),
                    ):
                        return name if other is item else str(index)
    return str(index)


def display_path(data: Any, path: Path_) -> str:
    """`region.units.vc-public.acute.servers` for the data path
    ('region', 'units', 3, 'acute', 'servers')."""
    parts: list[str] = []
    node = data
    for n, step in enumerate(path):
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            name = item_name(node, step)
            item = node[step]
            # Not named by the very value the path goes on to (`depends_on.jornal.system`).
            if n + 1 < len(path) and isinstance(item, dict) and item.get(path[n + 1]) == name:
                name = str(step)
            parts.append(name)
            node = item
        else:
            text = str(step)
            parts.append(text if len(text) <= 40 else text[:37] + "...")
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts)


# --------------------------------------------------------------------------- pydantic errors


def _show(value: Any) -> str:
    """A short description of a value from the file, for a message."""
    if value is None:
        return _("nothing")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 128 else _("a very large number")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a mapping")
    return type(value).__name__


def _number(x: Any) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return str(x)


def _kind(value: Any) -> str:
    if value is None:
        return _("nothing (an empty value)")
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return _("the number {value}").format(value=_show(value))
    if isinstance(value, str):
        return _("the text {value}").format(value=_show(value))
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, dict):
        return _("a mapping")
    return type(value).__name__


def suggest(word: Any, choices: Collection[str], *, list_them: int = 12) -> str:
    """` (did you mean 'x'?)`, or the choices when few and none is close, or ``."""
    options = sorted(choices)
    if isinstance(word, str):
        close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
        if close:
            return " " + _("(did you mean {word}?)").format(word=repr(close[0]))
    if 0 < len(options) <= list_them:
        return " " + _("(known: {names})").format(names=", ".join(options))
    return ""


def _models_in(tp: Any) -> list[type[BaseModel]]:
    """The pydantic models a field's type can hold, through Optional, list, unions, Annotated."""
    found: list[type[BaseModel]] = []
    stack = [tp]
    while stack:
        t = stack.pop(0)
        if isinstance(t, type) and issubclass(t, BaseModel):
            if t not in found:
                found.append(t)
            continue
        stack.extend(a for a in get_args(t) if not isinstance(a, str | int | float | bool))
    return found


def _keys(model: type[BaseModel]) -> dict[str, Any]:
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def _dist_tag(model: type[BaseModel]) -> str | None:
    f = model.model_fields.get("dist")
    if f is None:
        return None
    args = get_args(f.annotation)
    return str(args[0]) if args else None


def fields_at(root: type[BaseModel], loc: tuple[Any, ...]) -> set[str]:
    """The field names allowed at `loc` (a pydantic loc, tags and all)."""
    models = [root]
    for step in loc:
        if isinstance(step, int):
            continue
        inner: list[type[BaseModel]] = []
        for m in models:
            f = _keys(m).get(step)
            if f is not None:
                inner += [x for x in _models_in(f.annotation) if x not in inner]
        if inner:
            models = inner
            continue
        narrowed = [m for m in models if step in (m.__name__, _dist_tag(m))]
        if narrowed:
            models = narrowed
    names: set[str] = set()
    for m in models:
        names.update(_keys(m))
    return names


def _literal_options(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def _message(err: ErrorDetails | dict[str, Any], known_fields: set[str]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "missing":
        return _("missing required field {name}").format(name=repr(err["loc"][-1]))
    if kind == "extra_forbidden":
        key = err["loc"][-1]
        return _("unknown field {name}").format(name=_show(str(key))) + suggest(str(key), known_fields)
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == ID_PATTERN:
            return _(
                "{value} is not a valid id: use lower-case letters, digits, '-' and '_', "
                "starting with a letter or digit"
            ).format(value=_show(value))
        return _("{value} does not have the expected form ({pattern})").format(value=_show(value), pattern=ctx.get("pattern"))
    if kind == "literal_error":
        options = _literal_options(str(ctx.get("expected", "")))
        return (_("{value} is not one of {options}").format(value=_show(value), options=", ".join(options))
                + suggest(value, options, list_them=0))
    if kind == "distribution" and isinstance(value, dict):
        dist = value.get("dist")
        if dist is None:
            return _("a distribution needs dist: one of {names}").format(names=", ".join(DIST_NAMES))
        return (_("unknown distribution {name}").format(name=_show(dist)) + suggest(dist, DIST_NAMES, list_them=0)
                + "; " + _("dist is one of {names}").format(names=", ".join(DIST_NAMES)))
    told = _range_message(kind, ctx, value) or _type_message(kind, value)
    if told is not None:
        return told
    message = str(err.get("msg", _("not valid")))
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    return message


def _range_message(kind: str, ctx: dict[str, Any], value: Any) -> str | None:
    """A value or a length out of its range, or None for another kind of error."""
    got = " " + _got(value)
    bounds = {"greater_than_equal": (_("must be at least {bound}"), "ge"), "greater_than": (_("must be above {bound}"), "gt"),
              "less_than_equal": (_("must be at most {bound}"), "le"), "less_than": (_("must be below {bound}"), "lt")}
    if kind in bounds:
        words, key = bounds[kind]
        return words.format(bound=_number(ctx[key])) + got
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        if isinstance(value, dict):
            return ngettext("needs at least {n} change", "needs at least {n} changes", n).format(n=n)
        return ngettext("needs at least {n} item", "needs at least {n} items", n).format(n=n)
    if kind == "too_long":
        return _("may have at most {n} items").format(n=ctx.get("max_length"))
    if kind == "string_too_short":
        n = ctx.get("min_length", 1)
        return _("must not be empty") if n == 1 else _("must be at least {n} characters long").format(n=n)
    if kind == "string_too_long":
        return _("may be at most {n} characters long").format(n=ctx.get("max_length"))
    return None


def _got(value: Any) -> str:
    return _("(got {value})").format(value=_show(value))


def _type_message(kind: str, value: Any) -> str | None:
    """A value of the wrong type, or None for another kind of error."""
    got = " " + _got(value)
    if kind.startswith("int_"):
        return _("must be a whole number") + got
    if kind.startswith("float_"):
        return _("must be a number") + got
    if kind == "finite_number":
        return _("must be a finite number") + got
    if kind in ("bool_type", "bool_parsing"):
        return _("must be true or false") + got
    if kind == "string_type":
        return _("must be text, not {kind}").format(kind=_kind(value))
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return _("must be a mapping of fields (key: value lines), not {kind}").format(kind=_kind(value))
    if kind in ("list_type", "tuple_type", "set_type"):
        hint = (
            "; " + _("write [{value}] for a list of one").format(value=value)
            if isinstance(value, str) and len(value) < 40
            else ""
        )
        return _("must be a list (one '- item' per line, or [a, b]), not {kind}").format(kind=_kind(value)) + hint
    return None


def _walk_loc(data: Any, loc: tuple[Any, ...], missing: bool) -> tuple[Path_, Any, Any]:
    """Data path of a pydantic loc, with the elements that are not keys or indices (union tags,
    type names) left out; also the first such element and the data where it appeared."""
    path: list[str | int] = []
    node = data
    branch: Any = None
    branch_node: Any = None
    last = len(loc) - 1
    for i, step in enumerate(loc):
        if (
            isinstance(node, dict)
            and isinstance(step, str)
            and step in node
            or isinstance(node, list)
            and isinstance(step, int)
            and 0 <= step < len(node)
        ):
            path.append(step)
            node = node[step]  # type: ignore[index]  # a str key of a dict or an int of a list
        elif missing and i == last:
            break
        elif step == "[key]":
            continue
        elif branch is None:
            branch, branch_node = step, node
    return tuple(path), branch, branch_node


_PLAIN_MEMBERS = {"str", "int", "float", "bool", "none", "list", "dict"}


def _is_member(step: Any, model_names: set[str]) -> bool:
    """Whether a loc element names a member of a plain union (`Id | FailedSystem`): a model's
    class name or a core type such as `constrained-str`, not a field or a distribution tag."""
    if not isinstance(step, str) or step in _DIST_TAGS:
        return False
    return step in model_names or step in _PLAIN_MEMBERS or "-" in step or "[" in step


def _model_names(root: type[BaseModel]) -> set[str]:
    names: set[str] = set()
    stack: list[type[BaseModel]] = [root]
    while stack:
        m = stack.pop()
        if m.__name__ in names:
            continue
        names.add(m.__name__)
        for f in m.model_fields.values():
            stack.extend(_models_in(f.annotation))
    return names


def problems_from_validation(
    exc: ValidationError, data: Any, sources: Sources, root: type[BaseModel]
) -> list[Problem]:
    """Every pydantic error as a Problem, with union noise left out: where a value could be an
    id or a mapping, only the errors of the form the file actually used are kept."""
    model_names = _model_names(root)
    found: list[tuple[Path_, str]] = []
    seen: set[tuple[Path_, str]] = set()
    misspelt: set[tuple[Path_, str]] = set()
    missing: dict[tuple[Path_, str], tuple[Path_, str]] = {}
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        path, branch, branch_node = _walk_loc(data, loc, err["type"] == "missing")
        if _is_member(branch, model_names) and (branch in model_names) != isinstance(
            branch_node, dict
        ):
            continue
        node = _at(data, path)
        if err["type"] == "distribution" and isinstance(node, dict) and "dist" in node:
            path = path + ("dist",)
        known = fields_at(root, loc[:-1]) if err["type"] == "extra_forbidden" else set()
        message = _message(err, known)
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]), sorted(known), n=1, cutoff=0.6)
            if close:
                misspelt.add((path[:-1], close[0]))
        if err["type"] == "missing":
            missing[(path, str(loc[-1]))] = (path, message)
        entry = (path, message)
        if entry not in seen:
            seen.add(entry)
            found.append(entry)
        if len(found) > MAX_PROBLEMS:
            break
    # A misspelt key also makes the field it stands for missing: say it once.
    drop = {missing[k] for k in misspelt if k in missing}
    return [
        sources.problem(path, message, data)
        for path, message in found
        if (path, message) not in drop
    ]


def _at(data: Any, path: Path_) -> Any:
    node = data
    for step in path:
        node = node[step]
    return node


def finish(problems: list[Problem], main: str = "") -> list[Problem]:
    """Problems in file and line order (the scenario file `main` first), at most MAX_PROBLEMS."""
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: (p.file != main, p.file, p.line or 0))
    if len(unique) <= MAX_PROBLEMS:
        return unique
    rest = len(unique) - MAX_PROBLEMS
    first = unique[0].file
    return unique[:MAX_PROBLEMS] + [
        Problem(first, None, "", _("and more problems not shown ({n} or more); fix these first").format(n=rest))
    ]
