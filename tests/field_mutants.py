"""Mutants of the shipped scenarios: every numeric and duration field in turn replaced by a
hostile value (zero, negative, huge, tiny, infinite, not a number), for the field fuzz in
tests/test_field_fuzz.py. A field is found by composing the YAML, so the mutant changes exactly
the characters of that one value and keeps every other line where it was."""

from __future__ import annotations

import random
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from sim.scenario.quantities import DURATION_PATTERN

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")

NUMBER_VALUES = ("0", "-1", "1e-12", "0.5", "1e12", "99999999999999999999", ".inf", "-.inf", ".nan")
DURATION_VALUES = ("0", "0h", "-2h", "1s", "0.000001s", "99999999w", "1e999h", ".inf", ".nan")


@dataclass(frozen=True)
class Site:
    """One numeric or duration value in a shipped file: where it is and what kind it is."""

    file: str  # relative to scenarios/
    start: int
    end: int
    line: int  # 1-based
    kind: str  # "number" or "duration"
    original: str

    def values(self) -> tuple[str, ...]:
        return NUMBER_VALUES if self.kind == "number" else DURATION_VALUES


def _scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from _scalars(child)
    elif isinstance(node, yaml.MappingNode):
        for _, value in node.value:
            yield from _scalars(value)


def sites_in(file: str) -> list[Site]:
    text = (SCENARIOS / file).read_text(encoding="utf-8")
    found = []
    for node in _scalars(yaml.compose(text)):
        if node.style is not None:  # quoted: a clock time, a date or a name
            continue
        if NUMBER.match(node.value):
            kind = "number"
        elif re.match(DURATION_PATTERN, node.value):
            kind = "duration"
        else:
            continue
        found.append(
            Site(file, node.start_mark.index, node.end_mark.index, node.start_mark.line + 1, kind, node.value)
        )
    return found


def scenario_files() -> list[str]:
    return sorted(p.name for p in SCENARIOS.glob("*.yaml"))


def region_users() -> dict[str, list[str]]:
    """Region file (relative to scenarios/) -> the scenarios that name it."""
    users: dict[str, list[str]] = {}
    for name in scenario_files():
        m = re.search(r"^region:\s*(\S+\.yaml)\s*$", (SCENARIOS / name).read_text(encoding="utf-8"), re.M)
        if m:
            users.setdefault(m.group(1), []).append(name)
    return users


def all_sites() -> list[Site]:
    files = scenario_files() + sorted(region_users())
    return [site for f in files for site in sites_in(f)]


@dataclass(frozen=True)
class Mutant:
    site: Site
    value: str

    @property
    def label(self) -> str:
        return f"{self.site.file}:{self.site.line}:{self.site.original}->{self.value}"

    def write(self, folder: Path) -> Path:
        """A copy of scenarios/ in `folder` with this mutation; returns the scenario to load."""
        if not (folder / "regions").exists():
            shutil.copytree(SCENARIOS / "regions", folder / "regions")
            for name in scenario_files():
                shutil.copy(SCENARIOS / name, folder / name)
        text = (SCENARIOS / self.site.file).read_text(encoding="utf-8")
        (folder / self.site.file).write_text(
            text[: self.site.start] + self.value + text[self.site.end :], encoding="utf-8"
        )
        target = self.site.file
        if target.startswith("regions/"):
            target = region_users()[target][0]
        return folder / target

    def restore(self, folder: Path) -> None:
        shutil.copy(SCENARIOS / self.site.file, folder / self.site.file)


def every_mutant() -> list[Mutant]:
    return [Mutant(site, value) for site in all_sites() for value in site.values()]


def sampled_mutants(per_site: int, seed: int = 0) -> list[Mutant]:
    """`per_site` values for every site, drawn by a seeded generator so that each hostile value
    is tried on about as many fields as the others."""
    rng = random.Random(seed)
    out = []
    for site in all_sites():
        values = list(site.values())
        rng.shuffle(values)
        out += [Mutant(site, v) for v in values[:per_site]]
    return out
