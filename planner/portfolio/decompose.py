"""A portfolio too large for one MIP: fix the capacity from the LP relaxation, then plan each project
on its own, and say how far the result is from the LP's bound.

1. Solve the LP relaxation of the portfolio's model: its optimum is a lower bound on any plan.
2. Give each project the nodes of each pool the LP bought for it (Σ over its paths of B_{c,k},
   rounded up when at least ROUND_UP_FROM; else none), and size each pool by the model's rule (the
   largest total over projects whose windows overlap).
3. Plan each project alone (the same builder, a one-project Problem) with its allotted nodes as
   nodes held: free to use, no more to buy.
4. Recompute the pools from the nodes the projects actually use; keep the cheaper of this plan and
   every project on its own cloud plan (no pools).
The gap (plan − LP bound) / plan is an upper bound on how far the plan is from the optimum.
"""

from __future__ import annotations

import dataclasses
import math
import time

import pulp

from planner.model import build_model
from planner.model.backends import run
from planner.portfolio.solve import PortfolioSolution, ProjectSolution, pool_sizes, solve_portfolio
from planner.problem import Problem

ROUND_UP_FROM = 0.5  # nodes: an LP purchase for a project below this is left to the cloud


def solve_decomposed(problem: Problem, solver: str = "cbc", time_limit_s: float | None = None) -> PortfolioSolution:
    started = time.perf_counter()
    m = build_model(problem, "cost")
    size = {"n_variables": m.n_variables, "n_constraints": m.n_constraints}
    for v in m.lp.variables():
        v.cat = pulp.LpContinuous
    lp = run(m.lp, solver, time_limit_s)
    if lp.status == "infeasible":
        return PortfolioSolution("infeasible", None, None, solver, seconds=time.perf_counter() - started, **size)
    bound = m.value(m.objectives["cost"]) if lp.status == "optimal" else None
    need = {}
    for (c, k), b in m.new_nodes.items():
        key = (c, problem.project_of(k).id)
        need[key] = need.get(key, 0.0) + (b.varValue or 0.0)
    allotted = {key: math.ceil(n - 1e-6) for key, n in need.items() if n >= ROUND_UP_FROM}
    plans = [_separately(problem, allotted, solver), _separately(problem, {}, solver)]
    plans = [p for p in plans if p is not None]
    if not plans:
        return PortfolioSolution("timeout", None, bound, solver, seconds=time.perf_counter() - started, **size)
    best = min(plans, key=lambda p: p[0])
    total, projects, pools, cost = best
    gap = None if bound is None else max(0.0, total - bound) / max(abs(total), 1e-9)
    return PortfolioSolution("feasible", gap, bound, solver, tuple(projects), {c: n for c, n in pools.items() if n},
                             cost, time.perf_counter() - started, **size)


def _separately(problem: Problem, allotted: dict[tuple[str, str], int], solver: str):
    """Every project planned alone with its allotted nodes held; (total, projects, pools, pool costs),
    or None when some project has no plan so."""
    projects: list[ProjectSolution] = []
    for g in problem.groups:
        mine = {c: n for (c, j), n in allotted.items() if j == g.id}
        capacities = tuple(dataclasses.replace(c, kind="held", held_nodes=mine[c.id], max_new_nodes=0,
                                               unit_cost_usd=0.0, hosting_usd_per_node=0.0)
                           for c in problem.capacities if mine.get(c.id))
        paths = tuple(_without_other_pools(problem.path(k), {c.id for c in capacities}) for k in g.path_ids)
        paths = tuple(k for k in paths if all(s.options for s in k.stages))
        if not paths:
            return None
        sub = Problem(paths=paths, capacities=capacities,
                      projects=(dataclasses.replace(g, path_ids=tuple(k.id for k in paths)),))
        sol = solve_portfolio(sub, solver)
        if not sol.has_plan:
            return None
        ps = sol.projects[0]
        needs: dict[str, int] = {}
        for o, _ in ps.used:  # nodes beyond those held in the portfolio's pool, not in the allotment
            if o.capacity is not None:
                needs[o.capacity] = max(needs.get(o.capacity, 0), o.nodes - problem.capacity(o.capacity).held_nodes)
        projects.append(dataclasses.replace(ps, needs=needs))
    pools = pool_sizes(problem, projects)
    cost = {c.id: (c.unit_cost_usd + c.hosting_usd_per_node) * pools[c.id] for c in problem.capacities if pools[c.id]}
    return sum(p.cost_usd for p in projects) + sum(cost.values()), projects, pools, cost


def _without_other_pools(path, kept: set[str]):
    return dataclasses.replace(path, stages=tuple(dataclasses.replace(s, options=tuple(
        o for o in s.options if o.capacity is None or o.capacity in kept)) for s in path.stages))
