"""What every per-entity service of one reference replication shares: the SimPy environment, the
capacity of every service slot minute by minute, and the tally of what happens."""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from .clock import MinuteCapacity
from .tally import Tally


@dataclass(frozen=True)
class World:
    env: simpy.Environment
    capacity: MinuteCapacity
    tally: Tally
