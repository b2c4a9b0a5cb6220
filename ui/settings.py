"""Limits that protect a shared server, read once from environment variables with safe defaults.

| variable                      | default        | what it limits                                   |
| ----------------------------- | -------------- | ------------------------------------------------ |
| SIM_APP_MAX_UPLOAD_BYTES      | 1000000 (1 MB) | size of an uploaded or edited scenario           |
| SIM_APP_MAX_REPLICATIONS      | 2000           | replications per strategy in one run             |
| SIM_APP_DEFAULT_REPLICATIONS  | 50             | replications offered when the Run page opens     |
| SIM_APP_RUN_BUDGET_S          | 120            | seconds one run may take before it is stopped    |
| SIM_APP_MAX_HEAVY_RUNS        | 2              | runs going on at once in this server process     |
| SIM_APP_QUEUE_WAIT_S          | 60             | seconds a run waits for a free slot, then gives up |
| SIM_APP_MAX_WORKERS           | the CPU count  | worker processes of the local executor           |
| SIM_APP_DASK_ADDRESS          | (none)         | a Dask scheduler for the dask executor           |
| SIM_APP_RESULTS_KEPT          | 4              | finished runs kept per browser session           |

SIM_APP_ORGANIZER_PASSWORD (at least 12 characters) unlocks the list of every drill; it is read
here once, kept only as a salted hash (ORGANISER), and removed from the environment.

HEAVY_RUNS is the one object shared by every browser session on purpose: a process-wide
semaphore that lets at most SIM_APP_MAX_HEAVY_RUNS simulations run at the same time, so one busy
drill cannot starve the others. Everything else a session sees lives in its own st.session_state.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from sim.drill.access import OrganiserPassword


def _int(name: str, default: int, low: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(low, int(raw))
    except ValueError:
        return default


def _float(name: str, default: float, low: float = 0.1) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return max(low, float(raw))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int
    max_replications: int
    default_replications: int
    run_budget_s: float
    max_heavy_runs: int
    queue_wait_s: float
    max_workers: int
    dask_address: str | None
    results_kept: int

    @property
    def max_upload_mb(self) -> int:
        """The upload widget's own limit, in whole megabytes (it cannot say less than 1)."""
        return max(1, -(-self.max_upload_bytes // 1_000_000))


def read_limits() -> Limits:
    max_reps = _int("SIM_APP_MAX_REPLICATIONS", 2000)
    return Limits(
        max_upload_bytes=_int("SIM_APP_MAX_UPLOAD_BYTES", 1_000_000, low=1000),
        max_replications=max_reps,
        default_replications=min(_int("SIM_APP_DEFAULT_REPLICATIONS", 50), max_reps),
        run_budget_s=_float("SIM_APP_RUN_BUDGET_S", 120.0),
        max_heavy_runs=_int("SIM_APP_MAX_HEAVY_RUNS", 2),
        queue_wait_s=_float("SIM_APP_QUEUE_WAIT_S", 60.0, low=0.0),
        max_workers=_int("SIM_APP_MAX_WORKERS", os.cpu_count() or 1),
        dask_address=os.environ.get("SIM_APP_DASK_ADDRESS") or None,
        results_kept=_int("SIM_APP_RESULTS_KEPT", 4),
    )


LIMITS = read_limits()
"""Read once when the server process starts; frozen, so sessions cannot change it."""

HEAVY_RUNS = threading.BoundedSemaphore(LIMITS.max_heavy_runs)
"""The deliberately shared object: a slot for each simulation running in this process."""

ORGANISER = OrganiserPassword.from_environment()
"""The organiser password's hash (no password: no one sees the list of every drill)."""
