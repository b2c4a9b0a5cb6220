"""Phone calls, caller by caller (docs/model.md, "Care delivery", calls **drop**).

A phone-line entry with `count` lines is `count` separate lines, each with its own queue and
`agents` agents; a caller rings one of them (drawn at random) and calls the same line again on a
retry. With `pooled: true` the entry is one queue with all the lines' agents. Agents answer the
longest-waiting caller and talk for an exponential time with mean `handling_time`, stretched by
1 / capacity at the moment they answer; while the line's capacity is zero no call is answered. A
caller who has not been answered after an exponential patience, or when the line closes, gives
up; `retry_probability` of those call again after an exponential time with mean `retry_after` (a
retry that lands outside the opening hours waits for the next opening). New calls arrive only in
opening hours, at `demand` times the normal rate at their moment: `surge.factor` times while the
services the line serves are down, fading after (docs/model.md, **Call surge**), and less
`call_reduction` once patients are informed, until full operation."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
import simpy

from ...scenario.model import PhoneLine
from .clock import OpenWindows
from .world import World

KIND = "phone"


@dataclass
class Caller:
    rang_h: float
    gives_up_h: float
    answered_h: float | None = None


class Line:
    """One line: its waiting callers, longest-waiting first, and its agents. An agent who is free
    answers the next caller still on the line, at once, unless the line's capacity is zero; then
    the line looks again when capacity returns."""

    def __init__(self, lines: PhoneLines):
        self.lines = lines
        self.env = lines.env
        self.waiting: deque[Caller] = deque()
        self.free_agents = lines.agents_per_queue
        self.wake_pending = False

    def join(self, caller: Caller) -> None:
        self.waiting.append(caller)
        self.answer()

    def next_caller(self) -> Caller | None:
        """The longest-waiting caller still on the line."""
        now = self.env.now
        while self.waiting:
            caller = self.waiting.popleft()
            if caller.gives_up_h > now:
                return caller
        return None

    def answer(self) -> None:
        """Free agents take waiting callers; each call lasts an exponential handling time
        stretched by 1 / capacity at the moment it is answered."""
        while self.free_agents and self.waiting:
            capacity = self.lines.capacity_now()
            if capacity <= 0:
                self.wake_when_capacity_returns()
                return
            caller = self.next_caller()
            if caller is None:
                return
            self.free_agents -= 1
            self.lines.answered(caller)
            talk = float(self.lines.rng.exponential(self.lines.entry.handling_time)) / capacity
            self.env.timeout(talk).callbacks.append(self.hang_up)

    def hang_up(self, _: simpy.Event) -> None:
        self.free_agents += 1
        self.answer()

    def wake_when_capacity_returns(self) -> None:
        if self.wake_pending:
            return
        back = self.lines.capacity_returns()
        if math.isinf(back):
            return
        self.wake_pending = True
        self.env.timeout(back - self.env.now).callbacks.append(self.wake)

    def wake(self, _: simpy.Event) -> None:
        self.wake_pending = False
        self.answer()


class PhoneLines:
    """All the lines of one phone-line entry."""

    def __init__(
        self, world: World, entry: PhoneLine, slot: int, windows: OpenWindows,
        demand: Callable[[np.ndarray], np.ndarray], rng: np.random.Generator, horizon_h: float,
    ):
        self.env, self.entry, self.slot, self.capacity = world.env, entry, slot, world.capacity
        self.windows, self.demand, self.rng, self.tally = windows, demand, rng, world.tally
        self.horizon_h = horizon_h
        # Pooled lines are one queue with all the agents; otherwise every line is its own.
        queues = 1 if entry.pooled else entry.count
        self.agents_per_queue = entry.agents * (entry.count if entry.pooled else 1)
        self.lines = [Line(self) for _ in range(queues)]
        self.first_attempts = 0
        self.retrying_at_end = 0

    def start(self) -> None:
        self.env.process(self.new_calls())

    def capacity_now(self) -> float:
        return self.capacity.at(self.slot, self.env.now)

    def capacity_returns(self) -> float:
        return self.capacity.next_minute_with(self.slot, self.env.now, 0.0)

    def answered(self, caller: Caller) -> None:
        caller.answered_h = now = self.env.now
        self.tally.change("calls_waiting", KIND, now, -1)
        self.tally.count("calls_answered", KIND, now)

    # ------------------------------------------------------------------ callers
    def new_calls(self) -> Generator[simpy.Event, None, None]:
        """First attempts: a Poisson process in opening hours on every line at the surge's peak
        rate, thinned to the demand at each call's moment."""
        peak = self.entry.surge.factor
        rate_per_h = self.entry.calls_per_day * self.entry.count / self.entry.opening_hours.length_h * peak
        times: list[float] = []
        for a, b in self.windows.spans:
            n = int(self.rng.poisson(rate_per_h * (b - a)))
            times.extend((a + (b - a) * self.rng.random(n)).tolist())
        times.sort()
        lines = self.rng.integers(0, len(self.lines), len(times)).tolist()
        keep = self.rng.random(len(times)).tolist()
        dropped = (1 - self.demand(np.asarray(times, dtype=float)) / peak).tolist()
        for t, line, u, drop in zip(times, lines, keep, dropped, strict=True):
            if u < drop:
                continue  # informed patients do not call, or the surge has faded
            yield self.env.timeout(t - self.env.now)
            self.first_attempts += 1
            self.ring(self.lines[line])

    def ring(self, line: Line) -> None:
        """A caller rings `line` now and waits; at the end of their patience (or at closing
        time) they give up unless an agent has answered."""
        now = self.env.now
        patience = float(self.rng.exponential(self.entry.patience))
        caller = Caller(now, min(now + patience, self.windows.closing_after(now)))
        self.tally.count("calls_attempts", KIND, now)
        self.tally.change("calls_waiting", KIND, now, +1)
        line.join(caller)
        self.env.timeout(caller.gives_up_h - now).callbacks.append(
            lambda _: self.give_up(line, caller) if caller.answered_h is None else None
        )

    def give_up(self, line: Line, caller: Caller) -> None:
        now = self.env.now
        self.tally.change("calls_waiting", KIND, now, -1)
        self.tally.count("calls_unanswered", KIND, now)
        self.tally.count("calls_unanswered_by_attempt", KIND, caller.rang_h)
        if self.rng.random() >= self.entry.retry_probability:
            self.tally.count("calls_gave_up", KIND, now)
            return
        again = self.windows.next_open(now + float(self.rng.exponential(self.entry.retry_after)))
        if again >= self.horizon_h:
            self.retrying_at_end += 1
            return
        self.env.timeout(again - now).callbacks.append(lambda _: self.ring(line))
