"""One vocabulary: every milestone, series and KPI name the code writes or looks up is one that
sim/vocabulary.py holds, and the engine writes nothing else."""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim import vocabulary as v
from sim.engine import simulate
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.glob("sim/**/*.py"), *ROOT.glob("ui/**/*.py"), ROOT / "app.py"])

K, S, M = "kpi", "series", "milestone"
CALLS: dict[str, dict[int | str, str]] = {
    "kpi": {0: K}, "kpi_label": {0: K}, "kpi_columns": {i: K for i in range(8)},
    "series": {0: S}, "series_key": {0: S}, "series_of": {1: S}, "situation_figure": {1: S},
    "kinds_of": {1: S}, "cancelled_over_time": {2: S, "metric": S}, "backlog_burndown": {2: S, "metric": S},
    "_strategy_bands": {2: S, 4: M}, "focus_window": {1: M, "until": M},
    "milestone": {0: M}, "reach": {0: M}, "milestone_event": {0: M}, "_spell_medians": {1: M, 2: M},
    "Expected": {0: M},
}
"""Calls that take a registry name, and which of their arguments (position or keyword) it is."""
PLACEHOLDER = "x"


def template(node: ast.expr) -> str | None:
    """A string constant, or an f-string with each hole as a placeholder id; None otherwise (or
    where the f-string starts with a hole, so the name itself is not written here)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return "".join(str(p.value) if isinstance(p, ast.Constant) else PLACEHOLDER for p in node.values)
    return None


def call_name(node: ast.Call) -> str | None:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


def subscripted(node: ast.AST) -> tuple[str, ast.expr] | None:
    """(container, key) for `x.kpis[KEY]`, `x.kpis.get(KEY)`, `x["kpis"][KEY]` and the same for
    series and milestones."""
    if isinstance(node, ast.Subscript):
        base, key = node.value, node.slice
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
        base, key = node.func.value, node.args[0]
    else:
        return None
    if isinstance(base, ast.Attribute):
        return base.attr, key
    if isinstance(base, ast.Subscript) and isinstance(base.slice, ast.Constant):
        return str(base.slice.value), key
    return None


def uses(path: Path) -> Iterator[tuple[str, str, int]]:
    """(what, name, line) of every registry name written in `path` where one is expected."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) in CALLS:
            roles = CALLS[call_name(node) or ""]
            args: list[tuple[int | str, ast.expr]] = [*enumerate(node.args)]
            args += [(k.arg, k.value) for k in node.keywords if k.arg is not None]
            for where, arg in args:
                text = template(arg)
                if where in roles and text is not None:
                    yield roles[where], text, node.lineno
        hit = subscripted(node)
        if hit is not None:
            container, key = hit
            what = {"kpis": "kpi", "series": "series", "milestones": "milestone"}.get(container)
            text = template(key)
            if what is not None and text is not None:
                yield what, text, node.lineno
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target = node.targets[0].id
            if target.endswith("_KPIS") and isinstance(node.value, ast.Tuple | ast.List):
                for elt in node.value.elts:
                    text = template(elt)
                    if text is not None:
                        yield "kpi", text, node.lineno


def known(what: str, text: str) -> bool:
    if what == "kpi":
        return text in v.KPI
    if what == "series":
        return text.split(":", 1)[0] in v.SERIES_BY_NAME
    if what == "milestone":
        return v.is_milestone(text)
    raise AssertionError(what)


def test_code_uses_only_registered_names() -> None:
    bad = []
    seen = 0
    for path in SOURCES:
        if path.name == "vocabulary.py":
            continue
        for what, text, line in uses(path):
            seen += 1
            if not known(what, text):
                bad.append(f"{path.relative_to(ROOT)}:{line}: {what} {text!r} is not in sim/vocabulary.py")
    assert seen > 40, "the scan found almost no names: has the code's shape changed?"
    assert not bad, "\n".join(bad)


def test_the_scan_catches_a_misspelt_name(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        'runs.kpi("canceled_planned")\n'
        'rep.series["backlogg:all"]\n'
        'self.reach(f"system:{sid}:restored")\n'
        'self.reach(f"action:{a}:start")\n'
        'X_KPIS = ("lost_capacity_h", "time_to_full")\n',
        encoding="utf-8",
    )
    found = {(w, t) for w, t, _ in uses(bad) if not known(w, t)}
    assert found == {("kpi", "canceled_planned"), ("series", "backlogg:all"),
                     ("milestone", "action:x:start"), ("kpi", "time_to_full")}


def test_lookups_refuse_unknown_names() -> None:
    with pytest.raises(KeyError, match="no KPI"):
        v.kpi("canceled_planned")
    with pytest.raises(KeyError, match="no series"):
        v.series_key("backlogg", "all")
    with pytest.raises(KeyError, match="end in"):
        v.milestone_key("action", "failover", "start")
    assert v.milestone_key("system", "journal", "restored") == "system:journal:restored"
    assert v.series_key("capacity", "hospital") == "capacity:hospital"


@pytest.mark.parametrize("file", ["sormland-network-2022.yaml", "vasterbotten-tietoevry-2024.yaml"])
def test_the_engine_writes_only_registered_names(file: str) -> None:
    rep = simulate(load_scenario(ROOT / "scenarios" / file), 3)
    assert set(rep.kpis) == set(v.ALL_KPI_NAMES)
    for name in rep.series:
        spec, part = v.split_series_key(name)
        if spec.split is v.Split.KIND:
            assert part in v.UNIT_KIND or (part == v.TOTAL and spec.totalled), name
    for name, t in rep.milestones.items():
        assert v.is_milestone(name) and v.is_reported(name), name
        assert math.isfinite(t)
    for name in v.TIME_KPIS:
        assert v.kpi(name).is_moment


def test_the_registry_is_consistent() -> None:
    for k in v.KPIS:
        assert k.label and k.label == k.label.strip()
        if k.series is not None:
            assert v.series(k.series).cumulative, k.name
    assert len({k.colour for k in v.UNIT_KINDS}) == len(v.UNIT_KINDS), "one colour per unit kind"
    assert [lv.rank for lv in v.READINESS] == list(range(len(v.READINESS)))
    assert "system:ID:restored" in v.MILESTONE_FORMS
