"""The language people read: gettext catalogues (sim/locale/LANG/LC_MESSAGES/sim.mo), the current
language, and numbers, clock times and durations in that language's formats (Babel).

English is the source language: a text is written in English inside `_()` and the Swedish
catalogue translates it. The current language is a context variable, so each thread of the app
(one browser session's script run) and each command has its own; the app sets it from the
browser or the sidebar, the command line from `--lang` or `LANG`. Nothing here imports streamlit.
"""

from __future__ import annotations

import gettext
import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TypeGuard

DOMAIN = "sim"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES: dict[str, str] = {"en": "English", "sv": "Svenska"}
"""Language code -> its name in itself, as the language switch shows it."""
DEFAULT = "en"
BABEL_LOCALES = {"en": "en_GB", "sv": "sv_SE"}
"""Babel's locale for each language: day-month order and 24-hour clock in English too."""
LONG_DURATION_H = 48.0
"""Durations from this many hours up are read in days (6.5 days); shorter ones in hours."""

_current: ContextVar[str] = ContextVar("sim_language", default=DEFAULT)


# --------------------------------------------------------------------------- the current language


def language() -> str:
    """The language texts are given in now: `en` or `sv`."""
    return _current.get()


def set_language(lang: str | None) -> str:
    """Use `lang` from now on in this thread or task (an unknown one gives English)."""
    chosen = lang if lang in LANGUAGES else DEFAULT
    _current.set(chosen)
    return chosen


@contextmanager
def using(lang: str | None) -> Iterator[str]:
    """Use `lang` inside the block, then the language before it."""
    token = _current.set(lang if lang in LANGUAGES else DEFAULT)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def _code(tag: str) -> str | None:
    """`sv-SE`, `sv_SE.UTF-8`, `SV` -> `sv`; a tag for no language we have -> None."""
    base = tag.strip().split(";")[0].split(".")[0].replace("_", "-").split("-")[0].lower()
    if base in ("nb", "nn", "no", "da"):  # Scandinavians read Swedish more easily than English
        return None
    return base if base in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The best of our languages for a browser's Accept-Language header (`sv-SE,sv;q=0.9,en;q=0.8`),
    or None when it names none of them."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.partition(";")
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        code = _code(tag)
        if code is not None and q > 0:
            ranked.append((-q, i, code))
    return min(ranked)[2] if ranked else None


def from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The language of the command line's environment: SIM_LANG, else as gettext reads it
    (LANGUAGE, LC_ALL, LC_MESSAGES, LANG); None when it names none of ours (C, POSIX, unset)."""
    env = os.environ if environ is None else environ
    if env.get("SIM_LANG"):
        return _code(env["SIM_LANG"])
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if not value:
            continue
        for tag in value.split(":"):
            code = _code(tag)
            if code is not None:
                return code
        if name != "LANGUAGE":
            return None  # the first one set decides, as in gettext
    return None


# --------------------------------------------------------------------------- catalogues


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of `lang` (English has none: its texts are the source)."""
    if lang == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """`message` (English) in the current language."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A short text whose translation depends on where it stands (`Run` the page or the button)."""
    return translations(_current.get()).pgettext(context, message)


def N_(message: str) -> str:
    """Marks a text for the catalogue where it is defined; it is translated where it is shown."""
    return message


# --------------------------------------------------------------------------- formats


def babel_locale(lang: str | None = None) -> str:
    return BABEL_LOCALES[lang or _current.get()]


def _finite(x: float | None) -> TypeGuard[float]:
    return x is not None and isinstance(x, int | float) and math.isfinite(x)


def number(x: float | None, decimals: int = 0, *, signed: bool = False, missing: str = "–") -> str:
    """`2 273` in Swedish, `2,273` in English; `decimals` digits after the point; `+` shown
    before a positive value when `signed`."""
    from babel.numbers import format_decimal

    if not _finite(x):
        return missing
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    value = round(float(x), decimals)
    if value == 0:
        value = 0.0  # no "-0"
    return format_decimal(value, format=pattern, locale=babel_locale())


def count(x: float | None, *, signed: bool = False, missing: str = "–") -> str:
    """A count of things as a whole number: `2 273` visits, never 2,272.9."""
    return number(x, 0, signed=signed, missing=missing)


def percent(share: float | None, *, missing: str = "–") -> str:
    """A share (0.23) as a whole percentage: `23 %` in Swedish, `23%` in English."""
    from babel.numbers import format_percent

    if not _finite(share):
        return missing
    return format_percent(share, locale=babel_locale())


def month_abbr(month: int, lang: str | None = None) -> str:
    """`dec` (Swedish), `Dec` (English): without the full stop CLDR puts after Swedish ones."""
    from babel.dates import get_month_names

    return str(get_month_names("abbreviated", locale=babel_locale(lang))[month]).rstrip(".")


def clock(t: datetime, *, weekday: bool = False) -> str:
    """A moment as people read it: `6 dec 06:54` in Swedish, `6 Dec 06:54` in English (with
    `weekday`: `tis 6 dec 06:54`, `Tue 6 Dec 06:54`)."""
    from babel.dates import get_day_names

    t = (t + timedelta(seconds=30)).replace(second=0, microsecond=0)
    text = f"{t.day} {month_abbr(t.month)} {t:%H:%M}"
    if weekday:
        day = str(get_day_names("abbreviated", locale=babel_locale())[t.weekday()]).rstrip(".")
        text = f"{day} {text}"
    return text


def moment(start: datetime, hours: float | None, *, weekday: bool = False, missing: str | None = None) -> str:
    """Hours from a scenario's start as a clock time and date; `missing` (default: "never")
    when the moment was never reached."""
    if not _finite(hours):
        return _("never") if missing is None else missing
    return clock(start + timedelta(hours=float(hours)), weekday=weekday)


def duration(hours: float | None, *, signed: bool = False, missing: str = "–") -> str:
    """A length of time as people read it: `45 min`, `7,5 h`, `6,5 dygn` (Swedish) or
    `45 min`, `7.5 h`, `6.5 days` (English). Days are 24 hours (dygn)."""
    if not _finite(hours):
        return missing
    h = float(hours)
    if abs(h) >= LONG_DURATION_H:
        return _("{days} days").format(days=number(h / 24, 1, signed=signed))
    if abs(h) < 1:
        return _("{minutes} min").format(minutes=number(h * 60, 0, signed=signed))
    return _("{hours} h").format(hours=number(h, 1, signed=signed))
