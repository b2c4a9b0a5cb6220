"""The facilitator's board of an exercise of several teams (`/drill?exercise=ID&key=KEY`): every
team side by side, live (clock, readiness, questions waiting, counts so far, expected actions,
deadlines breached), every decision on one timeline, the shared clock, branching a team from a
moment of its drill, the after-action report of every team, and each team's links.

A team's own page is the drill page of its drill (`/drill?drill=TEAM&key=KEY`, the same key);
its participant link carries the team's own participant key and opens that team's view only.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import streamlit as st

from sim.drill import access
from sim.drill.charts import teams_timeline_figure
from sim.drill.ops import AdvanceAll, perform_all
from sim.drill.session import DEFAULT_REPLICATIONS, MAX_NAME_CHARS, MAX_TEAMS, Drill, DrillError
from sim.drill.store import DrillStore, ExerciseInfo, StoredDrill, StoreError
from sim.drill.teams import SO_FAR, TeamView, team_view, timeline
from sim.i18n import _, count
from sim.reports.escape import markdown_text as md
from sim.vocabulary import kpi_label
from ui import browser_keys, lang, view
from ui.pages import drill_view

SEEN = "board_seen"  # the teams as this browser last showed them: a shared clock moves from there
REPORTS = "board_reports"
REFRESH_S = 5
COLUMNS_PER_ROW = 3


flash = view.Flash("board_flash")  # what a change says, shown after the rerun it causes


def names(teams: list[StoredDrill]) -> list[tuple[str, Drill]]:
    return [(t.info.team or t.info.team_id, t.drill) for t in teams]


# --------------------------------------------------------------------------- the shared clock


def move_all(op: AdvanceAll) -> None:
    """Button callback: move the shared clock of every team, from the teams this browser showed."""
    lang.activate()  # a callback runs before the page, in a thread of its own
    seen: list[StoredDrill] | None = st.session_state.get(SEEN)
    if not seen:
        return
    try:
        outcome = perform_all(drill_view.open_store(), seen, op)
    except DrillError as exc:
        flash("error", _("Not done: {reason}.").format(reason=exc))
        return
    except StoreError as exc:
        flash("error", _("Nothing was saved: {reason}. Try again.").format(reason=exc.public))
        return
    st.session_state[SEEN] = outcome.stored
    if outcome.reloaded:
        flash("warning" if outcome.applied else "error", outcome.message)
    else:
        st.toast(outcome.message)


def shared_clock_controls(teams: list[StoredDrill], key: str = "board") -> None:
    """+15 min, +1 h, Next and Go for every team at once."""
    st.session_state[SEEN] = teams
    drills = [t.drill for t in teams]
    first = drills[0]
    done = all(d.finished for d in drills)
    c1, c2, c3, c4, c5 = st.columns([1, 1, 2, 2, 1])
    c1.button(_("+15 min"), on_click=move_all, args=(AdvanceAll(by_h=0.25),), disabled=done, width="stretch",
              key=f"{key}_15")
    c2.button(_("+1 h"), on_click=move_all, args=(AdvanceAll(by_h=1.0),), disabled=done, width="stretch",
              key=f"{key}_60")
    stops = [s for d in drills if (s := d.next_stop()) is not None]
    nxt = min(stops) if stops else None
    label = (_("Next: {clock} ({what})").format(clock=first.clock_text(nxt[0])[-5:], what=nxt[1])
             if nxt else _("To the end"))
    c3.button(label, on_click=move_all, args=(AdvanceAll(),), disabled=done, width="stretch", key=f"{key}_next")
    now = max(d.clock_h for d in drills)
    target = c4.time_input(_("Go to"), value=(first.when(now) + timedelta(hours=1)).time(), step=300,
                           label_visibility="collapsed", key=f"{key}_goto_time")
    c5.button(_("Go"), on_click=go_to, args=(first, now, target), disabled=done, width="stretch", key=f"{key}_goto")


def go_to(first: Drill, now_h: float, target: time) -> None:
    now = first.when(now_h)
    when = datetime.combine(now.date(), target)
    if when <= now:
        when += timedelta(days=1)
    move_all(AdvanceAll(to_h=(when - first.scenario.start).total_seconds() / 3600))


# --------------------------------------------------------------------------- side by side


def team_card(view_: TeamView, stored: StoredDrill, key: str, shared: bool) -> None:
    d = view_.drill
    with st.container(border=True):
        st.markdown(f"**{md(view_.name, one_line=True)}**")
        st.page_link("ui/pages/drill.py", label=_("Open the team's page"), icon=":material/open_in_new:",
                      query_params={"drill": stored.id, "key": key})
        if not shared:
            st.caption(_("Clock: {clock}").format(clock=d.clock_text()))
        st.caption(_("Readiness level: {level} · patients informed: {informed}").format(
            level=view_.readiness, informed=_("yes") if view_.patients_informed else _("not yet")))
        if stored.info.branched_from:
            st.caption(_("Branched at {clock}").format(clock=d.clock_text(stored.info.branched_at_h or d.start_h)))
        for question in view_.waiting:
            st.warning(_("Waiting: {question}").format(question=md(question, one_line=True)),
                       icon=":material/how_to_vote:")
        c1, c2 = st.columns(2)
        for i, name in enumerate(SO_FAR):
            (c1 if i % 2 == 0 else c2).metric(kpi_label(name), count(view_.so_far[name]))
        if view_.checks:
            card = view_.score
            st.metric(_("Score"), card.text())
            st.dataframe(
                drill_view.coloured(
                    [{_("expected action"): c.expected.id, _("result"): c.outcome_text, _("points"): c.points_text(),
                      _("why"): c.reason} for c in card.criteria],
                    _("result"),
                ),
                hide_index=True, width="stretch",
            )
        for b in view_.breaches:
            st.error(_("{deadline} breached at {clock}: {part}").format(
                deadline=b.deadline, clock=d.clock_text(b.breached_at)[-5:], part=md(b.name, one_line=True)))


def side_by_side(exercise: ExerciseInfo, teams: list[StoredDrill], key: str) -> None:
    views = [team_view(name, d) for name, d in names(teams)]
    if exercise.shared_clock:
        st.metric(_("Clock (every team)"), teams[0].drill.clock_text(max(t.drill.clock_h for t in teams)))
    for start in range(0, len(teams), COLUMNS_PER_ROW):
        chunk = list(zip(views[start:start + COLUMNS_PER_ROW], teams[start:start + COLUMNS_PER_ROW], strict=True))
        for col, (v, stored) in zip(st.columns(COLUMNS_PER_ROW), chunk, strict=False):
            with col:
                team_card(v, stored, key, exercise.shared_clock)
    st.markdown("**" + _("Counts so far, team by team") + "**")
    st.dataframe(
        [{_("KPI"): kpi_label(name), **{md(v.name, one_line=True): count(v.so_far[name]) for v in views}}
         for name in SO_FAR],
        hide_index=True, width="stretch",
    )


def reread(exercise_id: str, key: str) -> tuple[ExerciseInfo, list[StoredDrill]] | None:
    """The exercise and its teams as the database has them now; None after saying why not."""
    store = drill_view.open_store()
    try:
        return access.open_exercise(store, exercise_id, key)
    except access.NoSuchDrill:
        st.error(access.NO_SUCH_DRILL)
    except StoreError as exc:
        st.error(exc.public)
    return None


@st.fragment(run_every=REFRESH_S)
def live_board(exercise_id: str, key: str) -> None:
    """The teams side by side, read again every few seconds (decisions taken on the teams' pages
    show up by themselves)."""
    found = reread(exercise_id, key)
    if found is None:
        return
    try:
        side_by_side(*found, key)
    except DrillError as exc:
        st.error(str(exc))


@st.fragment(run_every=REFRESH_S)
def live_timeline(exercise_id: str, key: str) -> None:
    """Every team's decisions on one timeline, read again every few seconds like the teams."""
    found = reread(exercise_id, key)
    if found is not None:
        timeline_tab(found[1])


def timeline_tab(teams: list[StoredDrill]) -> None:
    pairs = names(teams)
    items = timeline(pairs)
    st.caption(_("Every team's decisions, actions, injects and breached deadlines, by the team's clock."))
    view.chart(teams_timeline_figure(pairs, items), "board-timeline")
    if items:
        first = pairs[0][1]
        st.dataframe(
            [{_("time"): first.clock_text(i.t_h), _("team"): i.team, _("what"): _(i.kind), "": i.text} for i in items],
            hide_index=True, width="stretch",
        )


# --------------------------------------------------------------------------- branching


def branch_form(store: DrillStore, teams: list[StoredDrill], key: str, exercise: ExerciseInfo | None) -> None:
    """Start a new team (or a drill of its own) from a moment a team has played, with its past."""
    by_id = {t.id: t for t in teams}
    with st.form(f"branch_{teams[0].id}"):
        chosen = st.selectbox(_("Team to branch"), list(by_id), format_func=lambda i: by_id[i].info.team or by_id[i].info.title,
                              key="branch_team")
        first = teams[0].drill
        default = datetime.combine(first.scenario.start.date(), time(8, 0))
        at = st.time_input(_("From the moment (on the scenario's first day)"), value=default.time(), step=300,
                           key="branch_time")
        name = st.text_input(_("Name of the new team"), max_chars=MAX_NAME_CHARS, key="branch_name")
        choices = ([_("a new team in this exercise")] if exercise is not None else []) + [_("a drill of its own (new links)")]
        as_what = st.radio(_("Start it as"), choices, key="branch_as")
        if st.form_submit_button(_("Branch"), type="primary"):
            source = by_id[chosen]
            at_h = (datetime.combine(source.drill.scenario.start.date(), at) - source.drill.scenario.start).total_seconds() / 3600
            branch(store, source, at_h, name, key, exercise if as_what == choices[0] and exercise else None)


def branch(store: DrillStore, source: StoredDrill, at_h: float, name: str, key: str, exercise: ExerciseInfo | None) -> None:
    try:
        drill = source.drill.branch(at_h)
        label = name.strip() or _("{team} from {clock}").format(
            team=source.info.team or source.info.title, clock=drill.clock_text()[-5:])
        if exercise is not None:
            access.add_team(store, exercise.id, key, label, drill, branched_from=source.id, branched_at_h=drill.clock_h,
                            source=source.info.scenario_source)
            flash("success", _("Team {team} starts at {clock} with the past of {source}.").format(
                team=label, clock=drill.clock_text(), source=source.info.team or source.info.title))
            st.rerun()
        stored, keys = access.branch_drill(store, source, drill, f"{source.info.title} ({label})", label)
    except (DrillError, StoreError, access.NoSuchDrill) as exc:
        st.error(_("Not done: {reason}").format(reason=getattr(exc, "public", None) or str(exc)))
        return
    browser_keys.remember(stored.id, keys.facilitator)
    st.query_params.from_dict({"drill": stored.id, "key": keys.facilitator})
    st.rerun()


# --------------------------------------------------------------------------- report and links


def report_tab(exercise: ExerciseInfo, teams: list[StoredDrill]) -> None:
    from sim.drill.exercise_report import build_exercise_report, html_report, markdown

    n = st.number_input(_("Runs behind the outcome tables"), 4, 200, DEFAULT_REPLICATIONS, key="board_report_n")
    stamp = (exercise.id, tuple((t.id, t.revision) for t in teams))
    if st.button(_("Write the after-action report for every team"), icon=":material/description:", key="board_make_report"):
        with st.spinner(_("Simulating every team and the strategies, and writing the report…")):
            rep = build_exercise_report(exercise.title, names(teams), int(n))
            st.session_state[REPORTS] = {stamp: (html_report(rep).encode("utf-8"), markdown(rep).encode("utf-8"))}
    ready = st.session_state.get(REPORTS, {}).get(stamp)
    if ready:
        c1, c2 = st.columns(2)
        c1.download_button(_("After-action report of every team (HTML)"), ready[0], f"exercise-{exercise.id}-report.html",
                           "text/html", key="board_dl_html", icon=":material/download:", on_click="ignore")
        c2.download_button(_("After-action report of every team (Markdown)"), ready[1], f"exercise-{exercise.id}-report.md",
                           "text/markdown", key="board_dl_md", icon=":material/download:", on_click="ignore")


def links_tab(store: DrillStore, exercise: ExerciseInfo, teams: list[StoredDrill], key: str) -> None:
    base = (st.context.url or "").split("?")[0].rstrip("/")
    base = base.rsplit("/", 1)[0] if base.endswith("/drill") else base
    keys = access.DrillKeys(key)
    st.markdown(_("**Each team's participant link** opens that team's view only: its injects, its questions, "
                  "its situation picture. Give each team its own."))
    for t in teams:
        st.markdown(f"**{md(t.info.team or t.info.team_id, one_line=True)}**")
        st.code(f"{base}/participant?drill={t.id}&key={keys.participant_for(t.info)}", language=None)
    st.markdown(_("**Facilitator link** of the board: it opens every team. Keep it to yourself."))
    st.code(f"{base}/drill?exercise={exercise.id}&key={key}", language=None)
    if len(teams) < MAX_TEAMS:
        with st.form("board_add_team", clear_on_submit=True):
            name = st.text_input(_("Add a team (it starts at the beginning of the drill)"), max_chars=MAX_NAME_CHARS)
            if st.form_submit_button(_("Add the team")) and name.strip():
                first = teams[0].drill
                try:
                    access.add_team(store, exercise.id, key, name.strip(), Drill.new(first.scenario, first.seed, first.start_h),
                                    source=teams[0].info.scenario_source)
                except (DrillError, StoreError, access.NoSuchDrill) as exc:
                    st.error(_("Not done: {reason}").format(reason=getattr(exc, "public", None) or str(exc)))
                else:
                    st.rerun()
    c1, c2 = st.columns(2)
    if exercise.status == "active":
        if c1.button(_("Archive this exercise"), key="board_archive"):
            set_status(store, exercise, "archived")
    elif c1.button(_("Make this exercise active again"), key="board_unarchive"):
        set_status(store, exercise, "active")
    c2.button(_("Back to the list of drills"), on_click=st.query_params.clear, key="board_back")


def set_status(store: DrillStore, exercise: ExerciseInfo, status: str) -> None:
    try:
        store.set_exercise_status(exercise.id, exercise.revision, status)
    except StoreError as exc:
        st.error(_("Not done: {reason}").format(reason=exc.public))
        return
    st.rerun()


def board_screen(store: DrillStore, exercise: ExerciseInfo, teams: list[StoredDrill], key: str) -> None:
    st.title(md(exercise.title, one_line=True))
    st.caption(
        _("{scenario} · {n} teams · clock: {clock}").format(
            scenario=md(exercise.scenario_title, one_line=True), n=len(teams),
            clock=_("shared, moved here for every team") if exercise.shared_clock else _("each team's own"))
        + (" · " + _("archived") if exercise.status == "archived" else "")
    )
    flash.show()
    if exercise.shared_clock:
        shared_clock_controls(teams)
    # Keyed tabs whose state the server keeps: they stay where the facilitator put them across
    # reruns (a clock move, a branch, writing the report).
    tabs = st.tabs([_("Teams side by side"), _("Timeline"), _("Branch"), _("Report"), _("Links and teams")],
                   key=f"board_tabs_{lang.current()}", on_change="rerun")
    with tabs[0]:
        live_board(exercise.id, key)
    with tabs[1]:
        live_timeline(exercise.id, key)
    with tabs[2]:
        st.caption(_("Start a new team from a moment a team has played: it has that team's decisions up to "
                     "then, the same incident and the same patients, and plays on from there."))
        branch_form(store, teams, key, exercise)
    with tabs[3]:
        report_tab(exercise, teams)
    with tabs[4]:
        links_tab(store, exercise, teams, key)


def open_exercise(store: DrillStore) -> tuple[ExerciseInfo, list[StoredDrill], str] | None:
    """The exercise the link asks for, if its key opens it; else None, after saying so."""
    exercise_id, key = st.query_params.get("exercise"), st.query_params.get("key")
    try:
        info, teams = access.open_exercise(store, exercise_id, key)
    except (access.NoSuchDrill, StoreError) as exc:
        st.title(_("Drill"))
        st.error(exc.public if isinstance(exc, StoreError) else access.NO_SUCH_DRILL)
        st.button(_("Back to the list of drills"), on_click=st.query_params.clear)
        return None
    return info, teams, str(key)


def teams_of(store: DrillStore, stored: StoredDrill) -> list[StoredDrill]:
    """Every team of the exercise a team's drill belongs to (the drill alone outside one)."""
    if stored.info.exercise_id is None:
        return [stored]
    return store.teams(stored.info.exercise_id)


def exercise_of(store: DrillStore, stored: StoredDrill) -> ExerciseInfo | None:
    return store.exercise(stored.info.exercise_id) if stored.info.exercise_id else None
