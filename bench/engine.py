"""Engine benchmark for one scenario, in its own process so that peak memory is its own.

    python -m bench.engine SCENARIO [--replications N]

Prints one JSON line: contacts simulated per second on one core, milliseconds per replication
(median, min, max over the timed replications) and the process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time


def measure(path: str, replications: int) -> dict:
    from sim.engine import replication_seed, simulate
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(path)
    simulate(scenario, replication_seed(0, 0))  # warm-up: imports, compiled plan, caches
    times, contacts = [], 0
    for k in range(1, replications + 1):
        t = time.perf_counter()
        rep = simulate(scenario, replication_seed(0, k))
        times.append(time.perf_counter() - t)
        contacts += rep.contacts
    cpu = time.process_time()
    return {
        "scenario": path,
        "replications": replications,
        "contacts_per_replication": contacts // replications,
        "contacts_per_s": contacts / sum(times),
        "ms_per_replication_median": statistics.median(times) * 1000,
        "ms_per_replication_min": min(times) * 1000,
        "ms_per_replication_max": max(times) * 1000,
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "process_cpu_s": cpu,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.engine")
    ap.add_argument("scenario")
    ap.add_argument("--replications", type=int, default=20)
    args = ap.parse_args(argv)
    json.dump(measure(args.scenario, args.replications), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
