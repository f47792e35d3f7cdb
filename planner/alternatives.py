"""The alternatives table: the chosen plan next to the best plans on other paths and sourced the
other way, as SkyPilot's optimizer table lists the candidates it considered. Built from the
explanation re-plans (planning.explanations), so it costs no solve beyond those."""

from __future__ import annotations

from planner import compute
from planner.catalog import Catalog
from planner.results import Alternative, Plan
from planner.problem import Problem
from planner.solve import Solution
from planner.workload import Candidate


def region(offer: str, catalog: Catalog) -> str:
    """A cloud offer's region, or the site of a server pool ('buy:hw@site', 'held:hw@site')."""
    if "@" in offer:
        return offer.rsplit("@", 1)[1]
    row = catalog.offers.get(offer)
    return row.Region if row is not None else "-"


# The cluster columns of a plan that runs nothing (open weights adopted as released).
NOTHING_RUN = dict(chip="-", provider="-", region="-", source=None, nodes=0, gpus_per_node=0)


# A plan's row shows the cluster of the segment that does the most work (its share of its stage's
# FLOPs), not the dearest one: a bought server's segment costs only its electricity.

# A program's schedules weigh by the runs they stand for (the later runs' schedule, R − 1 of them).

def chosen(plan: Plan, catalog: Catalog) -> Alternative:
    segments = [(s, st.flops * runs) for st, s, runs in plan.all_segments()]
    cluster = NOTHING_RUN
    if segments:
        main = max(segments, key=lambda pair: pair[0].fraction * pair[1])[0]
        cluster = dict(chip=main.chip, provider=main.provider, region=region(main.offer, catalog), source=main.source,
                       nodes=main.nodes, gpus_per_node=main.gpus // max(main.nodes, 1))
    return Alternative(kind="chosen", path_id=plan.path.id, path_kind=plan.path.kind, segments=len(segments),
                       end_day=plan.end_day, total_cost_usd=plan.total_cost_usd, delta_usd=0.0, **cluster)


def from_solution(kind: str, sol: Solution, problem: Problem, cand: Candidate, catalog: Catalog,
                  chosen_cost: float) -> Alternative:
    stages = problem.path(sol.path_id).stages
    options = {(s.name, o.id): o for s in stages for o in s.options}
    cluster = NOTHING_RUN
    if sol.segments:
        flops = {later.name: compute.stage_flops(st.workload) * later.runs
                 for lane in (False, True) for st, later in zip(cand.stages, [s for s in stages if s.later == lane])}
        main = max(sol.segments, key=lambda s: s.fraction * flops[s.stage])
        opt = options[(main.stage, main.option)]
        cluster = dict(chip=opt.chip, provider=opt.provider, region=region(opt.offer, catalog), source=opt.source,
                       nodes=opt.nodes, gpus_per_node=opt.gpus // max(opt.nodes, 1))
    return Alternative(kind=kind, path_id=cand.id, path_kind=cand.kind, segments=len(sol.segments),
                       end_day=sol.end_day + problem.later_runs_days, total_cost_usd=sol.total_cost_usd,
                       delta_usd=sol.total_cost_usd - chosen_cost, **cluster)


def table(alternatives: list[Alternative]) -> list[str]:
    """Text rows: '*' marks the chosen plan; Δ is the cost above it."""
    from planner.units import ends

    header = ["", "path", "chip", "provider/region", "source", "nodes × GPUs", "ends", "cost", "Δ"]
    rows = []
    for a in alternatives:
        runs = a.segments > 0  # an adopted model runs nothing
        rows.append(["*" if a.kind == "chosen" else "", a.path_id, a.chip, f"{a.provider}/{a.region}" if runs else "-",
                     (a.source or "-").replace("_", "-"), f"{a.nodes} × {a.gpus_per_node}" if a.nodes else "-",
                     ends(a.end_day) if runs else "-",
                     f"${a.total_cost_usd:,.0f}", "-" if a.kind == "chosen" else f"{a.delta_usd:+,.0f}"])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(x.ljust(w) for x, w in zip(r, widths)).rstrip()  # noqa: E731
    return [line(header)] + [line(r) for r in rows]
