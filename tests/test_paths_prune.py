"""Pruning dominated candidates never loses the cheapest one under any positive linear price."""

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.compute import stage_flops
from planner.paths import memory_need_bytes, prune
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
