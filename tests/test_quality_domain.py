"""Domain targets (planner.quality.domain): what general pretraining is worth on a domain, how domain
tokens move the domain loss, and plans on a domain checked by the independent evaluator."""

from pathlib import Path

import pytest

from planner import quality
from planner.evaluate import evaluate
from planner.inputs import load_inputs
from planner.planning import make_plan
from planner.quality import QualityRangeError

ROOT = Path(__file__).resolve().parents[1]
STARTUP = ROOT / "scenarios" / "startup_7b.yaml"
LAW = quality.default_law()  # Epoch refit: E 1.8172, A 482.01, B 2085.43, alpha 0.3478, beta 0.3658


def test_released_model_is_its_general_loss_plus_the_gap():
    """L(N, D_T) = L(N, D0) + gap by construction: 8B on 15T general tokens, legal gap 0.25."""
    legal = quality.load_domain("legal")
    d_t = legal.transferred_tokens(1.5e13, LAW)
    # by hand: B/D0^beta = 2085.43 / 1.5e13^0.3658 = 0.03162; + 0.25 = 0.28162;
    # D_T = (2085.43 / 0.28162)^(1/0.3658) = 3.79e10
    assert d_t == pytest.approx(3.79e10, rel=0.01)
    assert quality.loss(8e9, d_t, LAW) == pytest.approx(quality.loss(8e9, 1.5e13, LAW) + 0.25, abs=1e-12)


def test_the_one_measured_point_is_predicted_conservatively():
    """Ibrahim et al. 2024 (10B, 300B Pile then 300B SlimPajama): SlimPajama loss 2.24 before, 2.05 for
    the same model trained on 300B SlimPajama tokens from scratch (so the web gap is 0.19), 2.00 after
    continued pretraining. The mechanism must predict a gain over scratch that is positive and not above
    the measured 0.05. By hand: B/3e11^beta = 0.1322; D_T = (2085.43/(0.1322 + 0.19))^(1/0.3658) = 2.6e10;
    B/(3.26e11)^beta = 0.1282: a gain of 0.004."""
    web = quality.load_domain("web")
    assert web.gap == 0.19
    d_t = web.transferred_tokens(3e11, LAW)
    assert d_t == pytest.approx(2.6e10, rel=0.02)
    gain = quality.loss(1e10, 3e11, LAW) - quality.continued_loss(1e10, d_t, 3e11, LAW)
    assert 0.0 < gain <= 0.05
    assert gain == pytest.approx(0.004, abs=0.001)


def test_task_examples_move_the_domain_loss_lora_less_than_full():
    legal = quality.load_domain("legal")
    d_t = legal.transferred_tokens(1.5e13, LAW)
    released = quality.loss(8e9, d_t, LAW)
    full = quality.tuned_loss(8e9, d_t, 9e7, "full", legal, LAW)
    lora = quality.tuned_loss(8e9, d_t, 9e7, "lora", legal, LAW)
    assert full < lora < released
    assert lora == pytest.approx(quality.loss(8e9, d_t + 0.5 * 9e7, LAW))  # lora_token_share 0.5


def test_gap_outside_its_range_is_refused():
    with pytest.raises(QualityRangeError, match="gap"):
        quality.load_domain("legal", gap=2.5)


def test_released_model_outside_the_measured_point_carries_a_note():
    notes = quality.load_domain("legal").notes(8e9, 1.5e13, "llama-3-8b on legal text")
    assert any("llama-3-8b on legal text" in n and "extrapolation" in n for n in notes)


@pytest.mark.parametrize("target, paths, kind", [
    (None, None, "continue"),                          # the bundled question
    (2.27195, ["finetune", "lora"], None),             # a target tuning reaches (tests/test_paths_cli.py)
    (2.20, ["scratch"], "scratch"),
])
def test_domain_plans_pass_the_evaluator(target, paths, kind):
    scenario, catalog = load_inputs(STARTUP)
    updates = {}
    if target is not None:
        updates["target"] = scenario.target.model_copy(update={"loss": target})
    if paths is not None:
        updates["policy"] = scenario.policy.model_copy(update={"paths": paths})
    scenario = scenario.model_copy(update=updates)
    plan = make_plan(scenario, catalog, explain=False)
    assert plan.status == "optimal"
    assert kind is None or plan.path.kind == kind
    assert plan.path.kind in (paths or [plan.path.kind])
    assert evaluate(plan, scenario, catalog).violations == []


def test_a_looser_domain_target_never_costs_more():
    scenario, catalog = load_inputs(STARTUP)
    costs = []
    for loss in (2.07, 2.09, 2.12, 2.2, 2.27195, 2.3):
        s = scenario.model_copy(update={"target": scenario.target.model_copy(update={"loss": loss})})
        plan = make_plan(s, catalog, explain=False, diagnose=False)
        assert plan.status == "optimal", loss
        costs.append(plan.total_cost_usd)
    assert costs == sorted(costs, reverse=True)


def test_the_gap_can_be_overridden_by_the_scenario():
    scenario, _ = load_inputs(STARTUP)
    assert quality.scenario_domain(scenario).gap == 0.25
    measured = scenario.model_copy(update={"target": scenario.target.model_copy(update={"domain_gap_nats": 0.1})})
    assert quality.scenario_domain(measured).gap == 0.1
    law = scenario.quality_law.model_copy(update={"overrides": {"domains.legal": 0.3}})
    assert quality.scenario_domain(scenario.model_copy(update={"quality_law": law})).gap == 0.3
