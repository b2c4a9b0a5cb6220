"""The exported reports in Swedish: the after-action report of a drill and of an exercise of
several teams (Markdown and HTML, their charts included) and the comparison of decision logs
(plain text, Markdown, HTML) hold no English word of the interface, and the user's text in them
stays literal text."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from language_words import english_only_words, left_in_english

from sim.drill.compare import compare, html_comparison
from sim.drill.compare import markdown as compare_markdown
from sim.drill.compare import text as compare_text
from sim.drill.exercise_report import build_exercise_report
from sim.drill.exercise_report import html_report as exercise_html
from sim.drill.exercise_report import markdown as exercise_markdown
from sim.drill.log import play_log, read_log
from sim.drill.report import build_report, html_report, markdown
from sim.drill.session import Improvement
from sim.i18n import using
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SORMLAND = ROOT / "scenarios" / "sormland-network-2022.yaml"
HOSTILE = "<img src=x onerror=alert(1)> [klick](http://ond.se) =HYPERLINK(1)"
PLOT_STRING = re.compile(r'"(?:name|text)":"((?:[^"\\]|\\.)*)"')


@pytest.fixture(scope="module")
def english_only() -> set[str]:
    return english_only_words()


@pytest.fixture(scope="module")
def drills():
    sc = load_scenario(SORMLAND)
    late = play_log(read_log(ROOT / "scenarios" / "drills" / "sormland-late.yaml"), sc)
    late = late.add_note(HOSTILE, by=HOSTILE, hot_wash=True).add_note("Telefonerna", by="RSSL")
    late = late.with_improvements([Improvement(HOSTILE, "Öva reservrutiner", HOSTILE, "2026-03-01")])
    early = play_log(read_log(ROOT / "scenarios" / "drills" / "sormland-early.yaml"), sc)
    return [("Sena beslut", late), ("Tidiga beslut", early), (HOSTILE, early.branch(early.start_h + 1.5))]


def visible(page: str) -> str:
    """An HTML report's text as a browser shows it, with the texts of its charts (the figures'
    names and annotations, from their JSON), not the code of plotly.js."""
    charts = [m.encode().decode("unicode_escape", errors="ignore")
              for script in re.findall(r"Plotly\.newPlot\((.*?)\)\s*\};?\s*</script>", page, re.S)
              for m in PLOT_STRING.findall(script)]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", body)) + "\n" + "\n".join(charts)


def assert_swedish(name: str, text: str, english_only: set[str]) -> None:
    text = text.replace(HOSTILE, " ")
    left = left_in_english(text, english_only)
    assert not left, f"English words in the Swedish {name}: {left}"


def assert_literal(page: str, markdown_text: str) -> None:
    """The hostile text is shown, never run: no tag or link of its own in either form."""
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img" not in markdown_text and "](http" not in markdown_text
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in markdown_text


def test_a_drills_report_in_swedish(drills, english_only):
    with using("sv"):
        rep = build_report(drills[0][1], team="Sena beslut", n=3)
        md, page = markdown(rep), html_report(rep)
    assert md.startswith("# Utvärderingsrapport:") and '<html lang="sv">' in page
    assert "## Tidslinje över inspel och beslut" in md and "| Inspel |" in md and "| Händelse |" in md
    assert "## Kontinuitetsgränser" in md and "Överskriden" in md  # Sörmland's deadlines are breached
    assert_swedish("Markdown report", md, english_only)
    assert_swedish("HTML report", visible(page), english_only)
    assert_literal(page, md)


def test_the_report_of_three_teams_in_swedish(drills, english_only):
    with using("sv"):
        rep = build_exercise_report("Regional övning", drills, n=2)
        md, page = exercise_markdown(rep), exercise_html(rep)
    assert "## Jämförelse av lagen" in md and md.count("### Förväntade åtgärder") == 3
    assert "| Nyckeltal | A spelad | B spelad | C spelad |" in md
    assert_swedish("exercise report (Markdown)", md, english_only)
    assert_swedish("exercise report (HTML)", visible(page), english_only)
    assert_literal(page, md)


def test_the_comparison_in_swedish(drills, english_only):
    with using("sv"):
        c = compare(*drills, n=2)
        plain, md, page = compare_text(c), compare_markdown(c), html_comparison(c)
    assert md.startswith("# 3 övningar av")
    assert_swedish("comparison (text)", plain, english_only)
    assert_swedish("comparison (Markdown)", md, english_only)
    assert_swedish("comparison (HTML)", visible(page), english_only)
    assert_literal(page, md)


def test_an_english_report_is_still_english(drills):
    with using("en"):
        md = markdown(build_report(drills[0][1], team="Late", n=2))
    assert "## Timeline of injects and decisions" in md and "| Inject |" in md
    assert "Numbers are for the whole simulated period (9 days)" in md


def test_the_check_finds_an_english_word(english_only):
    """The test itself fails on a report with an English text of the interface left in it."""
    with pytest.raises(AssertionError, match="breached"):
        assert_swedish("report", "Gränser: None was breached on the drill's course", english_only)


def test_the_command_line_writes_the_report_in_its_language(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("SIM_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    out = tmp_path / "aar.md"
    res = subprocess.run(
        [sys.executable, "-m", "sim", "--lang", "sv", "drill", str(SORMLAND), "--decisions",
         str(ROOT / "scenarios" / "drills" / "sormland-late.yaml"), "--markdown", str(out), "-n", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Utvärderingsrapport:") and "## Tidslinje över inspel och beslut" in text
    assert "Förväntade åtgärder:" in res.stdout and "Inspel" in res.stdout
