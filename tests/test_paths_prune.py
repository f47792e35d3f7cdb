"""Pruning dominated candidates never loses the cheapest one under any positive linear price."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.catalog import load_catalog
from planner.compute import estimate, stage_flops
from planner.compute.batch import batch_sequences
from planner.compute.mfu import calibrated_id
from planner.compute.stage import largest_useful_gpus, min_gpus
from planner.paths import cross_model_margin, memory_need_bytes, prune
from planner.workload import Candidate, Stage, Workload

METHODS = ("full", "lora", "qlora")

workloads = st.builds(
    Workload,
    method=st.sampled_from(METHODS),
    params=st.sampled_from([1e9, 3e9, 7e9]),
    active_params=st.just(0.0),  # replaced by params below
    tokens=st.sampled_from([1e9, 1e10, 1e11]),
    teacher_params=st.sampled_from([0.0, 0.0, 7e10]),
)


@st.composite
def candidates(draw, index):
    stages = []
    for name in draw(st.lists(st.sampled_from(["pretrain", "distill", "sft"]), min_size=1, max_size=2, unique=True)):
        w = draw(workloads)
        stages.append(Stage(name, Workload(w.method, w.params, w.params, w.tokens, w.teacher_params)))
    return Candidate(
        id=f"c{index}", kind="scratch", predicted_loss=draw(st.sampled_from([2.0, 2.1, 2.2])),
        stages=tuple(stages), params=stages[0].workload.params, tokens=stages[0].workload.tokens,
        data_cost_usd=draw(st.sampled_from([0.0, 1e3, 1e4])),
        labelling_cost_usd=draw(st.sampled_from([0.0, 5e2])),
        inference_cost_usd=draw(st.sampled_from([0.0, 1e5])),
    )


@st.composite
def instances(draw):
    n = draw(st.integers(1, 12))
    return [draw(candidates(i)) for i in range(n)]


prices = st.floats(1e-3, 1e3)


def price(c, weights):
    w_loss, w_flops, w_data, w_inference, w_memory = weights
    flops = {m: 0.0 for m in METHODS}
    for s in c.stages:
        flops[s.workload.method] += stage_flops(s.workload)
    return (w_loss * c.predicted_loss * 1e6
            + sum(w * flops[m] / 1e18 for w, m in zip(w_flops, METHODS))
            + w_data * (c.data_cost_usd + c.labelling_cost_usd) + w_inference * c.inference_cost_usd
            + w_memory * memory_need_bytes(c) / 1e9)


@settings(max_examples=150, deadline=None)
@given(instances(), prices, st.tuples(prices, prices, prices), prices, prices, prices)
def test_pruning_keeps_the_cheapest_under_any_positive_linear_price(found, w_loss, w_flops, w_data, w_inf, w_mem):
    weights = (w_loss, w_flops, w_data, w_inf, w_mem)
    kept = prune(found)
    assert kept and set(c.id for c in kept) <= set(c.id for c in found)
    best = min(price(c, weights) for c in found)
    assert min(price(c, weights) for c in kept) <= best * (1 + 1e-12)


@settings(max_examples=60, deadline=None)
@given(instances())
def test_every_dropped_candidate_is_dominated_by_a_kept_one(found):
    kept = prune(found)
    ids = {c.id for c in kept}
    for c in found:
        if c.id not in ids:
            assert any(_dominates(k, c) for k in kept)
    assert [c.id for c in kept] == [c.id for c in found if c.id in ids]  # order kept
    assert prune(kept) == kept


def _vector(c):
    flops = {m: 0.0 for m in METHODS}
    for s in c.stages:
        flops[s.workload.method] += stage_flops(s.workload)
    return (c.predicted_loss, *flops.values(), c.data_cost_usd + c.labelling_cost_usd, c.inference_cost_usd,
            memory_need_bytes(c))


def _dominates(a, b):
    va, vb = _vector(a), _vector(b)
    return all(x <= y for x, y in zip(va, vb)) and va != vb


def test_identical_candidates_both_survive_and_lora_does_not_hide_full_finetuning():
    def one(id, method, loss=2.0):
        return Candidate(id=id, kind="finetune", predicted_loss=loss,
                         stages=(Stage("sft", Workload(method, 7e9, 7e9, 1e8)),), params=7e9, tokens=1e8)

    twins = [one("a", "full"), one("b", "full")]
    assert prune(twins) == twins
    # FLOPs of different methods are priced separately, so LoRA does not dominate full SFT
    assert len(prune([one("full", "full"), one("lora", "lora")])) == 2
    assert [c.id for c in prune([one("x", "lora", 2.1), one("y", "lora", 2.0)])] == ["y"]
    assert prune([]) == []


# --- pruning under the step-time model -----------------------------------------------------------

CHIPS = load_catalog().chips


def _scratch(id, params, tokens, loss=2.3):
    w = Workload("full", params, params, tokens, seq_len=2048)
    return Candidate(id=id, kind="scratch", predicted_loss=loss, stages=(Stage("pretrain", w),), params=params,
                     tokens=tokens)


def _best(w, chip):
    """(fewest GPU-hours, fewest days) of `w` on `chip` over the clusters the batch can use:
    the smallest that fits and every power-of-two number of nodes up to the largest useful."""
    low, high = min_gpus(w, chip), largest_useful_gpus(w, chip)
    node = chip.gpus_per_node or 8
    runs = []
    for n in sorted({low, *(node * 2**k for k in range(16))}):
        if low <= n <= high:
            try:
                runs.append(estimate(w, chip, n))
            except ValueError:  # a size no layout splits into
                continue
    return min(e.gpu_hours for e in runs), min(e.wall_clock_days for e in runs)


def test_fewer_flops_on_a_smaller_model_can_cost_more_so_it_does_not_prune_the_larger():
    """A 100M model on 1e11 tokens (6.0e19 FLOPs + attention) against a 1B model with 1.2x its
    FLOPs, same loss and nothing else different. On TPU v6e the 100M model's FLOPs cost more
    (its GEMMs are small: about 1.3 against 0.97 GPU-hours per 1e18 FLOPs), so the 1B model is the
    cheaper one; counting FLOPs alone (the rule before the step-time model) dropped it."""
    small = _scratch("small", 1e8, 1e11)
    flops = stage_flops(small.stages[0].workload)
    large = _scratch("large", 1e9, 1.2 * flops / stage_flops(Workload("full", 1e9, 1e9, 1.0, seq_len=2048)))
    chip = CHIPS["tpu-v6e"]
    assert _best(large.stages[0].workload, chip)[0] < _best(small.stages[0].workload, chip)[0]
    assert {c.id for c in prune([small, large])} == {"small", "large"}


def test_same_model_fewer_tokens_is_pruned_and_across_models_only_by_the_margin():
    """Same model and batch with fewer tokens dominates; across models only a FLOP ratio of at
    least cross_model_margin does: 1e9 against 3e9 needs min(1.2, 1.05·3^0.36 = 1.56) = 1.2."""
    a, b = _scratch("a", 1e9, 2.0e10), _scratch("b", 1e9, 2.1e10)
    assert batch_sequences(a.stages[0].workload) == batch_sequences(b.stages[0].workload)
    assert [c.id for c in prune([a, b])] == ["a"]
    assert float(cross_model_margin(1e9, 3e9)) == pytest.approx(1.2)
    assert float(cross_model_margin(1e8, 3e8)) == pytest.approx(1.05 * 3**0.36)
    assert float(cross_model_margin(1e8, 1e11)) == 2.0 and float(cross_model_margin(3e9, 1e9)) == 2.0
    flops_a = stage_flops(a.stages[0].workload)
    per_token = stage_flops(Workload("full", 3e9, 3e9, 1.0, seq_len=2048))
    far = _scratch("far", 3e9, 1.25 * flops_a / per_token)
    close = _scratch("close", 3e9, 1.15 * flops_a / per_token)
    assert [c.id for c in prune([a, far])] == ["a"]
    assert {c.id for c in prune([a, close])} == {"a", "close"}


SIZES = (1e8, 3e8, 1e9, 3e9, 1e10, 1e11, 1e12)


@pytest.mark.parametrize("chip_id", sorted(c for c in CHIPS if calibrated_id(c)))
def test_a_model_with_the_margin_times_more_flops_is_not_cheaper(chip_id):
    """What the cross-model rule relies on: for models of 1e8..1e12 parameters on Chinchilla-like
    tokens (20 per parameter) and a larger model given cross_model_margin times the FLOPs, the
    larger one's cheapest run costs more GPU-hours on every calibrated chip (at least 1.08x on
    this grid). Its fastest run is not always slower: a larger batch and more heads let it use
    more devices, and on this grid it finishes up to 45 % sooner (GB200, 1e10 against 1e12;
    paths.prune documents the limit); the test holds that bound at 50 %."""
    chip = CHIPS[chip_id]
    for small, large in itertools.combinations(SIZES, 2):
        ws = Workload("full", small, small, 20 * small, seq_len=4096)
        per_token = stage_flops(Workload("full", large, large, 1.0, seq_len=4096))
        margin = float(cross_model_margin(small, large))
        wl = Workload("full", large, large, margin * stage_flops(ws) / per_token, seq_len=4096)
        if min_gpus(ws, chip) is None or min_gpus(wl, chip) is None:
            continue
        (cost_s, days_s), (cost_l, days_l) = _best(ws, chip), _best(wl, chip)
        assert cost_l > cost_s, (small, large)
        assert days_l > 0.5 * days_s, (small, large)
