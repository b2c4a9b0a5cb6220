"""KPI values at a glance: moments as clock times, long durations in days, counts whole, shares
as percentages; few runs and too few pairs said so."""

from __future__ import annotations

from datetime import datetime

from sim import values
from sim.i18n import using

START = datetime(2022, 12, 6)


def test_each_kind_of_kpi_reads_as_people_read_it():
    with using("sv"):
        assert values.value("detected_at_h", 6.9, START) == "6 dec 06:54"
        assert values.value("time_to_normal_h", 157.0) == "6,5 dygn"
        assert values.value("time_to_full_operation_h", 8.5) == "8,5 h"
        assert values.value("cancelled_planned", 2272.9) == "2\u00a0273"
        assert values.label("detected_at_h") == "Upptäckt vid"
        assert values.difference("cancelled_planned", -1093.2) == "-1\u00a0093"
        assert values.difference("time_to_full_operation_h", -3.8) == "-3,8 h"
    with using("en"):
        assert values.value("detected_at_h", 6.9, START) == "6 Dec 06:54"
        assert values.value("time_to_normal_h", 157.0) == "6.5 days"
        assert values.value("cancelled_planned", 2272.9) == "2,273"
        assert values.label("time_to_normal_h") == "Time to normal"


def test_a_moment_reached_in_few_runs_is_marked():
    with using("en"):
        stats = {"mean": 149.0, "reached": 0.02}
        assert values.mean_text("time_to_normal_h", stats) == "6.2 days (only in 2% of runs)"
        assert values.mean_text("time_to_normal_h", {"mean": 157.0, "reached": 0.8}) == "6.5 days (reached in 80% of runs)"
        assert values.mean_text("time_to_normal_h", {"mean": 157.0, "reached": 1.0}) == "6.5 days"
        assert values.mean_text("time_to_normal_h", {"mean": None, "reached": 0.0}) == "never within the horizon"


def test_a_difference_from_too_few_pairs_reads_too_few_runs():
    with using("en"):
        one = {"mean": -8.0, "ci95": [None, None], "pairs": 1, "replications": 50}
        assert values.difference_text("time_to_normal_h", one) == "too few runs"
        half = {"mean": -8.0, "ci95": [-9.0, -7.0], "pairs": 20, "replications": 50}
        assert values.too_few_pairs(half)
        enough = {"mean": -3.8, "ci95": [-4.0, -3.7], "pairs": 50, "replications": 50}
        assert values.difference_text("time_to_full_operation_h", enough) == "-3.8 h (-4.0 h to -3.7 h)"
