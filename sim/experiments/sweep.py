"""Sweeps: the grid of given values of some scenario fields (a backup routine's capacity, a repair
time), each point run under one or more strategies with common random numbers, written as a tidy
table (one row per point and strategy) and a JSON summary.

A point's values are applied after the strategy's own changes, so the table always shows the
values that were run, even where a strategy sets the same field.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine import DEFAULT_ENGINE, TIME_KPIS
from ..engine.windows import Window
from ..i18n import _
from ..scenario.changes import ChangeError, apply_changes, apply_strategy
from ..scenario.model import Scenario
from .executors import DEFAULT_EXECUTOR, StopRequest
from .runner import Progress, StrategyRuns, run_variants
from .stats import moment_bounds, summarize
from .summary import clean, runs_summary
from .work import ALL_KPIS

MAX_POINTS = 1_000
STAT_COLUMNS = ("mean", "ci95_lo", "ci95_hi", "p10", "p50", "p90")


class SweepError(ValueError):
    """A sweep cannot be set up: a bad --set, a path that does not exist, a value the field
    refuses. The message names the field and the value."""


@dataclass(frozen=True)
class Parameter:
    path: str
    values: tuple[Any, ...]


def parse_set(spec: str) -> Parameter:
    """`PATH=v1,v2,...`: the values are read as a YAML flow list, so `0.3,0.5`, `2h,1d 6h` and
    `{dist: triangular, low: 1h, mode: 2h, high: 3h},4h` all work."""
    from ..scenario.yamlsafe import YamlError, parse_yaml

    path, sep, text = spec.partition("=")
    path = path.strip()
    if not sep or not path:
        raise SweepError(f"--set {spec!r}: " + _("write PATH=VALUE1,VALUE2,... (for example {example})").format(
            example="backup_routines.paper-journal.capacity=0.5,0.7"))
    if not text.strip():
        raise SweepError(f"--set {path}: " + _("no values after '='"))
    try:
        values = parse_yaml(f"[{text}]").data
    except YamlError as exc:
        reason = "; ".join(issue.message for issue in exc.issues) or _("not valid YAML")
        raise SweepError(f"--set {path}: " + _("cannot read the values {text}: {reason}").format(
            text=repr(text), reason=reason)) from None
    if not isinstance(values, list) or not values:
        raise SweepError(f"--set {path}: " + _("no values after '='"))
    return Parameter(path, tuple(values))


def grid(parameters: Sequence[Parameter]) -> list[dict[str, Any]]:
    """Every combination of the values, the first parameter varying slowest."""
    return [dict(zip((p.path for p in parameters), combo, strict=True))
            for combo in itertools.product(*(p.values for p in parameters))]


def grid_size(parameters: Sequence[Parameter]) -> int:
    """How many points the grid has (0 for no parameters), without building it."""
    return math.prod(len(p.values) for p in parameters) if parameters else 0


def _label(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def sweep_variants(
    scenario: Scenario, parameters: Sequence[Parameter], strategies: Sequence[str]
) -> dict[tuple[int, str], Scenario]:
    """The scenario of every (point, strategy); SweepError names the first value refused."""
    paths = [p.path for p in parameters]
    if len(set(paths)) != len(paths):
        dup = next(p for p in paths if paths.count(p) > 1)
        raise SweepError(f"--set {dup}: " + _("given more than once; list all its values in one --set"))
    size = grid_size(parameters)  # counted before the grid is built: it may be astronomically large
    if size == 0:
        raise SweepError(_("a sweep needs at least one --set PATH=VALUES"))
    if size * max(1, len(strategies)) > MAX_POINTS:
        points_text = _("the grid has {n} points").format(n=f"{size:,}")
        if len(strategies) > 1:
            points_text += " " + _("under {n} strategies").format(n=len(strategies))
        raise SweepError(points_text + "; " + _("the most a sweep runs is {n}: give fewer values").format(n=f"{MAX_POINTS:,}"))
    points = grid(parameters)
    # Each value on its own first, so that the message names exactly the value refused.
    for p in parameters:
        for v in p.values:
            try:
                apply_changes(scenario, {p.path: v})
            except ChangeError as exc:
                raise SweepError(f"--set {p.path}={_label(v)}: {exc.message}") from None
    bases = {}
    for s in strategies:
        try:
            bases[s] = apply_strategy(scenario, s)
        except ChangeError as exc:
            raise SweepError(_("strategy {id}: {problem}").format(id=s, problem=exc.message)) from None
    variants: dict[tuple[int, str], Scenario] = {}
    for i, point in enumerate(points):
        for s in strategies:
            try:
                variants[(i, s)] = apply_changes(bases[s], point)
            except ChangeError as exc:
                values = ", ".join(f"{k}={_label(v)}" for k, v in point.items())
                raise SweepError(_("point {values} under strategy {id}: {problem}").format(
                    values=values, id=s, problem=exc.message)) from None
    return variants


@dataclass
class Sweep:
    scenario: Scenario
    seed: int
    replications: int
    parameters: list[Parameter]
    points: list[dict[str, Any]]
    strategies: list[str]
    runs: dict[tuple[int, str], StrategyRuns]
    wall_s: float
    partial: bool = False
    executor: str = DEFAULT_EXECUTOR
    workers: int | None = None
    engine: str = DEFAULT_ENGINE
    window: Window | None = None


def run_sweep(
    scenario: Scenario,
    parameters: Sequence[Parameter] | dict[str, Sequence[Any]],
    strategies: Sequence[str] = ("baseline",),
    replications: int = 100,
    seed: int = 0,
    *,
    executor: str = DEFAULT_EXECUTOR,
    workers: int | None = None,
    address: str | None = None,
    progress: Progress | None = None,
    bands: bool = False,
    stop: StopRequest | None = None,
    engine: str = DEFAULT_ENGINE,
    window: Window | None = None,
) -> Sweep:
    """Run every point of the grid under every strategy, `replications` times each, with common
    random numbers across points and strategies."""
    started = time.perf_counter()
    if isinstance(parameters, dict):
        parameters = [Parameter(k, tuple(v)) for k, v in parameters.items()]
    parameters = list(parameters)
    strategies = list(dict.fromkeys(strategies))
    variants = sweep_variants(scenario, parameters, strategies)
    keyed: dict[Hashable, Scenario] = {k: v for k, v in variants.items()}
    runs, partial = run_variants(
        keyed, replications, seed, executor=executor, workers=workers, address=address,
        progress=progress, bands=bands, stop=stop, labels={k: k[1] for k in variants},
        engine=engine, window=window,
    )
    return Sweep(
        scenario, seed, replications, parameters, grid(parameters), strategies,
        {k: runs[k] for k in variants}, time.perf_counter() - started, partial, executor, workers,
        engine, window,
    )


# --------------------------------------------------------------------------- table


def _cell(value: Any) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def sweep_rows(sweep: Sweep) -> list[dict[str, Any]]:
    """The tidy table: one row per grid point and strategy; the point's values, the strategy,
    the replications, and for every KPI its mean, 95% CI, p10/p50/p90 (and for moments the share
    of replications in which it was reached)."""
    rows = []
    for i, point in enumerate(sweep.points):
        for s in sweep.strategies:
            runs = sweep.runs[(i, s)]
            row: dict[str, Any] = {"point": i}
            row.update({path: _cell(v) for path, v in point.items()})
            row["strategy"] = s
            row["replications"] = runs.replications
            first, observed = runs.kpi("first_failure_at_h"), runs.kpi("observed_h")
            for k in ALL_KPIS:
                st = summarize(runs.kpi(k), moment=k in TIME_KPIS, bounds=moment_bounds(k, first, observed))
                lo, hi = st["ci95"]  # type: ignore[misc]
                row.update({f"{k}_mean": st["mean"], f"{k}_ci95_lo": lo, f"{k}_ci95_hi": hi,
                            f"{k}_p10": st["p10"], f"{k}_p50": st["p50"], f"{k}_p90": st["p90"]})
                if k in TIME_KPIS:
                    row[f"{k}_reached"] = st["reached"]
                    if "censored" in st:
                        row[f"{k}_censored"] = st["censored"]
            rows.append(row)
    return _uniform_columns(rows, [p.path for p in sweep.parameters])


def _uniform_columns(rows: list[dict[str, Any]], columns: list[str]) -> list[dict[str, Any]]:
    """One type per parameter column (Parquet needs it): numbers as floats when they mix with
    ints, anything else mixed as text."""
    for c in columns:
        values = [r[c] for r in rows]
        kinds = {type(v) for v in values}
        if kinds <= {int, float} and float in kinds:
            for r in rows:
                r[c] = float(r[c])
        elif len(kinds) > 1:
            for r in rows:
                r[c] = _label(r[c])
    return rows


def write_table(rows: list[dict[str, Any]], stem: Path) -> list[Path]:
    """Write the table as STEM.csv, and as STEM.parquet when pyarrow is installed."""
    written = []
    csv_path = stem.with_name(stem.name + ".csv")
    fields = list(rows[0]) if rows else []
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow({k: _csv_value(v) for k, v in r.items()})
    written.append(csv_path)
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return written
    pq_path = stem.with_name(stem.name + ".parquet")
    table = pa.Table.from_pylist([{k: _nan_to_none(v) for k, v in r.items()} for r in rows])
    pq.write_table(table, pq_path)
    written.append(pq_path)
    return written


def _csv_value(v: Any) -> Any:
    from ..reports.escape import spreadsheet_cell

    if isinstance(v, float) and math.isnan(v):
        return ""
    if isinstance(v, float):
        return repr(v)
    return spreadsheet_cell(v)


def _nan_to_none(v: Any) -> Any:
    return None if isinstance(v, float) and math.isnan(v) else v


# --------------------------------------------------------------------------- JSON


def sweep_summary(sweep: Sweep, file: str | None = None) -> dict[str, Any]:
    """The sweep as JSON: the run's header, the parameters, and per point the summary of every
    strategy in the layout of `sim run --json`."""
    points = []
    for i, point in enumerate(sweep.points):
        points.append({
            "point": i,
            "set": point,
            "strategies": {s: runs_summary(sweep.runs[(i, s)]) for s in sweep.strategies},
        })
    out: dict[str, Any] = {
        "scenario": sweep.scenario.name,
        "file": file,
        "seed": sweep.seed,
        "engine": sweep.engine,
        "replications": sweep.replications,
        **({"window": sweep.window.describe(sweep.scenario.start)} if sweep.window else {}),
        "start": sweep.scenario.start.strftime("%Y-%m-%dT%H:%M"),
        "parameters": {p.path: list(p.values) for p in sweep.parameters},
        "strategies": sweep.strategies,
        "points": points,
        "performance": {
            "contacts": sum(r.contacts for r in sweep.runs.values()),
            "wall_s": sweep.wall_s,
        },
    }
    if sweep.partial:
        out["partial"] = True
    return clean(out)
