"""Consumables (förbrukningsmaterial): stock runs down while ordering is down.

Stock is counted in days of normal use. While ordering works, each step orders what brings the
stock position (stock plus what is on its way) back to its starting level; at reduced ordering
capacity (manual ordering) orders cover only that share of the use, and full ordering
catches up at once. Orders arrive `lead_time` later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...scenario.model import Consumable
from ..budget import CHECK_EVERY, Budget
from ..grid import TimeGrid


@dataclass
class StockResult:
    stock_days: np.ndarray  # stock at the end of each step, in days of use
    out: np.ndarray  # bool: out of stock during the step


def stock_flow(grid: TimeGrid, item: Consumable, ordering: np.ndarray, budget: Budget | None = None) -> StockResult:
    n, step = grid.n, grid.step_h
    use = step / 24
    target = item.stock_days
    lead = max(1, int(round(item.lead_time / step)))
    # Deliveries by step; those due after the horizon are never read, so none is kept (a lead
    # time of years on a one-minute grid would otherwise fill memory for nothing).
    pipeline = [0.0] * (n + 1)
    # In steady state the pipeline holds lead_time's worth of use.
    for k in range(min(lead, n)):
        pipeline[k] = use
    on_order = use * lead
    stock = target
    cap = ordering.tolist()
    out_stock = [0.0] * n
    out = [False] * n
    for k in range(n):
        if budget is not None and k % CHECK_EVERY == 0:
            budget.check_time()
        arrived = pipeline[k]
        on_order -= arrived
        stock += arrived
        out[k] = stock < use
        stock = stock - use if stock - use > 0.0 else 0.0
        c = cap[k]
        if c > 0:
            want = target + use * lead - stock - on_order
            want = want if want > 0.0 else 0.0
            order = (c * use if c * use < want else want) if c < 1 else want
            if k + lead < n:
                pipeline[k + lead] += order
            on_order += order
        out_stock[k] = stock
    return StockResult(np.array(out_stock, dtype=float), np.array(out, dtype=bool))
