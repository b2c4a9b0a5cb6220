"""The reference engine: care delivered to every planned visit, acute patient, caller, discharge
and consumable order one by one in SimPy, exact to the minute, on the same incident timeline as
the fast engine. Written to be read and checked, not for speed: the fast engine is tested
against it (tests/test_reference.py)."""

from .replication import simulate_reference, simulate_reference_with_timeline

__all__ = ["simulate_reference", "simulate_reference_with_timeline"]
