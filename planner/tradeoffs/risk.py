"""Risk: the chosen plan under uncertain inputs (Monte Carlo), and planning against a percentile.

Each draw scales MFU, the failure rate, cloud prices, electricity and server lead times by
independent random multipliers (DEFAULT_INPUTS, sources in docs/tradeoffs.md) and re-evaluates
the plan with its decisions held fixed: the same stages on the same offers and servers with the
same node counts and shares of work, in the same order. Every segment's hours come from the
compute model again; a segment starts when the previous one ends (after its data is ready), and
on bought servers not before they arrive (order day + drawn lead time); a rental segment spends its
start-up first. The re-timed plan is then costed by the independent evaluator (planner.evaluate)
at the moved inputs: rentals at the drawn prices, electricity on owned and held servers, bought
servers held from their drawn delivery to the horizon, staff until the last run ends; data, labelling and serving as the scenario prices them. Server
prices are not drawn: they are fixed by the quote at order time.

Draw i uses its own generator seeded by (seed, i), so results do not depend on how the draws are
split between workers. `robust_plan` plans with every input at its adverse P-th percentile
(MFU at its (1-P)-th) at once, which is conservative: the inputs are independent, so all of them
are rarely that bad together.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, Field

from planner.catalog import Catalog
from planner.errors import InputError
from planner.evaluate import evaluate, segment_estimate, stage_workload
from planner.executor import run_all
from planner.results import Plan
from planner.planning import HELD_OUT_NOTE, make_plan
from planner.scenario import Scenario, last_deadline_day
from planner.tradeoffs.perturb import ALL, Multipliers, apply

CHUNKS_PER_WORKER = 4


class Dist(BaseModel):
    """A multiplier's distribution: triangular(low, mode, high), or lognormal with median `mode`
    and log-sd `sigma`, clipped to [low, high]."""

    kind: Literal["triangular", "lognormal"]
    low: float = Field(gt=0)
    mode: float = Field(1.0, gt=0)
    high: float = Field(gt=0)
    sigma: float | None = Field(None, gt=0)
    source: str

    def quantile(self, u: float) -> float:
        """The multiplier at cumulative probability u (inverse CDF)."""
        if self.kind == "lognormal":
            z = statistics.NormalDist().inv_cdf(min(max(u, 1e-12), 1.0 - 1e-12))
            return min(max(self.mode * math.exp(self.sigma * z), self.low), self.high)
        lo, mo, hi = self.low, self.mode, self.high
        if u < (mo - lo) / (hi - lo):
            return lo + math.sqrt(u * (hi - lo) * (mo - lo))
        return hi - math.sqrt((1.0 - u) * (hi - lo) * (hi - mo))


class RiskInputs(BaseModel):
    mfu: Dist
    failure_rate: Dist
    cloud_price: Dist
    electricity: Dist
    lead_time: Dist

    def draw(self, rng: random.Random) -> Multipliers:
        return Multipliers(mfu={ALL: self.mfu.quantile(rng.random())},
                           failure_rate=self.failure_rate.quantile(rng.random()),
                           cloud_price={ALL: self.cloud_price.quantile(rng.random())},
                           electricity=self.electricity.quantile(rng.random()),
                           lead_time=self.lead_time.quantile(rng.random()))

    def adverse(self, p: float) -> Multipliers:
        """Every input at its adverse p-quantile: low MFU, high failure rate, prices and lead times."""
        return Multipliers(mfu={ALL: self.mfu.quantile(1.0 - p)}, failure_rate=self.failure_rate.quantile(p),
                           cloud_price={ALL: self.cloud_price.quantile(p)},
                           electricity=self.electricity.quantile(p), lead_time=self.lead_time.quantile(p))


DEFAULT_INPUTS = RiskInputs(
    mfu=Dist(kind="lognormal", mode=0.694, sigma=0.536, low=0.119, high=3.455, source=(
        "The compute model's error on runs no fit has seen (docs/fidelity.md): predicted / reported GPU-hours "
        "of the 165 held-out rows of collections 1-7 (72 benchmarks, 93 training runs), lognormal fit: median "
        "x0.694 (the model is optimistic), log-sd 0.536, clipped to the observed x0.119-x3.455. Checked before "
        "each refit: the fit on collections 1-3 put 28 of collection 4's 34 rows inside its 80% band, the fit on "
        "1-4 20 of collection 5's 27, the fit on 1-5 21 of collection 6's 31, the fit on 1-6 17 of collection 7's "
        "24 (collections 6 and 7 are all training runs). Of the training runs of collections 4 and 5 alone it held "
        "5 of 10 and 6 of 13.")),
    failure_rate=Dist(kind="triangular", low=0.62, high=1.71, source=(
        "Kokolis et al. 2024 measured 2.34 and 6.5 failures per 1,000 node-days on two A100 clusters, "
        "against the model's 3.8 (Llama 3 405B): x0.62 to x1.71.")),
    cloud_price=Dist(kind="triangular", low=0.56, high=1.38, source=(
        "Price moves within months: AWS cut P5 prices 44% in June 2025; the H100 1-year rental index rose "
        "38% from Oct 2025 to Mar 2026, 1.70 to 2.35 USD/h (SemiAnalysis H100 rental index, as reported in "
        "secondary sources).")),
    electricity=Dist(kind="triangular", low=0.95, high=1.16, source=(
        "US industrial electricity rose 11-16% from Apr 2024 to Apr 2025 (EIA Electric Power Monthly, "
        "Table 5.6.A); a 5% fall is assumed possible.")),
    lead_time=Dist(kind="lognormal", low=8 / 12, high=52 / 12, sigma=0.5, source=(
        "H100 server lead times: 8-12 weeks (Dell) and about 20 weeks (HPE) in 2024, 36-52 weeks in late "
        "2023 (Omdia, via Tom's Hardware; Dell and HPE via The Register). Median = the catalog's figure, P90 x1.9, "
        "clipped to 8/12 and 52/12 of a 12-week catalog lead time.")),
)


class Percentiles(BaseModel):
    p10: float
    p50: float
    p90: float
    mean: float


class Risk(BaseModel):
    draws: int
    seed: int
    deadline_days: float
    last_deadline_day: float = Field(description="The last run's deadline, days from today (deadline_days for one run).")
    budget_usd: float | None
    plan_cost_usd: float = Field(description="The plan's own figure, at the nominal inputs.")
    plan_end_day: float
    p_miss_deadline: float = Field(description="Share of draws in which some run ends after its own deadline.")
    p_over_budget: float | None = Field(description="Share of draws costing more than the budget (None: no budget).")
    cost_usd: Percentiles
    end_day: Percentiles
    costs_usd: list[float] = Field(description="Every draw's cost, in draw order.")
    end_days: list[float] = Field(description="Every draw's finish day, in draw order.")
    inputs: RiskInputs


def outcome_under(plan: Plan, scenario: Scenario, catalog: Catalog, m: Multipliers) -> tuple[float, float, float]:
    """(total cost USD, finish day of the last run, days the latest run ends past its own deadline:
    negative when every run is on time) of the plan's fixed decisions with the inputs moved by `m`.

    The plan is re-timed here (module doc) and costed by the independent evaluator
    (planner.evaluate) on the moved inputs, so every cost rule, capital charges included, is the
    evaluator's.
    """
    scenario, moved = apply(scenario, catalog, m)
    delivery = {f"buy:{p.item}": p.order_by_day + moved.hardware[p.item.split("@")[0]].lead_time_days
                for p in plan.procurement if p.action == "buy"}
    ready = {d.feeds: d.end_day for d in plan.data_steps}
    window = plan.runs[1].window_start_day if plan.later_stages else 0.0  # the later runs' schedule: run 2's

    def retimed(schedule, opens: float):
        clock, stages = opens, []
        for stage in schedule:
            w = stage_workload(stage)
            segments = []
            for seg in sorted(stage.segments, key=lambda s: s.start_day):
                start = max(clock, delivery.get(seg.offer, 0.0), opens + ready.get(stage.name, 0.0))
                startup = (moved.offers[seg.offer].startup_minutes / 1440.0 if seg.source in ("on_demand", "spot")
                           else 0.0)
                days = segment_estimate(w, seg, scenario, moved, first_start=startup == 0).wall_clock_days
                clock = start + startup + days * seg.fraction
                segments.append(seg.model_copy(update={"start_day": start, "end_day": clock}))
            stages.append(stage.model_copy(update={"segments": segments}))
        return stages

    first, later = retimed(plan.stages, 0.0), retimed(plan.later_stages, window)
    ev = evaluate(plan.model_copy(update={"stages": first, "later_stages": later}), scenario, moved)
    # each run against its own deadline: run 1 on the first schedule, runs 2..R on the shared one
    late = max((max((seg.end_day for st in stages for seg in st.segments), default=opens) - opens
                - scenario.deadline_days) for stages, opens in ((first, 0.0), (later, window)))
    return ev.total_cost_usd, ev.end_day, late


def _draw_chunk(job) -> list[tuple[float, float, float]]:
    plan, scenario, catalog, inputs, seed, first, last = job
    return [outcome_under(plan, scenario, catalog, inputs.draw(random.Random(seed * 1_000_003 + i)))
            for i in range(first, last)]


def risk(plan: Plan, scenario: Scenario, catalog: Catalog, draws: int = 500, seed: int = 0,
         inputs: RiskInputs = DEFAULT_INPUTS, executor: str = "local", workers: int | None = None,
         ray_address: str | None = None, progress: Callable[[int, int], None] | None = None) -> Risk:
    """Monte Carlo of the plan's cost and finish day; draws run in chunks through run_all."""
    if plan.status == "infeasible":
        raise ValueError("risk needs a plan; the scenario has none")
    if draws < 1:
        raise InputError("--draws", f"must be at least 1 (got {draws})")
    chunks = min(draws, CHUNKS_PER_WORKER * (workers or 2))
    bounds = [round(draws * k / chunks) for k in range(chunks + 1)]
    jobs = [(plan, scenario, catalog, inputs, seed, a, b) for a, b in zip(bounds, bounds[1:])]
    results = [r for part in run_all(_draw_chunk, jobs, executor=executor, workers=workers, progress=progress,
                                     ray_address=ray_address) for r in part]
    costs = [c for c, _, _ in results]
    ends = [e for _, e, _ in results]
    budget = scenario.budget_usd
    return Risk(draws=draws, seed=seed, deadline_days=scenario.deadline_days, last_deadline_day=last_deadline_day(scenario),
                budget_usd=budget, plan_cost_usd=plan.total_cost_usd, plan_end_day=plan.end_day,
                p_miss_deadline=sum(late > scenario.deadline_days * 1e-9 for _, _, late in results) / draws,
                p_over_budget=None if budget is None else sum(c > budget * (1 + 1e-9) for c in costs) / draws,
                cost_usd=_percentiles(costs), end_day=_percentiles(ends), costs_usd=costs, end_days=ends,
                inputs=inputs)


def summary_line(r: Risk) -> str:
    """The Monte Carlo result in one sentence."""
    over = "" if r.p_over_budget is None else f", {r.p_over_budget:.0%} of exceeding the budget"
    return (f"Monte Carlo ({r.draws} draws, seed {r.seed}): {r.p_miss_deadline:.0%} chance of missing the deadline"
            f"{over}; cost P50 {r.cost_usd.p50:,.0f} USD, P90 {r.cost_usd.p90:,.0f} USD; finish P50 day "
            f"{r.end_day.p50:,.1f}, P90 day {r.end_day.p90:,.1f}.")


def _percentiles(values: list[float]) -> Percentiles:
    s = sorted(values)

    def q(p: float) -> float:
        x = p * (len(s) - 1)
        i = math.floor(x)
        return s[i] if i + 1 >= len(s) else s[i] + (s[i + 1] - s[i]) * (x - i)

    return Percentiles(p10=q(0.1), p50=q(0.5), p90=q(0.9), mean=statistics.fmean(s))


def robust_multipliers(p: float, inputs: RiskInputs = DEFAULT_INPUTS) -> Multipliers:
    if not 0.5 <= p < 1:
        raise InputError("--robust", f"percentile {p:g} is outside [0.5, 1)", "give e.g. 0.9 for the 90th percentile")
    return inputs.adverse(p)


def robust_plan(scenario: Scenario, catalog: Catalog, p: float, inputs: RiskInputs = DEFAULT_INPUTS,
                **make_plan_args) -> Plan:
    """The plan made with every uncertain input at its adverse p-quantile (module doc)."""
    m = robust_multipliers(p, inputs)
    moved, moved_catalog = apply(scenario, catalog, m)
    plan = make_plan(moved, moved_catalog, **make_plan_args)
    # its MFU is already an adverse quantile of the held-out error: that line would invite counting it twice
    plan.explanations[:] = [line for line in plan.explanations if HELD_OUT_NOTE not in line]
    measured = " (on top of policy.mfu_factor)" if scenario.policy.mfu_factor else ""
    plan.explanations.append(
        f"Planned against the P{p * 100:g} of each uncertain input: MFU x{m.of('mfu', ALL):.2f}{measured}, failure rate "
        f"x{m.failure_rate:.2f}, cloud prices x{m.of('cloud_price', ALL):.2f}, electricity "
        f"x{m.electricity:.2f}, server lead times x{m.lead_time:.2f} (docs/tradeoffs.md); figures are at these inputs.")
    return plan
