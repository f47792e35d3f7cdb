"""How the MIP scales: build and solve times on instance families generated from the catalog.

    .venv/bin/python benchmarks/mip_scale.py                         # all families, cbc/highs/ortools
    .venv/bin/python benchmarks/mip_scale.py --solvers cbc --families xl
    .venv/bin/python benchmarks/mip_scale.py --scenarios              # the bundled scenarios instead

A family is paths × stages × offers × cluster sizes × segments (J). Each path trains a dense model from scratch
to the loss of a Chinchilla-optimal 70B model (a grid of sizes from 0.4× to 2.5× that, each with
the tokens the Chinchilla law says it needs) and then runs 0–2 tuning stages; every stage may run on
the family's first catalog offers (on-demand, spot, 1- and 3-year reservations) and every catalog
server delivered before the deadline, on the first cluster sizes of a doubling grid from the
smallest that fits in memory (stage_options leaves out sizes too slow to matter: over 4x the
deadline). Pools and options are the planner's own (planner.options.cloud_pools, owned_pools,
stage_options) without further pruning (no pool or Pareto filter, no presolve), so the instances
are as large as the catalog makes them. Servers are accounted as resold: the market value lost while in
use plus a one-time resale haircut per node; a 1-year reservation is usable on days [0, 365], so
with a deadline past day 365 its window ends inside the plan.

Prints one table per solver: variables, constraints, seconds to build the Problem's options and
the model, seconds in the solver (Solution.solve_seconds: handing the model over, solving, reading
back), seconds of the whole solve() call (which builds the model again and cleans the plan),
status, gap and the optimum.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path as FilePath

ROOT = FilePath(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.catalog import Catalog, load_catalog  # noqa: E402
from planner.model import build_model  # noqa: E402
from planner.options import (DAYS_PER_MONTH, Pricing, capacities_used, cloud_pools, owned_pools,  # noqa: E402
                             stage_options)
from planner.problem import Path, Problem, StageOptions  # noqa: E402
from planner.scenario import Scenario  # noqa: E402
from planner.solve import solve  # noqa: E402
from planner.workload import Workload  # noqa: E402

SOLVERS = ("cbc", "highs", "ortools")
SITE = "us-average"  # where bought servers are hosted
# Chinchilla fit (Hoffmann et al. 2022, approach 3): L(N, D) = E + A/N^α + B/D^β.
CHINCHILLA = dict(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
TUNING = (("sft", 2e9), ("preference", 5e8))  # tokens of each tuning stage
TARGET_PARAMS = 70e9


@dataclass(frozen=True)
class Family:
    name: str
    paths: int
    stages: int  # 1 = pretrain only, 2 = + sft, 3 = + preference
    offers: int  # how many catalog offers (in catalog order); every catalog server is always offered
    sizes: int  # cluster sizes per pool: 1, 2, 4, ... nodes from the smallest that fits
    deadline_days: float = 400.0
    segments: int = 2  # J: options a stage may be split over


FAMILIES = (
    Family("xs", paths=2, stages=2, offers=8, sizes=4),
    Family("s", paths=4, stages=2, offers=16, sizes=5),
    Family("m", paths=6, stages=2, offers=39, sizes=7),
    Family("l", paths=10, stages=2, offers=39, sizes=7),
    Family("xl", paths=14, stages=3, offers=39, sizes=8),
    Family("xxl", paths=20, stages=3, offers=39, sizes=8),
    Family("xxl-tight", paths=20, stages=3, offers=39, sizes=8, deadline_days=30.0),
    Family("l-J3", paths=10, stages=2, offers=39, sizes=7, segments=3),
    Family("wide", paths=200, stages=2, offers=8, sizes=2),
)


def family_problem(f: Family, catalog: Catalog) -> Problem:
    """The Problem of one family: the planner's pools and per-pool prices, without any pruning."""
    scenario = Scenario.model_validate({
        "name": f"mip-scale-{f.name}", "deadline_days": f.deadline_days, "target": {"loss": 2.0},
        "staff_usd_per_month": 3_000.0 * 365 / 12,
        "ownership": {"accounting": "resell", "site": SITE}})
    offers = {o.offer_id for o in list(catalog.offers.values())[: f.offers]}
    pools = [p for p in cloud_pools(scenario, catalog) if _offer(p) in offers]
    pools += owned_pools(scenario, catalog, f.deadline_days)
    pricing = Pricing.of(pools, catalog, scenario, f.deadline_days)
    paths = []
    c = CHINCHILLA
    target = _loss(TARGET_PARAMS, 20.0 * TARGET_PARAMS)
    for number in range(f.paths):
        params = TARGET_PARAMS * 10 ** (-0.4 + 0.8 * number / max(1, f.paths - 1))
        tokens = (c["B"] / (target - c["E"] - c["A"] / params ** c["alpha"])) ** (1 / c["beta"])
        works = [("pretrain", Workload("full", params, params, tokens))]
        works += [(name, Workload("full", params, params, t)) for name, t in TUNING[: f.stages - 1]]
        stages = [StageOptions(name, [o for pool, chip, site in pricing.pools
                                      for o in stage_options(w, pool, chip, site, pricing)[: f.sizes]])
                  for name, w in works]
        if not all(s.options for s in stages):
            continue
        paths.append(Path(f"scratch-{params / 1e9:.3g}B", "scratch", round(_loss(params, tokens), 6),
                          data_usd=2e-8 * tokens, labelling_usd=25_000.0 if f.stages > 1 else 0.0,
                          inference_usd=0.0, stages=stages))
    return Problem(paths, capacities_used(pools, paths), deadline_days=f.deadline_days, target_loss=target + 1e-6,
                   staff_usd_per_day=scenario.staff_usd_per_month / DAYS_PER_MONTH, max_segments=f.segments)


def _offer(pool) -> str:
    return pool.id.split(":", 1)[1] if pool.source == "reserved" else pool.id.rsplit(":", 1)[0]


def _loss(params: float, tokens: float) -> float:
    c = CHINCHILLA
    return c["E"] + c["A"] / params ** c["alpha"] + c["B"] / tokens ** c["beta"]


def scenario_problems():
    """(name, Problem, objective) of each bundled scenario, as make_plan builds it (joint for consortia)."""
    from planner.consortium.coalition import coalition_scenario, member_target_losses
    from planner.inputs import load_inputs
    from planner.options import build_problem
    from planner.paths import generate_candidates, prune
    from planner.presolve import presolve
    from planner.quality import target_loss

    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario, catalog = load_inputs(path)
        if scenario.members:
            scenario = coalition_scenario(scenario, range(len(scenario.members)),
                                          member_target_losses(scenario, catalog))
        objective = scenario.objective
        target = target_loss(scenario, catalog)
        bound = target if objective != "quality" else None
        candidates = prune(generate_candidates(scenario, catalog, target_loss=bound))
        problem = build_problem(scenario, catalog, candidates, objective, target_loss=bound)
        yield path.stem, presolve(problem, objective), objective
        yield path.stem + " (no presolve)", problem, objective


def measure(name: str, problem: Problem, objective: str, solver: str, time_limit_s: float | None,
            problem_seconds: float = 0.0) -> str:
    """One table row: sizes, build seconds (Problem + model), solver seconds (Solution.solve_seconds:
    handing the model to the solver, solving, reading back), seconds of the whole solve() call."""
    started = time.perf_counter()
    m = build_model(problem, objective)
    build_s = problem_seconds + time.perf_counter() - started
    started = time.perf_counter()
    s = solve(problem, objective, solver, time_limit_s)
    total_s = time.perf_counter() - started
    gap = "-" if s.gap is None else f"{s.gap:.1e}"
    value = "-" if s.objective_value is None else f"{s.objective_value:,.2f}"
    return (f"| {name} | {m.n_variables:,} | {m.n_constraints:,} | {build_s:.2f} | {s.solve_seconds:.2f} | "
            f"{total_s:.2f} | {s.status} | {gap} | {value} |")


HEADER = ("| instance | variables | constraints | build s | solve s | solve() s | status | gap | optimum |\n"
          "|---|---:|---:|---:|---:|---:|---|---:|---:|")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--solvers", nargs="+", default=list(SOLVERS), choices=SOLVERS)
    ap.add_argument("--families", nargs="+", default=[f.name for f in FAMILIES], choices=[f.name for f in FAMILIES])
    ap.add_argument("--scenarios", action="store_true", help="measure the bundled scenarios instead")
    ap.add_argument("--time-limit", type=float, default=None,
                    help="seconds per solve (default: none, solve to proven optimality)")
    args = ap.parse_args()
    if args.scenarios:
        instances = [(name, problem, objective, 0.0) for name, problem, objective in scenario_problems()]
    else:
        catalog = load_catalog()
        instances = []
        for f in (f for f in FAMILIES if f.name in args.families):
            started = time.perf_counter()
            problem = family_problem(f, catalog)
            options = sum(len(s.options) for p in problem.paths for s in p.stages)
            name = f"{f.name}: {len(problem.paths)} paths × {f.stages} stages, {options:,} options"
            instances.append((name, problem, "cost", time.perf_counter() - started))
    for solver in args.solvers:
        limit = "no time limit" if args.time_limit is None else f"time limit {args.time_limit:g} s"
        print(f"\n{solver} ({limit})\n{HEADER}", flush=True)
        for name, problem, objective, problem_s in instances:
            print(measure(name, problem, objective, solver, args.time_limit, problem_s), flush=True)


if __name__ == "__main__":
    main()
