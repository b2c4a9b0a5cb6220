"""Functions short enough to read at once: no function or method in sim/ is longer than 80 lines,
and none in sim/ or ui/ has a cyclomatic complexity above 30 (radon's grade E and worse). A longer
or more tangled one is a concept that has no name yet."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MOST_LINES = 80


def long_functions(path: Path, most: int = MOST_LINES) -> list[str]:
    """`file:line name (N lines)` for every function or method in `path` longer than `most` lines."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > most:
                found.append(f"{path}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_in_sim_is_longer_than_80_lines() -> None:
    sources = sorted(ROOT.glob("sim/**/*.py"))
    assert len(sources) > 50, "the scan found almost no files: has the package moved?"
    found = [hit for path in sources for hit in long_functions(path)]
    assert not found, "split these along a seam the domain names:\n" + "\n".join(found)


def test_the_scan_catches_a_long_function_and_a_long_method(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(80))
    src = tmp_path / "long.py"
    src.write_text(f"def short():\n    return 1\n\n\ndef long():\n{body}\n\nclass C:\n    def m(self):\n"
                   + body.replace("    ", "        "), encoding="utf-8")
    found = long_functions(src)
    assert sorted(hit.split()[1] for hit in found) == ["long", "m"]


MOST_COMPLEXITY = 30


def complex_blocks(root: Path, most: int = MOST_COMPLEXITY) -> list[str]:
    """`file:line name (complexity N)` for every function, method or class in the Python files
    under `root` whose cyclomatic complexity (as radon counts it) is above `most`."""
    from radon.complexity import cc_visit

    found = []
    for path in sorted(root.glob("**/*.py")):
        for block in cc_visit(path.read_text(encoding="utf-8")):
            if block.complexity > most:
                found.append(f"{path}:{block.lineno} {block.fullname} (complexity {block.complexity})")
    return found


def test_no_function_in_sim_or_ui_has_a_complexity_above_30() -> None:
    found = [hit for root in (ROOT / "sim", ROOT / "ui") for hit in complex_blocks(root)]
    assert not found, "split these along a seam the domain names:\n" + "\n".join(found)


def test_the_complexity_scan_catches_a_tangle(tmp_path: Path) -> None:
    branches = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(31))
    (tmp_path / "tangle.py").write_text(f"def tangle(x):\n{branches}    return -1\n", encoding="utf-8")
    assert [hit.split()[1] for hit in complex_blocks(tmp_path)] == ["tangle"]
