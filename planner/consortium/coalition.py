"""The cost of a coalition: the planner's optimum for that subset of members alone.

A coalition S trains one shared base model good enough for its most demanding member, then one
fine-tune per member (their labelled examples), pooling what its members bring: tokens, owned
nodes and cash. Members outside S bring nothing and get nothing. c(S) is the cheapest plan's cost;
math.inf when no plan meets every member of S (deadline = the earliest member deadline, budget =
the sum of member budgets plus cash when every member states one).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from itertools import combinations

from pydantic import ValidationError

from planner.catalog import Catalog
from planner.errors import InputError, pydantic_errors
from planner.executor import run_all
from planner.scenario import Scenario


def member_target_losses(scenario: Scenario, catalog: Catalog) -> list[float | None]:
    """Each member's target as a loss under the planner's law; a member without a target of its own
    takes the consortium's (the scenario refuses a member with neither)."""
    from planner.quality import target_loss

    out = []
    for m in scenario.members:
        target = scenario.target if m.target.empty else m.target
        single = scenario.model_copy(update={"target": target, "members": []})
        out.append(None if target.empty else target_loss(single, catalog))
    return out


def coalition_scenario(scenario: Scenario, coalition: Iterable[int], losses: list[float | None]) -> Scenario:
    """The single-team scenario a coalition faces (validated like any scenario)."""
    members = [scenario.members[i] for i in sorted(coalition)]
    if not members:
        raise InputError("coalition", "is empty")
    wanted = [losses[i] for i in sorted(coalition) if losses[i] is not None]
    data = scenario.data.model_dump()
    data["unique_tokens"] = scenario.data.unique_tokens + sum(m.brings_tokens for m in members)
    data["labelled_examples_needed"] = sum(m.labelled_examples_needed for m in members)
    budgets = [m.budget_usd for m in members]
    raw = scenario.model_dump()
    raw.update(
        name=f"{scenario.name}[{'+'.join(m.name for m in members)}]",
        target={**_shared_limits(scenario, members), "loss": min(wanted)} if wanted
        else scenario.target.model_dump(exclude_none=True),
        deadline_days=min(m.deadline_days or scenario.deadline_days for m in members),
        budget_usd=(sum(budgets) + sum(m.brings_cash_usd for m in members)) if None not in budgets else None,
        data=data,
        owned_hardware=[h.model_dump() for h in scenario.owned_hardware]
        + [h.model_dump() for m in members for h in m.brings_hardware],
        members=[],
    )
    if not wanted and raw["target"] == {} and raw["budget_usd"] is None:
        raise InputError(f"scenario members {[m.name for m in members]}", "no member states a target or a budget")
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:  # e.g. pooled tokens a member's own entry left implausible
        raise pydantic_errors(f"scenario {scenario.name}, coalition {[m.name for m in members]}", exc) from None


def _shared_limits(scenario: Scenario, members) -> dict[str, object]:
    """What every member's target (its own, or the consortium's) asks of the model besides its loss: the
    smallest max_params, the largest min_params and their common domain (members on different domains
    cannot share one model's loss)."""
    targets = [scenario.target if m.target.empty else m.target for m in members]
    kept = [t.kept_fields() for t in targets]
    out: dict[str, object] = {}
    highs = [k["max_params"] for k in kept if "max_params" in k]
    lows = [k["min_params"] for k in kept if "min_params" in k]
    if highs:
        out["max_params"] = min(highs)
    if lows:
        out["min_params"] = max(lows)
    domains = {(k.get("domain"), k.get("domain_gap_nats")) for k in kept}
    if len(domains) > 1:
        raise InputError(f"scenario members {[m.name for m in members]}", "state targets on different domains",
                         "give every member's target the same domain (or none)")
    domain, gap = domains.pop()
    out.update({k: v for k, v in (("domain", domain), ("domain_gap_nats", gap)) if v is not None})
    return out


def coalition_cost(job: tuple[Scenario, Catalog, str]) -> float:
    """c(S) from the coalition's scenario: the cheapest plan's cost, math.inf when none exists.
    Top level so that worker processes can run it."""
    scenario, catalog, solver = job
    from planner.planning import make_plan

    plan = make_plan(scenario, catalog, solver=solver, explain=False, diagnose=False)
    return math.inf if plan.status == "infeasible" else plan.total_cost_usd


def all_coalitions(n: int) -> list[frozenset[int]]:
    return [frozenset(c) for k in range(1, n + 1) for c in combinations(range(n), k)]


def coalition_costs(scenario: Scenario, catalog: Catalog, coalitions: list[frozenset[int]], solver: str = "cbc",
                    executor: str = "local", workers: int | None = None, ray_address: str | None = None,
                    progress: Callable[[int, int], None] | None = None) -> dict[frozenset[int], float]:
    """c(S) for each coalition. Coalitions that face the same scenario (same strictest target,
    deadline, pooled tokens, examples, hardware and budget) have the same cost, so each distinct
    scenario is planned once. The plans are independent and go through planner.executor, ordered
    by target and data so that consecutive plans share stage workloads and a worker's memoised
    option prices (planner.options.priced_stage) serve the next. progress counts distinct plans.
    """
    losses = member_target_losses(scenario, catalog)
    faced = {c: coalition_scenario(scenario, c, losses) for c in coalitions}
    distinct: dict[str, Scenario] = {}
    for s in faced.values():
        distinct.setdefault(_plan_key(s), s)
    keys = sorted(distinct, key=lambda k: _similarity_order(distinct[k]))
    results = run_all(coalition_cost, [(distinct[k], catalog, solver) for k in keys], executor=executor,
                      workers=workers, progress=progress, ray_address=ray_address)
    cost = dict(zip(keys, results))
    return {c: cost[_plan_key(s)] for c, s in faced.items()}


def _plan_key(scenario: Scenario) -> str:
    """Everything that can change the plan (the name, which lists the members, cannot)."""
    return scenario.model_dump_json(exclude={"name"})


def _similarity_order(scenario: Scenario) -> tuple:
    return (scenario.target.model_dump_json(), scenario.data.unique_tokens, scenario.deadline_days,
            scenario.data.labelled_examples_needed, _plan_key(scenario))
