"""Phone calls: calls still arrive when the lines cannot answer; callers wait, give up, and some
call again later.

Each line of an entry has its own queue and its own `agents` (`pooled: true` makes the entry's
lines one queue with all their agents). Within a time step a line is taken to be in the steady
state of its queue at that step's rate of calls and its capacity: an M/M/c+M queue (Erlang A) whose
agents answer at `capacity / handling_time` each and whose callers give up at rate
`1 / patience`. The share of callers who give up there applies to the step's new calls and retries
(whole calls drawn at random); `retry_probability` of those who gave up call again after about
`retry_after` (retries that land outside the opening hours wait for the next opening). A caller
waits minutes, so no one is carried from one step to the next; the callers a queue holds on
average are the ones who give up when the line closes. Interruption rule **drop**: while a line
has no capacity, every caller gives up. Beyond 2,000 agents or an offered load of 2,000 the queue
is taken at its fluid limit (what the agents cannot answer gives up), and a step barely open
spreads its callers over at least a patience.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ...scenario.model import PhoneLine
from ..budget import CHECK_EVERY, Budget
from ..grid import TimeGrid
from ..streams import Streams

FIXED_POINT_ROUNDS = 4
"""Rounds of (rate of calls -> giving up -> retries -> rate of calls) for the expected retries."""
ROWS = 128
"""Time steps solved at once, so that a long grid at a fine resolution needs little memory."""
MAX_EXACT = 2000
"""Above this many agents or this offered load (calls x patience) a queue is taken at its fluid
limit, so that the states followed stay bounded."""
KERNEL_MEANS = 40
"""The retry delays are followed up to this many means (beyond, less than e^-40 of them)."""


@dataclass
class CallResult:
    first_attempts: int
    attempts: np.ndarray  # new calls + retries arriving in each step
    answered: np.ndarray
    unanswered: np.ndarray  # attempts abandoned in each step
    waiting: np.ndarray  # callers still waiting at the end of each step (none: see above)
    gave_up_for_good: int
    gave_up: np.ndarray  # callers who gave up for good in each step
    waiting_at_end: int
    retrying_at_end: int


def erlang_a(
    calls_per_h: np.ndarray, agents: int, answers_per_agent_h: np.ndarray, patience_h: float
) -> tuple[np.ndarray, np.ndarray]:
    """docs/model.md, calls **drop**: for each step, the steady state of an M/M/c+M queue (Erlang
    A) with this rate of calls, `agents` agents answering at `answers_per_agent_h` each, and
    callers giving up at rate 1 / `patience_h`: the share of callers who give up, and the mean
    number waiting. Every caller gives up while no one answers."""
    lam = np.asarray(calls_per_h, dtype=float)
    mu = np.asarray(answers_per_agent_h, dtype=float)
    theta = 1 / patience_h
    share = np.where((lam > 0) & (mu <= 0), 1.0, 0.0)
    waiting_mean = np.where((lam > 0) & (mu <= 0), lam / theta, 0.0)
    live = (lam > 0) & (mu > 0)
    if not live.any():
        return share, waiting_mean
    lam_l, mu_l = lam[live], mu[live]
    offered = lam_l / theta
    fluid = (offered > MAX_EXACT) | (agents > MAX_EXACT)
    # Far beyond what the agents can take, or with very many agents, the queue is its fluid limit:
    # what the agents cannot answer gives up.
    waiting = np.maximum(0.0, lam_l - agents * mu_l) / theta
    exact = ~fluid
    if exact.any():
        top = float(offered[exact].max())
        depth = int(math.ceil(top + 10 * math.sqrt(top) + 30))
        waiting[exact] = _SOLUTIONS.mean_waiting(lam_l[exact], mu_l[exact], agents, depth, theta)
    share[live] = np.clip(theta * waiting / lam_l, 0.0, 1.0)
    waiting_mean[live] = waiting
    return share, waiting_mean


SOLUTIONS_KEPT = 50_000
"""Queues the process remembers at most (about 12 MB); past that its memory starts afresh."""


class _Solutions:
    """The mean waiting of every queue solved in this process, by (agents, states beyond the
    agents, giving-up rate), then by (calls, answers per agent): a step like one solved before,
    in this replication or another, is not solved again. Each row is solved on its own, so a
    remembered value is the very number a new solution would give."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.forget()

    def forget(self) -> None:
        self.kept = 0
        self.tables: dict[tuple[int, int, float], dict[tuple[float, float], float]] = {}

    def mean_waiting(self, lam: np.ndarray, mu: np.ndarray, agents: int, depth: int, theta: float) -> np.ndarray:
        """`_mean_waiting` of each row, solving only the rows not solved before."""
        keys = list(zip(lam.tolist(), mu.tolist(), strict=True))
        table = self.tables.setdefault((agents, depth, theta), {})
        new = [k for k in dict.fromkeys(keys) if k not in table]
        if new:
            if self.kept + len(new) > self.most:
                self.forget()
                table = self.tables[(agents, depth, theta)] = {}
                new = list(dict.fromkeys(keys))  # the rows remembered before are forgotten too
            self.kept += len(new)
            lam_n, mu_n = np.array([k[0] for k in new]), np.array([k[1] for k in new])
            for i in range(0, len(new), ROWS):
                values = _mean_waiting(lam_n[i:i + ROWS], mu_n[i:i + ROWS], agents, depth, theta)
                table.update(zip(new[i:i + ROWS], values.tolist(), strict=True))
        return np.array(list(map(table.__getitem__, keys)), dtype=float)


_SOLUTIONS = _Solutions(SOLUTIONS_KEPT)


def _mean_waiting(lam: np.ndarray, mu: np.ndarray, agents: int, depth: int, theta: float) -> np.ndarray:
    """The mean number waiting in the steady state of each row's M/M/c+M queue, over the states
    0 .. agents + depth (a birth-death chain, in logs)."""
    states = np.arange(1, agents + depth + 1)
    leaving = np.minimum(states, agents)[None, :] * mu[:, None] + np.maximum(0, states - agents)[None, :] * theta
    log_p = np.concatenate((np.zeros((len(lam), 1)), np.cumsum(np.log(lam)[:, None] - np.log(leaving), axis=1)), axis=1)
    p = np.exp(log_p - log_p.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    out: np.ndarray = (p * np.maximum(0, np.arange(agents + depth + 1) - agents)[None, :]).sum(axis=1)
    return out


def giving_up(calls_per_h: np.ndarray, agents: int, answers_per_agent_h: np.ndarray, patience_h: float) -> np.ndarray:
    """The share of callers who give up (see `erlang_a`)."""
    return erlang_a(calls_per_h, agents, answers_per_agent_h, patience_h)[0]


def _next_open(is_open: np.ndarray) -> np.ndarray:
    """For each step, the first open step at or after it (len when none)."""
    n = len(is_open)
    out = np.full(n + 1, n)
    for k in range(n - 1, -1, -1):
        out[k] = k if is_open[k] else out[k + 1]
    return out[:n]


def _retry_kernel(retry_steps: float, n: int) -> np.ndarray:
    """Chance that a retry comes d steps after the step the caller gave up in (d = 1, 2, ...):
    an exponential wait from a moment spread over that step, and at least the next step."""
    r = retry_steps

    def below(t: np.ndarray) -> np.ndarray:  # P(U + X < t), U uniform on [0, 1), X exponential
        t = np.asarray(t, dtype=float)
        inside = t - r * (1 - np.exp(-t / r))
        beyond = 1 - r * (np.exp(-(t - 1) / r) - np.exp(-t / r))
        out: np.ndarray = np.where(t < 1, inside, beyond)
        return out

    d = np.arange(1, min(n, int(math.ceil(KERNEL_MEANS * r)) + 2) + 1, dtype=float)
    kernel: np.ndarray = below(d + 1) - below(d)
    kernel[0] += below(np.array([1.0]))[0]  # a retry within the same step comes in the next one
    return kernel


FEW_RETRIES = 5
"""Up to this many retries in a step are added up in Python; more, in numpy (faster for many)."""


def _retry_steps_drawn(rng: np.random.Generator, callers: int, retry_steps: float) -> list[int]:
    """Steps until each retry (at least one), as `_retry_kernel` describes: a uniform moment in the
    step plus an exponential wait, drawn as two vectors (so that the stream moves the same way
    whatever the count); the same whole numbers whichever way they are added up."""
    within = rng.random(callers)
    wait = rng.exponential(retry_steps, callers)
    if callers > FEW_RETRIES:
        steps: list[int] = np.maximum(1, np.floor(within + wait)).astype(np.int64).tolist()
        return steps
    return [max(1, math.floor(u + x)) for u, x in zip(within.tolist(), wait.tolist(), strict=True)]


def expected_calls(new_per_step: np.ndarray, share_of: Callable[[np.ndarray], np.ndarray], p_retry: float,
                   kernel: np.ndarray, next_open: np.ndarray) -> np.ndarray:
    """Expected calls a step, retries included, by a few rounds of a fixed point."""
    n = len(new_per_step)
    calls = new_per_step.astype(float)
    for _ in range(FIXED_POINT_ROUNDS):
        lost = calls * share_of(calls)
        landing = np.convolve(lost * p_retry, np.concatenate(([0.0], kernel)))[:n]
        retries = np.zeros(n + 1)
        np.add.at(retries, next_open, landing)
        calls = new_per_step + retries[:n]
    return calls


def call_flow(
    grid: TimeGrid,
    line: PhoneLine,
    capacity: np.ndarray,
    demand: np.ndarray,
    streams: Streams,
    name: str,
    budget: Budget | None = None,
) -> CallResult:
    """One line's calls, new ones at `demand` times the normal rate in each step (surge, less
    what informed patients do not call). Two sources of randomness, each its own stream: first
    attempts (`NAME`) and what happens in the queue, step by step (`NAME:queue`: callers giving
    up, calling again)."""
    n, step = grid.n, grid.step_h
    open_frac = grid.open_fraction(line.opening_hours)
    lam = line.calls_per_day * line.count / line.opening_hours.length_h * step * open_frac
    rate = lam * demand
    new = streams.over_steps(name, n, step, lambda g, k: g.poisson(rate[k]))
    queues = 1 if line.pooled else line.count
    agents = line.agents * (line.count if line.pooled else 1)
    # A burst (callers who waited for the opening, in a step barely open) spreads over a patience.
    open_h = np.maximum(open_frac * step, min(step, line.patience))
    answers_per_agent_h = capacity / line.handling_time
    retry_steps = max(1.0, line.retry_after / step)
    is_open = open_frac > 0
    next_open = _next_open(is_open)

    def share_of(calls: np.ndarray) -> np.ndarray:
        return giving_up(calls / queues / open_h, agents, answers_per_agent_h, line.patience)

    kernel = _retry_kernel(retry_steps, n)
    expected = expected_calls(rate, share_of, line.retry_probability, kernel, next_open)
    share, waiting = erlang_a(expected / queues / open_h, agents, answers_per_agent_h, line.patience)
    # Callers still waiting when the line closes give up then.
    closes = is_open & ~np.append(is_open[1:], False)
    at_close = np.where(closes, np.minimum(1 - share, waiting * queues / np.maximum(expected, 1e-9)), 0.0)
    p_leave = (share + at_close).tolist()
    queue = (streams(f"{name}:queue"), streams.fresh(f"{name}:queue"), streams.steps_before(n, step))
    return _callers(new, p_leave, next_open.tolist(), line.retry_probability, retry_steps, queue, budget)


def _callers(
    new: np.ndarray,
    p_leave: list[float],
    next_open: list[int],
    p_retry: float,
    retry_steps: float,
    queue: tuple[np.random.Generator, np.random.Generator, int],
    budget: Budget | None,
) -> CallResult:
    """The callers of every step in whole numbers: those who give up (`p_leave` of the step's new
    calls and retries), those of them who call again and the step their retry lands in. `queue`:
    the past's stream, the fresh one and the step from which the fresh one draws."""
    rng, fresh, branch = queue
    n = len(new)
    retries = [0] * (n + 1)
    attempts = np.zeros(n, dtype=np.int64)
    unanswered = np.zeros(n, dtype=np.int64)
    gave_up = np.zeros(n, dtype=np.int64)
    new_list = new.tolist()
    for_good = 0
    for k in range(n):
        if budget is not None and k % CHECK_EVERY == 0:
            budget.check_time()
        if k == branch:
            rng = fresh
        arriving = new_list[k] + retries[k]
        attempts[k] = arriving
        if not arriving:
            continue
        gone = int(rng.binomial(arriving, p_leave[k]))
        if not gone:
            continue
        unanswered[k] = gone
        again = int(rng.binomial(gone, p_retry))
        gave_up[k] = gone - again
        for_good += gone - again
        if not again:
            continue  # nothing to draw: the stream is where it would be after drawing none
        for d in _retry_steps_drawn(rng, again, retry_steps):
            j = k + d
            retries[next_open[j] if j < n else n] += 1
    return CallResult(
        first_attempts=int(new.sum()),
        attempts=attempts,
        answered=attempts - unanswered,
        unanswered=unanswered,
        waiting=np.zeros(n, dtype=np.int64),
        gave_up_for_good=for_good,
        gave_up=gave_up,
        waiting_at_end=0,
        retrying_at_end=retries[n],
    )
