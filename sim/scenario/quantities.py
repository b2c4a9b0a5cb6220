"""Durations, clock times and opening hours as people write them in scenario files.

Internally every duration is a float number of hours and every time point is hours from the
scenario's `start`; the text forms (`15min`, `2h`, `3d`, `07:00`, `2024-01-22 14:00`) are only
for reading and writing files.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from ..i18n import _

UNIT_HOURS = {"w": 168.0, "d": 24.0, "h": 1.0, "min": 1 / 60, "s": 1 / 3600}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(w|d|h|min|s)(?![a-z])")
DURATION_PATTERN = r"^\s*(\d+(\.\d+)?\s*(w|d|h|min|s)\s*)+$"
CLOCK_PATTERN = r"^([01]?\d|2[0-3]):[0-5]\d$"
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}[ T]([01]?\d|2[0-3]):[0-5]\d$"
MAX_DURATION_H = 3660 * 24.0
"""The longest duration a scenario may hold (3660d, about ten years): longer than any horizon, so
that no sum of durations, or of durations and dates, can overflow."""
YEARS = (1900, 2100)
"""The calendar years a scenario's dates may fall in."""


def parse_duration_h(value: Any) -> float:
    """`15min`, `2h`, `1d 12h`, `1.5h` -> hours. A bare 0 is accepted; other bare numbers are not,
    because a trainer's `2` could mean minutes, hours or days."""
    if isinstance(value, bool):
        raise ValueError(_("expected a duration such as 15min, 2h or 3d, got {value}").format(value=repr(value)))
    if isinstance(value, int | float):
        if value == 0:
            return 0.0
        raise ValueError(
            _("a duration needs a unit: write {value}h, {value}min or {value}d, not a bare {value}").format(value=value)
        )
    if not isinstance(value, str):
        raise ValueError(_("expected a duration such as 15min, 2h or 3d, got {value}").format(value=type(value).__name__))
    text = value.strip().lower()
    if not re.fullmatch(DURATION_PATTERN, text):
        raise ValueError(
            _("{value} is not a duration; write it like 15min, 2h, 3d or 1d 12h (units: w, d, h, min, s)").format(
                value=repr(value))
        )
    hours = sum(float(n) * UNIT_HOURS[u] for n, u in _PART.findall(text))
    if not math.isfinite(hours) or hours > MAX_DURATION_H:
        raise ValueError(_("{value} is too long: a duration may be at most 3660d (about ten years)").format(value=repr(value)))
    return hours


def format_duration(hours: float) -> str:
    """Hours -> the shortest exact text form (`90min`, `2h`, `3d`)."""
    if hours == 0:
        return "0h"
    minutes = round(hours * 60, 6)
    if minutes == int(minutes):
        minutes = int(minutes)
        if minutes % 1440 == 0:
            return f"{minutes // 1440}d"
        if minutes % 60 == 0:
            return f"{minutes // 60}h"
        return f"{minutes}min"
    # Every significant digit: a strategy's changes re-read the scenario from this text.
    text = f"{hours:.15g}"
    if "e" in text:
        text = f"{hours:.12f}".rstrip("0").rstrip(".")
    return f"{text}h"


def parse_clock_h(value: str) -> float:
    if not re.fullmatch(CLOCK_PATTERN, value.strip()):
        raise ValueError(_("{value} is not a clock time; write it like 07:00 or 16:30").format(value=repr(value)))
    hh, mm = value.strip().split(":")
    return int(hh) + int(mm) / 60


def parse_datetime(value: Any) -> datetime:
    return _in_years(_to_datetime(value))


def _to_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, second=0, microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str) or not re.fullmatch(DATETIME_PATTERN, value.strip()):
        raise ValueError(_("{value} is not a date and time; write it like 2024-01-22 14:00").format(value=repr(value)))
    text = value.strip().replace("T", " ")
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError as exc:
        raise ValueError(_("{value} is not a real date: {problem}").format(value=repr(value), problem=exc)) from None


def _in_years(when: datetime) -> datetime:
    if not YEARS[0] <= when.year <= YEARS[1]:
        raise ValueError(_("the year {year} is out of range: dates fall in {first}-{last}").format(
            year=when.year, first=YEARS[0], last=YEARS[1]))
    return when


@dataclass(frozen=True)
class TimePoint:
    """A moment in a scenario: a clock time on the start date (`07:00`), a date and time
    (`2024-01-22 14:00`) or an offset from the start (`+6h45min`)."""

    text: str
    kind: str  # "clock" | "datetime" | "offset"
    value: float | datetime

    def hours_from(self, start: datetime) -> float:
        if self.kind == "offset":
            return float(self.value)  # type: ignore[arg-type]
        if self.kind == "clock":
            midnight = datetime(start.year, start.month, start.day)
            return (midnight - start).total_seconds() / 3600 + float(self.value)  # type: ignore[arg-type]
        assert isinstance(self.value, datetime)
        return (self.value - start).total_seconds() / 3600

    def __str__(self) -> str:
        return self.text


def parse_time_point(value: Any) -> TimePoint:
    if isinstance(value, TimePoint):
        return value
    if isinstance(value, datetime | date):
        dt = parse_datetime(value)
        return TimePoint(dt.strftime("%Y-%m-%d %H:%M"), "datetime", dt)
    if not isinstance(value, str):
        raise ValueError(
            _("expected a time: a clock time (07:00), a date and time (2024-01-22 14:00) "
              "or an offset from the start (+6h), got {value}").format(value=repr(value))
        )
    text = value.strip()
    if text.startswith("+"):
        return TimePoint(text, "offset", parse_duration_h(text[1:]))
    if re.fullmatch(CLOCK_PATTERN, text):
        return TimePoint(text, "clock", parse_clock_h(text))
    if re.fullmatch(DATETIME_PATTERN, text):
        return TimePoint(text, "datetime", parse_datetime(text))
    raise ValueError(
        _("{value} is not a time; write a clock time (07:00), a date and time "
          "(2024-01-22 14:00) or an offset from the start (+6h45min)").format(value=repr(value))
    )


@dataclass(frozen=True)
class OpeningHours:
    """A daily window such as `08:00-17:00`; `00:00-24:00` is round the clock."""

    open_h: float
    close_h: float

    @property
    def length_h(self) -> float:
        return self.close_h - self.open_h

    def __str__(self) -> str:
        def fmt(h: float) -> str:
            return f"{int(h):02d}:{round((h % 1) * 60):02d}"

        return f"{fmt(self.open_h)}-{fmt(self.close_h)}"


def parse_opening_hours(value: Any) -> OpeningHours:
    if isinstance(value, OpeningHours):
        return value
    if not isinstance(value, str) or "-" not in value:
        raise ValueError(_("expected opening hours like 08:00-17:00, got {value}").format(value=repr(value)))
    a, b = (p.strip() for p in value.split("-", 1))
    open_h = parse_clock_h(a)
    close_h = 24.0 if b == "24:00" else parse_clock_h(b)
    if close_h <= open_h:
        raise ValueError(_("opening hours {value} close before they open").format(value=repr(value)))
    return OpeningHours(open_h, close_h)


Duration = Annotated[
    float,
    BeforeValidator(parse_duration_h),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": DURATION_PATTERN},
                {"const": 0, "description": "A bare 0 needs no unit."},
            ],
            "examples": ["15min", "2h", "3d", "1d 12h"],
        }
    ),
]
"""A length of time, held as hours."""

TimePointField = Annotated[
    TimePoint,
    BeforeValidator(parse_time_point),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": rf"({CLOCK_PATTERN})|({DATETIME_PATTERN})|(^\+.+$)",
            "examples": ["07:00", "2024-01-22 14:00", "+6h45min"],
        }
    ),
]

DateTimeField = Annotated[
    datetime,
    BeforeValidator(parse_datetime),
    PlainSerializer(lambda d: d.strftime("%Y-%m-%d %H:%M"), return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": DATETIME_PATTERN, "examples": ["2022-12-06 00:00"]}
    ),
]

OpeningHoursField = Annotated[
    OpeningHours,
    BeforeValidator(parse_opening_hours),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}$",
            "examples": ["08:00-17:00", "00:00-24:00"],
        }
    ),
]
