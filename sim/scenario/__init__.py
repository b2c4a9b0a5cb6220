"""Scenario files: the frozen model, loading with line-numbered errors, and named changes."""

from .changes import ChangeError, apply_changes, apply_strategy
from .model import Scenario

__all__ = ["ChangeError", "Scenario", "apply_changes", "apply_strategy"]
