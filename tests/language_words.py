"""The words of the interface that only English uses: a Swedish screen or report holding one of
them has a text left untranslated. Shared by the browser test of the app in two languages and the
tests of the reports."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"[A-Za-zÅÄÖåäöé]{3,}")
SHARED_WORDS = {
    # Written the same in Swedish, or names that are not English words of the interface.
    "csv", "json", "html", "png", "yaml", "zip", "sqlite", "min", "max", "p10", "p50", "p90", "dec",
    "streamlit", "plotly", "dask", "serial", "local", "fast", "reference", "seed",
}


def words(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def texts(node) -> list[str]:
    """The text values of a scenario file (what the app shows of it; not its comments)."""
    if isinstance(node, dict):
        return [t for k, v in node.items() for t in (*texts(k), *texts(v))]
    if isinstance(node, list):
        return [t for v in node for t in texts(v)]
    return [node] if isinstance(node, str) else []


def english_only_words() -> set[str]:
    """Words of the interface's English texts that no Swedish text uses and that no scenario file
    holds (a scenario's own names and descriptions are the trainer's, in the trainer's language)."""
    from sim import messages

    template = messages.template()
    po = messages.read_po("sv")
    english, swedish = set(), set()
    for m in template:
        if not m.id:
            continue
        for s in m.id if isinstance(m.id, tuple) else (m.id,):
            english |= words(re.sub(r"\{[^}]*\}", " ", s))
    for m in po:
        for s in m.string if isinstance(m.string, tuple) else (m.string,):
            swedish |= words(s or "")
    content: set[str] = set()
    for path in (ROOT / "scenarios").rglob("*.yaml"):
        content |= words(" ".join(texts(yaml.safe_load(path.read_text(encoding="utf-8")))))
    return english - swedish - content - SHARED_WORDS


def left_in_english(text: str, english_only: set[str]) -> dict[str, str]:
    """Each English word left, with the text around its first use."""
    out = {}
    for word in sorted(words(text) & english_only):
        m = re.search(rf"(?i)\b{word}\b", text)
        out[word] = text[max(0, m.start() - 50): m.end() + 50].replace("\n", " ") if m else ""
    return out
