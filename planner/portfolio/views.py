"""Views of a PortfolioPlan: the text schedule, a CSV of the procurement lines (for a procurement
system), and an HTML page with a capacity-over-time chart stacked by project (the report's CSS and
axes)."""

from __future__ import annotations

import csv
import io
from html import escape

from planner.portfolio.results import PoolLine, PortfolioPlan
from planner.report.html import CSS
from planner.report.svg import LEFT, TOP, _Axes, _svg
from planner.units import at

PROJECT_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
                   "#9c755f", "#bab0ac")
CSV_FIELDS = ("item", "action", "what", "chip", "vendor", "quantity_nodes", "order_day", "delivery_day",
              "payment_day", "end_day", "list_price_usd", "end_value_usd", "charged_usd", "used_by",
              "node_days_used", "node_days_held", "utilisation")


def _usd(x: float | None) -> str:
    return "-" if x is None else f"${x:,.0f}"


def procurement_csv(result: PortfolioPlan) -> str:
    """One row per pool to order or reserve; used_by joined with ';'. Cells starting with a spreadsheet
    formula character are prefixed with ' (as catalog list does)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for line in result.procurement:
        row = [";".join(line.used_by) if f == "used_by" else getattr(line, f) for f in CSV_FIELDS]
        writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    return out.getvalue()


def text(result: PortfolioPlan) -> str:
    lines = [f"Portfolio {result.name}: {len(result.projects)} projects; status {result.status}"
             + (f" (gap {result.gap:.2%})" if result.gap is not None else "") + f"; solver {result.solver}"]
    if result.total_cost_usd is None:
        return "\n".join(lines + ["No plan meets every project's deadline and the budgets."])
    lines.append(f"Total cost {_usd(result.total_cost_usd)} to day {result.horizon_day:,.0f} "
                 f"({_usd(result.cost_breakdown_usd.get('pools', 0.0))} of it the shared capacity)")
    for c in result.comparisons:
        words = {"rent_everything": "renting everything", "own_everything": "owning everything"}[c.sourcing]
        lines.append(f"  vs {words}: " + ("no such plan" if c.total_cost_usd is None else
                                         f"{_usd(c.total_cost_usd)} (saves {_usd(c.saving_usd)})"))
    lines += ["", "Procurement schedule:"]
    if not result.procurement:
        lines.append("  nothing to order or reserve: every project rents")
    for p in result.procurement:
        lines.append(f"  day {p.order_day:g}: {p.action} {p.quantity_nodes} × {p.what} ({p.chip}, {p.vendor}), "
                     f"{_dates(p)}; list {_usd(p.list_price_usd)}, charged {_usd(p.charged_usd)}; "
                     f"for {', '.join(p.used_by)}; {p.utilisation:.0%} busy")
    lines += ["", "Projects:"]
    rows = [["project", "window", "path", "runs on", "first run ends", "own cost"]]
    for pr in result.projects:
        plan = pr.plan
        sources = sorted({f"{s.source} {s.chip}" for st in plan.stages for s in st.segments})
        runs = plan.scenario.program.get("runs", 1)
        rows.append([pr.name, f"day {pr.start_day:g}–{pr.deadline_day:g}", f"{plan.path.kind} {plan.path.id}"
                     + (f" ×{runs} runs" if runs > 1 else ""), ", ".join(sources) or "-",
                     at(pr.end_day) + (f" ({pr.late_days:.1f} d late)" if pr.late_days > 1e-6 else ""),
                     _usd(pr.own_cost_usd)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines += ["  " + "  ".join(x.ljust(w) for x, w in zip(r, widths)).rstrip() for r in rows]
    if result.what_if:
        lines += ["", "What changes the answer:"]
        lines += [f"  {w.change}: {_usd(w.total_cost_usd)}; {w.note}" for w in result.what_if]
    return "\n".join(lines)


def _dates(p: PoolLine) -> str:
    if p.action == "reserve":
        return f"term day 0–{p.end_day:,.0f}, fee paid day 0"
    return f"delivered day {p.delivery_day:g}, paid day {p.payment_day:g}, held to day {p.end_day:,.0f}"


def capacity_svg(result: PortfolioPlan) -> str:
    """Nodes in use on bought and reserved pools over time, stacked by project (steps at every segment
    start and end), with the nodes held as a line."""
    events = sorted({d for u in result.pool_use for d in (u.start_day, u.end_day)} | {0.0, result.horizon_day})
    names = [p.name for p in result.projects if any(u.project == p.name for u in result.pool_use)]
    held = [(p.delivery_day, p.end_day, p.quantity_nodes) for p in result.procurement]
    peak_held = max((sum(n for a, b, n in held if a <= t < b) for t in events), default=1)
    ax = _Axes((0.0, result.horizon_day), (0.0, max(peak_held, 1) * 1.25), "days", "")  # room for the legend
    body = ax.draw("day", "nodes")
    colours = {n: PROJECT_COLOURS[i % len(PROJECT_COLOURS)] for i, n in enumerate(names)}
    for left, right in zip(events, events[1:]):
        base = 0.0
        for name in names:
            n = sum(u.nodes for u in result.pool_use if u.project == name and u.start_day <= left < u.end_day)
            if n:
                x, w = ax.px(left), max(ax.px(right) - ax.px(left), 0.5)
                y = ax.py(base + n)
                body.append(f"<rect x='{x:.1f}' y='{y:.1f}' width='{w:.1f}' height='{ax.py(base) - y:.1f}' "
                            f"fill='{colours[name]}'><title>{escape(name)}: {n} nodes, day {left:.0f}–{right:.0f}"
                            "</title></rect>")
                base += n
    level = [sum(n for a, b, n in held if a <= t < b) for t in events]
    steps = [(events[0], level[0])] + [p for t, before, now in zip(events[1:], level, level[1:])
                                       for p in ((t, before), (t, now))]
    points = " ".join(f"{ax.px(t):.1f},{ax.py(n):.1f}" for t, n in steps)
    body.append(f"<polyline points='{points}' fill='none' stroke='#222' stroke-dasharray='4 3'>"
                "<title>nodes held (bought or reserved)</title></polyline>")
    for i, name in enumerate(names):
        x = LEFT + 10 + (i % 5) * 130
        y = TOP + 4 + (i // 5) * 14
        body.append(f"<rect x='{x}' y='{y}' width='10' height='10' fill='{colours[name]}'/>"
                    f"<text x='{x + 14}' y='{y + 9}'>{escape(name[:16])}</text>")
    return _svg(body, "Capacity in use over time, by project", standalone=False)


def html(result: PortfolioPlan) -> str:
    title = f"Portfolio {result.name}"
    parts = [f"<h1>{escape(title)}</h1>",
             f"<p class='sub'>status {escape(result.status)}; total "
             f"<span data-field='total_cost_usd' data-value='{result.total_cost_usd!r}'>"
             f"{_usd(result.total_cost_usd)}</span></p>"]
    if result.comparisons:
        parts.append("<ul>" + "".join(
            f"<li>{escape(c.sourcing.replace('_', ' '))}: {_usd(c.total_cost_usd)}"
            f"{'' if c.saving_usd is None else f' (saves {_usd(c.saving_usd)})'}</li>" for c in result.comparisons)
            + "</ul>")
    parts += ["<h2>Capacity over time</h2>", capacity_svg(result), "<h2>Procurement schedule</h2><table><tr>"
              + "".join(f"<th>{escape(f)}</th>" for f in ("order day", "action", "nodes", "what", "delivery",
                                                            "held to", "list price", "charged", "for", "busy"))
              + "</tr>"]
    for p in result.procurement:
        parts.append(f"<tr><td class='n'>{p.order_day:g}</td><td>{p.action}</td><td class='n'>{p.quantity_nodes}</td>"
                     f"<td>{escape(p.what)}</td><td class='n'>{p.delivery_day:g}</td><td class='n'>{p.end_day:,.0f}</td>"
                     f"<td class='n'>{_usd(p.list_price_usd)}</td><td class='n'>{_usd(p.charged_usd)}</td>"
                     f"<td>{escape(', '.join(p.used_by))}</td><td class='n'>{p.utilisation:.0%}</td></tr>")
    parts.append("</table><h2>Projects</h2><table><tr><th>project</th><th>window</th><th>path</th>"
                 "<th>first run ends</th><th>own cost</th></tr>")
    for pr in result.projects:
        parts.append(f"<tr><td>{escape(pr.name)}</td><td>day {pr.start_day:g}–{pr.deadline_day:g}</td>"
                     f"<td>{escape(pr.plan.path.id)}</td><td class='n'>{at(pr.end_day)}</td>"
                     f"<td class='n'>{_usd(pr.own_cost_usd)}</td></tr>")
    parts.append("</table>")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>" + "\n".join(parts) + "</body></html>")
