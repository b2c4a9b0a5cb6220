"""Back tests: the shipped incidents and the large region give exactly the saved numbers.

A refactor must keep them bit for bit; a change of the model's rules regenerates them with
`python tests/golden_numbers.py` and lists the change in CHANGELOG.md."""

from __future__ import annotations

import json

import pytest
from golden_numbers import DRILL_LOGS, SCENARIOS, golden, golden_drill, path_for


@pytest.mark.parametrize("name", SCENARIOS)
def test_numbers_are_the_saved_ones(name: str) -> None:
    expected = json.loads(path_for(name).read_text())
    actual = json.loads(json.dumps(golden(name), sort_keys=True))
    assert actual["strategies"].keys() == expected["strategies"].keys()
    for sid, reps in expected["strategies"].items():
        for k, (want, got) in enumerate(zip(reps, actual["strategies"][sid], strict=True)):
            for part in ("kpis", "milestones"):
                assert got[part] == want[part], f"{name} {sid} replication {k}: {part} changed"


@pytest.mark.parametrize("name", DRILL_LOGS)
def test_drill_logs_play_to_the_saved_numbers(name: str) -> None:
    expected = json.loads(path_for(f"drill-{name}").read_text())
    actual = json.loads(json.dumps(golden_drill(name), sort_keys=True))
    assert actual == expected
