"""`make bench`: the engine's speed targets, then the experiments' (when present).

Targets on a 2-core machine: at least 1,000,000 contacts per second per core on the large
region, at most 20 ms per replication for Sörmland. The engine runs on one core, so its contacts
per second are per core. Figures from shared machines are noisy: quote medians. Then the cost of
drawing assumed numbers written as ranges (bench/assumptions.py), then the experiments'.
"""

from __future__ import annotations

import json
import subprocess
import sys

ENGINE_RUNS = [
    ("scenarios/large-region-benchmark.yaml", 10, "contacts_per_s", 1_000_000, ">="),
    ("scenarios/sormland-network-2022.yaml", 50, "ms_per_replication_median", 20.0, "<="),
]


def engine() -> list[str]:
    lines = []
    for path, reps, key, target, sense in ENGINE_RUNS:
        out = subprocess.run(
            [sys.executable, "-m", "bench.engine", path, "--replications", str(reps)],
            capture_output=True, text=True, check=True,
        )
        r = json.loads(out.stdout)
        ok = r[key] >= target if sense == ">=" else r[key] <= target
        lines.append(
            f"{path}: {r['contacts_per_s']:,.0f} contacts/s on one core, "
            f"{r['ms_per_replication_median']:.1f} ms per replication "
            f"(min {r['ms_per_replication_min']:.1f}, max {r['ms_per_replication_max']:.1f}, "
            f"{reps} replications of {r['contacts_per_replication']:,} contacts), "
            f"peak memory {r['peak_memory_mb']:.0f} MB  "
            f"[target {key} {sense} {target:,}: {'met' if ok else 'NOT MET'}]"
        )
    return lines


def main() -> None:
    print("Engine")
    for line in engine():
        print("  " + line, flush=True)
    from bench import assumptions

    print("Assumed numbers as ranges")
    for line in assumptions.run_all():
        print("  " + line, flush=True)
    try:
        from bench import experiments
    except ImportError:
        return
    print("Experiments")
    for line in experiments.run_all():
        print("  " + line, flush=True)


if __name__ == "__main__":
    main()
