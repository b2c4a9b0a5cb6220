"""Problems in a scenario and refused sweeps in Swedish: the explanation is translated, the file,
line, field and the values quoted from the file stay as they are, and the English texts are
unchanged. The command line follows --lang for them too."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from language_words import english_only_words, left_in_english

from sim.experiments.sweep import Parameter, SweepError, parse_set, sweep_variants
from sim.i18n import using
from sim.scenario import problems_in_text
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SORMLAND = ROOT / "scenarios" / "sormland-network-2022.yaml"
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")

BREAKS = {
    "a duration without its unit": ("horizon: 9d", "horizon: nine days"),
    "a misspelt field": ("horizon: 9d", "horizon: 9d\nhorizn: 9d"),
    "a number out of range": ("capacity: 0.", "capacity: 7."),
    "an unknown system": ("fails: [regional-network]", "fails: [regional-netwrk]"),
    "a duplicate key": ("horizon: 9d", "horizon: 9d\nhorizon: 8d"),
    "a time before the start": ('at: "06:40"', 'at: "2022-12-05 06:40"'),
    "YAML that does not parse": ("horizon: 9d", "horizon: [9d"),
    "an assumed range with a misspelt bound": ("capacity: 0.7", "capacity: {dist: uniform, low: 0.5, hihg: 0.9}"),
    "an assumed range upside down": ("capacity: 0.7", "capacity: {dist: uniform, low: 0.9, high: 0.5}"),
}


@pytest.fixture(scope="module")
def english_only() -> set[str]:
    return english_only_words()


def broken(what: str) -> str:
    old, new = BREAKS[what]
    text = SORMLAND.read_text(encoding="utf-8")
    assert old in text, what
    return text.replace(old, new, 1)


def explanation(message: str) -> str:
    """A problem's own words: what it quotes from the file left out."""
    return QUOTED.sub(" ", message)


@pytest.mark.parametrize("what", sorted(BREAKS))
def test_a_problem_in_swedish(what, english_only):
    text = broken(what)
    with using("en"):
        english = problems_in_text(text, "x.yaml", ROOT / "scenarios")
    with using("sv"):
        swedish = problems_in_text(text, "x.yaml", ROOT / "scenarios")
    assert english and len(swedish) == len(english), what
    for en, sv in zip(english, swedish, strict=True):
        assert (sv.file, sv.line, sv.path) == (en.file, en.line, en.path)  # where stays as it is
        assert sv.message != en.message, f"{what}: {en.message!r} was not translated"
        left = left_in_english(explanation(sv.message), english_only)
        assert not left, f"{what}: English words in {sv.message!r}: {left}"
        if sv.line:
            with using("sv"):
                assert str(sv).startswith(f"x.yaml rad {sv.line}: ")


def test_a_scenario_too_large_for_the_server_in_swedish(monkeypatch, english_only):
    monkeypatch.setenv("SIM_MAX_CONTACTS", "1000")
    text = SORMLAND.read_text(encoding="utf-8")
    with using("sv"):
        (problem,) = problems_in_text(text, "x.yaml", ROOT / "scenarios")
    assert problem.path == "horizon" and "SIM_MAX_CONTACTS" in problem.message
    assert "gränsen är 1\u00a0000" in problem.message  # a Swedish number
    left = left_in_english(explanation(problem.message.replace("SIM_MAX_CONTACTS", " ")), english_only)
    assert not left, f"English words in {problem.message!r}: {left}"


def test_english_problems_read_as_before():
    with using("en"):
        found = problems_in_text(broken("a duration without its unit"), "x.yaml", ROOT / "scenarios")
    assert [p.message for p in found] == [
        "'nine days' is not a duration; write it like 15min, 2h, 3d or 1d 12h (units: w, d, h, min, s)"]
    assert str(found[0]).startswith("x.yaml line ")


def test_a_refused_sweep_in_swedish(english_only):
    sc = load_scenario(SORMLAND)
    refusals = []
    with using("sv"):
        for attempt in (
            lambda: parse_set("horizon"),
            lambda: parse_set("horizon="),
            lambda: parse_set("horizon=[1d"),
            lambda: sweep_variants(sc, [Parameter("horizn", ("1d",))], ["baseline"]),
            lambda: sweep_variants(sc, [Parameter("horizon", ("1d",)), Parameter("horizon", ("2d",))], ["baseline"]),
            lambda: sweep_variants(sc, [], ["baseline"]),
            lambda: sweep_variants(sc, [Parameter("horizon", ("1d",))], ["no-such-strategy"]),
        ):
            with pytest.raises(SweepError) as err:
                attempt()
            refusals.append(str(err.value))
    for message in refusals:
        left = left_in_english(explanation(message.replace("--set", " ")), english_only)
        assert not left, f"English words in {message!r}: {left}"
    assert refusals[0].startswith("--set 'horizon': skriv SÖKVÄG=")


def test_the_command_line_explains_a_problem_in_its_language(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(broken("a duration without its unit").replace("region: regions/sormland.yaml", "region: sormland.yaml"),
                   encoding="utf-8")
    (tmp_path / "sormland.yaml").write_bytes((ROOT / "scenarios" / "regions" / "sormland.yaml").read_bytes())
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("SIM_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    runs = {lang: subprocess.run([sys.executable, "-m", "sim", "--lang", lang, "validate", str(bad)], cwd=ROOT,
                                 env=env, capture_output=True, text=True, timeout=120) for lang in ("sv", "en")}
    assert runs["sv"].returncode == runs["en"].returncode == 2
    assert "är ingen tidslängd" in runs["sv"].stdout + runs["sv"].stderr
    assert "is not a duration" in runs["en"].stdout + runs["en"].stderr
    assert "Traceback" not in runs["sv"].stderr
