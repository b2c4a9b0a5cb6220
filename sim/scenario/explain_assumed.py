"""The section of `sim explain` on assumed numbers: each field written as a range or meant for a
reference range, with its file and line, whether it is evidence-based, and a flag where it lies
outside the evidence range."""

from __future__ import annotations

from ..i18n import _, ngettext
from ..vocabulary import kind_label
from .against_evidence import AssumedNumber, Verdict, assumed_numbers
from .assumptions import NumberRange
from .model import Scenario

INDENT = "  "


def _g(x: float) -> str:
    return f"{x:.3g}"


def range_text(r: NumberRange) -> str:
    """`0.4-0.95, most likely 0.7`, `0.4-0.95 (uniform)`, `one of 0.3, 0.5`."""
    if r.dist == "fixed" or r.low == r.high:
        return _g(r.mode)
    if r.dist == "uniform":
        return _("{low}-{high} (uniform)").format(low=_g(r.low), high=_g(r.high))
    if r.dist == "triangular":
        return _("{low}-{high}, most likely {mode}").format(low=_g(r.low), high=_g(r.high), mode=_g(r.mode))
    return _("one of {values}").format(values=", ".join(_g(v) for v in r.values))


def written_text(n: AssumedNumber) -> str:
    """What the file writes, and whether it is evidence-based."""
    if n.evidence is not None and n.range is not None:
        return _("{{evidence: {name}}}: {range}, evidence-based").format(name=n.evidence, range=range_text(n.range))
    if n.range is not None:
        return _("{range}, an assumed range").format(range=range_text(n.range))
    return _("{value}, one assumed value").format(value=_g(n.value))


def kinds_text(kinds: tuple[str, ...]) -> str:
    return ", ".join(kind_label(k) for k in kinds)


def verdict_text(v: Verdict) -> str:
    position = {
        "inside": _("inside"),
        "below": _("below it"),
        "above": _("above it"),
        "reaches beyond": _("the range reaches beyond it"),
    }[v.position]
    source = _("calibrated") if v.calibrated else _("prior")
    if v.kinds:
        return _("{name} {low}-{high} ({source}) for {kinds}: {position}").format(
            name=v.reference, low=_g(v.low), high=_g(v.high), source=source,
            kinds=kinds_text(v.kinds), position=position)
    return _("{name} {low}-{high} ({source}): {position}").format(
        name=v.reference, low=_g(v.low), high=_g(v.high), source=source, position=position)


def _where(n: AssumedNumber, main: str) -> str:
    if n.line is None:
        return n.file if n.file != main else ""
    if n.file == main:
        return _("line {line}").format(line=n.line)
    return _("{file} line {line}").format(file=n.file, line=n.line)


def flag_text(n: AssumedNumber) -> str:
    """`outside the evidence range for primary care, dental`."""
    if n.flagged_kinds == ("any",):
        return _("outside the evidence range")
    return _("outside the evidence range for {kinds}").format(kinds=kinds_text(n.flagged_kinds))


def assumed_section(scenario: Scenario) -> list[str]:
    """The lines of the section (none when the scenario has no such field)."""
    numbers = assumed_numbers(scenario)
    if not numbers:
        return []
    main = scenario.field_line("")[0]
    ranged = sum(n.range is not None for n in numbers)
    based = sum(n.evidence_based for n in numbers)
    flagged = [n for n in numbers if n.flagged]
    lines = [
        "",
        _("Assumed numbers (ranges are drawn once per replication; checked against the reference ranges in docs/reference-ranges.md)"),
        INDENT + _("{ranges}, {based} evidence-based; {flagged} outside the evidence range").format(
            ranges=ngettext("{n} field written as a range", "{n} fields written as ranges", ranged).format(n=ranged),
            based=based, flagged=len(flagged)),
    ]
    for n in numbers:
        where = _where(n, main)
        lines.append(f"{INDENT}{n.path} = {written_text(n)}" + (f"  [{where}]" if where else ""))
        lines += [f"{INDENT * 3}{verdict_text(v)}" for v in n.verdicts]
        if n.flagged:
            lines.append(f"{INDENT * 3}!! {flag_text(n)}")
    if flagged:
        lines += ["", _("Outside the evidence range (check these numbers and say where they come from):")]
        for n in flagged:
            where = _where(n, main) or n.file
            value = range_text(n.range) if n.range is not None else _g(n.value)
            lines.append(f"{INDENT}{where}: {n.path} = {value}: {flag_text(n)}")
    return lines


__all__ = ["assumed_section", "range_text"]
