"""Drill page (facilitator): start or resume a drill, move the clock, deliver injects, put decision
points to the group with what-if previews, take actions, keep notes, run the hot wash and write
the after-action report.

Every change goes through sim.drill.ops with the revision this browser last showed, so two
browsers on one drill never overwrite each other: the second is told the drill changed, and its
change is applied on top or refused with a reason.

A drill opens only with its facilitator key in the link (`/drill?drill=ID&key=KEY`, see
sim/drill/access.py). The start screen lists the drills this browser created (their keys are in a
cookie of this browser) and, once the organiser password is given, every drill.
"""

from __future__ import annotations

import functools
from datetime import datetime, time, timedelta

import streamlit as st

from sim.drill import access
from sim.drill.catalogue import catalogue
from sim.drill.charts import compare_figure
from sim.drill.log import log_yaml
from sim.drill.msel import msel_bytes, msel_xlsx
from sim.drill.ops import Act, AddNote, Advance, Choose, Op, SetImprovements, StrikeNote, perform
from sim.drill.scoring import score
from sim.drill.session import (
    DEFAULT_REPLICATIONS,
    MAX_NAME_CHARS,
    MAX_NOTE_CHARS,
    MAX_REASON_CHARS,
    MAX_TEAMS,
    MAX_TITLE_CHARS,
    Drill,
    DrillError,
    Improvement,
    default_start_h,
    kpi_columns,
    outcome_kpis,
)
from sim.drill.store import DrillInfo, DrillStore, ExerciseInfo, StoredDrill, StoreError
from sim.i18n import _, duration, moment
from sim.reports.escape import markdown_text as md
from sim.scenario.model import Action
from sim.scenario.quantities import parse_duration_h
from ui import browser_keys, lang, state, view
from ui.pages import drill_board, drill_view
from ui.runs import RunRefused
from ui.settings import ORGANISER

SEEN = "drill_seen"  # the StoredDrill this browser last showed: changes are made against it
PENDING = "drill_pending"  # a change that could not be saved (database busy), kept for a retry
PREVIEWS = "drill_previews"
REPORTS = "drill_reports"
ORGANISER_SESSION = "drill_organiser"  # True once this session gave the organiser password
NEW_KEYS = "drill_new_keys"  # drill id -> keys issued again in this session (shown once)


flash = view.Flash("drill_flash")  # what a change says, shown after the rerun it causes


def submit(op: Op, quiet: bool = False) -> None:
    """Apply a change to the drill as this browser saw it (a button callback)."""
    lang.activate()  # a callback runs before the page, in a thread of its own
    store = drill_view.open_store()
    seen: StoredDrill | None = st.session_state.get(SEEN)
    if seen is None:
        return
    try:
        outcome = perform(store, seen, op)
    except DrillError as exc:
        flash("error", _("Not done: {reason}.").format(reason=exc))
        return
    except StoreError as exc:
        st.session_state[PENDING] = op
        flash("error", _("Nothing was saved: {reason}. Your {change} is kept; try again.").format(
            reason=exc.public, change=op.describe()))
        return
    st.session_state.pop(PENDING, None)
    st.session_state[SEEN] = outcome.stored
    if outcome.reloaded:
        flash("warning" if outcome.applied else "error", outcome.message)
    elif not quiet:
        st.toast(outcome.message)


# --------------------------------------------------------------------------- list and start


def start_screen(store: DrillStore) -> None:
    st.title(_("Drill"))
    flash.show()
    st.markdown(_(
        "Run a tabletop exercise on the simulation: the clock moves on your command, injects arrive "
        "addressed to roles, decision points ask the group to choose, and every choice changes the "
        "drill's own timeline. See docs/facilitator-guide.md."
    ))
    st.subheader(_("Your drills"))
    st.caption(_("The drills started in this browser. A drill opens only with its facilitator link; keep "
                 "it to yourself, and give the group the participant link."))
    mine = my_drills(store)
    if not mine:
        st.info(_("No drills started in this browser."))
    for info, key in mine:
        drill_row(info, key, "mine")
    organiser_section(store)
    st.subheader(_("Start a new drill"))
    new_drill_form(store)


def my_drills(store: DrillStore) -> list[tuple[DrillInfo | ExerciseInfo, str]]:
    """The drills and exercises this browser created that still open with their keys."""
    out: list[tuple[DrillInfo | ExerciseInfo, str]] = []
    for drill_id, key in browser_keys.remembered():
        try:
            info: DrillInfo | ExerciseInfo = access.drill_info(store, drill_id, key, "facilitator")
        except access.NoSuchDrill:
            try:
                info = access.exercise_info(store, drill_id, key)
            except access.NoSuchDrill:
                browser_keys.forget(drill_id)
                continue
        except StoreError as exc:
            st.error(exc.public)
            return out
        if info.status == "active":
            out.append((info, key))
    return out


def drill_row(info: DrillInfo | ExerciseInfo, key: str | None, where: str) -> None:
    if isinstance(info, ExerciseInfo):
        exercise_row(info, key, where)
        return
    with st.container(border=True):
        c1, c2 = st.columns([4, 1])
        started = datetime.fromisoformat(info.created_at.replace("Z", "+00:00"))
        c1.markdown(f"**{md(info.title, one_line=True)}**" + (f" · {md(info.team, one_line=True)}" if info.team else ""))
        c1.caption(
            _("{scenario} · seed {seed} · clock at {clock} · started {started} UTC · id {id}").format(
                scenario=md(info.scenario_title, one_line=True), seed=info.seed, clock=drill_clock(info),
                started=f"{started:%Y-%m-%d %H:%M}", id=info.id)
            + (" · " + _("archived") if info.status == "archived" else "")
        )
        if c2.button(_("Resume") if info.status == "active" else _("Open"), key=f"open-{where}-{info.id}"):
            st.query_params.from_dict({"drill": info.id, **({"key": key} if key else {})})
            st.rerun()


def drill_clock(info: DrillInfo) -> str:
    """Where a listed drill's clock stands: a clock time on the scenario's calendar when the
    scenario's start is known, else how far into the scenario."""
    start = drill_view.scenario_start(info)
    if start is not None:
        return moment(start, info.clock_h, weekday=True)
    return _("{time} into the scenario").format(time=duration(info.clock_h))


def exercise_row(info: ExerciseInfo, key: str | None, where: str) -> None:
    with st.container(border=True):
        c1, c2 = st.columns([4, 1])
        started = datetime.fromisoformat(info.created_at.replace("Z", "+00:00"))
        c1.markdown(f"**{md(info.title, one_line=True)}** · " + _("exercise of several teams"))
        c1.caption(
            f"{md(info.scenario_title, one_line=True)} · " + _("started {when} UTC").format(when=f"{started:%Y-%m-%d %H:%M}")
            + f" · id {info.id}" + (" · " + _("archived") if info.status == "archived" else "")
        )
        if c2.button(_("Resume") if info.status == "active" else _("Open"), key=f"open-{where}-{info.id}"):
            st.query_params.from_dict({"exercise": info.id, **({"key": key} if key else {})})
            st.rerun()


def organiser_section(store: DrillStore) -> None:
    """Every drill, once the organiser password is given (SIM_APP_ORGANIZER_PASSWORD)."""
    if not st.session_state.get(ORGANISER_SESSION):
        with st.expander(_("Organiser: every drill on this server")):
            if not ORGANISER.configured:
                st.caption(ORGANISER.problem or _("No organiser password is set on this server "
                           "(SIM_APP_ORGANIZER_PASSWORD, at least 12 characters)."))
                return
            with st.form("drill_organiser_form", clear_on_submit=True):
                password = st.text_input(_("Organiser password"), type="password", max_chars=1024)
                if st.form_submit_button(_("Unlock")):
                    if ORGANISER.check(password):
                        st.session_state[ORGANISER_SESSION] = True
                        st.rerun()
                    st.error(_("That is not the organiser password."))
        return
    try:
        active = [*store.list_exercises("active"), *store.list("active", teams=False)]
        archived = [*store.list_exercises("archived"), *store.list("archived", teams=False)]
    except StoreError as exc:
        st.error(exc.public)
        return
    st.subheader(_("Every drill (organiser)"))
    st.button(_("Lock the organiser view"), on_click=lambda: st.session_state.pop(ORGANISER_SESSION, None),
              key="drill_organiser_lock")
    if not active:
        st.info(_("No drills in progress."))
    for info in active:
        drill_row(info, None, "all")
    if archived:
        with st.expander(_("Archived drills ({n})").format(n=len(archived))):
            for info in archived:
                drill_row(info, None, "archived")


def new_drill_form(store: DrillStore) -> None:
    shipped = state.shipped_scenarios()
    choices: dict[str, state.ScenarioChoice | None] = {}
    current = state.current_scenario()
    if current.ok and current.origin != "shipped":
        choices[_("The scenario on the Scenario page ({file})").format(file=current.name)] = current
    for name in shipped:
        choices[name] = None  # loaded when chosen
    labels = list(choices)
    default = labels.index(state.DEFAULT_SCENARIO) if state.DEFAULT_SCENARIO in labels else 0
    label = st.selectbox(_("Scenario"), labels, index=default, key="drill_new_scenario")
    choice = choices[label] or state.load_shipped(label)
    if not choice.ok:
        st.error(_("This scenario has problems; fix them on the Scenario page first."))
        return
    sc = choice.scenario
    assert sc is not None  # a choice that is ok has its scenario
    ex = sc.exercise
    st.caption(_("{title}: {injects} injects, {decisions} decision points, {expected} expected actions.").format(
        title=sc.title, injects=len(ex.injects), decisions=len(ex.decisions), expected=len(ex.expected_actions)))
    if not ex.injects and not ex.decisions:
        st.warning(_("This scenario has no exercise material (injects or decision points); the drill will "
                     "only have the clock and the action catalogue."))
    with st.form("drill_new"):
        title = st.text_input(_("Title"), value=_("Drill: {title}").format(title=sc.title)[:MAX_TITLE_CHARS],
                              max_chars=MAX_TITLE_CHARS)
        team = st.text_area(
            _("Teams, one per line (one team: a drill of its own; several: an exercise with a board of every team)"),
            value="", height=90, max_chars=(MAX_NAME_CHARS + 1) * MAX_TEAMS,
        )
        shared = st.checkbox(_("One clock for every team, moved by the facilitator"), value=True)
        seed = st.number_input(_("Seed (the same seed gives the same incident)"), min_value=0, value=0, step=1)
        start = sc.start + timedelta(hours=default_start_h(sc))
        start_time = st.time_input(_("Clock starts at (on the scenario's first day)"), value=start.time(), step=300)
        if st.form_submit_button(_("Start the drill"), type="primary"):
            start_h = (datetime.combine(sc.start.date(), start_time) - sc.start).total_seconds() / 3600
            teams = [line.strip() for line in team.splitlines() if line.strip()] or [""]
            if len(teams) > MAX_TEAMS:
                st.error(_("An exercise has at most {most} teams.").format(most=MAX_TEAMS))
                return
            try:
                drill = Drill.new(sc, int(seed), start_h)
                if len(teams) == 1:
                    stored, keys = access.create_drill(store, drill, title, teams[0], source=choice.name)
                    opened = {"drill": stored.id, "key": keys.facilitator}
                else:
                    info, _stored, keys = access.create_exercise(
                        store, [(name, drill) for name in teams], title, shared_clock=shared, source=choice.name)
                    opened = {"exercise": info.id, "key": keys.facilitator}
            except DrillError as exc:
                st.error(str(exc))
                return
            except StoreError as exc:
                st.error(exc.public)
                return
            browser_keys.remember(next(iter(opened.values())), keys.facilitator)
            st.query_params.from_dict(opened)
            st.rerun()


# --------------------------------------------------------------------------- a drill


def clock_controls(drill: Drill, store: DrillStore | None = None, stored: StoredDrill | None = None) -> bool:
    """The clock's buttons; True when the clock is an exercise's shared one (moved for every team)."""
    exercise = drill_board.exercise_of(store, stored) if store is not None and stored is not None else None
    if exercise is not None and exercise.shared_clock:
        st.caption(_("The clock is shared: it moves for every team of the exercise."))
        drill_board.shared_clock_controls(drill_board.teams_of(store, stored), key="team_clock")
        return True
    c1, c2, c3, c4, c5 = st.columns([1, 1, 2, 2, 1])
    done = drill.finished
    c1.button(_("+15 min"), on_click=submit, args=(Advance(by_h=0.25),), disabled=done, width="stretch")
    c2.button("+1 h", on_click=submit, args=(Advance(by_h=1.0),), disabled=done, width="stretch")
    nxt = drill.next_stop()
    label = _("Next: {time} ({what})").format(time=drill.clock_text(nxt[0])[-5:], what=nxt[1]) if nxt else _("To the end")
    c3.button(label, on_click=submit, args=(Advance(),), disabled=done, width="stretch", key="drill_next")
    target = c4.time_input(_("Go to"), value=(drill.when(drill.clock_h) + timedelta(hours=1)).time(), step=300,
                           label_visibility="collapsed", key="drill_goto_time")
    c5.button(_("Go"), on_click=go_to, args=(drill, target), disabled=done, width="stretch", key="drill_goto")
    return False


REALTIME_SPEEDS = (1, 2, 5, 10, 30, 60)  # simulated minutes per real minute the clock can run at by itself
TICK_S = 5
RT_ON, RT_SPEED, RT_LAST, RT_OWED = "drill_rt_on", "drill_rt_speed", "drill_rt_last", "drill_rt_owed"


def realtime_clock(drill: Drill) -> None:
    """The clock running by itself at a chosen speed; the facilitator pauses it with the switch.
    It pauses by itself while a decision point waits for the group, and at the end."""
    c1, c2, c3 = st.columns([2, 2, 3])
    on = c1.toggle(_("Run the clock by itself"), key=RT_ON, disabled=drill.finished)
    names = {n: _("{n}× real time").format(n=n) for n in REALTIME_SPEEDS}
    speed = c2.selectbox(_("Speed"), REALTIME_SPEEDS, index=REALTIME_SPEEDS.index(10), format_func=names.get,
                         key=RT_SPEED, label_visibility="collapsed")
    if not on or drill.finished:
        st.session_state.pop(RT_LAST, None)
        return
    if drill.open_decisions():
        c3.caption(_("Paused: a decision point is waiting for the group."))
        st.session_state.pop(RT_LAST, None)
        return
    c3.caption(_("The clock runs at {n}× real time; switch it off to pause.").format(n=speed))
    ticking(int(speed))


@st.fragment(run_every=TICK_S)
def ticking(speed: int) -> None:
    """Every few seconds: move the clock on by the real time passed times the speed, in whole
    minutes (what is left over is kept for the next tick)."""
    import time as wall

    lang.activate()
    now = wall.monotonic()
    last = st.session_state.get(RT_LAST)
    st.session_state[RT_LAST] = now
    seen: StoredDrill | None = st.session_state.get(SEEN)
    if last is None or seen is None or not st.session_state.get(RT_ON):
        return
    owed = st.session_state.get(RT_OWED, 0.0) + (now - last) * speed / 3600
    minutes = int(owed * 60)
    st.session_state[RT_OWED] = owed - minutes / 60
    if minutes < 1:
        return
    submit(Advance(to_h=min(seen.drill.clock_h + minutes / 60, seen.drill.horizon_h)), quiet=True)
    st.rerun(scope="app")


def go_to(drill: Drill, target: time) -> None:
    """The next time the clock shows `target` (today, or tomorrow if it has passed)."""
    now = drill.when(drill.clock_h)
    when = datetime.combine(now.date(), target)
    if when <= now:
        when += timedelta(days=1)
    submit(Advance(to_h=(when - drill.scenario.start).total_seconds() / 3600))


def decide_tab(drill: Drill, stored: StoredDrill) -> None:
    open_points = drill.open_decisions()
    if not open_points:
        nxt = [u for u in drill.upcoming() if u.kind == "decision"]
        st.info(_("No decision point is waiting.") + (
            " " + _("Next: {id} ({when}).").format(
                id=nxt[0].id, when=drill.clock_text(nxt[0].t_h) if nxt[0].t_h is not None else nxt[0].condition)
            if nxt else ""))
    roles = drill.scenario.exercise.roles
    for dp in open_points:
        with st.container(border=True):
            st.markdown(f"**{md(dp.question)}**")
            st.caption(_("For: {roles} · decision point {id} · default in batch runs: {default}").format(
                roles=md(drill_view.role_text(dp.roles)), id=dp.id, default=dp.default))
            labels = {o.id: md(o.label, one_line=True) for o in dp.options}
            st.radio(_("Options"), list(labels), format_func=labels.get, key=f"drill_opt_{dp.id}")
            for o in dp.options:
                if o.description.strip():
                    st.caption(f"{md(o.label, one_line=True)}: {md(o.description, one_line=True)}")
            n = st.number_input(_("Runs per option in the preview"), 4, 200, DEFAULT_REPLICATIONS, key=f"drill_n_{dp.id}")
            if st.button(_("What-if preview"), key=f"drill_preview_{dp.id}", icon=":material/compare:"):
                with st.spinner(_("Simulating each option…")):
                    try:
                        preview = drill_view.heavy(functools.partial(drill.what_if, dp.id, int(n)))
                        st.session_state.setdefault(PREVIEWS, {})[(stored.id, stored.revision, dp.id)] = preview
                    except (DrillError, RunRefused) as exc:
                        st.error(str(exc))
            preview = st.session_state.get(PREVIEWS, {}).get((stored.id, stored.revision, dp.id))
            if preview:
                show_preview(preview, drill)
            c1, c2 = st.columns(2)
            c1.selectbox(_("Decided by"), ["", *roles], key=f"drill_by_{dp.id}")
            c2.text_input(_("Why (for the log)"), key=f"drill_why_{dp.id}", max_chars=MAX_REASON_CHARS)
            b1, b2 = st.columns(2)
            b1.button(_("Decide"), type="primary", key=f"drill_choose_{dp.id}", on_click=decide,
                      args=(dp.id, True), width="stretch")
            b2.button(_("Leave open"), key=f"drill_skip_{dp.id}", on_click=decide, args=(dp.id, False),
                      width="stretch")


def decide(dp_id: str, choose: bool) -> None:
    """Button callback: widget values are read now, as they are at the click."""
    ss = st.session_state
    option = ss.get(f"drill_opt_{dp_id}") if choose else None
    submit(Choose(dp_id, option, ss.get(f"drill_by_{dp_id}") or "", ss.get(f"drill_why_{dp_id}") or ""))


def show_preview(preview, drill: Drill) -> None:
    n = None
    rows = []
    for name, label, pattern in outcome_kpis(drill.scenario):
        row = {_("KPI"): _(label.strip())}
        for p in preview:
            s = p.stats[name]
            n = n or s
            row[_("{option}: this drill").format(option=p.label)] = (
                pattern.format(p.played[name]) if p.played[name] == p.played[name] else "–")
            row[_("{option}: mean (p10–p90)").format(option=p.label)] = (
                f"{pattern.format(s['mean'])} ({pattern.format(s['p10'])}–{pattern.format(s['p90'])})"
                if s["mean"] == s["mean"] else "–"
            )
        rows.append(row)
    st.caption(_("Each option taken now. 'This drill' follows the drill's own course; the mean and p10–p90 "
                 "come from the preview's runs, with the same random numbers for every option."))
    st.dataframe(rows, hide_index=True, width="stretch")
    fig = compare_figure(
        [(p.label, p.stats) for p in preview],
        kpi_columns("cancelled_at_door", "calls_unanswered", "time_to_full_operation_h", "staff_mode_h"),
    )
    view.chart(fig, f"drill-preview-{preview[0].option}")


def actions_tab(drill: Drill) -> None:
    """The catalogue: a kind of action, then one of its actions and its parameters. Options are
    the items' keys, and each kind has its own list, so switching kind never keeps the old action."""
    items = {i.key: i for i in catalogue(drill.scenario)}
    roles = drill.scenario.exercise.roles
    groups = list(dict.fromkeys(i.group for i in items.values()))
    names = {g: _(g) for g in groups}
    group = st.segmented_control(_("Kind of action"), groups, default=groups[0], format_func=names.get,
                                 key="drill_action_group") or groups[0]
    shown = [k for k, i in items.items() if i.group == group]
    labels = {k: items[k].label for k in shown}
    key = st.selectbox(_("Action"), shown, format_func=labels.get, key=f"drill_action_item_{group}")
    item = items[key]
    if item.needs_period:
        st.text_input(_("For how long ahead (15min, 4h, 1d)"), value="8h", key="drill_action_period",
                      help=_("Planned visits booked in this period from now are cancelled and their patients told."))
    c1, c2 = st.columns(2)
    c1.selectbox(_("Taken by"), ["", *roles], key="drill_action_by")
    c2.text_input(_("Why (for the log)"), key="drill_action_note", max_chars=MAX_REASON_CHARS)
    st.button(_("Take the action now"), type="primary", on_click=take_action, args=(key,), disabled=drill.finished,
              key="drill_act")
    st.markdown("**" + _("The decision log") + "**")
    rows = drill_view.decisions_taken(drill)
    if rows:
        st.dataframe(rows, hide_index=True, width="stretch")
    else:
        st.caption(_("Nothing decided yet."))


def action_with_period(action: Action, text: str, drill: Drill) -> Action:
    """The action with the period the person wrote, or a DrillError saying what to write."""
    from sim.scenario.quantities import format_duration

    try:
        hours = parse_duration_h(text.strip())
    except ValueError:
        raise DrillError(_("write the period as a number and a unit, like 15min, 4h or 1d; {text!r} is not one").format(
            text=text)) from None
    if hours <= 0:
        raise DrillError(_("the period must be longer than zero"))
    left = drill.horizon_h - drill.clock_h
    if hours > left + 1e-9:
        raise DrillError(_("the period reaches past the end of the simulated period ({left} from now)").format(
            left=duration(left)))
    return Action(do=action.do, target=action.target, period=format_duration(hours))


def take_action(key: str) -> None:
    """Button callback: the chosen action with its parameters, checked before it is taken."""
    from ui import lang

    lang.activate()
    ss = st.session_state
    seen: StoredDrill | None = ss.get(SEEN)
    if seen is None:
        return
    item = next((i for i in catalogue(seen.drill.scenario) if i.key == key), None)
    if item is None:
        flash("error", _("Not done: that action is no longer in the catalogue."))
        return
    action = item.action
    if item.needs_period:
        try:
            action = action_with_period(action, ss.get("drill_action_period") or "8h", seen.drill)
        except DrillError as exc:
            flash("error", _("Not done: {reason}.").format(reason=exc))
            return
    submit(Act(action, ss.get("drill_action_by") or "", ss.get("drill_action_note") or ""))


def injects_tab(drill: Drill) -> None:
    delivered = drill.delivered()
    st.markdown("**" + _("Delivered ({n})").format(n=len(delivered)) + "**")
    for t, inj in reversed(delivered):
        drill_view.inject_card(t, inj, drill, facilitator=True)
    st.markdown(_("**Still to come (facilitator only)**"))
    upcoming = drill.upcoming()
    if upcoming:
        st.dataframe(
            [
                {
                    _("kind"): _(u.kind),
                    "id": u.id,
                    _("when on the current course"): drill.clock_text(u.t_h) if u.t_h is not None else _("not on this course"),
                    _("rule"): u.condition,
                    _("title"): " ".join(u.title.split()),
                }
                for u in upcoming
            ],
            hide_index=True, width="stretch",
        )
    else:
        st.caption(_("Nothing more."))


def notes_tab(drill: Drill, revision: int) -> None:
    roles = drill.scenario.exercise.roles
    with st.form("drill_note", clear_on_submit=True):
        st.text_area(_("Note"), height=80, key="drill_note_text", max_chars=MAX_NOTE_CHARS)
        c1, c2 = st.columns(2)
        c1.selectbox("By", ["", *roles], key="drill_note_by")
        c2.checkbox(_("Hot wash note (genomgång efter övning)"), key="drill_note_hot")
        st.form_submit_button(_("Save the note"), on_click=save_note)
    for i in reversed(range(len(drill.notes))):
        note_line(drill, i)
    st.subheader(_("Expected actions"))
    card = score(drill)
    if card.criteria:
        st.metric(_("Score"), card.text())
        st.dataframe(
            drill_view.coloured(
                [{_("expected action"): c.expected.description, _("result"): c.outcome_text, _("points"): c.points_text(),
                  _("why"): c.reason}
                 for c in card.criteria],
                _("result"),
            ),
            hide_index=True, width="stretch",
        )
    else:
        st.caption(_("The scenario lists no expected actions."))
    st.subheader(_("Improvement plan"))
    st.data_editor(
        drill_view.plan_rows(drill), num_rows="dynamic", width="stretch", key=f"drill_improvements_{revision}",
        column_config={
            "finding": st.column_config.TextColumn(_("Finding"), width="large"),
            "action": st.column_config.TextColumn(_("Action"), width="large"),
            "owner": st.column_config.TextColumn(_("Owner")),
            "due": st.column_config.TextColumn(_("Due date")),
        },
    )
    # The editor is keyed by the drill's revision, so it starts from the saved plan after a change.
    st.button(_("Save the improvement plan"), on_click=save_plan, args=(revision,), key="drill_save_plan")


def note_line(drill: Drill, index: int) -> None:
    n = drill.notes[index]
    hot = "**" + _("Hot wash") + "** · " if n.hot_wash else ""
    head = f"{hot}{drill.clock_text(n.t_h)}" + (f" · {md(n.by, one_line=True)}" if n.by else "")
    if n.struck:
        st.markdown(f"- {head}: ~~{md(n.text, one_line=True)}~~ *(" + _("struck by {who} at {time}").format(
            who=md(n.struck_by, one_line=True), time=drill.clock_text(n.struck_at_h)) + ")*")
        return
    c1, c2 = st.columns([6, 1])
    c1.markdown(f"- {head}: {md(n.text)}")
    c2.button(_("Strike"), key=f"drill_strike_{index}", on_click=submit, args=(StrikeNote(index, n.text, "facilitator"),),
              help=_("The note stays in the log, marked as struck by the facilitator at this time, and is left "
                     "out of the report."))


def save_note() -> None:
    ss = st.session_state
    submit(AddNote(ss.get("drill_note_text") or "", ss.get("drill_note_by") or "", bool(ss.get("drill_note_hot"))))


def save_plan(revision: int) -> None:
    """Button callback: the improvement plan as shown, with the editor's changes applied."""
    seen: StoredDrill | None = st.session_state.get(SEEN)
    if seen is None:
        return
    rows = drill_view.editor_rows(drill_view.plan_rows(seen.drill), st.session_state.get(f"drill_improvements_{revision}") or {})
    submit(SetImprovements(tuple(
        Improvement(*(str(r.get(k) or "").strip() for k in drill_view.PLAN_COLUMNS)) for r in rows
    )))


def report_tab(drill: Drill, stored: StoredDrill) -> None:
    from sim.drill.report import build_report, html_report, markdown

    info = stored.info
    key = (stored.id, stored.revision)
    n = st.number_input(_("Runs behind the outcome table"), 4, 200, DEFAULT_REPLICATIONS, key="drill_report_n")
    if st.button(_("Write the after-action report"), icon=":material/description:", key="drill_make_report"):
        with st.spinner(_("Simulating the strategies and writing the report…")):
            try:
                rep = drill_view.heavy(lambda: build_report(drill, info.title, info.team, int(n)))
            except (DrillError, RunRefused) as exc:
                st.error(str(exc))
                return
            st.session_state[REPORTS] = {key: (html_report(rep).encode("utf-8"), markdown(rep).encode("utf-8"))}
    ready = st.session_state.get(REPORTS, {}).get(key)
    stem = f"{drill.scenario.name}-drill-{stored.id}"
    if ready:
        c1, c2 = st.columns(2)
        c1.download_button(_("After-action report (HTML)"), ready[0], f"{stem}-report.html", "text/html",
                           key="drill_dl_html", icon=":material/download:", on_click="ignore")
        c2.download_button(_("After-action report (Markdown)"), ready[1], f"{stem}-report.md", "text/markdown",
                           key="drill_dl_md", icon=":material/download:", on_click="ignore")
    st.divider()
    c1, c2 = st.columns(2)
    c1.download_button(_("Master scenario events list (CSV)"), msel_bytes(drill.scenario), f"{drill.scenario.name}-msel.csv",
                       "text/csv", key="drill_dl_msel", on_click="ignore")
    c1.download_button(_("Master scenario events list (Excel)"), msel_xlsx(drill.scenario),
                       f"{drill.scenario.name}-msel.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="drill_dl_msel_xlsx", on_click="ignore")
    c2.download_button(_("Decision log (YAML, for sim drill)"),
                       log_yaml(drill, team=info.team, source=info.scenario_source,
                                scenario_path=shipped_path(info.scenario_source)).encode("utf-8"),
                       f"{stem}-log.yaml", "application/yaml",
                       key="drill_dl_log", on_click="ignore")


def shipped_path(source: str) -> str | None:
    """A shipped scenario's path for the downloaded log (`scenarios/NAME.yaml`, from the project
    folder), so that `sim drill compare` finds it; None for an uploaded or edited scenario."""
    name = source.removeprefix("scenarios/")
    return f"scenarios/{name}" if source.startswith("scenarios/") and name in state.shipped_scenarios() else None


def drill_screen(store: DrillStore, stored: StoredDrill, key: str | None) -> None:
    st.session_state[SEEN] = stored
    drill, info = stored.drill, stored.info
    st.title(md(info.title, one_line=True))
    st.caption(
        _("{scenario} · seed {seed}").format(scenario=md(info.scenario_title, one_line=True), seed=info.seed)
        + (f" · {md(info.team, one_line=True)}" if info.team else "")
        + " · " + _("drill {id}, revision {revision}").format(id=info.id, revision=info.revision)
        + (" · " + _("archived") if info.status == "archived" else "")
    )
    flash.show()
    pending = st.session_state.get(PENDING)
    if pending is not None:
        st.button(_("Try again: {change}").format(change=pending.describe()), on_click=submit, args=(pending,), type="primary", key="drill_retry")
    if info.exercise_id is not None:
        c1, c2 = st.columns([3, 1])
        c1.caption(_("Team {team} of an exercise of several teams").format(team=md(info.team or info.team_id, one_line=True)))
        if key:
            with c2:
                st.page_link("ui/pages/drill.py", label=_("Board of every team"), icon=":material/dashboard:",
                             query_params={"exercise": info.exercise_id, "key": key})
    drill_view.headline(drill)
    if not clock_controls(drill, store, stored):
        realtime_clock(drill)
    waiting = drill.open_decisions()
    if waiting:
        st.warning(_("Waiting for the group: {questions}").format(
            questions="; ".join(md(d.question, one_line=True) for d in waiting)),
                   icon=":material/how_to_vote:")
    # Keyed tabs whose state the server keeps: they stay where the facilitator put them across
    # reruns (a clock move, a decision, an action, a warning appearing above them).
    tabs = st.tabs([_("Situation"), _("Decide"), _("Actions"), _("Injects"), _("Notes and hot wash"), _("Report"),
                    _("Drill")], key=f"drill_tabs_{lang.current()}", on_change="rerun")
    pages = [
        lambda: (drill_view.status_board(drill), drill_view.charts(drill, "drill")),
        lambda: decide_tab(drill, stored),
        lambda: actions_tab(drill),
        lambda: injects_tab(drill),
        lambda: notes_tab(drill, stored.revision),
        lambda: report_tab(drill, stored),
        lambda: manage_tab(store, stored, key),
    ]
    for tab, page in zip(tabs, pages, strict=True):
        with tab:
            page()


def manage_tab(store: DrillStore, stored: StoredDrill, key: str | None) -> None:
    base = (st.context.url or "").split("?")[0].rstrip("/")
    base = base.rsplit("/", 1)[0] if base.endswith("/drill") else base
    keys = st.session_state.get(NEW_KEYS, {}).get(stored.id) or (access.DrillKeys(key) if key else None)
    if keys is None:
        st.info(_("You opened this drill as the organiser, so its links are not known here (the server keeps "
                  "no keys). Issue new links to give it to a facilitator; the old links stop working."))
        if st.button(_("Issue new links"), key="drill_reissue"):
            reissue(store, stored.id)
    else:
        st.markdown(_("**Participant link**: open it in another browser or on the projector. It shows the "
                      "injects delivered and the situation picture, never facilitator notes or what is to come."))
        participant = keys.participant_for(stored.info)
        st.code(f"{base}/participant?drill={stored.id}&key={participant}", language=None)
        st.page_link("ui/pages/participant.py", label=_("Open the participant view here"),
                     query_params={"drill": stored.id, "key": participant})
        st.markdown(_("**Facilitator link**: whoever has it controls the drill. Keep it to yourself."))
        st.code(f"{base}/drill?drill={stored.id}&key={keys.facilitator}", language=None)
    if key:
        with st.expander(_("Branch: start again from a moment of this drill")):
            st.caption(_("A new drill (or, in an exercise, a new team) with this drill's decisions up to the moment "
                         "you choose, the same incident and the same patients; it plays on from there."))
            exercise = drill_board.exercise_of(store, stored)
            drill_board.branch_form(store, [stored], key, exercise)
    c1, c2 = st.columns(2)
    if stored.info.status == "active":
        if c1.button(_("Archive this drill"), key="drill_archive"):
            change_status(store, stored, "archived")
    elif c1.button(_("Make this drill active again"), key="drill_unarchive"):
        change_status(store, stored, "active")
    c2.button(_("Back to the list of drills"), on_click=st.query_params.clear, key="drill_back")
    delete_section(store, stored)


def delete_section(store: DrillStore, stored: StoredDrill) -> None:
    """Delete the drill, after the facilitator confirms: its log, notes and links are gone."""
    with st.expander(_("Delete this drill")):
        st.warning(_("Deleting removes the drill, its decision log, notes and improvement plan from this "
                     "server, and its links stop working. Download the log and the report first if you "
                     "want to keep them."))
        sure = st.checkbox(_("Yes, delete \"{title}\" for good").format(title=md(stored.info.title, one_line=True)),
                           key=f"drill_delete_sure_{stored.id}")
        if st.button(_("Delete the drill"), type="primary", disabled=not sure, key="drill_delete"):
            try:
                store.delete(stored.id)
            except StoreError as exc:
                st.error(_("Not done: {reason}").format(reason=exc.public))
                return
            browser_keys.forget(stored.id)
            st.session_state.pop(SEEN, None)
            st.query_params.clear()
            flash("success", _("The drill was deleted."))
            st.rerun()


def reissue(store: DrillStore, drill_id: str) -> None:
    try:
        keys = access.reissue_keys(store, drill_id)
    except StoreError as exc:
        st.error(_("Not done: {reason}").format(reason=exc.public))
        return
    st.session_state.setdefault(NEW_KEYS, {})[drill_id] = keys
    browser_keys.remember(drill_id, keys.facilitator)
    st.query_params.from_dict({"drill": drill_id, "key": keys.facilitator})
    st.rerun()


def change_status(store: DrillStore, stored: StoredDrill, status: str) -> None:
    try:
        store.set_status(stored.id, stored.revision, status)
    except StoreError as exc:
        st.error(_("Not done: {reason}").format(reason=exc.public))
        return
    st.rerun()


def open_requested(store: DrillStore) -> tuple[StoredDrill, str | None] | None:
    """The drill the link asks for, if its key opens it (or the organiser asks); else None, with
    the same message whatever was wrong."""
    drill_id, key = st.query_params.get("drill"), st.query_params.get("key")
    try:
        if st.session_state.get(ORGANISER_SESSION) and isinstance(drill_id, str) and access.valid_drill_id(drill_id) and not key:
            return store.load(drill_id), None
        return access.open_drill(store, drill_id, key, "facilitator"), key
    except (access.NoSuchDrill, StoreError) as exc:
        st.title(_("Drill"))
        if isinstance(exc, StoreError) and type(exc).__name__ != "DrillNotFound":
            st.error(exc.public)
        else:
            st.error(access.NO_SUCH_DRILL)
        st.button(_("Back to the list of drills"), on_click=st.query_params.clear)
        return None


def main() -> None:
    store = drill_view.open_store()
    browser_keys.write_cookie()
    if "exercise" in st.query_params:
        opened_exercise = drill_board.open_exercise(store)
        if opened_exercise is not None:
            drill_board.board_screen(store, *opened_exercise)
    elif "drill" in st.query_params:
        opened = open_requested(store)
        if opened is not None:
            drill_screen(store, *opened)
    else:
        start_screen(store)


main()
