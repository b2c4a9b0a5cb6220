"""The names that cross layers, defined once: milestones, time series, KPIs, unit kinds and the
readiness ladder. The engine writes these names, the checks, explain, charts, drill, reports,
command line and app read them; a name that is not here is a bug (tests/test_vocabulary.py).

Labels are plain English, each a single string literal, so that a message extractor finds them
and a translation can be put on them in this one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Final, Literal

from .i18n import _

# --------------------------------------------------------------------------- readiness ladder

ReadinessId = Literal["normallage", "stabslage", "forstarkningslage", "katastroflage"]
RaisedLevelId = Literal["stabslage", "forstarkningslage", "katastroflage"]


@dataclass(frozen=True)
class ReadinessLevel:
    """One rung of the readiness ladder: its id in scenario files, its rank (0 is normal
    operation), the users' own word and an English label."""

    id: str
    rank: int
    swedish: str
    label: str


READINESS: Final = (
    ReadinessLevel("normallage", 0, "normalläge", "normal operation"),
    ReadinessLevel("stabslage", 1, "stabsläge", "staff mode"),
    ReadinessLevel("forstarkningslage", 2, "förstärkningsläge", "reinforcement mode"),
    ReadinessLevel("katastroflage", 3, "katastrofläge", "disaster mode"),
)
READINESS_LEVELS: Final[tuple[str, ...]] = tuple(lv.id for lv in READINESS)
"""The readiness ladder's ids, lowest first."""
READINESS_NAMES: Final[dict[str, str]] = {lv.id: lv.swedish for lv in READINESS}
"""Id -> the users' word (normalläge, stabsläge, förstärkningsläge, katastrofläge)."""


def readiness_rank(level: str) -> int:
    """0 for normalläge up to 3 for katastrofläge."""
    return READINESS_LEVELS.index(level)


# --------------------------------------------------------------------------- unit kinds

UnitKindId = Literal["hospital", "primary_care", "dental", "other"]


@dataclass(frozen=True)
class UnitKind:
    """A kind of unit a series or KPI is cut by. `care` kinds are the scenario's care units;
    phone lines and supplies are counted beside them."""

    id: str
    label: str
    description: str
    colour: str
    care: bool


UNIT_KINDS: Final = (
    UnitKind("hospital", "Hospitals", "hospitals", "#1f77b4", True),
    UnitKind("primary_care", "Primary care", "primary-care centres (vårdcentraler)", "#2ca02c", True),
    UnitKind("dental", "Dental care", "dental clinics (folktandvård)", "#9467bd", True),
    UnitKind("other", "Other units", "other units", "#8c564b", True),
    UnitKind("phone", "Phone lines", "phone lines", "#ff7f0e", False),
    UnitKind("supplies", "Supplies (ordering)", "ordering of consumables", "#17becf", False),
)
UNIT_KIND: Final[dict[str, UnitKind]] = {k.id: k for k in UNIT_KINDS}
CARE_KINDS: Final[tuple[str, ...]] = tuple(k.id for k in UNIT_KINDS if k.care)
UNIT_KIND_NAMES: Final[dict[str, str]] = {k.id: k.description for k in UNIT_KINDS if k.care}
"""Care unit kind -> how prose names its units ("primary-care centres (vårdcentraler)")."""
PALETTE: Final = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22",
)
"""Colours for things without one of their own (strategies, series of one kind)."""
OUTAGE_COLOUR: Final = "rgba(214,39,40,0.10)"
OUTAGE_LINE: Final = "#d62728"
BACKUP_LINE: Final = "#bcbd22"
BACKUP_COLOUR: Final = "rgba(188,189,34,0.6)"
STAFF_LINE: Final = "#e377c2"
STAFF_COLOUR: Final = "rgba(227,119,194,0.6)"
"""Spans drawn over the unit kinds' lines: each a colour no unit kind has (tests/test_i18n.py
... test_chart_colours_are_distinct)."""


def kind_colour(kind: str) -> str:
    return UNIT_KIND[kind].colour if kind in UNIT_KIND else PALETTE[-1]


def kind_label(kind: str) -> str:
    """How a chart names a unit kind, in the current language (`Primary care`, `Primärvård`)."""
    return _(UNIT_KIND[kind].label) if kind in UNIT_KIND else kind


def kind_description(kind: str) -> str:
    """How prose names a kind's units, in the current language (`vårdcentraler`)."""
    return _(UNIT_KIND[kind].description) if kind in UNIT_KIND else kind


# --------------------------------------------------------------------------- time series


class Split(Enum):
    """What the part after the colon of a series name is."""

    KIND = "kind"  # cancelled_planned:hospital, and cancelled_planned:all where totalled
    ENTITY = "entity"  # unit_capacity:UNIT
    ITEM = "item"  # stock:ITEM
    NONE = "none"  # readiness


@dataclass(frozen=True)
class Series:
    """A time series of a replication, one value per time step (at the step's end)."""

    name: str
    label: str
    unit: str
    split: Split
    cumulative: bool = False
    totalled: bool = False  # also given summed over kinds, as NAME:all


SERIES: Final = (
    Series("capacity", "Capacity by kind of unit", "share of normal", Split.KIND),
    Series("unit_capacity", "Capacity of a unit", "share of normal", Split.ENTITY),
    Series("stock", "Stock of a consumable", "days", Split.ITEM),
    Series("readiness", "Readiness level", "level", Split.NONE),
    Series("cancelled_planned", "Cancelled planned visits (cumulative)", "visits", Split.KIND, True, True),
    Series("cancelled_ahead", "Planned visits cancelled ahead (cumulative)", "visits", Split.KIND, True),
    Series("cancelled_at_door", "Planned visits cancelled at the door (cumulative)", "visits", Split.KIND, True),
    Series("rebooked", "Rebooked visits (cumulative)", "visits", Split.KIND, True, True),
    Series("backlog", "Visits waiting to be rebooked", "visits", Split.KIND, False, True),
    Series("planned_booked", "Planned visits booked (cumulative)", "visits", Split.KIND, True),
    Series("planned_held", "Planned visits held (cumulative)", "visits", Split.KIND, True),
    Series("acute_queue", "Acute patients waiting", "patients", Split.KIND, False, True),
    Series("acute_arrived", "Acute arrivals (cumulative)", "patients", Split.KIND, True),
    Series("acute_started", "Acute treatments started (cumulative)", "patients", Split.KIND, True),
    Series("cancelled_acute", "Acute patients diverted (cumulative)", "patients", Split.KIND, True, True),
    Series(
        "acute_not_in_time", "Acute patients not treated in time (cumulative)", "patients", Split.KIND,
        True, True,
    ),
    Series("blocked_beds", "Beds blocked by delayed discharges", "beds", Split.KIND, False, True),
    Series("postponed_admissions", "Postponed admissions (cumulative)", "admissions", Split.KIND, True),
    Series("calls_unanswered", "Unanswered calls (cumulative)", "calls", Split.KIND, True),
    Series("calls_gave_up", "Callers who gave up for good (cumulative)", "calls", Split.KIND, True),
    Series("calls_attempts", "Call attempts (cumulative)", "calls", Split.KIND, True),
    Series("calls_answered", "Answered calls (cumulative)", "calls", Split.KIND, True),
    Series("calls_waiting", "Callers waiting", "calls", Split.KIND),
    Series("admin_debt", "Administrative debt", "hours of work", Split.KIND, False, True),
)
SERIES_BY_NAME: Final[dict[str, Series]] = {s.name: s for s in SERIES}
TOTAL: Final = "all"
"""The part of a series name that stands for the sum over kinds: `backlog:all`."""


def series(name: str) -> Series:
    """The series `name` (without its part), or a KeyError naming the known ones."""
    try:
        return SERIES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"no series {name!r} (series: {', '.join(SERIES_BY_NAME)})") from None


def series_key(name: str, part: str | None = None) -> str:
    """The key of a series in a replication's `series`: `capacity:hospital`, `backlog:all`,
    `readiness`. Refuses a name the registry does not hold."""
    spec = series(name)
    if spec.split is Split.NONE:
        return name
    if part is None:
        raise KeyError(f"series {name!r} is split by {spec.split.value}: name one")
    return f"{name}:{part}"


def split_series_key(key: str) -> tuple[Series, str | None]:
    """`backlog:hospital` -> (the backlog series, "hospital")."""
    name, _, part = key.partition(":")
    return series(name), (part or None)


# --------------------------------------------------------------------------- KPIs


class Aggregate(Enum):
    """How a KPI is made from a replication, and so how it may be summed or cut."""

    COUNT = "count"  # a number of things over the horizon: adds up over kinds and windows
    MOMENT = "moment"  # a time since the start or since the first failure; NaN if never reached
    DURATION = "duration"  # hours spent in a state
    AREA = "area"  # an area under a curve (hours x share, unit-hours, bed-days)
    MEAN = "mean"  # a mean over patients
    PEAK = "peak"  # the largest value over the horizon
    LEVEL = "level"  # a stock at the end of the horizon


@dataclass(frozen=True)
class Kpi:
    """A KPI: its label and unit, whether a larger value is worse, how it aggregates, and (for a
    count) the cumulative per-kind series it can be cut from by time window and unit kind."""

    name: str
    label: str
    unit: str
    larger_is_worse: bool
    aggregate: Aggregate
    headline: bool = True  # in every summary table; else a further KPI for charts and the drill
    series: str | None = None
    part_label: str | None = None  # how it reads under the KPI it is a part of
    declared: bool = False  # NaN unless the scenario declares what it counts; tables leave it out then
    harm: bool = False  # patient-facing harm: never smaller when a resource is removed
    since: str | None = None  # a moment's origin, "start" or "failure": its bound when censored

    @property
    def is_moment(self) -> bool:
        return self.aggregate is Aggregate.MOMENT

    @property
    def by_window(self) -> bool:
        """A count that can be cut by time window and unit kind from its cumulative series."""
        return self.aggregate is Aggregate.COUNT and self.series is not None


_C, _M = Aggregate.COUNT, Aggregate.MOMENT
KPIS: Final = (
    Kpi("cancelled_planned", "Cancelled planned visits", "visits", True, _C, series="cancelled_planned", harm=True),
    Kpi("cancelled_acute", "Acute patients diverted", "patients", True, _C, series="cancelled_acute", harm=True),
    Kpi(
        "acute_not_in_time", "Acute patients not treated in time", "patients", True, _C,
        series="acute_not_in_time", harm=True,
    ),
    Kpi("rebooked", "Rebooked visits", "visits", False, _C, series="rebooked"),
    Kpi("backlog_at_end", "Backlog at end", "visits", True, Aggregate.LEVEL, harm=True),
    Kpi("calls_unanswered", "Unanswered calls", "calls", True, _C, series="calls_unanswered", harm=True),
    Kpi("blocked_bed_days", "Blocked bed-days", "bed-days", True, Aggregate.AREA, harm=True),
    Kpi("stockout_unit_hours", "Stock-out unit-hours", "unit-hours", True, Aggregate.AREA, harm=True),
    Kpi("lost_capacity_h", "Lost capacity (equiv. outage h)", "h", True, Aggregate.AREA, harm=True),
    Kpi("detected_at_h", "Detected at (h)", "h", True, _M, since="start"),
    Kpi("full_operation_at_h", "Full operation at (h)", "h", True, _M, since="start"),
    Kpi("normal_at_h", "Back to normal at (h)", "h", True, _M, since="start"),
    Kpi("time_to_detect_h", "Time to detect (h)", "h", True, _M, since="failure"),
    Kpi("time_to_full_operation_h", "Time to full operation (h)", "h", True, _M, since="failure"),
    Kpi("time_to_normal_h", "Time to normal (h)", "h", True, _M, since="failure"),
    Kpi("planned_booked", "Planned visits booked", "visits", False, _C, False, "planned_booked"),
    Kpi("cancelled_ahead", "Cancelled ahead", "visits", True, _C, False, "cancelled_ahead"),
    Kpi(
        "cancelled_at_door", "Cancelled at the door (patient not told)", "visits", True, _C, False,
        "cancelled_at_door",
        part_label="of which at the door (patient not told)",
    ),
    Kpi("acute_arrivals", "Acute arrivals", "patients", False, _C, False, "acute_arrived"),
    Kpi("acute_wait_mean_h", "Acute mean wait, all arrivals (h)", "h", True, Aggregate.MEAN, False, harm=True),
    Kpi("calls_gave_up", "Callers who gave up", "calls", True, _C, False, "calls_gave_up", harm=True),
    Kpi("staff_mode_h", "Time in staff mode (h)", "h", False, Aggregate.DURATION, False),
    Kpi(
        "postponed_admissions", "Postponed admissions", "admissions", True, _C, False, "postponed_admissions",
        harm=True,
    ),
    Kpi("admin_debt_peak_h", "Peak administrative debt (h)", "h", True, Aggregate.PEAK, False),
    Kpi("contacts", "Patient contacts", "contacts", False, _C, False),
    Kpi("first_failure_at_h", "First failure at (h)", "h", False, _M, False),
    Kpi("observed_h", "Hours observed after the first failure", "h", False, Aggregate.DURATION, False),
    Kpi("rto_breaches", "RTO breaches", "breaches", True, _C, False, declared=True),
    Kpi("rto_breach_h", "Hours beyond the RTO", "h", True, Aggregate.DURATION, False, declared=True),
    Kpi("mtpd_breaches", "MTPD breaches", "breaches", True, _C, False, declared=True),
    Kpi("mtpd_breach_h", "Hours beyond the MTPD", "h", True, Aggregate.DURATION, False, declared=True),
)
KPI: Final[dict[str, Kpi]] = {k.name: k for k in KPIS}
KPI_NAMES: Final[tuple[str, ...]] = tuple(k.name for k in KPIS if k.headline)
"""The KPIs every summary reports, in this order."""
EXTRA_KPI_NAMES: Final[tuple[str, ...]] = tuple(k.name for k in KPIS if not k.headline)
"""Further KPIs, for the charts and the drill."""
ALL_KPI_NAMES: Final[tuple[str, ...]] = KPI_NAMES + EXTRA_KPI_NAMES
TIME_KPIS: Final = frozenset(k.name for k in KPIS if k.is_moment)
"""KPIs that are a moment: NaN in a replication where it never happened."""
DEADLINE_KPIS: Final[tuple[str, ...]] = tuple(k.name for k in KPIS if k.declared)
"""Breaches of the business impact analysis' deadlines: NaN in a scenario that declares none."""
TABLE_KPIS: Final[tuple[str, ...]] = (*KPI_NAMES, "staff_mode_h", "acute_wait_mean_h", *DEADLINE_KPIS)
"""The KPIs of the command line's and the reports' tables, in order (the deadline KPIs only for
scenarios that declare deadlines)."""
HARM_KPIS: Final[tuple[str, ...]] = tuple(k.name for k in KPIS if k.harm)
"""Patient-facing harms: removing a backup routine or a recovery action never makes one smaller."""


def moment_bound(name: str, first_failure_at_h: float, observed_h: float) -> float:
    """The lower bound of moment `name` in a replication that did not reach it within the
    horizon: the horizon, counted from the scenario's start or from the first failure. NaN when
    the KPI is no moment, or nothing failed (then there is nothing to reach)."""
    spec = kpi(name)
    if spec.since == "failure":
        return observed_h
    if spec.since == "start":
        return first_failure_at_h + observed_h
    return math.nan


def kpi(name: str) -> Kpi:
    """The KPI `name`, or a KeyError naming the known ones."""
    try:
        return KPI[name]
    except KeyError:
        raise KeyError(f"no KPI {name!r} (KPIs: {', '.join(KPI)})") from None


def kpi_label(name: str) -> str:
    """A KPI's label in the current language."""
    return _(kpi(name).label)


def catalogue_labels() -> list[str]:
    """Every label defined here as data, for the message catalogue (translated where shown)."""
    return [
        *(k.label for k in UNIT_KINDS), *(k.description for k in UNIT_KINDS),
        *(k.label for k in KPIS), *(k.part_label for k in KPIS if k.part_label),
        *(s.label for s in SERIES), *(s.unit for s in SERIES),
        *(f.names for f in MILESTONE_FORM.values()),
    ]


# --------------------------------------------------------------------------- milestones


@dataclass(frozen=True)
class MilestoneForm:
    """A family of milestones `HEAD:ID:EVENT` (or `HEAD:ID` where `events` is empty): what the
    ID names, which events the engine reaches, and which of them reach a run's results."""

    head: str
    names: str  # what ID refers to, as the checks call it
    refers_to: str  # the key of the scenario's names that ID must be one of
    events: tuple[str, ...]
    reported: tuple[str, ...]
    internal: tuple[str, ...] = ()  # reached by the engine but not for scenario files
    placeholder: str = "ID"

    def key(self, ident: str, event: str | None = None) -> str:
        if not self.events:
            return f"{self.head}:{ident}"
        if event not in self.events and event not in self.internal:
            raise KeyError(f"{self.head} milestones end in {' or '.join(self.events)}, not {event!r}")
        return f"{self.head}:{ident}:{event}"

    @property
    def pattern(self) -> str:
        tail = f":{'|'.join(self.events)}" if self.events else ""
        return f"{self.head}:{self.placeholder}{tail}"


MILESTONE_FORMS_: Final = (
    MilestoneForm("system", "system", "systems", ("restored",), ("restored",)),
    MilestoneForm("incident", "incident", "incidents", ("failure", "detected", "diagnosed"), ()),
    MilestoneForm(
        "readiness", "readiness level", "levels", ("start", "end"), ("start", "end"), (), "LEVEL"
    ),
    MilestoneForm("backup", "backup routine", "backups", ("active", "ended"), ("active", "ended")),
    MilestoneForm(
        "action", "recovery action", "actions", ("started", "in_effect"), ("in_effect",), ("ordered",)
    ),
    MilestoneForm("inject", "inject", "injects", (), ()),
    MilestoneForm(
        "deadline", "unit, phone line, consumable or system with continuity", "continuity",
        ("rto", "mtpd"), ("rto", "mtpd"),
    ),
)
MILESTONE_FORM: Final[dict[str, MilestoneForm]] = {f.head: f for f in MILESTONE_FORMS_}

FIRST_FAILURE: Final = "first_failure"
DETECTED: Final = "detected"
DIAGNOSIS: Final = "diagnosis"
FULL_OPERATION: Final = "full_operation"
NORMAL: Final = "normal"
SINGLE_MILESTONES: Final = (DETECTED, DIAGNOSIS, FIRST_FAILURE, FULL_OPERATION)
"""Milestones without an id that a scenario file may name."""
REPORTED_SINGLES: Final = frozenset({DETECTED, FULL_OPERATION, NORMAL})
"""Milestones without an id that reach a run's results (`normal` is found by the flows)."""
MILESTONE_FORMS: Final[tuple[str, ...]] = (*SINGLE_MILESTONES, *(f.pattern for f in MILESTONE_FORMS_))
"""Every way a scenario file may name a milestone, for error messages and the reference."""


def milestone_key(head: str, ident: str, event: str | None = None) -> str:
    """The milestone `HEAD:ID:EVENT`, refused if the registry holds no such form."""
    try:
        form = MILESTONE_FORM[head]
    except KeyError:
        raise KeyError(f"no milestone form {head!r}") from None
    return form.key(ident, event)


def is_milestone(name: str) -> bool:
    """Whether `name` has the shape of a milestone the engine can reach (ids are not checked)."""
    parts = name.split(":")
    if len(parts) == 1:
        return name in SINGLE_MILESTONES or name == NORMAL
    form = MILESTONE_FORM.get(parts[0])
    if form is None:
        return False
    if not form.events:
        return len(parts) == 2
    return len(parts) == 3 and (parts[2] in form.events or parts[2] in form.internal)


def is_reported(name: str) -> bool:
    """Whether the engine hands milestone `name` on in a replication's results."""
    parts = name.split(":")
    if len(parts) == 1:
        return name in REPORTED_SINGLES
    form = MILESTONE_FORM.get(parts[0])
    if form is None or len(parts) != 3 or parts[2] not in form.reported:
        return False
    return form.head != "readiness" or parts[1] in READINESS_LEVELS
