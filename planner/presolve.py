"""Drop paths and options that can never be in an optimal plan, before the MIP is built.

Every rule compares a lower bound on what any plan using the item must cost with an upper bound
on the optimum, so the optimum is never lost (tests compare against the unpruned MIP):

* UB: the cost of a feasible plan found greedily (one option per stage, cloud only), capped by
  the budget. For the quality and time objectives only the budget bounds cost.
* LB of a path: its fixed costs plus the cheapest variable cost of each stage.
* LB of an option on a shared capacity: its path's LB with this stage's cheapest variable cost
  dropped, plus the capacity charge for its nodes (a plan using it buys or reserves at least that many).
"""

from __future__ import annotations

import dataclasses
import math

from planner.problem import Option, Path, Problem

SLACK = 1e-9


def presolve(problem: Problem, objective: str = "cost") -> Problem:
    """The same problem without paths and options that cannot be optimal (never empties it)."""
    if objective == "time":
        problem = _presolve_time(problem)
    ub = problem.budget_usd if problem.budget_usd is not None else math.inf
    if objective == "cost":
        ub = min(ub, greedy_upper_bound(problem))
    if not math.isfinite(ub):
        return problem
    limit = ub * (1 + SLACK) + SLACK
    caps = {c.id: c.unit_cost_usd + c.hosting_usd_per_node for c in problem.capacities}
    paths = []
    for path in problem.paths:
        mins = [min(_var(o) for o in s.options) for s in path.stages]
        if path.fixed_usd + sum(mins) > limit:
            continue
        stages = []
        for s, stage_min in zip(path.stages, mins):
            base = path.fixed_usd + sum(mins) - stage_min
            keep = tuple(o for o in s.options if not o.capacity or base + o.nodes * caps[o.capacity] <= limit)
            stages.append(dataclasses.replace(s, options=keep))
        if all(s.options for s in stages):
            paths.append(dataclasses.replace(path, stages=tuple(stages)))
    if not paths:
        return problem  # nothing fits the bounds: leave it to the MIP (and diagnosis) to say so
    used = {o.capacity for p in paths for s in p.stages for o in s.options if o.capacity}
    return dataclasses.replace(problem, paths=tuple(paths),
                               capacities=tuple(c for c in problem.capacities if c.id in used))


def _presolve_time(problem: Problem) -> Problem:
    """Under the time objective: a path whose stages cannot finish before a known feasible end day, and
    options on capacity delivered only after it, cannot be in the earliest plan."""
    end = greedy_earliest_end(problem)
    if not math.isfinite(end):
        return problem
    limit = end * (1 + SLACK) + SLACK
    paths = []
    for path in problem.paths:
        if sum(min(o.days for o in s.options) for s in path.stages) > limit:
            continue
        stages = tuple(dataclasses.replace(s, options=tuple(
            o for o in s.options if not o.capacity or problem.capacity(o.capacity).available_day < limit)) for s in path.stages)
        if all(s.options for s in stages):
            paths.append(dataclasses.replace(path, stages=stages))
    if not paths:
        return problem
    used = {o.capacity for p in paths for s in p.stages for o in s.options if o.capacity}
    return dataclasses.replace(problem, paths=tuple(paths),
                               capacities=tuple(c for c in problem.capacities if c.id in used))


def greedy_earliest_end(problem: Problem) -> float:
    """End day of the fastest simple cloud-only plan that meets every bound (inf if none)."""
    best = math.inf
    for path in problem.paths:
        if problem.target_loss is not None and path.loss > problem.target_loss:
            continue
        plans = [_greedy_path(path, problem)]
        cloud = [[o for o in s.options if o.capacity is None] for s in path.stages]
        if all(cloud):
            plans.append([min(opts, key=lambda o: (o.days, _var(o))) for opts in cloud])
        for plan in filter(None, plans):
            days = sum(o.days for o in plan)
            cost = path.fixed_usd + sum(_var(o) for o in plan) + problem.staff_usd_per_day * days
            if _within_bounds(problem, plan, cost):
                best = min(best, days)
    return best


def _var(o: Option) -> float:
    return o.variable_usd


def greedy_upper_bound(problem: Problem) -> float:
    """Cost of the cheapest plan among simple cloud-only plans that meet every bound (inf if none).

    For each path, each stage gets a share of the deadline in proportion to its fastest cloud
    option and takes the cloud option, of those fitting that share, cheapest in rental plus staff
    for its days.
    """
    best = math.inf
    for path in problem.paths:
        plan = _greedy_path(path, problem)
        if plan is None or (problem.target_loss is not None and path.loss > problem.target_loss):
            continue
        days = sum(o.days for o in plan)
        cost = path.fixed_usd + sum(_var(o) for o in plan) + problem.staff_usd_per_day * days
        if _within_bounds(problem, plan, cost):
            best = min(best, cost)
    return best


def _greedy_path(path: Path, problem: Problem) -> list[Option] | None:
    cloud = [[o for o in s.options if o.capacity is None] for s in path.stages]
    if not all(cloud):
        return None
    fastest = [min(o.days for o in opts) for opts in cloud]
    deadline = problem.deadline_days if problem.deadline_days is not None else math.inf
    total = sum(fastest)
    if total > deadline:
        return None
    chosen = []
    for opts, fast in zip(cloud, fastest):
        share = deadline * fast / total if total > 0 and math.isfinite(deadline) else math.inf
        fits = [o for o in opts if o.days <= share * (1 + 1e-12)] or [min(opts, key=lambda o: o.days)]
        chosen.append(min(fits, key=lambda o: _var(o) + problem.staff_usd_per_day * o.days))
    return chosen


def _within_bounds(problem: Problem, plan: list[Option], cost: float) -> bool:
    if problem.deadline_days is not None and sum(o.days for o in plan) > problem.deadline_days:
        return False
    if problem.budget_usd is not None and cost > problem.budget_usd:
        return False
    if problem.carbon_cap_tco2e is not None and sum(o.tco2e for o in plan) > problem.carbon_cap_tco2e:
        return False
    if problem.max_provider_share is not None:
        spend = sum(o.compute_usd for o in plan)
        for provider in {o.provider for o in plan}:
            if sum(o.compute_usd for o in plan if o.provider == provider) > problem.max_provider_share * spend:
                return False
    return True
