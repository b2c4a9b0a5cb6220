"""Changes to a stored drill, as small objects that can be applied again: when another browser
saved the drill first, the change is re-applied on the fresh drill if it still makes sense, or
refused with a reason. Either way the person is told, and nothing already logged is lost."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import _
from ..scenario.model import Action
from .catalogue import describe_action
from .session import Drill, DrillError, Improvement
from .store import DrillChanged, DrillStore, StoredDrill

MAX_RETRIES = 3


class Op:
    """A change to a drill."""

    def describe(self) -> str:
        raise NotImplementedError

    def apply(self, drill: Drill) -> tuple[Drill, str]:
        """The changed drill and a line for the person; raises DrillError when it cannot."""
        raise NotImplementedError

    def refuse_after(self, base: Drill, fresh: Drill) -> str | None:
        """Why this change must not be re-applied on `fresh` (saved by someone else since `base`)."""
        return None


@dataclass(frozen=True)
class Advance(Op):
    """Move the clock: `to_h` (a time), `by_h` (a step) or to the next inject or decision."""

    to_h: float | None = None
    by_h: float | None = None

    def describe(self) -> str:
        if self.by_h is not None:
            return _("clock move (+{minutes} min)").format(minutes=f"{self.by_h * 60:g}")
        return _("clock move") if self.to_h is not None else _("clock move to the next inject or decision")

    def apply(self, drill: Drill) -> tuple[Drill, str]:
        if self.by_h is not None:
            return drill.advance_by(self.by_h)
        if self.to_h is not None:
            return drill.advance(self.to_h)
        return drill.advance_to_next()

    def refuse_after(self, base: Drill, fresh: Drill) -> str | None:
        if abs(fresh.clock_h - base.clock_h) > 1e-9:
            return _("the clock was moved there to {time}").format(time=fresh.clock_text())
        return None


@dataclass(frozen=True)
class Choose(Op):
    decision: str
    option: str | None  # None: leave the decision point open
    by: str = ""
    note: str = ""

    def describe(self) -> str:
        return _("decision on {id!r}").format(id=self.decision)

    def apply(self, drill: Drill) -> tuple[Drill, str]:
        if self.option is None:
            return drill.skip(self.decision, self.by, self.note), f"{self.decision}: left open"
        new = drill.choose(self.decision, self.option, self.by, self.note)
        message = f"{self.decision}: {self.option} at {new.clock_text()}"
        if new.past_changed(drill):
            message += (
                " (note: this option's scenario changes also altered what had already happened; "
                "options' changes are meant for what comes after the decision)"
            )
        return new, message

    def refuse_after(self, base: Drill, fresh: Drill) -> str | None:
        done = fresh.answered().get(self.decision)
        if done is not None:
            what = _("option {id!r}").format(id=done.option) if done.kind == "option" else _("left open")
            return _("{id!r} was already decided there ({what} at {time})").format(
                id=self.decision, what=what, time=fresh.clock_text(done.t_h))
        return None


@dataclass(frozen=True)
class Act(Op):
    action: Action
    by: str = ""
    note: str = ""

    def describe(self) -> str:
        return _("action ({kind})").format(kind=self.action.do)

    def apply(self, drill: Drill) -> tuple[Drill, str]:
        new = drill.act(self.action, self.by, self.note)
        return new, _("{action} at {time}").format(action=describe_action(drill.scenario, self.action), time=new.clock_text())

    def refuse_after(self, base: Drill, fresh: Drill) -> str | None:
        for e in fresh.entries[len(base.entries):]:
            if e.kind == "action" and e.action == self.action:
                return _("the same action was already taken there at {time}").format(time=fresh.clock_text(e.t_h))
        return None


@dataclass(frozen=True)
class AddNote(Op):
    text: str
    by: str = ""
    hot_wash: bool = False

    def describe(self) -> str:
        return _("hot wash note") if self.hot_wash else _("note")

    def apply(self, drill: Drill) -> tuple[Drill, str]:
        return drill.add_note(self.text, self.by, self.hot_wash), "note saved"


@dataclass(frozen=True)
class StrikeNote(Op):
    """Strike note `index` (kept in the log, marked with who struck it and when)."""

    index: int
    text: str  # the note's text as this browser showed it, so a stale browser strikes the right one
    by: str = ""

    def describe(self) -> str:
        return _("strike of a note")

    def apply(self, drill: Drill) -> tuple[Drill, str]:
        if not 0 <= self.index < len(drill.notes) or drill.notes[self.index].text != self.text:
            raise DrillError("that note is not in the drill")
        return drill.strike_note(self.index, self.by), "note struck (kept in the log)"

    def refuse_after(self, base: Drill, fresh: Drill) -> str | None:
        if 0 <= self.index < len(fresh.notes) and fresh.notes[self.index].struck:
            return _("the note was already struck there")
        return None


@dataclass(frozen=True)
class SetImprovements(Op):
    rows: tuple[Improvement, ...]

    def describe(self) -> str:
        return _("improvement plan")

    def apply(self, drill: Drill) -> tuple[Drill, str]:
        return drill.with_improvements(list(self.rows)), "improvement plan saved"

    def refuse_after(self, base: Drill, fresh: Drill) -> str | None:
        if fresh.improvements != base.improvements:
            return _("the improvement plan was edited there too; your rows are kept in the editor")
        return None


@dataclass(frozen=True)
class Outcome:
    """What happened to a change: the drill as saved (or as reloaded), and what to tell."""

    stored: StoredDrill
    message: str
    applied: bool
    reloaded: bool = False


def perform(store: DrillStore, stored: StoredDrill, op: Op) -> Outcome:
    """Apply `op` to the drill as this browser saw it and save it. If another browser saved
    first, reload, and re-apply the change or refuse it with a reason. DrillError (the change
    makes no sense) and StoreError (the database) propagate: nothing was saved."""
    base = stored.drill
    new, message = op.apply(base)
    revision = stored.revision
    try:
        return Outcome(store.save(stored.id, revision, new), message, True)
    except DrillChanged:
        pass
    for _attempt in range(MAX_RETRIES):
        fresh = store.load(stored.id)
        reason = op.refuse_after(base, fresh.drill)
        head = _("The drill changed in another browser and was reloaded.")
        if reason is not None:
            return Outcome(fresh, head + " " + _("Your {change} was not applied: {reason}.").format(change=op.describe(), reason=reason), False, True)
        try:
            new, message = op.apply(fresh.drill)
        except DrillError as exc:
            return Outcome(fresh, head + " " + _("Your {change} was not applied: {reason}.").format(change=op.describe(), reason=exc), False, True)
        try:
            saved = store.save(fresh.id, fresh.revision, new)
        except DrillChanged:
            base = fresh.drill
            continue
        return Outcome(saved, head + " " + _("Your {change} was applied on top of it: {message}.").format(change=op.describe(), message=message), True, True)
    fresh = store.load(stored.id)
    return Outcome(fresh, _("The drill keeps changing in another browser; reloaded, please try again."), False, True)


# --------------------------------------------------------------------------- every team at once


@dataclass(frozen=True)
class AdvanceAll:
    """Move a shared clock for every team of an exercise: to `to_h`, by `by_h`, or to the next
    inject or decision point of any team."""

    to_h: float | None = None
    by_h: float | None = None

    def describe(self) -> str:
        return "clock move for every team"

    def apply(self, drills: list[Drill]) -> tuple[list[Drill], str]:
        from .teams import shared_advance

        return shared_advance(drills, to_h=self.to_h, by_h=self.by_h)

    def refuse_after(self, base: list[Drill], fresh: list[Drill]) -> str | None:
        if len(base) != len(fresh) or any(abs(a.clock_h - b.clock_h) > 1e-9 for a, b in zip(base, fresh, strict=True)):
            return "the clock was moved there"
        return None


@dataclass(frozen=True)
class TeamsOutcome:
    """What happened to a change of every team: the teams as saved (or reloaded), and what to
    tell."""

    stored: list[StoredDrill]
    message: str
    applied: bool
    reloaded: bool = False


def perform_all(store: DrillStore, teams: list[StoredDrill], op: AdvanceAll) -> TeamsOutcome:
    """Apply `op` to every team as this browser saw them and save them in one transaction; if
    another browser saved a team first, reload them all and re-apply or refuse with a reason."""
    base = [t.drill for t in teams]
    new, message = op.apply(base)
    try:
        store.save_many(_changes(teams, new))
        return TeamsOutcome([store.load(t.id) for t in teams], message, True)
    except DrillChanged:
        pass
    head = _("The drill changed in another browser and was reloaded.")
    for _attempt in range(MAX_RETRIES):
        fresh = [store.load(t.id) for t in teams]
        reason = op.refuse_after(base, [f.drill for f in fresh])
        if reason is not None:
            return TeamsOutcome(fresh, head + " " + _("Your {change} was not applied: {reason}.").format(change=op.describe(), reason=reason), False, True)
        try:
            new, message = op.apply([f.drill for f in fresh])
            store.save_many(_changes(fresh, new))
        except DrillError as exc:
            return TeamsOutcome(fresh, head + " " + _("Your {change} was not applied: {reason}.").format(change=op.describe(), reason=exc), False, True)
        except DrillChanged:
            base = [f.drill for f in fresh]
            continue
        saved = [store.load(t.id) for t in teams]
        return TeamsOutcome(saved, head + " " + _("Your {change} was applied on top of it: {message}.").format(change=op.describe(), message=message), True, True)
    fresh = [store.load(t.id) for t in teams]
    return TeamsOutcome(fresh, _("The drill keeps changing in another browser; reloaded, please try again."), False, True)


def _changes(teams: list[StoredDrill], new: list[Drill]) -> list[tuple[str, int, Drill]]:
    """Only the teams whose drill changed are written."""
    return [(t.id, t.revision, d) for t, d in zip(teams, new, strict=True) if d is not t.drill]
