"""Who pays what: solve every coalition's cost, then split the grand coalition's cost."""

from __future__ import annotations

import math
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from planner.catalog import Catalog
from planner.consortium import games
from planner.consortium.coalition import (all_coalitions, coalition_costs, coalition_scenario,
                                          member_target_losses)
from planner.errors import InputError
from planner.results import Plan
from planner.scenario import Scenario

EXACT_LIMIT = 12  # members up to which every coalition is solved; beyond, Shapley is sampled


class MemberShare(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    standalone_cost_usd: float | None  # None (JSON null) when the member cannot get a plan alone
    allocated_usd: float
    ci95_usd: float | None = None
    saving_usd: float | None
    saving_pct: float | None
    budget_usd: float | None
    within_budget: bool | None


class BlockingCoalition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    members: list[str] = Field(description="Members who would pay less on their own.")
    saves_usd: float = Field(description="What they would save together by leaving, USD.")


class ShareResult(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: int = 1
    method: str
    grand_coalition_cost_usd: float
    in_core: bool | None
    blocking_coalition: BlockingCoalition | None
    least_core_epsilon_usd: float | None = None
    coalitions_solved: int
    members: list[MemberShare]
    plan: Plan


def share(scenario: Scenario, catalog: Catalog, method: str = "shapley", solver: str = "cbc",
          executor: str = "local", workers: int | None = None, ray_address: str | None = None,
          samples: int = 200, seed: int = 0, progress: Callable[[int, int], None] | None = None) -> ShareResult:
    """Allocate the grand coalition's cost among members by Shapley, nucleolus or least core."""
    from planner.planning import make_plan

    n = len(scenario.members)
    if n < 2:
        raise InputError("scenario: field 'members'", f"a consortium needs at least 2 members (got {n})")
    names = [m.name for m in scenario.members]
    losses = member_target_losses(scenario, catalog)
    grand = frozenset(range(n))
    plan = make_plan(coalition_scenario(scenario, grand, losses), catalog, solver=solver, explain=False)
    if plan.status == "infeasible":
        raise InputError(f"scenario {scenario.name}", "the grand coalition has no feasible plan: "
                         + (plan.diagnosis.message if plan.diagnosis else ""), "relax the members' bounds")
    run = dict(solver=solver, executor=executor, workers=workers, ray_address=ray_address, progress=progress)
    if n <= EXACT_LIMIT:
        costs = coalition_costs(scenario, catalog, [c for c in all_coalitions(n) if c != grand], **run)
        costs[grand] = plan.total_cost_usd
        budgets = [m.budget_usd if m.cap_share_at_budget else None for m in scenario.members]
        ci = None
        epsilon = None
        if method == "shapley":
            alloc = games.shapley_exact(n, costs)
        elif method == "nucleolus":
            alloc = games.nucleolus(n, costs, budgets=budgets)
        elif method == "least-core":
            alloc, epsilon = games.least_core(n, costs, budgets=budgets)
        else:
            raise InputError("--method", f"unknown method {method!r}", "use shapley, nucleolus or least-core")
        in_core, blocking = games.core_check(n, costs, alloc, tol=1e-6 * max(1.0, plan.total_cost_usd))
    else:
        if method != "shapley":
            raise InputError("--method", f"{method} needs every coalition, feasible only up to {EXACT_LIMIT} members",
                             "use --method shapley (sampled) for larger consortia")
        alloc, ci, costs = _sampled_shapley(scenario, catalog, n, samples, seed, run, plan.total_cost_usd)
        in_core, blocking, epsilon = None, None, None
    members = []
    for i, m in enumerate(scenario.members):
        alone = costs.get(frozenset([i]))
        finite = alone is not None and math.isfinite(alone)
        members.append(MemberShare(
            name=m.name, standalone_cost_usd=alone if finite else None, allocated_usd=alloc[i],
            ci95_usd=ci[i] if ci else None,
            saving_usd=alone - alloc[i] if finite else None,
            saving_pct=100.0 * (alone - alloc[i]) / alone if finite and alone > 0 else None,
            budget_usd=m.budget_usd,
            within_budget=None if m.budget_usd is None else alloc[i] <= m.budget_usd * (1 + 1e-9),
        ))
    return ShareResult(
        method=method, grand_coalition_cost_usd=plan.total_cost_usd, in_core=in_core,
        blocking_coalition=None if not blocking else
        {"members": [names[i] for i in sorted(blocking[0])], "saves_usd": blocking[1]},
        least_core_epsilon_usd=epsilon, coalitions_solved=len(costs), members=members, plan=plan,
    )


def _sampled_shapley(scenario, catalog, n, samples, seed, run, grand_cost):
    """Permutation-sampled Shapley: solve every prefix coalition the sampled orders need, in parallel."""
    orders = games.sample_permutations(n, samples, seed)
    grand = frozenset(range(n))
    prefixes = {frozenset(order[:k]) for order in orders for k in range(1, n)}
    costs = coalition_costs(scenario, catalog, sorted(prefixes, key=len), **run)
    costs[grand] = grand_cost
    # An infeasible prefix is costed by its cheapest feasible one-member extension (games.py): solve those too.
    while todo := games.coalitions_needed_for_cover(n, costs, prefixes):
        costs.update(coalition_costs(scenario, catalog, todo, **run))
    values, half_width = games.shapley_from_permutations(n, costs, orders)
    return values, half_width, costs
