"""User text made safe for where it is shown or exported. Scenario files, decision logs, notes and
query strings are written by people the server does not trust; their text must never become a
link, an image (a request to another host), a tag, a formula or a table border.

- `markdown_text`: for Streamlit's markdown (st.markdown, captions, alerts, labels) and Markdown
  files: every character that can start Markdown syntax (emphasis, links, images, headings,
  lists, tables, code, maths, `:` of URLs and Streamlit's directives, `@` of e-mail links) is
  backslash-escaped, and `<`, `>` and `&` become character references, so no HTML is formed
  even by a renderer that passes HTML through.
- `markdown_cell`: for one line of Markdown inside other text (a table cell, a file name or title
  in a sentence, a heading), and for Markdown files people also read as plain text (the drill's
  after-action report): the same guarantees (no HTML, link, image, emphasis, code, table border
  or autolinked address) with fewer backslashes, since dates and times stay as they are; it does
  not guard the start of a line, so it is for table cells and text after a list marker.
- `html_text`: for HTML (the same as html.escape, quotes included).
- `plot_text`: for plotly labels, hover text and titles (plotly renders a few tags, links among
  them, and decodes character references).
- `spreadsheet_cell`: for CSV and xlsx cells: text that a spreadsheet would run as a formula
  (starting with =, +, -, @, a tab or a carriage return) gets a leading apostrophe.
"""

from __future__ import annotations

import html
import re
from typing import Any

_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$=@^])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def markdown_text(text: Any, *, one_line: bool = False) -> str:
    """`text` as literal Markdown. Line breaks are kept as hard breaks (or joined with spaces
    with `one_line`); leading spaces are dropped so that no line becomes a code block."""
    lines = [line.strip() for line in str(text).splitlines()]
    escaped = [_escape_line(line) for line in lines]
    if one_line:
        return " ".join(e for e in escaped if e)
    return "  \n".join(escaped)


def _escape_line(line: str) -> str:
    line = _MARKDOWN_PUNCTUATION.sub(r"\\\1", line)
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_CELL_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()!|~$^@])")
_AUTOLINK = re.compile(r"(?i)(://|www\.)")


def markdown_cell(text: Any) -> str:
    """`text` as literal Markdown inside one line (a table cell, a list item's text)."""
    line = " ".join(str(text).split())
    line = _CELL_PUNCTUATION.sub(r"\\\1", line)
    line = _AUTOLINK.sub(lambda m: "\\://" if m.group(1) == "://" else m.group(1)[:3] + "\\.", line)
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_text(text: Any) -> str:
    return html.escape(str(text), quote=True)


def plot_text(text: Any) -> str:
    """Text for a plotly figure: shown as written, never as a tag or a link."""
    return html.escape(str(text), quote=False)


def spreadsheet_cell(value: Any) -> Any:
    """A cell value that no spreadsheet program runs as a formula. Numbers and empty cells stay
    as they are; text starting with a formula character gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# The markup the project's own chart texts use; plotly would also render links (<a href>) and
# styled spans, which user text must never become.
_FOREIGN_TAG = re.compile(r"<(?!/?(?:br|b|i|em|sup|sub|extra)\s*/?>)", re.IGNORECASE)
_TRACE_TEXTS = ("name", "text", "hovertext", "hovertemplate", "x", "y")


def plot_markup(text: str) -> str:
    """A plotly text that may hold the project's own markup (<br>, <b>, <sup>, <extra>): every
    other tag, a link above all, is shown as written."""
    return _FOREIGN_TAG.sub("&lt;", text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return plot_markup(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, str) for v in value):
        return [plot_markup(v) if isinstance(v, str) else v for v in value]
    if getattr(value, "dtype", None) is not None and value.dtype.kind in "OU":
        return [plot_markup(v) if isinstance(v, str) else v for v in value.tolist()]
    return value


def safe_figure(fig: Any) -> Any:
    """A plotly figure whose every text (trace names, labels, hover texts, categories, titles,
    annotations, tick labels) renders no tag but the project's own: the last guard before a chart
    is shown or exported, whatever user text went into it."""
    for trace in fig.data:
        for attr in _TRACE_TEXTS:
            if attr in trace and trace[attr] is not None:
                cleaned = _clean(trace[attr])
                if cleaned is not trace[attr]:
                    trace[attr] = cleaned
    for note in fig.layout.annotations or ():
        if note.text:
            note.text = plot_markup(note.text)
    if fig.layout.title and fig.layout.title.text:
        fig.layout.title.text = plot_markup(fig.layout.title.text)

    def axis(a: Any) -> None:
        if a.title and a.title.text:
            a.title.text = plot_markup(a.title.text)
        if a.ticktext is not None:
            a.ticktext = _clean(a.ticktext)

    fig.for_each_xaxis(axis)
    fig.for_each_yaxis(axis)
    return fig
