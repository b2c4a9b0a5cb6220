"""Properties that hold for every input hypothesis can think of: durations read back what they
wrote, the vectorised backlog equals a plain loop, bands do not depend on the order work units
arrive in, the safe YAML loader agrees with PyYAML on plain documents, and a strategy without
changes is the scenario itself."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import yaml
from engine_factory import small_scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.flows.queues import lindley
from sim.experiments.bands import Bands, ChunkBandsBuilder
from sim.scenario.changes import apply_changes, scenario_data
from sim.scenario.quantities import MAX_DURATION_H, format_duration, parse_duration_h
from sim.scenario.yamlsafe import parse_yaml

# --------------------------------------------------------------------------- durations

minutes = st.integers(min_value=0, max_value=60 * 24 * 365)


@given(minutes)
def test_a_whole_number_of_minutes_round_trips(m: int) -> None:
    hours = m / 60
    text = format_duration(hours)
    assert math.isclose(parse_duration_h(text), hours, rel_tol=1e-12)
    assert format_duration(parse_duration_h(text)) == text


@given(st.integers(min_value=0, max_value=400), st.sampled_from(["w", "d", "h", "min", "s"]))
def test_a_written_duration_reads_as_its_hours(n: int, unit: str) -> None:
    per = {"w": 168, "d": 24, "h": 1, "min": 1 / 60, "s": 1 / 3600}[unit]
    assert math.isclose(parse_duration_h(f"{n}{unit}"), n * per)


@given(st.floats(min_value=0.001, max_value=MAX_DURATION_H, allow_nan=False))
def test_any_duration_formats_to_text_that_reads_back_close(hours: float) -> None:
    assert math.isclose(parse_duration_h(format_duration(hours)), hours, rel_tol=1e-6, abs_tol=1e-6)


# --------------------------------------------------------------------------- the backlog

flows = st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False), min_size=1, max_size=200)


@given(st.data())
def test_the_lindley_backlog_is_the_plain_loop(data: st.DataObject) -> None:
    inflow = np.array(data.draw(flows))
    capacity = np.array(data.draw(st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False),
                                           min_size=len(inflow), max_size=len(inflow))))
    level, expected = 0.0, []
    for a, c in zip(inflow, capacity, strict=True):
        level = max(0.0, level + a - c)
        expected.append(level)
    got = lindley(inflow, capacity)
    scale = max(1.0, float(np.cumsum(inflow + capacity)[-1]))
    assert np.allclose(got, expected, rtol=0, atol=1e-9 * scale)
    assert (got >= 0).all()


# --------------------------------------------------------------------------- bands


def _chunks(series: np.ndarray, sizes: list[int]) -> list[Any]:
    """Work units of consecutive replications, as executors make them."""
    parts, start = [], 0
    for chunk, size in enumerate(sizes):
        builder = ChunkBandsBuilder(chunk)
        for index in range(start, start + size):
            builder.add(index, {"b": series[index, 1], "a": series[index, 0]}, 0.5)
        parts.append(builder.build())
        start += size
    return parts


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=8), st.randoms(), st.integers(0, 2**32 - 1))
def test_bands_do_not_depend_on_the_order_chunks_arrive_in(sizes: list[int], rnd: Any, seed: int) -> None:
    n = sum(sizes)
    series = np.random.default_rng(seed).gamma(2.0, 10.0, size=(n, 2, 7))
    in_order, shuffled = Bands(n), Bands(n)
    for part in _chunks(series, sizes):
        in_order.add(part)
    parts = _chunks(series, sizes)
    rnd.shuffle(parts)
    for part in parts:
        shuffled.add(part)
    assert in_order.replications == shuffled.replications == n
    for name in ("a", "b"):
        x, y = in_order.get(name), shuffled.get(name)
        for key in ("mean", "p10", "p50", "p90"):
            assert np.array_equal(x[key], y[key]), (name, key)


# --------------------------------------------------------------------------- YAML

_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12).filter(
    lambda w: w.lower() not in _RESERVED
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32).filter(lambda f: f == f and abs(f) < 1e15),
    words, st.text(alphabet="abc ÅÄÖåäö-.,:!?", max_size=20),
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(words, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(words, documents, min_size=1, max_size=5))
def test_the_safe_loader_reads_plain_documents_as_pyyaml_does(doc: dict[str, Any]) -> None:
    for style in (False, None):
        text = yaml.safe_dump(doc, default_flow_style=style, allow_unicode=True, sort_keys=False)
        assert parse_yaml(text).data == yaml.safe_load(text)


# --------------------------------------------------------------------------- strategies

_SCENARIO = small_scenario()
_PATHS = [
    "horizon", "resolution", "incidents.0.repair", "incidents.0.detection_delay",
    "region.units.0.planned.visits_per_day", "region.units.1.count", "backup_routines.0.capacity",
    "policies.escalation.triggers.0.units_hit",
]


def _value_at(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def test_no_changes_is_the_scenario_itself() -> None:
    assert apply_changes(_SCENARIO, {}) is _SCENARIO


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(_PATHS), min_size=1, max_size=4, unique=True))
def test_setting_fields_to_their_own_values_changes_nothing(paths: list[str]) -> None:
    data = scenario_data(_SCENARIO)
    again = apply_changes(_SCENARIO, {p: _value_at(data, p) for p in paths})
    assert again == _SCENARIO
    assert scenario_data(again) == data
