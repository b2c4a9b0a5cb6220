"""The readiness ladder's state machine: the table in docs/model.md is the one in the code, and
the machine behaves as the table says."""

from __future__ import annotations

import re
from pathlib import Path

from engine_factory import small_scenario

from sim.engine import Control, TimedAction, simulate
from sim.engine.readiness import TRANSITIONS, Effect, Ladder, Phase, Signal
from sim.scenario.model import Action

DOC = Path(__file__).resolve().parents[1] / "docs" / "model.md"


def _name(text: str) -> str:
    return text.strip().replace(" ", "_").replace("-", "_").upper()


def test_the_documented_table_is_the_code() -> None:
    pattern = r"^\| (normal|raised|standing down|stood down) \| ([a-z -]+) \| ([a-z ]+) \|(.*)\|$"
    rows = re.findall(pattern, DOC.read_text(encoding="utf-8"), flags=re.M)
    documented = {(Phase[_name(a)], Signal[_name(b)]): Phase[_name(c)] for a, b, c, _ in rows}
    assert documented == {k: v[0] for k, v in TRANSITIONS.items()}
    timers = {(Phase[_name(a)], Signal[_name(b)]) for a, b, _, eff in rows if "timer" in eff}
    assert timers == {k for k, v in TRANSITIONS.items() if v[1] in (Effect.START_TIMER, Effect.CANCEL_TIMER)}


def test_a_stand_down_cycle() -> None:
    ladder = Ladder()
    assert ladder.fire(Signal.OPERATIONAL) is Effect.NONE and ladder.phase is Phase.NORMAL
    assert ladder.fire(Signal.RAISE) is Effect.NONE and ladder.phase is Phase.RAISED
    assert ladder.fire(Signal.OPERATIONAL) is Effect.START_TIMER
    first = ladder.timer
    assert ladder.fire(Signal.BELOW_OPERATIONAL) is Effect.CANCEL_TIMER and ladder.timer == 0
    ladder.fire(Signal.OPERATIONAL)
    assert ladder.timer not in (0, first), "a new timer, never an old one's number"
    assert ladder.fire(Signal.STAND_DOWN_DUE) is Effect.STAND_DOWN and ladder.phase is Phase.STOOD_DOWN
    assert ladder.fire(Signal.OPERATIONAL) is Effect.NONE and ladder.phase is Phase.STOOD_DOWN
    assert ladder.fire(Signal.NEW_FAILURE) is Effect.NONE and ladder.phase is Phase.NORMAL


def test_the_region_stands_down_after_full_operation() -> None:
    rep = simulate(small_scenario(), 3)
    levels = [lv for _t, lv in rep.readiness]
    assert levels[:3] == [0, 1, 0]
    assert rep.milestones["readiness:stabslage:end"] >= rep.milestones["full_operation"]


def test_a_level_lowered_by_hand_does_not_come_back_while_operational() -> None:
    """Lowered to normalläge by a decision while standing down: no second stand-down, and no
    raise again while the services stay operational."""
    sc = small_scenario()
    base = simulate(sc, 3)
    end = base.milestones["readiness:stabslage:end"]
    lower = Action(do="lower_readiness", target="normallage")
    rep = simulate(sc, 3, control=Control(actions=(TimedAction(end - 0.01, lower),)))
    assert [lv for _t, lv in rep.readiness] == [0, 1, 0]
    assert rep.milestones["readiness:stabslage:end"] < end
