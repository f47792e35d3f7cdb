"""Small self-contained SVG charts, no dependencies: frontier, histogram and Gantt chart.

Each function returns one <svg> element (inline in HTML, or a file of its own with `standalone`).
Every mark carries a <title>, which browsers show as a tooltip without any script.
"""

from __future__ import annotations

import math
from html import escape

from planner.results import Plan
from planner.tradeoffs.frontier import Frontier
from planner.units import at

WIDTH, HEIGHT = 760, 330
LEFT, RIGHT, TOP, BOTTOM = 80, 24, 28, 56
SOURCE_COLOURS = {"on_demand": "#4e79a7", "spot": "#76b7b2", "reserved": "#59a14f", "owned": "#f28e2b",
                  "held": "#b07aa1"}
FONT = "font-family='system-ui, sans-serif' font-size='12'"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About n round tick values covering [lo, hi]."""
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / n
    step = 10 ** math.floor(math.log10(raw))
    step *= next(k for k in (1, 2, 2.5, 5, 10) if k * step >= raw)
    first = math.floor(lo / step) * step
    return [first + i * step for i in range(int(math.ceil((hi - first) / step)) + 1)]


def fmt(value: float, unit: str) -> str:
    """A short label: unit 'usd' ($1.2M), 'days', 'loss' (4 decimals), '' (3 significant digits)."""
    if unit == "usd":
        for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= div:
                return f"${value / div:.3g}{suffix}"
        return f"${value:,.0f}"
    if unit == "days":
        return f"{value:,.0f} d" if abs(value) >= 10 else f"{value:.2g} d"
    if unit == "loss":
        return f"{value:.4f}"
    return f"{value:.3g}"


class _Axes:
    """Linear maps from data to pixels over the plot area, and the axis drawing."""

    def __init__(self, x: tuple[float, float], y: tuple[float, float], xunit: str, yunit: str):
        self.xt, self.yt = nice_ticks(*x), nice_ticks(*y)
        self.x0, self.x1, self.y0, self.y1 = self.xt[0], self.xt[-1], self.yt[0], self.yt[-1]
        self.xunit, self.yunit = xunit, yunit

    def px(self, x: float) -> float:
        return LEFT + (x - self.x0) / (self.x1 - self.x0) * (WIDTH - LEFT - RIGHT)

    def py(self, y: float) -> float:
        return HEIGHT - BOTTOM - (y - self.y0) / (self.y1 - self.y0) * (HEIGHT - TOP - BOTTOM)

    def draw(self, xlabel: str, ylabel: str) -> list[str]:
        out = [f"<rect x='{LEFT}' y='{TOP}' width='{WIDTH - LEFT - RIGHT}' height='{HEIGHT - TOP - BOTTOM}' "
               "fill='#fafafa' stroke='#ccc'/>"]
        for t in self.xt:
            x = self.px(t)
            out.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{TOP}' y2='{HEIGHT - BOTTOM}' stroke='#eee'/>")
            out.append(f"<text x='{x:.1f}' y='{HEIGHT - BOTTOM + 16}' text-anchor='middle'>"
                       f"{escape(fmt(t, self.xunit))}</text>")
        for t in self.yt:
            y = self.py(t)
            out.append(f"<line x1='{LEFT}' x2='{WIDTH - RIGHT}' y1='{y:.1f}' y2='{y:.1f}' stroke='#eee'/>")
            out.append(f"<text x='{LEFT - 6}' y='{y + 4:.1f}' text-anchor='end'>{escape(fmt(t, self.yunit))}</text>")
        out.append(f"<text x='{(LEFT + WIDTH - RIGHT) / 2}' y='{HEIGHT - 12}' text-anchor='middle'>"
                   f"{escape(xlabel)}</text>")
        out.append(f"<text x='14' y='{(TOP + HEIGHT - BOTTOM) / 2}' text-anchor='middle' "
                   f"transform='rotate(-90 14 {(TOP + HEIGHT - BOTTOM) / 2})'>{escape(ylabel)}</text>")
        return out

    def vline(self, x: float, label: str, colour: str) -> list[str]:
        if not self.x0 <= x <= self.x1:
            return []
        px = self.px(x)
        return [f"<line x1='{px:.1f}' x2='{px:.1f}' y1='{TOP}' y2='{HEIGHT - BOTTOM}' stroke='{colour}' "
                f"stroke-dasharray='5 4'/>",
                f"<text x='{px + 4:.1f}' y='{TOP + 12}' fill='{colour}'>{escape(label)}</text>"]

    def hline(self, y: float, label: str, colour: str) -> list[str]:
        if not self.y0 <= y <= self.y1:
            return []
        py = self.py(y)
        return [f"<line x1='{LEFT}' x2='{WIDTH - RIGHT}' y1='{py:.1f}' y2='{py:.1f}' stroke='{colour}' "
                f"stroke-dasharray='5 4'/>",
                f"<text x='{WIDTH - RIGHT - 4}' y='{py - 4:.1f}' text-anchor='end' fill='{colour}'>"
                f"{escape(label)}</text>"]


def _svg(body: list[str], title: str, standalone: bool, height: int = HEIGHT) -> str:
    ns = " xmlns='http://www.w3.org/2000/svg'" if standalone else ""
    head = "<?xml version='1.0' encoding='UTF-8'?>\n" if standalone else ""
    return (f"{head}<svg{ns} viewBox='0 0 {WIDTH} {height}' width='{WIDTH}' height='{height}' role='img' "
            f"aria-label='{escape(title)}' {FONT}><title>{escape(title)}</title>" + "".join(body) + "</svg>")


def frontier_svg(fr: Frontier, standalone: bool = False) -> str:
    """Outcome against the varied bound: frontier points joined, dominated ones hollow, no-plan ones as x."""
    xunit = {"deadline": "days", "budget": "usd", "target": "loss"}[fr.vary]
    yunit = "loss" if fr.objective == "quality" else "usd"
    ykey = fr.outcome
    feasible = [p for p in fr.points if getattr(p, ykey) is not None]
    xs = [p.value for p in fr.points]
    ys = [getattr(p, ykey) for p in feasible]
    ref = fr.budget_usd if yunit == "usd" else fr.target_loss
    # A reference line far above every point would flatten them: draw it only when it is near.
    refs_y = [ref] if ref is not None and (not ys or ref <= 2 * max(ys)) else []
    lo_y, hi_y = (min(ys + refs_y), max(ys + refs_y)) if ys else (0.0, 1.0)
    pad = (hi_y - lo_y) * 0.05 or abs(hi_y) * 0.05 or 1.0
    ax = _Axes((min(xs), max(xs)), (lo_y - pad if yunit == "loss" else min(0.0, lo_y), hi_y + pad), xunit, yunit)
    xlabel = {"deadline": "deadline (days)", "budget": "budget (USD)", "target": "target loss (nats/token)"}[fr.vary]
    body = ax.draw(xlabel, "predicted loss" if yunit == "loss" else "total cost (USD)")
    base = {"deadline": fr.deadline_days, "budget": fr.budget_usd, "target": fr.target_loss}[fr.vary]
    if base is not None:
        body += ax.vline(base, "scenario", "#555")
    for y in refs_y:
        body += ax.hline(y, "budget" if yunit == "usd" else "target", "#c0392b")
    front = [p for p in feasible if not p.dominated]
    if len(front) > 1:
        path = " ".join(f"{ax.px(p.value):.1f},{ax.py(getattr(p, ykey)):.1f}" for p in front)
        body.append(f"<polyline points='{path}' fill='none' stroke='#4e79a7' stroke-width='2'/>")
    for p in fr.points:
        x = ax.px(p.value)
        tip = escape(f"{fmt(p.value, xunit)}: {p.summary}" + (" (dominated)" if p.dominated else ""))
        y = getattr(p, ykey)
        if y is None:
            yb = HEIGHT - BOTTOM - 6
            body.append(f"<g stroke='#c0392b' stroke-width='2'><title>{tip}</title>"
                        f"<line x1='{x - 5:.1f}' y1='{yb - 5}' x2='{x + 5:.1f}' y2='{yb + 5}'/>"
                        f"<line x1='{x - 5:.1f}' y1='{yb + 5}' x2='{x + 5:.1f}' y2='{yb - 5}'/></g>")
            continue
        fill, stroke = ("#fff", "#999") if p.dominated else ("#4e79a7", "#2e4a6b")
        body.append(f"<circle cx='{x:.1f}' cy='{ax.py(y):.1f}' r='5' fill='{fill}' stroke='{stroke}' "
                    f"stroke-width='1.5'><title>{tip}</title></circle>")
    title = f"{fr.scenario}: {'loss' if yunit == 'loss' else 'cost'} vs {fr.vary}"
    return _svg(body, title, standalone)


def histogram_svg(values: list[float], unit: str, xlabel: str, markers: list[tuple[float, str, str]],
                  bins: int = 24, standalone: bool = False) -> str:
    """Counts of `values` in `bins` equal bins, with dashed vertical markers (value, label, colour)."""
    lo, hi = min(values), max(values)
    span = (hi - lo) or (abs(hi) * 0.01 or 1.0)
    lo, hi = lo - span * 0.02, hi + span * 0.02
    counts = [0] * bins
    for v in values:
        counts[min(int((v - lo) / (hi - lo) * bins), bins - 1)] += 1
    edges = [lo + (hi - lo) * i / bins for i in range(bins + 1)]
    xs = [lo, hi] + [m[0] for m in markers if lo - span <= m[0] <= hi + span]
    ax = _Axes((min(xs), max(xs)), (0.0, max(counts) * 1.1), unit, "")
    body = ax.draw(xlabel, "draws")
    for c, a, b in zip(counts, edges, edges[1:]):
        if c:
            x0, x1, y = ax.px(a), ax.px(b), ax.py(c)
            body.append(f"<rect x='{x0:.1f}' y='{y:.1f}' width='{max(x1 - x0 - 1, 1):.1f}' "
                        f"height='{ax.py(0) - y:.1f}' fill='#4e79a7'><title>{escape(fmt(a, unit))} to "
                        f"{escape(fmt(b, unit))}: {c} draws</title></rect>")
    for value, label, colour in markers:
        body += ax.vline(value, label, colour)
    return _svg(body, xlabel, standalone)


def gantt_svg(plan: Plan, deadline: float, standalone: bool = False) -> str:
    """One row per purchase or reservation (order to delivery, then held to its end day), per segment of
    the first run (coloured by source) and per later run of a program (its first to last day)."""
    rows: list[tuple[str, float, float, str, str]] = []  # label, start, end, colour, tooltip
    for p in plan.procurement:
        rows.append((f"{p.action} {p.quantity_nodes} x {p.item}", p.order_by_day, p.delivery_day, "#bab0ac",
                     f"order day {p.order_by_day:.0f}, delivered day {p.delivery_day:.0f}, "
                     f"first use day {p.first_use_day:.0f}"))
        rows.append((f"held: {p.item}", p.delivery_day, p.end_day, "#e7e1dc",
                     f"held from day {p.delivery_day:.0f} to day {p.end_day:.0f}, paid for idle or not"))
    for st in plan.stages:
        for s in st.segments:
            rows.append((f"{st.name}: {s.nodes} × {s.gpus // max(s.nodes, 1)} {s.chip} {s.source.replace('_', '-')}",
                         s.start_day, s.end_day, SOURCE_COLOURS[s.source],
                         f"{s.offer}, {at(s.start_day)} to {at(s.end_day)}, {s.fraction:.0%} of {st.name}"))
    schedule = "the later runs' shared schedule" if plan.later_stages else "the first run's schedule"
    for r in plan.runs[1:]:
        rows.append((f"run {r.run}", r.start_day, r.end_day, "#4e79a7",
                     f"run {r.run}: {at(r.start_day)} to {at(r.end_day)} (deadline day {r.deadline_day:.0f}), "
                     f"{schedule} in its window from day {r.window_start_day:.0f}"))
    row_h, label_w = 26, 250
    height = TOP + row_h * len(rows) + BOTTOM
    end = max([deadline] + [r[2] for r in rows])
    ticks = nice_ticks(0.0, end)
    scale = (WIDTH - label_w - RIGHT) / ticks[-1]
    body = []
    for t in ticks:
        x = label_w + t * scale
        body.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{TOP}' y2='{height - BOTTOM}' stroke='#eee'/>"
                    f"<text x='{x:.1f}' y='{height - BOTTOM + 16}' text-anchor='middle'>"
                    f"{escape(fmt(t, 'days'))}</text>")
    for i, (label, a, b, colour, tip) in enumerate(rows):
        y = TOP + i * row_h
        shown = label if len(label) <= 38 else label[:37] + "…"
        body.append(f"<text x='{label_w - 8}' y='{y + 17}' text-anchor='end'><title>{escape(label)}</title>"
                    f"{escape(shown)}</text>")
        body.append(f"<rect x='{label_w + a * scale:.1f}' y='{y + 5}' width='{max((b - a) * scale, 2):.1f}' "
                    f"height='{row_h - 10}' rx='3' fill='{colour}'><title>{escape(tip)}</title></rect>")
    x = label_w + deadline * scale
    body.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{TOP - 8}' y2='{height - BOTTOM}' stroke='#c0392b' "
                f"stroke-dasharray='5 4'/><text x='{x - 4:.1f}' y='{TOP - 12}' text-anchor='end' fill='#c0392b'>"
                f"deadline day {deadline:g}</text>")
    body.append(f"<text x='{(label_w + WIDTH - RIGHT) / 2}' y='{height - 12}' text-anchor='middle'>day</text>")
    return _svg(body, f"{plan.scenario.name}: schedule", standalone, height)
