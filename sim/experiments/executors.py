"""Executors: where the work units run. `serial` in this process, `local` on every core of this
machine (a process pool), `dask` on a dask.distributed cluster (at an address, or a local one
started for the run).

Every executor keeps only a few tasks in flight per worker and hands results to the caller as
they come back, in any order. A stop request (the first Ctrl-C or SIGTERM) cancels what has not
started, keeps the chunks that finish within a second (STOP_GRACE_S), and ends the workers; a
second one ends them at once.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .work import ChunkResult, Task, run_chunk, run_chunk_in_worker

EXECUTORS = ("serial", "local", "dask")
DEFAULT_EXECUTOR = "local"
DASK_TASKS_IN_FLIGHT_PER_THREAD = 4
"""Dask round trips take a few milliseconds: several tasks queued per thread hide them."""
POLL_S = 0.2
STOP_GRACE_S = 1.0
DASK_CONNECT_TIMEOUT_S = 5
"""How long connecting to a Dask scheduler may take."""
DASK_ANSWER_TIMEOUT_S = 8
"""How long a scheduler may take to connect and say who it is, all told: an address that accepts
connections and never answers (or answers like something else) fails within this."""


class ExecutorError(RuntimeError):
    """An executor cannot run: a bad option, a missing extra, an unreachable cluster, a worker
    that died. The message says what to do."""


class WorkerFailure(ExecutorError):
    """A worker process died mid-run."""


def default_workers() -> int:
    return os.cpu_count() or 1


class StopRequest:
    """Set by the first Ctrl-C (when the run owns the main thread) or by a caller (the app's stop
    button), or reached at a `deadline` (time.time(), the app's time budget); executors poll it
    between tasks, and the deadline also travels with every task, so that a chunk stops in the
    middle when the time is up."""

    def __init__(self, deadline: float | None = None) -> None:
        self.requested = False
        self.deadline = deadline

    def __call__(self) -> bool:
        if not self.requested and self.deadline is not None and time.time() > self.deadline:
            self.requested = True
        return self.requested

    def request(self) -> None:
        self.requested = True

    @contextlib.contextmanager
    def on_interrupt(self) -> Iterator[None]:
        """Turn the first Ctrl-C or SIGTERM into a stop request; a second one raises
        KeyboardInterrupt. A signal whose handler someone else has set is left alone."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        untouched = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
        previous = {sig: signal.getsignal(sig) for sig in untouched}
        ours = [sig for sig, handler in untouched.items() if previous[sig] is handler]

        def handler(signum: int, frame: Any) -> None:
            if self.requested:
                raise KeyboardInterrupt
            self.requested = True

        for sig in ours:
            signal.signal(sig, handler)
        try:
            yield
        finally:
            for sig in ours:
                signal.signal(sig, previous[sig])


OnResult = Callable[[ChunkResult], None]


def execute(
    tasks: Iterable[Task],
    on_result: OnResult,
    *,
    executor: str = DEFAULT_EXECUTOR,
    workers: int | None = None,
    address: str | None = None,
    stop: StopRequest | None = None,
    function: Callable[[Task], ChunkResult | None] = run_chunk_in_worker,
) -> bool:
    """Run every task and pass each result to `on_result` (in the calling thread). True when all
    ran; False when a stop request or Ctrl-C ended the run early. `function` runs a task in a
    worker (another one only to measure the executors' own cost)."""
    stop = stop or StopRequest()
    check_options(executor, workers, address)
    if executor == "serial":
        return _serial(tasks, on_result, stop)
    if executor == "local":
        return _local(tasks, on_result, stop, workers or default_workers(), function)
    return _dask(tasks, on_result, stop, workers, address, function)


def check_options(executor: str, workers: int | None, address: str | None) -> None:
    if executor not in EXECUTORS:
        raise ExecutorError(f"unknown executor {executor!r} (known: {', '.join(EXECUTORS)})")
    if workers is not None and workers < 1:
        raise ExecutorError(f"workers must be at least 1, got {workers}")
    if address is not None and executor != "dask":
        raise ExecutorError(f"an address is for the dask executor, not {executor!r}")


# --------------------------------------------------------------------------- serial


def _serial(tasks: Iterable[Task], on_result: OnResult, stop: StopRequest) -> bool:
    try:
        for task in tasks:
            result = run_chunk(task, stop)
            if result is None:
                return False
            on_result(result)
            if result.stop < task.stop:
                return False
    except KeyboardInterrupt:
        return False
    return True


# --------------------------------------------------------------------------- local processes


def _ignore_sigint() -> None:
    # Ctrl-C in a terminal reaches the whole process group; the parent decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _ignore_interrupts() -> None:
    # Ctrl-C, and a SIGTERM sent to the whole group (a service manager stopping the run), reach
    # the workers too; the parent decides what stops and ends them with SIGKILL (`_kill`).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def mp_context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one: safe with threads (the app's server), and each worker is a
    fork of a server that has already imported the engine. spawn elsewhere."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.experiments.work"])
        return ctx
    return multiprocessing.get_context("spawn")


def _local(
    tasks: Iterable[Task], on_result: OnResult, stop: StopRequest, workers: int,
    function: Callable[[Task], ChunkResult | None],
) -> bool:
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp_context(), initializer=_ignore_interrupts)
    # One task queued beyond those running keeps every worker busy; the pool hands queued tasks
    # to its workers at once, so they could not be cancelled on a stop.
    window = workers + 1
    todo = iter(tasks)
    pending: set[Future[ChunkResult | None]] = set()
    exhausted = False
    try:
        while not stop():
            while not exhausted and len(pending) < window:
                task = next(todo, None)
                if task is None:
                    exhausted = True
                else:
                    pending.add(pool.submit(function, task))
            if not pending:
                break
            done, pending = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
            for future in done:
                _deliver(future.result(), on_result)
        for future in pending:
            future.cancel()
        # Keep the chunks that finish within a moment of a stop; end the workers after that.
        done, running = wait(pending, timeout=STOP_GRACE_S)
        finished = [f for f in done if not f.cancelled() and f.exception() is None]
        for future in finished:
            _deliver(future.result(), on_result)
        if running:
            _kill(pool)
        else:
            pool.shutdown(wait=True)
        return exhausted and len(finished) == len(pending)
    except KeyboardInterrupt:
        _kill(pool)
        return False
    except BrokenProcessPool:
        _kill(pool)
        raise WorkerFailure("a worker process died (out of memory?); try fewer workers") from None
    except BaseException:
        _kill(pool)
        raise


def _deliver(result: ChunkResult | None, on_result: OnResult) -> None:
    """Pass a chunk's result on; a chunk stopped by the deadline before it finished a single
    replication has none."""
    if result is not None:
        on_result(result)


def _kill(pool: Any) -> None:
    """Stop a process pool now: cancel everything and end its processes."""
    processes = list(getattr(pool, "_processes", {}).values())
    for p in processes:
        with contextlib.suppress(Exception):
            p.kill()  # the workers ignore SIGTERM
    with contextlib.suppress(Exception):
        pool.shutdown(wait=True, cancel_futures=True)
    for p in processes:
        with contextlib.suppress(Exception):
            p.join(timeout=5)


# --------------------------------------------------------------------------- dask


def _dask(
    tasks: Iterable[Task],
    on_result: OnResult,
    stop: StopRequest,
    workers: int | None,
    address: str | None,
    function: Callable[[Task], ChunkResult | None],
) -> bool:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ExecutorError(
            "the dask executor needs the dask extra: pip install 'outage-drill-sim[dask]'"
        ) from None

    with dask_client(address, workers) as client:
        nthreads = sum(client.nthreads().values()) or 1
        window = nthreads * DASK_TASKS_IN_FLIGHT_PER_THREAD
        todo = iter(tasks)
        finished: queue.SimpleQueue[Any] = queue.SimpleQueue()
        pending: set[Any] = set()
        exhausted = completed = False
        try:
            while not stop():
                # Top the queue up in batches: one message to the scheduler per batch.
                if not exhausted and len(pending) <= window // 2:
                    batch = list(itertools.islice(todo, window - len(pending)))
                    exhausted = len(batch) < window - len(pending)
                    for future in client.map(function, batch, pure=False) if batch else []:
                        future.add_done_callback(finished.put)
                        pending.add(future)
                if not pending:
                    completed = exhausted
                    break
                try:
                    future = finished.get(timeout=POLL_S)
                except queue.Empty:
                    continue
                pending.discard(future)
                _deliver(future.result(), on_result)
            if pending:
                client.cancel(list(pending))
            return completed
        except KeyboardInterrupt:
            with contextlib.suppress(Exception):
                client.cancel(list(pending))
            return False


@contextlib.contextmanager
def dask_client(address: str | None, workers: int | None) -> Iterator[Any]:
    """A client of the cluster at `address`, or of a local cluster started (and stopped) here."""
    import distributed
    import distributed.comm

    cluster = None
    try:
        if address:
            try:
                # Check the address itself first: a Client that fails on a malformed one leaves
                # a half-built object whose clean-up hangs at exit.
                distributed.comm.resolve_address(address)
            except ValueError as exc:
                raise ExecutorError(f"not a Dask scheduler address: {address!r}: {exc}") from None
            except OSError as exc:
                raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
            check_scheduler(address)
            try:
                client = distributed.Client(
                    address, timeout=DASK_CONNECT_TIMEOUT_S, set_as_default=False
                )
            except (OSError, TimeoutError, ValueError, distributed.TimeoutError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {reason}") from None
        else:
            cluster = distributed.LocalCluster(
                n_workers=workers or default_workers(),
                threads_per_worker=1,
                processes=True,
                # Only this machine can reach the cluster and its dashboard (any free port:
                # never clash with another cluster).
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                # A run stopped early closes the cluster under its workers; their complaints
                # about lost heartbeats are noise to a person at the command line.
                silence_logs=logging.CRITICAL,
            )
            client = distributed.Client(cluster, set_as_default=False)
    except BaseException:
        if cluster is not None:
            cluster.close()
        raise
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close()
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close()


def check_scheduler(address: str) -> None:
    """Ask the scheduler at `address` who it is, within DASK_ANSWER_TIMEOUT_S all told. A Dask
    Client waits far longer on an address that accepts connections and never answers, and an
    address that answers like another kind of server can make it ask for absurd amounts of
    memory; both become a clear ExecutorError here."""
    import asyncio

    from distributed.core import rpc

    async def identity() -> Any:
        remote = rpc(address, timeout=DASK_CONNECT_TIMEOUT_S)
        try:
            return await remote.identity()
        finally:
            with contextlib.suppress(Exception):
                await remote.close_rpc()

    outcome: dict[str, Any] = {}

    def ask() -> None:  # in a thread of its own: the caller may be inside an event loop
        try:
            outcome["info"] = asyncio.run(asyncio.wait_for(identity(), DASK_ANSWER_TIMEOUT_S))
        except BaseException as exc:  # noqa: BLE001 - every failure becomes a message
            outcome["error"] = exc

    thread = threading.Thread(target=ask, name="dask-scheduler-check", daemon=True)
    thread.start()
    thread.join(DASK_ANSWER_TIMEOUT_S + 2)
    error = outcome.get("error")
    if thread.is_alive() or isinstance(error, TimeoutError):
        raise ExecutorError(
            f"the Dask scheduler at {address} did not answer within {DASK_ANSWER_TIMEOUT_S} s: "
            "check the address and that the scheduler is running"
        )
    if isinstance(error, OSError):
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {reason}")
    info = outcome.get("info")
    if error is not None or not isinstance(info, dict) or info.get("type") != "Scheduler":
        raise ExecutorError(
            f"{address} did not answer like a Dask scheduler; check the address (the scheduler's "
            "port, often 8786, not its dashboard's)"
        )
