"""The decision-maker's report: one self-contained HTML page (inline CSS and SVG, no script, no
external assets), viewable offline.

It shows the plan, its cost breakdown, a Gantt chart of stages and procurement, the deadline
frontier, the Monte Carlo risk, the sensitivity thresholds and break-even utilisation, and every
assumption with its source. It is a pure view: the caller computes the frontier, risk and
sensitivity (planner.tradeoffs) and passes them in; sections without data are left out.
Headline numbers carry `data-field` / `data-value` attributes holding the exact figures of the
plan's JSON, so a test can read them back from the rendered page.
"""

from __future__ import annotations

from html import escape

from planner.catalog import Catalog
from planner.results import Plan
from planner.report.svg import SOURCE_COLOURS, fmt, frontier_svg, gantt_svg, histogram_svg
from planner.units import at, ends, target_words
from planner.scenario import Scenario
from planner.tradeoffs.decision import summary
from planner.tradeoffs.frontier import Frontier
from planner.tradeoffs.risk import Risk, summary_line
from planner.tradeoffs.sensitivity import BreakEven, Sensitivity

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1000px;padding:24px;color:#222;
line-height:1.45}
h1{margin:0 0 4px}h2{margin-top:36px;border-bottom:2px solid #4e79a7;padding-bottom:4px}
.sub{color:#666}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:130px}
.card b{display:block;font-size:1.35em}.card span.k{color:#666;font-size:.85em}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:.92em}
th,td{border-bottom:1px solid #e5e5e5;padding:4px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{background:#4e79a7;height:10px;display:inline-block;border-radius:2px}
.bad{color:#c0392b}.ok{color:#2e7d32}.muted{color:#888}
svg{max-width:100%;height:auto}details{font-size:.85em;color:#444}
.key{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px}
"""


def html_report(plan: Plan, scenario: Scenario, catalog: Catalog, frontier: Frontier | None = None,
                risk: Risk | None = None, sensitivity: Sensitivity | None = None,
                breakeven: list[BreakEven] | None = None) -> str:
    """The whole page as one string."""
    title = f"Plan for {plan.scenario.name}"
    parts = [f"<h1>{escape(title)}</h1>", f"<p class='sub'>{escape(scenario.description)}</p>", _headline(plan)]
    if plan.status != "infeasible":
        parts += [_plan_section(plan), _costs(plan), _schedule(plan, catalog)]
    if frontier is not None:
        parts.append(_frontier(frontier))
    if risk is not None:
        parts.append(_risk(risk))
    if sensitivity is not None or breakeven:
        parts.append(_sensitivity(sensitivity, sensitivity.breakeven if sensitivity else breakeven))
    shown_elsewhere = {t.message for t in sensitivity.thresholds} if sensitivity else set()
    shown_elsewhere |= {summary_line(risk)} if risk else set()
    why = [e for e in plan.explanations if e not in shown_elsewhere]
    if why:
        parts.append("<h2 id='why'>Why this plan</h2><ul>" + "".join(f"<li>{escape(e)}</li>" for e in why) + "</ul>")
    if plan.alternatives:
        parts.append(_alternatives(plan))
    parts.append(_assumptions(plan, scenario, catalog, risk))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>" + "\n".join(parts) + "</body></html>")


def _num(field: str, value: float | None, text: str) -> str:
    """A figure with its exact value in data attributes (repr round-trips the float)."""
    if value is None:
        return f"<span data-field='{escape(field)}'>{escape(text)}</span>"
    return f"<span data-field='{escape(field)}' data-value='{value!r}'>{escape(text)}</span>"


def _card(label: str, body: str) -> str:
    return f"<div class='card'><span class='k'>{escape(label)}</span><b>{body}</b></div>"


def _headline(plan: Plan) -> str:
    sc = plan.scenario
    bounds = (f"deadline day {sc.deadline_days:g} · budget {fmt(sc.budget_usd, 'usd') if sc.budget_usd else 'none'}"
              f" · target {target_words(sc.target, sc.target_loss)} · objective "
              f"{plan.objective} · solver {plan.solver}")
    status = f"<span data-field='status' class='{'bad' if plan.status == 'infeasible' else 'ok'}'>{plan.status}</span>"
    out = [f"<p>{status} · {escape(bounds)}</p>"]
    if plan.status == "infeasible":
        out.append(f"<p class='bad'>{escape(plan.diagnosis.message if plan.diagnosis else 'No plan exists.')}</p>")
        return "\n".join(out)
    cards = [
        _card("total cost", _num("total_cost_usd", plan.total_cost_usd, f"${plan.total_cost_usd:,.0f}")),
        _card("finishes", _num("end_day", plan.end_day, ends(plan.end_day))),
        _card("predicted loss", _num("predicted_loss", plan.predicted_loss, f"{plan.predicted_loss:.4f}")),
        _card("energy", _num("energy_mwh", plan.energy_mwh, f"{plan.energy_mwh:,.1f} MWh")),
        _card("emissions", _num("tco2e", plan.tco2e, f"{plan.tco2e:,.1f} tCO2e")),
    ]
    return "\n".join(out) + "<div class='cards'>" + "".join(cards) + "</div>"


def _plan_section(plan: Plan) -> str:
    p = plan.path
    extra = "".join(f", {k} {escape(v)}" for k, v in (("base", p.base), ("teacher", p.teacher)) if v)
    head = (f"<h2 id='plan'>The plan</h2><p>Path <b>{escape(p.kind)}</b> <code>{escape(p.id)}</code>: "
            f"{p.params:.3g} parameters, {p.tokens:.3g} tokens{extra}; {p.unique_tokens_bought:.3g} unique tokens "
            "bought.</p>")
    rows = []
    for later, st in [("", st) for st in plan.stages] + [("runs 2+: ", st) for st in plan.later_stages]:
        for s in st.segments:
            rows.append(f"<tr><td>{later}{escape(st.name)}</td><td><span class='key' style='background:"
                        f"{SOURCE_COLOURS[s.source]}'></span>{escape(s.source)}</td><td>{escape(s.provider)}</td>"
                        f"<td><code>{escape(s.offer)}</code></td><td>{escape(s.chip)}</td>"
                        f"<td class='n'>{s.nodes} × {s.gpus // max(s.nodes, 1)}</td>"
                        f"<td class='n'>{at(s.start_day)}</td>"
                        f"<td class='n'>{at(s.end_day)}</td><td class='n'>{s.fraction:.0%}</td>"
                        f"<td class='n'>${s.cost_usd:,.0f}</td></tr>")
    return head + ("<table><tr><th>stage</th><th>source</th><th>provider</th><th>offer</th><th>chip</th>"
                   "<th class='n'>nodes × GPUs</th><th class='n'>starts</th><th class='n'>ends</th>"
                   "<th class='n'>share</th><th class='n'>cost</th></tr>" + "".join(rows) + "</table>")


def _alternatives(plan: Plan) -> str:
    """The chosen plan beside the best on other paths and sourced the other way (✔ = chosen)."""
    rows = "".join(
        f"<tr><td>{'✔' if a.kind == 'chosen' else ''}</td><td><code>{escape(a.path_id)}</code></td>"
        f"<td>{escape(a.chip)}</td><td>{escape(a.provider)}/{escape(a.region)}</td><td>{escape(a.source or '-')}</td>"
        f"<td class='n'>{a.nodes} × {a.gpus_per_node}</td><td class='n'>{ends(a.end_day) if a.segments else '-'}</td>"
        f"<td class='n'>${a.total_cost_usd:,.0f}</td>"
        f"<td class='n'>{'-' if a.kind == 'chosen' else f'{a.delta_usd:+,.0f}'}</td></tr>" for a in plan.alternatives)
    return ("<h2 id='alternatives'>Alternatives</h2><table><tr><th></th><th>path</th><th>chip</th>"
            "<th>provider/region</th><th>source</th><th class='n'>nodes × GPUs</th><th class='n'>ends</th>"
            "<th class='n'>cost</th><th class='n'>Δ USD</th></tr>" + rows + "</table>")


def _costs(plan: Plan) -> str:
    items = [(k, v) for k, v in plan.cost_breakdown_usd.items() if abs(v) >= 0.005]
    top = max([abs(v) for _, v in items] or [1.0])
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td class='n'>{_num(f'cost_breakdown_usd.{k}', v, f'${v:,.0f}')}</td>"
        f"<td><span class='bar' style='width:{max(abs(v) / top * 300, 1):.0f}px'></span> "
        f"{v / plan.total_cost_usd:.1%}</td></tr>" for k, v in items) if plan.total_cost_usd else ""
    return ("<h2 id='costs'>Cost breakdown</h2><table><tr><th>item</th><th class='n'>USD</th><th>share</th></tr>" + rows
            + f"<tr><th>total</th><th class='n'>${plan.total_cost_usd:,.0f}</th><th></th></tr></table>")


def _schedule(plan: Plan, catalog: Catalog) -> str:
    out = ["<h2 id='schedule'>Schedule and procurement</h2>",
           gantt_svg(plan, plan.runs[-1].deadline_day if plan.runs else plan.scenario.deadline_days),
           "<p>" + "".join(f"<span class='key' style='background:{c}'></span>{escape(s)}"
                           for s, c in SOURCE_COLOURS.items()) + "<span class='key' style='background:#bab0ac'></span>"
           "order to delivery</p>"]
    if plan.procurement:
        head = ["action", "item", "vendor", "nodes", "list price each", "order day", "delivery day", "payment day",
                "first use day", "end day", "end value", "capital", "financing", "hosting", "other use", "net cost"]
        out.append("<table><tr>" + "".join(f"<th>{h}</th>" if i < 3 else f"<th class='n'>{h}</th>"
                                           for i, h in enumerate(head)) + "</tr>" + "".join(
            f"<tr><td>{p.action}</td><td><code>{escape(p.item)}</code></td><td>{escape(p.vendor)}</td>"
            f"<td class='n'>{p.quantity_nodes}</td><td class='n'>${p.unit_price_usd:,.0f}</td>"
            + "".join(f"<td class='n'>{d:,.0f}</td>" for d in (p.order_by_day, p.delivery_day, p.payment_day,
                                                              p.first_use_day, p.end_day))
            + "".join(f"<td class='n'>${v:,.0f}</td>" for v in (p.end_value_usd, p.capital_usd, p.financing_usd,
                                                               p.hosting_usd, p.other_use_usd, p.charged_usd))
            + "</tr>" for p in plan.procurement) + "</table>")
    if len(plan.runs) > 1:
        out.append("<table><tr><th>run</th>" + "".join(f"<th class='n'>{h}</th>" for h in (
            "window opens", "deadline", "start day", "end day", "FLOPs", "MWh", "cost")) + "</tr>" + "".join(
            f"<tr><td>{r.run}</td><td class='n'>{r.window_start_day:,.1f}</td><td class='n'>{r.deadline_day:,.1f}</td>"
            f"<td class='n'>{r.start_day:,.1f}</td><td class='n'>{r.end_day:,.1f}</td><td class='n'>{r.flops:.3g}</td>"
            f"<td class='n'>{r.energy_mwh:,.1f}</td><td class='n'>${r.cost_usd:,.0f}</td></tr>" for r in plan.runs)
            + "</table>")
    return "\n".join(out)


def _frontier(fr: Frontier) -> str:
    yunit = "loss" if fr.objective == "quality" else "usd"
    rows = "".join(
        f"<tr class='{'muted' if p.dominated else ''}'><td class='n'>{escape(fmt(p.value, _xunit(fr)))}</td>"
        f"<td class='n'>{escape('-' if getattr(p, fr.outcome) is None else fmt(getattr(p, fr.outcome), yunit))}</td>"
        f"<td class='n'>{'-' if p.end_day is None else at(p.end_day)}</td>"
        f"<td>{'dominated' if p.dominated else ('no plan' if p.status == 'infeasible' else 'frontier')}"
        f"{' (over budget)' if fr.over_budget(p) else ''}</td>"
        f"<td>{escape(p.summary)}</td></tr>" for p in fr.points)
    return (f"<h2 id='frontier'>Trade-off: {'loss' if yunit == 'loss' else 'cost'} against {fr.vary}</h2>"
            "<p>Each point is the scenario re-planned with that bound. Hollow points are dominated (a more demanding "
            "bound does as well), crosses have no plan.</p>" + frontier_svg(fr)
            + f"<table><tr><th class='n'>{fr.vary}</th><th class='n'>{'loss' if yunit == 'loss' else 'cost'}</th>"
              "<th class='n'>ends</th><th>status</th><th>plan</th></tr>" + rows + "</table>")


def _xunit(fr: Frontier) -> str:
    return {"deadline": "days", "budget": "usd", "target": "loss"}[fr.vary]


def _risk(r: Risk) -> str:
    over = "no budget" if r.p_over_budget is None else f"{r.p_over_budget:.0%}"
    cards = "".join([
        _card("chance of missing the deadline", _num("p_miss_deadline", r.p_miss_deadline, f"{r.p_miss_deadline:.0%}")),
        _card("chance of exceeding the budget", _num("p_over_budget", r.p_over_budget, over)),
        _card("cost P50 / P90", escape(f"{fmt(r.cost_usd.p50, 'usd')} / {fmt(r.cost_usd.p90, 'usd')}")),
        _card("finish P50 / P90", escape(f"day {r.end_day.p50:,.1f} / {r.end_day.p90:,.1f}")),
    ])
    cost_marks = [(r.plan_cost_usd, "plan", "#555"), (r.cost_usd.p90, "P90", "#f28e2b")]
    cost_marks += [(r.budget_usd, "budget", "#c0392b")] if r.budget_usd else []
    end_marks = [(r.plan_end_day, "plan", "#555"), (r.end_day.p90, "P90", "#f28e2b"),
                 (r.last_deadline_day, "deadline" if r.last_deadline_day == r.deadline_days else "last deadline", "#c0392b")]
    return (f"<h2 id='risk'>Risk</h2><p>{r.draws} Monte Carlo draws (seed {r.seed}) of MFU, failure rate, cloud "
            "prices, electricity and lead times, with the plan's decisions held fixed (sources below).</p>"
            f"<div class='cards'>{cards}</div>"
            + histogram_svg(r.costs_usd, "usd", "total cost (USD)", cost_marks)
            + histogram_svg(r.end_days, "days", "finish day", end_marks))


def _sensitivity(s: Sensitivity | None, breakeven: list[BreakEven] | None) -> str:
    out = ["<h2 id='sensitivity'>Sensitivity and break-even</h2>"]
    if s is not None:
        out.append(f"<p>The decision: {escape(s.decision)}. Each input moved alone until the decision changes "
                   f"({s.solves} re-plans).</p><ul>")
        out += [f"<li class='{'' if t.changes_at else 'muted'}'>{escape(t.message)}</li>" for t in s.thresholds]
        out.append("</ul>")
    if breakeven:
        out.append("<table><tr><th>server</th><th>chip</th><th class='n'>rent per node-hour</th>"
                   "<th class='n'>owning one node, idle, days held</th><th class='n'>break-even utilisation</th>"
                   "<th class='n'>this plan's utilisation</th></tr>" + "".join(
                       f"<tr><td>{escape(b.hardware)}</td><td>{escape(b.chip)}</td>"
                       f"<td class='n'>{_usd_or_dash(b.rent_usd_per_node_hour)}</td>"
                       f"<td class='n'>{_usd_or_dash(b.holding_usd_per_node)}"
                       f"{'' if b.held_days is None else f', {b.held_days:,.0f} days'}</td>"
                       f"<td class='n'>{_breakeven_text(b)}</td>"
                       f"<td class='n'>{'-' if b.plan_utilisation is None else f'{b.plan_utilisation:.0%}'}</td></tr>"
                       for b in breakeven) + "</table>")
    return "\n".join(out)


def _usd_or_dash(x: float | None) -> str:
    return "-" if x is None else f"${x:,.2f}"


def _breakeven_text(b: BreakEven) -> str:
    if b.rent_usd_per_node_hour is None:
        return "no rental to compare"
    return "never" if b.utilisation is None or b.utilisation > 1 else f"{b.utilisation:.0%}"


def _source(row) -> str:
    return f"<details><summary>{escape(row.as_of)}</summary>{escape(row.source)}</details>"


def _assumptions(plan: Plan, scenario: Scenario, catalog: Catalog, risk: Risk | None) -> str:
    segs = [s for _, s, _ in plan.all_segments()]
    offers = {s.offer for s in segs if s.offer in catalog.offers}
    offers |= {p.item for p in plan.procurement if p.action == "reserve" and p.item in catalog.offers}
    hardware = {s.offer.split(":", 1)[1].split("@")[0] for s in segs if s.source in ("owned", "held")}
    sites = {s.offer.split("@")[1] for s in segs if s.source in ("owned", "held")}
    sites |= {catalog.offers[o].site for o in offers}
    chips = {s.chip for s in segs}
    models = {m for m in (plan.path.base, plan.path.teacher) if m} if plan.path else set()
    inputs = (("deadline", f"{scenario.deadline_days:g} days"), ("budget", scenario.budget_usd or "none"),
              ("target", target_words(scenario.target.model_dump(exclude_none=True), plan.scenario.target_loss)),
              ("program runs", scenario.program.runs), ("staff", f"${scenario.staff_usd_per_month:,.0f} per month"),
              ("hardware accounting", scenario.ownership.accounting), ("precision", scenario.policy.precision))
    out = ["<h2 id='assumptions'>Assumptions and sources</h2><table><tr><th>scenario input</th><th>value</th></tr>"
           + "".join(f"<tr><td>{escape(k)}</td><td>{escape(str(v))}</td></tr>" for k, v in inputs) + "</table>"]
    tables = [
        ("Cloud offers", ["offer", "provider", "chip", "on-demand $/GPU-h", "spot $/GPU-h"], [
            (o.offer_id, o.provider, o.chip, f"{o.on_demand_usd_per_gpu_hour:.2f}",
             "-" if o.spot_usd_per_gpu_hour is None else f"{o.spot_usd_per_gpu_hour:.2f}", o)
            for o in (catalog.offers[k] for k in sorted(offers))]),
        ("Servers", ["server", "chip", "capex per node", "lead time", "life"], [
            (h.id, h.accelerator, f"${h.capex_usd_per_node:,.0f}", f"{h.lead_time_days:g} days",
             f"{h.life_years:g} years", h) for h in (catalog.hardware[k] for k in sorted(hardware))]),
        ("Chips", ["chip", "vendor", "bf16 TFLOPS", "memory GB", "power W"], [
            (c.id, c.vendor, f"{c.bf16_tflops:g}", f"{c.memory_gb:g}", f"{c.power_w:.0f}", c)
            for c in (catalog.chips[k] for k in sorted(chips))]),
        ("Sites", ["site", "country", "electricity $/kWh", "PUE", "gCO2/kWh"], [
            (s.id, s.country, f"{s.electricity_usd_per_kwh:.4f}", f"{s.pue:g}", f"{s.carbon_g_per_kwh:g}", s)
            for s in (catalog.sites[k] for k in sorted(sites))]),
        ("Open models", ["model", "params", "tokens", "licence", ""], [
            (m.id, f"{m.params_total:.3g}", f"{m.training_tokens or 0:.3g}", m.licence, "", m)
            for m in (catalog.models[k] for k in sorted(models))]),
    ]
    for name, header, rows in tables:
        if rows:
            out.append(f"<h3>{name}</h3><table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in header)
                       + "<th>source (as of)</th></tr>" + "".join(
                           "<tr>" + "".join(f"<td>{escape(str(x))}</td>" for x in r[:-1])
                           + f"<td>{_source(r[-1])}</td></tr>"
                           for r in rows) + "</table>")
    out.append("<h3>Compute model</h3><p>MFU by chip family calibrated on published runs, a 1% loss per doubling "
               "of nodes, goodput from 3.8 failures per 1,000 node-days with Young/Daly checkpointing "
               "(planner/compute, docs/fidelity.md).</p>")
    if risk is not None:
        out.append("<h3>Uncertain inputs (risk)</h3><table><tr><th>input</th><th>distribution (multiplier)</th>"
                   "<th>source</th></tr>" + "".join(
                       f"<tr><td>{escape(name)}</td><td>{escape(_dist(d))}</td><td>{escape(d.source)}</td></tr>"
                       for name, d in risk.inputs) + "</table>")
    out.append(f"<p class='muted'>Plan summary: {escape(summary(plan))}</p>")
    return "\n".join(out)


def _dist(d) -> str:
    if d.kind == "lognormal":
        return f"lognormal, median x{d.mode:g}, sigma {d.sigma:g}, clipped to x{d.low:.2f}-x{d.high:.2f}"
    return f"triangular x{d.low:g} / x{d.mode:g} / x{d.high:g}"
