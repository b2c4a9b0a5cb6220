"""Playing one replication for a drill: the replication and its incident timeline (the state of
every system over time and every milestone), which the status board and the checks need.

The engine's `simulate()` returns only the replication; the drill needs the timeline as well, so it
runs the same two stages itself. A test checks that both give the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..engine import Branch, Control, Replication, simulate_with_timeline
from ..engine.capacity import CapacityState
from ..engine.incident import IncidentTimeline
from ..scenario.model import Scenario

EPS = 1e-9


@dataclass(frozen=True)
class Played:
    """One replication of a drill's scenario under the drill's decisions, to the end of the
    simulated period."""

    scenario: Scenario
    rep: Replication
    timeline: IncidentTimeline

    @cached_property
    def milestones(self) -> dict[str, float]:
        """Every milestone reached (hours from the scenario's start), not only the reported ones."""
        out = dict(self.timeline.milestones)
        out.update(self.rep.milestones)
        return out

    def state_at(self, t_h: float) -> CapacityState:
        """The state of systems and stand-ins at `t_h`."""
        state = self.timeline.snapshots[0][1]
        for t, snap in self.timeline.snapshots:
            if t > t_h + EPS:
                break
            state = snap
        return state

    def readiness_at(self, t_h: float) -> int:
        level = 0
        for t, lv in self.rep.readiness:
            if t > t_h + EPS:
                break
            level = lv
        return level

    def steps_until(self, t_h: float) -> int:
        """Number of whole time steps that have ended by `t_h`."""
        n = len(next(iter(self.rep.series.values()))) if self.rep.series else 0
        return max(0, min(n, int(math.floor(t_h / self.rep.step_h + EPS))))


def play(scenario: Scenario, seed: int | np.random.SeedSequence, control: Control, branch: Branch | None = None) -> Played:
    """Simulate one replication and keep its incident timeline (with `branch`: one that shares
    the past of another up to the branch time)."""
    rep, timeline = simulate_with_timeline(scenario, seed, control=control, branch=branch)
    return Played(scenario, rep, timeline)
