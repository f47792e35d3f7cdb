"""policy.mfu_factor: a team's measured throughput over the compute model's, per chip."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.compute import estimate
from planner.errors import InputError
from planner.evaluate import evaluate
from planner.inputs import load_inputs
from planner.planning import make_plan
from planner.tradeoffs.perturb import Multipliers, apply
from planner.workload import Workload

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "university_cluster.yaml"


def test_speed_divides_the_failure_free_hours_and_the_split_still_adds_up():
    """At speed 0.5 a stage needs twice the compute hours and half the MFU; goodput is recomputed on
    the longer job, and the hours split still sums to the wall clock."""
    _, catalog = load_inputs(SCENARIO)
    w = Workload("full", 7e9, 7e9, 1e11, seq_len=4096)
    base = estimate(w, catalog.chips["H100"], 64, gpus_per_node=8)
    slow = estimate(w, catalog.chips["H100"], 64, gpus_per_node=8, speed=0.5)
    assert slow.layout == base.layout
    assert slow.mfu == pytest.approx(base.mfu / 2)
    assert slow.gpu_hours * slow.goodput == pytest.approx(2 * base.gpu_hours * base.goodput)
    assert sum(slow.hours_split.values()) == pytest.approx(slow.wall_clock_days * 24)
    with pytest.raises(ValueError, match=r"speed \(policy.mfu_factor\)=4 is outside the valid range \(0, 3\]"):
        estimate(w, catalog.chips["H100"], 64, gpus_per_node=8, speed=4.0)


def test_a_factor_for_every_chip_plans_as_the_risk_models_mfu_multiplier():
    """policy.mfu_factor {'*': 0.5} gives the plan that the catalog with every chip at half speed
    gives (tradeoffs.perturb, which scales peaks, bandwidths and links so every step-time term and
    the hours scale by 1/0.5): same cost, end day and clusters; and the independent evaluator,
    which reads the factor from the scenario, agrees with the plan."""
    scenario, catalog = load_inputs(SCENARIO, sets={"policy.mfu_factor": {"*": 0.5}})
    plan = make_plan(scenario, catalog, explain=False)
    plain, _ = load_inputs(SCENARIO)
    moved_scenario, moved_catalog = apply(plain, catalog, Multipliers(mfu={"*": 0.5}))
    moved = make_plan(moved_scenario, moved_catalog, explain=False)
    assert plan.total_cost_usd == pytest.approx(moved.total_cost_usd, rel=1e-9)
    assert plan.end_day == pytest.approx(moved.end_day, rel=1e-9)
    def clusters(p):
        return [(seg.offer, seg.nodes) for stage in p.stages for seg in stage.segments]

    assert clusters(plan) == clusters(moved)
    check = evaluate(plan, scenario, catalog)
    assert not check.violations and check.total_cost_usd == pytest.approx(plan.total_cost_usd, rel=1e-6)
    untouched = make_plan(plain, catalog, explain=False)
    assert plan.end_day > untouched.end_day
    used = {seg.chip for _, seg, _ in plan.all_segments()}
    assert sum("policy.mfu_factor" in line for line in plan.explanations) == len(used) >= 1
    assert not any("policy.mfu_factor" in line for line in untouched.explanations)


def test_estimate_gives_the_factor_from_a_measurement():
    """plan estimate --measured-tokens-per-s: measured over predicted failure-free tokens/s per GPU
    (tokens / (GPU-hours x goodput x 3600)), which, set as policy.mfu_factor, makes the model
    reproduce the measurement."""
    from planner.run_estimate import estimate_run
    _, catalog = load_inputs(SCENARIO)
    plain = estimate_run(catalog, 7e9, 1e11, "H100", gpus=64)
    assert plain.mfu_factor is None
    assert plain.tokens_per_s_per_gpu == pytest.approx(1e11 / (plain.gpu_hours * plain.goodput * 3600))
    measured = estimate_run(catalog, 7e9, 1e11, "H100", gpus=64, measured_tokens_per_s_per_gpu=5500)
    assert measured.mfu_factor == pytest.approx(5500 / plain.tokens_per_s_per_gpu)
    assert "policy.mfu_factor={H100: " in measured.notes[-1]
    w = Workload("full", 7e9, 7e9, 1e11, seq_len=4096)
    offer = catalog.offers[plain.offer.offer_id]
    redone = estimate(w, catalog.chips["H100"], 64, gpus_per_node=offer.gpus_per_node, speed=measured.mfu_factor,
                      scaleout_gbps_per_node=offer.scaleout_gbps_per_node)
    assert 1e11 / (redone.gpu_hours * redone.goodput * 3600) == pytest.approx(5500)
    with pytest.raises(InputError, match="--measured-tokens-per-s"):
        estimate_run(catalog, 7e9, 1e11, "H100", measured_tokens_per_s_per_gpu=5500)


def test_a_chip_without_an_entry_keeps_the_models_speed():
    scenario, catalog = load_inputs(SCENARIO, sets={"policy.mfu_factor": {"tpu-v6e": 0.5}})
    assert scenario.policy.speed("tpu-v6e") == 0.5 and scenario.policy.speed("H100") == 1.0
    everywhere, _ = load_inputs(SCENARIO, sets={"policy.mfu_factor": {"*": 0.8, "H100": 1.2}})
    assert everywhere.policy.speed("H100") == 1.2 and everywhere.policy.speed("A100") == 0.8


@pytest.mark.parametrize("value, message", [
    ({"H1000": 0.7}, r"field 'policy.mfu_factor'.*unknown id 'H1000'"),
    ({"H100": 0}, r"policy.mfu_factor.H100"),
    ({"H100": 3.5}, r"policy.mfu_factor.H100"),
])
def test_bad_factors_are_refused_naming_the_field(value, message):
    with pytest.raises(InputError, match=message):
        load_inputs(SCENARIO, sets={"policy.mfu_factor": value})
