"""The scenario: one frozen, validated description of a region, its IT, an incident and the
responses to it. Every field's docstring is its documentation (docs/scenario-reference.md and the
JSON Schema are generated from it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

from ..i18n import _
from ..vocabulary import (
    RaisedLevelId,
    ReadinessId,
    UnitKindId,
)
from .assumptions import UNCERTAIN, Assumption
from .distributions import DurationDist
from .quantities import (
    DateTimeField,
    Duration,
    OpeningHoursField,
    TimePointField,
    parse_opening_hours,
)

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64),
]
"""Lower-case letters, digits, `-` and `_`: how other parts of the file refer to a thing."""

Fraction = Annotated[float, Field(ge=0, le=1)]
AssumedFraction = Annotated[float, Field(ge=0, le=1), UNCERTAIN]
"""A share, capacity or probability that may be written as a range (drawn once per replication)."""
AssumedAmount = Annotated[float, Field(ge=0, le=1_000_000), UNCERTAIN]
"""A volume or amount that may be written as a range (drawn once per replication); at most a
million, far beyond any unit's day, so that no product of volumes can overflow."""
Weight = Annotated[float, Field(ge=0, le=1_000_000)]
"""A relative weight."""
MAX_COUNT = 100_000
"""The most of anything countable (beds, patients in a queue, units hit)."""

RaisedLevel = RaisedLevelId
ReadinessLevel = ReadinessId
UnitKind = UnitKindId
CareService = Literal["acute", "planned", "discharge"]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _weekdays() -> list[Weekday]:
    return ["mon", "tue", "wed", "thu", "fri"]


class Model(BaseModel):
    """Base of every scenario part: immutable, and unknown keys are refused."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
        validate_default=True,
        populate_by_name=False,
        allow_inf_nan=False,
    )


# --------------------------------------------------------------------------- region


class Dependency(Model):
    """What happens to this part when an IT system is down."""

    system: Id
    """Id of the system depended on (from `region.systems`)."""
    effect: Literal["stop", "reduce"] = "stop"
    """`stop`: nothing can be done without the system. `reduce`: work goes on at `capacity`."""
    capacity: AssumedFraction | None = None
    """With `effect: reduce`, the fraction of normal capacity left while the system is down."""
    affects: list[CareService] | None = None
    """For care units: which services depend on the system (acute, planned, discharge).
    Left out: all of them."""
    share: Annotated[float, Field(gt=0, le=1), UNCERTAIN] = 1.0
    """Share of the work that needs the system (`share: 0.05`: one outpatient visit in twenty
    needs a lab result before it can take place). The loss, the slow-down and what a backup
    routine gives back apply to that share only; the rest of the work goes on. Default 1."""
    acute_pace: Annotated[float, Field(ge=0.1, le=1), UNCERTAIN] = 1.0
    """For a care unit's acute care: the pace of treatment while the system is missing, as a
    share of normal (information loss: records, lab results, medication lists). Below 1, every
    acute patient takes `1 / acute_pace` times longer, however many staff are moved to acute work;
    a backup routine or alternative system with `restores_information` gives part of it back.
    Default 1 (no slow-down). Region Östergötland's emergency departments without their EHR for
    96 h: median stays 19 and 76 min longer at two of three (Frontiers in Public Health 2019)."""

    @model_validator(mode="after")
    def _capacity_matches_effect(self) -> Dependency:
        if self.effect == "reduce" and self.capacity is None:
            raise ValueError(_("effect: reduce needs capacity (the fraction left, 0..1)"))
        if self.effect == "stop" and self.capacity not in (None, 0):
            raise ValueError(_("effect: stop leaves no capacity; use effect: reduce with capacity"))
        return self

    @property
    def remaining(self) -> float:
        return 0.0 if self.effect == "stop" else float(self.capacity or 0.0)


class HourlyProfile(Model):
    """Relative volume in each hour of the day, 24 weights starting at 00:00. They are scaled so
    that the day's total equals the stated daily volume."""

    weights: list[Weight] = Field(min_length=24, max_length=24)
    """Relative weight of each hour, 00-01 first."""

    @field_validator("weights")
    @classmethod
    def _not_all_zero(cls, v: list[float]) -> list[float]:
        if sum(v) <= 0:
            raise ValueError(_("at least one hour must have a weight above zero"))
        return v


class Continuity(Model):
    """Deadlines from the region's business impact analysis (BIA): how long a unit, a phone line,
    the ordering of a consumable or an IT system may be disrupted. A run watches each one; when a
    disruption outlasts a deadline, an inject goes to the roles in `to` and the breach is counted
    (KPIs `rto_breaches`, `mtpd_breaches` and the hours beyond each deadline)."""

    rto: Duration | None = None
    """Recovery time objective: the part should work again within this time of being disrupted."""
    mtpd: Duration | None = None
    """Maximum tolerable period of disruption: the longest a disruption may last before its
    consequences are no longer acceptable."""
    disrupted_below: Annotated[float, Field(gt=0, le=1)] = 1.0
    """The part counts as disrupted while its capacity is below this share of normal (backup
    routines, alternative systems and mutual aid included; for a system, its health). 1: any
    loss of capacity counts."""
    services: list[CareService] | None = None
    """Care units only: the services that count (acute, planned, discharge); the lowest of them
    decides. Left out: every service the unit has."""
    to: list[str] = Field(default_factory=lambda: ["all"])
    """Roles told when a deadline is breached (the inject of a drill)."""
    source: str = ""
    """Where the deadlines come from: the region's analysis, or that they are assumed."""

    @model_validator(mode="after")
    def _deadlines(self) -> Continuity:
        if self.rto is None and self.mtpd is None:
            raise ValueError(_("give rto, mtpd or both"))
        for name in ("rto", "mtpd"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(_("{name} must be longer than zero").format(name=name))
        if self.rto is not None and self.mtpd is not None and self.rto > self.mtpd:
            raise ValueError(_("rto must not be longer than mtpd (the recovery objective lies within what can be tolerated)"))
        return self

    def deadlines(self) -> list[tuple[str, float]]:
        """(`rto` or `mtpd`, hours) of the deadlines given."""
        return [(name, float(v)) for name, v in (("rto", self.rto), ("mtpd", self.mtpd)) if v is not None]


class AcuteCare(Model):
    """Patients who arrive unplanned and must be seen; they queue and are never cancelled."""

    arrivals_per_day: AssumedAmount
    """Mean acute arrivals per unit and day."""
    profile: HourlyProfile | None = None
    """Time-of-day pattern of arrivals. Left out: the same in every hour."""
    servers: int = Field(ge=1, le=10_000)
    """Patients one unit can treat at the same time (teams, rooms or doctors on duty)."""
    service_time: DurationDist = Field(default_factory=lambda: {"dist": "exponential", "mean": "1h"})
    """Treatment time of one patient at full capacity."""
    admitted_fraction: AssumedFraction = 0.0
    """Share of acute patients who are admitted and need a bed (hospitals with beds)."""
    staff_share: Annotated[float, Field(gt=0, le=1), UNCERTAIN] = 0.3
    """Share of the unit's staff normally on acute work. With acute priority, staff move from
    planned to acute work when capacity drops, so acute care keeps up longer."""
    wait_target: Duration = Field(default="2h", le=24 * 7)
    """Time from arrival within which treatment should start. Patients treated later, and every
    diverted patient, count as not treated in time (KPI `acute_not_in_time`). Default 2 h, assumed."""
    diversion_delay: Duration = Field(default="1h", le=24 * 7)
    """Time a diverted patient takes to be seen at another unit (transfer and a new queue); it is
    their wait in the acute mean wait over all arrivals. Default 1 h, assumed (Düsseldorf 2020:
    an emergency patient diverted about 32 km)."""
    divert_queue_length: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    """Patients waiting at which new arrivals are diverted to another unit (turned away).
    Left out: never diverted for queue length; diverted only when the unit can take no one."""


class PlannedCare(Model):
    """Booked visits: cancelled and rebooked when capacity drops."""

    visits_per_day: AssumedAmount
    """Booked visits per unit on an open day."""
    opening_hours: OpeningHoursField = Field(default_factory=lambda: parse_opening_hours("08:00-16:00"))
    """Hours in which the visits take place."""
    open_days: list[Weekday] = Field(default_factory=_weekdays, min_length=1)
    """Weekdays with planned visits."""
    utilisation: Annotated[float, Field(ge=0.5, le=1), UNCERTAIN] = 0.9
    """Share of the unit's normal planned capacity that its booked visits use; the rest is slack
    (empty slots, visits that finish early) that takes rebooked visits. A capacity loss smaller
    than the slack cancels nothing. Default 0.9, assumed: audits of outpatient clinics report 70-85%
    of the available slots used; 0.9 leaves less slack than that."""


class Beds(Model):
    """Inpatient beds: patients ready for discharge stay when discharge messaging is down."""

    beds: int = Field(ge=1, le=MAX_COUNT)
    """Staffed beds per unit."""
    occupancy: AssumedFraction = 0.9
    """Normal share of beds occupied."""
    length_of_stay: Duration = Field(default="4d", ge=1)
    """Mean length of stay (at least 1h); sets how many patients become ready for discharge each
    day."""
    discharge_hours: OpeningHoursField = Field(default_factory=lambda: parse_opening_hours("09:00-17:00"))
    """Hours in which discharges happen."""
    elective_share: AssumedFraction = 0.3
    """Share of admissions that are planned (elective). When beds run short, elective admissions
    are postponed first, so acute patients keep getting beds."""
    surge: AssumedFraction = 0.0
    """Extra beds that can be opened in a crisis (överbeläggning), as a share of `beds`; they take
    admissions when the normal beds are full."""
    catch_up: Annotated[float, Field(ge=1, le=10), UNCERTAIN] = 1.5
    """Discharge capacity relative to the normal discharge rate: the headroom that clears held-up
    patients. At discharge capacity `c` (share of normal), up to `c * catch_up` times the normal
    rate of patients can leave, so a discharge routine at 1/catch_up of normal keeps up."""


class CareUnit(Model):
    """A hospital, primary-care centre, dental clinic or other unit, or a group of similar ones
    (`count`), so that 25 primary-care centres are one block."""

    id: Id
    """Short id used elsewhere in the file."""
    name: str = Field(min_length=1, max_length=200)
    """Name shown to people."""
    kind: UnitKind
    """hospital, primary_care (vårdcentral), dental (folktandvård) or other."""
    ownership: Literal["public", "private"] = "public"
    """Public or private provider (private primary care logs in to the region's systems too)."""
    count: int = Field(default=1, ge=1, le=10_000)
    """How many identical units this entry stands for. Volumes below are per unit."""
    acute: AcuteCare | None = None
    """Unplanned patients. Left out: none."""
    planned: PlannedCare | None = None
    """Planned visits. Left out: none."""
    beds: Beds | None = None
    """Inpatient beds (hospitals). Left out: none."""
    depends_on: list[Dependency] = Field(default_factory=list)
    """IT systems the unit needs, and what their loss does."""
    consumables: list[Id] = Field(default_factory=list)
    """Ids of consumables (from `region.consumables`) the unit uses."""
    continuity: Continuity | None = None
    """Deadlines from the business impact analysis (rto, mtpd). Left out: none."""
    note: str = ""
    """Where the numbers come from, or that they are assumed."""


class CallSurge(Model):
    """Outages and news make people call: more new calls while the services a line answers for
    are down and while patients are being told, fading after."""

    factor: Annotated[float, Field(ge=1, le=20), UNCERTAIN] = 1.0
    """New calls as a multiple of normal while a unit the line serves (every unit, when `serves`
    names none) is short of a system (in proportion to the share of capacity it has lost), and
    from when patients are informed until full operation. Default 1 (no surge). The reference
    range `call-surge` (1-3) fits it."""
    half_life: Duration = Field(default="4h", gt=0, le=24 * 30)
    """Time in which the extra calls halve once the services are back and the region is in full
    operation. Default 4 h, assumed: questions about the outage fade within a day."""


class PhoneLine(Model):
    """A phone line (the units' own lines, a switchboard, 1177): calls queue, callers give up and
    some call again."""

    id: Id
    """Short id used elsewhere in the file."""
    name: str = Field(min_length=1, max_length=200)
    """Name shown to people."""
    count: int = Field(default=1, ge=1, le=10_000)
    """How many identical lines this entry stands for. Volumes below are per line."""
    calls_per_day: AssumedAmount
    """Mean calls per line and day (first attempts, not retries)."""
    opening_hours: OpeningHoursField = Field(default_factory=lambda: parse_opening_hours("08:00-17:00"))
    """Hours in which calls are taken; calls arrive only then."""
    agents: int = Field(ge=1, le=10_000)
    """Staff answering each line at the same time."""
    pooled: bool = False
    """Whether the entry's lines share one queue, so that any free agent of any line takes the
    longest-waiting caller (a call centre). Left out: each line has its own queue and agents, and
    a caller rings one of them (the units' own lines)."""
    handling_time: Duration = Field(default="6min", gt=0)
    """Mean length of an answered call (exponential; above zero)."""
    patience: Duration = Field(default="3min", gt=0)
    """Mean time a caller waits before giving up (exponential; above zero)."""
    retry_probability: AssumedFraction = 0.5
    """Chance that a caller who gave up calls again."""
    retry_after: Duration = "30min"
    """Mean time before a caller who gave up calls again."""
    serves: list[Id] = Field(default_factory=list)
    """Care units whose patients call this line (for the summary, the charts and the call
    surge; left out, the surge follows every unit of the region)."""
    surge: CallSurge = Field(default_factory=CallSurge)
    """More calls during the outage and after patients are informed. Left out: none."""
    depends_on: list[Dependency] = Field(default_factory=list)
    """IT systems the line needs (telephony, network)."""
    continuity: Continuity | None = None
    """Deadlines from the business impact analysis (rto, mtpd). Left out: none."""
    note: str = ""
    """Where the numbers come from, or that they are assumed."""


class Consumable(Model):
    """Förbrukningsmaterial: stock runs down while ordering is down, until deliveries resume."""

    id: Id
    """Short id used elsewhere in the file."""
    name: str = Field(min_length=1, max_length=200)
    """Name shown to people."""
    stock_days: Annotated[float, Field(ge=0, le=3660), UNCERTAIN] = 5.0
    """Stock on hand at the start, in days of normal use."""
    lead_time: Duration = "2d"
    """Time from an order to its delivery."""
    stockout_capacity: AssumedFraction = 0.5
    """Capacity of planned care at the units that use it while it is out of stock."""
    depends_on: list[Dependency] = Field(default_factory=list)
    """IT systems that ordering needs (an ordering system, a supplier's platform)."""
    continuity: Continuity | None = None
    """Deadlines from the business impact analysis (rto, mtpd). Left out: none."""
    note: str = ""
    """Where the numbers come from, or that they are assumed."""


class System(Model):
    """An IT system or platform: a journal system, e-prescribing, telephony, a network, a data
    centre, an outside supplier's hosting."""

    id: Id
    """Short id used elsewhere in the file."""
    name: str = Field(min_length=1, max_length=200)
    """Name shown to people."""
    kind: Literal["platform", "application", "supplier"] = "application"
    """platform (network, data centre, login), application, or an outside supplier."""
    depends_on: list[Dependency] = Field(default_factory=list)
    """Other systems this one needs. A cycle of dependencies is refused."""
    continuity: Continuity | None = None
    """Deadlines from the business impact analysis (rto, mtpd). Left out: none."""
    note: str = ""
    """What the system is for."""


class Region(Model):
    """A region's care units, phone lines, consumables and IT systems: described once, used by
    several scenarios (write a file path instead of the mapping to share it)."""

    id: Id
    """Short id of the region."""
    name: str = Field(min_length=1, max_length=200)
    """Name shown to people."""
    description: str = ""
    """A few lines on the region."""
    sources: list[str] = Field(default_factory=list)
    """Where the region's numbers come from."""
    units: list[CareUnit] = Field(min_length=1)
    """Care units and groups of units."""
    phone_lines: list[PhoneLine] = Field(default_factory=list)
    """Phone lines."""
    consumables: list[Consumable] = Field(default_factory=list)
    """Consumables supplied through an ordering system."""
    systems: list[System] = Field(min_length=1)
    """IT systems and platforms."""


# --------------------------------------------------------------------------- incident


class FailedSystem(Model):
    """One system an incident takes down, optionally with its own repair time."""

    system: Id
    """Id of the system."""
    repair: DurationDist | None = None
    """Time to repair this system, counted from the start of repair work. Left out: the
    incident's `repair`, or a draw from its `restoration` curve."""


class VendorEscalation(Model):
    """The fault is handed to a vendor or supplier, which adds delay before repair starts."""

    probability: AssumedFraction = 1.0
    """Chance that the fault needs the vendor."""
    delay: DurationDist
    """Added time before repair work starts."""


class RestorationStage(Model):
    """A point on a staged restoration curve."""

    after: Duration
    """Time after the failure."""
    fraction: Fraction
    """Share of the failed systems restored by then."""


class Incident(Model):
    """What fails and when, and how it is found and repaired."""

    id: Id
    """Short id of the incident."""
    name: str = Field(min_length=1, max_length=200)
    """Name shown to people."""
    description: str = ""
    """What happened."""
    at: TimePointField
    """When the failure happens: 07:00 (on the start date), 2024-01-22 14:00, or +6h (offset)."""
    fails: list[Id | FailedSystem] = Field(min_length=1)
    """Systems that fail: ids, or mappings with their own repair time."""
    detection_delay: DurationDist = "0h"
    """Time from the failure until someone notices."""
    diagnosis: DurationDist = "0h"
    """Time from detection until the cause is understood and repair can start."""
    vendor_escalation: VendorEscalation | None = None
    """Escalation to a vendor, if the fault needs one."""
    repair: DurationDist | None = None
    """Time from the start of repair until the systems work again."""
    restoration: list[RestorationStage] | None = None
    """Staged restoration: the share of failed systems back by each time after the failure
    (a supplier restoring customers one by one). Each failed system without its own repair time
    draws its restoration time from this curve."""
    verification: DurationDist = "0h"
    """Time from repair until users are let back in (checks, tests)."""

    @field_validator("fails")
    @classmethod
    def _normalise_fails(cls, v: list[Any]) -> list[Any]:
        return [FailedSystem(system=x) if isinstance(x, str) else x for x in v]

    @field_validator("restoration")
    @classmethod
    def _curve_rises(cls, v: list[RestorationStage] | None) -> list[RestorationStage] | None:
        if v is None:
            return v
        if not v:
            raise ValueError(_("a restoration curve needs at least one stage"))
        for a, b in zip(v, v[1:], strict=False):
            if b.after <= a.after or b.fraction < a.fraction:
                raise ValueError(_("stages must come later in time with a growing fraction"))
        return v

    @model_validator(mode="after")
    def _some_way_back(self) -> Incident:
        every_own = all(isinstance(f, FailedSystem) and f.repair is not None for f in self.fails)
        if self.repair is None and self.restoration is None and not every_own:
            raise ValueError(
                _("say how the systems come back: repair, restoration, or a repair on each system")
            )
        if self.repair is not None and self.restoration is not None:
            raise ValueError(_("give either repair or restoration, not both"))
        return self

    @property
    def failed(self) -> list[FailedSystem]:
        return [f for f in self.fails if isinstance(f, FailedSystem)]


# --------------------------------------------------------------------------- responses


class Fatigue(Model):
    """Backup routines wear staff out: capacity falls after a while."""

    after: Duration = "1d"
    """Time on backup routines before fatigue sets in."""
    loss_per_day: AssumedFraction = 0.05
    """Capacity lost per further day (fraction of normal capacity)."""
    floor: AssumedFraction = 0.3
    """Capacity never falls below this."""


class BackupRoutine(Model):
    """Reservrutiner: manual routines (paper journals, phone lists, manual ordering or discharge
    messages) that stand in for a system at lower capacity and leave records to enter afterwards."""

    id: Id
    """Short id."""
    name: str = Field(min_length=1, max_length=200)
    """Name shown to people."""
    replaces: list[Id] = Field(min_length=1)
    """Systems the routine stands in for."""
    covers: list[Id] | None = None
    """Units, phone lines or consumables that use it. Left out: all that depend on `replaces`."""
    activation_delay: DurationDist = "30min"
    """Time from detection until the routine is in use."""
    capacity: AssumedFraction
    """Capacity, as a share of normal, while working on the routine."""
    compliance: AssumedFraction = 1.0
    """Share of units that follow the routine; the rest work as if there were none."""
    fatigue: Fatigue | None = None
    """Loss of capacity over long outages. Left out: none."""
    admin_debt_per_hour: AssumedAmount = 0.0
    """Hours of records to enter afterwards, per unit and hour of work done without the systems
    the routine replaces, at the normal volume of that work. Work done without the systems leaves
    these records whether or not the routine is used or followed: they are counted at the units
    the routine covers even when it is switched off (`enabled: false`)."""
    back_entry_hours_per_day: AssumedAmount = 4.0
    """Hours per unit and day of ordinary time spent entering those records while the systems
    work (overtime adds `policies.overtime.back_entry_hours_per_day`)."""
    restores_information: AssumedFraction = 0.0
    """Share of the acute slow-down (a dependency's `acute_pace`) the routine gives back while in
    use, at the units that follow it: a downtime kit with printed patient and medication lists, a
    read-only copy of the records. Default 0."""
    enabled: bool = True
    """Whether the region has this routine (a strategy can switch it off). A routine that is
    switched off lifts no capacity, but its `admin_debt_per_hour` still describes the records of
    the work done without its systems."""
    note: str = ""
    """Where the numbers come from, or that they are assumed."""


StartTrigger = Literal[
    "detection", "diagnosis", "stabslage", "forstarkningslage", "katastroflage", "manual"
]


class Start(Model):
    """When a response starts: after an event (plus a decision delay), or at a set time.
    `manual` means only a drill decision starts it."""

    after: StartTrigger | None = None
    """detection, diagnosis, a readiness level (stabslage, ...), or manual."""
    at: TimePointField | None = None
    """A set time instead of an event."""
    delay: DurationDist = "0h"
    """Time from the event until the decision is taken."""

    @model_validator(mode="after")
    def _one_of(self) -> Start:
        if (self.after is None) == (self.at is None):
            raise ValueError(_("give exactly one of after or at"))
        return self


class RecoveryAction(Model):
    """A way back: fail over to a new server, build an alternative system, or ask a neighbouring
    region for help."""

    id: Id
    """Short id."""
    name: str = Field(min_length=1, max_length=200)
    """Name shown to people."""
    kind: Literal["failover", "alternative_system", "mutual_aid"]
    """failover: the systems work again when it is done. alternative_system: stands in for the
    systems at `capacity`. mutual_aid: adds `capacity` to the units in `covers`."""
    systems: list[Id] = Field(default_factory=list)
    """Systems restored (failover) or stood in for (alternative_system)."""
    covers: list[Id] | None = None
    """Units, lines or consumables helped. Left out: all that depend on `systems`."""
    start: Start
    """When the work starts."""
    lead_time: DurationDist
    """Time from the start until it takes effect."""
    capacity: AssumedFraction = 1.0
    """alternative_system: capacity while in use; mutual_aid: capacity added."""
    restores_information: AssumedFraction = 0.0
    """alternative_system: share of the acute slow-down (a dependency's `acute_pace`) it gives
    back while in use (1 for a read-only copy that shows the records). Default 0."""
    rollout: Duration = "0h"
    """Time over which it is taken into use gradually (capacity ramps up)."""
    enabled: bool = True
    """Whether the action is available (a strategy can switch it off)."""
    note: str = ""
    """Where the numbers come from, or that they are assumed."""

    @model_validator(mode="after")
    def _targets(self) -> RecoveryAction:
        if self.kind in ("failover", "alternative_system") and not self.systems:
            raise ValueError(_("kind: {kind} needs systems").format(kind=self.kind))
        if self.kind == "mutual_aid" and not self.covers:
            raise ValueError(_("kind: mutual_aid needs covers (the units helped)"))
        return self


class CancellationPolicy(Model):
    """When planned visits are cancelled and how far ahead."""

    capacity_below: Fraction = 0.8
    """Planned visits are cancelled at units whose planned capacity is below this."""
    decide: Literal["on_detection", "on_staff_mode", "never"] = "on_detection"
    """When the decision to cancel ahead is taken; `never`: visits are only lost at the door (in
    batch runs a decision point's default that cancels planned visits cancels none either)."""
    decision_delay: DurationDist = "30min"
    """Time from that event until the cancellation decision."""
    ahead: Duration = "8h"
    """How far ahead visits are cancelled once decided (the patients are told)."""


class RebookingPolicy(Model):
    """How cancelled visits get new times: in the units' slack as soon as the patients have been
    contacted, and in extra sessions (overtime) after recovery."""

    notice: Duration = Field(default="1d", le=24 * 30)
    """Time from a visit's cancellation until it can be given a new time (the patient is contacted
    and offered one). Default 1 day, assumed."""
    extra_capacity: AssumedFraction = 0.1
    """Extra sessions after recovery, per open day, as a share of the normal planned volume; used
    for rebooked visits."""
    start_after: Duration = Field(default="1d", le=24 * 30)
    """Time after a unit's systems are back (its capacity without backup routines is full again)
    before its extra sessions start."""


class EscalationTrigger(Model):
    """When the region raises its readiness level."""

    level: RaisedLevel
    """stabslage, forstarkningslage or katastroflage."""
    units_hit: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    """Raise when at least this many units (counting each unit in a group) have lost capacity."""
    outage_longer_than: Duration | None = None
    """Raise when the detected outage has lasted this long."""
    acute_queue: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    """Raise when at least this many acute patients wait for treatment in the region (all units
    together) at the end of a time step."""
    unanswered_calls: Annotated[float, Field(gt=0, le=1)] | None = None
    """Raise when at least this share of the call attempts of the last hour (all phone lines
    together) went unanswered."""
    blocked_beds: int | None = Field(default=None, ge=1, le=MAX_COUNT)
    """Raise when at least this many patients ready for discharge are held in beds (all hospitals
    together) at the end of a time step."""
    decision_delay: DurationDist = "15min"
    """Time from the trigger until the level is raised."""

    @model_validator(mode="after")
    def _some_trigger(self) -> EscalationTrigger:
        if all(getattr(self, name) is None for name in TRIGGER_CONDITIONS):
            raise ValueError(_("give at least one of {conditions}").format(conditions=", ".join(TRIGGER_CONDITIONS)))
        return self

    @property
    def watches_queues(self) -> bool:
        """Whether a condition looks at the queues (the flows of patients, calls and beds)."""
        return any(getattr(self, name) is not None for name in QUEUE_CONDITIONS)


QUEUE_CONDITIONS = ("acute_queue", "unanswered_calls", "blocked_beds")
"""An escalation trigger's conditions on the queues."""
TRIGGER_CONDITIONS = ("units_hit", "outage_longer_than", *QUEUE_CONDITIONS)
"""Every condition an escalation trigger can hold on."""


CALL_REDUCTION_LEFT_OUT = 0.2
"""The share of new calls an `inform_patients` action avoids when a scenario gives no
`policies.escalation.call_reduction` (assumed; docs/model.md, "Readiness ladder")."""


class EscalationPolicy(Model):
    """Readiness ladder: normalläge, stabsläge, förstärkningsläge, katastrofläge."""

    triggers: list[EscalationTrigger] = Field(default_factory=list)
    """Rules for raising the level. Any rule that holds raises it."""
    stand_down_after: DurationDist = "90min"
    """Time from operational (see `operational_at`) until the level returns to normalläge."""
    operational_at: Fraction = 0.9
    """Every affected service at or above this capacity (backup routines and alternative systems
    included) counts as operational for standing down."""
    call_reduction: AssumedFraction | None = None
    """Share of new calls not made once patients are informed, until full operation: staff mode
    (stabsläge or higher) informs them when this is given, a drill's or a decision's
    `inform_patients` at any time. 0 means that informing them changes no call. Left out: staff
    mode does not inform patients, and an `inform_patients` action avoids 20% of the calls
    (assumed, the share the shipped scenarios assume)."""

    @property
    def informed_call_reduction(self) -> float:
        """The share of new calls informed patients do not make (`call_reduction`, or 20% left out)."""
        return CALL_REDUCTION_LEFT_OUT if self.call_reduction is None else self.call_reduction


def _acute_and_discharge() -> list[CareService]:
    return ["acute", "discharge"]


class StaffModePolicy(Model):
    """What the crisis staff does once staff mode (stabsläge or higher) is raised, for as long as
    it lasts: it moves staff to the care services short of capacity and opens extra phone capacity
    (each from a delay after the level is raised). Informing patients is
    `escalation.call_reduction`. The readiness ladder's own tests (operational, full operation)
    look at the services without these staff: they go back when the staff stands down."""

    redeploy: AssumedFraction = 0.05
    """Staff moved to each service in `redeploy_to` that is short of capacity, as a share of the
    capacity it still has (0.05: a service at 60% works at 63%), never beyond normal. Staff called
    in or moved from cancelled work. Default 0.05, assumed."""
    redeploy_to: list[CareService] = Field(default_factory=_acute_and_discharge)
    """Services that get the redeployed staff (acute, planned, discharge). Default acute care and
    discharges, assumed: where a crisis staff sends people first."""
    redeploy_after: Duration = Field(default="4h", le=24 * 7)
    """Time from raising staff mode until the redeployed staff are at work. Default 4 h, assumed."""
    phone_capacity: AssumedFraction = 0.25
    """Extra phone capacity on every line short of capacity (extra agents and call-back lists), as
    a share of the capacity the line still has, never beyond normal. A line that is down stays
    down. Default 0.25, assumed."""
    phone_after: Duration = Field(default="1h", le=24 * 7)
    """Time from raising staff mode until the extra phone capacity answers. Default 1 h, assumed."""
    ask_mutual_aid: bool = True
    """Whether the staff asks for the mutual aid that waits for a decision (a `mutual_aid`
    recovery action with `start: {after: manual}`) as soon as staff mode is raised; it then takes
    its `lead_time`. Default true, assumed: asking the neighbours for help is what a regional
    crisis staff does."""
    coordinate_cancellations: bool = True
    """Whether, in staff mode, the cancellation policy's decisions are taken for the whole region:
    visits are cancelled ahead at every unit short of planned capacity, not only below
    `cancellation.capacity_below`, so that fewer patients are turned away at the door. Batch runs
    only (in a drill the group cancels). Default true, assumed."""


class OvertimePolicy(Model):
    """Overtime after recovery for back-entry: records kept without the systems are entered in
    ordinary time (each routine's `back_entry_hours_per_day`) and, from `start_after` after a
    unit's systems are back, in overtime as well, until they are all entered."""

    back_entry_hours_per_day: AssumedAmount = 1.0
    """Overtime hours per unit and day spent on back-entry. Default 1 h, assumed."""
    start_after: Duration = Field(default="1d", le=24 * 30)
    """Time after a unit's systems are back before its overtime starts. Default 1 day, assumed."""


class Policies(Model):
    """The region's rules in batch runs; a drill replaces decisions with the group's."""

    cancellation: CancellationPolicy = Field(default_factory=CancellationPolicy)
    """Cancellation of planned visits."""
    rebooking: RebookingPolicy = Field(default_factory=RebookingPolicy)
    """Rebooking of cancelled visits, in the units' slack and in extra sessions."""
    overtime: OvertimePolicy = Field(default_factory=OvertimePolicy)
    """Overtime for back-entry after recovery."""
    acute_priority: bool = True
    """Acute patients get staff first: planned capacity goes before acute capacity."""
    escalation: EscalationPolicy = Field(default_factory=EscalationPolicy)
    """Raising and lowering the readiness level."""
    staff_mode: StaffModePolicy = Field(default_factory=StaffModePolicy)
    """What the crisis staff does while staff mode lasts."""


# --------------------------------------------------------------------------- exercise material


class Action(Model):
    """Something the group can do in a drill, or that an option of a decision point does."""

    do: Literal[
        "raise_readiness",
        "lower_readiness",
        "activate_backup",
        "cancel_planned",
        "start_recovery",
        "inform_patients",
    ]
    """The kind of action."""
    target: str | None = None
    """Readiness level, backup routine id, recovery action id, or unit id (cancel_planned)."""
    period: Duration | None = None
    """For cancel_planned: how far ahead visits are cancelled."""


class Condition(Model):
    """A condition on the played timeline, for conditional injects."""

    milestone: str
    """A milestone, e.g. `readiness:stabslage:start`, `system:journal:restored`, `detected`."""
    reached: bool = True
    """true: holds once the milestone is reached. false: holds if it is not reached by `by`."""
    by: TimePointField | None = None
    """With reached: false, the time by which the milestone is expected."""
    delay: Duration = "0h"
    """Time after the milestone (or `by`) before the inject arrives."""


class Inject(Model):
    """Inspel: a message to roles in the room, at a time or when a condition holds."""

    id: Id
    """Short id."""
    at: TimePointField | None = None
    """When it arrives. Give at or when."""
    when: Condition | None = None
    """A condition on the played timeline instead of a time."""
    to: list[str] = Field(default_factory=lambda: ["all"])
    """Roles it is addressed to."""
    title: str = Field(min_length=1, max_length=200)
    """Headline."""
    message: str = ""
    """The text read out or handed over."""
    facilitator_note: str = ""
    """Only the facilitator sees this."""
    sender: str = Field(default="", alias="from", max_length=200)
    """Who it comes from in the story (a ward, the press, the vendor; the master scenario events
    list's *From*). Left out: the exercise control (motspel)."""
    method: str = Field(default="", max_length=200)
    """How it is delivered: phone call, e-mail, in person, a note handed over (*Method*)."""
    expects: list[Id] = Field(default_factory=list)
    """Ids of the expected actions it should prompt (the list's *Expected action*)."""

    @model_validator(mode="after")
    def _one_of(self) -> Inject:
        if (self.at is None) == (self.when is None):
            raise ValueError(_("give exactly one of at or when"))
        return self


class Option(Model):
    """One choice at a decision point."""

    id: Id
    """Short id."""
    label: str = Field(min_length=1, max_length=200)
    """What the group sees."""
    description: str = ""
    """More detail."""
    set: dict[str, Any] = Field(default_factory=dict)
    """Scenario changes from then on, as in a strategy (`path.to.field: value`)."""
    actions: list[Action] = Field(default_factory=list)
    """Actions taken when the option is chosen."""


class DecisionPoint(Model):
    """A question put to the group at a time or when a condition holds."""

    id: Id
    """Short id."""
    at: TimePointField | None = None
    """When the question comes. Give at or when."""
    when: Condition | None = None
    """A condition on the played timeline instead of a time."""
    question: str = Field(min_length=1)
    """The question."""
    roles: list[str] = Field(default_factory=lambda: ["all"])
    """Roles that decide."""
    options: list[Option] = Field(min_length=2)
    """The choices."""
    default: Id
    """The option taken in batch runs (what the policies would do)."""

    @model_validator(mode="after")
    def _check(self) -> DecisionPoint:
        if (self.at is None) == (self.when is None):
            raise ValueError(_("give exactly one of at or when"))
        return self


Points_ = Annotated[float, Field(ge=0, le=1000)]
"""Points a criterion of a drill's score gives."""


class Points(Model):
    """The points an expected action gives by how it went: done on time, done late, or missed
    (not done by the clock, or later than `late_within` allows)."""

    on_time: Points_ = 2
    """Done within the time limit."""
    late: Points_ = 1
    """Done after the time limit (and within `late_within`, when that is given)."""
    missed: Points_ = 0
    """Not done, or too late to count as late."""

    @model_validator(mode="after")
    def _ordered(self) -> Points:
        if not self.on_time >= self.late >= self.missed:
            raise ValueError(_("points must not grow with lateness: on_time >= late >= missed"))
        if self.on_time <= 0:
            raise ValueError(_("on_time must be above zero (it is the most a criterion gives)"))
        return self


class ExpectedAction(Model):
    """What the group is expected to do, checked after a drill, and scored: a criterion of the
    team's score with a weight and the points for on time, late and missed."""

    id: Id
    """Short id."""
    description: str = Field(min_length=1)
    """What is expected, in words."""
    action: Action
    """The action that fulfils it."""
    after: str = "detected"
    """Milestone the time limit counts from."""
    within: Duration
    """Time limit."""
    objective: int | None = Field(default=None, ge=1, le=1000)
    """Number of the exercise objective it serves (1 is the first in `objectives`)."""
    weight: Annotated[float, Field(gt=0, le=100)] = 1
    """How much this criterion counts in the team's score (its points are multiplied by it)."""
    points: Points = Field(default_factory=Points)
    """Points for on time, late and missed (before the weight)."""
    late_within: Duration | None = None
    """Done later than this after the time limit counts as missed. Left out: any time before the
    drill ends counts as late."""


class Exercise(Model):
    """Drill material: objectives, roles, injects (inspel), decision points, expected actions."""

    objectives: list[str] = Field(default_factory=list)
    """What the exercise is meant to test."""
    roles: list[str] = Field(default_factory=list)
    """Roles in the room (sjukvårdsledare, IT manager, communications)."""
    injects: list[Inject] = Field(default_factory=list)
    """Messages (inspel)."""
    decisions: list[DecisionPoint] = Field(default_factory=list)
    """Decision points."""
    expected_actions: list[ExpectedAction] = Field(default_factory=list)
    """Expected actions, checked at the hot wash."""


class Strategy(Model):
    """A named change to the scenario, compared side by side with the base."""

    id: Id
    """Short id, used on the command line (`--strategy fast-failover`)."""
    name: str = ""
    """Name shown in charts."""
    description: str = ""
    """What the strategy means in practice."""
    set: dict[str, Any] = Field(min_length=1)
    """Changes: `path.to.field: value`. List items are named by their id
    (`recovery_actions.new-server.lead_time: 2h`)."""


# --------------------------------------------------------------------------- scenario


@dataclass(frozen=True, eq=False)
class FieldLines:
    """Where a scenario's fields are written (file, line), by path. Not part of what the
    scenario is: the same scenario read from two files compares equal."""

    lines: dict[str, tuple[str, int | None]]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldLines)

    def __hash__(self) -> int:
        return 0



class Scenario(Model):
    """A scenario file: a region, an incident and the responses to it."""

    name: Id
    """Short name of the scenario."""
    title: str = Field(min_length=1, max_length=200)
    """Title shown to people."""
    description: str = ""
    """What the scenario is about."""
    sources: list[str] = Field(default_factory=list)
    """Where the scenario's facts come from."""
    start: DateTimeField
    """Clock time at the start of the simulation (2022-12-06 00:00)."""
    horizon: Duration = Field(gt=0, le=24 * 366)
    """How long to simulate."""
    resolution: Duration = Field(default="15min", ge=1 / 60, le=24)
    """Time step of the results' time series."""
    region: Region
    """The region, inline, or a path to a region file relative to this file."""
    incidents: list[Incident] = Field(default_factory=list)
    """Failures. None: a normal period, for comparison."""
    backup_routines: list[BackupRoutine] = Field(default_factory=list)
    """Reservrutiner."""
    recovery_actions: list[RecoveryAction] = Field(default_factory=list)
    """Failover, alternative systems, mutual aid."""
    policies: Policies = Field(default_factory=Policies)
    """Cancellation, rebooking, acute priority and escalation rules."""
    exercise: Exercise = Field(default_factory=Exercise)
    """Drill material."""
    strategies: list[Strategy] = Field(default_factory=list)
    """Named changes to compare."""

    _assumptions: tuple[Assumption, ...] = PrivateAttr(default=())

    @property
    def assumptions(self) -> tuple[Assumption, ...]:
        """The fields written as ranges; each holds its central value until a replication
        draws it (see sim/scenario/assumptions.py)."""
        return self._assumptions

    def with_assumptions(self, assumptions: tuple[Assumption, ...]) -> Scenario:
        """A copy with these assumptions."""
        out = self.model_copy()
        out._assumptions = tuple(assumptions)
        return out

    def fixed(self) -> Scenario:
        """A copy with every assumption at the value the fields hold (no assumption uncertainty)."""
        return self.with_assumptions(()) if self._assumptions else self

    _lines: FieldLines = PrivateAttr(default_factory=lambda: FieldLines({}))

    def with_lines(self, lines: dict[str, tuple[str, int | None]]) -> Scenario:
        """A copy that knows where the fields in `lines` are written (file, line), by path; the
        path "" gives the scenario's own file."""
        out = self.model_copy()
        out._lines = FieldLines(dict(lines))
        return out

    def field_line(self, path: str) -> tuple[str, int | None]:
        """File and line of a field the loader located (the fields reference ranges are meant
        for, see sim/scenario/against_evidence.py); the scenario's file and None otherwise."""
        found = self._lines.lines.get(path)
        if found is not None:
            return found
        return self._lines.lines.get("", ("", None))[0], None

    @model_validator(mode="after")
    def _steps_fit(self) -> Scenario:
        if self.horizon / self.resolution > 200_000:
            raise ValueError(_("horizon / resolution gives more than 200,000 time steps"))
        return self

    def hours(self, point: Any) -> float:
        """Hours from `start` of a TimePoint."""
        return float(point.hours_from(self.start))
