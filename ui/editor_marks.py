"""The scenario editor's marks: each problem of the file in the gutter beside its line, and its
line highlighted in the text, so the error list and the text point at the same place."""

from __future__ import annotations

from typing import Any

from ui.state import ScenarioChoice


def annotations(choice: ScenarioChoice) -> list[dict[str, Any]]:
    """Each problem of the file in the editor's gutter, on its line (ace counts rows from 0)."""
    return [
        {"row": p.line - 1, "column": 0, "type": "error", "text": f"{p.path or '-'}: {p.message}"}
        for p in choice.problems if p.line and p.file == choice.name
    ]


def markers(choice: ScenarioChoice) -> list[dict[str, Any]]:
    """Each problem's line highlighted in the text (ace's own step-line style)."""
    rows = sorted({p.line - 1 for p in choice.problems if p.line and p.file == choice.name})
    return [{"startRow": r, "startCol": 0, "endRow": r, "endCol": 1, "className": "ace_step", "type": "fullLine"}
            for r in rows]
