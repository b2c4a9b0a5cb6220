"""Small, dependency-free SVG charts for the validation report, so that regenerating it needs no
browser or plotting backend."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape


def _frame(title: str, subtitle: str, values: list[float], width: int, height: int, left: int, right: int):
    """The SVG's opening elements and the x scale over `values` (with a 5% margin)."""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    lo, hi = lo - 0.05 * span, hi + 0.05 * span

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * (width - left - right)

    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">{escape(title)}</text>',
        f'<text x="{width / 2}" y="42" text-anchor="middle" fill="#555">{escape(subtitle)}</text>',
    ]
    return head, x, lo, hi


def tornado(title: str, baseline: float, rows: list[tuple[str, float, float, str, str]], unit: str = "") -> str:
    """Horizontal bars from the baseline to the KPI at each parameter's low and high value.
    rows: (label, value at low, value at high, low text, high text), widest first."""
    width, left, right, row_h, top = 960, 210, 250, 34, 56
    height = top + row_h * len(rows) + 40
    values = [baseline] + [v for r in rows for v in r[1:3]]
    subtitle = f"baseline {baseline:,.1f}{unit}; blue: parameter at its low value, orange: at its high value"
    out, x, _, _ = _frame(title, subtitle, values, width, height, left, right)
    for i, (label, v_low, v_high, t_low, t_high) in enumerate(rows):
        y = top + i * row_h
        out.append(f'<text x="{left - 8}" y="{y + 20}" text-anchor="end">{escape(label)}</text>')
        for v, color in ((v_low, "#4c78a8"), (v_high, "#f58518")):
            a, b = sorted((x(baseline), x(v)))
            out.append(f'<rect x="{a:.1f}" y="{y + 6}" width="{max(b - a, 1):.1f}" height="{row_h - 12}" fill="{color}" opacity="0.85"/>')
        out.append(
            f'<text x="{width - right + 10}" y="{y + 21}" fill="#333" font-size="11">'
            f'<tspan fill="#4c78a8">{escape(t_low)}: {v_low:,.1f}</tspan>  '
            f'<tspan fill="#f58518">{escape(t_high)}: {v_high:,.1f}</tspan></text>'
        )
    xb = x(baseline)
    out.append(f'<line x1="{xb:.1f}" y1="{top - 4}" x2="{xb:.1f}" y2="{height - 30}" stroke="black"/>')
    out.append("</svg>")
    return "\n".join(out)


def timeline(
    title: str, rows: list[tuple[str, float, float, float, float | None]], start: datetime
) -> str:
    """Published moments against the simulated median and p10-p90 range.
    rows: (label, p10, p50, p90, published), in hours on a common axis."""
    width, left, right, row_h, top = 860, 300, 40, 30, 56
    height = top + row_h * len(rows) + 50
    values = [v for r in rows for v in r[1:] if v is not None]
    subtitle = "bar: simulated p10-p90, dot: median, red mark: published"
    out, x, lo, hi = _frame(title, subtitle, values, width, height, left, right)
    for i, (label, p10, p50, p90, published) in enumerate(rows):
        y = top + i * row_h + 15
        out.append(f'<text x="{left - 8}" y="{y + 4}" text-anchor="end">{escape(label)}</text>')
        out.append(f'<line x1="{x(p10):.1f}" y1="{y}" x2="{x(p90):.1f}" y2="{y}" stroke="#4c78a8" stroke-width="8" opacity="0.6"/>')
        out.append(f'<circle cx="{x(p50):.1f}" cy="{y}" r="5" fill="#4c78a8"/>')
        if published is not None:
            out.append(f'<line x1="{x(published):.1f}" y1="{y - 9}" x2="{x(published):.1f}" y2="{y + 9}" stroke="#d62728" stroke-width="3"/>')
    # Ticks at whole hours or whole days, about six of them.
    span_h = hi - lo
    step = next(s for s in (0.25, 0.5, 1, 2, 3, 6, 12, 24, 48, 72, 168, 336) if span_h / s <= 7)
    first = (start + timedelta(hours=lo))
    base = datetime(first.year, first.month, first.day)
    t = (base - start).total_seconds() / 3600
    fmt = "%d %b" if step >= 24 else "%H:%M"
    ticks = []
    while t <= hi:
        if t >= lo:
            ticks.append(f'<line x1="{x(t):.1f}" y1="{top - 4}" x2="{x(t):.1f}" y2="{height - 44}" stroke="#ddd"/>')
            label = (start + timedelta(hours=t)).strftime(fmt)
            ticks.append(f'<text x="{x(t):.1f}" y="{height - 28}" text-anchor="middle" fill="#555" font-size="11">{label}</text>')
        t += step
    out[4:4] = ticks  # under the bars
    out.append("</svg>")
    return "\n".join(out)
