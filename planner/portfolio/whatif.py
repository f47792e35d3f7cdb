"""What changes a portfolio's answer: each purchase or reservation taken away, each project
dropped, and server list prices scaled, re-planned with the same builder and method.

A purchase stays worth making while its net charge rises by less than the cost of the best plan
without it, minus the chosen plan's cost: raising one pool's price raises the chosen plan's cost by
the same amount per node bought and leaves the plan without that pool unchanged. (A plan buying fewer
nodes of the same pool could take over earlier, so the figure is the most the charge may rise.)
Dropping a project shows which purchases exist for it.
"""

from __future__ import annotations

import dataclasses

from planner.portfolio.build import Built
from planner.portfolio.results import PortfolioPlan, WhatIf
from planner.portfolio.solve import PortfolioSolution
from planner.problem import Problem


def what_if(result: PortfolioPlan, built: Built, solve) -> list[WhatIf]:
    """solve: Problem -> PortfolioSolution with the plan's solver, limit and method."""
    found = []
    chosen = result.total_cost_usd
    for line in result.procurement:
        sol = solve(_without_pool(built.problem, line.item))
        margin = None if not sol.has_plan else sol.total_cost_usd - chosen
        found.append(WhatIf(
            change=f"without {line.action} {line.quantity_nodes} × {line.what} (day {line.order_day:g})",
            status=sol.status, total_cost_usd=sol.total_cost_usd if sol.has_plan else None,
            procurement=_summary(sol), flips_above_usd=margin,
            note=("no plan without it" if margin is None else
                  f"stays best until its net charge ({line.charged_usd:,.0f} USD) rises by {margin:,.0f} USD "
                  f"({margin / max(line.charged_usd, 1e-9):.1%}); instead: {_words(sol)}")))
    for project in result.projects:
        problem = _without_project(built.problem, project.name)
        if problem is None:
            continue
        sol = solve(problem)
        found.append(WhatIf(
            change=f"drop project {project.name}", status=sol.status,
            total_cost_usd=sol.total_cost_usd if sol.has_plan else None, procurement=_summary(sol),
            flips_above_usd=None, note=_changes(result, sol)))
    return found


def price_sweep(result: PortfolioPlan, factors, replan) -> list[WhatIf]:
    """The portfolio re-planned with every server's list price (server, network share, and so its
    resale value) times each factor; replan: factor -> PortfolioSolution. Says which purchases change."""
    found = []
    for factor in factors:
        sol = replan(factor)
        found.append(WhatIf(
            change=f"server prices × {factor:g}", status=sol.status,
            total_cost_usd=sol.total_cost_usd if sol.has_plan else None, procurement=_summary(sol),
            flips_above_usd=None, note=_changes(result, sol) if sol.has_plan else "no plan"))
    return found


def _changes(result: PortfolioPlan, sol: PortfolioSolution) -> str:
    """The purchases that differ from the chosen plan's, or 'the same purchases'."""
    before = {p.item: p.quantity_nodes for p in result.procurement}
    after = sol.pools or {}
    changed = [f"{item}: {before.get(item, 0)} → {after.get(item, 0)} nodes"
               for item in sorted(set(before) | set(after)) if before.get(item, 0) != after.get(item, 0)]
    return "; ".join(changed) or "the same purchases"


def _words(sol: PortfolioSolution) -> str:
    return ", ".join(f"{n} × {c}" for c, n in (sol.pools or {}).items()) or "rent everything"


def _summary(sol: PortfolioSolution) -> dict[str, int]:
    return dict(sol.pools or {}) if sol.has_plan else {}


def _without_pool(problem: Problem, capacity_id: str) -> Problem:
    """The problem with no option on the pool (paths left without a way to run a stage dropped)."""
    paths = []
    for path in problem.paths:
        stages = tuple(dataclasses.replace(s, options=tuple(o for o in s.options if o.capacity != capacity_id))
                       for s in path.stages)
        if all(s.options for s in stages):
            paths.append(dataclasses.replace(path, stages=stages))
    kept = {k.id for k in paths}
    projects = tuple(dataclasses.replace(g, path_ids=tuple(k for k in g.path_ids if k in kept))
                     for g in problem.projects)
    return dataclasses.replace(problem, paths=tuple(paths), projects=projects,
                               capacities=tuple(c for c in problem.capacities if c.id != capacity_id))


def _without_project(problem: Problem, name: str) -> Problem | None:
    projects = tuple(g for g in problem.projects if g.id != name)
    if not projects:
        return None
    kept = {k for g in projects for k in g.path_ids}
    return dataclasses.replace(problem, paths=tuple(k for k in problem.paths if k.id in kept), projects=projects)
