"""A typical course of an incident, from the engine's own code: one run of the incident machinery
in which every duration takes its mean and every chance goes the likelier way (a vendor is called
in when that is more likely than not; a staged restoration brings a system back at the curve's
median). `sim explain` tells its expected timeline from this run, so it can never drift from the
rules the engine follows.
"""

from __future__ import annotations

from typing import Any

from ..scenario.model import Scenario
from .budget import Budget
from .capacity import CapacityModel
from .incident import Control, IncidentRun, IncidentTimeline
from .streams import Streams


class _Even:
    """A random stream whose every draw is the middle of [0, 1)."""

    def random(self) -> float:
        return 0.5


class _EvenStreams(Streams):
    def __call__(self, name: str) -> Any:
        return _Even()


class _TypicalRun(IncidentRun):
    def sample(self, dist: Any, stream: str) -> float:
        return max(0.0, float(dist.mean))

    def draw(self, dist: Any, stream: str) -> float:
        return max(0.0, float(dist.mean))


def typical_timeline(scenario: Scenario) -> IncidentTimeline:
    """The incident timeline of a run at the distributions' means, under the scenario's policies
    and its decision points' defaults."""
    return _TypicalRun(scenario, CapacityModel(scenario), _EvenStreams(0), Control(), Budget()).run()
