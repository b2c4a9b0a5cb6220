"""Phone calls: calls still arrive when the lines cannot answer; callers wait, give up, and some
call again later.

Calls are counted per time step (a fluid queue with random counts): each step's new calls and
retries join the waiting callers; the line answers up to `agents * capacity * step / handling_time`
of them; of those left, each gives up during the step with probability `1 - exp(-step/patience)`,
and a share of those who gave up calls again after about `retry_after`. At closing time the
callers still waiting give up. Interruption rule **drop**: a caller in the queue when telephony
goes stays in the queue and runs out of patience like any other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...scenario.model import PhoneLine
from ..budget import CHECK_EVERY, Budget
from ..grid import TimeGrid
from ..streams import Streams


@dataclass
class CallResult:
    first_attempts: int
    attempts: np.ndarray  # new calls + retries arriving in each step
    answered: np.ndarray
    unanswered: np.ndarray  # attempts abandoned in each step
    waiting: np.ndarray  # callers still waiting at the end of each step
    gave_up_for_good: int
    gave_up: np.ndarray  # callers who gave up for good in each step
    waiting_at_end: int
    retrying_at_end: int


def call_flow(
    grid: TimeGrid,
    line: PhoneLine,
    capacity: np.ndarray,
    reduction: np.ndarray,
    streams: Streams,
    name: str,
    budget: Budget | None = None,
) -> CallResult:
    """One line's calls. Two sources of randomness, each its own stream: first attempts (`NAME`)
    and what happens in the queue, step by step (`NAME:queue`: whole calls answered, callers
    giving up, calling again)."""
    n, step = grid.n, grid.step_h
    open_frac = grid.open_fraction(line.opening_hours)
    lam = line.calls_per_day * line.count / line.opening_hours.length_h * step * open_frac
    rate = lam * (1 - reduction)
    new = streams.over_steps(name, n, step, lambda g, k: g.poisson(rate[k]))
    past, fresh = streams(f"{name}:queue"), streams.fresh(f"{name}:queue")
    branch = streams.steps_before(n, step)
    rng = past
    serve_rate = line.count * line.agents * step / line.handling_time
    cap = (serve_rate * capacity * np.minimum(1.0, open_frac)).tolist()
    p_leave = 1 - math.exp(-step / line.patience)
    p_retry = line.retry_probability
    retry_steps = max(1.0, line.retry_after / step)
    is_open = (open_frac > 0).tolist()
    closes = np.append(open_frac[1:] == 0, True) & (open_frac > 0)
    closes_list = closes.tolist()
    new_list = new.tolist()

    retries = [0] * (n + 1)
    attempts = np.zeros(n, dtype=np.int64)
    answered = np.zeros(n, dtype=np.int64)
    unanswered = np.zeros(n, dtype=np.int64)
    waiting_by_step = np.zeros(n, dtype=np.int64)
    gave_up = np.zeros(n, dtype=np.int64)
    waiting = 0
    for_good = 0
    retry_lost = 0
    for k in range(n):
        if budget is not None and k % CHECK_EVERY == 0:
            budget.check_time()
        if k == branch:
            rng = fresh
        arriving = new_list[k] + retries[k]
        if not is_open[k] and arriving:
            # Retries that land outside opening hours wait for the next opening.
            nxt = k + 1
            while nxt < n and not is_open[nxt]:
                nxt += 1
            if nxt < n:
                retries[nxt] += retries[k]
            else:
                retry_lost += retries[k]
            arriving = new_list[k]
        attempts[k] = arriving
        total = waiting + arriving
        c = cap[k]
        if total <= c:
            answered[k] = total
            waiting = 0
            continue
        # Whole calls only: the fractional part of the capacity is a chance of one more answer.
        whole = int(c)
        if rng.random() < c - whole:
            whole += 1
        answered[k] = whole
        left = total - whole
        gone = left if closes_list[k] else int(rng.binomial(left, p_leave))
        waiting = left - gone
        waiting_by_step[k] = waiting
        unanswered[k] = gone
        if gone:
            again = int(rng.binomial(gone, p_retry))
            for_good += gone - again
            gave_up[k] = gone - again
            if again:
                _retry_later(rng, again, retry_steps, k, retries)
    return CallResult(
        first_attempts=int(new.sum()),
        attempts=attempts,
        answered=answered,
        unanswered=unanswered,
        waiting=waiting_by_step,
        gave_up_for_good=for_good,
        gave_up=gave_up,
        waiting_at_end=waiting,
        retrying_at_end=retries[n] + retry_lost,
    )


def _retry_later(rng: np.random.Generator, callers: int, retry_steps: float, k: int, retries: list[int]) -> None:
    """Callers who will call again, each after an exponential wait; the last slot of `retries`
    holds those who would call back after the horizon."""
    n = len(retries) - 1
    for d in rng.exponential(retry_steps, callers).astype(np.int64) + 1:
        if k + d < n:
            retries[k + d] += 1
        else:
            retries[n] += 1
