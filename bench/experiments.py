"""Benchmarks of the experiments: replications on every executor, scaling, overhead per task and
memory. `make bench` calls `run_all()`; alone:

    python -m bench.experiments [thousand|memory|local|dask|overhead ...]

Targets on a 2-core machine: 1,000 replications of Sörmland in at most 15 s with the default
executor; going from 1 to 2 local workers speeds a large sweep up at least 1.7x; the same sweep
on a Dask local cluster at least 1.6x over serial; the peak memory of 1,000 replications within
100 MB of that of 100. Runs that measure memory start their own process.
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SORMLAND = str(ROOT / "scenarios" / "sormland-network-2022.yaml")
SWEEP = {
    "backup_routines.paper-journal.capacity": [0.5, 0.8],
    "recovery_actions.new-server.lead_time": ["2h", "6h 30min"],
}
SWEEP_REPLICATIONS = 200  # 4 points x 200 = 800 replications: about 8 s on one core
REPEATS = 3
"""Each comparison alternates its two runs this many times. The verdict uses the ratio of the
best runs: as with timeit, the fastest run is the one least disturbed by other work on the
machine, while a slower one says more about the neighbours than about the code. The median of
the pairs' ratios is quoted beside it."""


def _scenario():
    from sim.scenario.loader import load_scenario

    return load_scenario(SORMLAND)


def _sweep(executor: str, workers: int | None = None, address: str | None = None) -> float:
    from sim.experiments import run_sweep

    t = time.perf_counter()
    s = run_sweep(_scenario(), SWEEP, ["baseline"], SWEEP_REPLICATIONS, 0,
                  executor=executor, workers=workers, address=address)
    assert not s.partial
    return time.perf_counter() - t


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def _load() -> str:
    """The machine's load while measuring: on a shared 2-core machine above 2 means contention."""
    return f"load {os.getloadavg()[0]:.1f}"


# --------------------------------------------------------------------------- in a fresh process


def measure_run(replications: int, executor: str) -> dict:
    """One run of Sörmland (bands on, as the app asks) in this process: time and peak memory."""
    from sim.experiments import run_experiment

    scenario = _scenario()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = time.perf_counter()
    exp = run_experiment(scenario, ["baseline"], replications, 0, executor=executor)
    wall = time.perf_counter() - t
    assert not exp.partial and exp.runs["baseline"].replications == replications
    return {
        "replications": replications,
        "executor": executor,
        "wall_s": wall,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_before_run_mb": before,
    }


def _fresh(replications: int, executor: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.experiments", "measure-run", str(replications), executor],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- benchmarks


def thousand() -> list[str]:
    """1,000 replications of Sörmland with the default executor, in a fresh process."""
    from sim.experiments.executors import DEFAULT_EXECUTOR, default_workers

    r = _fresh(1000, DEFAULT_EXECUTOR)
    return [
        f"1,000 replications of Sörmland, default executor ({DEFAULT_EXECUTOR}, {default_workers()} "
        f"workers, bands on): {r['wall_s']:.1f} s, including the worker pool's start; peak memory "
        f"of the parent {r['peak_mb']:.0f} MB ({_load()}) [target <= 15 s: {_verdict(r['wall_s'] <= 15)}]"
    ]


def memory() -> list[str]:
    """Peak memory of 100 and 1,000 replications, each in a fresh process. Serial, so that the
    simulation, the KPIs and the bands all count in one process."""
    small, large = _fresh(100, "serial"), _fresh(1000, "serial")
    grow = large["peak_mb"] - small["peak_mb"]
    return [
        f"peak memory, serial, bands on: 100 replications {small['peak_mb']:.0f} MB, 1,000 "
        f"replications {large['peak_mb']:.0f} MB (+{grow:.0f} MB; before the run "
        f"{small['peak_before_run_mb']:.0f} MB) [target: within 100 MB: {_verdict(grow <= 100)}]"
    ]


def local_scaling() -> list[str]:
    """The same sweep on 1 and on 2 local workers, alternating, REPEATS times each."""
    one, two = [], []
    for _ in range(REPEATS):
        one.append(_sweep("local", 1))
        two.append(_sweep("local", 2))
    best = min(one) / min(two)
    ratio = statistics.median(a / b for a, b in zip(one, two, strict=True))
    return [
        f"sweep of {4 * SWEEP_REPLICATIONS} replications (4 points): local 1 worker {min(one):.1f} s, "
        f"2 workers {min(two):.1f} s (best of {REPEATS}; runs: {_list(one)} / {_list(two)}): "
        f"speed-up {best:.2f}x, median of the pairs' ratios {ratio:.2f}x ({_load()}) "
        f"[target >= 1.7x: {_verdict(best >= 1.7)}]"
    ]


def dask_scaling() -> list[str]:
    """The same sweep serially and on a Dask local cluster of 2 single-threaded workers, started
    once (not timed) and warmed up, alternating, REPEATS times each."""
    try:
        import distributed
    except ImportError:
        return ["dask: not installed (pip install 'outage-drill-sim[dask]'); skipped"]
    from sim.experiments import run_experiment

    t = time.perf_counter()
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=50)
    started = time.perf_counter() - t
    try:
        t = time.perf_counter()
        run_experiment(_scenario(), ["baseline"], 4, 0, executor="dask", address=cluster.scheduler_address)
        warm = time.perf_counter() - t
        serial, dask = [], []
        for _ in range(REPEATS):
            serial.append(_sweep("serial"))
            dask.append(_sweep("dask", address=cluster.scheduler_address))
    finally:
        cluster.close()
    best = min(serial) / min(dask)
    ratio = statistics.median(a / b for a, b in zip(serial, dask, strict=True))
    return [
        f"same sweep: serial {min(serial):.1f} s, Dask local cluster (2 workers) {min(dask):.1f} s "
        f"(best of {REPEATS}; runs: {_list(serial)} / {_list(dask)}): speed-up {best:.2f}x, median "
        f"of the pairs' ratios {ratio:.2f}x ({_load()}) [target >= 1.6x: {_verdict(best >= 1.6)}]; "
        f"cluster start {started:.1f} s and a warm-up run {warm:.1f} s not counted"
    ]


def overhead() -> list[str]:
    """Cost of a task apart from its simulation: idle tasks carrying the Sörmland scenario through
    each executor, and the parent's cost of merging a real chunk's result."""
    from sim.experiments.executors import execute
    from sim.experiments.runner import StrategyRuns
    from sim.experiments.work import Task, chunk_ranges, chunk_size, idle_task, run_chunk

    scenario = _scenario()
    lines = []
    n_tasks = 400
    tasks = [Task("x", scenario, 0, c, c, c + 1) for c in range(n_tasks)]
    per_task = {}
    for executor in ("local", "dask"):
        if executor == "dask":
            try:
                import distributed
            except ImportError:
                continue
            cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                               dashboard_address=":0", silence_logs=50)
            address = cluster.scheduler_address
            execute(tasks[:10], lambda r: None, executor="dask", address=address, function=idle_task)
        else:
            cluster, address = None, None
            execute(tasks[:10], lambda r: None, executor="local", workers=2, function=idle_task)
        try:
            t, cpu = time.perf_counter(), time.process_time()
            execute(tasks, lambda r: None, executor=executor, workers=2, address=address, function=idle_task)
            per_task[executor] = ((time.perf_counter() - t) / n_tasks, (time.process_time() - cpu) / n_tasks)
        finally:
            if cluster is not None:
                cluster.close()
    # Merging: real chunks of the size a 1,000-replication run uses, with bands and without.
    size = chunk_size(1000)
    chunks = chunk_ranges(1000)[:4]
    merge = {}
    for bands in (True, False):
        results = [run_chunk(Task("x", scenario, 0, c, a, b, bands)) for c, (a, b) in enumerate(chunks)]
        runs = StrategyRuns("x", 1000, bands=bands)
        t = time.perf_counter()
        for r in results:
            runs.add(r)
        merge[bands] = (time.perf_counter() - t) / len(results)
    per_rep = statistics.median(r.compute_s for r in results) / size
    for executor, (wall, cpu) in per_task.items():
        where = "client and scheduler" if executor == "dask" else "parent"
        lines.append(f"overhead per task, {executor} (2 workers, {n_tasks} idle tasks carrying the "
                     f"scenario): {wall * 1000:.2f} ms of wall time, {cpu * 1000:.2f} ms of CPU in "
                     f"this process ({where}) ({_load()})")
    lines.append(f"merging one chunk ({size} replications) in the parent: {merge[True] * 1000:.2f} ms "
                 f"with bands, {merge[False] * 1000:.2f} ms without; one replication simulates in "
                 f"{per_rep * 1000:.1f} ms")
    wall, cpu = per_task.get("dask", per_task["local"])
    lines.extend(projection(per_rep, wall, cpu + merge[False]))
    return lines


def projection(per_rep_s: float, task_overhead_s: float, client_cpu_s: float, cores: int = 64) -> list[str]:
    """What a cluster of `cores` single-threaded workers would give on a large sweep, from the
    measured costs: a model, not a measurement. The workers take waves of tasks; the process that
    submits the tasks and merges their results spends `client_cpu_s` on each, which bounds the
    rate at which tasks can go round."""
    from sim.experiments.work import chunk_size

    points, strategies, reps = 20, 3, 1000
    tasks = points * strategies * math.ceil(reps / chunk_size(reps))
    chunk_s = chunk_size(reps) * per_rep_s
    serial_s = points * strategies * reps * per_rep_s
    waves_s = math.ceil(tasks / cores) * (chunk_s + task_overhead_s)
    client_s = tasks * client_cpu_s
    cluster_s = max(waves_s, client_s)
    return [
        f"projection, {points} points x {strategies} strategies x {reps:,} replications "
        f"({tasks:,} tasks of {chunk_s:.2f} s): one core {serial_s / 60:.0f} min; {cores} cores: "
        f"the workers need {waves_s:.0f} s, the client {client_s:.0f} s of CPU, so about "
        f"{cluster_s:.0f} s plus the cluster's start ({serial_s / cluster_s:.0f}x)"
    ]


def _list(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


BENCHMARKS = {
    "thousand": thousand,
    "memory": memory,
    "local": local_scaling,
    "dask": dask_scaling,
    "overhead": overhead,
}


def run_all() -> list[str]:
    lines = []
    for bench in BENCHMARKS.values():
        lines.extend(bench())
    return lines


def main(argv: list[str]) -> None:
    if argv[:1] == ["measure-run"]:
        print(json.dumps(measure_run(int(argv[1]), argv[2])))
        return
    names = argv or list(BENCHMARKS)
    for name in names:
        if name not in BENCHMARKS:
            raise SystemExit(f"unknown benchmark {name!r} (known: {', '.join(BENCHMARKS)})")
        for line in BENCHMARKS[name]():
            print(line, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
