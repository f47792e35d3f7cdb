"""When no plan exists: the smallest change to one bound that makes a plan exist.

Each entry re-solves the same model with one bound relaxed and the others kept:
  extra budget  = min cost with no budget − budget
  extra days    = min end day with no deadline − deadline
  looser target = best loss reachable within budget and deadline − target
  more quota    = quotas of bought/reserved pools ×10 (at least the largest option's need); the
                  cheapest plan then says which pools need more nodes, and how many in total
                  (quota_increases; more_quota says it in words).
An entry is None when its bound is absent or relaxing it alone does not help (or, with a time
limit, when the re-solve found no plan in time).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from planner.problem import Problem
from planner.solve import solve


@dataclass(frozen=True)
class QuotaIncrease:
    capacity_id: str
    nodes: int  # new nodes the plan needs in this pool
    max_new_nodes: int  # the pool's current quota


@dataclass(frozen=True)
class Diagnosis:
    extra_budget_usd: float | None = None
    extra_days: float | None = None
    looser_target_loss: float | None = None
    quota_increases: tuple[QuotaIncrease, ...] | None = None

    @property
    def more_quota(self) -> str | None:
        """quota_increases in words, e.g. "'buy:h100' 12 new nodes (quota 8)"."""
        if not self.quota_increases:
            return None
        return "; ".join(f"'{q.capacity_id}' {q.nodes} new nodes (quota {q.max_new_nodes})"
                         for q in self.quota_increases)


def diagnose(problem: Problem, solver: str = "cbc", time_limit_s: float | None = None) -> Diagnosis:
    """Call when solve() finds no plan; each entry is found by one re-solve (see module doc)."""
    def excess(objective: str, bound: float | None, **relaxed) -> float | None:
        if bound is None:
            return None
        s = solve(problem, objective, solver, time_limit_s, **relaxed)
        return max(0.0, s.objective_value - bound) if s.has_plan else None

    return Diagnosis(
        extra_budget_usd=excess("cost", problem.budget_usd, budget_usd=None),
        extra_days=excess("time", problem.deadline_days, deadline_days=None),
        looser_target_loss=excess("quality", problem.target_loss, target_loss=None),
        quota_increases=_quota_increases(problem, solver, time_limit_s),
    )


def _quota_increases(problem: Problem, solver: str,
                     time_limit_s: float | None) -> tuple[QuotaIncrease, ...] | None:
    """Pools the cheapest plan with widened quotas fills beyond their present quota."""
    needs = {}
    for path in problem.paths:
        for stage in path.stages:
            for o in stage.options:
                if o.capacity is not None:
                    needs[o.capacity] = max(needs.get(o.capacity, 0), o.nodes)
    widened = tuple(
        dataclasses.replace(c, max_new_nodes=max(10 * c.max_new_nodes, needs.get(c.id, 0) - c.held_nodes))
        if c.kind != "held" else c
        for c in problem.capacities)
    s = solve(problem, "cost", solver, time_limit_s, capacities=widened)
    if not s.has_plan:
        return None
    quota = {c.id: c.max_new_nodes for c in problem.capacities}
    raised = tuple(QuotaIncrease(c, n, quota[c]) for c, n in s.capacities.items() if n > quota[c])
    return raised or None
