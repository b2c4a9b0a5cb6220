"""Golden numbers: the KPIs and milestones of the shipped incidents and the large region, for a
fixed seed and replication count, saved as expected-results files in tests/golden/.

`test_golden.py` compares a fresh run with these files bit for bit, so a change that is meant to
keep the numbers (a refactor) proves that it does. A change of the model's rules regenerates them
on purpose, and says so in CHANGELOG.md:

    .venv/bin/python tests/golden_numbers.py
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SEED = 2024
REPLICATIONS = 4
SCENARIOS = (
    "sormland-network-2022",
    "vgr-login-2022",
    "vasterbotten-tietoevry-2024",
    "large-region-benchmark",
)
DRILL_LOGS = ("sormland-early", "sormland-late")


def _number(x: float) -> float | str:
    return repr(float(x)) if not math.isfinite(x) else float(x)


def golden(name: str) -> dict:
    """Every KPI and reported milestone of replications 0..REPLICATIONS-1 of every strategy."""
    sys.path.insert(0, str(ROOT))
    from sim.engine import replication_seed, simulate
    from sim.scenario.changes import apply_strategy
    from sim.scenario.loader import load_scenario

    base = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    out: dict[str, list] = {}
    for sid in ["baseline", *(s.id for s in base.strategies)]:
        scenario = base if sid == "baseline" else apply_strategy(base, sid)
        reps = []
        for k in range(REPLICATIONS):
            rep = simulate(scenario, replication_seed(SEED, k))
            reps.append({
                "kpis": {key: _number(v) for key, v in sorted(rep.kpis.items())},
                "milestones": {key: _number(v) for key, v in sorted(rep.milestones.items())},
            })
        out[sid] = reps
    return {"scenario": name, "seed": SEED, "replications": REPLICATIONS, "strategies": out}


def golden_drill(name: str) -> dict:
    """The KPIs and milestones of a shipped decision log, played to the end."""
    sys.path.insert(0, str(ROOT))
    from sim.drill.log import play_log, read_log
    from sim.scenario.loader import load_scenario

    path = ROOT / "scenarios" / "drills" / f"{name}.yaml"
    log = read_log(path)
    assert log.scenario_path is not None
    drill = play_log(log, load_scenario(log.scenario_path))
    rep = drill.played().rep
    return {
        "drill": name,
        "kpis": {key: _number(v) for key, v in sorted(rep.kpis.items())},
        "milestones": {key: _number(v) for key, v in sorted(rep.milestones.items())},
    }


def path_for(name: str) -> Path:
    return GOLDEN / f"{name}.json"


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name in SCENARIOS:
        path_for(name).write_text(json.dumps(golden(name), indent=1, sort_keys=True) + "\n")
        print(f"wrote {path_for(name).relative_to(ROOT)}")
    for name in DRILL_LOGS:
        path_for(f"drill-{name}").write_text(json.dumps(golden_drill(name), indent=1, sort_keys=True) + "\n")
        print(f"wrote {path_for(f'drill-{name}').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
