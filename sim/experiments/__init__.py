"""Experiments: replications with common random numbers, statistics and strategy comparison."""

from .runner import Experiment, StrategyRuns, run_experiment
from .stats import mean_ci, replications_needed, summarize
from .summary import experiment_summary

__all__ = [
    "Experiment",
    "StrategyRuns",
    "experiment_summary",
    "mean_ci",
    "replications_needed",
    "run_experiment",
    "summarize",
]
