"""The dependency graph: cycles, order, layers, reach and the printed tree, without recursion, so
a chain of ten thousand systems is checked, explained, drawn and simulated."""

from __future__ import annotations

import copy
import sys
from typing import Any

import pytest
import yaml

from sim.graph import DependencyGraph, GraphCycle
from sim.scenario.checks import check_scenario
from sim.scenario.loader import load_scenario_text
from sim.scenario.model import Scenario
from sim.scenario.problems import ScenarioError


def check_scenario_data(data: dict[str, Any]) -> list[Any]:
    return check_scenario(Scenario.model_validate(data))


def chain_data(n: int) -> dict[str, Any]:
    """A valid scenario whose systems form one chain: s1 needs s0, s2 needs s1, ..."""
    systems: list[dict[str, Any]] = [{"id": "s0", "name": "System 0", "kind": "platform"}]
    systems += [{"id": f"s{i}", "name": f"System {i}", "depends_on": [{"system": f"s{i - 1}"}]} for i in range(1, n)]
    return {
        "name": "chain", "title": "A long chain of systems", "start": "2024-01-22 00:00", "horizon": "1d",
        "region": {
            "id": "chain", "name": "Chain region", "systems": systems,
            "units": [{"id": "vc", "name": "Primary care", "kind": "primary_care",
                       "planned": {"visits_per_day": 40}, "depends_on": [{"system": f"s{n - 1}"}]}],
        },
        "incidents": [{"id": "fault", "name": "Fault at the bottom of the chain", "at": "+2h",
                       "fails": ["s0"], "detection_delay": "15min", "repair": "6h"}],
    }


def test_order_layers_and_reach() -> None:
    g = DependencyGraph({"app": ["net", "idp"], "idp": ["net"], "net": [], "ext": ["nowhere"]})
    order = g.order()
    assert order.index("net") < order.index("idp") < order.index("app")
    assert g.layers() == {"app": 2, "idp": 1, "net": 0, "ext": 0}
    assert g.upstream(["app"]) == {"app", "idp", "net"}
    assert g.downstream(["net"]) == {"net", "idp", "app"}
    assert not list(g.cycles())


def test_cycles_are_found_once_each() -> None:
    g = DependencyGraph({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["d"], "e": ["a"]})
    cycles = list(g.cycles())
    assert sorted(map(frozenset, cycles), key=sorted) == [frozenset("abc"), frozenset("d")]
    assert all(c[0] == c[-1] for c in cycles)
    with pytest.raises(GraphCycle, match="dependency cycle among systems"):
        g.order()
    assert g.layers()["e"] == 0


def test_the_tree_marks_repeats_and_lasts() -> None:
    g = DependencyGraph({"net": [], "idp": ["net"], "app": ["net", "idp"]})
    lines = [(t.node, t.parent, t.depth, t.lasts, t.repeated) for t in g.tree()]
    assert lines == [
        ("net", None, 0, (), False),
        ("idp", "net", 1, (False,), False),
        ("app", "idp", 2, (False, True), False),
        ("app", "net", 1, (True,), True),
    ]
    assert [t.lasts for t in g.tree(width=1)][2] == (True,)


@pytest.fixture(scope="module")
def chain() -> dict[str, Any]:
    return chain_data(10_000)


def test_a_ten_thousand_system_file_is_refused_with_its_line(chain: dict[str, Any]) -> None:
    """As a file, the chain is over the cap on values a scenario file may hold: a problem with
    file, line and the limit, not a crash."""
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(yaml.safe_dump(chain, sort_keys=False), "chain.yaml")
    text = str(err.value)
    assert "chain.yaml line " in text and "too many values" in text and "100,000" in text


def test_a_chain_of_ten_thousand_systems_needs_no_deep_stack(chain: dict[str, Any]) -> None:
    """Built in code, the chain is checked, explained, drawn and simulated with the interpreter's
    recursion limit far below its length: nothing walks the graph recursively."""
    from sim.charts import _system_layers
    from sim.engine import simulate
    from sim.scenario.checks import check_scenario
    from sim.scenario.explain import explain

    data = copy.deepcopy(chain)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        scenario = Scenario.model_validate(data)
        problems = check_scenario(scenario)
        layers = _system_layers(scenario)
        text = explain(scenario)
        rep = simulate(scenario, 1)
    finally:
        sys.setrecursionlimit(old)
    assert problems == []
    assert layers["s9999"] == 9_999
    assert "s0: System 0" in text
    assert rep.kpis["cancelled_planned"] > 0
    assert rep.milestones["system:s0:restored"] > 0


def test_a_cycle_in_a_long_chain_is_reported_without_recursion() -> None:
    data = chain_data(5_000)
    data["region"]["systems"][0]["depends_on"] = [{"system": "s4999"}]
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(400)
    try:
        problems = check_scenario_data(data)
    finally:
        sys.setrecursionlimit(old)
    assert any("dependency cycle: s0 -> s4999 -> " in p.message for p in problems)
