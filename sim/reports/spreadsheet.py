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
from dataclasses import dataclass
from datetime import datetime
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


@dataclass(frozen=True)
class Sheet:
    """A sheet of plain rows (no header) after a workbook's first one: notes on the table."""

    title: str
    rows: Sequence[Sequence[Any]]
    widths: Sequence[float] = ()


def xlsx_bytes(
    rows: Iterable[dict[str, Any]],
    columns: Sequence[str],
    sheet: str,
    *,
    widths: Sequence[float] = (),
    wrap: bool = False,
    notes: Sequence[Sheet] = (),
) -> bytes:
    """An xlsx workbook: a sheet with a bold header row, then the rows (text cells are string
    cells with the quote prefix, never formulas; a datetime is a date cell), then the `notes`
    sheets. `widths` are the columns' widths in characters; `wrap` wraps the rows' text."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]

    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(sheet)
    for col, name in enumerate(columns, start=1):
        _text_cell(ws.cell(row=1, column=col), name).font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for col, name in enumerate(columns, start=1):
            cell = _value_cell(ws.cell(row=r, column=col), row.get(name))
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    _widths(ws, widths)
    for extra in notes:
        other = wb.create_sheet(_sheet_title(extra.title))
        for r, values in enumerate(extra.rows, start=1):
            for col, value in enumerate(values, start=1):
                _value_cell(other.cell(row=r, column=col), value)
        _widths(other, extra.widths)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _value_cell(cell: Any, value: Any) -> Any:
    """A number as a number, a datetime as a date cell, anything else as text."""
    if isinstance(value, datetime):
        cell.value = value
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, bool) or not isinstance(value, int | float):
        if value is not None:
            _text_cell(cell, str(value))
    elif math.isfinite(value):
        cell.value = value
    return cell


def _widths(ws: Any, widths: Sequence[float]) -> None:
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _text_cell(cell: Any, text: str) -> Any:
    cell.value = text
    cell.data_type = "s"  # openpyxl makes any text starting with "=" a formula otherwise
    if text.startswith(("=", "+", "-", "@")):
        cell.quotePrefix = True
    return cell


def _sheet_title(name: str) -> str:
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in name).strip("' ")
    return cleaned[:SHEET_TITLE_CHARS] or "Sheet"
