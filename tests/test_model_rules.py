"""The rules that decide strategies (docs/model.md): information loss in acute care and the
share of work a dependency applies to."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from engine_factory import small_scenario

from sim.engine import Control, replication_seed, simulate
from sim.engine.capacity import CapacityModel
from sim.scenario.changes import apply_changes
from sim.scenario.model import Scenario


def mean_kpi(scenario: Scenario, name: str, n: int = 6, control: Control | None = None) -> float:
    return float(np.mean([simulate(scenario, replication_seed(21, k), control=control).kpis[name] for k in range(n)]))


def outage_day(**changes: Any) -> Scenario:
    """The small region with a 12-hour journal outage on a weekday."""
    sc = small_scenario(incidents=[{"id": "fault", "name": "Journal fault", "at": "+1d 8h", "fails": ["journal"],
                                    "repair": "12h"}])
    return apply_changes(sc, changes) if changes else sc


# --------------------------------------------------------------------------- information loss


def test_an_ehr_outage_slows_acute_care_even_with_acute_priority() -> None:
    normal = outage_day()
    slow = outage_day(**{"region.units.hosp.depends_on.journal.acute_pace": 0.5})
    assert mean_kpi(slow, "acute_wait_mean_h") > mean_kpi(normal, "acute_wait_mean_h") * 1.2
    assert mean_kpi(slow, "acute_not_in_time") > mean_kpi(normal, "acute_not_in_time")


def test_a_downtime_kit_gives_back_part_of_the_pace() -> None:
    slow = outage_day(**{"region.units.hosp.depends_on.journal.acute_pace": 0.5})
    kit = apply_changes(slow, {"backup_routines.paper.restores_information": 0.8})
    none = apply_changes(slow, {"backup_routines.paper.enabled": False})
    waits = [mean_kpi(sc, "acute_wait_mean_h") for sc in (kit, slow, none)]
    assert waits[0] < waits[1] <= waits[2] + 1e-9, waits


def test_the_pace_formula() -> None:
    sc = outage_day(**{"region.units.hosp.depends_on.journal.acute_pace": 0.6,
                       "backup_routines.paper.restores_information": 0.5,
                       "backup_routines.paper.compliance": 0.8})
    model = CapacityModel(sc)
    state = model.new_state()
    state.own[model.sys_index["journal"]] = 0.0
    acute = model.slot_index[("hosp", "acute")]
    planned = model.slot_index[("hosp", "planned")]
    t = np.array([5.0])
    assert model.pace(state, t)[acute, 0] == pytest.approx(0.6)
    assert model.pace(state, t)[planned, 0] == pytest.approx(1.0)  # only acute treatment slows
    state.standins[model.standin_index["backup:paper"]] = 0.0
    assert model.pace(state, t)[acute, 0] == pytest.approx(1 - 0.4 * (1 - 0.5 * 0.8))


# --------------------------------------------------------------------------- share of work


def test_a_dependency_can_apply_to_a_share_of_the_work() -> None:
    sc = outage_day(**{"region.units.vc.depends_on.journal.share": 0.05, "backup_routines.paper.enabled": False})
    model = CapacityModel(sc)
    state = model.new_state()
    state.own[model.sys_index["journal"]] = 0.0
    cap = model.capacity(state, np.array([1.0]))
    assert cap[model.slot_index[("vc", "planned")], 0] == pytest.approx(1 - 0.05 * (1 - 0.1))
    whole = outage_day(**{"backup_routines.paper.enabled": False})

    def primary_care(scenario: Scenario) -> float:
        return float(np.mean([simulate(scenario, replication_seed(21, k)).series["cancelled_planned:primary_care"][-1]
                              for k in range(4)]))

    assert primary_care(sc) == 0 < primary_care(whole)  # the slack takes a 4.5% loss
