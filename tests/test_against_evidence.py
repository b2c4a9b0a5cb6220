"""Assumed numbers against the evidence: the fields reference ranges are meant for, whether a
scenario's value or range lies outside them, with file and line, in `sim explain`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_assumptions import SORMLAND, sormland_with

from sim.scenario.against_evidence import FieldPattern, assumed_numbers, parse_field
from sim.scenario.loader import load_scenario
from sim.scenario.reference_ranges import reference_ranges

ROOT = Path(__file__).resolve().parents[1]
PAPER = "backup_routines.paper-journal.capacity"


def by_path(path: Path | str) -> dict:
    return {n.path: n for n in assumed_numbers(load_scenario(path))}


def test_field_patterns() -> None:
    p = parse_field("backup_routines.*.capacity (affects: planned)")
    assert p == FieldPattern(("backup_routines", "*", "capacity"), "planned")
    assert p.matches("backup_routines.paper-journal.capacity")
    assert not p.matches("backup_routines.paper-journal.compliance")
    assert not p.matches("region.units.x.depends_on.y.capacity")
    assert parse_field("(to come: a surge factor on phone lines)") is None


def test_every_reference_range_in_the_model_names_fields_the_check_can_find() -> None:
    scenarios = [load_scenario(p) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
    for r in reference_ranges().values():
        if not r.in_model:
            continue
        patterns = [parse_field(f) for f in r.fields]
        assert all(patterns), r.fields
        cited = [n for sc in scenarios for n in assumed_numbers(sc) if n.evidence == r.name]
        checked = [n for sc in scenarios for n in assumed_numbers(sc) if any(v.reference == r.name for v in n.verdicts)]
        assert checked or not cited, r.name


def position(value: float, name: str) -> str:
    r = reference_ranges()[name].range()
    return "below" if value < r.low else "above" if value > r.high else "inside"


def test_sormlands_paper_capacity_is_checked_per_kind_of_unit() -> None:
    numbers = by_path(SORMLAND)
    paper = numbers[PAPER]
    assert (paper.file, paper.line, paper.value) == (str(SORMLAND), 34, 0.7)
    assert not paper.evidence_based and paper.range is None
    outpatient, hospital = position(0.7, "paper-routine-outpatient"), position(0.7, "paper-routine-hospital")
    positions = {v.reference: v.position for v in paper.verdicts}
    assert positions == {"paper-routine-outpatient": outpatient, "paper-routine-hospital": hospital}
    # Hospitals do outpatient and elective work: flagged for them only outside both ranges.
    expected = ("dental", "primary_care") if outpatient != "inside" else ()
    if outpatient != "inside" and hospital != "inside":
        expected = ("dental", "hospital", "primary_care")
    assert paper.flagged_kinds == expected
    compliance = numbers["backup_routines.paper-journal.compliance"]
    assert not compliance.flagged and compliance.line == 35
    # A number in the region file is reported with the region file's line.
    acute = numbers["region.units.hospitals.depends_on.journal.capacity"]
    assert acute.file.endswith("regions/sormland.yaml") and acute.line == 41
    assert acute.flagged_kinds == ("hospital",)
    # Discharge and phone routines are not planned care on paper: no reference range is meant for them.
    assert "backup_routines.manual-discharge.capacity" not in numbers
    assert "backup_routines.mobile-phones.capacity" not in numbers
    # A default the file does not write is not the file's assumption.
    assert "backup_routines.mobile-phones.compliance" not in numbers


def _cases() -> list[tuple[str, str, tuple[str, ...]]]:
    """Values and ranges placed against the reference ranges as they are now (`make validation`
    recalibrates them)."""
    out = reference_ranges()["paper-routine-outpatient"].range()
    hosp = reference_ranges()["paper-routine-hospital"].range()
    lo, hi = out.low, out.high
    mid = (lo + hi) / 2
    cases = [
        (f"{mid:.4f}", "inside", ()),
        (f"{{low: {lo + 0.01:.4f}, mode: {mid:.4f}, high: {hi - 0.01:.4f}}}", "inside", ()),
        (f"{{low: {lo / 2:.4f}, mode: {mid:.4f}, high: {min(1.0, hi * 1.5):.4f}}}", "reaches beyond", ()),
        (f"{hosp.low / 2:.4f}", "below", ("dental", "hospital", "primary_care")),
        ("{evidence: paper-routine-outpatient}", "inside", ()),
    ]
    if hosp.low < lo:  # below the outpatient range, inside the hospital one: flagged for the others
        cases.append((f"{(hosp.low + lo) / 2:.4f}", "below", ("dental", "primary_care")))
    if max(hosp.high, hi) < 0.98:
        above = (max(hosp.high, hi) + 1) / 2
        cases.append((f"{{low: {above - 0.01:.4f}, mode: {above:.4f}, high: {above + 0.01:.4f}}}", "above",
                      ("dental", "hospital", "primary_care")))
    return cases


@pytest.mark.parametrize(("written", "position", "flagged"), _cases())
def test_values_and_ranges_against_the_reference_range(tmp_path: Path, written: str, position: str, flagged: tuple) -> None:
    paper = by_path(sormland_with(tmp_path, written))[PAPER]
    outpatient = next(v for v in paper.verdicts if v.reference == "paper-routine-outpatient")
    assert outpatient.position == position
    assert paper.flagged_kinds == flagged
    assert paper.line == 34
    assert paper.evidence_based == written.startswith("{evidence")


def test_evidence_based_scenarios_are_not_flagged() -> None:
    for name in ("hse-ireland-2021", "kronoberg-2018", "norrbotten-2021", "dusseldorf-2020"):
        numbers = assumed_numbers(load_scenario(ROOT / "scenarios" / f"{name}.yaml"))
        cited = [n for n in numbers if n.evidence_based]
        assert cited, name
        assert not any(n.flagged for n in cited), name


def test_sim_explain_flags_numbers_outside_the_evidence_with_their_lines(tmp_path: Path) -> None:
    out_low = reference_ranges()["paper-routine-outpatient"].range().low
    hosp_low = reference_ranges()["paper-routine-hospital"].range().low
    mode = round((out_low + hosp_low) / 2, 2)  # below the outpatient range, inside the hospital one
    low, high = round(mode - 0.02, 2), round(mode + 0.02, 2)
    assert hosp_low < mode < out_low
    path = sormland_with(tmp_path, f"{{low: {low}, mode: {mode}, high: {high}}}")
    out = subprocess.run([sys.executable, "-m", "sim", "explain", str(path), "-n", "0"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "Assumed numbers" in text
    assert f"{PAPER} = {low:g}-{high:g}, most likely {mode:g}, an assumed range  [line 34]" in text
    flagged = text.split("Outside the evidence range", 1)[1]
    assert f"line 34: {PAPER} = {low:g}-{high:g}, most likely {mode:g}: outside the evidence range for Dental care, Primary care" in flagged
    assert "regions/sormland.yaml line 41: region.units.hospitals.depends_on.journal.capacity = 0.3" in flagged
