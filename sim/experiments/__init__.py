"""Experiments: replications with common random numbers on one core, all cores or a Dask cluster;
statistics, time-series bands, strategy comparison and sweeps."""

from .bands import Bands
from .executors import EXECUTORS, ExecutorError, StopRequest
from .runner import (
    Experiment,
    StrategyRuns,
    paired_difference,
    run_experiment,
    unpaired_difference,
)
from .stats import mean_ci, replications_needed, summarize
from .summary import comparison_summary, experiment_summary
from .sweep import Parameter, Sweep, SweepError, parse_set, run_sweep, sweep_rows, sweep_summary

__all__ = [
    "EXECUTORS",
    "Bands",
    "ExecutorError",
    "Experiment",
    "Parameter",
    "StopRequest",
    "StrategyRuns",
    "Sweep",
    "SweepError",
    "comparison_summary",
    "experiment_summary",
    "mean_ci",
    "paired_difference",
    "parse_set",
    "replications_needed",
    "run_experiment",
    "run_sweep",
    "summarize",
    "sweep_rows",
    "sweep_summary",
    "unpaired_difference",
]
