"""The master scenario events list (MSEL, the drejbok) in the formats other exercise tools read:

- a spreadsheet (xlsx, written with openpyxl) with the HSEEP columns first (sequence, scenario
  time, event, from, to, method, expected action, objective, notes) and the simulator's own after
  them (message, type, id, condition, options), which `sim drill import-msel` reads back;
- OpenBAS scenario JSON (`export_version`, `scenario_information`, `scenario_teams`,
  `scenario_objectives`, `scenario_injects` with manual injects and their `expectations`);
- MISP's Common Exercise Format, CEXF (`exercise`, `inject_flow`, `inject_payloads`, `injects`).

OpenBAS and CEXF have no conditions on a timeline: a conditional inject is placed where it comes
on the scenario's own course (its policies and defaults, replication 0 of seed 0), and its
condition is written in its description. Every user text in a spreadsheet cell is neutralised so
no spreadsheet program runs it as a formula.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..reports.escape import spreadsheet_cell
from ..reports.spreadsheet import Sheet, xlsx_bytes
from ..scenario.model import Scenario
from .session import condition_text, default_start_h

FORMATS = ("csv", "xlsx", "openbas", "cexf")
HSEEP_COLUMNS = (
    "Sequence", "Scenario time", "Event", "From", "To", "Method", "Expected action", "Objective", "Notes",
)
"""The columns of an HSEEP master scenario events list, in order."""
OWN_COLUMNS = ("Message", "Type", "Id", "Condition", "Options")
"""The simulator's columns after the HSEEP ones, for reading the list back."""
XLSX_COLUMNS = HSEEP_COLUMNS + OWN_COLUMNS
XLSX_WIDTHS = (9, 17, 40, 26, 24, 14, 40, 40, 40, 60, 14, 18, 36, 40)
"""Each column's width in the spreadsheet, in characters."""
SHEET = "MSEL"
CONTROL = "Exercise control (motspel)"
NAMESPACE = uuid.UUID("3f1c6a52-2b7e-4f0a-9d55-0e6f3c1d2a90")
"""Ids in the JSON formats are UUIDs derived from the scenario's and the item's ids, so the same
scenario always exports the same ids."""
OPENBAS_MANUAL_CONTRACT = "d02e9132-b9d0-4daa-b3b1-4b9871f8472c"
"""OpenBAS's injector contract for a manual inject (a message the animation team delivers)."""


@dataclass(frozen=True)
class MselItem:
    """One row of the list: an inject or a decision point."""

    kind: str  # inject | decision
    id: str
    title: str
    message: str
    sender: str
    to: list[str]
    method: str
    expected: list[tuple[str, str, int | None]]  # (id, description, objective number)
    notes: str
    at_h: float | None  # a set time
    condition: str  # in words, for a conditional one
    course_h: float | None  # when it comes on the scenario's own course
    options: list[tuple[str, str]] = field(default_factory=list)  # decision points: (id, label)
    default: str = ""


def items(scenario: Scenario) -> list[MselItem]:
    """Every inject and decision point, those with a set time first in time order, the
    conditional ones after them in the order they come on the scenario's own course."""
    course = _course(scenario)
    expected = {e.id: e for e in scenario.exercise.expected_actions}
    out = []
    for inj in scenario.exercise.injects:
        at = scenario.hours(inj.at) if inj.at is not None else None
        out.append(MselItem(
            "inject", inj.id, inj.title.strip(), inj.message.strip(), inj.sender.strip(), list(inj.to),
            inj.method.strip(),
            [(e, expected[e].description.strip(), expected[e].objective) for e in inj.expects if e in expected],
            inj.facilitator_note.strip(), at, "" if inj.when is None else condition_text(scenario, inj.when),
            at if at is not None else course.get(f"inject:{inj.id}"),
        ))
    for dp in scenario.exercise.decisions:
        at = scenario.hours(dp.at) if dp.at is not None else None
        out.append(MselItem(
            "decision", dp.id, " ".join(dp.question.split()), "", "", list(dp.roles), "",
            [], f"Default in batch runs: {dp.default}", at,
            "" if dp.when is None else condition_text(scenario, dp.when),
            at if at is not None else course.get(f"decision:{dp.id}"),
            [(o.id, o.label) for o in dp.options], dp.default,
        ))
    out.sort(key=lambda i: (i.at_h is None, i.at_h if i.at_h is not None else 0.0,
                            i.course_h is None, i.course_h or 0.0))
    return out


def _course(scenario: Scenario) -> dict[str, float]:
    """When each inject and decision point comes on the scenario's own course."""
    from ..engine import replication_seed, simulate

    rep = simulate(scenario, replication_seed(0, 0))
    out = {f"inject:{i}": t for t, i in rep.injects}
    out.update({f"decision:{d}": t for t, d, _o in rep.decisions})
    return out


def _when(scenario: Scenario, t_h: float | None) -> datetime | None:
    return None if t_h is None else scenario.start + timedelta(hours=t_h)


def _expected_text(item: MselItem) -> str:
    if item.kind == "decision":
        return "Choose one: " + "; ".join(f"{label} [{oid}]" for oid, label in item.options)
    return "\n".join(f"{text} [{eid}]" for eid, text, _o in item.expected)


def _objective_text(scenario: Scenario, item: MselItem) -> str:
    numbers = sorted({o for _e, _t, o in item.expected if o is not None})
    objectives = scenario.exercise.objectives
    return "\n".join(f"{n}. {objectives[n - 1].strip()}" for n in numbers if n <= len(objectives))


# --------------------------------------------------------------------------- xlsx


def msel_xlsx(scenario: Scenario) -> bytes:
    """The list as an xlsx workbook: the sheet MSEL with a header row, one row per item, and a
    sheet About with the scenario and what the columns mean. Text is neutralised as in the CSV
    (a leading apostrophe before what a spreadsheet would run), which import-msel takes off."""
    rows = []
    for n, item in enumerate(items(scenario), start=1):
        values = [
            n, _when(scenario, item.at_h), item.title, item.sender or CONTROL, ", ".join(item.to), item.method,
            _expected_text(item), _objective_text(scenario, item), item.notes,
            item.message, "decision point" if item.kind == "decision" else "inject", item.id, item.condition,
            "\n".join(f"{oid}: {label}" for oid, label in item.options),
        ]
        rows.append(dict(zip(XLSX_COLUMNS, (spreadsheet_cell(v) for v in values), strict=True)))
    about = Sheet("About", [[spreadsheet_cell(v) for v in line] for line in (
        ("Scenario", scenario.title), ("Scenario file name", scenario.name),
        ("Start of the simulated period", f"{scenario.start:%Y-%m-%d %H:%M}"),
        ("Rows", "Injects and decision points; those with a set time first, in time order."),
        ("Condition", "A conditional inject comes when its condition holds on the played timeline."),
        ("Reading it back", "sim drill import-msel FILE.xlsx --into SCENARIO.yaml reads the inject rows "
                            "back into the scenario's injects (decision points are kept as they are)."),
    )], (30, 100))
    return xlsx_bytes(rows, XLSX_COLUMNS, SHEET, widths=XLSX_WIDTHS, wrap=True, notes=[about])


# --------------------------------------------------------------------------- OpenBAS


def _uuid(scenario: Scenario, *parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join((scenario.name, *parts))))


def msel_openbas(scenario: Scenario) -> dict[str, Any]:
    """The list as an OpenBAS scenario export (format version 1): every role a team, every
    objective an objective, every inject and decision point a manual inject with its
    expectations, timed from the drill's usual start."""
    ex = scenario.exercise
    start = default_start_h(scenario)
    roles = list(dict.fromkeys([*ex.roles, *(r for i in ex.injects for r in i.to if r != "all"),
                                *(r for d in ex.decisions for r in d.roles if r != "all")]))
    team_ids = {role: _uuid(scenario, "team", role) for role in roles}
    objectives = [
        {"objective_id": _uuid(scenario, "objective", str(n)), "objective_title": text.strip()[:255],
         "objective_description": text.strip(), "objective_priority": n}
        for n, text in enumerate(ex.objectives, start=1)
    ]
    injects = []
    for item in items(scenario):
        at = item.course_h if item.course_h is not None else start
        description = item.message or item.title
        if item.condition:
            description += f"\n\nCondition: {item.condition} (placed where it comes on the scenario's own course)."
        if item.kind == "decision":
            description += "\n\nOptions: " + "; ".join(label for _o, label in item.options)
        teams = [team_ids[r] for r in item.to if r in team_ids]
        expectations = [
            {"expectation_type": "MANUAL", "expectation_name": text[:255], "expectation_description": text,
             "expectation_score": 100, "expectation_expectation_group": False}
            for _e, text, _o in item.expected
        ]
        if item.kind == "decision":
            expectations.append({
                "expectation_type": "MANUAL", "expectation_name": f"Decision: {item.title}"[:255],
                "expectation_description": "The team chooses one of: " + "; ".join(label for _o, label in item.options),
                "expectation_score": 100, "expectation_expectation_group": False,
            })
        injects.append({
            "inject_id": _uuid(scenario, item.kind, item.id),
            "inject_title": item.title[:255],
            "inject_description": description,
            "inject_country": None,
            "inject_city": None,
            "inject_injector_contract": {"injector_contract_id": OPENBAS_MANUAL_CONTRACT},
            "inject_content": {"content": description, "expectations": expectations},
            "inject_depends_on": None,
            "inject_depends_duration": max(0, round((at - start) * 3600)),
            "inject_all_teams": "all" in item.to or not teams,
            "inject_teams": teams,
            "inject_tags": [],
            "inject_documents": [],
        })
    return {
        "export_version": 1,
        "scenario_information": {
            "scenario_id": _uuid(scenario, "scenario"),
            "scenario_name": scenario.title,
            "scenario_description": scenario.description.strip(),
            "scenario_subtitle": scenario.name,
            "scenario_category": "tabletop-exercise",
            "scenario_main_focus": "incident-response",
            "scenario_severity": "high",
            "scenario_message_header": "SIMULATION",
            "scenario_message_footer": "SIMULATION",
            "scenario_mail_from": "exercise-control@example.org",
            "scenario_tags": [],
            "scenario_documents": [],
        },
        "scenario_teams": [
            {"team_id": tid, "team_name": role, "team_description": f"Role in the room: {role}",
             "team_tags": [], "team_users": [], "team_organization": None}
            for role, tid in team_ids.items()
        ],
        "scenario_objectives": objectives,
        "scenario_users": [],
        "scenario_organizations": [],
        "scenario_tags": [],
        "scenario_documents": [],
        "scenario_injects": injects,
    }


# --------------------------------------------------------------------------- CEXF


def msel_cexf(scenario: Scenario) -> dict[str, Any]:
    """The list in MISP's Common Exercise Format: the exercise's metadata, the flow of injects in
    time order (each followed by the next), one text payload per inject, and the injects with
    their evaluation (the expected actions, scored 0 to 10)."""
    listed = items(scenario)
    start = default_start_h(scenario)
    ids = [_uuid(scenario, i.kind, i.id) for i in listed]
    payload_ids = [_uuid(scenario, "payload", i.kind, i.id) for i in listed]
    last = max([i.course_h for i in listed if i.course_h is not None] or [start])
    duration_s = max(3600, round((last - start + 1) * 3600))
    flow, payloads, injects = [], [], []
    for k, (item, iid, pid) in enumerate(zip(listed, ids, payload_ids, strict=True)):
        when = _when(scenario, item.course_h)
        flow.append({
            "description": (f"{item.kind}: {item.title}" + (f" ({item.condition})" if item.condition else "")),
            "inject_uuid": iid,
            "reporting_callback": [],
            "requirements": {},
            "sequence": {
                "completion_trigger": ["time_expiration", "completion"],
                "followed_by": [ids[k + 1]] if k + 1 < len(ids) else [],
                "trigger": ["startex"] if k == 0 else ["time_expiration"],
            },
            "timing": {"triggered_at": None, "scenario_time": None if when is None else when.isoformat(timespec="minutes")},
        })
        text = item.message or item.title
        if item.kind == "decision":
            text += "\n\nOptions:\n" + "\n".join(f"- {label}" for _o, label in item.options)
        payloads.append({
            "name": f"{item.kind}-{item.id}",
            "parameters": {"content": base64.b64encode(text.encode("utf-8")).decode("ascii"),
                           "content-type": "base64", "filename": f"{item.id}.txt"},
            "type": "file",
            "uuid": pid,
        })
        evaluation = [
            {"parameters": [{"expected_action": {"comparison": "done", "values": [eid]}}], "result": desc,
             "score_range": [0, 10]}
            for eid, desc, _o in item.expected
        ]
        if item.kind == "decision":
            evaluation.append({"parameters": [{"decision": {"comparison": "one of", "values": [o for o, _l in item.options]}}],
                               "result": f"Decision taken: {item.title}", "score_range": [0, 10]})
        injects.append({
            "action": "message_to_participants",
            "action_payload_resource_uuid": pid,
            "inject_evaluation": evaluation,
            "name": item.title,
            "target_tool": "tabletop",
            "uuid": iid,
        })
    return {
        "exercise": {
            "description": scenario.title,
            "expanded": scenario.description.strip() or scenario.title,
            "meta": {"author": "outage-drill-sim", "level": "intermediate", "scenario": scenario.name,
                     "roles": ", ".join(scenario.exercise.roles)},
            "name": scenario.title,
            "namespace": "healthcare-it-outage",
            "tags": ['exercise:software-scope="outage-drill-sim"', "exercise:type=\"tabletop\""],
            "total_duration": str(duration_s),
            "uuid": _uuid(scenario, "exercise"),
            "version": f"{scenario.start:%Y%m%d}",
        },
        "inject_flow": flow,
        "inject_payloads": payloads,
        "injects": injects,
    }


def msel_bytes_as(scenario: Scenario, fmt: str) -> bytes:
    """The list in `fmt` (csv, xlsx, openbas or cexf) as the bytes of a file."""
    from .msel import msel_bytes

    if fmt == "csv":
        return msel_bytes(scenario)
    if fmt == "xlsx":
        return msel_xlsx(scenario)
    if fmt == "openbas":
        return json.dumps(msel_openbas(scenario), ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "cexf":
        return json.dumps(msel_cexf(scenario), ensure_ascii=False, indent=2).encode("utf-8")
    raise ValueError(f"unknown MSEL format {fmt!r} (formats: {', '.join(FORMATS)})")


def format_for(path_name: str, given: str | None) -> str:
    """The format asked for, or the one a file name's ending implies (.xlsx, .csv; .json needs
    --msel-format)."""
    if given is not None:
        return given
    low = path_name.lower()
    if low.endswith(".xlsx"):
        return "xlsx"
    return "csv"
