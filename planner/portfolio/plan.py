"""`plan portfolio`: load, build the one MIP, solve, and write the procurement schedule and each
project's plan; the same portfolio sourced only from rentals and only from owned servers is planned
too, for the savings."""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path

from planner.catalog import Catalog, load_catalog
from planner.errors import InputError
from planner.model.backends import MIN_TIME_LIMIT_S
from planner.ownership import holding
from planner.planning import to_plan
from planner.portfolio.build import Built, build
from planner.portfolio.inputs import Portfolio, load_portfolio, validate_portfolio
from planner.portfolio.results import Comparison, PoolLine, PoolUse, PortfolioPlan, ProjectResult
from planner.portfolio.decompose import solve_decomposed
from planner.portfolio.solve import PortfolioSolution, solve_portfolio
from planner.problem import Problem
from planner.quality import target_loss as resolve_target_loss
from planner.results import ScenarioBounds
from planner.scenario import Scenario, every_days
from planner.solve import Solution


METHODS = ("auto", "mip", "decompose")
MAX_PRICE_FACTOR = 10.0


def plan_portfolio(source, catalog: Catalog | None = None, solver: str = "cbc", time_limit_s: float | None = None,
                   compare: bool = True, method: str = "auto", with_what_if: bool = False,
                   server_price_factors: tuple[float, ...] = ()) -> PortfolioPlan:
    """source: a portfolio YAML path or a mapping of its fields (paths relative to the working folder).
    method: 'mip' solves the one MIP (within time_limit_s); 'decompose' fixes capacity from its LP
    relaxation and plans projects separately (planner.portfolio.decompose); 'auto' solves the MIP and
    decomposes when the time limit stops it before it beats every project's own cloud plan.
    with_what_if: also re-plan without each purchase and without each project (planner.portfolio.whatif);
    server_price_factors: also re-plan with every server's list price times each factor."""
    catalog = catalog or load_catalog()
    portfolio, scenarios = (load_portfolio(source) if isinstance(source, (str, Path))
                            else validate_portfolio(source, "portfolio"))
    built = build(portfolio, scenarios, catalog)
    sol = solve_built(built, solver, time_limit_s, method)
    result = to_portfolio_plan(sol, built, portfolio, scenarios, catalog)
    if compare and sol.has_plan:
        for sourcing in ("rent_everything", "own_everything"):
            result.comparisons.append(_compare(sourcing, result.total_cost_usd, portfolio, scenarios, catalog,
                                               solver, time_limit_s, method))
    if with_what_if and sol.has_plan:
        from planner.portfolio.whatif import what_if
        cutoff_free = dataclasses.replace(built, cloud_plan_usd=math.inf)  # a changed problem: no known plan
        result.what_if = what_if(result, built, lambda problem: solve_built(
            dataclasses.replace(cutoff_free, problem=problem), solver, time_limit_s, method))
    if server_price_factors and sol.has_plan:
        from planner.portfolio.whatif import price_sweep
        result.what_if += price_sweep(result, server_price_factors, lambda factor: solve_built(
            build(portfolio, scenarios, _servers_priced(catalog, factor)), solver, time_limit_s, method))
    return result


def _servers_priced(catalog: Catalog, factor: float) -> Catalog:
    """The catalog with every server's list price (server and network share) times `factor`."""
    if not 0 < factor <= MAX_PRICE_FACTOR:
        raise InputError("--server-price-factors", f"{factor!r} is outside (0, {MAX_PRICE_FACTOR:g}]",
                         "give factors such as 0.75,1.25")
    return catalog.model_copy(update={"hardware": {k: h.model_copy(update={
        "server_usd": h.server_usd * factor, "network_usd_per_node": h.network_usd_per_node * factor,
        "capex_usd_per_node": h.capex_usd_per_node * factor}) for k, h in catalog.hardware.items()}})


def solve_built(built: Built, solver: str, time_limit_s: float | None, method: str) -> PortfolioSolution:
    """Solve a built portfolio by `method` (plan_portfolio). The MIP's cutoff is the cheaper of every
    project's own cloud plan and, with CBC, the decomposed plan (solved first; on the roadmap it is the
    optimum, found in 1.7 s, and CBC proves it in 12 s instead of 31 s with the cloud plans' cutoff)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method == "decompose":
        return solve_decomposed(built.problem, solver, time_limit_s)
    known, first, started = built.cloud_plan_usd, None, time.perf_counter()
    if solver == "cbc":  # the decomposed plan, usually at or near the optimum, is CBC's cutoff (the others take none)
        first = solve_decomposed(built.problem, solver, time_limit_s)
        if first.has_plan:
            known = min(known, first.total_cost_usd)
    spent = time.perf_counter() - started
    left = None if time_limit_s is None else max(time_limit_s - spent, MIN_TIME_LIMIT_S)
    sol = solve_portfolio(built.problem, solver, left, known)
    if method == "auto" and sol.status == "timeout":
        return first if first is not None else solve_decomposed(built.problem, solver, left)
    return dataclasses.replace(sol, seconds=sol.seconds + spent)


def _compare(sourcing: str, chosen: float, portfolio: Portfolio, scenarios: list[Scenario], catalog: Catalog,
             solver: str, time_limit_s: float | None, method: str) -> Comparison:
    try:
        built = build(portfolio, scenarios, catalog, cloud_only=sourcing == "rent_everything",
                      owned_only=sourcing == "own_everything")
    except InputError:  # some project has no path sourced so
        return Comparison(sourcing=sourcing, total_cost_usd=None, status="infeasible", saving_usd=None)
    sol = solve_built(built, solver, time_limit_s, method)
    if not sol.has_plan:
        return Comparison(sourcing=sourcing, total_cost_usd=None, status=sol.status, saving_usd=None)
    return Comparison(sourcing=sourcing, total_cost_usd=sol.total_cost_usd, status=sol.status,
                      saving_usd=sol.total_cost_usd - chosen)


def to_portfolio_plan(sol: PortfolioSolution, built: Built, portfolio: Portfolio, scenarios: list[Scenario],
                      catalog: Catalog) -> PortfolioPlan:
    problem = built.problem
    common = dict(name=portfolio.name, solver=sol.solver, horizon_day=built.horizon_day, solve_seconds=sol.seconds,
                  model_size={"variables": sol.n_variables, "constraints": sol.n_constraints})
    if not sol.has_plan:
        return PortfolioPlan(status=sol.status, **common)
    by_name = dict(zip((p.name for p in portfolio.projects), scenarios))
    projects, uses = [], []
    breakdown: dict[str, float] = {}
    for ps in sol.projects:
        g, scenario = ps.project, by_name[ps.project.id]
        plan = _project_plan(ps, problem, built, scenario, catalog, sol.solver)
        for key, usd in ps.cost_breakdown_usd.items():
            breakdown[key] = breakdown.get(key, 0.0) + usd
        late = 0.0 if g.due_day is None else max(0.0, ps.end_day - g.due_day)
        projects.append(ProjectResult(name=g.id, start_day=g.start_day, deadline_day=g.deadline_day, due_day=g.due_day,
                                      end_day=ps.end_day, late_days=late, own_cost_usd=ps.cost_usd, plan=plan))
        step = every_days(scenario)
        for seg in ps.segments:
            option = next(o for o, _ in ps.used if o.id == seg.option)
            if option.capacity is not None:
                for r in range(g.runs):
                    uses.append(PoolUse(item=option.capacity, project=g.id, run=r + 1, stage=seg.stage,
                                        nodes=option.nodes, start_day=seg.start_day + r * step,
                                        end_day=seg.end_day + r * step))
    breakdown["pools"] = sum(sol.pool_cost_usd.values())
    lines = [_pool_line(problem, c, n, sol.pool_cost_usd[c], uses, portfolio, built.horizon_day, catalog)
             for c, n in sol.pools.items()]
    lines.sort(key=lambda x: (x.order_day, x.item))
    return PortfolioPlan(status=sol.status, gap=sol.gap, total_cost_usd=sol.total_cost_usd,
                         cost_breakdown_usd={k: v for k, v in breakdown.items() if v}, procurement=lines,
                         pool_use=uses, projects=projects, **common)


def _project_plan(ps, problem: Problem, built: Built, scenario: Scenario, catalog: Catalog, solver: str):
    """The project's Plan on its own clock, through the single plan's translation (no procurement lines:
    the pools are the portfolio's)."""
    g = ps.project
    project, candidate_id = ps.path_id.split("/", 1)
    cand = built.candidates[project][candidate_id]
    segments = tuple(dataclasses.replace(s, start_day=s.start_day - g.start_day, end_day=s.end_day - g.start_day)
                     for s in ps.segments)
    sub = Problem(paths=(problem.path(ps.path_id),), capacities=problem.capacities,
                  later_runs_days=g.later_runs_days)
    target = resolve_target_loss(scenario, catalog)
    single = Solution(status="optimal", gap=None, objective_value=ps.cost_usd, solver=solver, objective="cost",
                      path_id=ps.path_id, segments=segments, cost_breakdown_usd=ps.cost_breakdown_usd,
                      total_cost_usd=ps.cost_usd, end_day=ps.end_day - g.start_day, loss=cand.predicted_loss,
                      energy_mwh=sum(s.energy_mwh for s in segments), tco2e=sum(s.tco2e for s in segments))
    bounds = ScenarioBounds(name=scenario.name, deadline_days=scenario.deadline_days, budget_usd=scenario.budget_usd,
                            target=scenario.target.model_dump(exclude_none=True), target_loss=target,
                            objective="cost", program=scenario.program.model_dump())
    plan = to_plan(single, sub, cand, bounds, solver, scenario, catalog)
    plan.cost_breakdown_usd = {k: v for k, v in plan.cost_breakdown_usd.items() if v or k != "late"}
    return plan


def _pool_line(problem: Problem, cap_id: str, nodes: int, charged: float, uses: list[PoolUse], portfolio: Portfolio,
               horizon: float, catalog: Catalog) -> PoolLine:
    cap = problem.capacity(cap_id)
    mine = [u for u in uses if u.item == cap_id]
    used = sum(u.nodes * (u.end_day - u.start_day) for u in mine)
    users = sorted({u.project for u in mine})
    if cap.kind == "reserved":
        term = cap.available_until_day
        return PoolLine(item=cap_id, action="reserve", what=cap_id.split(":", 1)[1], chip=cap.chip, vendor=cap.vendor,
                        quantity_nodes=nodes, order_day=0.0, delivery_day=0.0, payment_day=0.0, end_day=term,
                        list_price_usd=nodes * cap.unit_price_usd, end_value_usd=0.0, charged_usd=charged,
                        used_by=users, node_days_used=used, node_days_held=nodes * term,
                        utilisation=used / (nodes * term))
    hw = catalog.hardware[cap_id.split(":", 1)[1].split("@")[0]]
    own = portfolio.ownership
    h = holding(hw, own.accounting, horizon, own.financing_rate_per_year, order_day=cap.order_day)
    held = nodes * (h.end_day - h.delivery_day)
    return PoolLine(item=cap_id, action="buy", what=hw.id, chip=cap.chip, vendor=cap.vendor, quantity_nodes=nodes,
                    order_day=h.order_day, delivery_day=h.delivery_day, payment_day=h.payment_day, end_day=h.end_day,
                    list_price_usd=nodes * hw.capex_usd_per_node, end_value_usd=nodes * h.end_value_usd,
                    charged_usd=charged, used_by=users, node_days_used=used, node_days_held=held,
                    utilisation=used / held if held > 0 else 0.0)
