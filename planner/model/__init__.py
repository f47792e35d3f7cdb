"""The training-plan MIP, built from pure data (a Problem) as a PuLP problem.

build_model runs, in order, the variable families, the cost terms and objectives, then the
constraint families; each is one small function whose docstring states its math (docs/model.md
lists them and proves the formulation exact). Links between binaries and continuous quantities are
direct inequalities (x ≤ u, Σ u ≤ J·y, t ≥ a·u, B ≥ n·u); the one big-M, for the last day of an
availability window, is the stage's horizon derived from the problem (window_end).
"""

from __future__ import annotations

import dataclasses

import pulp

from planner.model import constraints, objective, variables
from planner.model.index import Index
from planner.model.plan_model import PlanModel
from planner.problem import Problem

OBJECTIVES = ("cost", "quality", "time")

VARIABLES = (variables.add_path_choice, variables.add_option_use, variables.add_schedule,
             variables.add_new_nodes, variables.add_billing_top_up, variables.add_staffed_days,
             variables.add_late_days, variables.add_pools)
EXPRESSIONS = (objective.cost_terms, objective.objectives)
CONSTRAINTS = (
    constraints.one_path,
    constraints.fraction_within_use,
    constraints.options_per_stage,
    constraints.stage_done_once,
    constraints.blocks_in_sequence,
    constraints.lead_time,
    constraints.lead_time_by_fraction,
    constraints.stage_ready,
    constraints.block_fits_window,
    constraints.minimum_billing,
    constraints.window_end,
    constraints.plan_end,
    constraints.staffed_calendar,
    constraints.release_day,
    constraints.deadline,
    constraints.first_run_deadline,
    constraints.due_day,
    constraints.capacity_nodes,
    constraints.capacity_nodes_by_fraction,
    constraints.capacity_node_days,
    constraints.capacity_reach,
    constraints.capacity_quota,
    constraints.pool_shared_over_time,
    constraints.capital_budget_per_period,
    constraints.budget,
    constraints.project_budget,
    constraints.quality_target,
    constraints.carbon_cap,
    constraints.provider_share,
    constraints.provider_share_per_stage,
)


def build_model(problem: Problem, objective: str = "cost", **overrides) -> PlanModel:
    """Build the MIP for `problem`, minimising `objective` ('cost', 'quality' or 'time').

    overrides replace Problem fields for this build, e.g. deadline_days=None drops the deadline.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    if overrides:
        problem = dataclasses.replace(problem, **overrides)
    m = PlanModel(problem, objective, Index.of(problem), pulp.LpProblem("training_plan", pulp.LpMinimize))
    for family in (*VARIABLES, *EXPRESSIONS, *CONSTRAINTS):
        family(m)
    m.lp.setObjective(m.objectives[objective])
    return m


__all__ = ["OBJECTIVES", "PlanModel", "build_model"]
