"""Bought servers over the calendar: held (and paid for) from delivery to the horizon, idle or not.

The money here is worked by hand from the catalog rows (planner.ownership is not used to compute an
expected figure); the compute model supplies only the job's hours and energy (physics).
"""

from pathlib import Path

import pytest

from planner import compute
from planner.evaluate import evaluate
from planner.inputs import load_inputs
from planner.options import build_problem, failures_per_node_day
from planner.planning import make_plan
from planner.scenario import Scenario
from planner.solve import solve
from planner.workload import Candidate, Stage, Workload

ROOT = Path(__file__).resolve().parents[1]
_, CATALOG = load_inputs(ROOT / "scenarios" / "startup_7b.yaml")
# A catalog where a DGX H100 arrives two weeks after ordering, so a first run can use it.
QUICK = CATALOG.model_copy(update={"hardware": {**CATALOG.hardware, "dgx-h100": CATALOG.hardware["dgx-h100"].model_copy(
    update={"lead_time_days": 14})}})
LAMBDA_H100 = CATALOG.offers["lambda-gpu_8x_h100_sxm5-us-east-1"]
TOKENS = 1.2e12  # a 1B-parameter model: about 30 days on one 8 x H100 node


def _scenario(deadline: float, runs: int, every: float | None, accounting: str, **ownership) -> Scenario:
    """One rental offer (Lambda's 8 x H100 on demand) and one server (DGX H100) to buy."""
    return Scenario.model_validate(dict(
        name="own-or-rent", target={"loss": 3.0}, deadline_days=deadline,
        program={"runs": runs, "every_days": every},
        policy={"providers": ["Lambda"], "chips": ["H100"], "spot_allowed": False, "reserved_allowed": False,
                "regions": ["us-east-1"]},
        ownership={"accounting": accounting, "site": "us-virginia", **ownership}))


def _job(tokens: float) -> Candidate:
    stage = Stage("pretrain", Workload("full", 1e9, 1e9, tokens))
    return Candidate(id="job", kind="scratch", predicted_loss=2.9, stages=(stage,), params=1e9, tokens=tokens)


def _sources(scenario: Scenario, catalog, tokens: float) -> set[str]:
    problem = build_problem(scenario, catalog, [_job(tokens)])
    solution = solve(problem)
    options = {o.id: o for s in problem.paths[0].stages for o in s.options}
    return {options[s.option].source for s in solution.segments}


def _one_node(scenario: Scenario, tokens: float, site: str) -> compute.Estimate:
    chip, where = CATALOG.chips["H100"], CATALOG.sites[site]
    return compute.estimate(Workload("full", 1e9, 1e9, tokens), chip, 8, precision="bf16", pue=where.pue,
                            carbon_g_per_kwh=where.carbon_g_per_kwh, gpus_per_node=8,
                            failures_per_node_day=failures_per_node_day(scenario))


@pytest.mark.parametrize("accounting", ["amortise", "resell"])
@pytest.mark.parametrize("deadline,runs", [(57.0, 1), (84.5, 1), (365.0, 1), (90.0, 8), (60.0, 40)])
def test_a_job_under_a_day_never_buys(accounting, deadline, runs):
    """A job of half a day on one node (Lambda rent ≈ 12 × 31.92 = 383 USD) cannot pay for a server
    held from delivery to the horizon: its hosting alone is 1,877 USD a month for at least 12 months,
    and each further run's window adds at least deadline − lead days of holding."""
    tokens = 2.5e10
    scenario = _scenario(deadline, runs, None, accounting)
    assert _one_node(scenario, tokens, "us-average").wall_clock_days < 1
    assert "owned" not in _sources(scenario, CATALOG, tokens)


def test_declared_other_use_can_make_a_short_job_buy():
    """The same half-day job 20 times, servers delivered in two weeks: if idle node-days earn nearly
    what holding costs, the servers are nearly free to hold, and buying (electricity and the income
    forgone only when running) beats renting."""
    tokens = 2.5e10
    plain = _scenario(60.0, 20, None, "amortise")
    hw = QUICK.hardware["dgx-h100"]
    held = 60 + 19 * 60 - 14
    per_day = (hw.capex_usd_per_node * held / (5 * 365) + hw.hosting_usd_per_node_month * held * 12 / 365) / held
    used = _scenario(60.0, 20, None, "amortise", other_use={"share": 1.0, "usd_per_node_day": 0.99 * per_day})
    assert "owned" not in _sources(plain, QUICK, tokens)
    assert "owned" in _sources(used, QUICK, tokens)


def _hand_flip(accounting: str, deadline: float, every: float, tokens: float) -> int:
    """The smallest number of runs for which owning one DGX H100 costs less than renting Lambda's
    8 x H100 for every run, worked from the catalog rows: rent = runs × GPU-hours × 3.99 USD;
    own = holding from delivery (day 14) to the last run's deadline + runs × electricity, where
    holding = capex − value at the horizon (resell: 0.7 × capex × (1 − 0.2756)^(years held);
    amortise: capex × min(1, days held / (5 × 365))) + hosting 1,877.41 USD/month for max(days held, 12 months)."""
    hw = QUICK.hardware["dgx-h100"]
    site = CATALOG.sites["us-virginia"]
    scenario = _scenario(deadline, 1, None, accounting)
    rent_run = _one_node(scenario, tokens, "us-average").gpu_hours * LAMBDA_H100.on_demand_usd_per_gpu_hour
    power_run = _one_node(scenario, tokens, "us-virginia").energy_mwh * 1000 * site.electricity_usd_per_kwh
    for runs in range(1, 200):
        held = deadline + (runs - 1) * every - 14
        if accounting == "resell":
            capital = hw.capex_usd_per_node * (1 - 0.7 * (1 - 0.2756) ** (held / 365))
        else:
            capital = hw.capex_usd_per_node * min(1.0, held / (5 * 365))
        own = capital + 1877.41 * max(held * 12 / 365, 12) + runs * power_run
        if own < runs * rent_run:
            return runs
    raise AssertionError("owning never wins in 200 runs")


@pytest.mark.parametrize("accounting", ["amortise", "resell"])
def test_breakeven_flips_where_the_hand_calculation_says(accounting):
    """A job of about 30 node-days every 60 days (deadline 60 days per run) on one node: renting costs
    about 23,000 USD a run; owning holds the server through the last run. The plan rents one run
    fewer than the hand-worked break-even and buys at it."""
    deadline = every = 60.0
    tokens = TOKENS
    days = _one_node(_scenario(deadline, 1, None, accounting), tokens, "us-average").wall_clock_days
    assert 20 < days < deadline - 14  # fits between delivery and the first deadline on one node
    flip = _hand_flip(accounting, deadline, every, tokens)
    assert flip > 1
    before = _sources(_scenario(deadline, flip - 1, every, accounting), QUICK, tokens)
    at = _sources(_scenario(deadline, flip, every, accounting), QUICK, tokens)
    assert "owned" not in before
    assert "owned" in at


def test_resell_needs_more_runs_than_amortise():
    """Selling loses 30 % of market value on top of its decline; amortising keeps the book value."""
    tokens, deadline = TOKENS, 60.0
    assert _hand_flip("resell", deadline, deadline, tokens) > _hand_flip("amortise", deadline, deadline, tokens)


def test_procurement_segments_and_breakdown_tell_one_story():
    """Enterprise program on bought servers: every procurement figure recomputed by hand from the
    hardware row, and segments × the runs they stand for (the first run's once, the later runs'
    shared schedule seven times) + procurement + fixed costs = total, to the cent."""
    scenario, catalog = load_inputs(ROOT / "scenarios" / "enterprise_70b.yaml")
    plan = make_plan(scenario, catalog, explain=False)
    buy = next(p for p in plan.procurement if p.action == "buy")
    hw = catalog.hardware[buy.item.split("@")[0]]
    n = buy.quantity_nodes
    horizon = 180 + 7 * 182.5
    held = horizon - hw.lead_time_days
    value = hw.capex_usd_per_node * hw.resale_recovery_fraction * (1 - hw.resale_fraction_per_year) ** (held / 365)
    assert scenario.ownership.accounting == "resell" and hw.paid_on == "delivery"
    assert buy.delivery_day == hw.lead_time_days and buy.payment_day == hw.lead_time_days
    assert buy.end_day == pytest.approx(horizon)
    assert buy.end_value_usd == pytest.approx(n * value)
    assert buy.capital_usd == pytest.approx(n * (hw.capex_usd_per_node - value))
    assert buy.hosting_usd == pytest.approx(n * hw.hosting_usd_per_node_month * held * 12 / 365)
    assert buy.charged_usd == pytest.approx(buy.capital_usd + buy.financing_usd + buy.hosting_usd)
    first = sum(s.cost_usd for st in plan.stages for s in st.segments)
    later = sum(s.cost_usd for st in plan.later_stages for s in st.segments)
    assert plan.later_stages and len(plan.runs) == 8
    segments = first + 7 * later
    fixed = sum(plan.cost_breakdown_usd[k] for k in ("data", "labelling", "inference", "staff"))
    procurement = sum(p.charged_usd for p in plan.procurement)
    assert abs(segments + procurement + fixed - plan.total_cost_usd) < 0.01
    assert abs(sum(plan.cost_breakdown_usd.values()) - plan.total_cost_usd) < 0.01
    assert evaluate(plan, scenario, catalog).violations == []


def test_financing_and_payment_day_reach_plan_and_evaluator():
    """Paid on order (day 0) at 8 %/year: interest runs from day 0, not delivery, to the horizon."""
    scenario, catalog = load_inputs(ROOT / "scenarios" / "enterprise_70b.yaml")
    scenario = scenario.model_copy(update={"ownership": scenario.ownership.model_copy(
        update={"financing_rate_per_year": 0.08})})
    rows = {k: h.model_copy(update={"paid_on": "order"}) for k, h in catalog.hardware.items()}
    catalog = catalog.model_copy(update={"hardware": rows})
    plan = make_plan(scenario, catalog, explain=False)
    buy = next(p for p in plan.procurement if p.action == "buy")
    hw = catalog.hardware[buy.item.split("@")[0]]
    assert buy.payment_day == 0
    assert buy.financing_usd == pytest.approx(buy.quantity_nodes * hw.capex_usd_per_node * 0.08 * (180 + 7 * 182.5) / 365)
    assert evaluate(plan, scenario, catalog).violations == []
