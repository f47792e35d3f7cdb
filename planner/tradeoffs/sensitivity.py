"""How far each key input can move before the plan's decision changes, and when owning pays.

For each input (cloud GPU-hour prices per provider and for all, server capex, electricity, MFU,
failure rate, lead time) and each direction, the scenario is re-solved with the input times a
multiplier m: first at the end of the range (m = `high` or `low`); if the decision (path, chips,
rented/bought/owned; planner.tradeoffs.decision) is still the same there, it holds over the whole
range. Otherwise the switch is bracketed by bisection on log m, `steps` solves more, so the
reported multiplier is within a factor (range)^(1/2^steps) of the switch (±2 % for the default
range ×4 and 5 steps). Bisection assumes a single switch within the range. All searches of one
round are solved together through planner.executor.run_all.

Break-even utilisation (owning vs renting a node, planning.owning_vs_renting): the busy share of the
days a bought node is held at which the ownership cost function (planner.ownership) equals renting
the same node-days, next to the share the plan's work would fill.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field

from planner.catalog import Catalog
from planner.executor import run_all
from planner.results import Plan
from planner.planning import owning_vs_renting
from planner.scenario import Scenario
from planner.tradeoffs.decision import SOURCING, Decision, change, decision
from planner.tradeoffs.perturb import ALL, Multipliers, solve_under

PRICE_RANGE = (0.25, 4.0)
MFU_RANGE = (0.5, 1.5)


class Factor(BaseModel):
    id: str = Field(description="Input moved, as planner.tradeoffs.perturb.Multipliers.single reads it.")
    label: str = Field(description="Noun phrase, e.g. 'AWS GPU-hour prices', 'the failure rate'.")
    plural: bool = Field(True, description="Whether the label takes 'rise'/'fall' (else 'rises'/'falls').")
    low: float = Field(description="Smallest multiplier searched.")
    high: float = Field(description="Largest multiplier searched.")


class Threshold(BaseModel):
    factor: str
    label: str
    direction: Literal["up", "down"]
    limit: float = Field(description="End of the searched range (multiplier).")
    stays_until: float = Field(description="Furthest multiplier tried at which the decision is unchanged.")
    changes_at: float | None = Field(description="Nearest multiplier tried at which it changed (None: never).")
    new_decision: str | None = None
    change: str | None = None
    cost_at_change_usd: float | None = None
    message: str


class BreakEven(BaseModel):
    chip: str
    hardware: str
    rent_usd_per_node_hour: float | None = Field(
        description="Cheapest allowed on-demand GPU-hour times the server's GPUs (None: no offer).")
    electricity_usd_per_node_hour: float
    holding_usd_per_node: float | None = Field(
        description="What one bought node costs from delivery to the horizon end, idle, USD (None: arrives too late).")
    held_days: float | None = Field(description="Days a bought node is held: delivery to the horizon end.")
    utilisation: float | None = Field(description="Busy share of the days held above which owning is cheaper "
                                                  "(None: never).")
    plan_utilisation: float | None = Field(description="This plan's node-days on the chip over nodes x days held.")
    message: str


class Sensitivity(BaseModel):
    """thresholds: nearest switch first (smallest |log multiplier|), then the inputs that never switch it."""

    decision: str
    total_cost_usd: float
    thresholds: list[Threshold]
    breakeven: list[BreakEven]
    solves: int


def factors_for(plan: Plan, scenario: Scenario) -> list[Factor]:
    """The inputs that can matter to this scenario, per provider / server / chip the plan uses."""
    policy = scenario.policy
    segs = [s for _, s, _ in plan.all_segments()]
    out = []
    if policy.cloud_allowed:
        out.append(Factor(id=f"cloud_price:{ALL}", label="all cloud GPU-hour prices", low=PRICE_RANGE[0],
                          high=PRICE_RANGE[1]))
        for provider in sorted({s.provider for s in segs if SOURCING[s.source] == "rented"}):
            out.append(Factor(id=f"cloud_price:{provider}", label=f"{provider} GPU-hour prices",
                              low=PRICE_RANGE[0], high=PRICE_RANGE[1]))
    if policy.buy_allowed:
        out.append(Factor(id=f"capex:{ALL}", label="all server prices", low=PRICE_RANGE[0], high=PRICE_RANGE[1]))
        for hw in sorted({_hardware_id(s.offer) for s in segs if s.source == "owned"}):
            out.append(Factor(id=f"capex:{hw}", label=f"{hw} server prices", low=PRICE_RANGE[0], high=PRICE_RANGE[1]))
        out.append(Factor(id="lead_time", label="server lead times", low=PRICE_RANGE[0], high=PRICE_RANGE[1]))
    if policy.buy_allowed or scenario.owned_hardware:
        out.append(Factor(id="electricity", label="electricity prices", low=PRICE_RANGE[0], high=PRICE_RANGE[1]))
    out.append(Factor(id=f"mfu:{ALL}", label="MFU of every chip", plural=False, low=MFU_RANGE[0], high=MFU_RANGE[1]))
    for chip in sorted({s.chip for s in segs}):
        out.append(Factor(id=f"mfu:{chip}", label=f"{chip} MFU", plural=False, low=MFU_RANGE[0], high=MFU_RANGE[1]))
    out.append(Factor(id="failure_rate", label="the failure rate", plural=False, low=PRICE_RANGE[0],
                      high=PRICE_RANGE[1]))
    return out


@dataclass
class _Search:
    factor: Factor
    up: bool
    hi: float  # multiplier at which the decision is known to differ (or the limit, before it is tried)
    lo: float = 1.0  # multiplier at which the decision is known to hold
    changed: Plan | None = None


def sensitivity(plan: Plan, scenario: Scenario, catalog: Catalog, factors: list[Factor] | None = None,
                steps: int = 5, base: Multipliers | None = None, solver: str = "cbc", executor: str = "local",
                workers: int | None = None, ray_address: str | None = None,
                progress: Callable[[int, int], None] | None = None, time_limit_s: float | None = None) -> Sensitivity:
    """Thresholds for each factor up and down, and break-even utilisation for the plan's chips.

    `plan` must be the plan of `scenario` under `base` (the inputs it was planned with, e.g. the
    robust multipliers); each search moves one factor on top of `base`. time_limit_s bounds each
    re-plan's solve.
    """
    if plan.status == "infeasible":
        raise ValueError("sensitivity needs a plan; the scenario has none")
    base = base or Multipliers()
    was = decision(plan)
    factors = factors if factors is not None else factors_for(plan, scenario)
    searches = [_Search(f, up, f.high if up else f.low) for f in factors for up in (True, False)]
    done, total = 0, len(searches) * (1 + steps)

    def solve(batch: list[_Search], values: list[float]) -> list[Plan]:
        nonlocal done
        jobs = [(scenario, catalog, base.times(Multipliers.single(s.factor.id, v)), solver, False, time_limit_s)
                for s, v in zip(batch, values)]
        tick = (lambda d, _t: progress(done + d, total)) if progress else None
        plans = run_all(solve_under, jobs, executor=executor, workers=workers, progress=tick, ray_address=ray_address)
        done += len(jobs)
        return plans

    for s, p in zip(searches, solve(searches, [s.hi for s in searches])):
        s.changed = None if decision(p) == was else p
    total = done + steps * sum(s.changed is not None for s in searches)
    for _ in range(steps):
        open_ = [s for s in searches if s.changed is not None]
        mids = [math.sqrt(s.lo * s.hi) for s in open_]
        for s, mid, p in zip(open_, mids, solve(open_, mids)):
            if decision(p) == was:
                s.lo = mid
            else:
                s.hi, s.changed = mid, p
    # nearest switch first: the inputs the decision is most sensitive to lead
    searches.sort(key=lambda s: (s.changed is None, abs(math.log(s.hi))))
    return Sensitivity(decision=was.headline, total_cost_usd=plan.total_cost_usd,
                       thresholds=[_threshold(s, was) for s in searches],
                       breakeven=breakeven(plan, scenario, catalog), solves=done)


def _threshold(s: _Search, was: Decision) -> Threshold:
    verb = ("rise" if s.up else "fall") + ("" if s.factor.plural else "s")
    limit = s.factor.high if s.up else s.factor.low

    def pct(m: float) -> str:
        return f"+{m - 1:.0%}" if s.up else f"{1 - m:.0%}"

    common = dict(factor=s.factor.id, label=s.factor.label, direction="up" if s.up else "down", limit=limit)
    if s.changed is None:
        return Threshold(**common, stays_until=limit, changes_at=None,
                         message=f"{_capital(was.headline)} stays optimal even if {s.factor.label} {verb} by "
                                 f"{pct(limit)}.")
    new = decision(s.changed)
    what = change(was, new)
    cost = s.changed.total_cost_usd
    then = f"{what}, {cost:,.0f} USD" if cost is not None else what
    return Threshold(**common, stays_until=s.lo, changes_at=s.hi, new_decision=new.headline, change=what,
                     cost_at_change_usd=cost,
                     message=f"{_capital(was.headline)} stays optimal until {s.factor.label} {verb} by {pct(s.hi)} "
                             f"(then {then}).")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def breakeven(plan: Plan, scenario: Scenario, catalog: Catalog) -> list[BreakEven]:
    """For each chip in the plan and each server type with it: break-even and actual utilisation over
    the days a bought server is held (planning.owning_vs_renting, the optimiser's cost function)."""
    out = []
    for row in owning_vs_renting(plan, scenario, catalog):
        hw, chip, h = row.hardware, row.chip, row.holding
        if row.rent_usd_per_node_day is None:
            message = f"{hw} ({chip}): no allowed on-demand offer to compare owning with."
        elif h is None:
            message = f"{hw} ({chip}) cannot be delivered before the deadline."
        elif row.utilisation is None:
            message = (f"Owning {hw} ({chip}) from day {h.delivery_day:g} to day {h.end_day:,.0f} never pays off "
                       f"against renting at {row.rent_usd_per_node_day / 24.0:,.2f} USD/node-hour.")
        else:
            message = (f"Owning {hw} ({chip}) from day {h.delivery_day:g} to day {h.end_day:,.0f} beats renting at "
                       f"{row.rent_usd_per_node_day / 24.0:,.2f} USD/node-hour above {row.utilisation:.0%} "
                       "utilisation.")
        if h is not None and row.plan_utilisation is not None:
            message += f" This plan's work would keep them {row.plan_utilisation:.0%} busy."
        out.append(BreakEven(
            chip=chip, hardware=hw,
            rent_usd_per_node_hour=None if row.rent_usd_per_node_day is None else row.rent_usd_per_node_day / 24.0,
            electricity_usd_per_node_hour=row.power_usd_per_node_day / 24.0,
            holding_usd_per_node=None if h is None else h.net_usd, held_days=None if h is None else h.held_days,
            utilisation=row.utilisation, plan_utilisation=row.plan_utilisation, message=message))
    return out


def _hardware_id(pool: str) -> str:
    """'buy:dgx-h100@us-virginia' -> 'dgx-h100'."""
    return pool.split(":", 1)[1].split("@")[0]
