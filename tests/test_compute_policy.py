"""Scenario policy that reaches the compute model: uncalibrated chips and a stated global batch."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.compute import calibrated_id
from planner.errors import InputError
from planner.inputs import load_inputs
from planner.paths import generate_candidates
from planner.planning import make_plan

LAB = Path(__file__).resolve().parents[1] / "scenarios" / "small_lab_finetune.yaml"


def _chips(plan):
    return {seg.chip for stage in plan.stages for seg in stage.segments}


def test_uncalibrated_chips_are_avoided_unless_allowed_and_then_named():
    """Only chips with an uncalibrated family allowed: refused by default (naming the flag); with
    the policy flag a plan that says it used one."""
    scenario, catalog = load_inputs(LAB)
    uncalibrated = sorted(c for c in catalog.chips if not calibrated_id(c))
    assert {"MI300X", "L40S", "Gaudi3", "tpu-v5e", "V100"} <= set(uncalibrated)
    only = scenario.policy.model_copy(update={"chips": uncalibrated})
    with pytest.raises(InputError, match="allow_uncalibrated_chips"):
        make_plan(scenario.model_copy(update={"policy": only}), catalog, explain=False, diagnose=False)
    allowed = scenario.model_copy(update={"policy": only.model_copy(update={"allow_uncalibrated_chips": True})})
    plan = make_plan(allowed, catalog, explain=False, diagnose=False)
    assert plan.status in ("optimal", "feasible")
    assert _chips(plan) <= set(uncalibrated)
    for chip in _chips(plan):
        assert any(chip in line and "uncalibrated" in line for line in plan.explanations)


def test_default_plans_use_calibrated_chips_only():
    scenario, catalog = load_inputs(LAB)
    plan = make_plan(scenario, catalog, explain=False, diagnose=False)
    assert all(calibrated_id(chip) for chip in _chips(plan))
    assert not any("uncalibrated" in line for line in plan.explanations)


def test_scenario_global_batch_reaches_every_stage():
    scenario, catalog = load_inputs(LAB)
    stated = scenario.model_copy(update={"policy": scenario.policy.model_copy(update={"global_batch_tokens": 65536.0})})
    for cand in generate_candidates(stated, catalog)[:5]:
        assert all(stage.workload.batch_tokens == 65536.0 for stage in cand.stages)
    for cand in generate_candidates(scenario, catalog)[:5]:
        assert all(stage.workload.batch_tokens == 0.0 for stage in cand.stages)


def test_catalog_configs_set_the_shape_of_tuned_models():
    """Fine-tuning and LoRA stages of a catalog base model carry its config (Llama 3.1 8B:
    32 layers of width 4,096, 32 heads, FFN 14,336, from its config.json), not an aspect-ratio guess."""
    from planner.compute.shape import model_shape, workload_shape

    scenario, catalog = load_inputs(LAB)
    tuned = [c for c in generate_candidates(scenario, catalog) if c.base == "llama-3.1-8b"]
    assert tuned
    for cand in tuned:
        for stage in cand.stages:
            shape = workload_shape(stage.workload)
            assert (shape.n_layer, shape.d_model, shape.n_heads, shape.d_ff) == (32, 4096, 32, 14336)
    assert model_shape(8e9, 8e9).n_layer != 32  # the aspect-ratio guess differs
    moe = catalog.models["deepseek-v3"].shape
    assert moe[4:] == (256, 8)
