"""Engine benchmark for one scenario on one engine, in its own process so that peak memory is its
own.

    python -m bench.engine SCENARIO [--replications N] [--engine fast|reference]

Prints one JSON line: milliseconds per replication (median, min, max over the timed
replications, and the median of the process's CPU time per replication, which a loaded machine
disturbs less than the wall time), contacts simulated per second on one core, the process's peak
memory, and the KPIs of every timed replication (replications 1..N of run seed 0), for the
agreement of the engines.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time


def measure(path: str, replications: int, engine: str = "fast") -> dict:
    from sim.engine import Budget, replication_seed, simulator
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(path)
    simulate = simulator(engine)
    budget = lambda: Budget(max_seconds=3600)  # noqa: E731 - a benchmark measures, it does not stop
    if engine == "fast":
        simulate(scenario, replication_seed(0, 0))  # warm-up: imports, compiled plan, caches
    times, cpu, contacts, kpis = [], [], 0, []
    for k in range(1, replications + 1):
        t, c = time.perf_counter(), time.process_time()
        rep = simulate(scenario, replication_seed(0, k), budget=budget())
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        contacts += rep.contacts
        kpis.append(rep.kpis)
    return {
        "scenario": path,
        "engine": engine,
        "replications": replications,
        "contacts_per_replication": contacts // replications,
        "contacts_per_s": contacts / sum(times),
        "ms_per_replication_median": statistics.median(times) * 1000,
        "ms_per_replication_min": min(times) * 1000,
        "ms_per_replication_max": max(times) * 1000,
        "cpu_ms_per_replication_median": statistics.median(cpu) * 1000,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "process_cpu_s": time.process_time(),
        "kpis": kpis,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.engine")
    ap.add_argument("scenario")
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--engine", default="fast", choices=("fast", "reference"))
    args = ap.parse_args(argv)
    json.dump(measure(args.scenario, args.replications, args.engine), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
