"""The scenario's injects and decision points as a master scenario events list (MSEL, the
drejbok) in CSV or xlsx, for printed drills: one row per inject or decision point, in time order where
the time is set, conditional ones after."""

from __future__ import annotations

from ..reports.spreadsheet import csv_text, xlsx_bytes
from ..scenario.model import Scenario
from .session import condition_text

COLUMNS = (
    "No",
    "Type",
    "Id",
    "Time",
    "Condition",
    "To",
    "Title or question",
    "Message or options",
    "Default option",
    "Facilitator note",
)


def msel_rows(scenario: Scenario) -> list[dict[str, str]]:
    items = []
    for inj in scenario.exercise.injects:
        t = scenario.hours(inj.at) if inj.at is not None else None
        items.append((
            t,
            {
                "Type": "inject",
                "Id": inj.id,
                "Time": _time(scenario, t),
                "Condition": "" if inj.when is None else condition_text(scenario, inj.when),
                "To": ", ".join(inj.to),
                "Title or question": inj.title.strip(),
                "Message or options": inj.message.strip(),
                "Default option": "",
                "Facilitator note": inj.facilitator_note.strip(),
            },
        ))
    for dp in scenario.exercise.decisions:
        t = scenario.hours(dp.at) if dp.at is not None else None
        options = "\n".join(
            f"{o.id}: {o.label}" + (f" ({o.description.strip()})" if o.description.strip() else "")
            for o in dp.options
        )
        items.append((
            t,
            {
                "Type": "decision",
                "Id": dp.id,
                "Time": _time(scenario, t),
                "Condition": "" if dp.when is None else condition_text(scenario, dp.when),
                "To": ", ".join(dp.roles),
                "Title or question": dp.question.strip(),
                "Message or options": options,
                "Default option": dp.default,
                "Facilitator note": "",
            },
        ))
    items.sort(key=lambda it: (it[0] is None, it[0] or 0.0))
    rows = []
    for n, (_t, row) in enumerate(items, start=1):
        rows.append({"No": str(n), **row})
    return rows


def _time(scenario: Scenario, t: float | None) -> str:
    if t is None:
        return ""
    from datetime import timedelta

    return f"{scenario.start + timedelta(hours=t):%Y-%m-%d %H:%M}"


def msel_csv(scenario: Scenario) -> str:
    """The MSEL as CSV text (comma-separated, quoted where needed; text that a spreadsheet would
    run as a formula starts with an apostrophe)."""
    return csv_text(msel_rows(scenario), COLUMNS)


def msel_bytes(scenario: Scenario) -> bytes:
    """The MSEL as UTF-8 with a byte-order mark, so that spreadsheet programs read å, ä and ö."""
    return msel_csv(scenario).encode("utf-8-sig")


def msel_xlsx(scenario: Scenario) -> bytes:
    """The MSEL as an xlsx workbook (every text cell kept as text), by the writer every
    spreadsheet uses; sim.drill.msel_formats writes the HSEEP columns with it."""
    return xlsx_bytes(msel_rows(scenario), COLUMNS, "MSEL")
