"""Running a scenario from the app: a slot from the shared semaphore, a time budget, progress, and
the results kept in the session under the scenario's content and the settings."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from sim.engine import BudgetExceeded
from sim.experiments import ExecutorError, StopRequest, experiment_summary, run_experiment
from sim.i18n import N_, _, count
from sim.limits import TooLarge
from sim.scenario import ChangeError, apply_strategy

from . import settings as server
from .settings import Limits
from .state import RunResult, RunSettings, ScenarioChoice, run_key

EXECUTORS = ("serial", "local", "dask")
EXECUTOR_HELP = {
    "serial": N_("one replication after the other in the server process: the fastest start"),
    "local": N_("worker processes on the server: faster for many replications"),
    "dask": N_("a Dask cluster (SIM_APP_DASK_ADDRESS, or a local one started for the run)"),
}
"""English; translated where shown."""


class RunRefused(Exception):
    """A run that cannot start or was stopped; the message tells the person what to do."""


def available_executors() -> list[str]:
    out = ["serial", "local"]
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        return out
    return [*out, "dask"]


def check_settings(choice: ScenarioChoice, settings: RunSettings, limits: Limits | None = None) -> None:
    limits = limits or server.LIMITS
    if choice.scenario is None:
        raise RunRefused(_("The scenario has problems; fix them on the Scenario page first."))
    if not 1 <= settings.replications <= limits.max_replications:
        raise RunRefused(_("Replications must be between 1 and {limit} on this server.").format(
            limit=count(limits.max_replications)))
    if not settings.strategies:
        raise RunRefused(_("Choose at least one strategy."))
    for s in settings.strategies:
        try:
            apply_strategy(choice.scenario, s)
        except ChangeError as exc:
            raise RunRefused(_("Strategy {strategy}: {problem}").format(strategy=s, problem=exc.message)) from None


@contextmanager
def heavy_run_slot(on_wait: Callable[[int], None], limits: Limits | None = None, slots: Any = None):
    """Hold one of the server's run slots; `on_wait(max_runs)` is called once when all are taken,
    and the run gives up after `queue_wait_s`. Drill previews, what-if runs and bands take the
    same slots as the Run page's runs."""
    limits = limits or server.LIMITS
    slots = slots if slots is not None else server.HEAVY_RUNS
    if not slots.acquire(blocking=False):
        on_wait(limits.max_heavy_runs)
        if not slots.acquire(timeout=limits.queue_wait_s):
            raise RunRefused(_(
                "The server is busy with {n} other run(s) and none finished within {seconds} s. "
                "Try again in a moment.").format(n=limits.max_heavy_runs, seconds=count(limits.queue_wait_s)))
    try:
        yield
    finally:
        slots.release()


def execute(
    choice: ScenarioChoice,
    settings: RunSettings,
    *,
    progress: Callable[[int, int], None] | None = None,
    on_wait: Callable[[int], None] = lambda n: None,
    limits: Limits | None = None,
) -> RunResult:
    """Run the scenario under the settings; raises RunRefused with a message for the person."""
    limits = limits or server.LIMITS
    check_settings(choice, settings, limits)
    scenario = choice.scenario
    assert scenario is not None  # check_settings refuses a choice without one
    # A scenario with assumed numbers written as ranges also runs without them, on the same
    # seeds, so that the Results page can show what the ranges add to chance.
    kwargs: dict[str, Any] = {"executor": settings.executor, "progress": progress, "bands": True,
                              "fixed_twin": True, "engine": settings.engine}
    if settings.executor in ("local", "dask"):
        kwargs["workers"] = settings.workers  # None: as many as fit, up to the server's maximum
        kwargs["max_workers"] = limits.max_workers
    if settings.executor == "dask":
        kwargs["address"] = limits.dask_address
    started = time.perf_counter()
    with heavy_run_slot(on_wait, limits):
        # The time budget counts from the start of the run, not from the wait for a slot; it
        # travels with every chunk of work, so a run stops inside a chunk when its time is up.
        stop = StopRequest(deadline=time.time() + limits.run_budget_s)
        try:
            exp = run_experiment(
                scenario, list(settings.strategies), settings.replications, settings.seed,
                stop=stop, **kwargs,
            )
        except (BudgetExceeded, TooLarge) as exc:
            raise RunRefused(_("The scenario is too large to run here: {problem}").format(problem=exc)) from None
        except ExecutorError as exc:
            raise RunRefused(_("The {executor} executor could not run: {problem}").format(
                executor=settings.executor, problem=exc)) from None
    summary = experiment_summary(exp, choice.name)
    notes = []
    if exp.partial:
        notes.append(_(
            "The run was stopped after {seconds} s, the time a run may take on this server: the "
            "results are partial. Lower the replications or the number of strategies."
        ).format(seconds=count(limits.run_budget_s)))
    return RunResult(
        # A partial run is shown but never taken for the complete one.
        key=run_key(choice, settings) + (("partial",) if exp.partial else ()),
        settings=settings,
        scenario_name=choice.name,
        file=choice.name,
        experiment=exp,
        summary=summary,
        wall_s=time.perf_counter() - started,
        notes=notes,
    )
