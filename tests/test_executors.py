"""Executors: serial, local processes and a Dask cluster give identical numbers; a stop or Ctrl-C
ends a run cleanly with what finished and leaves no processes behind."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from shipped import ROOT, SORMLAND

from sim.experiments import ExecutorError, StopRequest, run_experiment, run_sweep, sweep_rows
from sim.experiments import executors as executors_module
from sim.experiments.work import ALL_KPIS

STRATEGIES = ["baseline", "fast-failover"]
N = 8  # chunks of 1: eight per strategy, so results come back out of order


@pytest.fixture(scope="module")
def serial_run(sormland):
    return run_experiment(sormland, STRATEGIES, N, 11, executor="serial")


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
    )
    try:
        yield cluster
    finally:
        cluster.close()


def assert_identical(a, b) -> None:
    assert not a.partial and not b.partial
    for s in STRATEGIES:
        ra, rb = a.runs[s], b.runs[s]
        assert ra.replications == rb.replications == N
        for k in ALL_KPIS:
            assert np.array_equal(ra.kpi(k), rb.kpi(k), equal_nan=True), (s, k)
        assert ra.milestone_names() == rb.milestone_names()
        for m in ra.milestone_names():
            assert np.array_equal(ra.milestone(m), rb.milestone(m), equal_nan=True), (s, m)
        assert ra.contacts == rb.contacts
        assert ra.bands.names == rb.bands.names
        for name in ra.bands.names:
            ba, bb = ra.bands.get(name), rb.bands.get(name)
            for stat in ("mean", "p10", "p50", "p90"):
                assert np.array_equal(ba[stat], bb[stat]), (s, name, stat)


def test_local_processes_give_identical_numbers(sormland, serial_run) -> None:
    local = run_experiment(sormland, STRATEGIES, N, 11, executor="local", workers=2)
    assert_identical(serial_run, local)


def test_dask_cluster_gives_identical_numbers(sormland, serial_run, dask_cluster) -> None:
    exp = run_experiment(sormland, STRATEGIES, N, 11, executor="dask", address=dask_cluster.scheduler_address)
    assert_identical(serial_run, exp)


def test_dask_sweep_matches_serial_sweep(sormland, dask_cluster) -> None:
    params = {"backup_routines.paper-journal.capacity": [0.5, 0.9]}
    a = sweep_rows(run_sweep(sormland, params, STRATEGIES, 6, 2, executor="serial"))
    b = sweep_rows(run_sweep(sormland, params, STRATEGIES, 6, 2, executor="dask",
                             address=dask_cluster.scheduler_address))
    assert json.dumps(a) == json.dumps(b)


def test_unreachable_dask_address_is_a_clear_error(sormland, monkeypatch) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(executors_module, "DASK_CONNECT_TIMEOUT_S", 1)
    with pytest.raises(ExecutorError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        run_experiment(sormland, ["baseline"], 2, executor="dask", address="tcp://127.0.0.1:9")
    with pytest.raises(ExecutorError, match="not a Dask scheduler address"):
        run_experiment(sormland, ["baseline"], 2, executor="dask", address="no port")


def _server(reply: bytes | None):
    """A TCP server on this machine that accepts connections and then says nothing (`reply`
    None) or sends `reply` (another kind of server)."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held = []
    contact: dict[str, float] = {}

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            contact.setdefault("first", time.monotonic())
            held.append(conn)
            if reply is not None:
                conn.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    return listener, contact


@pytest.mark.parametrize(
    ("reply", "needle"),
    [(None, "did not answer within 8 s"),
     (b"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n" + b"x" * 64, "did not answer like a Dask scheduler")],
    ids=["silent", "another-server"],
)
def test_a_wrong_or_silent_dask_address_fails_quickly_with_exit_2(reply, needle) -> None:
    pytest.importorskip("distributed")
    listener, contact = _server(reply)
    address = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    try:
        result = subprocess.run(
            [sys.executable, "-m", "sim", "run", str(ROOT / "scenarios" / "kronoberg-2018.yaml"), "-n", "4",
             "--executor", "dask", "--address", address],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        ended = time.monotonic()
    finally:
        listener.close()
    assert result.returncode == 2, result.stderr
    assert needle in result.stderr and address in result.stderr
    assert "Traceback" not in result.stderr
    # About ten seconds from the first contact to the end of the command (8 s is the check's own
    # bound; loading the scenario before it is not counted).
    assert ended - contact["first"] < 15, ended - contact["first"]


def test_bad_executor_options(sormland) -> None:
    for kwargs, needle in [
        ({"executor": "threads"}, "unknown executor"),
        ({"executor": "local", "workers": 0}, "at least 1"),
        ({"executor": "serial", "address": "tcp://h:1"}, "for the dask executor"),
    ]:
        with pytest.raises(ExecutorError, match=needle):
            run_experiment(sormland, ["baseline"], 2, **kwargs)


@pytest.mark.parametrize("executor", ["serial", "local"])
def test_stop_request_gives_a_partial_run_of_finished_replications(sormland, serial_run, executor) -> None:
    stop = StopRequest()
    seen = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done >= 6:
            stop.request()

    exp = run_experiment(sormland, STRATEGIES, 2000, 11, executor=executor, workers=2,
                         progress=progress, stop=stop, bands=False)
    assert exp.partial
    finished = sum(r.replications for r in exp.runs.values())
    assert 0 < finished < 2 * 2000
    # What finished is exactly what a complete run gives for those replications.
    for s in STRATEGIES:
        done = exp.runs[s].indices
        full = serial_run.runs[s].kpi("lost_capacity_h", all_indices=True)
        mine = exp.runs[s].kpi("lost_capacity_h", all_indices=True)
        common = done[done < N]
        assert np.array_equal(mine[common], full[common])


def _descendants(pid: int) -> list:
    psutil = pytest.importorskip("psutil")
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _listening(processes: list) -> list:
    psutil = pytest.importorskip("psutil")
    found = []
    for p in processes:
        with contextlib.suppress(psutil.Error):
            found += [c.laddr for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    return found


def _as_from_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.parametrize("executor", ["local", "dask"])
def test_ctrl_c_reports_partial_results_and_leaves_no_processes(tmp_path, executor, sig) -> None:
    """Ctrl-C, or SIGTERM sent to the run (a service manager, `timeout`, `kill`), keeps what
    finished, ends every worker, and shows no traceback. A local Dask cluster listens on this
    machine only."""
    psutil = pytest.importorskip("psutil")
    if executor == "dask":
        pytest.importorskip("distributed")
    out = tmp_path / "partial.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(SORMLAND), "-n", "20000", "--executor", executor,
         "--workers", "2", "--json", str(out)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # as from a terminal: a shell that starts the tests in the background makes its children
        # ignore Ctrl-C, and the run rightly leaves an ignored signal alone
        preexec_fn=_as_from_a_terminal,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(_descendants(proc.pid)) < 2:
            time.sleep(0.1)
        time.sleep(1.5)  # let some chunks finish
        children = _descendants(proc.pid)
        assert len(children) >= 2, "the run started no worker processes"
        if executor == "dask":
            import psutil as ps

            listening = _listening([ps.Process(proc.pid), *children])
            assert listening and all(a.ip == "127.0.0.1" for a in listening), listening
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "partial" in stderr and "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert "Cancelled planned visits" in stdout
    doc = json.loads(out.read_text())
    assert doc["partial"] is True
    assert 0 <= doc["strategies"]["baseline"]["replications"] < 20000
    deadline = time.monotonic() + 10
    alive = children
    while alive and time.monotonic() < deadline:
        alive = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.2)
    assert not alive, [(c.pid, c.cmdline()) for c in alive]


def test_progress_comes_from_the_calling_thread(sormland) -> None:
    threads = set()
    exp = run_experiment(sormland, ["baseline"], 8, 0, executor="local", workers=2, bands=False,
                         progress=lambda d, t: threads.add(threading.get_ident()))
    assert not exp.partial
    assert threads == {threading.get_ident()}


def test_sigint_handler_is_restored(sormland) -> None:
    before = signal.getsignal(signal.SIGINT)
    run_experiment(sormland, ["baseline"], 2, 0, executor="serial", bands=False)
    assert signal.getsignal(signal.SIGINT) is before
