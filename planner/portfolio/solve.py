"""Solve a portfolio's Problem with the one model builder and read each project's plan and the pools.

Each project's plan is cleaned as a single plan's is (planner.solve.chosen_path). Pools are then sized
from the cleaned plans by the rule the model states (pool_shared_over_time): the largest sum of the
needs of projects whose windows overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.model import build_model
from planner.model.backends import run
from planner.problem import Option, Problem, Project
from planner.solve import Segment, chosen_path


@dataclass(frozen=True)
class ProjectSolution:
    project: Project
    path_id: str
    segments: tuple[Segment, ...]  # days from the portfolio's day 0
    used: tuple[tuple[Option, float], ...]
    end_day: float  # the first run's end
    cost_breakdown_usd: dict[str, float]  # its own spend (no shared per-node charges)
    needs: dict[str, int]  # capacity id -> nodes beyond those held

    @property
    def cost_usd(self) -> float:
        return sum(self.cost_breakdown_usd.values())


@dataclass(frozen=True)
class PortfolioSolution:
    status: str  # optimal | feasible | infeasible | timeout
    gap: float | None
    bound_usd: float | None
    solver: str
    projects: tuple[ProjectSolution, ...] = ()
    pools: dict[str, int] | None = None  # capacity id -> nodes bought or reserved
    pool_cost_usd: dict[str, float] | None = None
    seconds: float = 0.0
    n_variables: int = 0
    n_constraints: int = 0

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")

    @property
    def total_cost_usd(self) -> float:
        return sum(p.cost_usd for p in self.projects) + sum((self.pool_cost_usd or {}).values())


def solve_portfolio(problem: Problem, solver: str = "cbc", time_limit_s: float | None = None,
                    known_usd: float = math.inf) -> PortfolioSolution:
    """Minimise the portfolio's cost in one MIP. known_usd: the cost of a plan known to exist (every
    project on its simple cloud plan), CBC's cutoff."""
    m = build_model(problem, "cost")
    size = {"n_variables": m.n_variables, "n_constraints": m.n_constraints}
    result = run(m.lp, solver, time_limit_s, cutoff=known_usd if math.isfinite(known_usd) else None)
    projects = []
    if result.status in ("optimal", "feasible"):
        for g in problem.groups:
            chosen = chosen_path(m, [problem.path(k) for k in g.path_ids])
            if chosen is None:
                projects = []
                break
            projects.append(project_solution(problem, g, *chosen))
    if not projects:
        status = "infeasible" if result.status == "infeasible" else "timeout"
        return PortfolioSolution(status, None, None, solver, seconds=result.seconds, **size)
    pools = pool_sizes(problem, projects)
    cost = {c.id: (c.unit_cost_usd + c.hosting_usd_per_node) * pools[c.id] for c in problem.capacities if pools[c.id]}
    total = sum(p.cost_usd for p in projects) + sum(cost.values())
    gap = None
    if result.status == "feasible" and result.bound is not None:
        gap = max(0.0, total - result.bound) / max(abs(total), 1e-9)
    return PortfolioSolution(result.status, gap, result.bound if result.status == "feasible" else total, solver,
                             tuple(projects), {c: n for c, n in pools.items() if n}, cost, result.seconds, **size)


def project_solution(problem: Problem, g: Project, path, segments, used, end_day) -> ProjectSolution:
    """A project's cleaned plan with its own spend (Project.staff_usd and late_usd for the calendar)."""
    needs: dict[str, int] = {}
    for o, _ in used:
        if o.capacity is not None:
            held = problem.capacity(o.capacity).held_nodes
            needs[o.capacity] = max(needs.get(o.capacity, 0), o.nodes - held)
    costs = {
        "compute": sum(o.rental_usd(f) for o, f in used),
        "owned_capex_net": sum(o.capex_usd * f for o, f in used),
        "energy": sum(o.energy_usd * f for o, f in used),
        "hosting": sum(o.hosting_usd * f for o, f in used),
        "data": path.data_usd, "labelling": path.labelling_usd, "inference": path.inference_usd,
        "staff": g.staff_usd(end_day), "late": g.late_usd(end_day),
    }
    return ProjectSolution(g, path.id, tuple(segments), tuple(used), end_day,
                           {k: float(v) for k, v in costs.items()}, needs)


def pool_sizes(problem: Problem, projects: list[ProjectSolution]) -> dict[str, int]:
    """Nodes per pool: the largest total need of projects whose windows overlap."""
    sets = problem.overlapping_groups()
    need = {p.project.id: p.needs for p in projects}
    return {c.id: max((sum(need[j].get(c.id, 0) for j in s if j in need) for s in sets), default=0)
            for c in problem.capacities}
