"""The typed result of `plan portfolio`: the procurement schedule, each project's plan, and the
comparison with renting everything and owning everything. Days are from the portfolio's day 0
except inside each project's `plan`, which is on the project's own clock (day 0 = its start_day)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.results import Plan, _Out

SCHEMA_VERSION = 1


class PoolLine(_Out):
    item: str = Field(description="The pool: capacity id (server type @ site ~ order day, or reservation term:offer).")
    action: Literal["buy", "reserve"]
    what: str = Field(description="Server type (buy) or cloud offer (reserve).")
    chip: str
    vendor: str
    quantity_nodes: int
    order_day: float = Field(description="Day the order is placed or the reservation signed, days from day 0.")
    delivery_day: float = Field(description="Day the nodes can run, days from day 0.")
    payment_day: float = Field(description="Day the list price or the whole-term fee is paid, days from day 0.")
    end_day: float = Field(description="Buy: the horizon end (resale or valuation day); reserve: the term's end, "
                                        "days from day 0.")
    list_price_usd: float = Field(description="List price of all nodes (buy) or the whole-term fee (reserve), USD.")
    end_value_usd: float = Field(description="Resale proceeds or book value kept on end_day, all nodes, USD.")
    charged_usd: float = Field(description="What the portfolio is charged for the pool over the calendar, USD.")
    used_by: list[str] = Field(description="Projects that run on the pool.")
    node_days_used: float = Field(description="Node-days the projects' runs use, all runs, node-days.")
    node_days_held: float = Field(description="Node-days held (delivery to end), node-days.")
    utilisation: float = Field(description="node_days_used / node_days_held, fraction 0-1.")


class PoolUse(_Out):
    item: str = Field(description="The pool (PoolLine.item).")
    project: str
    run: int = Field(description="Run of the project's program, from 1.")
    stage: str
    nodes: int
    start_day: float = Field(description="Days from the portfolio's day 0.")
    end_day: float = Field(description="Days from the portfolio's day 0.")


class ProjectResult(_Out):
    name: str
    start_day: float = Field(description="First day it may train, days from day 0.")
    deadline_day: float = Field(description="Its first run's hard deadline, days from day 0.")
    due_day: float | None = Field(description="Day after which late days cost, days from day 0.")
    end_day: float = Field(description="Day its first run ends, days from day 0.")
    late_days: float = Field(description="Days its first run ends after due_day, days.")
    own_cost_usd: float = Field(description="Its own spend (everything but the shared pools), USD.")
    plan: Plan = Field(description="The project's plan on its own clock (day 0 = start_day), without pool charges.")


class Comparison(_Out):
    sourcing: Literal["rent_everything", "own_everything"]
    total_cost_usd: float | None = Field(description="Cost of the best portfolio plan sourced only so, USD "
                                                     "(null: none exists).")
    status: str
    saving_usd: float | None = Field(description="Its cost minus the chosen plan's, USD.")


class WhatIf(_Out):
    change: str = Field(description="What was changed: a purchase taken away, a project dropped, or server list prices scaled.")
    status: str
    total_cost_usd: float | None = Field(description="The best plan after the change, USD (null: none).")
    procurement: dict[str, int] = Field(description="Its pools: item -> nodes bought or reserved.")
    flips_above_usd: float | None = Field(description="A purchase taken away: how much its net charge may rise "
                                                      "before not buying it is as cheap, USD (at most).")
    note: str


class PortfolioPlan(_Out):
    schema_version: int = SCHEMA_VERSION
    name: str
    status: Literal["optimal", "feasible", "infeasible", "timeout"]
    gap: float | None = Field(None, description="(plan − best bound) / plan when a time limit stopped the search.")
    solver: str
    horizon_day: float = Field(description="Day bought servers are held to, days from day 0.")
    total_cost_usd: float | None = None
    cost_breakdown_usd: dict[str, float] = Field(default_factory=dict, description="By kind, USD; 'pools' is the "
                                                 "shared capacity's per-node charges.")
    procurement: list[PoolLine] = Field(default_factory=list, description="What to order or reserve, earliest first.")
    pool_use: list[PoolUse] = Field(default_factory=list, description="Who runs on each pool, when.")
    projects: list[ProjectResult] = Field(default_factory=list)
    comparisons: list[Comparison] = Field(default_factory=list)
    what_if: list[WhatIf] = Field(default_factory=list, description="With --what-if: each purchase taken away "
                                  "and each project dropped, re-planned; with --server-price-factors: the "
                                  "portfolio re-planned at each factor of every server's list price.")
    solve_seconds: float = Field(0.0, description="Solver time, seconds.")
    model_size: dict[str, int] = Field(default_factory=dict, description="MIP variables and constraints.")
