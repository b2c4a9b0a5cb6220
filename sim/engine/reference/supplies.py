"""Consumables, order by order (docs/model.md, "Care delivery", consumables **run down**).

The store reviews its stock every minute: deliveries that are due arrive, one minute's use is
taken, and an order is placed for what brings the stock position (stock plus orders on their way)
back to its starting level; at reduced ordering capacity an order covers only that share of the
minute's use, and full ordering catches up at once. Each order is delivered `lead_time` after it
was placed. Stock is counted in days of normal use."""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
import simpy

from ...scenario.model import Consumable
from .clock import MINUTES_PER_HOUR, MinuteCapacity

USE_PER_MINUTE = 1 / (24 * MINUTES_PER_HOUR)
"""Days of use consumed in one minute."""


@dataclass
class Order:
    placed_minute: int
    due_minute: int
    amount: float


@dataclass
class Store:
    """One consumable's stock, and the orders on their way."""

    item: Consumable
    stock: float
    on_the_way: deque[Order] = field(default_factory=deque)
    out: list[bool] = field(default_factory=list)  # minute by minute: out of stock
    level: list[float] = field(default_factory=list)  # stock at the end of each minute
    orders_placed: int = 0

    @property
    def lead_minutes(self) -> int:
        return max(1, round(self.item.lead_time * MINUTES_PER_HOUR))

    @property
    def on_order(self) -> float:
        return sum(o.amount for o in self.on_the_way)

    @property
    def target_position(self) -> float:
        """Stock plus orders on their way, in normal operation."""
        return self.item.stock_days + USE_PER_MINUTE * self.lead_minutes


def order_size(store: Store, on_order: float, ordering_capacity: float) -> float:
    """What one minute's order asks for: back to the target position, or only the capacity's
    share of the minute's use while ordering runs at reduced capacity."""
    if ordering_capacity <= 0:
        return 0.0
    want = max(0.0, store.target_position - store.stock - on_order)
    return min(want, ordering_capacity * USE_PER_MINUTE) if ordering_capacity < 1 else want


def review(env: simpy.Environment, store: Store, ordering: list[float]) -> Generator[simpy.Event, None, None]:
    """Every minute: take in what is due, use one minute's stock, then order."""
    on_order = store.on_order
    for minute, capacity in enumerate(ordering):
        while store.on_the_way and store.on_the_way[0].due_minute <= minute:
            order = store.on_the_way.popleft()
            store.stock += order.amount
            on_order -= order.amount
        store.out.append(store.stock < USE_PER_MINUTE - 1e-15)
        store.stock = max(0.0, store.stock - USE_PER_MINUTE)
        amount = order_size(store, on_order, capacity)
        if amount > 0:
            store.on_the_way.append(Order(minute, minute + store.lead_minutes, amount))
            store.orders_placed += 1
            on_order += amount
        store.level.append(store.stock)
        yield env.timeout((minute + 1) / MINUTES_PER_HOUR - env.now)


def run_stores(items: list[Consumable], capacity: MinuteCapacity) -> dict[str, Store]:
    """Play every consumable over the horizon; the stores with their minute-by-minute records."""
    env = simpy.Environment()
    stores: dict[str, Store] = {}
    for item in items:
        store = stores[item.id] = Store(item, item.stock_days)
        # In steady state the last lead time's orders are on their way, one a minute.
        for k in range(store.lead_minutes):
            store.on_the_way.append(Order(k - store.lead_minutes, k, USE_PER_MINUTE))
        slot = capacity.model.slot_index[(item.id, "ordering")]
        env.process(review(env, store, capacity.row(slot)))
    env.run(until=capacity.minutes / MINUTES_PER_HOUR)
    return stores


def out_of_stock(stores: dict[str, Store]) -> dict[str, np.ndarray]:
    return {k: np.array(s.out, dtype=bool) for k, s in stores.items()}
