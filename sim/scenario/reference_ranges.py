"""Reference ranges: evidence-based ranges for the numbers trainers most often have to guess,
in scenarios/evidence/reference-ranges.yaml. A scenario cites one with `{evidence: NAME}`.

Each entry has a `prior` range, written by hand from the published figures it names, and a
`calibrated` range, written by `make validation` from the evidence library; a scenario gets the
calibrated range where there is one, else the prior."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .assumptions import NumberRange, RangeError, parse_range
from .problems import Problem, Sources, finish, problems_from_validation
from .yamlsafe import YamlError, decode_utf8, parse_yaml, read_capped

ROOT = Path(__file__).resolve().parents[2]
RANGES_FILE = ROOT / "scenarios" / "evidence" / "reference-ranges.yaml"

Id = str


class RangeSpec(BaseModel):
    """A range as written: {low, mode, high}, {low, high} or a dist: mapping."""

    model_config = ConfigDict(frozen=True, extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("must be a range mapping such as {low: 0.4, mode: 0.7, high: 0.95}")
        try:
            parse_range(value)
        except RangeError as exc:
            raise ValueError((f"{exc.key}: " if exc.key else "") + exc.message) from None
        return value

    def to_range(self) -> NumberRange:
        return parse_range(dict(self.model_extra or {}))


class ReferenceRange(BaseModel):
    """One reference range: what it is a range of, the range, and where it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    """What scenarios write after `evidence:`."""
    title: str = Field(min_length=1, max_length=200)
    """What the number is, in words."""
    fields: list[str] = Field(min_length=1)
    """The scenario fields it is meant for: a path with `*` for any id, and `(affects: SERVICE)`
    for the service it is about (`backup_routines.*.capacity (affects: planned)`). `sim explain`
    checks the numbers in these fields against the range; a note in parentheses instead of a
    path names a number the model does not have yet."""
    unit_kinds: list[str] = Field(default_factory=list)
    """The unit kinds it applies to (left out: any)."""
    prior: RangeSpec
    """The range from the published figures in `basis`, before calibration."""
    basis: str = Field(min_length=1)
    """How the prior range follows from the sources; second-hand figures are marked so."""
    sources: list[str] = Field(min_length=1)
    """Evidence files (scenarios/evidence/NAME.yaml) or publications behind the range."""
    calibrated: RangeSpec | None = None
    """Written by `make validation`: the posterior from the evidence library (5th percentile,
    median, 95th percentile). Left out where the library does not inform the number."""
    in_model: bool = True
    """false for a number the model does not use yet (defined now so that it can be cited)."""

    def range(self) -> NumberRange:
        """The range scenarios get: calibrated where the library informs it, else the prior."""
        return (self.calibrated or self.prior).to_range()


class ReferenceRangesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    reference_ranges: list[ReferenceRange] = Field(min_length=1)

    @model_validator(mode="after")
    def _fields_are_paths(self) -> ReferenceRangesFile:
        from .against_evidence import parse_field

        for r in self.reference_ranges:
            bad = [f for f in r.fields if r.in_model and parse_field(f) is None]
            if bad:
                raise ValueError(
                    f"{r.name}: fields must be paths such as backup_routines.*.capacity "
                    f"(affects: planned), not {bad[0]!r}"
                )
        return self

    @model_validator(mode="after")
    def _unique(self) -> ReferenceRangesFile:
        names = [r.name for r in self.reference_ranges]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"names must be unique: {', '.join(dup)}")
        return self


def load_ranges_file(path: str | os.PathLike[str]) -> tuple[ReferenceRangesFile | None, list[Problem]]:
    """The reference ranges file and its problems (file, line, field)."""
    name = str(path)
    try:
        doc = parse_yaml(decode_utf8(read_capped(Path(path))))
    except YamlError as exc:
        return None, [Problem(name, i.line, "", i.message) for i in exc.issues]
    try:
        return ReferenceRangesFile.model_validate(doc.data), []
    except ValidationError as exc:
        sources = Sources(name, doc, data=doc.data)
        return None, finish(problems_from_validation(exc, doc.data, sources, ReferenceRangesFile), name)


@functools.cache
def _default() -> dict[str, ReferenceRange]:
    ranges, problems = load_ranges_file(RANGES_FILE)
    if ranges is None:
        raise RangeError("evidence", f"the reference ranges cannot be read: {problems[0]}")
    return {r.name: r for r in ranges.reference_ranges}


def reference_ranges() -> dict[str, ReferenceRange]:
    """The shipped reference ranges by name."""
    return dict(_default())


def reference_range(name: str) -> NumberRange | None:
    entry = _default().get(name)
    return entry.range() if entry is not None else None


def reference_names() -> list[str]:
    return sorted(_default())


def reload() -> None:
    """Read the file again (after `make validation` rewrote it)."""
    _default.cache_clear()
