"""The master scenario events list in other tools' formats: the spreadsheet with the HSEEP
columns (parsed back with openpyxl), OpenBAS and MISP CEXF JSON (parsed back with json and
checked against the formats' required keys), the CSV as before; and a spreadsheet read back into
a scenario's injects, with line-numbered problems for bad rows and hostile files refused."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from shipped import ROOT, SORMLAND
from typer.testing import CliRunner

from sim.cli import app
from sim.drill.msel_formats import HSEEP_COLUMNS, XLSX_COLUMNS, msel_cexf, msel_openbas, msel_xlsx
from sim.drill.msel_import import MAX_ROWS, MselImportError, import_into, read_msel
from sim.scenario.loader import load_scenario

OPENBAS_KEYS = {"export_version", "scenario_information", "scenario_teams", "scenario_objectives", "scenario_injects"}
OPENBAS_INJECT_KEYS = {"inject_id", "inject_title", "inject_description", "inject_injector_contract", "inject_content",
                       "inject_depends_on", "inject_depends_duration", "inject_all_teams", "inject_teams", "inject_tags",
                       "inject_country", "inject_city", "inject_documents"}
CEXF_KEYS = {"exercise", "inject_flow", "inject_payloads", "injects"}
CEXF_EXERCISE_KEYS = {"description", "expanded", "meta", "name", "namespace", "tags", "total_duration", "uuid", "version"}


@pytest.fixture
def scenario_copy(tmp_path) -> Path:
    """The Sörmland scenario and its region in a folder of their own, to write into."""
    (tmp_path / "regions").mkdir()
    shutil.copy(ROOT / "scenarios" / "regions" / "sormland.yaml", tmp_path / "regions")
    return Path(shutil.copy(SORMLAND, tmp_path / "sormland.yaml"))


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def test_the_spreadsheet_has_the_hseep_columns_and_every_item(sormland, tmp_path):
    out = tmp_path / "msel.xlsx"
    result = run("drill", str(SORMLAND), "--msel", str(out))
    assert result.exit_code == 0, result.output
    ws = load_workbook(out)["MSEL"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][: len(HSEEP_COLUMNS)] == HSEEP_COLUMNS and rows[0] == XLSX_COLUMNS
    body = [dict(zip(XLSX_COLUMNS, r, strict=True)) for r in rows[1:]]
    ex = sormland.exercise
    assert len(body) == len(ex.injects) + len(ex.decisions)
    assert [r["Sequence"] for r in body] == list(range(1, len(body) + 1))
    vc = next(r for r in body if r["Id"] == "vc-reception")
    assert vc["Scenario time"] == datetime(2022, 12, 6, 8, 10) and vc["Type"] == "inject"
    assert vc["From"] == "Primary-care centres (vårdcentraler)" and vc["Method"] == "phone call"
    assert "[cancel-1h]" in vc["Expected action"] and vc["Objective"].startswith("3. Decide early")
    journalist = next(r for r in body if r["Id"] == "journalist")
    assert journalist["Scenario time"] is None and journalist["Condition"].startswith("if readiness:stabslage:start")
    staff = next(r for r in body if r["Id"] == "staff-mode")
    assert staff["Type"] == "decision point" and "raise-now: Raise staff mode now" in staff["Options"]
    # Set times first, in time order.
    timed = [r["Scenario time"] for r in body if r["Scenario time"] is not None]
    assert timed == sorted(timed) and body[0]["Scenario time"] is not None


def test_a_cell_that_looks_like_a_formula_is_written_as_text(sormland):
    data = json.loads(json.dumps(sormland.model_dump(mode="json", by_alias=True)))
    data["exercise"]["injects"][0]["title"] = "=HYPERLINK(\"http://example.org\",\"x\")"
    data["exercise"]["injects"][0]["message"] = "+1 (ring 112)"
    from sim.scenario.model import Scenario

    wb = load_workbook(io.BytesIO(msel_xlsx(Scenario.model_validate(data))))
    ws = wb["MSEL"]
    cells = [c for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://example.org\",\"x\")" in texts and "'+1 (ring 112)" in texts


def test_openbas_json_has_the_required_keys(sormland, tmp_path):
    out = tmp_path / "openbas.json"
    result = run("drill", str(SORMLAND), "--msel", str(out), "--msel-format", "openbas")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) >= OPENBAS_KEYS and data["export_version"] == 1
    info = data["scenario_information"]
    assert {"scenario_id", "scenario_name", "scenario_description"} <= set(info)
    teams = {t["team_id"]: t["team_name"] for t in data["scenario_teams"]}
    assert set(teams.values()) >= set(sormland.exercise.roles)
    assert [o["objective_title"] for o in data["scenario_objectives"]] == [o.strip() for o in sormland.exercise.objectives]
    injects = data["scenario_injects"]
    assert len(injects) == len(sormland.exercise.injects) + len(sormland.exercise.decisions)
    for inj in injects:
        assert set(inj) >= OPENBAS_INJECT_KEYS
        assert inj["inject_injector_contract"]["injector_contract_id"]
        assert set(inj["inject_teams"]) <= set(teams) and inj["inject_depends_duration"] >= 0
        for e in inj["inject_content"]["expectations"]:
            assert {"expectation_type", "expectation_name", "expectation_score", "expectation_expectation_group"} <= set(e)
    vc = next(i for i in injects if i["inject_title"].startswith("Primary-care centres cannot"))
    assert vc["inject_depends_duration"] == (8 * 60 + 10 - (6 * 60 + 30)) * 60  # from the drill's start, 06:30
    assert len(vc["inject_content"]["expectations"]) == 2
    assert json.loads(json.dumps(msel_openbas(sormland))) == data  # the same ids every time


def test_cexf_json_has_the_required_keys(sormland, tmp_path):
    out = tmp_path / "cexf.json"
    result = run("drill", str(SORMLAND), "--msel", str(out), "--msel-format", "cexf")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) >= CEXF_KEYS
    assert set(data["exercise"]) >= CEXF_EXERCISE_KEYS and data["exercise"]["total_duration"].isdigit()
    payloads = {p["uuid"] for p in data["inject_payloads"]}
    injects = {i["uuid"]: i for i in data["injects"]}
    assert len(injects) == len(sormland.exercise.injects) + len(sormland.exercise.decisions)
    for step in data["inject_flow"]:
        assert {"inject_uuid", "sequence", "requirements", "timing"} <= set(step)
        assert step["inject_uuid"] in injects
        assert all(f in injects for f in step["sequence"]["followed_by"])
    assert data["inject_flow"][0]["sequence"]["trigger"] == ["startex"]
    for inj in injects.values():
        assert {"action", "action_payload_resource_uuid", "inject_evaluation", "name", "uuid"} <= set(inj)
        assert inj["action_payload_resource_uuid"] in payloads
    assert msel_cexf(sormland)["exercise"]["uuid"] == data["exercise"]["uuid"]


def test_the_csv_stays(tmp_path):
    out = tmp_path / "msel.csv"
    assert run("drill", str(SORMLAND), "--msel", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfNo,Type,Id,Time")


def test_bad_format_options_are_refused(tmp_path):
    result = run("drill", str(SORMLAND), "--msel", str(tmp_path / "x.json"), "--msel-format", "excel")
    assert result.exit_code == 2 and "must be one of csv, xlsx, openbas, cexf" in result.output
    result = run("drill", str(SORMLAND), "--msel", str(tmp_path / "x.xlsx"), "--msel-format", "openbas")
    assert result.exit_code == 2 and "ending in .json" in result.output


# --------------------------------------------------------------------------- reading it back


def test_a_spreadsheet_reads_back_into_the_same_injects(sormland, scenario_copy, tmp_path):
    sheet = tmp_path / "msel.xlsx"
    sheet.write_bytes(msel_xlsx(sormland))
    before = scenario_copy.read_text(encoding="utf-8")
    result = run("drill", "import-msel", str(sheet), "--into", str(scenario_copy))
    assert result.exit_code == 0, result.output
    assert "wrote 8 injects" in result.output and "decision point row is left out" in result.output
    after = load_scenario(scenario_copy)

    def plain(inj):
        data = inj.model_dump(mode="json", by_alias=True)
        return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}

    assert sorted(map(plain, after.exercise.injects), key=lambda i: i["id"]) == sorted(
        map(plain, sormland.exercise.injects), key=lambda i: i["id"])
    assert after.exercise.decisions == sormland.exercise.decisions
    text = scenario_copy.read_text(encoding="utf-8")
    # Only the injects were rewritten: the rest of the file, comments included, is as it was.
    assert text.split("  injects:")[0] == before.split("  injects:")[0]
    assert text.split("  decisions:")[1] == before.split("  decisions:")[1]


def sheet_with(tmp_path: Path, rows: list[list[object]], header: list[str] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "MSEL"
    ws.append(header or ["Sequence", "Scenario time", "Event", "To", "Id", "Condition", "Expected action", "Message"])
    for r in rows:
        ws.append(r)
    path = tmp_path / "in.xlsx"
    wb.save(path)
    return path


def test_bad_rows_are_named_by_line_and_column(scenario_copy, tmp_path):
    sheet = sheet_with(tmp_path, [
        [1, "08:10", "Fine inject", "all", "fine", None, None, "ok"],
        [2, "25:99", "Bad time", "all", "bad-time", None, None, ""],
        [3, None, "", "all", "no-title", None, None, ""],
        [4, None, "No time", "all", "no-time", None, None, ""],
        [5, None, "Odd condition", "all", "odd", "sometime soon", None, ""],
        [6, "09:00", "Bad id", "all", "Bad Id!", None, None, ""],
        [7, "09:00", "Unknown expectation", "all", "unknown-exp", None, "Do it [no-such-action]", ""],
    ])
    result = run("drill", "import-msel", str(sheet), "--into", str(scenario_copy))
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert any("in.xlsx line 3: time:" in ln for ln in lines)
    assert any("line 4: event: every inject needs its Event" in ln for ln in lines)
    assert any("line 5: time: give the Scenario time" in ln for ln in lines)
    assert any("line 6: condition: write the condition" in ln for ln in lines)
    assert any("line 7: id: an id is lower-case" in ln for ln in lines)
    assert "Traceback" not in result.output
    assert "fine" not in scenario_copy.read_text(encoding="utf-8")  # nothing was written
    # With the rows fixed, an unknown expected action is named too.
    sheet = sheet_with(tmp_path, [[7, "09:00", "Unknown expectation", "all", "unknown-exp", None, "Do it [no-such-action]", ""]])
    result = run("drill", "import-msel", str(sheet), "--into", str(scenario_copy))
    assert result.exit_code == 2 and "line 2: expected: the scenario has no expected action 'no-such-action'" in result.output


def test_a_condition_in_words_reads_back_and_a_bad_milestone_is_named(scenario_copy, tmp_path):
    sheet = sheet_with(tmp_path, [
        [1, None, "After staff mode", "kommunikatör", "after-staff", "when readiness:stabslage:start + 30min", None, "m"],
        [2, None, "Unless staff mode", "all", "unless", "if readiness:stabslage:start is not reached by 08:00 + 15min", None, ""],
    ])
    result = run("drill", "import-msel", str(sheet), "--into", str(scenario_copy))
    assert result.exit_code == 0, result.output
    injects = {i.id: i for i in load_scenario(scenario_copy).exercise.injects}
    assert injects["after-staff"].when.delay == 0.5 and injects["unless"].when.reached is False
    assert injects["unless"].when.by.text == "08:00"
    sheet = sheet_with(tmp_path, [[1, None, "Never", "all", "never", "when readiness:stabslaeg:start", None, ""]])
    result = run("drill", "import-msel", str(sheet), "--into", str(scenario_copy))
    assert result.exit_code == 2 and "in.xlsx line 2: when.milestone" in result.output


def test_a_formula_is_taken_as_its_text_and_never_run(scenario_copy, tmp_path):
    sheet = sheet_with(tmp_path, [[1, "08:10", "=HYPERLINK(\"http://example.org\")", "all", "f", None, None, "=1+1"]])
    result = run("drill", "import-msel", str(sheet), "--into", str(scenario_copy))
    assert result.exit_code == 0, result.output
    assert "a formula: its text is taken as written" in result.output
    inj = next(i for i in load_scenario(scenario_copy).exercise.injects if i.id == "f")
    assert inj.title == 'HYPERLINK("http://example.org")' and inj.message == "1+1"


@pytest.mark.parametrize("what", ["not a zip", "empty zip", "big file", "bomb", "too many rows", "no event column",
                                  "long cell", "empty sheet"])
def test_hostile_spreadsheets_are_refused_with_a_message(scenario_copy, tmp_path, what):
    path = tmp_path / "hostile.xlsx"
    if what == "not a zip":
        path.write_text("Sequence,Event\n1,x\n", encoding="utf-8")
    elif what == "empty zip":
        with zipfile.ZipFile(path, "w"):
            pass
    elif what == "big file":
        path.write_bytes(b"PK" + b"\0" * (6 * 1024 * 1024))
    elif what == "bomb":
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (60 * 1024 * 1024) + b"</a>")
    elif what == "too many rows":
        path = sheet_with(tmp_path, [[k, "08:10", f"Row {k}", "all", f"r{k}", None, None, ""] for k in range(MAX_ROWS + 5)])
    elif what == "no event column":
        path = sheet_with(tmp_path, [[1, "x"]], header=["Number", "Thing"])
    elif what == "long cell":
        path = sheet_with(tmp_path, [[1, "08:10", "Long", "all", "long", None, None, "x" * 5000]])
    else:
        wb = Workbook()
        wb.save(path)
    result = run("drill", "import-msel", str(path), "--into", str(scenario_copy))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and str(path) in result.output
    with pytest.raises(MselImportError):
        import_into(path, scenario_copy)


def test_reading_needs_no_scenario_and_skips_decision_rows(sormland, tmp_path):
    path = tmp_path / "m.xlsx"
    path.write_bytes(msel_xlsx(sormland))
    rows = read_msel(path)
    assert len(rows.injects) == len(sormland.exercise.injects)
    assert len(rows.skipped) == len(sormland.exercise.decisions)
