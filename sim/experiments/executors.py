"""Executors: where the work units run. `serial` in this process, `local` on every core of this
machine (a process pool), `dask` on a dask.distributed cluster (at an address, or a local one
started for the run).

Every executor keeps only a few tasks in flight per worker and hands results to the caller as
they come back, in any order. A stop request (the first Ctrl-C) cancels what has not started,
keeps the chunks that finish within a second (STOP_GRACE_S), and ends the workers; a second
Ctrl-C ends them at once.
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
    def on_sigint(self) -> Iterator[None]:
        """Turn the first Ctrl-C into a stop request; a second one raises KeyboardInterrupt."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.getsignal(signal.SIGINT)
        if previous is not signal.default_int_handler:
            yield
            return

        def handler(signum: int, frame: Any) -> None:
            if self.requested:
                raise KeyboardInterrupt
            self.requested = True

        signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


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

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp_context(), initializer=_ignore_sigint)
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
            p.terminate()
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
                dashboard_address=":0",  # any free port: never clash with another cluster
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
