"""Scenario files: the frozen model, loading with line-numbered errors, and named changes."""

from .changes import ChangeError, apply_changes, apply_strategy
from .loader import load_scenario, load_scenario_text, problems_in, problems_in_text
from .model import Scenario
from .problems import Problem, ScenarioError

__all__ = [
    "ChangeError",
    "Problem",
    "Scenario",
    "ScenarioError",
    "apply_changes",
    "apply_strategy",
    "load_scenario",
    "load_scenario_text",
    "problems_in",
    "problems_in_text",
]
