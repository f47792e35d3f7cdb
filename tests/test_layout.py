"""The layout search and step-time terms against brute force, worked examples and published runs."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.catalog import load_catalog
from planner.compute import deepseek_batch_tokens, estimate, peak_flops_per_s, peak_mfu, stage_flops
from planner.compute.fidelity import load_runs
from planner.compute.evidence import load_evidence
from planner.compute import layout
from planner.compute.layout import (Fabric, Layout, _ring_latency_s, best_layout, best_layouts, max_context_parallel,
                                    max_useful_gpus, memory_bytes, step_time)
from planner.compute.shape import model_shape
from planner.compute.stage import fabric
from planner.workload import Workload

CATALOG = Path(__file__).resolve().parents[1] / "catalogs"
CHIPS = load_catalog().chips


def fab(**changes) -> Fabric:
    """An H100-like cluster: 989 TFLOP/s, η 0.5, 3.35 TB/s, 80 GB, NVLink 450 GB/s per direction
    over 8 devices, 8 × 400 Gbit/s per node."""
    base = dict(peak_flops_per_s=989e12, efficiency=0.5, hbm_bytes_per_s=3.35e12, memory_bytes=80e9,
                scaleup_bytes_per_s=450e9, domain=8, node=8, scaleout_bytes_per_s=3200e9 / 8)
    return Fabric(**(base | changes))


# --- layout search ----------------------------------------------------------------------------

def brute_force(w: Workload, n: int, f: Fabric, batch: int):
    """Every layout the module doc allows, enumerated independently and evaluated one by one."""
    shape = model_shape(w.params, w.active_params)
    best = None
    for t, p, e, c, m, zero, recompute, v in itertools.product(
            range(1, n + 1), range(1, n + 1), range(1, n + 1), range(1, n + 1),
            (1, 2, 4, 8), (1, 3), (False, True), (1, 2, 4, 8)):
        power_of_two = all(x & (x - 1) == 0 for x in (t, p, e, c))
        if not power_of_two or n % (t * p * c) or t > f.domain or shape.n_heads % t or p > shape.n_layer:
            continue
        if w.seq_len // c < 4096 and c > 1:  # context parallel keeps ≥ 4,096 tokens per rank
            continue
        d = n // (t * p * c)
        if d % e or (e > 1 and (not shape.moe or e > shape.experts)):
            continue
        ga = batch // (d * m)
        if ga < p or d * p > batch:
            continue
        if v > 1:  # interleaving: ga rounded down to a multiple of p, a layer per chunk
            ga = ga // p * p
            if p == 1 or ga < p or p * v > shape.n_layer:
                continue
        lay = Layout(t, p, d, e, m, ga, zero, recompute, v, c)
        if memory_bytes(w, shape, lay, w.seq_len) > f.memory_bytes:
            continue
        per_sequence = float(step_time(w, shape, lay, w.seq_len, f).total) / (d * m * ga)
        if best is None or per_sequence < best[0] - 1e-15:
            best = (per_sequence, lay)
    return best


@pytest.mark.parametrize("w, n, memory_gb, batch", [
    (Workload("full", 3e8, 3e8, 1e10, seq_len=1024), 8, 80, 64),
    (Workload("full", 2e9, 2e9, 1e10, seq_len=2048), 16, 24, 32),
    (Workload("full", 1e10, 1e10, 1e10, seq_len=2048), 16, 40, 64),
    (Workload("full", 4e9, 1e9, 1e10, seq_len=1024), 16, 16, 64),  # MoE: expert parallelism
    (Workload("lora", 7e9, 7e9, 1e9, seq_len=4096), 4, 24, 16),
    (Workload("full", 1e10, 1e10, 1e10, seq_len=8192), 16, 40, 16),  # context parallelism allowed (2)
    (Workload("full", 3e9, 3e9, 1e10, seq_len=16384), 16, 24, 8),  # up to 4
])
def test_search_matches_brute_force(w, n, memory_gb, batch):
    f = fab(memory_bytes=memory_gb * 1e9)
    found = best_layout(w, n, f, batch)
    expected = brute_force(w, n, f, batch)
    assert (found is None) == (expected is None)
    if found:
        assert found.step.total / found.tokens_per_step == pytest.approx(expected[0], rel=1e-9)


def test_sizes_searched_together_match_each_searched_alone(monkeypatch):
    """best_layouts stacks the candidates of several device counts into one pass: each count's
    choice must be the one its own search finds (brute force above), also when the memo is full
    and cleared in the middle of a pass."""
    w, f, batch = Workload("full", 2e9, 2e9, 1e10, seq_len=2048), fab(memory_bytes=24e9), 64
    ns = (4, 8, 16, 1, 8)  # unordered, with a repeat and a count too small to fit
    alone = [brute_force(w, n, f, batch) for n in ns]
    for entries in (16_384, 0):  # 0: the memo is cleared on every call
        monkeypatch.setattr(layout, "_CACHE_ENTRIES", entries)
        layout._BEST.clear(), layout._GRID_MEMORY.clear()
        best_layouts(w, (8,), f, batch)  # one count searched before, the rest together
        together = best_layouts(w, ns, f, batch)
        for n, found, expected in zip(ns, together, alone):
            assert (found is None) == (expected is None), n
            if found:
                assert found.layout.tp * found.layout.pp * found.layout.dp * found.layout.cp == n
                assert found.step.total / found.tokens_per_step == pytest.approx(expected[0], rel=1e-9)
    assert alone[3] is None  # 2 B parameters at 16 B each (32 GB) do not fit on one 24 GB device


# --- time terms against worked examples ---------------------------------------------------------

def test_tensor_parallel_all_reduces_match_megatron_count():
    """Korthikanti et al. 2022 / Narayanan et al. 2021: per layer and micro-batch, 2 all-reduces
    forward and 2 backward of b·s·h bf16 values. h = 4,096 (32 heads), s = 2,048, b = 1, t = 8:
    16.78 MB each; a ring moves 2·7/8 of it over 450 GB/s: 65.2 µs; × 4 × 32 layers = 8.35 ms."""
    w = Workload("full", 6.4e9, 6.4e9, 1e10, seq_len=2048)
    shape = model_shape(w.params, w.active_params)
    assert (shape.n_layer, shape.d_model) == (32, 4096)  # hand-checked: (6.4e9/(12·128²))^(1/3) = 32.0
    step = step_time(w, shape, Layout(8, 1, 1, 1, 1, 1, 1, False), 2048, fab())
    per_all_reduce = 2 * 7 / 8 * 2048 * 4096 * 2 / 450e9
    assert per_all_reduce == pytest.approx(65.2e-6, rel=1e-3)
    assert float(step.tp_comm) == pytest.approx(4 * 32 * per_all_reduce)
    recomputed = step_time(w, shape, Layout(8, 1, 1, 1, 1, 1, 1, True), 2048, fab())
    assert float(recomputed.tp_comm) == pytest.approx(6 * 32 * per_all_reduce)  # the forward again


def test_pipeline_bubble_is_p_minus_1_over_m():
    """Narayanan et al. 2021 §2.2 (1F1B): the bubble is (p − 1) micro-batch times, a fraction
    (p − 1)/m of the ga = m micro-batches of useful time. The optimiser step (30 B per parameter
    of the stage, 6.4e9/p parameters, over 3.35 TB/s) is not pipelined and so not in t_mb."""
    w = Workload("full", 6.4e9, 6.4e9, 1e10, seq_len=2048)
    shape = model_shape(w.params, w.active_params)
    for p, ga in ((4, 16), (8, 8), (2, 64)):
        step = step_time(w, shape, Layout(1, p, 1, 1, 1, ga, 1, False), 2048, fab())
        optimizer = 30 * 6.4e9 / p / 3.35e12
        per_micro = (step.compute + step.memory - optimizer + step.tp_comm + step.pp_comm) / ga
        assert float(step.bubble) == pytest.approx((p - 1) * float(per_micro))
        assert float(step.bubble) / (ga * float(per_micro)) == pytest.approx((p - 1) / ga)


def test_a_pinned_layout_keeps_its_micro_batch_and_pipeline_schedule():
    """Intel's MLPerf v3.1 GPT-3 run on 384 Gaudi 2 (training_results_v3.1 README): TP 8, PP 6,
    DP 8, micro-batch 2, DeepSpeed's non-interleaved 1F1B (v = 1); MLLOG gradient accumulation
    2,048 / (8 × 2) = 128. Its bubble is (6 − 1)/1 micro-batch times (Narayanan et al. 2021)."""
    w = Workload("full", 175e9, 175e9, 1e9, seq_len=2048, batch_tokens=2048 * 2048)
    f = fabric(CHIPS["Gaudi2"], "fp8")
    choice = best_layout(w, 384, f, 2048, (("tp", 8), ("pp", 6), ("micro_batch", 2), ("virtual", 1)))
    lay, step = choice.layout, choice.step
    assert (lay.tp, lay.pp, lay.dp, lay.micro_batch, lay.grad_accum, lay.virtual) == (8, 6, 8, 2, 128, 1)
    optimizer = 30 * 175e9 / 48 / 8 / f.hbm_bytes_per_s  # 30 B per parameter of the rank's share
    per_micro = (step.compute + step.memory - optimizer + step.tp_comm + step.pp_comm) / 128
    assert step.bubble == pytest.approx(5 * per_micro, rel=1e-3)
    free = best_layout(w, 384, f, 2048, (("tp", 8), ("pp", 6)))  # the search may interleave
    assert free.layout.virtual > 1 and free.step.bubble < step.bubble


def test_data_parallel_reduce_over_the_network_and_its_overlap():
    """ZeRO-1 across 4 nodes with 8-way TP inside each (one DP rank per node): each device holds
    6.4e9/8 = 0.8e9 parameters and moves (4 + 2) B each (fp32 reduce-scatter, bf16 all-gather),
    3/4 of it, over its 1/8 share of 3,200 Gbit/s = 50 GB/s: 0.8e9·6·0.75/50e9 = 72 ms. Latency:
    buckets of max(4e7, 1e6·4) = 4e7 parameters → 20 buckets, each a reduce-scatter and an
    all-gather over a 4-rank ring with all 3 steps across nodes: 8.4 + 3 × 9.6 = 37.2 µs (NCCL
    ring/Simple), 2 × 20 × 37.2 µs = 1.488 ms. What is not hidden behind one micro-batch's
    compute is exposed."""
    w = Workload("full", 6.4e9, 6.4e9, 1e10, seq_len=2048)
    shape = model_shape(w.params, w.active_params)
    step = step_time(w, shape, Layout(8, 1, 4, 1, 1, 1, 1, False), 2048, fab())
    reduce = 0.8e9 * 6 * 0.75 / 50e9
    assert reduce == pytest.approx(0.072)
    latency = 2 * 20 * 37.2e-6
    assert float(step.dp_comm) == pytest.approx(max(0.0, reduce + latency - float(step.compute)))
    slow = step_time(w, shape, Layout(8, 1, 4, 1, 1, 1, 1, False), 2048, fab(scaleout_bytes_per_s=25e9 / 8 * 8))
    assert float(slow.dp_comm) == pytest.approx(0.8e9 * 6 * 0.75 / (25e9 / 8) + latency - float(slow.compute))


def test_collective_latency_grows_with_the_ring():
    """NCCL's ring/Simple latency (tuning.cc: 8.4 µs base, 3.4 µs per NVLink step, 9.6 µs per
    network step): a reduce-scatter over 512 ranks on 64 nodes of 8 takes 511 steps, 63 across
    nodes: 8.4 + 448 × 3.4 + 63 × 9.6 = 2,136.4 µs; over 8 ranks in one node 8.4 + 7 × 3.4 =
    32.2 µs; one rank none. On TPU ICI (1 µs per hop) 256 chips in one pod: 8.4 + 255 = 263.4 µs."""
    assert float(_ring_latency_s(512, 1, fab())) == pytest.approx(2136.4e-6)
    assert float(_ring_latency_s(8, 1, fab())) == pytest.approx(32.2e-6)
    assert float(_ring_latency_s(1, 1, fab())) == 0.0
    tpu = fab(domain=256, scaleup_latency_s=1e-6)
    assert float(_ring_latency_s(256, 1, tpu)) == pytest.approx(263.4e-6)


def test_small_model_on_many_ranks_pays_latency_per_step():
    """A 5e8-parameter model at DP 512, micro-batch 1 (one 2,048-token sequence per device): one
    bucket (5e8 ≤ max(4e7, 512e6) parameters), so 2 × 2,136.4 µs of ring latency per step on top
    of the 3 GB of gradient traffic; on 8 × 200 Gbit/s per node the exposed part equals bytes +
    latency − one micro-batch's compute (hand formula), about 7 ms."""
    w = Workload("full", 5e8, 5e8, 1e10, seq_len=2048)
    shape = model_shape(w.params, w.active_params)
    lay = Layout(1, 1, 512, 1, 1, 1, 1, False)
    step = step_time(w, shape, lay, 2048, fab(scaleout_bytes_per_s=1600e9 / 8))
    per_byte = 7 / 8 / 450e9 + (64 - 1) / 64 / 8 / (1600e9 / 8 / 8)  # hierarchical ring (module doc)
    expected = 5e8 * 6 * per_byte + 2 * 2136.4e-6 - float(step.compute)
    assert expected > 0.005
    assert float(step.dp_comm) == pytest.approx(expected)


def test_compute_term_is_the_soft_roofline():
    """FLOPs/(peak·η) × (1 + I_ridge/I), I = 1/(1/M + 1/h + t/d_ff): s = 2,048 tokens, h = 4,096,
    d_ff = 16,384, t = 1 → I = 1/(1/2048 + 1/4096 + 1/16384) = 1,260 FLOP/B; I_ridge = 989/3.35
    = 295.2; factor 1.2343."""
    w = Workload("full", 6.4e9, 6.4e9, 1e10, seq_len=2048)
    shape = model_shape(w.params, w.active_params)
    step = step_time(w, shape, Layout(1, 1, 1, 1, 1, 1, 1, False), 2048, fab())
    flops = (6 * 6.4e9 + 3 * 2 * 32 * 2048 * 4096) * 2048
    assert float(step.compute) == pytest.approx(flops / (989e12 * 0.5) * 1.2343, rel=1e-3)


def test_context_parallel_ring_exchange_and_its_overlap():
    """Context parallelism (ring attention, Liu et al. 2023 §3; Megatron-core CP): each of c = 2
    ranks holds half of the 8,192-token sequence; per layer it receives the other chunk's K and
    V forward and again backward, and passes dK, dV back: 3 × (c − 1) × 2 × (4,096 × 4,096 × 2 B)
    / t(8) = 25.17 MB, over the network (the partner is 8 ranks away, in the next node) at 50 GB/s:
    503.3 µs per layer, less the layer's attention-score compute it overlaps (3A of the 6N + 3A
    training FLOPs, A = 2 · n_layer · 8,192 · d_model with the FLOP count's unrounded shape
    31.93 × 4,087, flops.layer_shape). The device does half the micro-batch's work."""
    w = Workload("full", 6.4e9, 6.4e9, 1e10, seq_len=8192)
    shape = model_shape(w.params, w.active_params)
    step = step_time(w, shape, Layout(8, 1, 1, 1, 1, 1, 1, False, 1, 2), 8192, fab())
    per_layer = 3 * 1 * 2 * 4096 * 4096 * 2 / 8 / 50e9
    assert per_layer == pytest.approx(503.3e-6, rel=1e-4)
    attention = 3 * 2 * 31.9296 * 8192 * 4086.98
    overlap = float(step.compute) * attention / (6 * 6.4e9 + attention) / 32
    assert float(step.cp_comm) == pytest.approx(32 * (per_layer - overlap), rel=1e-4)
    whole = step_time(w, shape, Layout(8, 1, 1, 1, 1, 1, 1, False), 8192, fab())
    assert float(step.compute) == pytest.approx(float(whole.compute) / 2, rel=0.05)  # smaller GEMMs: a bit more
    assert float(whole.cp_comm) == 0.0


def test_context_parallel_halves_activations_and_widens_the_optimiser_shard():
    """Korthikanti et al. 2022 Eq. 2 with FlashAttention: 34·s·b·h/t bytes per layer and
    micro-batch; with c context ranks each holds s/c tokens (Megatron-core CP), and the ZeRO-1
    optimiser state (12 B per parameter) shards over d·c ranks. 6.4e9 parameters, 32 layers,
    h = 4,096, s = 8,192, t = 8, d = 2: activations 32 × 34 × 8,192 × 4,096 / 8 = 4.56 GB at
    c = 1, 2.28 GB at c = 2; state 8e8 × (4 + 12/2) = 8 GB, and 8e8 × (4 + 12/4) = 5.6 GB."""
    w = Workload("full", 6.4e9, 6.4e9, 1e10, seq_len=8192)
    shape = model_shape(w.params, w.active_params)
    one = memory_bytes(w, shape, Layout(8, 1, 2, 1, 1, 1, 1, False), 8192)
    two = memory_bytes(w, shape, Layout(8, 1, 2, 1, 1, 1, 1, False, 1, 2), 8192)
    activations = 32 * 34 * 8192 * 4096 / 8
    assert float(one) == pytest.approx(activations + 8e8 * (4 + 12 / 2) + 3e9)
    assert float(two) == pytest.approx(activations / 2 + 8e8 * (4 + 12 / 4) + 3e9)


def test_llama3_405b_published_layout_needs_more_than_80_gb_without_recomputation():
    """Korthikanti et al. 2022 §4 (pipeline parallelism): the first 1F1B stage holds p micro-batches of L/p layers.
    Meta's TP 8 × PP 16 × DP 128 at 8,192 tokens (Dubey et al. 2024 Table 4, 16 micro-batches of
    one sequence): ⌈127/16⌉ = 8 layers × 16 × 34 × 8,192 × 16,384 / 8 B = 73.0 GB of activations,
    plus 405e9/128 parameters × (4 + 12/128) B = 12.95 GB of state and the 3 GB reserve: 89.0 GB,
    more than an 80 GB H100, although Meta trained it without activation checkpointing (§3.3.2:
    its schedule, layer balancing and freed pipeline buffers are not modelled)."""
    w = Workload("full", 405e9, 405e9, 15.6e12, seq_len=8192, batch_tokens=16_777_216)
    shape = model_shape(w.params, w.active_params)
    meta = memory_bytes(w, shape, Layout(8, 16, 128, 1, 1, 16, 1, False), 8192)
    expected = 8 * 16 * 34 * 8192 * 16384 / 8 + 405e9 / 128 * (4 + 12 / 128) + 3e9
    assert shape.n_layer == 127 and expected == pytest.approx(89.0e9, rel=1e-3)
    assert float(meta) == pytest.approx(expected)


@pytest.mark.parametrize("row_id, layout", [
    ("vendor-2025-llama3.1-405b-nvidia-h100-1024", (8, 8, 2, 8)),
    ("vendor-2025-llama3.1-405b-nvidia-b200-128", (4, 8, 2, 8)),
])
def test_search_picks_nvidias_published_405b_layout(row_id, layout):
    """NVIDIA's Megatron-Bridge performance summary (catalogs/vendor_throughput.csv `source`)
    runs Llama 3.1 405B at 8,192 tokens as TP 8 × PP 8 × CP 2 × VP 8 on 1,024 H100 (batch 512) and
    TP 4 × PP 8 × CP 2 × VP 8 on 128 B200 (batch 64); the search, free to choose, lands on both."""
    row = next(r for r in load_evidence(CATALOG / "vendor_throughput.csv") if r.id == row_id)
    lay = estimate(row.workload, CHIPS[row.chip], row.chips, row.precision).layout
    assert (lay.tp, lay.pp, lay.cp, lay.virtual) == layout


def test_context_parallelism_only_from_8k_tokens_and_raises_the_useful_cluster():
    """Published context-parallel runs keep ≥ 4,096 tokens per rank (NVIDIA 405B: 8,192 / 2;
    Meta Table 4: 131,072 / 16): at 4,096 tokens no CP, at 8,192 up to 2, at 131,072 up to 32;
    the largest useful cluster grows by that factor (batch × widest TP × widest CP)."""
    assert [max_context_parallel(s) for s in (2048, 4096, 8192, 131072)] == [1, 1, 2, 32]
    short, long = (Workload("full", 7e9, 7e9, 1e12, seq_len=s, batch_tokens=64 * s) for s in (4096, 8192))
    assert max_useful_gpus(short, fab(), 64) == 64 * 8
    assert max_useful_gpus(long, fab(), 64) == 64 * 8 * 2


def test_deepseek_batch_law():
    """DeepSeek LLM 2024 Eq. 1: C = 1e20 → 0.292 · 10^(20·0.3271) = 0.292 · 10^6.542 = 1.017e6 tokens."""
    assert deepseek_batch_tokens(1e20) == pytest.approx(1.017e6, rel=1e-3)
    with pytest.raises(ValueError):
        deepseek_batch_tokens(1e28)


# --- memory against published runs -------------------------------------------------------------

def test_every_published_run_fits_on_its_hardware():
    """Every run with a chip and device count in catalogs/training_runs.csv gets a layout on
    its published hardware (PaLM on 6,144 TPU v4 of 34.4 GB, BLOOM on 384 A100-80GB, Llama 3.1
    405B on 16,384 H100 at 8k context, DeepSeek-V3 on 2,048 H800 ...)."""
    runs = [r for r in load_runs(CATALOG / "training_runs.csv") if r.chip and r.gpus and r.tokens]
    assert len(runs) >= 15
    for run in runs:
        e = estimate(run.workload, CHIPS[run.chip], run.gpus, run.precision)
        assert e.memory_per_gpu_gb <= CHIPS[run.chip].memory_gb, run.name


def test_gpt3_fits_on_32gb_v100_but_not_on_16gb_at_its_scale():
    """Brown et al. 2020 trained GPT-3 175B on V100; Patterson et al. 2021 count 10,000. On the
    32 GB card it fits; the 16 GB card needs more devices than the run's batch can use
    (3.2M tokens in the paper)."""
    w = Workload("full", 175e9, 175e9, 3e11, seq_len=2048, batch_tokens=3.2e6)
    assert estimate(w, CHIPS["V100-32GB"], 10_000 // 8 * 8).memory_per_gpu_gb <= 32


def test_gopher_fits_on_tpu_v3():
    """Rae et al. 2021 (Gopher) §4: 280B parameters trained on 4,096 TPU v3 chips, 300B tokens at
    2,048 context, batch 3M then 6M tokens; 32 GiB per chip."""
    w = Workload("full", 280e9, 280e9, 300e9, seq_len=2048, batch_tokens=3e6)
    assert estimate(w, CHIPS["tpu-v3"], 4096).memory_per_gpu_gb <= 34.4


# --- properties -------------------------------------------------------------------------------

WORKLOADS = st.builds(
    lambda params, tokens_per_param, seq: Workload("full", params, params, params * tokens_per_param, seq_len=seq),
    st.floats(3e8, 1e11), st.floats(1, 100), st.sampled_from([1024, 2048, 4096, 8192]))


@settings(max_examples=40, deadline=None)
@given(w=WORKLOADS, nodes=st.sampled_from([1, 2, 4, 16, 64]), gbps=st.floats(25, 3200), factor=st.floats(1, 10))
def test_more_network_bandwidth_is_never_slower(w, nodes, gbps, factor):
    chip = CHIPS["H100"]
    try:
        slow = estimate(w, chip, nodes * 8, scaleout_gbps_per_node=gbps)
    except ValueError:
        return  # does not fit or batch too small at this size: nothing to compare
    fast = estimate(w, chip, nodes * 8, scaleout_gbps_per_node=gbps * factor)
    assert fast.gpu_hours <= slow.gpu_hours * (1 + 1e-9)


@settings(max_examples=40, deadline=None)
@given(w=WORKLOADS, nodes=st.sampled_from([1, 4, 16]), factor=st.floats(1, 8))
def test_a_bigger_batch_limit_is_never_slower(w, nodes, factor):
    chip = CHIPS["A100-80GB"]
    small = Workload(w.method, w.params, w.active_params, w.tokens, seq_len=w.seq_len, batch_tokens=64 * w.seq_len)
    big = Workload(w.method, w.params, w.active_params, w.tokens, seq_len=w.seq_len,
                   batch_tokens=math.floor(64 * factor) * w.seq_len)
    try:
        before = estimate(small, chip, nodes * 8)
    except ValueError:
        return
    after = estimate(big, chip, nodes * 8)
    assert after.wall_clock_days <= before.wall_clock_days * (1 + 1e-9)


@settings(max_examples=40, deadline=None)
@given(w=WORKLOADS, nodes=st.sampled_from([1, 2, 8, 64]), chip=st.sampled_from(["H100", "A100-80GB", "tpu-v6e", "B200"]),
       precision=st.sampled_from(["bf16", "fp8"]))
def test_no_layout_beats_the_peak_mfu_bound(w, nodes, chip, precision):
    """stage_options skips a cluster size before its layout search when even at compute.peak_mfu
    it could not end in time: that is exact only if no estimate's MFU exceeds the bound."""
    spec = CHIPS[chip]
    if precision == "fp8" and not spec.fp8_tflops:
        return
    try:
        e = estimate(w, spec, nodes * (spec.gpus_per_node or 8), precision)
    except ValueError:
        return
    assert e.mfu <= peak_mfu(spec, precision) * (1 + 1e-9)
    floor_days = stage_flops(w) / (peak_flops_per_s(spec, precision) * peak_mfu(spec, precision) * 86_400) / e.n_gpus
    assert e.wall_clock_days >= floor_days * (1 - 1e-9)


def test_a_slow_network_loses_on_a_large_model():
    """Same H100 nodes, 64 of them, 70B: 100 Gbit/s Ethernet per node against 3,200 Gbit/s. On
    the slow network the search trades communication for a layout that hides it (larger
    micro-batches, recomputation), which still costs more than 10 %."""
    w = Workload("full", 70e9, 70e9, 1.4e12)
    fast = estimate(w, CHIPS["H100"], 512, scaleout_gbps_per_node=3200)
    slow = estimate(w, CHIPS["H100"], 512, scaleout_gbps_per_node=100)
    assert slow.gpu_hours > 1.1 * fast.gpu_hours
    assert slow.layout != fast.layout


def test_fabric_reads_the_catalog():
    """H100: NVLink 900 GB/s bidirectional → 450 GB/s per direction; 8 × 400 Gbit/s per node."""
    f = fabric(CHIPS["H100"], "bf16")
    assert f.scaleup_bytes_per_s == 450e9 and f.scaleout_bytes_per_s == 3200e9 / 8 and f.domain == 8
    assert fabric(CHIPS["tpu-v4"], "bf16").domain == 4096
