"""Candidate generation: every kind of path, data purchase, task tuning, licences, policy."""

from types import SimpleNamespace

import pytest

from planner.paths import DEFAULT_PARAMS_GRID, DEFAULT_TOKENS_PER_PARAM_GRID, generate_candidates, search_candidates
from planner.quality import cheapest_for_loss, distilled_loss, tokens_for_loss
from planner.scenario import Scenario


def model(id, params, tokens, commercial=True, active=None):
    return SimpleNamespace(id=id, params_total=params, params_active=active or params, training_tokens=tokens,
                           licence="open" if commercial else "research-only", commercial_use=commercial)


MODELS = [
    model("base-1b", 1e9, 2e12),
    model("base-7b", 7e9, 2e12),
    model("base-13b-nc", 13e9, 2e12, commercial=False),
    model("teacher-70b", 70e9, 15e12),
    model("secret-7b", 7e9, None),
    model("moe-47b", 46.7e9, 1e13, active=12.9e9),
]
CATALOG = SimpleNamespace(models={m.id: m for m in MODELS}, chips={"H100": SimpleNamespace(bf16_tflops=989.4)})


def scenario(**fields):
    raw = {"name": "test", "deadline_days": 100, "target": {"loss": 2.3}, "data": {"unique_tokens": 1e13}}
    raw.update(fields)
    return Scenario.model_validate(raw)


def by_kind(candidates, kind):
    return [c for c in candidates if c.kind == kind]


def test_scratch_sizes_solve_tokens_for_the_target():
    found = generate_candidates(scenario(policy={"paths": ["scratch"]}), CATALOG, 2.3)
    assert found and all(c.kind == "scratch" for c in found)
    for c in found:
        (stage,) = c.stages
        assert stage.name == "pretrain" and stage.workload.method == "full"
        assert stage.workload.tokens == pytest.approx(tokens_for_loss(c.params, 2.3))
        assert c.predicted_loss == pytest.approx(2.3, abs=1e-9)
        assert c.data_cost_usd == 0 and c.labelling_cost_usd == 0
    sizes = {c.params for c in found}
    # the grid does not depend on the target, but has a size within sqrt(5/3) = 1.29x of N*
    best = cheapest_for_loss(2.3).params
    assert min(max(n / best, best / n) for n in sizes) <= (5 / 3) ** 0.5
    assert len({c.id for c in found}) == len(found)


def test_quality_mode_sweeps_the_grid():
    """Every size x tokens-per-parameter point, less those beyond the quality law's 1e15 tokens and
    those whose training compute exceeds the batch-size law's 1e27 FLOPs (6·N·D + attention, Kaplan
    et al. 2020: here 6·N·D > 1e27 already decides it), which are refused with the reason."""
    s = scenario(policy={"paths": ["scratch"]}, data={"unique_tokens": 1e16})
    found, refused = search_candidates(s, CATALOG, None)
    beyond = [(n, r) for n in DEFAULT_PARAMS_GRID for r in DEFAULT_TOKENS_PER_PARAM_GRID
              if r * n <= 1e15 and 6 * n * r * n > 1e27]
    assert beyond and all(6 * n * r * n > 1.05e27 for n, r in beyond)  # clear of the attention term
    assert len(found) == len(DEFAULT_PARAMS_GRID) * len(DEFAULT_TOKENS_PER_PARAM_GRID) - len(beyond) - sum(
        1 for n in DEFAULT_PARAMS_GRID for r in DEFAULT_TOKENS_PER_PARAM_GRID if r * n > 1e15)
    assert sum("batch-size law" in line for line in refused) == len(beyond)
    assert len({round(c.predicted_loss, 6) for c in found}) > 100


def test_scenario_grids_replace_the_defaults():
    s = scenario(policy={"paths": ["scratch"]}, search={"params_grid": [1e9, 2e9], "tokens_per_param_grid": [20]})
    assert sorted(c.params for c in generate_candidates(s, CATALOG, None)) == [1e9, 2e9]


def test_short_data_offers_repeats_and_purchases():
    data = {"unique_tokens": 1e11, "extra_tokens_usd_per_billion": 40.0, "max_extra_tokens": 1e12}
    s = scenario(policy={"paths": ["scratch"]}, search={"params_grid": [3e9]}, data=data)
    found = generate_candidates(s, CATALOG, 2.2)
    needed = tokens_for_loss(3e9, 2.2)  # ~2.4e11 effective tokens from 1e11 unique
    pools = sorted(c.data_cost_usd / 40.0 * 1e9 + 1e11 for c in found)
    assert pools == pytest.approx([1e11, needed / 2, needed], rel=1e-9)  # on hand, 2 epochs, 1 epoch
    for c in found:
        assert c.predicted_loss == pytest.approx(2.2, abs=1e-9)
        assert c.stages[0].workload.tokens >= needed * (1 - 1e-12)
    repeated = min(found, key=lambda c: c.data_cost_usd)
    assert repeated.data_cost_usd == 0 and any("epochs over 100B" in n for n in repeated.notes)


def test_data_beyond_the_repetition_ceiling_is_refused_without_a_price():
    s = scenario(policy={"paths": ["scratch"]}, search={"params_grid": [1e9]}, data={"unique_tokens": 1e10})
    found, refused = search_candidates(s, CATALOG, 2.3)  # needs > 16.4 x 1e10 effective tokens
    assert found == [] and "at any number of epochs" in refused[0]


def test_task_tuning_appends_sft_everywhere():
    data = {"unique_tokens": 1e13, "labelled_examples_needed": 1000, "labelled_examples_on_hand": 200,
            "labelled_example_usd": 3.0, "tokens_per_example": 500}
    found = generate_candidates(scenario(target={"loss": 2.05}, data=data), CATALOG, 2.05)
    assert {c.kind for c in found} == {"scratch", "continue", "distill", "finetune", "lora"}
    for c in found:
        assert c.stages[-1].name == "sft"
        assert c.stages[-1].workload.tokens == 1000 * 500 * 3  # examples x tokens x sft_epochs
        assert c.labelling_cost_usd == pytest.approx(800 * 3.0)
    tuned = {c.id: c.stages[0].workload.method for c in found if c.kind in ("finetune", "lora")}
    assert tuned["finetune-teacher-70b"] == "full" and tuned["lora-teacher-70b"] == "lora"
    assert tuned["qlora-teacher-70b"] == "qlora"


def test_open_weights_paths():
    data = {"unique_tokens": 1e13, "labelled_examples_needed": 100}
    found, refused = search_candidates(scenario(data=data), CATALOG, 2.05)
    cont = {c.base: c for c in by_kind(found, "continue")}
    assert set(cont) == {"base-7b"}  # base-1b cannot reach 2.05; teacher-70b and moe-47b already do
    d_new = tokens_for_loss(7e9, 2.05) - 2e12
    assert cont["base-7b"].stages[0].workload.tokens == pytest.approx(d_new)
    assert cont["base-7b"].predicted_loss == pytest.approx(2.05, abs=1e-9)
    moe = next(c for c in by_kind(found, "finetune") if c.base == "moe-47b")
    assert any("mixture of experts" in n for n in moe.notes)
    assert moe.stages[0].workload.params == 46.7e9 and moe.stages[0].workload.active_params == 12.9e9
    assert {c.base for c in by_kind(found, "finetune")} == {"teacher-70b", "moe-47b"}
    assert "base-13b-nc" not in {c.base for c in found}  # licence forbids commercial use
    assert any("secret-7b" in r and "not disclosed" in r for r in refused)


def test_research_use_allows_non_commercial_weights():
    s = scenario(policy={"commercial_use": False, "paths": ["continue"]})
    assert "base-13b-nc" in {c.base for c in generate_candidates(s, CATALOG, 2.0)}


def test_distillation_candidates():
    s = scenario(policy={"paths": ["distill"]}, search={"params_grid": [1e9, 3e9, 1e11]})
    found = generate_candidates(s, CATALOG, 2.3)
    assert found
    for c in found:
        (stage,) = c.stages
        teacher = CATALOG.models[c.teacher]
        assert stage.name == "distill" and stage.workload.teacher_params == teacher.params_total
        assert c.params < teacher.params_active
        assert c.predicted_loss <= 2.3 + 1e-9
        assert c.predicted_loss == pytest.approx(
            distilled_loss(teacher.params_active, teacher.training_tokens, c.params, stage.workload.tokens), abs=1e-9)


def test_policy_paths_filter():
    s = scenario(policy={"paths": ["lora"]}, data={"unique_tokens": 1e13, "labelled_examples_needed": 10})
    found = generate_candidates(s, CATALOG, 2.1)
    assert found and {c.kind for c in found} == {"lora"}
    assert {c.stages[0].workload.method for c in found} == {"lora", "qlora"}


def test_inference_cost_counts_serving_flops():
    s = scenario(policy={"paths": ["scratch"]}, search={"params_grid": [3e9]},
                 inference={"lifetime_tokens": 1e13, "usd_per_gpu_hour": 2.5, "chip": "H100", "mfu": 0.3})
    (c,) = generate_candidates(s, CATALOG, 2.3)
    assert c.inference_cost_usd == pytest.approx(2 * 3e9 * 1e13 / (0.3 * 989.4e12 * 3600) * 2.5)


def test_no_target_reachable_gives_reasons():
    found, refused = search_candidates(scenario(policy={"paths": ["scratch"]}), CATALOG, 1.9)
    assert all(c.params >= 1e10 for c in found)
    assert any("cannot reach loss 1.9" in r for r in refused)


def test_bundled_scenarios_produce_candidates():
    from pathlib import Path

    from planner.catalog import load_catalog
    from planner.quality import target_loss
    from planner.scenario import load_scenario

    catalog = load_catalog()
    for path in sorted(Path(__file__).parent.parent.glob("scenarios/*.yaml")):
        s = load_scenario(path)
        found = generate_candidates(s, catalog, target_loss(s, catalog))
        assert found, path.name


def test_size_limits_keep_every_finished_model_within_bounds():
    """target.max_params / min_params bound the finished model (a teacher may be larger)."""
    s = scenario(target={"loss": 2.3, "max_params": 8e9, "min_params": 1.5e9},
                 data={"unique_tokens": 1e13, "labelled_examples_needed": 1000})
    found = generate_candidates(s, CATALOG, 2.3)
    assert found and all(1.5e9 <= c.params <= 8e9 for c in found)
    assert {c.kind for c in found} >= {"scratch", "distill", "finetune", "lora"}
    assert any(c.teacher == "teacher-70b" for c in found)  # the teacher is not the finished model
    assert not any(c.base == "base-1b" for c in found)  # below min_params


def test_size_limits_are_checked():
    with pytest.raises(ValueError, match="min_params"):
        scenario(target={"loss": 2.3, "max_params": 1e9, "min_params": 2e9})
