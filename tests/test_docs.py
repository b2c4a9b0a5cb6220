"""Every command and code block in the docs runs here, so the docs cannot rot.

Fences, per page, in order, in a scratch folder holding a copy of scenarios/:
- ```yaml file=NAME      a complete file: written, and (unless under regions/) `sim validate` passes
- ```yaml-invalid file=NAME  written; `sim validate` exits 2 on it
- ```yaml                must at least parse as YAML
- ```yaml-snippet        a fragment that shows alternatives; not run
- ```sh                  each command line must exit 0 (`make X` is checked with `make -n X`,
                         and a pytest command by collecting the tests it names)
- ```sh-fails            each command line must exit 2
- ```text                the exact output of the preceding command block
- ```text-excerpt        lines that each appear in that output
- ```python              executed
- ```json                must parse
Other fences (```console, ```mermaid, ```csv ...) are illustrations and are not run.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.scenario.yamlsafe import YamlError, parse_yaml

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([*ROOT.glob("docs/*.md"), ROOT / "README.md"])
FENCE = re.compile(r"^```([\w-]*)([^\n]*)\n(.*?)^```\s*$", re.S | re.M)


def blocks(page: Path) -> list[tuple[str, dict[str, str], str, int]]:
    text = page.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        lang, rest, body = m.group(1), m.group(2), m.group(3)
        attrs = dict(re.findall(r"(\w+)=(\S+)", rest))
        line = text.count("\n", 0, m.start()) + 1
        out.append((lang, attrs, body, line))
    return out


def _env() -> dict[str, str]:
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "100"
    env["NO_COLOR"] = "1"
    return env


def run_line(line: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    words = shlex.split(line, comments=True)
    env = _env()
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    if words[0].startswith(".venv/bin/"):
        words[0] = words[0][len(".venv/bin/"):]
    if words[:3] in (["python", "-m", "pytest"], ["python3", "-m", "pytest"]) or words[0] == "pytest":
        # The suite runs these tests anyway: check that the command names real tests.
        args = words[3:] if words[0] != "pytest" else words[1:]
        return subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
    if words[0] == "make":
        words = ["make", "-n", "-C", str(ROOT), *words[1:]]
    elif words[0] == "sim":
        words = [sys.executable, "-m", "sim", *words[1:]]
    elif words[0] in ("python", "python3"):
        words = [sys.executable, *words[1:]]
    return subprocess.run(words, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def command_lines(body: str) -> list[str]:
    lines, buf = [], ""
    for raw in body.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("$ "):
            line = line[2:]
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        lines.append(buf + line)
        buf = ""
    return lines


RUNNABLE = ("yaml", "yaml-invalid", "sh", "sh-fails", "python")
OUTPUTS = ("text", "text-excerpt")


def units(page: Path) -> list[tuple[int, list[tuple[str, dict[str, str], str, int]]]]:
    """The page cut into units that run on their own (so xdist can spread them): a runnable block
    with the output blocks that follow it, or a yaml block. The int is the unit's first block."""
    out: list[tuple[int, list[tuple[str, dict[str, str], str, int]]]] = []
    for i, block in enumerate(blocks(page)):
        if block[0] in OUTPUTS and out:
            out[-1][1].append(block)
        else:
            out.append((i, [block]))
    return out


def _unit_params() -> list[object]:
    return [
        pytest.param(page, first, id=f"{page.name}:{group[0][3]}")
        for page in PAGES
        for first, group in units(page)
        if group[0][0] in RUNNABLE or group[0][0] == "json"
    ]


_PATHLIKE = re.compile(r"^[\w./-]+\.(json|html|md|csv|parquet|yaml|yml|sqlite|xlsx|svg|png)$")


def _setup(page: Path, first: int, tmp_path: Path, cmds: list[str]) -> None:
    """What the unit needs from the blocks before it on its page: their files written, and the
    earlier commands run again (unchecked) only when the unit names a file none of them wrote."""
    earlier = blocks(page)[:first]
    for lang, attrs, body, _line in earlier:
        if lang in ("yaml", "yaml-invalid") and "file" in attrs:
            target = tmp_path / attrs["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
    wanted = {w for cmd in cmds for w in shlex.split(cmd, comments=True) if _PATHLIKE.match(w)}
    if all((tmp_path / w).exists() for w in wanted):
        return
    for lang, _attrs, body, _line in earlier:
        if lang in ("sh", "sh-fails"):
            for cmd in command_lines(body):
                run_line(cmd, tmp_path)
        if all((tmp_path / w).exists() for w in wanted):
            return


@pytest.mark.parametrize(("page", "first"), _unit_params())
def test_every_block_runs(page: Path, first: int, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    group = dict(units(page))[first]
    cmds = [c for lang, _a, body, _l in group if lang in ("sh", "sh-fails") for c in command_lines(body)]
    _setup(page, first, tmp_path, cmds)
    last_output: str | None = None
    where = page.relative_to(ROOT)
    for lang, attrs, body, line in group:
        ctx = f"{where} line {line}"
        if lang in ("yaml", "yaml-snippet", "yaml-invalid"):
            _yaml_block(lang, attrs, body, ctx, tmp_path)
        elif lang in ("sh", "sh-fails"):
            want = 2 if lang == "sh-fails" else 0
            outputs = []
            for cmd in command_lines(body):
                res = run_line(cmd, tmp_path)
                assert res.returncode == want, f"{ctx}: `{cmd}` exited {res.returncode}\n{res.stdout}\n{res.stderr}"
                outputs.append(res.stdout + res.stderr)
            last_output = "".join(outputs)
        elif lang == "text":
            assert last_output is not None, f"{ctx}: output block with no command before it"
            assert last_output.strip() == body.strip(), f"{ctx}: output differs:\n{last_output}"
        elif lang == "text-excerpt":
            assert last_output is not None, f"{ctx}: output block with no command before it"
            for expected in body.strip().splitlines():
                assert expected.strip() in last_output, f"{ctx}: {expected!r} not in output:\n{last_output}"
        elif lang == "python":
            res = subprocess.run([sys.executable, "-c", body], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300)
            assert res.returncode == 0, f"{ctx}: python block failed\n{res.stderr}"
            last_output = res.stdout + res.stderr
        elif lang == "json":
            json.loads(body)


def _yaml_block(lang: str, attrs: dict[str, str], body: str, ctx: str, tmp_path: Path) -> None:
    if "file" in attrs:
        target = tmp_path / attrs["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
        if not attrs["file"].startswith("regions/"):
            res = run_line(f"sim validate {attrs['file']}", tmp_path)
            want = 2 if lang == "yaml-invalid" else 0
            assert res.returncode == want, f"{ctx}: sim validate gave {res.returncode}\n{res.stdout}{res.stderr}"
    elif lang == "yaml":
        try:
            parse_yaml(body)
        except YamlError as exc:
            if "empty" not in str(exc):  # a snippet of comments only is fine
                raise AssertionError(f"{ctx}: {exc}") from None


def test_every_output_block_follows_a_command() -> None:
    for page in PAGES:
        for _first, group in units(page):
            if group[0][0] in OUTPUTS:
                raise AssertionError(f"{page.name} line {group[0][3]}: output block with no command before it")


def test_the_docs_have_runnable_blocks() -> None:
    langs = {lang for page in PAGES for lang, *_ in blocks(page)}
    assert {"sh", "yaml"} <= langs


def test_quoted_numbers_are_what_a_run_gives() -> None:
    """Every number the docs quote from a run sits between `<!--fig:KEY-->` markers and is worked
    out again here from the same run (tests/docs_figures.py); `python tests/docs_figures.py`
    writes them after a change of the model."""
    import docs_figures

    found = 0
    wrong = []
    for page in docs_figures.PAGES:
        for key, text in docs_figures.figures_in(page.read_text(encoding="utf-8")):
            found += 1
            want = docs_figures.figure(key)
            if text != want:
                wrong.append(f"{page.name}: {key}: the page says {text!r}, the run gives {want!r}")
    assert found >= 10, "the walk-through quotes its numbers through figure markers"
    assert not wrong, "run `python tests/docs_figures.py`: " + "; ".join(wrong)


def test_a_number_typed_by_hand_is_caught(tmp_path) -> None:
    import docs_figures

    text = "fewer by <!--fig:diff:fast-failover:calls_unanswered-->-1<!--/fig--> calls"
    (key, shown), = docs_figures.figures_in(text)
    assert docs_figures.figure(key) != shown
    assert docs_figures.figures_in(docs_figures.filled(text))[0][1] == docs_figures.figure(key)
