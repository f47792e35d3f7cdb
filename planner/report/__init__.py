"""Views of a Plan: terminal table, JSON and Markdown. Pure functions of the Plan; no solving here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from planner.plan import Plan


def render(plan: Plan, fmt: str) -> str:
    if fmt == "json":
        return plan.model_dump_json(indent=2)
    if fmt == "markdown":
        return markdown(plan)
    return table(plan)


def write_atomic(path: str | Path, text: str) -> None:
    """Write UTF-8 text via a temporary file and rename, so a failure never leaves a half-written
    file; the file gets the usual permissions (0666 less the umask), not the temporary file's 0600."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _num(x: float) -> str:
    """One decimal, or two significant digits below 0.1, so a job of minutes does not read '0.0'."""
    return f"{x:,.1f}" if x == 0 or abs(x) >= 0.1 else f"{x:.2g}"


def _usd(x: float | None) -> str:
    return "-" if x is None else f"${x:,.0f}"


def _rows(plan: Plan) -> list[list[str]]:
    rows = []
    for st in plan.stages:
        for seg in st.segments:
            rows.append([st.name, seg.source, seg.provider, seg.offer, seg.chip, f"{seg.nodes} x{seg.gpus // max(seg.nodes, 1)}",
                         f"{seg.start_day:.1f}", f"{seg.end_day:.1f}", f"{seg.fraction:.0%}", _usd(seg.cost_usd)])
    return rows


NO_TRAINING = "No training: the open weights are used as released (their serving is in the cost)."
SEGMENT_HEADER = ["stage", "source", "provider", "offer", "chip", "nodes", "start day", "end day", "share", "cost"]


def _grid(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _headline(plan: Plan) -> list[str]:
    sc = plan.scenario
    lines = [f"Scenario {sc.name}: objective {plan.objective}, deadline {sc.deadline_days:g} days, "
             f"budget {_usd(sc.budget_usd) if sc.budget_usd else 'none'}, target loss "
             f"{'none' if sc.target_loss is None else f'{sc.target_loss:.4f}'}"]
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
               f"ends day {_num(plan.end_day)}; energy {_num(plan.energy_mwh)} MWh; {_num(plan.tco2e)} tCO2e")
    table = _grid(SEGMENT_HEADER, _rows(plan)) if plan.stages else NO_TRAINING
    out += ["", table, "", "Cost breakdown:"]
    out += [f"  {k:<16} {_usd(v)}" for k, v in plan.cost_breakdown_usd.items() if abs(v) >= 0.5]
    if plan.procurement:
        out += ["", "Procurement:"]
        out += [f"  {x.action} {x.quantity_nodes} x {x.item} from {x.vendor} at {_usd(x.unit_price_usd)} each; "
                f"order by day {x.order_by_day:.0f} (first use day {x.first_use_day:.0f}); charged {_usd(x.charged_usd)}"
                for x in plan.procurement]
    if plan.explanations:
        out += ["", "Why:"] + [f"  - {e}" for e in plan.explanations]
    return "\n".join(out)


def markdown(plan: Plan) -> str:
    out = [f"# Plan for {plan.scenario.name}", ""] + [f"- {x}" for x in _headline(plan)] + [""]
    if plan.status == "infeasible":
        out.append(plan.diagnosis.message if plan.diagnosis else "No plan exists.")
        return "\n".join(out)
    p = plan.path
    out += [f"**Path**: {p.kind} (`{p.id}`), {p.params:.3g} params, {p.tokens:.3g} tokens", "",
            f"**Total cost**: {_usd(plan.total_cost_usd)} · **loss** {plan.predicted_loss:.4f} · "
            f"**ends** day {_num(plan.end_day)} · {_num(plan.energy_mwh)} MWh · {_num(plan.tco2e)} tCO2e", "",
            "| " + " | ".join(SEGMENT_HEADER) + " |", "|" + "---|" * len(SEGMENT_HEADER)]
    out += ["| " + " | ".join(r) + " |" for r in _rows(plan)]
    out += ["", "## Cost breakdown", "", "| item | USD |", "|---|---:|"]
    out += [f"| {k} | {v:,.0f} |" for k, v in plan.cost_breakdown_usd.items()]
    if plan.procurement:
        out += ["", "## Procurement", "", "| action | item | nodes | unit price | vendor | order by day |",
                "|---|---|---:|---:|---|---:|"]
        out += [f"| {x.action} | {x.item} | {x.quantity_nodes} | {x.unit_price_usd:,.0f} | {x.vendor} | "
                f"{x.order_by_day:.0f} |" for x in plan.procurement]
    if plan.explanations:
        out += ["", "## Why", ""] + [f"- {e}" for e in plan.explanations]
    return "\n".join(out)
