"""Cross-reference checks: ids, cycles, times, decisions, actions, milestones and strategies."""

from __future__ import annotations

import pytest
from conftest import MINIMAL_SCENARIO, edit, line_of

from sim.scenario import ScenarioError, load_scenario_text
from sim.scenario.checks import check_scenario
from sim.scenario.loader import problems_in_text

EXERCISE = """\
exercise:
  injects:
    - id: phones-down
      at: "08:00"
      title: Phones are down
    - id: network-back
      when: {milestone: "system:network:restored", delay: 30min}
      title: The network is back
  decisions:
    - id: staff-mode
      at: "08:30"
      question: Go to staff mode?
      options:
        - id: now
          label: Yes, now
          actions: [{do: raise_readiness, target: stabslage}]
        - id: wait
          label: Wait an hour
          set: {policies.cancellation.decide: never}
      default: wait
  expected_actions:
    - id: paper-on
      description: Start the paper routines
      action: {do: activate_backup, target: paper}
      after: detected
      within: 1h
"""

FULL = MINIMAL_SCENARIO + EXERCISE


def problems(text: str) -> list[str]:
    return [str(p) for p in problems_in_text(text, "s.yaml")]


def one_problem(text: str, fragment: str, expected: str, after: str | None = None) -> None:
    assert problems(text) == [f"s.yaml line {line_of(text, fragment, after)}: {expected}"]


def test_full_fixture_is_valid():
    scenario = load_scenario_text(FULL, "s.yaml")
    assert [d.id for d in scenario.exercise.decisions] == ["staff-mode"]


def test_checks_run_on_a_scenario_without_a_file():
    scenario = load_scenario_text(FULL, "s.yaml")
    assert check_scenario(scenario) == []


def test_duplicate_id_in_a_list():
    text = edit(FULL, "incidents:\n", "    - id: journal\n      name: Second journal\nincidents:\n")
    one_problem(
        text,
        "- id: journal",
        "region.systems.3.id: id 'journal' is used twice (first at line 32); ids must be unique",
        after="- id: telephony",
    )


def test_duplicate_id_across_units_and_phone_lines():
    text = edit(FULL, "- id: switchboard", "- id: vc-public")
    problem = problems(text)
    assert problem == [
        f"s.yaml line {line_of(text, 'id: vc-public', after='phone_lines')}: "
        "region.phone_lines.0.id: id 'vc-public' is used twice among units, phone lines and "
        "consumables (first at line 9); ids must be unique"
    ]


def test_a_unit_is_not_a_system():
    text = edit(FULL, "replaces: [journal]", "replaces: [vc-public]")
    one_problem(
        text,
        "replaces:",
        "backup_routines.paper.replaces.0: 'vc-public' is a care unit, not a system; name a "
        "system from region.systems",
    )


def test_unknown_system_in_fails():
    text = edit(FULL, "fails: [network]", "fails: [netwrk]")
    one_problem(
        text,
        "fails:",
        "incidents.outage.fails.0: unknown system 'netwrk' (did you mean 'network'?)",
    )


def test_unknown_covers():
    text = edit(FULL, "    capacity: 0.6\n", "    capacity: 0.6\n    covers: [switchbord]\n")
    one_problem(
        text,
        "covers:",
        "backup_routines.paper.covers.0: unknown unit, phone line or consumable 'switchbord' "
        "(did you mean 'switchboard'?)",
    )


def test_unknown_consumable_of_a_unit():
    text = edit(FULL, "      count: 2\n", "      count: 2\n      consumables: [gloves]\n")
    one_problem(text, "gloves", "region.units.vc-public.consumables.0: unknown consumable 'gloves'")


def test_self_dependency_is_a_cycle():
    text = edit(
        FULL,
        "      kind: platform\n",
        "      kind: platform\n      depends_on: [{system: network}]\n",
    )
    one_problem(
        text,
        "depends_on: [{system: network}]",
        "region.systems.network.depends_on.0.system: dependency cycle: network -> network; "
        "systems cannot depend on each other in a circle",
    )


def test_longer_cycle_is_reported_once():
    text = edit(
        FULL,
        "      kind: platform\n",
        "      kind: platform\n      depends_on: [{system: journal}]\n",
    )
    found = problems(text)
    assert len(found) == 1
    assert "dependency cycle: network -> journal -> network" in found[0]


@pytest.mark.parametrize(
    ("old", "new", "fragment", "expected"),
    [
        (
            'at: "07:00"',
            'at: "2024-01-21 23:00"',
            "2024-01-21 23:00",
            "incidents.outage.at: 2024-01-21 23:00 is before the start of the scenario "
            "(2024-01-22 00:00)",
        ),
        (
            'at: "08:00"',
            "at: +3d",
            "+3d",
            "exercise.injects.phones-down.at: +3d is after the end of the simulated period "
            "(2024-01-24 00:00, start + horizon)",
        ),
        (
            'at: "08:30"',
            'at: "2024-02-01 08:30"',
            "2024-02-01",
            "exercise.decisions.staff-mode.at: 2024-02-01 08:30 is after the end of the simulated "
            "period (2024-01-24 00:00, start + horizon)",
        ),
    ],
)
def test_times_outside_the_period(old, new, fragment, expected):
    one_problem(edit(FULL, old, new), fragment, expected)


def test_decision_default_must_be_an_option():
    text = edit(FULL, "default: wait", "default: wiat")
    one_problem(
        text,
        "default: wiat",
        "exercise.decisions.staff-mode.default: default 'wiat' is not one of the options "
        "(now, wait) (did you mean 'wait'?)",
    )


def test_action_target_readiness_level():
    text = edit(FULL, "target: stabslage", "target: stabsläge")
    one_problem(
        text,
        "stabsläge",
        "exercise.decisions.staff-mode.options.now.actions.0.target: unknown readiness level to "
        "raise to 'stabsläge' (did you mean 'stabslage'?)",
    )


def test_action_target_backup_routine():
    text = edit(FULL, "target: paper", "target: papper")
    one_problem(
        text,
        "target: papper",
        "exercise.expected_actions.paper-on.action.target: unknown backup routine 'papper' "
        "(did you mean 'paper'?)",
    )


@pytest.mark.parametrize(
    ("milestone", "expected"),
    [
        (
            "system:netwrk:restored",
            "unknown system 'netwrk' in milestone 'system:netwrk:restored' (did you mean 'network'?)",
        ),
        (
            "system:network:back",
            "'system:network:back': a system milestone ends in restored",
        ),
        (
            "readiness:stabslage:begin",
            "'readiness:stabslage:begin': a readiness level milestone ends in end or start",
        ),
        ("system:network", "'system:network' is not a milestone; write it as system:ID:restored"),
    ],
)
def test_malformed_milestones(milestone, expected):
    text = edit(FULL, "system:network:restored", milestone)
    one_problem(text, "milestone:", f"exercise.injects.network-back.when.milestone: {expected}")


def test_misspelt_single_milestone():
    text = edit(FULL, "after: detected", "after: detectd")
    [found] = problems(text)
    assert found.startswith(
        f"s.yaml line {line_of(text, 'detectd')}: exercise.expected_actions.paper-on.after: "
        "'detectd' is not a milestone (did you mean 'detected'?); write one of detected,"
    )


def test_strategy_path_that_does_not_exist():
    text = edit(FULL, "new-server.lead_time: 1h", "new-servr.lead_time: 1h")
    one_problem(
        text,
        "new-servr",
        "strategies.fast.set.recovery_actions.new-servr.lead_time: recovery_actions has no item "
        "with id 'new-servr' (ids: new-server)",
    )


def test_strategy_value_the_field_refuses():
    text = edit(FULL, "new-server.lead_time: 1h", "new-server.lead_time: soon")
    [found] = problems(text)
    assert found.startswith(
        f"s.yaml line {line_of(text, 'lead_time: soon')}: "
        "strategies.fast.set.recovery_actions.new-server.lead_time: gives "
        "recovery_actions.new-server.lead_time: 'soon' is not a duration"
    )


def test_strategy_unknown_field():
    text = edit(FULL, "new-server.lead_time: 1h", "new-server.lead_tme: 1h")
    one_problem(
        text,
        "lead_tme",
        "strategies.fast.set.recovery_actions.new-server.lead_tme: recovery_actions.new-server "
        "has no field 'lead_tme'",
    )


def test_drill_option_changes_are_tried_too():
    text = edit(FULL, "policies.cancellation.decide: never", "policies.cancellation.decide: later")
    [found] = problems(text)
    assert found.startswith(
        f"s.yaml line {line_of(text, 'decide: later')}: "
        "exercise.decisions.staff-mode.options.wait.set.policies.cancellation.decide: gives "
        "policies.cancellation.decide: 'later' is not one of on_detection, on_staff_mode, never"
    )


def test_reached_false_needs_by():
    text = edit(FULL, "delay: 30min}", "delay: 30min, reached: false}")
    one_problem(
        text,
        "reached: false",
        "exercise.injects.network-back.when: reached: false needs by (the time by which the "
        "milestone is expected)",
    )


def test_every_check_problem_is_reported_together():
    text = edit(FULL, "fails: [network]", "fails: [netwrk]")
    text = edit(text, "default: wait", "default: wiat")
    text = edit(text, "target: paper", "target: papper")
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "s.yaml")
    assert len(info.value.problems) == 3


def test_cycle_through_a_duplicated_system_id():
    text = edit(FULL, "    - id: telephony\n", "    - id: network\n")
    found = problems(text)
    assert any("id 'network' is used twice" in p for p in found)
    assert any("dependency cycle: network -> network" in p for p in found)
    assert all("internal error" not in p for p in found)
