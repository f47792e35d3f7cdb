"""Targets: loss, like-a-model, and benchmark (Gadre et al. 2024); constants and overrides."""

from types import SimpleNamespace

import pytest

from planner.errors import InputError
from planner.quality import (
    QualityRangeError,
    laws_for,
    load_laws,
    loss,
    loss_for_benchmark,
    pretrain_law,
    resolve_target,
    target_loss,
)
from planner.quality.laws import _raw

LLAMA_2_70B = SimpleNamespace(id="llama-2-70b", params_total=70e9, params_active=70e9, training_tokens=2e12)
MODELS = {"llama-2-70b": LLAMA_2_70B}


def _target(loss=None, like=None, benchmark=None):
    return SimpleNamespace(loss=loss, like=like, benchmark=benchmark)


def test_gadre_worked_example():
    """Gadre et al. 2024 loss-to-error law with the gadre-17 constants (catalogs/scaling_laws.yaml:
    epsilon 0.857, k 2.2065, gamma 0.7146): L = -ln((epsilon - error)/k)/gamma. Error 0.40 gives
    -ln(0.457/2.2065)/0.7146 = 2.203; the over-training law at D/N = 20 reaches it with about 44B
    parameters on 0.87T tokens (rounded, docs/quality.md)."""
    found = loss_for_benchmark("gadre-17", 0.60)
    assert "C4 loss 2.203" in found.description
    assert found.loss == pytest.approx(loss(44e9, 0.87e12), abs=2e-3)  # the rounding of 44B and 0.87T
    assert any("extrapolation" in n for n in found.notes)  # error 0.40 is below the fitted 0.45
    # error 0.35: -ln(0.507/2.2065)/0.7146 = 2.058
    assert "C4 loss 2.058" in loss_for_benchmark("gadre-17", 0.65).description


def test_benchmark_refusals():
    with pytest.raises(QualityRangeError, match="chance-level"):
        loss_for_benchmark("gadre-17", 0.10)
    with pytest.raises(QualityRangeError, match="floor"):
        loss_for_benchmark("gadre-17", 0.80)
    with pytest.raises(InputError, match="did you mean 'gadre-17'"):
        loss_for_benchmark("gadre17", 0.6)


def test_like_uses_the_same_law():
    found = resolve_target(_target(like="llama-2-70b"), load_laws(), MODELS)
    assert found.loss == pytest.approx(loss(70e9, 2e12))
    hoffmann = resolve_target(_target(like="llama-2-70b"), load_laws("hoffmann"), MODELS)
    assert hoffmann.loss == pytest.approx(loss(70e9, 2e12, pretrain_law("hoffmann")))
    with pytest.raises(InputError, match="did you mean 'llama-2-70b'"):
        resolve_target(_target(like="llama2-70b"), load_laws(), MODELS)


def test_strictest_target_applies_and_none_means_none():
    both = resolve_target(_target(loss=2.5, like="llama-2-70b"), load_laws(), MODELS)
    assert both.loss == pytest.approx(loss(70e9, 2e12))
    assert resolve_target(_target(), load_laws(), MODELS) is None


def test_unreachable_loss_target_is_bad_input_for_a_scenario():
    scenario = SimpleNamespace(target=_target(loss=1.7), quality_law=SimpleNamespace(pretrain="epoch", overrides={}))
    with pytest.raises(InputError, match="irreducible"):
        target_loss(scenario, SimpleNamespace(models=MODELS))
    scenario = SimpleNamespace(target=_target(loss=1.7), quality_law=SimpleNamespace(pretrain="hoffmann", overrides={}))
    assert target_loss(scenario, SimpleNamespace(models=MODELS)) == 1.7


def test_every_law_names_its_source_reference_and_ranges():
    raw = _raw()
    entries = [*raw["pretrain"].values(), raw["repetition"], raw["distillation"], *raw["benchmarks"].values()]
    for entry in entries:
        assert "arXiv" in entry["source"]
        assert entry["reference"] and entry["constants"] and entry["fitted"]
    assert "Planner defaults" in raw["finetune"]["source"]


def test_overrides_flat_and_dotted():
    laws = load_laws("epoch", {"E": 1.80, "distillation.d1": 1.3, "finetune.sft_epochs": 1})
    assert laws.pretrain.E == 1.80 and laws.pretrain.A == 482.01
    assert laws.distillation.d1 == 1.3
    assert laws.finetune.sft_epochs == 1
    assert "overridden by the scenario: E=1.8" in laws.pretrain.source
    scenario = SimpleNamespace(quality_law=SimpleNamespace(pretrain="hoffmann", overrides={"alpha": 0.3392}))
    assert laws_for(scenario).pretrain.alpha == 0.3392


def test_bad_overrides_name_the_problem():
    with pytest.raises(InputError, match="unknown constant 'Ee'.*did you mean 'E'"):
        load_laws("epoch", {"Ee": 1.8})
    with pytest.raises(InputError, match="unknown law 'distilation'"):
        load_laws("epoch", {"distilation.d1": 1.3})
    with pytest.raises(InputError, match="unknown law 'chinchilla'"):
        load_laws("chinchilla")


@pytest.mark.parametrize("score", [0.3, 0.45, 0.5, 0.6])
def test_benchmark_estimate_runs_the_mapping_backwards(score):
    """loss_for_benchmark then benchmark_estimate gives the score back; outside the fitted error
    0.45-0.82 (score above 0.55) the estimate says it is extrapolated."""
    from planner.quality import benchmark_estimate

    accuracy, notes = benchmark_estimate(loss_for_benchmark("gadre-17", score).loss)
    assert accuracy == pytest.approx(score, abs=1e-6)
    assert bool(notes) == (1 - score < 0.45)


def test_benchmark_estimate_refuses_a_loss_below_the_floor():
    from planner.quality import benchmark_estimate

    assert benchmark_estimate(1.80) is None  # below the Epoch refit's E = 1.8172
