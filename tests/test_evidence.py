"""The evidence library: every file validates with its scenario, problems come with file, line
and field, and observations are computed from the replications as the model reports them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.engine import replication_seed, simulate
from sim.evidence.library import library_paths, load_evidence, load_library, problems_in_evidence
from sim.evidence.observe import simulated, windowed_count
from sim.scenario.reference_ranges import RANGES_FILE, load_ranges_file, reference_ranges

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "scenarios" / "evidence"


def test_the_library_holds_at_least_six_incidents_and_studies_that_validate() -> None:
    library = load_library()
    assert len(library) >= 6
    names = {e.name for e in library}
    assert {"kronoberg-2018", "norrbotten-2021", "uppsala-tietoevry-2024", "sormland-network-2022",
            "vgr-login-2022", "vasterbotten-tietoevry-2024", "hse-ireland-2021", "dusseldorf-2020",
            "crowdstrike-2024", "neprash-ransomware-studies", "dameff-neighbouring-eds-2023"} <= names
    encoded = [e for e in library if e.scenario is not None]
    assert len(encoded) >= 10 and all(e.file.observations for e in encoded)


def test_second_hand_figures_are_marked() -> None:
    for name in ("dusseldorf-2020", "crowdstrike-2024"):
        ev = load_evidence(EVIDENCE / f"{name}.yaml")
        assert all(s.second_hand for s in ev.file.sources)
        assert all(o.second_hand for o in ev.file.observations)


def test_sim_validate_checks_evidence_files_and_the_reference_ranges() -> None:
    files = [str(p) for p in library_paths()] + [str(RANGES_FILE)]
    res = subprocess.run([sys.executable, "-m", "sim", "validate", *files], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count(": ok") == len(files)


def test_an_evidence_file_with_mistakes_gets_a_line_per_problem(tmp_path: Path) -> None:
    text = (EVIDENCE / "hse-ireland-2021.yaml").read_text(encoding="utf-8")
    text = text.replace("scenario: ../hse-ireland-2021.yaml", f"scenario: {ROOT / 'scenarios' / 'hse-ireland-2021.yaml'}")
    text = text.replace("    kpi: cancelled_planned\n    statistic: share\n    unit_kind: other",
                        "    kpi: cancelled_planed\n    statistic: share\n    unit_kind: other", 1)
    text = text.replace("    low: 0.7\n    high: 0.8\n", "    low: 0.8\n    high: 0.7\n", 1)
    text = text.replace("    date: 2021-05-26\n", "    date: May 2021\n", 1)
    path = tmp_path / "hse.yaml"
    path.write_text(text, encoding="utf-8")
    problems = [str(p) for p in problems_in_evidence(path)]
    assert any("line 9: sources.0.date" in p for p in problems), problems
    assert any("observations.outpatients-first-days: low must not be above high" in p for p in problems), problems
    assert any("observations.elective-first-week: no KPI 'cancelled_planed' (did you mean 'cancelled_planned'?)" in p for p in problems), problems
    res = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)], capture_output=True, text=True)
    assert res.returncode == 2 and "line " in res.stdout


def test_an_observation_window_outside_the_scenario_is_refused(tmp_path: Path) -> None:
    text = (EVIDENCE / "norrbotten-2021.yaml").read_text(encoding="utf-8")
    text = text.replace("scenario: ../norrbotten-2021.yaml", f"scenario: {ROOT / 'scenarios' / 'norrbotten-2021.yaml'}")
    text = text.replace("end: 2021-09-14 17:00", "end: 2021-10-14 17:00")
    path = tmp_path / "n.yaml"
    path.write_text(text, encoding="utf-8")
    (p,) = problems_in_evidence(path)
    assert p.path == "observations.booked-visits-cancelled.window" and "inside the scenario" in p.message


def test_the_reference_ranges_file_validates_and_names_its_sources() -> None:
    ranges, problems = load_ranges_file(RANGES_FILE)
    assert ranges is not None and not problems
    names = set(reference_ranges())
    assert {"paper-routine-outpatient", "paper-routine-hospital", "downtime-compliance",
            "acute-capacity-without-records", "back-entry-hours-per-day", "work-needing-system",
            "call-surge"} <= names
    evidence_names = {p.stem for p in library_paths()}
    for r in reference_ranges().values():
        for s in r.sources:
            assert s in evidence_names or " " in s, (r.name, s)


def test_windowed_counts_follow_the_cumulative_series() -> None:
    cum = np.array([0.0, 1, 3, 6, 10])
    series = {"cancelled_planned:hospital": cum, "cancelled_planned:dental": cum * 2, "cancelled_planned:all": cum * 3}
    assert windowed_count(series, "cancelled_planned", "hospital", (0, 5)) == 10
    assert windowed_count(series, "cancelled_planned", "hospital", (2, 4)) == 5  # steps 2 and 3: 2 + 3
    assert windowed_count(series, "cancelled_planned", None, (2, 4)) == 15  # kinds summed, not `all`


def test_the_share_cancelled_matches_the_run_totals() -> None:
    ev = load_evidence(EVIDENCE / "hse-ireland-2021.yaml")
    obs = ev.file.observations[0].model_copy(update={"window": None, "unit_kind": None})
    rep = simulate(ev.scenario, replication_seed(0, 0))
    share = simulated(rep, ev.scenario, obs)
    assert share == pytest.approx(rep.kpis["cancelled_planned"] / rep.kpis["planned_booked"])


def test_studies_and_national_totals_count_as_population_means() -> None:
    levels = {e.name: e.file.pooling_level for e in load_library()}
    assert levels["neprash-ransomware-studies"] == "population"  # a study, by default
    assert levels["wannacry-nhs-2017"] == "population"  # an incident reported as a total over 81 trusts
    assert levels["hse-ireland-2021"] == "incident"
    wannacry = load_evidence(EVIDENCE / "wannacry-nhs-2017.yaml")
    assert wannacry.scenario is not None and wannacry.file.kind == "incident"


def test_an_unknown_level_is_refused_with_its_line(tmp_path: Path) -> None:
    text = (EVIDENCE / "wannacry-nhs-2017.yaml").read_text(encoding="utf-8")
    text = text.replace("level: population", "level: national").replace(
        "scenario: ../wannacry-nhs-2017.yaml", f"scenario: {ROOT / 'scenarios' / 'wannacry-nhs-2017.yaml'}")
    path = tmp_path / "wannacry.yaml"
    path.write_text(text, encoding="utf-8")
    (p,) = problems_in_evidence(path)
    assert p.path == "level" and p.line == 5
