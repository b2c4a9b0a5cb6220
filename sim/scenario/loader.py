"""Loading scenario files: safe YAML, the region file spliced in, the model, then the
cross-reference checks. Every problem comes back with its file, line and field; nothing a file
holds raises anything but ScenarioError.
"""

from __future__ import annotations

import copy
import os
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..i18n import _
from .against_evidence import field_lines
from .assumptions import extract_assumptions
from .checks import check_scenario
from .model import Scenario
from .problems import (
    Problem,
    ScenarioError,
    Sources,
    _walk_loc,
    display_path,
    finish,
    problems_from_validation,
)
from .yamlsafe import YamlDocument, YamlError, decode_utf8, parse_yaml, read_capped

REGION_SUFFIXES = (".yaml", ".yml")
MAX_REF_CHARS = 1000
"""Longest `region:` path looked for."""
MAX_NAME_CHARS = 255
"""Longest single name in that path (the file system's own limit)."""


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read, validate and check a scenario file; raises ScenarioError listing every problem."""
    scenario, problems = _load_file(Path(path))
    if problems or scenario is None:
        raise ScenarioError(problems)
    return scenario


def problems_in(path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem in a scenario file (an empty list when it is valid)."""
    return _load_file(Path(path))[1]


def load_scenario_text(
    text: str | bytes,
    name: str = "<upload>",
    base_dir: str | os.PathLike[str] | None = None,
    files: Mapping[str, bytes] | None = None,
) -> Scenario:
    """Validate a scenario given as text (an upload or an edit in the app), with the same caps as
    a file. `name` is shown in problems; a `region:` file path is looked up first among `files`
    (region files uploaded beside it, by their path relative to the scenario), then in
    `base_dir`."""
    scenario, problems = _load(text, name, Path(base_dir) if base_dir is not None else None, files)
    if problems or scenario is None:
        raise ScenarioError(problems)
    return scenario


def problems_in_text(
    text: str | bytes, name: str = "<upload>", base_dir: str | os.PathLike[str] | None = None,
    files: Mapping[str, bytes] | None = None,
) -> list[Problem]:
    """Every problem in a scenario given as text."""
    return _load(text, name, Path(base_dir) if base_dir is not None else None, files)[1]


def file_key(ref: str) -> str:
    """A region file's path as `files` holds it: forward slashes, no `./`, no `a/../`."""
    return posixpath.normpath(ref.replace("\\", "/"))


# --------------------------------------------------------------------------- steps


def _load_file(path: Path) -> tuple[Scenario | None, list[Problem]]:
    name = str(path)
    try:
        raw = read_capped(path)
    except YamlError as exc:
        return None, _yaml_problems(name, exc)
    return _load(raw, name, path.parent)


def _yaml_problems(name: str, exc: YamlError, prefix: tuple[str, ...] = ()) -> list[Problem]:
    data = exc.document.data if exc.document is not None else None
    problems = []
    for issue in exc.issues:
        path = display_path(data, issue.path)
        if path and prefix:
            path = ".".join(prefix) + "." + path
        problems.append(Problem(name, issue.line, path, issue.message))
    return problems


def _read_doc(
    text: str | bytes, name: str, prefix: tuple[str, ...] = ()
) -> tuple[YamlDocument | None, list[Problem]]:
    try:
        if isinstance(text, bytes | bytearray):
            text = decode_utf8(bytes(text))
        return parse_yaml(text), []
    except YamlError as exc:
        return None, _yaml_problems(name, exc, prefix)


def _load(
    text: str | bytes, name: str, base_dir: Path | None, files: Mapping[str, bytes] | None = None
) -> tuple[Scenario | None, list[Problem]]:
    try:
        return _load_checked(text, name, base_dir, files)
    except RecursionError:
        return None, [Problem(name, None, "", _("the file nests too deeply to be checked"))]
    except MemoryError:
        return None, [Problem(name, None, "", _("the file is too large to be checked"))]
    except Exception as exc:  # a bug here must not become a traceback for the person at the desk
        return None, [
            Problem(
                name,
                None,
                "",
                _("could not be checked (internal error: {error})").format(error=f"{type(exc).__name__}: {exc}"),
            )
        ]


def _load_checked(
    text: str | bytes, name: str, base_dir: Path | None, files: Mapping[str, bytes] | None = None
) -> tuple[Scenario | None, list[Problem]]:
    doc, problems = _read_doc(text, name)
    if doc is None:
        return None, problems
    data = doc.data
    if not isinstance(data, dict):
        return None, [
            Problem(
                name,
                doc.line_of(()),
                "",
                _("a scenario file must be a mapping of fields (name:, title:, start:, region:, ...), not {kind}").format(
                    kind=_("a list") if isinstance(data, list) else _("a single value")),
            )
        ]
    sources = Sources(name, doc)
    region_ok = True
    if isinstance(data.get("region"), str):
        region_doc, region_name, region_problems = _read_region(data["region"], name, base_dir, doc, files)
        if region_doc is None:
            problems += region_problems
            region_ok = False
        else:
            data = {**data, "region": region_doc.data}
            sources.region_file, sources.region_doc = region_name, region_doc
    data = copy.deepcopy(data)
    data, assumptions, range_problems = extract_assumptions(data, Scenario, sources)
    sources.data = data
    problems += range_problems
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        found = problems_from_validation(exc, data, sources, Scenario)
        # A range written wrongly is reported once, by its own problem.
        ranged = {p.path for p in range_problems}
        found = [p for p in found if not any(p.path == r or r.startswith(p.path + ".") for r in ranged)]
        if not region_ok:  # the region's own problems are already reported
            found = [p for p in found if not (p.path == "region" or p.path.startswith("region."))]
        elif not problems:
            found += _references_despite(exc, data, sources)
        return None, finish(problems + found, name)
    if problems:
        return None, finish(problems, name)
    scenario = scenario.with_assumptions(tuple(assumptions)).with_lines(field_lines(scenario, sources))
    return scenario, finish(check_scenario(scenario, sources), name)


def _references_despite(exc: ValidationError, data: dict[str, Any], sources: Sources) -> list[Problem]:
    """Reference problems in a file that also has field problems, so that a trainer sees both
    kinds at once. The refused fields are dropped from a copy — only fields of a mapping, never a
    list item or an id, so every path still points at the same line of the file — and if what is
    left validates, the reference checks run on it. Dropping never adds a reference, so nothing is
    reported that is not in the file; when a problem cannot be dropped, no reference is checked."""
    trial = copy.deepcopy(data)
    for _try in range(4):
        for err in exc.errors():
            if err["type"] == "missing":
                return []
            path, _, _ = _walk_loc(trial, tuple(err["loc"]), False)
            if not path:
                return []
            parent: Any = trial
            for step in path[:-1]:
                parent = parent[step]
            key = path[-1]
            if not (isinstance(parent, dict) and key in parent and key != "id"):
                return []
            del parent[key]
        try:
            scenario = Scenario.model_validate(trial)
        except ValidationError as again:
            exc = again
            continue
        except Exception:  # a best effort only: the field problems are reported anyway
            return []
        return check_scenario(scenario, sources)
    return []


def _read_region(
    ref: str, name: str, base_dir: Path | None, doc: YamlDocument, files: Mapping[str, bytes] | None = None
) -> tuple[YamlDocument | None, str, list[Problem]]:
    """The region file named by `region:`: one uploaded beside the scenario, else relative to the
    scenario file's folder."""
    line = doc.line_of(("region",))

    def refuse(message: str) -> tuple[None, str, list[Problem]]:
        return None, ref, [Problem(name, line, "region", message)]

    if files and isinstance(ref, str) and file_key(ref) in files:
        region_name = file_key(ref)
        region_doc, problems = _read_doc(files[region_name], region_name, ("region",))
        return region_doc, region_name, problems

    if base_dir is None:
        return refuse(
            _("{ref} names a region file, but this scenario has no folder to look in; put the region inline").format(
                ref=repr(ref))
        )
    if not ref.strip():
        return refuse(_("write a region file's path, or the region itself"))
    if len(ref) > MAX_REF_CHARS or any(len(part) > MAX_NAME_CHARS for part in ref.split("/")):
        return refuse(
            _("the region file's path is too long ({n} characters); a path may be at most {most} characters, "
              "{name_most} in one name").format(n=f"{len(ref):,}", most=MAX_REF_CHARS, name_most=MAX_NAME_CHARS)
        )
    rel = Path(ref)
    if rel.is_absolute():
        return refuse(_("write the region file's path relative to the scenario file, not {ref}").format(ref=repr(_short(ref))))
    if rel.suffix.lower() not in REGION_SUFFIXES:
        return refuse(_("a region file is a .yaml file; {ref} is not").format(ref=repr(_short(ref))))
    full = base_dir / rel
    try:
        inside = full.resolve().is_relative_to(base_dir.resolve())
        found = full.exists()
    except (OSError, RuntimeError, ValueError):
        inside = found = False
    if not inside:
        return refuse(_("the region file {ref} must be in the scenario's folder or below it").format(ref=repr(_short(ref))))
    region_name = os.path.normpath(os.path.join(os.path.dirname(name), ref))
    if not found:
        return refuse(_("region file {ref} not found (looked for {path})").format(ref=repr(_short(ref)), path=region_name))
    try:
        raw = read_capped(full)
    except YamlError as exc:
        if any(issue.line is None for issue in exc.issues):  # the file as a whole: point at region:
            return refuse(_("region file {ref}: {problems}").format(
                ref=repr(_short(ref)), problems="; ".join(i.message for i in exc.issues)))
        return None, region_name, _yaml_problems(region_name, exc)
    region_doc, problems = _read_doc(raw, region_name, ("region",))
    return region_doc, region_name, problems


def _short(text: str, most: int = 80) -> str:
    return text if len(text) <= most else text[: most - 3] + "..."
