"""YAML that people write, read safely: capped size, depth and alias expansion, no tags, YAML 1.2
scalars (`no` and `07:00` stay text), and the line of every key and list item.

The data is built straight from PyYAML's event stream with an explicit stack, so nothing here
recurses and a hostile file stops at the first cap it hits instead of reaching a recursive
composer or constructor.
"""

from __future__ import annotations

import errno
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from ..i18n import _

MAX_BYTES = 1_000_000
"""Largest file read (1 MB); a scenario with a whole region is a few tens of kilobytes."""
MAX_PATH_BYTES = 4096
"""Longest path a file is looked for under (the system's own limit)."""
MAX_DEPTH = 50
"""Deepest nesting of mappings and lists."""
MAX_NODES = 100_000
"""Most values after aliases are expanded: stops alias bombs (billion laughs)."""
MAX_EVENTS = 3 * MAX_NODES
"""Most parser events (values, starts and ends of mappings and lists, documents)."""

Path_ = tuple[str | int, ...]

_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_STD}{t}" for t in ("str", "int", "float", "bool", "null")}
_INT = re.compile(r"[-+]?[0-9]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_OCT = re.compile(r"0o[0-7]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_NULLS = {"", "~", "null", "Null", "NULL"}
# Characters YAML allows in a stream; anything else (control characters, NUL from a UTF-16 file,
# lone surrogates from pasted text) is reported with its line before the parser sees it.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class YamlIssue(NamedTuple):
    """One thing wrong with the YAML itself (before the scenario model sees the data)."""

    line: int | None
    path: Path_
    message: str


class YamlError(Exception):
    """The text is not YAML this program accepts; `issues` says where and why."""

    def __init__(self, issues: list[YamlIssue], document: YamlDocument | None = None):
        super().__init__("; ".join(i.message for i in issues))
        self.issues = issues
        self.document = document
        """The data read in spite of the issues (duplicate keys, tags), when all was read."""


def _mark_line(mark: Any) -> int | None:
    """The 1-based line of a YAML mark, if it has one."""
    return mark.line + 1 if mark is not None else None


def _fatal(message: str, line: int | None = None, path: Path_ = ()) -> YamlError:
    return YamlError([YamlIssue(line, path, message)])


@dataclass
class YamlDocument:
    """Plain data (dicts, lists, str, int, float, bool, None) and where each part came from."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    """Line (1-based) of every mapping key and list item, by path."""
    redirects: dict[Path_, Path_] = field(default_factory=dict)
    """Paths reached through an alias or merge key, mapped to where their content is written."""

    def line_of(self, path: Path_) -> int | None:
        """The line of `path`, or of the nearest enclosing part that has one. Content reached
        through an alias or merge key is found where the anchor wrote it."""
        path = tuple(path)
        for _step in range(len(self.redirects) + 1):
            if path in self.lines:
                return self.lines[path]
            for n in range(len(path), -1, -1):
                prefix = path[:n]
                if prefix in self.redirects:
                    path = self.redirects[prefix] + path[n:]
                    break
                if prefix in self.lines:
                    return self.lines[prefix]
            else:
                return None
        return None


# --------------------------------------------------------------------------- bytes and text


def read_capped(path: Path) -> bytes:
    """The bytes of `path`, refusing anything larger than MAX_BYTES without reading it all, and
    anything that is not a regular file (a pipe would wait for a writer for ever, a device never
    ends) without waiting on it."""
    if len(os.fsencode(path)) > MAX_PATH_BYTES:
        raise _fatal(_("the path is too long ({n} characters); use a shorter one").format(n=f"{len(str(path)):,}"))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise _fatal(_("no such file")) from None
    except PermissionError:
        raise _fatal(_("not allowed to read the file")) from None
    except OSError as exc:
        raise _fatal(_os_problem(exc)) from None
    try:
        _check_regular(os.fstat(fd))
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _fatal(_os_problem(exc)) from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise _fatal(_too_big(len(data)))
    return data


def _check_regular(info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise _fatal(_("is a folder, not a file"))
    if not stat.S_ISREG(info.st_mode):
        raise _fatal(_("is not a regular file (a pipe, device or socket); save the scenario as a file"))
    if info.st_size > MAX_BYTES:
        raise _fatal(_too_big(info.st_size))


def _os_problem(exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return _("the path is too long; use a shorter one")
    if exc.errno == errno.EISDIR:
        return _("is a folder, not a file")
    return _("cannot read the file ({error})").format(error=exc.strerror or type(exc).__name__)


def _too_big(size: int) -> str:
    shown = f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else _("{n} bytes").format(n=size)
    return _("the file is too large ({size}); a scenario file may be at most 1 MB").format(size=shown)


def decode_utf8(data: bytes) -> str:
    """Strict UTF-8; an error names the line of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _fatal(
            _("the file is not UTF-8 text (byte {byte} cannot be decoded); save it as UTF-8").format(
                byte=f"0x{data[exc.start]:02x}"),
            line,
        ) from None


def check_text(text: str) -> None:
    """Refuse empty text and characters YAML does not allow, naming the line."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise _fatal(_too_big(len(text.encode("utf-8", "surrogatepass"))))
    if not text.strip().lstrip("\ufeff").strip():
        raise _fatal(_("the file is empty"))
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        char = bad.group()
        hint = (
            _("the file looks like UTF-16: save it as UTF-8")
            if char == "\x00"
            else _("remove it or retype the line")
        )
        raise _fatal(_("the file contains a control character {char}").format(char=f"U+{ord(char):04X}") + "; " + hint, line)


# --------------------------------------------------------------------------- scalars


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_STD) :] if tag.startswith(_STD) else tag


def _plain(text: str) -> Any:
    """YAML 1.2 core resolution, minus sexagesimal numbers, timestamps and yes/no/on/off."""
    if text in _NULLS:
        return None
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        if _INT.fullmatch(text):
            return int(text)
        if _HEX.fullmatch(text):
            return int(text[2:], 16)
        if _OCT.fullmatch(text):
            return int(text[2:], 8)
    except ValueError:  # more digits than Python converts: leave it to the model to refuse
        return text
    if _FLOAT.fullmatch(text):
        number = float(text)
        return number if math.isfinite(number) else text
    return text


def _explicit(tag: str, text: str) -> tuple[Any, str | None]:
    """A scalar with one of the standard tags; returns (value, problem)."""
    kind = tag[len(_STD) :]
    if kind == "str":
        return text, None
    value = _plain(text)
    if kind == "null":
        return (None, None) if value is None else (text, _("{text} is not null").format(text=repr(text)))
    if kind == "bool":
        return (
            (value, None) if isinstance(value, bool) else (text, _("{text} is not true or false").format(text=repr(text)))
        )
    if kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return (value, None) if ok else (text, _("{text} is not a whole number").format(text=repr(text)))
    if isinstance(value, int | float) and not isinstance(value, bool):  # float
        return float(value), None
    return text, _("{text} is not a number").format(text=repr(text))


# --------------------------------------------------------------------------- building


class _Frame:
    __slots__ = ("kind", "data", "path", "line", "anchor", "size", "key", "keys", "merges")

    def __init__(self, kind: str, path: Path_, line: int, anchor: str | None):
        self.kind = kind  # "map" | "seq"
        self.data: Any = {} if kind == "map" else []
        self.path = path
        self.line = line
        self.anchor = anchor
        self.size = 1
        self.key: str | None = None  # pending mapping key
        self.keys: dict[str, int] = {}  # explicit key -> line
        self.merges: list[tuple[dict[str, Any], Path_]] = []


_MERGE = "<<"


class _Builder:
    def __init__(self) -> None:
        self.stack: list[_Frame] = []
        self.doc = YamlDocument(data=None)
        self.issues: list[YamlIssue] = []
        self.anchors: dict[str, tuple[Any, int, Path_]] = {}
        self.nodes = 0
        self.root_set = False

    # Where the next value goes.
    def _child_path(self, line: int) -> Path_ | None:
        if not self.stack:
            return ()
        top = self.stack[-1]
        if top.kind == "seq":
            return top.path + (len(top.data),)
        if top.key is None:
            return None  # the next value is a key
        return top.path + (top.key,)

    def _count(self, n: int, line: int, alias: bool = False) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            if alias:
                raise _fatal(
                    _("aliases expand too far: the file holds more than {n} values once aliases are expanded").format(
                        n=f"{MAX_NODES:,}"),
                    line,
                )
            raise _fatal(_too_many_values(), line)

    def _issue(self, line: int, path: Path_, message: str) -> None:
        self.issues.append(YamlIssue(line, path, message))

    def scalar(self, ev: Any) -> None:
        line = ev.start_mark.line + 1
        self._count(1, line)
        top = self.stack[-1] if self.stack else None
        is_key = top is not None and top.kind == "map" and top.key is None
        tag = ev.tag
        text = ev.value
        path = self._child_path(line)
        if tag is None or tag == "!":
            value = _plain(text) if (not ev.style and tag is None and not is_key) else text
        elif tag in _SCALAR_TAGS:
            value, problem = _explicit(tag, text)
            if problem:
                self._issue(line, path or (), problem)
        else:
            self._issue(line, path or (), _tags_refused(tag))
            value = text
        if is_key:
            assert top is not None
            self._key(top, text if tag is None or tag == "!" else str(value), ev, line)
            return
        if ev.anchor:
            self.anchors[ev.anchor] = (value, 1, path or ())
        self._add(value, 1, line, None)

    def _key(self, top: _Frame, key: str, ev: Any, line: int) -> None:
        if key == _MERGE and ev.tag is None and not ev.style:
            top.key = _MERGE
            return
        path = top.path + (key,)
        if key in top.keys:
            self._issue(line, path, _("duplicate key {key} (first at line {line})").format(key=repr(key), line=top.keys[key]))
        else:
            top.keys[key] = line
            self.doc.lines[path] = line
        top.key = key

    def alias(self, ev: Any) -> None:
        line = ev.start_mark.line + 1
        if ev.anchor not in self.anchors:
            raise _fatal(
                _("alias *{name} has no anchor &{name} before it (or it refers to the mapping or list that "
                  "contains it)").format(name=ev.anchor),
                line,
            )
        top = self.stack[-1] if self.stack else None
        if top is not None and top.kind == "map" and top.key is None:
            raise _fatal(_("a key must be plain text, not an alias"), line)
        value, size, source = self.anchors[ev.anchor]
        self._count(size, line, alias=True)
        self._add(value, size, line, source)

    def start(self, ev: Any, kind: str) -> None:
        line = ev.start_mark.line + 1
        self._count(1, line)
        if len(self.stack) >= MAX_DEPTH:
            raise _fatal(_("the file nests deeper than {n} levels").format(n=MAX_DEPTH), line)
        path = self._child_path(line)
        if path is None:
            raise _fatal(_("a key must be plain text, not a list or mapping"), line)
        if ev.tag is not None and ev.tag not in (f"{_STD}map", f"{_STD}seq", "!"):
            self._issue(line, path, _tags_refused(ev.tag))
        self.stack.append(_Frame(kind, path, line, ev.anchor))

    def end(self) -> None:
        frame = self.stack.pop()
        if frame.kind == "map":
            self._merge(frame)
        if frame.anchor:
            self.anchors[frame.anchor] = (frame.data, frame.size, frame.path)
        self._add(frame.data, frame.size, frame.line, None)

    def _merge(self, frame: _Frame) -> None:
        for source, source_path in frame.merges:
            for key, value in source.items():
                if key not in frame.data:
                    frame.data[key] = value
                    self.doc.redirects[frame.path + (key,)] = source_path + (key,)

    def _add(self, value: Any, size: int, line: int, source: Path_ | None) -> None:
        if not self.stack:
            self.doc.data = value
            self.root_set = True
            self.doc.lines[()] = line
            if source is not None:
                self.doc.redirects[()] = source
            return
        top = self.stack[-1]
        top.size += size
        if top.kind == "seq":
            path = top.path + (len(top.data),)
            top.data.append(value)
            self.doc.lines[path] = line
            if source is not None:
                self.doc.redirects[path] = source
            return
        key = top.key
        top.key = None
        assert key is not None
        if key == _MERGE:
            self._merge_value(top, value, line, source)
            return
        path = top.path + (key,)
        if key in top.data:
            return  # a duplicate key, already reported
        top.data[key] = value
        if source is not None:
            self.doc.redirects[path] = source

    def _merge_value(self, top: _Frame, value: Any, line: int, source: Path_ | None) -> None:
        sources = [value] if isinstance(value, dict) else value if isinstance(value, list) else None
        if sources is None or not all(isinstance(s, dict) for s in sources):
            self._issue(line, top.path, _("a merge key (<<) needs a mapping or a list of mappings"))
            return
        base = source if source is not None else top.path + (_MERGE,)
        for i, s in enumerate(sources):
            where = base if isinstance(value, dict) else base + (i,)
            top.merges.append((s, where))


def _tags_refused(tag: str) -> str:
    return _("tags are not allowed ({tag}); write plain values").format(tag=_tag_name(tag))


def _too_many_values() -> str:
    return _("the file holds too many values (more than {n} keys, values and lists)").format(n=f"{MAX_NODES:,}")


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document into plain data with line numbers; raises YamlError."""
    check_text(text)
    builder = _Builder()
    documents = 0
    events = 0
    try:
        for ev in yaml.parse(text, Loader=_Parser):
            events += 1
            if events > MAX_EVENTS:
                raise _fatal(_too_many_values(), _mark_line(ev.start_mark))
            if isinstance(ev, yaml.ScalarEvent):
                builder.scalar(ev)
            elif isinstance(ev, yaml.MappingStartEvent):
                builder.start(ev, "map")
            elif isinstance(ev, yaml.SequenceStartEvent):
                builder.start(ev, "seq")
            elif isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                builder.end()
            elif isinstance(ev, yaml.AliasEvent):
                builder.alias(ev)
            elif isinstance(ev, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _fatal(
                        _("the file holds more than one YAML document (a second one starts here); "
                          "a scenario is a single document"),
                        _mark_line(ev.start_mark),
                    )
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text) from None
    except yaml.YAMLError as exc:
        raise _fatal(_("not valid YAML: {problem}").format(problem=exc)) from None
    if not builder.root_set or builder.doc.data is None:
        raise _fatal(_("the file is empty"))
    if builder.issues:
        raise YamlError(builder.issues, builder.doc)
    return builder.doc


def _syntax_error(exc: yaml.MarkedYAMLError, text: str) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = (exc.problem or "").strip() or _("not valid YAML")
    message = _("not valid YAML: {problem}").format(problem=problem)
    if exc.context and exc.context_mark is not None:
        context = exc.context.replace("while ", "", 1)
        message += " " + _("({context} from line {line})").format(context=context, line=exc.context_mark.line + 1)
    if mark is not None and "\t" in _line(text, mark.line):
        message += "; " + _("indent with spaces, not tabs")
    return _fatal(message, line)


def _line(text: str, index: int) -> str:
    """Line `index` (0-based) of `text`, without splitting the whole text."""
    start = 0
    for _step in range(index):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)]
