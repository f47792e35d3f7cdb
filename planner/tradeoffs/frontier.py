"""Pareto frontiers by ε-constraint: re-solve the scenario with one bound moved over a grid.

* deadline: the cheapest plan for each deadline (cost vs deadline);
* budget:   the best-quality plan within each budget (loss vs budget);
* target:   the cheapest plan reaching each target loss (cost vs target).

Each point is a full plan. When cost is minimised the scenario's budget is lifted, so a point
shows what that deadline or target would cost even above the budget (views mark the budget).
In every case a smaller value is the more demanding bound; a point whose outcome (cost, or
loss under the budget sweep) is no better than at a more demanding value is *dominated*: the
extra slack buys nothing. That happens, for example, when a longer deadline makes bought hardware
carry a longer share of its life. Dominated points are flagged, never drawn as optimal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from planner.catalog import Catalog
from planner.errors import InputError
from planner.executor import run_all
from planner.results import Plan
from planner.quality import target_loss as resolve_target_loss
from planner.scenario import Scenario
from planner.tradeoffs.decision import summary
from planner.tradeoffs.perturb import Multipliers, solve_under

Vary = Literal["deadline", "budget", "target"]
# Default sweep around the scenario's own value (multiples of it).
DEFAULT_SPAN = {"deadline": (0.25, 1.5), "budget": (0.25, 2.0), "target": (0.97, 1.06)}
MAX_DEADLINE_DAYS = 3650.0
REL_TOL = 1e-6


class FrontierPoint(BaseModel):
    value: float = Field(description="The bound at this point: deadline days, budget USD or target loss.")
    status: str
    total_cost_usd: float | None
    predicted_loss: float | None
    end_day: float | None
    summary: str = Field(description="Path kind/id, clusters (nodes × GPUs chip), sourcing and provider.")
    dominated: bool = Field(description="A more demanding bound does at least as well: not on the frontier.")
    plan: Plan | None = Field(None, exclude=True, description="The full plan (API only; left out of JSON).")


class Frontier(BaseModel):
    schema_version: int = 1
    vary: Vary
    objective: Literal["cost", "quality"] = Field(description="What each point minimises: cost, or loss.")
    scenario: str
    deadline_days: float
    budget_usd: float | None
    target_loss: float | None
    points: list[FrontierPoint]

    @property
    def outcome(self) -> str:
        """The Plan field on the frontier's vertical axis."""
        return "predicted_loss" if self.objective == "quality" else "total_cost_usd"

    def over_budget(self, point: FrontierPoint) -> bool:
        """A cost frontier's point whose plan costs more than the scenario's budget (the sweep
        plans without it, to show the whole curve)."""
        y = point.total_cost_usd
        return self.budget_usd is not None and self.objective == "cost" and y is not None and y > self.budget_usd


def frontier(scenario: Scenario, catalog: Catalog, vary: Vary, points: int = 7, values: list[float] | None = None,
             lo: float | None = None, hi: float | None = None, base: Multipliers | None = None, solver: str = "cbc",
             executor: str = "local", workers: int | None = None, ray_address: str | None = None,
             progress: Callable[[int, int], None] | None = None, time_limit_s: float | None = None) -> Frontier:
    """Solve the scenario at each value of the varied bound (given, or `points` between lo and hi).

    base: inputs moved for every point (e.g. the robust multipliers the plan was made with);
    time_limit_s: bounds each solve (a point stopped before any plan shows as no plan).
    """
    objective = "quality" if vary == "budget" or scenario.target.empty else "cost"
    target = resolve_target_loss(scenario, catalog) if not scenario.target.empty else None
    values = sorted(values if values is not None else sweep_values(scenario, catalog, vary, points, lo, hi, target))
    jobs = [(point_scenario(scenario, vary, v, objective), catalog, base or Multipliers(), solver, True, time_limit_s)
            for v in values]
    plans = run_all(solve_under, jobs, executor=executor, workers=workers, progress=progress, ray_address=ray_address)
    pts = [FrontierPoint(value=v, status=p.status, total_cost_usd=p.total_cost_usd, predicted_loss=p.predicted_loss,
                         end_day=p.end_day, summary=summary(p), dominated=False, plan=p) for v, p in zip(values, plans)]
    flag_dominated(pts, "predicted_loss" if objective == "quality" else "total_cost_usd")
    return Frontier(vary=vary, objective=objective, scenario=scenario.name, deadline_days=scenario.deadline_days,
                    budget_usd=scenario.budget_usd, target_loss=target, points=pts)


def sweep_values(scenario: Scenario, catalog: Catalog, vary: Vary, points: int, lo: float | None, hi: float | None,
                 target: float | None) -> list[float]:
    """`points` values from lo to hi; unset ends default to DEFAULT_SPAN times the scenario's value,
    deadlines at most a program's every_days (runs may not overlap).

    Budgets are spaced geometrically (they span a factor), deadlines and targets evenly.
    """
    if points < 1:
        raise InputError("--points", f"must be at least 1 (got {points})")
    base = {"deadline": scenario.deadline_days, "budget": scenario.budget_usd, "target": target}[vary]
    if base is None and (lo is None or hi is None):
        what = "budget" if vary == "budget" else "target"
        raise InputError(f"scenario {scenario.name}", f"has no {what} to sweep around", "give --min and --max")
    lo = lo if lo is not None else base * DEFAULT_SPAN[vary][0]
    every = scenario.program.every_days if scenario.program.runs > 1 else None
    for flag, value in (("--min", lo), ("--max", hi)):
        if vary == "deadline" and every is not None and value is not None and value > every:
            raise InputError(f"{flag} {value:g}", f"a deadline past program.every_days ({every:g}) would overlap "
                                                  f"the program's runs", f"give {flag} at most {every:g}")
    hi = hi if hi is not None else base * DEFAULT_SPAN[vary][1]
    if vary == "deadline":  # a program's run must end before the next one's window opens
        hi = min(hi, MAX_DEADLINE_DAYS, every or MAX_DEADLINE_DAYS)
    if not 0 < lo <= hi:
        raise InputError("--min/--max", f"need 0 < min <= max (got {lo:g}, {hi:g})")
    if points == 1:
        return [lo]
    if vary == "budget":
        return [lo * (hi / lo) ** (i / (points - 1)) for i in range(points)]
    return [lo + (hi - lo) * i / (points - 1) for i in range(points)]


def point_scenario(scenario: Scenario, vary: Vary, value: float, objective: str) -> Scenario:
    """The scenario with the varied bound set; the budget is lifted when cost is minimised."""
    data = scenario.model_dump()
    data["objective"] = objective
    if vary == "deadline":
        data["deadline_days"] = value
    elif vary == "budget":
        data["budget_usd"] = value
    else:
        data["target"] = {**scenario.target.kept_fields(), "loss": value}
    if objective == "cost":
        data["budget_usd"] = None
    return Scenario.model_validate(data)


def flag_dominated(points: list[FrontierPoint], outcome: str) -> None:
    """Mark points whose outcome is no better than that of a point with a smaller (more demanding) value."""
    best = None
    for p in sorted(points, key=lambda p: p.value):
        y = getattr(p, outcome)
        if p.status == "infeasible" or y is None:
            continue
        p.dominated = best is not None and y >= best - REL_TOL * max(abs(best), 1.0)
        if not p.dominated:
            best = y
