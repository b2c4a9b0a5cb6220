"""The cost of assumed numbers written as ranges: Sörmland with its assumed capacities, shares and
delays' numbers written as ranges around the values in the file, against the file as it is, in one
process, replication by replication, alternating. `make bench` calls `run_all()`; alone:

    python -m bench.assumptions [--replications N]

Target: drawing the assumptions (a named stream per range, a concrete scenario and its compiled
plan each replication) costs at most 10% of a replication. Quoted as ratios within the run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SORMLAND = ROOT / "scenarios" / "sormland-network-2022.yaml"
RANGES = {
    "backup_routines.paper-journal.capacity": {"low": 0.4, "mode": 0.7, "high": 0.95},
    "backup_routines.paper-journal.compliance": {"evidence": "downtime-compliance"},
    "backup_routines.paper-journal.admin_debt_per_hour": {"low": 0.25, "mode": 0.5, "high": 1.0},
    "backup_routines.paper-journal.back_entry_hours_per_day": {"evidence": "back-entry-hours-per-day"},
    "backup_routines.manual-discharge.capacity": {"low": 0.4, "mode": 0.6, "high": 0.8},
    "backup_routines.mobile-phones.capacity": {"low": 0.1, "mode": 0.3, "high": 0.5},
    "backup_routines.manual-ordering.capacity": {"low": 0.3, "mode": 0.5, "high": 0.7},
    "policies.rebooking.extra_capacity": {"low": 0.05, "mode": 0.15, "high": 0.3},
    "policies.escalation.call_reduction": {"low": 0.0, "mode": 0.2, "high": 0.4},
}
"""Every number of Sörmland's responses marked `# assumed`, as a range (or a reference range)."""
TARGET_RATIO = 1.10


def scenarios():
    from sim.scenario.changes import apply_changes
    from sim.scenario.loader import load_scenario

    fixed = load_scenario(SORMLAND)
    ranged = apply_changes(fixed, RANGES)
    assert len(ranged.assumptions) == len(RANGES), ranged.assumptions
    return fixed, ranged


def measure(replications: int = 60) -> dict[str, float]:
    """Milliseconds per replication with and without the ranges (medians of alternating
    replications with the same seeds), and of the drawing alone."""
    from sim.engine import replication_seed, simulate
    from sim.engine.replication import compile_plan
    from sim.scenario.assumptions import draw

    fixed, ranged = scenarios()
    for sc in (fixed, ranged):
        simulate(sc, replication_seed(0, 0))  # warm-up: imports, caches, the fixed scenario's plan
    with_ranges, without, drawing = [], [], []
    for k in range(1, replications + 1):
        seed = replication_seed(0, k)
        pair = [(ranged, with_ranges), (fixed, without)]
        for sc, times in pair if k % 2 else reversed(pair):
            t = time.perf_counter()
            simulate(sc, seed)
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        compile_plan(draw(ranged, seed))
        drawing.append(time.perf_counter() - t)
    ms = {name: statistics.median(v) * 1000 for name, v in
          (("with_ranges", with_ranges), ("without", without), ("drawing", drawing))}
    ms["ratio"] = ms["with_ranges"] / ms["without"]
    ms["drawing_share"] = ms["drawing"] / ms["without"]
    ms["replications"] = replications
    return ms


def run_all(replications: int = 60) -> list[str]:
    m = measure(replications)
    ok = m["ratio"] <= TARGET_RATIO
    return [
        f"Sörmland with {len(RANGES)} assumed numbers as ranges: {m['with_ranges']:.1f} ms per replication, "
        f"without {m['without']:.1f} ms: ratio {m['ratio']:.3f} (medians of {m['replications']} alternating "
        f"replications, same seeds); drawing them and compiling the replication's plan alone "
        f"{m['drawing']:.2f} ms ({m['drawing_share']:.1%} of a replication) (load {os.getloadavg()[0]:.1f}) "
        f"[target ratio <= {TARGET_RATIO}: {'met' if ok else 'NOT MET'}]"
    ]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.assumptions")
    ap.add_argument("--replications", type=int, default=60)
    args = ap.parse_args(argv)
    for line in run_all(args.replications):
        print(line)


if __name__ == "__main__":
    main()
