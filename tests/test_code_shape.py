"""Functions short enough to read at once: no function or method in sim/ is longer than 80 lines
(a longer one is a concept that has no name yet)."""

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
