"""Drill benchmark: the what-if preview of a decision point on Sörmland (two options, 20 runs
each, every run branching from where the drill stands), in its own process.

    python -m bench.drill [--repeats N]

Prints one JSON line: the preview's wall and CPU seconds (median, min, max over the repeats) and
the band's (20 runs under the decisions so far). Each repeat starts from an empty cache.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

SCENARIO = "scenarios/sormland-network-2022.yaml"
RUNS = 20


def measure(repeats: int) -> dict:
    from sim.drill import session
    from sim.drill.session import Drill
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(SCENARIO)
    drill = Drill.new(scenario, seed=0)
    while not drill.open_decisions():
        drill, _message = drill.advance_to_next()
    point = drill.open_decisions()[0]
    drill.what_if(point.id, n=2)  # warm-up: imports, compiled plans
    preview, band = [], []
    for _ in range(repeats):
        session._CACHE.items.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        drill.what_if(point.id, n=RUNS)
        preview.append((time.perf_counter() - wall, time.process_time() - cpu))
        wall, cpu = time.perf_counter(), time.process_time()
        drill.band(RUNS)
        band.append((time.perf_counter() - wall, time.process_time() - cpu))

    def summary(pairs: list[tuple[float, float]]) -> dict:
        walls, cpus = [w for w, _c in pairs], [c for _w, c in pairs]
        return {"wall_s_median": statistics.median(walls), "wall_s_min": min(walls), "wall_s_max": max(walls),
                "cpu_s_median": statistics.median(cpus)}

    return {
        "scenario": SCENARIO, "decision_point": point.id, "options": len(point.options), "runs": RUNS,
        "clock": drill.clock_text(), "repeats": repeats, "preview": summary(preview), "band": summary(band),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.drill")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    json.dump(measure(args.repeats), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
