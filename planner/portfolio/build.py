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
path dear alone can be the cheapest once capacity is shared.
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
from planner.presolve import _keep_cloud_hulls
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


def build(portfolio: Portfolio, scenarios: list[Scenario], catalog: Catalog,
          cloud_only: bool = False, owned_only: bool = False) -> Built:
    """The one MIP over the portfolio. cloud_only / owned_only: the comparison plans (rent everything:
    no bought or reserved pool; own everything: no rental)."""
    horizon = horizon_day(portfolio, scenarios)
    order_days = _order_days(portfolio, scenarios, catalog)
    paths, projects, capacities, candidates = [], [], {}, {}
    for proj, scenario in zip(portfolio.projects, scenarios):
        if cloud_only:
            scenario = scenario.model_copy(update={"policy": scenario.policy.model_copy(
                update={"buy_allowed": False, "reserved_allowed": False})})
        if owned_only:
            scenario = scenario.model_copy(update={"policy": scenario.policy.model_copy(
                update={"cloud_allowed": False})})
        target = resolve_target_loss(scenario, catalog)
        cands = prune(generate_candidates(scenario, catalog, target_loss=target))
        single = build_problem(scenario, catalog, cands, "cost", target_loss=target, keep_all=True) if cands else None
        if single is None:
            raise InputError(f"portfolio project '{proj.name}'", "no candidate path fits its scenario",
                             f"plan it alone (`plan` on its scenario) to see why")
        single = _keep_cloud_hulls(single)
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
    return Built(problem, candidates, horizon)


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
        stages.append(StageOptions(stage.name, tuple(options), ready_day=start + stage.ready_day))
    return dataclasses.replace(path, id=f"{project}/{path.id}", stages=tuple(stages))

