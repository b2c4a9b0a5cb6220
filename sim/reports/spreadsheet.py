"""Tables for spreadsheet programs, as CSV and as xlsx, with every text cell kept as text.

Text in these tables can come from a scenario file or a drill (inject titles, messages, option
labels); a cell that starts with `=`, `+`, `-` or `@` would run as a formula in Excel or
LibreOffice (and could fetch from other hosts). In CSV such a cell gets a leading apostrophe
(`escape.spreadsheet_cell`); in xlsx it is written as a string cell marked as text (quote
prefix), so the workbook holds no formula at all and the text reads exactly as written.
Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

from .escape import spreadsheet_cell

SHEET_TITLE_CHARS = 31
"""The longest sheet name a workbook allows."""


def csv_text(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """Comma-separated, a header row, empty cells for missing values, text neutralised."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(row.get(k)) for k in columns})
    return out.getvalue()


def _csv_cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return spreadsheet_cell(value)


def xlsx_bytes(rows: Iterable[dict[str, Any]], columns: Sequence[str], sheet: str) -> bytes:
    """An xlsx workbook of one sheet: a bold header row, then the rows; text cells are string
    cells with the quote prefix, never formulas."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(sheet)
    for col, name in enumerate(columns, start=1):
        _text_cell(ws.cell(row=1, column=col), name).font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for col, name in enumerate(columns, start=1):
            value = row.get(name)
            cell = ws.cell(row=r, column=col)
            if isinstance(value, bool) or not isinstance(value, int | float):
                if value is not None:
                    _text_cell(cell, str(value))
            elif math.isfinite(value):
                cell.value = value
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _text_cell(cell: Any, text: str) -> Any:
    cell.value = text
    cell.data_type = "s"  # openpyxl makes any text starting with "=" a formula otherwise
    if text.startswith(("=", "+", "-", "@")):
        cell.quotePrefix = True
    return cell


def _sheet_title(name: str) -> str:
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in name).strip("' ")
    return cleaned[:SHEET_TITLE_CHARS] or "Sheet"
