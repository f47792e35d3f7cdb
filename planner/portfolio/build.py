"""A portfolio's MIP data: each project's paths and options as `plan` builds them, placed on the
portfolio's calendar, with their bought and reserved capacity replaced by shared pools.

* Paths are renamed `project/path`; a stage's ready day moves by the project's start day.
* Bought servers of one type at the portfolio's site form one pool per order day. Orders fall on
  the period grid (a quarter by default): day 0, and for each project the last period start from
  which the servers arrive by its start. A node ordered on day d is delivered after the lead time and
  held to the portfolio's horizon (planner.ownership.holding); any project whose first run can end
  after the delivery may use the pool.
* Reservations are signed on day 0 for their whole term, as for a single plan; a project may use one
  if its every run ends within the term.
Cloud options are unchanged. Projects keep every candidate path (build_problem(keep_all=True)): a
path dear alone can be the cheapest once capacity is shared. A project's program repeats its first
run's schedule in every window (build_problem(later_schedule=False)): the later runs do not get a
schedule of their own here as they do in a single plan (docs/model.md).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from planner.catalog import Catalog
from planner.errors import InputError
from planner.options import build_problem
from planner.ownership import DAYS_PER_MONTH, holding
from planner.paths import generate_candidates, prune
from planner.portfolio.inputs import Portfolio, horizon_day
from planner.presolve import SLACK, _keep_cloud_hulls, _prune_by_cost, greedy_upper_bound
from planner.problem import Capacity, Option, Path, Problem, Project, StageOptions
from planner.quality import target_loss as resolve_target_loss
from planner.scenario import Scenario
from planner.workload import Candidate


@dataclass(frozen=True)
class Built:
    """The portfolio's Problem, and for each project its candidates by (unprefixed) path id."""

    problem: Problem
    candidates: dict[str, dict[str, Candidate]]
    horizon_day: float
    cloud_plan_usd: float  # every project on its simple cloud plan (presolve's greedy); inf if one has none


def build(portfolio: Portfolio, scenarios: list[Scenario], catalog: Catalog,
          cloud_only: bool = False, owned_only: bool = False) -> Built:
    """The one MIP over the portfolio. cloud_only / owned_only: the comparison plans (rent everything:
    no bought or reserved pool; own everything: no rental)."""
    horizon = horizon_day(portfolio, scenarios)
    order_days = _order_days(portfolio, scenarios, catalog)
    paths, projects, capacities, candidates, cloud_total = [], [], {}, {}, 0.0
    for proj, scenario in zip(portfolio.projects, scenarios):
        if cloud_only:
            scenario = scenario.model_copy(update={"policy": scenario.policy.model_copy(
                update={"buy_allowed": False, "reserved_allowed": False})})
        if owned_only:
            scenario = scenario.model_copy(update={"policy": scenario.policy.model_copy(
                update={"cloud_allowed": False})})
        target = resolve_target_loss(scenario, catalog)
        cands = prune(generate_candidates(scenario, catalog, target_loss=target))
        single = (build_problem(scenario, catalog, cands, "cost", target_loss=target, keep_all=True, later_schedule=False)
                  if cands else None)
        if single is None:
            raise InputError(f"portfolio project '{proj.name}'", "no candidate path fits its scenario",
                             f"plan it alone (`plan` on its scenario) to see why")
        single, cloud_usd = _prune_by_cloud_bound(single, proj.due_day, proj.start_day)
        single = _keep_cloud_hulls(single)
        cloud_total += cloud_usd
        later = single.later_runs_days
        deadline = proj.start_day + scenario.deadline_days
        busy_until = deadline + later
        pools = _shared_pools(single, proj.start_day, deadline, busy_until, horizon, order_days, portfolio, catalog)
        capacities.update({c.id: c for variants in pools.values() for c in variants})
        own = [_placed(path, proj.name, proj.start_day, pools) for path in single.paths]
        own = [k for k in own if k is not None]
        if not own:
            raise InputError(f"portfolio project '{proj.name}'", "no path can run in its window",
                             "widen its window or its policy")
        paths += own
        candidates[proj.name] = {c.id: c for c in cands}
        projects.append(Project(
            id=proj.name, path_ids=tuple(k.id for k in own), start_day=proj.start_day, deadline_day=deadline,
            due_day=proj.due_day, late_usd_per_day=proj.late_usd_per_day if proj.due_day is not None else 0.0,
            runs=scenario.program.runs, budget_usd=scenario.budget_usd,
            staff_usd_per_day=scenario.staff_usd_per_month / DAYS_PER_MONTH, later_runs_days=later,
            staff_min_days=scenario.staff_min_days))
    used = {o.capacity for k in paths for s in k.stages for o in s.options if o.capacity}
    problem = Problem(paths=tuple(paths), capacities=tuple(c for c in capacities.values() if c.id in used),
                      projects=tuple(projects), budget_usd=portfolio.budget_usd,
                      period_days=portfolio.period_days,
                      capital_budget_usd_per_period=portfolio.capital_budget_usd_per_period)
    budget = math.inf if portfolio.budget_usd is None else portfolio.budget_usd
    return Built(problem, candidates, horizon, cloud_total if cloud_total <= budget else math.inf)


def _prune_by_cloud_bound(single: Problem, due_day: float | None, start_day: float) -> tuple[Problem, float]:
    """The project's paths and options that can be in an optimal portfolio plan.

    Any portfolio plan may swap a project's plan for its best simple cloud plan (presolve's greedy,
    finishing by the due day when late days cost): the shared pools then need no more nodes, so the
    total does not rise. Hence in an optimal portfolio plan a project's own spend is at most that
    plan's cost U, and a path or option whose own-spend floor (presolve._prune_by_cost with the pools'
    per-node charges at 0: another project may have paid for them) exceeds U is never in it.
    Also returns U (inf when the project has no simple cloud plan).
    """
    cloud = [dataclasses.replace(k, stages=tuple(dataclasses.replace(s, options=tuple(
        o for o in s.options if o.capacity is None)) for s in k.stages)) for k in single.paths]
    if not any(all(s.options for s in k.stages) for k in cloud):
        return single, math.inf
    bound = dataclasses.replace(single, paths=tuple(cloud), capacities=())
    if due_day is not None:
        bound = dataclasses.replace(bound, deadline_days=due_day - start_day)
    limit = greedy_upper_bound(bound)
    if not math.isfinite(limit):
        return single, math.inf
    free = tuple(dataclasses.replace(c, unit_cost_usd=0.0, hosting_usd_per_node=0.0) for c in single.capacities)
    pruned = _prune_by_cost(dataclasses.replace(single, capacities=free), limit * (1 + SLACK) + SLACK)
    kept = {c.id for c in pruned.capacities}
    return dataclasses.replace(pruned, capacities=tuple(c for c in single.capacities if c.id in kept)), limit


def _order_days(portfolio: Portfolio, scenarios: list[Scenario], catalog: Catalog) -> dict[str, list[float]]:
    """Per server type: day 0 and, per project, the last period start that delivers by its start."""
    period = portfolio.period_days
    days = {}
    for hw in catalog.hardware.values():
        found = {0.0}
        for proj in portfolio.projects:
            latest = proj.start_day - hw.lead_time_days
            if latest > 0:
                found.add(math.floor(latest / period) * period)
        days[hw.id] = sorted(found)
    return days


def _shared_pools(single: Problem, start: float, deadline: float, busy_until: float, horizon: float,
                  order_days: dict[str, list[float]], portfolio: Portfolio, catalog: Catalog) -> dict[str, list[Capacity]]:
    """For each capacity of the project's own Problem, the portfolio pools that replace it (none: the
    project cannot use it). Bought: one per order day whose delivery comes before its deadline.
    Reserved: the day-0 term, if every run of the project ends within it."""
    own = portfolio.ownership
    other = own.other_use.share * own.other_use.usd_per_node_day if own.other_use else 0.0
    pools: dict[str, list[Capacity]] = {}
    for cap in single.capacities:
        if cap.kind == "owned":
            hw = catalog.hardware[cap.id.split(":", 1)[1].split("@")[0]]
            variants = []
            for day in order_days[hw.id]:
                if day + hw.lead_time_days >= deadline:
                    continue
                held = holding(hw, own.accounting, horizon, own.financing_rate_per_year, other, order_day=day)
                variants.append(Capacity(
                    id=f"{cap.id}~order{day:g}", kind="owned", chip=cap.chip, vendor=cap.vendor,
                    unit_cost_usd=held.capital_usd + held.financing_usd - held.other_use_credit_usd,
                    hosting_usd_per_node=held.hosting_usd, unit_price_usd=hw.capex_usd_per_node, held_nodes=0,
                    max_new_nodes=cap.max_new_nodes, available_day=held.delivery_day, order_day=day))
            pools[cap.id] = variants
        elif cap.kind == "reserved":
            term = 365.0 * int(cap.id.split("-")[1].split("y")[0])
            pools[cap.id] = [dataclasses.replace(cap, available_until_day=term)] if busy_until <= term else []
        else:
            raise InputError("portfolio", f"capacity {cap.id} is held hardware", "held hardware is not shared yet")
    return pools


def _placed(path: Path, project: str, start: float, pools: dict[str, list[Capacity]]) -> Path | None:
    """The path on the portfolio's calendar: renamed, stages ready from the project's start, each option on
    a capacity copied onto every pool replacing it (None if a stage is left without options)."""
    stages = []
    for stage in path.stages:
        options: list[Option] = []
        for o in stage.options:
            if o.capacity is None:
                options.append(o)
                continue
            for pool in pools[o.capacity]:
                suffix = pool.id[len(o.capacity):]
                options.append(dataclasses.replace(o, id=o.id + suffix, capacity=pool.id))
        if not options:
            return None
        stages.append(dataclasses.replace(stage, options=tuple(options), ready_day=start + stage.ready_day))
    return dataclasses.replace(path, id=f"{project}/{path.id}", stages=tuple(stages))

