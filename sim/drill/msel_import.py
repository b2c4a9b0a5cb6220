"""Reading a master scenario events list from a spreadsheet back into a scenario's injects:
`sim drill import-msel FILE.xlsx --into SCENARIO.yaml`.

The spreadsheet is someone else's file, so it is read as hostile input: its size, the size it
unpacks to, its rows, columns and cell lengths are capped before and while it is read; XML is
parsed with defusedxml (openpyxl uses it when it is installed); a formula is never run, only its
text is taken (and said so); and every problem is a line of its own naming the file, the row and
the column, never a traceback. Only the scenario's `exercise.injects` are replaced, in place in the
file's text, after the new file has been checked as a whole; the rest of the file (comments
included) is kept as written.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from ..scenario.problems import Problem
from ..scenario.quantities import format_duration, parse_duration_h, parse_time_point
from .msel_formats import CONTROL, SHEET
from .session import MAX_NOTE_CHARS

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Largest spreadsheet file read."""
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
"""Largest size its parts may unpack to (an xlsx is a zip of XML files)."""
MAX_PARTS = 400
MAX_ROWS = 2000
MAX_COLUMNS = 60
MAX_CELL_CHARS = MAX_NOTE_CHARS
HEADERS: dict[str, tuple[str, ...]] = {
    "sequence": ("sequence", "seq", "no", "#", "msel #", "msel no", "number"),
    "time": ("scenario time", "time", "date/time", "date and time", "at"),
    "event": ("event", "inject", "title", "event/inject", "headline"),
    "message": ("message", "description", "inject description", "event description", "text"),
    "from": ("from", "sender"),
    "to": ("to", "recipient", "recipients", "roles"),
    "method": ("method", "delivery method", "delivery"),
    "expected": ("expected action", "expected actions", "expected player action"),
    "objective": ("objective", "objectives", "capability"),
    "notes": ("notes", "note", "facilitator note", "controller notes"),
    "type": ("type",),
    "id": ("id", "inject id"),
    "condition": ("condition", "trigger"),
    "options": ("options",),
}
"""Column headings read (any case), by what they hold: HSEEP's, the simulator's own, and common
variants."""
SKIPPED_TYPES = ("decision point", "decision", "deadline")
ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
WHEN = re.compile(r"^when (\S+)(?: \+ (.+))?$")
IF_NOT = re.compile(r"^if (\S+) is not reached(?: by (.+?))?(?: \+ (.+))?$")
BRACKETED = re.compile(r"\[([a-z0-9][a-z0-9_-]*)\]")


class MselImportError(ValueError):
    """A spreadsheet that cannot be read into injects; `problems` lists each with its row."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class MselRows:
    """The injects read from a spreadsheet, and what was left out or changed on the way."""

    injects: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)  # rows left out (decision points), as notes
    warnings: list[Problem] = field(default_factory=list)  # formulas taken as text


def _check_package(path: Path, name: str) -> None:
    """Refuse before parsing what is too big, or unpacks to too much."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MselImportError([Problem(name, None, "", f"cannot read the file: {exc.strerror}")]) from None
    if size > MAX_FILE_BYTES:
        raise MselImportError([Problem(name, None, "", f"the file is {size:,} bytes; at most {MAX_FILE_BYTES:,} are read")])
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise MselImportError([Problem(name, None, "", "not an xlsx workbook (an xlsx file is a zip package); "
                                                       "save the list as .xlsx")]) from None
    if len(parts) > MAX_PARTS:
        raise MselImportError([Problem(name, None, "", f"the workbook has {len(parts)} parts; at most {MAX_PARTS} are read")])
    unpacked = sum(p.file_size for p in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise MselImportError([Problem(name, None, "", f"the workbook unpacks to {unpacked:,} bytes; at most "
                                                       f"{MAX_UNPACKED_BYTES:,} are read")])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_msel(path: str | os.PathLike[str]) -> MselRows:
    """The inject rows of the spreadsheet's sheet MSEL (or its first sheet)."""
    path = Path(path)
    name = str(path)
    _check_package(path, name)
    try:
        from openpyxl import load_workbook  # type: ignore[import-untyped]

        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file; none may escape
        raise MselImportError([Problem(name, None, "", f"not an xlsx workbook openpyxl can read ({type(exc).__name__})")]) from None
    try:
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        return _rows(ws, name)
    except MselImportError:
        raise
    except Exception as exc:
        raise MselImportError([Problem(name, None, "", f"the workbook could not be read to the end ({type(exc).__name__})")]) from None
    finally:
        wb.close()


def _rows(ws: Any, name: str) -> MselRows:
    out = MselRows()
    problems: list[Problem] = []
    columns: dict[str, int] | None = None
    header_line = 0
    taken: set[str] = set()
    for line, row in enumerate(ws.iter_rows(max_col=MAX_COLUMNS), start=1):
        if line > MAX_ROWS + header_line + 1 and columns is not None:
            problems.append(Problem(name, line, "", f"more than {MAX_ROWS} rows; the rest is not read"))
            break
        values: list[Any] = []
        for cell in row:
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
                text = _text(value).lstrip("=")
                out.warnings.append(Problem(name, line, _heading(columns, len(values)),
                                            "a formula: its text is taken as written, it is not run"))
                value = text
            values.append(value)
        if all(_text(v) == "" for v in values):
            continue
        if columns is None:
            columns = _header(values)
            header_line = line
            if "event" not in columns:
                raise MselImportError([Problem(name, line, "", "no column Event (or Inject, Title) in the first row; "
                                                               "the first filled row holds the column headings")])
            continue
        item = _row(values, columns, name, line, problems, out, taken)
        if item is not None:
            out.injects.append(item)
    if columns is None:
        raise MselImportError([Problem(name, None, "", "the sheet is empty")])
    if problems:
        raise MselImportError(problems)
    return out


def _heading(columns: dict[str, int] | None, index: int) -> str:
    if columns:
        for key, i in columns.items():
            if i == index:
                return key
    return f"column {index + 1}"


def _header(values: list[Any]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, v in enumerate(values):
        heading = _text(v).lower()
        for key, names in HEADERS.items():
            if heading in names and key not in found:
                found[key] = i
    return found


def _row(values: list[Any], columns: dict[str, int], name: str, line: int, problems: list[Problem],
         out: MselRows, taken: set[str]) -> dict[str, Any] | None:
    def get(key: str) -> Any:
        i = columns.get(key)
        return values[i] if i is not None and i < len(values) else None

    def bad(key: str, message: str) -> None:
        problems.append(Problem(name, line, key, message))

    for key in columns:
        if len(_text(get(key))) > MAX_CELL_CHARS:
            bad(key, f"at most {MAX_CELL_CHARS:,} characters in a cell")
            return None
    kind = _text(get("type")).lower()
    if kind in SKIPPED_TYPES:
        out.skipped.append(Problem(name, line, "type", f"a {kind} row is left out: the scenario keeps its own"))
        return None
    if kind not in ("", "inject"):
        bad("type", f"type is inject (or decision point, which is left out), not {kind!r}")
        return None
    title = _text(get("event"))
    if not title:
        bad("event", "every inject needs its Event (the headline)")
        return None
    if len(title) > 200:
        bad("event", "an inject's headline is at most 200 characters")
        return None
    inject: dict[str, Any] = {}
    ident = _text(get("id")) or _slug(title)
    if not ID.match(ident):
        bad("id", f"an id is lower-case letters, digits, - and _ (up to 64), not {ident!r}")
        return None
    if ident in taken:
        if _text(get("id")):
            bad("id", f"id {ident!r} is used by an earlier row")
            return None
        ident = _unique(ident, taken)
    taken.add(ident)
    inject["id"] = ident
    when = _when(get("time"), _text(get("condition")), bad)
    if when is None:
        return None
    inject.update(when)
    to = [r.strip() for r in re.split(r"[,;\n]", _text(get("to"))) if r.strip()]
    inject["to"] = to or ["all"]
    inject["title"] = title
    for key, field_name in (("message", "message"), ("notes", "facilitator_note"), ("method", "method")):
        if key in columns:
            inject[field_name] = _text(get(key))
    sender = _text(get("from"))
    if "from" in columns and sender and sender != CONTROL:
        inject["from"] = sender
    if "expected" in columns:
        inject["expects"] = BRACKETED.findall(_text(get("expected")))
    inject["_line"] = line
    inject["_columns"] = sorted(columns)
    return inject


def _when(time_value: Any, condition: str, bad: Any) -> dict[str, Any] | None:
    """at: or when: of an inject, from the time cell or the condition in words."""
    if isinstance(time_value, datetime | date):
        return {"at": f"{time_value:%Y-%m-%d %H:%M}"} if isinstance(time_value, datetime) else {"at": f"{time_value:%Y-%m-%d} 00:00"}
    text = _text(time_value)
    if text:
        try:
            return {"at": str(parse_time_point(text))}
        except ValueError as exc:
            bad("time", str(exc))
            return None
    if not condition:
        bad("time", "give the Scenario time (08:10, 2022-12-06 08:10, +2h) or the Condition")
        return None
    m = WHEN.match(condition)
    if m:
        cond: dict[str, Any] = {"milestone": m.group(1)}
        if m.group(2) and not _delay(m.group(2), cond, bad):
            return None
        return {"when": cond}
    m = IF_NOT.match(condition)
    if m:
        cond = {"milestone": m.group(1), "reached": False}
        if m.group(2):
            try:
                cond["by"] = str(parse_time_point(m.group(2)))
            except ValueError as exc:
                bad("condition", str(exc))
                return None
        if m.group(3) and not _delay(m.group(3), cond, bad):
            return None
        return {"when": cond}
    bad("condition", "write the condition as the list gives it: 'when MILESTONE [+ DELAY]' or "
                     "'if MILESTONE is not reached by TIME [+ DELAY]'")
    return None


def _delay(text: str, cond: dict[str, Any], bad: Any) -> bool:
    try:
        cond["delay"] = format_duration(parse_duration_h(text.replace(" ", "")))
    except ValueError as exc:
        bad("condition", str(exc))
        return False
    return True


def _slug(title: str) -> str:
    import unicodedata

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")[:40]
    return slug or "inject"


def _unique(base: str, taken: set[str]) -> str:
    k = 2
    while f"{base}-{k}" in taken:
        k += 1
    return f"{base}-{k}"


# --------------------------------------------------------------------------- into a scenario file


@dataclass
class Imported:
    """What an import wrote, or would write."""

    text: str  # the scenario file's new text
    injects: int
    kept_decisions: int
    skipped: list[Problem]
    warnings: list[Problem]


def import_into(xlsx: str | os.PathLike[str], scenario_path: str | os.PathLike[str]) -> Imported:
    """The scenario file's text with its injects replaced by the spreadsheet's rows (an inject
    whose id the scenario has keeps what the sheet has no column for). Raises MselImportError
    for bad rows, and for a result that is not a valid scenario (with the problems the scenario
    check finds)."""
    from ..scenario.loader import load_scenario
    from ..scenario.problems import ScenarioError
    from ..scenario.yamlsafe import decode_utf8, read_capped

    rows = read_msel(xlsx)
    scenario_path = Path(scenario_path)
    scenario = load_scenario(scenario_path)  # ScenarioError: the caller says what is wrong with it
    existing = {i.id: i.model_dump(mode="json", by_alias=True, exclude_defaults=True) for i in scenario.exercise.injects}
    expected = {e.id for e in scenario.exercise.expected_actions}
    problems = []
    injects = []
    row_lines: dict[str, int] = {}
    for row in rows.injects:
        line, columns = row.pop("_line"), row.pop("_columns")
        row_lines[row["id"]] = line
        for eid in row.get("expects", []):
            if eid not in expected:
                problems.append(Problem(str(xlsx), line, "expected", f"the scenario has no expected action {eid!r}"))
        base = dict(existing.get(row["id"], {}))
        for key in ("at", "when"):
            base.pop(key, None)
        for key in ("message", "facilitator_note", "method", "from", "expects"):
            column = {"message": "message", "facilitator_note": "notes", "method": "method", "from": "from",
                      "expects": "expected"}[key]
            if column in columns and key not in row:
                base.pop(key, None)
        base.update(row)
        at = base.get("at")
        if isinstance(at, str) and at.startswith(f"{scenario.start:%Y-%m-%d} "):
            base["at"] = at[11:]  # on the scenario's first day: a clock time, as people write it
        injects.append(_ordered(base))
    if problems:
        raise MselImportError(problems)
    text = decode_utf8(read_capped(scenario_path))
    new_text = replace_injects(text, injects)
    fd, tmp = tempfile.mkstemp(suffix=".yaml", dir=scenario_path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(new_text)
        try:
            load_scenario(tmp)
        except ScenarioError as exc:
            raise MselImportError([_from_row(p, str(xlsx), row_lines) for p in exc.problems]) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return Imported(new_text, len(injects), len(scenario.exercise.decisions), rows.skipped, rows.warnings)


def _from_row(problem: Problem, name: str, row_lines: dict[str, int]) -> Problem:
    """A problem of the scenario the rows would make, named by the row it comes from."""
    parts = problem.path.split(".")
    if len(parts) >= 3 and parts[:2] == ["exercise", "injects"] and parts[2] in row_lines:
        return Problem(name, row_lines[parts[2]], ".".join(parts[3:]) or "id", problem.message)
    return Problem(name, None, "", f"the scenario would not be valid: {problem.path}: {problem.message}")


def write_into(imported: Imported, scenario_path: str | os.PathLike[str]) -> None:
    """Replace the scenario file with the new text in one step (a temporary file renamed)."""
    scenario_path = Path(scenario_path)
    fd, tmp = tempfile.mkstemp(suffix=".yaml", dir=scenario_path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(imported.text)
    os.replace(tmp, scenario_path)


FIELD_ORDER = ("id", "at", "when", "to", "from", "method", "expects", "title", "message", "facilitator_note")


def _ordered(inject: dict[str, Any]) -> dict[str, Any]:
    return {k: inject[k] for k in FIELD_ORDER if k in inject and inject[k] not in ("", [], None)} | {
        k: v for k, v in inject.items() if k not in FIELD_ORDER}


class _Quoted(str):
    """A string written in quotes, so that no YAML reader takes 08:10 for a number."""


class _Flow(list):
    """A short list written on one line: `[a, b]`."""


class _FlowMap(dict):
    """A condition written on one line: `{milestone: detected, delay: 15min}`."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Quoted, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v), style='"'))
_Dumper.add_representer(_Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", list(v), flow_style=True))
_Dumper.add_representer(_FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", dict(v), flow_style=True))


def _styled(value: Any, key: str = "") -> Any:
    if key in ("at", "by") and isinstance(value, str):
        return _Quoted(value)
    if key == "when" and isinstance(value, dict):
        return _FlowMap({k: _styled(v, k) for k, v in value.items()})
    if isinstance(value, dict):
        return {k: _styled(v, k) for k, v in value.items()}
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return _Flow(value)
    if isinstance(value, list):
        return [_styled(v) for v in value]
    return value


def replace_injects(text: str, injects: list[dict[str, Any]]) -> str:
    """`text` (a scenario file) with the list under `exercise: injects:` replaced by `injects`,
    everything else kept as written."""
    dumped = yaml.dump(_styled(injects), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                       default_flow_style=False) if injects else "[]\n"
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    lines = text.splitlines(keepends=True)
    exercise = _child(root, "exercise")
    if exercise is None:
        block = "exercise:\n  injects:\n" + _indent(dumped, 4) if injects else "exercise:\n  injects: []\n"
        return text + ("" if text.endswith("\n") else "\n") + block
    key_and_value = _entry(exercise[1], "injects")
    if key_and_value is None:
        col = exercise[1].start_mark.column if exercise[1].value else 2
        at = exercise[0].start_mark.line + 1
        block = " " * col + "injects:" + ("\n" + _indent(dumped, col + 2) if injects else " []\n")
        return "".join(lines[:at]) + block + "".join(lines[at:])
    key, value = key_and_value
    col = key.start_mark.column
    start = key.start_mark.line
    end = value.end_mark.line
    if end < len(lines) and lines[end][: value.end_mark.column].strip():
        end += 1  # the value ends inside this line (a flow list, `injects: []`)
    while end > start + 1 and lines[end - 1].strip().startswith("#") and _indent_of(lines[end - 1]) <= col:
        end -= 1  # a comment that belongs to the next key stays
    block = " " * col + "injects:" + ("\n" + _indent(dumped, col + 2) if injects else " []\n")
    return "".join(lines[:start]) + block + "".join(lines[end:])


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _indent(text: str, n: int) -> str:
    return "".join((" " * n + line) if line.strip() else line for line in text.splitlines(keepends=True))


def _child(node: Any, key: str) -> tuple[Any, Any] | None:
    return _entry(node, key) if isinstance(node, yaml.MappingNode) else None


def _entry(node: Any, key: str) -> tuple[Any, Any] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    return None
