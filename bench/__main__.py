"""`make bench`: the engines side by side on every shipped scenario, the speed targets, the long
differential tests, then the experiments' benchmarks.

For each shipped scenario, in the same run: the fast engine's wall time per replication (median),
the reference engine's, their ratio, and how many of the KPIs that add up agree (within 5%, or
the two means' combined 95% confidence interval). Targets on a 2-core machine: Sörmland at most
20 ms per replication with the fast engine; the fast engine at least 50 times faster than the
reference on the large region. Contacts per second are a secondary figure: a contact is a planned
visit booked, an acute arrival or a first call attempt, and the fast engine's cost hardly depends
on how many there are. Figures from shared machines are noisy: compare ratios within one run. A drill's what-if preview of two options with 20 runs
each, branching from where the drill stands, in at most 2 s on Sörmland. Then the cost of drawing
assumed numbers written as ranges (bench/assumptions.py), the drill's preview, then the experiments'.

    python -m bench [SCENARIO ...] [--baseline=DIR] [--write-docs] [--no-differential] [--no-experiments]

`--baseline=DIR` first times the fast engine of another clone of the project (say, the commit
before a speed-up) against this one, alternating, on the same scenarios. `--write-docs` puts the
tables this run produced into docs/performance.md, between its `<!--bench:NAME-->` markers.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAST_REPLICATIONS = 20
SORMLAND_REPLICATIONS = 50
REFERENCE_REPLICATIONS = {"large-region-benchmark": 2, "national-supplier-attack": 2,
                          "vgr-login-2022": 2, "vasterbotten-tietoevry-2024": 2}
REFERENCE_DEFAULT = 4
SORMLAND_MS = 20.0
LARGE_RATIO = 50.0


def shipped() -> list[str]:
    return sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))


def _measure(name: str, engine: str, replications: int, checkout: Path = ROOT) -> dict:
    """This checkout's bench/engine.py in a process of its own, on the simulator of `checkout`
    (another clone of the project, for a before-and-after comparison) and the scenario as this
    checkout has it."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "engine.py"), str(ROOT / "scenarios" / f"{name}.yaml"),
         "--replications", str(replications), "--engine", engine],
        capture_output=True, text=True, check=True, cwd=checkout,
        env={**os.environ, "PYTHONPATH": str(checkout)},
    )
    result: dict = json.loads(out.stdout)
    return result


def side_by_side(names: list[str]) -> list[dict]:
    """Both engines on each scenario: times, ratio and agreement."""
    from sim.engine.reference.agreement import compare

    rows = []
    for name in names:
        fast_n = SORMLAND_REPLICATIONS if name == "sormland-network-2022" else FAST_REPLICATIONS
        ref_n = REFERENCE_REPLICATIONS.get(name, REFERENCE_DEFAULT)
        fast = _measure(name, "fast", fast_n)
        ref = _measure(name, "reference", ref_n)
        agreements = compare(fast["kpis"], ref["kpis"])
        rows.append({
            "scenario": name,
            "fast_ms": fast["ms_per_replication_median"],
            "reference_ms": ref["ms_per_replication_median"],
            "ratio": ref["ms_per_replication_median"] / fast["ms_per_replication_median"],
            "fast_cpu_ms": fast["cpu_ms_per_replication_median"],
            "reference_cpu_ms": ref["cpu_ms_per_replication_median"],
            "cpu_ratio": ref["cpu_ms_per_replication_median"] / fast["cpu_ms_per_replication_median"],
            "fast_replications": fast_n,
            "reference_replications": ref_n,
            "contacts": fast["contacts_per_replication"],
            "fast_contacts_per_s": fast["contacts_per_s"],
            "agree": sum(a.agrees for a in agreements),
            "compared": len(agreements),
            "disagree": [str(a) for a in agreements if not a.agrees],
            "load": os.getloadavg()[0],
        })
        print(f"  {format_row(rows[-1])}", flush=True)
    return rows


def format_row(r: dict) -> str:
    return (
        f"{r['scenario']}: fast {r['fast_ms']:.1f} ms ({r['fast_cpu_ms']:.1f} ms CPU), reference "
        f"{r['reference_ms'] / 1000:.2f} s ({r['reference_cpu_ms'] / 1000:.2f} s CPU) per replication, "
        f"{r['ratio']:,.0f}x ({r['cpu_ratio']:,.0f}x in CPU); {r['agree']}/{r['compared']} KPIs agree "
        f"({r['fast_replications']} and {r['reference_replications']} replications; "
        f"{r['contacts']:,} contacts, {r['fast_contacts_per_s'] / 1e6:.1f} million contacts/s fast; "
        f"load {r['load']:.1f})"
        + "".join(f"\n      disagrees: {d}" for d in r["disagree"])
    )


def markdown_table(rows: list[dict]) -> str:
    """The table of docs/performance.md."""
    lines = [
        "| Scenario | Contacts per replication | Fast, ms per replication (wall; CPU) | "
        "Reference, s per replication (wall; CPU) | Ratio (wall; CPU) | KPIs agreeing |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['scenario']}` | {r['contacts']:,} | {r['fast_ms']:,.1f}; {r['fast_cpu_ms']:,.1f} | "
            f"{r['reference_ms'] / 1000:,.2f}; {r['reference_cpu_ms'] / 1000:,.2f} | "
            f"{r['ratio']:,.0f}x; {r['cpu_ratio']:,.0f}x | {r['agree']} of {r['compared']} |"
        )
    return "\n".join(lines)


BASELINE_ROUNDS = 3


def before_and_after(names: list[str], checkout: Path, rounds: int = BASELINE_ROUNDS) -> list[dict]:
    """The fast engine of another checkout (before) against this one (after), alternating `rounds`
    times per scenario so that both see the same load; the least disturbed run of each (the
    smallest median) is kept, as `timeit` does."""
    rows = []
    for name in names:
        n = SORMLAND_REPLICATIONS if name == "sormland-network-2022" else FAST_REPLICATIONS
        runs: dict[str, list[dict]] = {"before": [], "after": []}
        for _ in range(rounds):
            runs["before"].append(_measure(name, "fast", n, checkout))
            runs["after"].append(_measure(name, "fast", n))
        best = {side: {key: min(r[key] for r in rs) for key in
                       ("ms_per_replication_median", "cpu_ms_per_replication_median")}
                for side, rs in runs.items()}
        rows.append({
            "scenario": name, "replications": n, "rounds": rounds, "load": os.getloadavg()[0],
            "before_ms": best["before"]["ms_per_replication_median"],
            "after_ms": best["after"]["ms_per_replication_median"],
            "before_cpu_ms": best["before"]["cpu_ms_per_replication_median"],
            "after_cpu_ms": best["after"]["cpu_ms_per_replication_median"],
        })
        r = rows[-1]
        print(f"  {name}: before {r['before_ms']:.1f} ms ({r['before_cpu_ms']:.1f} ms CPU), after "
              f"{r['after_ms']:.1f} ms ({r['after_cpu_ms']:.1f} ms CPU) per replication", flush=True)
    return rows


def before_after_table(rows: list[dict]) -> str:
    lines = [
        "| Scenario | Before, ms per replication (wall; CPU) | After (wall; CPU) | Speed-up (wall; CPU) |",
        "|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| `{r['scenario']}` | {r['before_ms']:,.1f}; {r['before_cpu_ms']:,.1f} | "
            f"{r['after_ms']:,.1f}; {r['after_cpu_ms']:,.1f} | "
            f"{r['before_ms'] / r['after_ms']:.2f}x; {r['before_cpu_ms'] / r['after_cpu_ms']:.2f}x |"
        )
    return "\n".join(lines)


DOC = ROOT / "docs" / "performance.md"
BLOCK = re.compile(r"(<!--bench:([\w-]+)-->\n).*?(<!--/bench-->)", re.S)


def write_docs(blocks: dict[str, str]) -> None:
    """Put each block's text (as a run just produced it) between its markers in
    docs/performance.md: `<!--bench:NAME-->` ... `<!--/bench-->`."""
    text = DOC.read_text(encoding="utf-8")
    new = BLOCK.sub(lambda m: m.group(1) + blocks[m.group(2)] + "\n" + m.group(3)
                    if m.group(2) in blocks else m.group(0), text)
    DOC.write_text(new, encoding="utf-8")


def measured_at(rows: list[dict], what: str) -> str:
    loads = [r["load"] for r in rows]
    return (f"{what}, at a load average of {min(loads):.1f} to {max(loads):.1f} on the machine's "
            f"{os.cpu_count()} cores ({platform.python_implementation()} {platform.python_version()}).")


PREVIEW_TARGET_S = 2.0


def drill() -> str:
    out = subprocess.run([sys.executable, "-m", "bench.drill"], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    r = json.loads(out.stdout)
    p, b = r["preview"], r["band"]
    ok = p["wall_s_median"] <= PREVIEW_TARGET_S
    return (
        f"{r['scenario']}: what-if preview of {r['decision_point']} at {r['clock']} ({r['options']} options x "
        f"{r['runs']} runs from where the drill stands): {p['wall_s_median']:.2f} s (min {p['wall_s_min']:.2f}, "
        f"max {p['wall_s_max']:.2f}; {p['cpu_s_median']:.2f} s of CPU), band of {r['runs']} runs "
        f"{b['wall_s_median']:.2f} s, medians of {r['repeats']}  "
        f"[target preview <= {PREVIEW_TARGET_S:g} s: {'met' if ok else 'NOT MET'}]"
    )



def targets(rows: list[dict]) -> list[str]:
    by = {r["scenario"]: r for r in rows}
    out = []
    if "sormland-network-2022" in by:
        ms = by["sormland-network-2022"]["fast_ms"]
        out.append(f"Sörmland, fast engine: {ms:.1f} ms per replication "
                   f"[target <= {SORMLAND_MS:g} ms: {'met' if ms <= SORMLAND_MS else 'NOT MET'}]")
    if "large-region-benchmark" in by:
        ratio = by["large-region-benchmark"]["ratio"]
        out.append(f"Large region: fast engine {ratio:,.0f}x faster than the reference "
                   f"[target >= {LARGE_RATIO:g}x: {'met' if ratio >= LARGE_RATIO else 'NOT MET'}]")
    return out


def differential() -> int:
    """The long differential tests (pytest --slow)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--slow", "-m", "slow", "-p", "no:cacheprovider",
         "tests/test_reference.py"], cwd=ROOT,
    ).returncode


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    baseline = next((Path(a.split("=", 1)[1]) for a in args if a.startswith("--baseline=")), None)
    names = [a for a in args if not a.startswith("-")] or shipped()
    blocks = {}
    if baseline is not None:
        print(f"Fast engine: {baseline} (before) against this checkout (after)")
        compared = before_and_after(names, baseline)
        counts = ", ".join(f"{r['scenario']} {r['replications']}" for r in compared)
        blocks["before-after"] = before_after_table(compared) + "\n\n" + measured_at(
            compared, f"Medians of the timed replications ({counts}), the smallest of {BASELINE_ROUNDS} "
            "alternating runs each")
    print("Engines: fast against reference, per shipped scenario")
    rows = side_by_side(names)
    for line in targets(rows):
        print("  " + line, flush=True)
    (ROOT / "bench" / "engines.json").write_text(json.dumps(rows, indent=1) + "\n")
    print(markdown_table(rows), flush=True)
    counts = "; ".join(f"{r['scenario']} {r['fast_replications']} and {r['reference_replications']}" for r in rows)
    blocks["engines"] = markdown_table(rows) + "\n\n" + measured_at(
        rows, f"Medians of the timed replications (fast and reference engine: {counts})")
    if "--write-docs" in args:
        write_docs(blocks)
        print(f"wrote the figures into {DOC.relative_to(ROOT)}", flush=True)
    if "--no-differential" not in args:
        print("Differential tests at length (pytest --slow)", flush=True)
        differential()
    if args and "--no-experiments" in args or names != shipped():
        return
    from bench import assumptions

    print("Assumed numbers as ranges")
    for line in assumptions.run_all():
        print("  " + line, flush=True)
    print("Drill")
    print("  " + drill(), flush=True)
    try:
        from bench import experiments
    except ImportError:
        return
    print("Experiments")
    for line in experiments.run_all():
        print("  " + line, flush=True)


if __name__ == "__main__":
    main()
