"""Views of a Plan: terminal table, JSON and Markdown. Pure functions of the Plan; no solving here."""

from __future__ import annotations

from planner.files import write_atomic  # noqa: F401  (the views' writer; its rules are in planner.files)
from planner.results import Plan
from planner.units import at, ends, target_words


def render(plan: Plan, fmt: str) -> str:
    if fmt == "json":
        return plan.model_dump_json(indent=2)
    if fmt == "markdown":
        return markdown(plan)
    return table(plan)


def _num(x: float) -> str:
    """One decimal, or two significant digits below 0.1, so a job of minutes does not read '0.0'."""
    return f"{x:,.1f}" if x == 0 or abs(x) >= 0.1 else f"{x:.2g}"


def _usd(x: float | None) -> str:
    return "-" if x is None else f"${x:,.0f}"


def _rows(plan: Plan, later: bool = False) -> list[list[str]]:
    """Segment rows of the first run's stages (later: of the schedule runs 2..R share)."""
    rows = []
    for st in plan.later_stages if later else plan.stages:
        for seg in st.segments:
            rows.append([st.name, seg.source, seg.provider, seg.offer, seg.chip,
                         f"{seg.nodes} × {seg.gpus // max(seg.nodes, 1)}", at(seg.start_day), at(seg.end_day),
                         f"{seg.fraction:.0%}", _usd(seg.cost_usd)])
    return rows


NO_TRAINING = "No training: the open weights are used as released (their serving is in the cost)."
SEGMENT_HEADER = ["stage", "source", "provider", "offer", "chip", "nodes × GPUs", "starts", "ends", "share", "cost per run"]
RUN_HEADER = ["run", "window opens", "deadline", "start day", "end day", "FLOPs", "MWh", "cost"]


def _later_heading(plan: Plan) -> str:
    step = plan.runs[2].window_start_day - plan.runs[1].window_start_day if len(plan.runs) > 2 else None
    moved = f"; run r is (r − 2) × {step:g} days later" if step else ""
    return f"Runs 2-{len(plan.runs)} share this schedule (run 2's dates{moved})"


def _runs_words(plan: Plan) -> str:
    if plan.later_stages:
        return f"run 1 on the first schedule above, runs 2-{len(plan.runs)} on the shared one, each in its own window"
    return "each repeating the schedule above in its own window"


def _run_rows(plan: Plan) -> list[list[str]]:
    return [[str(r.run), f"{r.window_start_day:,.1f}", f"{r.deadline_day:,.1f}", f"{r.start_day:,.1f}",
             f"{r.end_day:,.1f}", f"{r.flops:.3g}", _num(r.energy_mwh), _usd(r.cost_usd)] for r in plan.runs]


def _procurement_line(x) -> str:
    if x.action == "reserve":
        return (f"reserve {x.quantity_nodes} x {x.item} from {x.vendor}: whole-term fee {_usd(x.unit_price_usd)} per "
                f"node paid day {x.payment_day:g}, term to day {x.end_day:,.0f} (first use day {_num(x.first_use_day)}); "
                f"net {_usd(x.charged_usd)}")
    sale = "resale" if x.end_value_usd and x.capital_usd < x.quantity_nodes * x.unit_price_usd else "value"
    other = f" - other use {_usd(-x.other_use_usd)}" if x.other_use_usd else ""
    return (f"buy {x.quantity_nodes} x {x.item} from {x.vendor} at {_usd(x.unit_price_usd)} list each: order day "
            f"{x.order_by_day:g}, delivery day {x.delivery_day:g}, paid day {x.payment_day:g}, first use day "
            f"{_num(x.first_use_day)}, {sale} day {x.end_day:,.0f} at {_usd(x.end_value_usd)}; net "
            f"{_usd(x.charged_usd)} = capital {_usd(x.capital_usd)} + financing {_usd(x.financing_usd)} + hosting "
            f"{_usd(x.hosting_usd)}{other}")


def _grid(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _headline(plan: Plan) -> list[str]:
    sc = plan.scenario
    lines = [f"Scenario {sc.name}: objective {plan.objective}, deadline {sc.deadline_days:g} days, "
             f"budget {_usd(sc.budget_usd) if sc.budget_usd else 'none'}, target "
             f"{target_words(sc.target, sc.target_loss)}"]
    status = plan.status
    if plan.status == "feasible":
        status += (f" (not proven optimal: within {plan.gap:.2%} of the best bound)" if plan.gap is not None
                   else " (not proven optimal: stopped before the solver bounded the gap)")
    lines.append(f"Status: {status}  solver: {plan.solver}")
    return lines


def table(plan: Plan) -> str:
    out = _headline(plan)
    if plan.status == "infeasible":
        out.append(plan.diagnosis.message if plan.diagnosis else "No plan exists.")
        return "\n".join(out)
    p = plan.path
    out.append(f"Path: {p.kind} ({p.id}) params {p.params:.3g}, tokens {p.tokens:.3g}"
               + (f", base {p.base}" if p.base else "") + (f", teacher {p.teacher}" if p.teacher else ""))
    out.append(f"Total cost {_usd(plan.total_cost_usd)}; predicted loss {plan.predicted_loss:.4f}; "
               f"ends {ends(plan.end_day)}; energy {_num(plan.energy_mwh)} MWh; {_num(plan.tco2e)} tCO2e")
    out += ["", _grid(SEGMENT_HEADER, _rows(plan)) if plan.stages else NO_TRAINING]
    out += [f"  waits for {d.name} (from day {d.start_day:g}), ready {at(d.end_day)}, before {d.feeds}"
            for d in plan.data_steps]
    if plan.later_stages:
        out += ["", _later_heading(plan) + ":", _grid(SEGMENT_HEADER, _rows(plan, later=True))]
    if len(plan.runs) > 1:
        out += ["", f"Runs ({len(plan.runs)}, {_runs_words(plan)}):", _grid(RUN_HEADER, _run_rows(plan))]
    out += ["", "Cost breakdown:"]
    out += [f"  {k:<16} {_usd(v)}" for k, v in plan.cost_breakdown_usd.items() if abs(v) >= 0.5]
    if plan.procurement:
        out += ["", "Procurement:"] + [f"  {_procurement_line(x)}" for x in plan.procurement]
    if plan.explanations:
        out += ["", "Why:"] + [f"  - {e}" for e in plan.explanations]
    if plan.alternatives:
        from planner.alternatives import table as alternatives

        out += ["", "Alternatives (cheapest first; * = chosen; Δ = cost above it, USD):"]
        out += ["  " + row for row in alternatives(plan.alternatives)]
    return "\n".join(out)


def markdown(plan: Plan) -> str:
    out = [f"# Plan for {plan.scenario.name}", ""] + [f"- {x}" for x in _headline(plan)] + [""]
    if plan.status == "infeasible":
        out.append(plan.diagnosis.message if plan.diagnosis else "No plan exists.")
        return "\n".join(out)
    p = plan.path
    out += [f"**Path**: {p.kind} (`{p.id}`), {p.params:.3g} params, {p.tokens:.3g} tokens", "",
            f"**Total cost**: {_usd(plan.total_cost_usd)} · **loss** {plan.predicted_loss:.4f} · "
            f"**ends** {ends(plan.end_day)} · {_num(plan.energy_mwh)} MWh · {_num(plan.tco2e)} tCO2e", "",
            "| " + " | ".join(SEGMENT_HEADER) + " |", "|" + "---|" * len(SEGMENT_HEADER)]
    out += ["| " + " | ".join(r) + " |" for r in _rows(plan)]
    out += ["", *[f"- waits for {d.name} (from day {d.start_day:g}), ready {at(d.end_day)}, before {d.feeds}"
                  for d in plan.data_steps]] if plan.data_steps else []
    if plan.later_stages:
        out += ["", f"## {_later_heading(plan)}", "", "| " + " | ".join(SEGMENT_HEADER) + " |",
                "|" + "---|" * len(SEGMENT_HEADER)]
        out += ["| " + " | ".join(r) + " |" for r in _rows(plan, later=True)]
    if len(plan.runs) > 1:
        out += ["", "## Runs", "", _runs_words(plan)[0].upper() + _runs_words(plan)[1:] + ".", "",
                "| " + " | ".join(RUN_HEADER) + " |", "|" + "---:|" * len(RUN_HEADER)]
        out += ["| " + " | ".join(r) + " |" for r in _run_rows(plan)]
    out += ["", "## Cost breakdown", "", "| item | USD |", "|---|---:|"]
    out += [f"| {k} | {v:,.0f} |" for k, v in plan.cost_breakdown_usd.items()]
    if plan.procurement:
        out += ["", "## Procurement", "", "| action | item | nodes | list price | vendor | order | delivery | paid | "
                "end day | end value | capital | financing | hosting | other use | net |",
                "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        out += [f"| {x.action} | {x.item} | {x.quantity_nodes} | {x.unit_price_usd:,.0f} | {x.vendor} | "
                f"{x.order_by_day:g} | {x.delivery_day:g} | {x.payment_day:g} | {x.end_day:,.0f} | "
                f"{x.end_value_usd:,.0f} | {x.capital_usd:,.0f} | {x.financing_usd:,.0f} | {x.hosting_usd:,.0f} | "
                f"{x.other_use_usd:,.0f} | {x.charged_usd:,.0f} |" for x in plan.procurement]
    if plan.explanations:
        out += ["", "## Why", ""] + [f"- {e}" for e in plan.explanations]
    if plan.alternatives:
        out += ["", "## Alternatives", "", "| | path | chip | provider/region | source | nodes × GPUs | ends | cost USD | Δ USD |",
                "|---|---|---|---|---|---:|---|---:|---:|"]
        out += [f"| {'✔' if a.kind == 'chosen' else ''} | {a.path_id} | {a.chip} | {a.provider}/{a.region} | {a.source or '-'} | "
                f"{a.nodes} × {a.gpus_per_node} | {ends(a.end_day) if a.segments else '-'} | {a.total_cost_usd:,.0f} | "
                f"{'-' if a.kind == 'chosen' else f'{a.delta_usd:+,.0f}'} |" for a in plan.alternatives]
    return "\n".join(out)
