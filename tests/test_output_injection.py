"""User text never becomes markup, a link, an image or a formula where it is shown or exported:
the app's markdown, the after-action report in Markdown, and CSV and xlsx exports."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from sim.drill.msel import COLUMNS as MSEL_COLUMNS
from sim.drill.msel import msel_csv, msel_xlsx
from sim.experiments.sweep import write_table
from sim.reports import kpi_csv, kpi_xlsx
from sim.reports.escape import markdown_cell
from sim.reports.spreadsheet import csv_text, xlsx_bytes
from sim.scenario import load_scenario_text

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
KRONOBERG = ROOT / "scenarios" / "kronoberg-2018.yaml"

LINK = "[click me](http://evil.example/steal)"
IMAGE = "![x](https://evil.example/pixel.png)"
TAG = "<img src=x onerror=alert(1)>"
FORMULAS = ['=HYPERLINK("http://evil.example","open")', "+1+2", "-2+3", "@SUM(A1:A2)"]


def unsafe_markdown(text: str) -> list[str]:
    """What would render as a link, an image, an autolink or a tag in Markdown."""
    found = re.findall(r"(?<!\\)\]\((?!\\)", text)  # ](  not escaped
    found += re.findall(r"<\s*(?:img|a|script|iframe)\b", text, re.I)
    found += re.findall(r"(?<!\\)https?://", text)
    return found


def hostile_scenario_text() -> str:
    text = KRONOBERG.read_text(encoding="utf-8")
    text = re.sub(r"^title: .*$", f'title: "{LINK} {TAG}"', text, count=1, flags=re.M)
    text = re.sub(r"^description: >\n", f'description: "{IMAGE} and {LINK}"\nx_description: >\n', text, count=1, flags=re.M)
    text = text.replace("x_description: >\n", "", 1)
    # The folded description's lines now follow a plain value; drop them.
    lines, out, skipping = text.splitlines(), [], False
    for line in lines:
        if line.startswith("description:"):
            out.append(line)
            skipping = True
            continue
        if skipping and line.startswith("  "):
            continue
        skipping = False
        out.append(line)
    return "\n".join(out) + "\n"


def hostile_drill_text() -> str:
    """A scenario with an inject and a decision whose texts are formulas, links and tags."""
    text = KRONOBERG.read_text(encoding="utf-8")
    exercise = f"""exercise:
  injects:
    - id: hostile
      at: "08:00"
      title: '{FORMULAS[0]}'
      message: "{FORMULAS[3]} {LINK} {TAG}"
  decisions:
    - id: pick
      at: "09:00"
      question: "{FORMULAS[1]}"
      default: a
      options:
        - {{id: a, label: "{FORMULAS[2]}"}}
        - {{id: b, label: "{LINK}"}}
"""
    return re.sub(r"^exercise:\n(?:  .*\n|\n)*", exercise, text, flags=re.M) if "\nexercise:" in text \
        else text + exercise


# --------------------------------------------------------------------------- spreadsheets


def test_csv_cells_that_would_run_as_formulas_start_with_an_apostrophe():
    rows = [{"text": f, "number": -2.5} for f in FORMULAS]
    parsed = list(csv.DictReader(io.StringIO(csv_text(rows, ["text", "number"]))))
    assert [r["text"] for r in parsed] == ["'" + f for f in FORMULAS]
    assert [r["number"] for r in parsed] == ["-2.5"] * len(FORMULAS)  # numbers stay numbers


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_xlsx_cells_are_text_never_formulas():
    from openpyxl import load_workbook

    rows = [{"text": f, "number": -2.5} for f in FORMULAS]
    data = xlsx_bytes(rows, ["text", "number"], "Sheet: [one]")
    assert "<f>" not in _sheet_xml(data)
    ws = load_workbook(io.BytesIO(data)).active
    cells = list(ws.iter_rows(min_row=2, values_only=False))
    assert [c[0].value for c in cells] == FORMULAS  # exactly as written
    assert all(c[0].data_type == "s" and c[0].quotePrefix for c in cells)
    assert all(c[1].value == -2.5 and c[1].data_type == "n" for c in cells)


def test_the_msel_neutralises_user_text_in_csv_and_xlsx():
    from openpyxl import load_workbook

    scenario = load_scenario_text(hostile_drill_text(), "hostile.yaml", base_dir=KRONOBERG.parent)
    rows = list(csv.DictReader(io.StringIO(msel_csv(scenario))))
    cells = [v for r in rows for v in r.values() if v]
    assert not [v for v in cells if v.startswith(("=", "+", "-", "@"))], cells
    assert "'" + FORMULAS[0] in cells
    data = msel_xlsx(scenario)
    assert "<f>" not in _sheet_xml(data)
    ws = load_workbook(io.BytesIO(data)).active
    assert tuple(c.value for c in ws[1]) == MSEL_COLUMNS
    texts = [c.value for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert FORMULAS[0] in texts


def test_the_kpi_table_as_csv_and_xlsx_keeps_its_numbers():
    from openpyxl import load_workbook

    summary = {"strategies": {"baseline": {"kpis": {"cancelled_planned": {
        "mean": 12.5, "ci95": [10.0, 15.0], "p10": 9.0, "p50": 12.0, "p90": 16.0}}}}}
    rows = list(csv.DictReader(io.StringIO(kpi_csv(summary))))
    assert rows[0]["mean"] == "12.5" and rows[0]["reached"] == ""
    ws = load_workbook(io.BytesIO(kpi_xlsx(summary))).active
    header = [c.value for c in ws[1]]
    assert ws.cell(row=2, column=header.index("mean") + 1).value == 12.5


def test_a_sweep_table_neutralises_text(tmp_path):
    (path,) = [p for p in write_table([{"point": "=1+1", "value": 2.0}], tmp_path / "sweep") if p.suffix == ".csv"]
    assert next(csv.DictReader(path.open()))["point"] == "'=1+1"


# --------------------------------------------------------------------------- Markdown


@pytest.mark.parametrize("text", [LINK, IMAGE, TAG, "see www.evil.example", "**bold** `code` | cell", "a@b.example"])
def test_a_markdown_cell_is_literal(text):
    cell = markdown_cell(text)
    assert not unsafe_markdown(cell)
    assert "|" not in cell.replace("\\|", "")
    assert not re.search(r"(?<!\\)[*`\[]", cell)


def test_a_markdown_cell_keeps_dates_and_plain_words():
    assert markdown_cell("Due 2023-03-01, 14:00. Staff mode came late") == "Due 2023-03-01, 14:00. Staff mode came late"


def test_the_after_action_report_in_markdown_escapes_user_text():
    from sim.drill.report import build_report, markdown
    from sim.drill.session import Drill, Improvement

    scenario = load_scenario_text(hostile_drill_text(), "hostile.yaml", base_dir=KRONOBERG.parent)
    drill = Drill.new(scenario, seed=0).with_improvements([Improvement(LINK, TAG, IMAGE, "2023-03-01")])
    text = markdown(build_report(drill, title=f"{LINK} {TAG}", team=IMAGE, n=2))
    assert not unsafe_markdown(text), unsafe_markdown(text)
    assert "2023-03-01" in text


# --------------------------------------------------------------------------- the app


def _shown(at: AppTest) -> str:
    kinds = (at.markdown, at.caption, at.subheader, at.success, at.error, at.warning, at.info, at.title)
    return "\n".join(str(e.value) for elements in kinds for e in elements)


def test_the_app_shows_scenario_text_and_file_names_literally():
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.radio[0].set_value("upload").run()
    name = "[x](http://evil.example).yaml"
    at.file_uploader[0].set_value((name, hostile_scenario_text().encode(), "application/x-yaml")).run()
    assert not at.exception, at.exception
    shown = _shown(at)
    assert "click me" in shown and "evil" in shown and "pixel" in shown  # shown, as text
    assert not unsafe_markdown(shown), unsafe_markdown(shown)
    at.switch_page("ui/pages/run.py").run()
    assert not at.exception
    assert not unsafe_markdown(_shown(at))


def test_the_app_shows_a_problem_that_echoes_a_value_literally():
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.radio[0].set_value("upload").run()
    text = KRONOBERG.read_text(encoding="utf-8").replace("horizon: 6d", f'horizon: "{IMAGE}"', 1)
    at.file_uploader[0].set_value(("bad.yaml", text.encode(), "application/x-yaml")).run()
    assert not at.exception, at.exception
    shown = _shown(at)
    assert "pixel" in shown and "horizon" in shown
    assert not unsafe_markdown(shown), unsafe_markdown(shown)
