"""Input multipliers, thresholds found by re-planning, and break-even utilisation."""

from pathlib import Path

import pytest

from planner import compute
from planner.inputs import load_inputs
from planner.planning import make_plan
from planner.tradeoffs.perturb import Multipliers, apply, solve_under
from planner.tradeoffs.sensitivity import Factor, breakeven, factors_for, sensitivity
from planner.workload import Workload

ROOT = Path(__file__).resolve().parents[1]
UNIVERSITY = ROOT / "scenarios" / "university_cluster.yaml"
LAB = ROOT / "scenarios" / "small_lab_finetune.yaml"


@pytest.fixture(scope="module")
def university():
    scenario, catalog = load_inputs(UNIVERSITY)
    return scenario, catalog, make_plan(scenario, catalog, explain=False)


def test_multipliers_move_only_what_they_name():
    scenario, catalog = load_inputs(LAB)
    m = Multipliers(cloud_price={"AWS": 2.0}, capex={"*": 1.5}, electricity=3.0, mfu={"H100": 0.5}, lead_time=2.0)
    s2, c2 = apply(scenario, catalog, m)
    for key, o in catalog.offers.items():
        assert c2.offers[key].Price == pytest.approx(o.Price * (2.0 if o.provider == "AWS" else 1.0))
    hw = catalog.hardware["dgx-h100"]
    assert c2.hardware["dgx-h100"].capex_usd_per_node == pytest.approx(1.5 * hw.capex_usd_per_node)
    assert c2.hardware["dgx-h100"].lead_time_days == 2 * hw.lead_time_days
    site = catalog.sites["us-virginia"]
    assert c2.sites["us-virginia"].electricity_usd_per_kwh == pytest.approx(3 * site.electricity_usd_per_kwh)
    assert c2.chips["A100"] is catalog.chips["A100"]
    # the serving chip (H100) is scaled: its serving MFU compensates, so serving FLOP/s do not move
    assert s2.inference.mfu * c2.chips["H100"].bf16_tflops == pytest.approx(
        scenario.inference.mfu * catalog.chips["H100"].bf16_tflops)
    assert apply(scenario, catalog, Multipliers(mfu={"A100": 0.5}))[0].inference == scenario.inference
    both = Multipliers.single("mfu", 0.8).times(Multipliers.single("mfu:H100", 0.5))
    assert both.of("mfu", "H100") == pytest.approx(0.4) and both.of("mfu", "A100") == pytest.approx(0.8)
    assert both.of("mfu", "*") == pytest.approx(0.8)


def test_mfu_multiplier_scales_hours_not_power_and_failures_scale_goodput():
    scenario, catalog = load_inputs(LAB)
    w = Workload("full", 7e9, 7e9, 1e11)
    chip = catalog.chips["H100"]
    slow = apply(scenario, catalog, Multipliers(mfu={"H100": 0.5}))[1].chips["H100"]
    a, b = compute.estimate(w, chip, 64), compute.estimate(w, slow, 64)
    assert b.mfu * slow.bf16_tflops == pytest.approx(a.mfu * chip.bf16_tflops * 0.5)
    assert b.gpu_hours / a.gpu_hours == pytest.approx(2.0, rel=0.01)  # goodput moves a little with duration
    assert b.power_kw_per_gpu == a.power_kw_per_gpu
    failing = apply(scenario, catalog, Multipliers(failure_rate=5.0))[0]
    assert failing.failures_per_node_day == pytest.approx(5 * compute.FAILURES_PER_NODE_DAY)
    assert scenario.failures_per_node_day is None  # the original is untouched
    worse = compute.estimate(w, chip, 64, failures_per_node_day=failing.failures_per_node_day)
    assert worse.goodput < a.goodput


def test_factors_follow_the_scenario_policy(university):
    scenario, catalog, plan = university
    ids = [f.id for f in factors_for(plan, scenario)]
    assert "electricity" in ids and "mfu:A100-80GB" in ids and "cloud_price:*" in ids
    assert not any(i.startswith(("capex", "lead_time")) for i in ids)  # buying is not allowed


def test_electricity_threshold_brackets_the_analytic_switch(university):
    """Held servers pay only electricity (cost ∝ e); the best cloud plan does not: the switch is at C_cloud / C_held."""
    scenario, catalog, plan = university
    cloud = solve_under((scenario, catalog, Multipliers(electricity=100.0), "cbc", False))
    assert {s.source for st in cloud.stages for s in st.segments} <= {"on_demand", "spot", "reserved"}
    switch = cloud.total_cost_usd / plan.total_cost_usd
    result = sensitivity(plan, scenario, catalog, steps=4, workers=2,
                         factors=[Factor(id="electricity", label="electricity prices", low=0.25, high=8.0)])
    up, down = result.thresholds  # the switch comes first
    assert up.direction == "up" and up.changes_at is not None
    assert up.stays_until <= switch * (1 + 1e-6) and switch <= up.changes_at * (1 + 1e-6)
    assert up.changes_at / up.stays_until <= 8 ** (1 / 16) * (1 + 1e-9)
    assert "already owned → rented" in up.change and "stays optimal until electricity prices rise by +" in up.message
    assert down.changes_at is None and "even if electricity prices fall by 75%" in down.message
    assert result.solves == 2 + 4


def test_breakeven_matches_the_hand_calculation(university):
    """A bought hgx-a100-80gb is held from delivery (day 56) to the deadline (day 180), idle or not
    (amortise, no financing): capex × 124 / (5 × 365) + hosting for max(124 days, 12 months). It pays
    off when the node-days it runs, at rent − electricity each, cover that."""
    scenario, catalog, plan = university
    rows = {b.hardware: b for b in breakeven(plan, scenario, catalog)}
    hw, site = catalog.hardware["hgx-a100-80gb"], catalog.sites[scenario.ownership.site]
    rent = min(o.on_demand_usd_per_gpu_hour for o in catalog.offers.values() if o.chip == "A100-80GB") * 8
    power = hw.power_kw_per_node * site.pue * site.electricity_usd_per_kwh
    held = 180 - 56
    holding = hw.capex_usd_per_node * held / (5 * 365) + hw.hosting_usd_per_node_month * 12
    b = rows["hgx-a100-80gb"]
    assert scenario.ownership.accounting == "amortise" and hw.lead_time_days == 56 and hw.hosting_min_months == 12
    assert b.rent_usd_per_node_hour == pytest.approx(rent)
    assert b.held_days == pytest.approx(held)
    assert b.holding_usd_per_node == pytest.approx(holding)
    assert b.utilisation == pytest.approx(holding / ((rent - power) * 24 * held))
    busy = sum(s.nodes * (s.end_day - s.start_day) for st in plan.stages for s in st.segments if s.chip == "A100-80GB")
    nodes = max(s.nodes for st in plan.stages for s in st.segments if s.chip == "A100-80GB")
    assert b.plan_utilisation == pytest.approx(busy / (nodes * held))
