"""Parallel layout search and step time of one training stage on one cluster.

For n devices the search tries every tensor (t) × context (c) × pipeline (p) × data (d) parallel
split with t·c·p·d = n, expert parallelism e | d for mixture-of-experts, micro-batch m ∈ {1, 2, 4, 8},
ZeRO stage 1 (distributed optimiser) or 3 (FSDP) and full activation recomputation on or off.
It skips a layout that does not fit in memory, that puts tensor parallelism across the scale-up
domain, whose t does not divide the heads, that has p > layers, or whose batch of B sequences gives fewer than p
micro-batches per pipeline (1F1B needs ≥ p in flight, Narayanan et al. 2021 §2.2). The batch law
(batch.py) thus caps d·p ≤ B/m: the largest useful cluster is B · t_max · c_max devices.

Context parallelism (Megatron-core CP; ring attention, Liu, Zaharia & Abbeel 2023, arXiv
2310.01889 §3) splits each sequence over c ranks: every per-token term, the activations and the
micro-batch's tokens are divided by c, gradients reduce over the d·c data × context ranks, and
the ranks exchange K and V. Offered only where each rank keeps ≥ CP_MIN_TOKENS = 4,096 tokens,
the smallest chunk among the published CP runs (NVIDIA Megatron-Bridge Llama 3.1 405B: 8,192
tokens over CP 2; Dubey et al. 2024 Table 4: 131,072 over CP 16), so c ≤ s/4,096 (none at 4k).

Step time of a layout (seconds), with ga = ⌊B/(d·m)⌋ micro-batches per step and per micro-batch
on one device:

    (per-token terms below use the device's share m·s/c of the micro-batch's tokens)
    compute   = FLOPs_mb / (peak · η · I/(I + I_ridge))       GEMMs at an achievable fraction of peak
    memory    = elementwise bytes_mb / HBM bandwidth            layer norms, activations, residuals
    tp_comm   = (4 or 6)·L/p · 2(t−1)/t · m·s·h·2 B / link      Megatron TP all-reduces (fwd 2, bwd 2, recompute 2)
    moe_comm  = 4·L/p · (e−1)/e · m·s·k·h·2/t B / link          dispatch + combine, forward and backward
    pp_comm   = 2v · m·s·h·2/(t·c) B / link                     activations and their gradients per chunk
    cp_comm   = L/p · max(0, 3·(c−1)·2·m·s·h·2/(t·c) B / link   K, V received forward and again backward,
                          − attention compute of the layer)     dK, dV sent back; overlapped with the
                                                                layer's attention-score FLOPs (3A of
                                                                6N + 3A) as in ring attention. Full
                                                                heads: for grouped-query attention the
                                                                K, V are smaller, so an upper bound.
    step      = ga·t_mb + (p−1)/v·t_mb + optimiser + exposed DP 1F1B pipeline, v interleaved chunks per rank
                                                                (Narayanan et al. 2021 §2.2.2: bubble (p−1)/(v·m))

    η: achievable fraction of peak of large GEMMs on the chip (mfu.gemm_efficiency; calibrated).
    I = 1/(1/M + 1/h + t/d_ff): arithmetic intensity (FLOP/byte) of the layer's GEMMs, M = m·s
      tokens (experts see M·k·e/E); I_ridge = peak / HBM bandwidth. I/(I + I_ridge) is the soft
      roofline (time = FLOPs/peak + bytes/bandwidth); small models and wide TP lose here.
    elementwise bytes: 3 × 34·h/t per token and layer (+34 with recomputation): Korthikanti et
      al. 2022 Eq. 2 counts 34·s·b·h activation bytes per layer written by the forward pass
      (without the attention scores FlashAttention does not store); we assume each is written
      once forward and read and written once backward. Assumption, order of magnitude.
    optimiser: 30 B per parameter of the device's optimiser shard (read fp32 master, m, v, grad
      = 16 B; write master, m, v and bf16 weights = 14 B; mixed-precision Adam), over HBM.
    DP (ZeRO-1): reduce-scatter of fp32 gradients (4 B) and all-gather of bf16 weights (2 B) per
      parameter, (d−1)/d of it crossing links, overlapped with one micro-batch's compute
      (Megatron overlaps both with the last backward and the next forward); exposed = the rest.
    DP (ZeRO-3): weights gathered forward and backward and gradients reduce-scattered every
      micro-batch (3 × 2 B per parameter), each overlapped with that micro-batch's compute.
    links: the scale-up link (NVLink/ICI/Infinity Fabric, per direction = catalog bidirectional
      figure / 2) inside the scale-up domain; beyond it the node's scale-out network shared by
      its devices (hierarchical ring: reduce inside the domain, then across domains on 1/k of
      the data, k = group members per domain). Ideal ring bandwidth.
    DP latency (α–β model, Hockney 1994; Thakur, Rabenseifner & Gropp 2005): each ring
      reduce-scatter or all-gather over g ranks on N domains costs, besides its bytes,
          α = α_base + (g − N)·α_up + (N − 1)·α_out
      NCCL's own cost model for a ring with the Simple protocol (src/graph/tuning.cc, NVIDIA/nccl
      commit 01afd20: base 8.4 µs, 3.4 µs per NVLink step, 9.6 µs per network step; nsteps
      g − 1 of which N − 1 cross nodes). TPU ICI hops take 1 µs (ASTRA-sim's TPU v3 validation,
      "link latency 1 us as per TPU research team"); beyond the domain every chip uses the
      network figure (assumption for TPU DCN and non-NVIDIA fabrics). Gradients go in buckets
      of max(4e7, 1e6·d) parameters, Megatron-core's default (DistributedDataParallelConfig:
      "larger DP sizes need larger buckets to ensure collectives do not become latency-bound"),
      ZeRO-1 one reduce-scatter and one all-gather per bucket and step, ZeRO-3 three collectives
      per layer and micro-batch; the latency adds to the bytes' time before the overlap. It grows
      linearly with the ring (g ≤ 131,072; tree algorithms, used by NCCL for some all-reduces,
      would grow as log N: the ring is the pessimistic bound). TP, MoE and PP latency ignored
      (their groups do not grow with the cluster; calibration absorbs them).

Pipelines may interleave v ∈ {1, 2, 4, 8} model chunks per rank (ga rounded down to a multiple
of p). A published configuration can be pinned (tp, pp, recompute; any pp) to score a run on it.
Ranks are ordered tensor (innermost), expert/data, pipeline (outermost), as in Megatron-LM.
Valid for 1 ≤ n ≤ 131,072 devices (chip.MAX_GPUS), shapes from shape.py.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from planner.compute.flops import (ADAPTER_FRACTION, attention_forward_flops_per_token, forward_flops_per_token,
                                   training_flops_per_token)
from planner.compute.memory import BYTES_PER_ADAPTER_PARAM, BYTES_PER_PARAM_BF16, BYTES_PER_PARAM_NF4, RESERVE_BYTES
from planner.compute.shape import Shape, workload_shape
from planner.workload import Workload

ACTIVATION_BYTES_PER_TOKEN_WIDTH = 34.0  # Korthikanti et al. 2022 Eq. 2, FlashAttention: no 5as/h term
ELEMENTWISE_PASSES = 3.0  # written forward, read + written backward (assumption)
OPTIMIZER_BYTES_PER_PARAM = 30.0
GRAD_REDUCE_BYTES, WEIGHT_GATHER_BYTES = 4.0, 2.0
# α–β latencies (module doc): NCCL ring/Simple, seconds per collective and per ring step
NCCL_BASE_LATENCY_S, NVLINK_STEP_LATENCY_S, NETWORK_STEP_LATENCY_S = 8.4e-6, 3.4e-6, 9.6e-6
ICI_HOP_LATENCY_S = 1.0e-6
BUCKET_MIN_PARAMS, BUCKET_PARAMS_PER_DP_RANK = 4e7, 1e6
MICRO_BATCHES = (1, 2, 4, 8)
CP_PASSES = 3.0  # K, V forward; K, V and dK, dV backward (ring attention, Liu et al. 2023 §3)
CP_MIN_TOKENS = 4096  # fewest tokens per context-parallel rank in the published CP runs (module doc)


@dataclass(frozen=True)
class Fabric:
    """What the step time reads from a cluster: per-device compute and memory, and its links.

    peak_flops_per_s: effective dense peak at the run's precision; efficiency: η (GEMM fraction);
    hbm_bytes_per_s, memory_bytes: per device; scaleup_bytes_per_s: per device per direction;
    domain: devices sharing the scale-up link; node: devices per server (share its NICs);
    scaleout_bytes_per_s: per node per direction; scaleup_latency_s, scaleout_latency_s: α per
    ring step inside and across scale-up domains (module doc).
    """

    peak_flops_per_s: float
    efficiency: float
    hbm_bytes_per_s: float
    memory_bytes: float
    scaleup_bytes_per_s: float
    domain: int
    node: int
    scaleout_bytes_per_s: float
    scaleup_latency_s: float = NVLINK_STEP_LATENCY_S
    scaleout_latency_s: float = NETWORK_STEP_LATENCY_S


@dataclass(frozen=True)
class Layout:
    """Tensor, pipeline, data and expert parallel degrees, micro-batch, accumulation, ZeRO, recompute."""

    tp: int
    pp: int
    dp: int
    ep: int
    micro_batch: int
    grad_accum: int
    zero: int
    recompute: bool
    virtual: int = 1  # interleaved pipeline: model chunks per pipeline rank
    cp: int = 1  # context parallel: ranks splitting each sequence


@dataclass(frozen=True)
class StepTime:
    """Seconds per optimiser step, by named term (module doc); bubble and exposed DP included."""

    compute: float
    memory: float
    tp_comm: float
    moe_comm: float
    pp_comm: float
    dp_comm: float
    bubble: float
    cp_comm: float = 0.0

    @property
    def total(self) -> float:
        return self.compute + self.memory + self.exposed_comm + self.bubble

    @property
    def exposed_comm(self) -> float:
        return self.tp_comm + self.moe_comm + self.pp_comm + self.dp_comm + self.cp_comm


@dataclass(frozen=True)
class Choice:
    """The fastest feasible layout: its step time, memory per device and batch."""

    layout: Layout
    step: StepTime
    memory_bytes: float
    batch_sequences: int

    @property
    def tokens_per_step(self) -> float:
        return self.layout.dp * self.layout.micro_batch * self.layout.grad_accum


@functools.lru_cache(maxsize=256)  # asked for every option priced
def _powers_of_two(limit: int) -> tuple[int, ...]:
    return tuple(2**i for i in range(int(math.log2(max(1, limit))) + 1))


def _params_split(w: Workload, shape: Shape) -> tuple[float, float]:
    """(parameters every expert-parallel rank holds, expert parameters sharded over ep): for MoE
    the attention weights, 4·L·h² (shape.py), are shared and the rest is experts."""
    if not shape.moe:
        return w.params, 0.0
    attention = min(4.0 * shape.n_layer * shape.d_model**2, w.active_params)
    return attention, w.params - attention


def memory_bytes(w: Workload, shape: Shape, lay: Layout, seq_len: int):
    """Bytes per device: model state (ZeRO-sharded), activations of in-flight micro-batches, reserve.

    State per parameter: full 2 (bf16 weights) + 2 (grads) + 12 (fp32 master, Adam m, v) =16
    (Rajbhandari et al. 2019 §3.1); ZeRO-1 shards the 12 over d, ZeRO-3 all 16 (plus a gather
    buffer of two layers). LoRA/QLoRA hold frozen weights (2 B, NF4 0.516 B) and 16 B per
    adapter parameter; a teacher 2 B per parameter. Activations per layer and micro-batch:
    34·m·s·h/t bytes, or 2·m·s·h/t with recomputation plus one layer's 34·m·s·h/t (Korthikanti
    et al. 2022 Eq. 2 and §4); the first pipeline stage holds min(p, ga) micro-batches of L/p layers.
    Context parallelism (cp ranks per sequence) divides the activations by cp and widens the
    group the optimiser state (ZeRO-1) or all state (ZeRO-3) shards over to d·cp, as Megatron-core
    shards the distributed optimiser over its data × context group.
    Layout fields may be numpy arrays (the search evaluates all layouts at once).
    """
    t, p, d, e, z3, c = lay.tp, lay.pp, lay.dp, lay.ep, np.equal(lay.zero, 3), lay.cp
    shared, experts = _params_split(w, shape)
    per_device = shared / (t * p) + experts / (t * p * e)
    # experts' optimiser state shards over the d/e ranks holding the same experts (conservative)
    shard = (d if experts == 0 else np.maximum(1, d // e)) * c
    if w.method == "full":
        weights_grads = 4.0 * per_device
        state = np.where(z3, weights_grads / (d * c), weights_grads) + 12.0 * per_device / shard
    else:
        frozen = (BYTES_PER_PARAM_BF16 if w.method == "lora" else BYTES_PER_PARAM_NF4) * per_device
        held = frozen + BYTES_PER_ADAPTER_PARAM * ADAPTER_FRACTION * per_device
        state = np.where(z3, held / (d * c), held)
    teacher = BYTES_PER_PARAM_BF16 * w.teacher_params / (t * p) / np.where(z3, d * c, 1)
    gather = np.where(z3 & (d * c > 1), 2 * BYTES_PER_PARAM_BF16 * w.active_params / shape.n_layer / t, 0.0)
    per_layer = lay.micro_batch * seq_len * shape.d_model / (t * c)
    # interleaving keeps (1 + (p−1)/(p·v)) times more micro-batches in flight on the first rank
    interleave = np.where(lay.virtual > 1, 1 + (p - 1) / (p * lay.virtual), 1.0)
    stored = np.ceil(shape.n_layer / p) * np.minimum(p, lay.grad_accum) * interleave * per_layer
    activations = np.where(lay.recompute, 2.0 * stored + ACTIVATION_BYTES_PER_TOKEN_WIDTH * per_layer,
                           ACTIVATION_BYTES_PER_TOKEN_WIDTH * stored)
    return state + teacher + gather + activations + RESERVE_BYTES


def _nic(fab: Fabric) -> float:
    """Scale-out bytes per second per device: the node's network shared by its devices."""
    return fab.scaleout_bytes_per_s / min(fab.node, fab.domain)


def _ring_seconds_per_byte(group, stride, fab: Fabric):
    """Seconds per byte (of each rank's data) of a hierarchical ring reduce-scatter or all-gather
    over `group` ranks spaced `stride` apart: (k−1)/k over the scale-up link among the k members
    of a domain, then (g/k−1)/(g/k) of 1/k of the data over the network share."""
    k = np.minimum(group, np.maximum(1, fab.domain // stride))
    outer = group // k
    return (k - 1) / k / fab.scaleup_bytes_per_s + (outer - 1) / outer / k / _nic(fab)


def _ring_latency_s(group, stride, fab: Fabric):
    """α of one ring reduce-scatter or all-gather over `group` ranks spaced `stride` apart: NCCL's
    base latency plus one step latency per hop, g − N inside domains and N − 1 across (module doc)."""
    k = np.minimum(group, np.maximum(1, fab.domain // stride))
    outer = group // k
    steps = (group - outer) * fab.scaleup_latency_s + (outer - 1) * fab.scaleout_latency_s
    return np.where(group > 1, NCCL_BASE_LATENCY_S + steps, 0.0)


def _link(span, fab: Fabric):
    """Bytes per second per device between ranks `span` apart: scale-up inside the domain."""
    return np.where(span < fab.domain, fab.scaleup_bytes_per_s, _nic(fab))


@functools.lru_cache(maxsize=4096)
def _flops_per_token(w: Workload) -> tuple[float, float, float]:
    """(training FLOPs per token, forward FLOPs per token added by recomputation, attention-score
    FLOPs per token of training, 3A)."""
    attention = 3.0 * attention_forward_flops_per_token(w.active_params, w.seq_len)
    return training_flops_per_token(w), forward_flops_per_token(w.active_params, w.seq_len), attention


def _slowdown(tokens, width, t, shape: Shape, ridge: float):
    """1 + I_ridge/I: the soft-roofline time factor of GEMMs of `tokens` × d_model × d_ff/t."""
    return 1.0 + ridge * (1.0 / tokens + 1.0 / width + t / shape.d_ff)


def step_time(w: Workload, shape: Shape, lay: Layout, seq_len: int, fab: Fabric) -> StepTime:
    """Seconds per optimiser step of layout `lay` (terms in the module doc); fields may be arrays."""
    t, p, d, e, m, ga, c = lay.tp, lay.pp, lay.dp, lay.ep, lay.micro_batch, lay.grad_accum, lay.cp
    h, layers = shape.d_model, shape.n_layer / p
    tokens = m * seq_len / c  # a device's share of the micro-batch
    train, forward, attention = _flops_per_token(w)
    flops_token = train + np.where(lay.recompute, forward, 0.0)
    ridge = fab.peak_flops_per_s / fab.hbm_bytes_per_s
    slowdown = _slowdown(tokens, h, t, shape, ridge)
    if shape.moe:  # the FFN two thirds of the work run on experts that see k·e/E of the tokens
        expert_tokens = np.maximum(1.0, tokens * shape.top_k * e / shape.experts)
        slowdown = slowdown / 3 + 2 * _slowdown(expert_tokens, h, t, shape, ridge) / 3
    compute = flops_token * tokens / (t * p) / (fab.peak_flops_per_s * fab.efficiency) * slowdown
    passes = ELEMENTWISE_PASSES + np.where(lay.recompute, 1.0, 0.0)
    memory = passes * ACTIVATION_BYTES_PER_TOKEN_WIDTH * tokens * layers * h / t / fab.hbm_bytes_per_s
    activation = tokens * h * BYTES_PER_PARAM_BF16
    collectives = np.where(lay.recompute, 6, 4) * layers
    tp_comm = collectives * 2 * (t - 1) / t * activation / fab.scaleup_bytes_per_s
    moe_comm = 4 * layers * (e - 1) / e * activation * shape.top_k / t / _link(t * e, fab)
    v = lay.virtual
    pp_comm = np.where(p > 1, 2 * v * activation / t / _link(t * d * c, fab), 0.0)
    # context parallel: K, V of the other c − 1 chunks forward, again backward with dK, dV
    cp_bytes = CP_PASSES * (c - 1) * 2 * activation / t  # per layer (= (c−1)/c of the sequence's)
    cp_comm = layers * np.maximum(0.0, cp_bytes / _link(t * (c - 1), fab) - compute * attention / train / layers)
    micro = compute + memory + tp_comm + moe_comm + pp_comm + cp_comm
    shared, experts = _params_split(w, shape)
    weights = shared / (t * p) + experts / (t * p * e)  # every weight on the device, frozen ones too
    trained = weights if w.method == "full" else ADAPTER_FRACTION * weights
    group = d * c  # gradients reduce over data × context ranks
    optimizer = OPTIMIZER_BYTES_PER_PARAM * trained / group / fab.hbm_bytes_per_s
    per_byte, alpha = _ring_seconds_per_byte(group, t, fab), _ring_latency_s(group, t, fab)
    zero3 = ga * np.maximum(0.0, 3 * (WEIGHT_GATHER_BYTES * weights * per_byte + layers * alpha) - compute)
    buckets = np.ceil(trained / np.maximum(BUCKET_MIN_PARAMS, BUCKET_PARAMS_PER_DP_RANK * group))
    zero1 = np.maximum(0.0, (GRAD_REDUCE_BYTES + WEIGHT_GATHER_BYTES) * trained * per_byte + 2 * buckets * alpha - compute)
    return StepTime(compute=ga * compute, memory=ga * memory + optimizer, tp_comm=ga * tp_comm,
                    moe_comm=ga * moe_comm, pp_comm=ga * pp_comm, dp_comm=np.where(np.equal(lay.zero, 3), zero3, zero1),
                    bubble=(p - 1) / v * micro, cp_comm=ga * cp_comm)


def max_context_parallel(seq_len: int) -> int:
    """Largest context-parallel degree: a power of two leaving ≥ CP_MIN_TOKENS tokens per rank."""
    return _powers_of_two(max(1, seq_len // CP_MIN_TOKENS))[-1]


@functools.lru_cache(maxsize=65_536)  # asked for every option priced
def max_useful_gpus(w: Workload, fab: Fabric, batch: int) -> int:
    """Most devices a batch of `batch` sequences can keep busy: one sequence per pipeline
    micro-batch per data-parallel rank (d·p ≤ batch), each on the widest tensor-parallel group
    (the largest power of two within the scale-up domain that divides the attention heads) times
    the widest context-parallel group (max_context_parallel)."""
    shape = workload_shape(w)
    widest = max(t for t in _powers_of_two(min(fab.domain, shape.n_heads)) if shape.n_heads % t == 0)
    return batch * widest * max_context_parallel(w.seq_len)


SETTINGS = ((1, False), (3, False), (1, True), (3, True))  # (ZeRO stage, recomputation)


@functools.lru_cache(maxsize=4096)
def _splits(n: int, max_tp: int, max_pp: int, max_ep: int, max_cp: int = 1) -> np.ndarray:
    """Rows (t, p, d, e, m, zero, recompute, c) of every split of `n` devices with t ≤ max_tp,
    p ≤ max_pp, e ≤ max_ep, c ≤ max_cp (powers of two dividing what they split), any micro-batch
    and setting."""
    rows = []
    for c in _powers_of_two(min(max_cp, n)):
        for t in _powers_of_two(min(max_tp, n // c)):
            if n % (t * c):
                continue
            for p in _powers_of_two(min(max_pp, n // (t * c))):
                if (n // (t * c)) % p:
                    continue
                d = n // (t * c * p)
                for e in _powers_of_two(min(d, max_ep)):
                    if d % e == 0:
                        rows.extend((t, p, d, e, m, zero, recompute, c)
                                    for m in MICRO_BATCHES for zero, recompute in SETTINGS)
    return np.array(rows, dtype=np.int64).reshape(-1, 8).T


@functools.lru_cache(maxsize=16_384)
def _grid(shape: Shape, n: int, domain: int, batch: int, max_cp: int = 1) -> Layout | None:
    """Every candidate layout (module doc) as one Layout of numpy arrays, None when there is none:
    t divides the heads within the scale-up domain, p ≤ layers, e ≤ experts, c ≤ max_cp, and the
    batch gives each pipeline at least p micro-batches (ga = ⌊B/(d·m)⌋ ≥ p)."""
    max_tp = max(t for t in _powers_of_two(min(domain, shape.n_heads)) if shape.n_heads % t == 0)
    t, p, d, e, m, zero, recompute, c = _splits(n, max_tp, shape.n_layer, shape.experts if shape.moe else 1, max_cp)
    return _with_virtual(shape, Layout(t, p, d, e, m, batch // (d * m), zero, recompute.astype(bool), cp=c))


VIRTUAL_STAGES = (1, 2, 4, 8)


def _with_virtual(shape: Shape, g: Layout) -> Layout | None:
    """The rows the batch allows (ga ≥ p), each also with 2, 4 and 8 interleaved chunks per
    pipeline rank where p > 1 and every chunk has a layer; interleaved rows round ga down to a
    multiple of p (Megatron's interleaved schedule needs it), a slightly smaller batch. Rows in
    order of v, then of g."""
    interleavable = (g.pp > 1) & (g.grad_accum // g.pp * g.pp >= g.pp)
    picks = [np.flatnonzero(g.grad_accum >= g.pp if v == 1 else interleavable & (g.pp * v <= shape.n_layer))
             for v in VIRTUAL_STAGES]
    rows = np.concatenate(picks)
    if not len(rows):
        return None
    virtual = np.repeat(VIRTUAL_STAGES, [len(p) for p in picks])
    pp, ga = g.pp[rows], g.grad_accum[rows]
    return Layout(g.tp[rows], pp, g.dp[rows], g.ep[rows], g.micro_batch[rows],
                  np.where(virtual == 1, ga, ga // pp * pp), g.zero[rows], g.recompute[rows],
                  virtual=virtual, cp=np.broadcast_to(g.cp, g.tp.shape)[rows])


def _pinned_grid(shape: Shape, n: int, batch: int, pin: tuple[tuple[str, int], ...]) -> Layout | None:
    """The candidates with tp / pp / cp / recompute / micro_batch / virtual fixed to a published
    configuration (any pp; virtual 1 is a non-interleaved pipeline, e.g. DeepSpeed's)."""
    fixed = dict(pin)
    t, p, c = fixed.get("tp", 1), fixed.get("pp", 1), fixed.get("cp", 1)
    if n % (t * p * c):
        return None
    d = n // (t * p * c)
    recomputes = (bool(fixed["recompute"]),) if "recompute" in fixed else (False, True)
    micro = (fixed["micro_batch"],) if "micro_batch" in fixed else MICRO_BATCHES
    experts = _powers_of_two(min(d, shape.experts)) if shape.moe else (1,)
    rows = [(t, p, d, e, m, batch // (d * m), zero, r) for e in experts if d % e == 0 for m in micro
            for zero in (1, 3) for r in recomputes]
    if not rows:
        return None
    cols = np.array(rows, dtype=np.int64).T
    grid = _with_virtual(shape, Layout(*cols[:7], recompute=cols[7].astype(bool), cp=np.full(len(rows), c)))
    if grid is None or "virtual" not in fixed:
        return grid
    keep = grid.virtual == fixed["virtual"]
    return Layout(*(getattr(grid, f)[keep] for f in Layout.__dataclass_fields__)) if keep.any() else None


def best_layout(w: Workload, n: int, fab: Fabric, batch: int, pin: tuple[tuple[str, int], ...] = ()) -> Choice | None:
    """The fastest feasible layout of `w` on `n` devices with a batch of `batch` sequences, or
    None when none fits (module doc for the rules): every candidate is evaluated at once and
    the one with the least time per sequence kept (ties: the first in search order).
    Memoised per (workload, n, fabric, batch, pin); pin: see _pinned_grid."""
    if pin:
        return _best_pinned(w, n, fab, batch, pin)
    return best_layouts(w, (n,), fab, batch)[0]


_CACHE_ENTRIES = 16_384  # per memo below; a sweep planning many scenarios starts afresh past it
_BEST: dict[tuple, Choice | None] = {}
_GRID_MEMORY: dict[tuple, tuple[Layout | None, np.ndarray | None]] = {}


def best_layouts(w: Workload, ns: tuple[int, ...], fab: Fabric, batch: int) -> list[Choice | None]:
    """best_layout for each device count in `ns`, those not searched before in one pass: the
    candidates of every count are stacked and timed together (one vectorised step_time instead of
    one per count; the counts of a pool's cluster sizes share workload, fabric and batch)."""
    if len(_BEST) > _CACHE_ENTRIES:
        _BEST.clear()
    todo = [n for n in dict.fromkeys(ns) if (w, n, fab, batch) not in _BEST]
    if todo:
        shape, parts = workload_shape(w), []
        for n, (grid, memory) in zip(todo, _grids_memory(w, tuple(todo), fab.domain, batch)):
            _BEST[(w, n, fab, batch)] = None
            feasible = None if grid is None else memory <= fab.memory_bytes
            if feasible is not None and feasible.any():
                rows = np.flatnonzero(_undominated(feasible))
                parts.append((n, rows, Layout(*(getattr(grid, f)[rows] for f in _FIELDS)), memory))
        if parts:
            sub = Layout(*(np.concatenate([getattr(lay, f) for _, _, lay, _ in parts]) for f in _FIELDS))
            step = step_time(w, shape, sub, w.seq_len, fab)
            per_sequence = step.total / (sub.dp * sub.micro_batch * sub.grad_accum)
            start = 0
            for n, rows, _, memory in parts:
                i = start + int(np.argmin(per_sequence[start:start + len(rows)]))
                _BEST[(w, n, fab, batch)] = _choice(sub, step, i, float(memory[rows[i - start]]), batch)
                start += len(rows)
    return [_BEST[(w, n, fab, batch)] for n in ns]


_FIELDS = tuple(Layout.__dataclass_fields__)


def _choice(sub: Layout, step: StepTime, i: int, memory: float, batch: int) -> Choice:
    """Row i of the timed candidates `sub` as the chosen layout."""
    lay = Layout(*(int(getattr(sub, f)[i]) for f in ("tp", "pp", "dp", "ep", "micro_batch", "grad_accum", "zero")),
                 recompute=bool(sub.recompute[i]), virtual=int(sub.virtual[i]), cp=int(sub.cp[i]))
    terms = (value[i] if np.ndim(value) else value for value in (getattr(step, f) for f in StepTime.__dataclass_fields__))
    return Choice(lay, StepTime(*(float(x) for x in terms)), memory, batch)


@functools.lru_cache(maxsize=4096)
def _best_pinned(w: Workload, n: int, fab: Fabric, batch: int, pin: tuple[tuple[str, int], ...]) -> Choice | None:
    """best_layout among the candidates of a published configuration (every feasible row timed)."""
    shape = workload_shape(w)
    grid = _pinned_grid(shape, n, batch, pin)
    if grid is None:
        return None
    memory = memory_bytes(w, shape, grid, w.seq_len)
    rows = np.flatnonzero(memory <= fab.memory_bytes)
    if not len(rows):
        return None
    sub = Layout(*(getattr(grid, f)[rows] for f in _FIELDS))
    step = step_time(w, shape, sub, w.seq_len, fab)
    i = int(np.argmin(step.total / (sub.dp * sub.micro_batch * sub.grad_accum)))
    return _choice(sub, step, i, float(memory[rows[i]]), batch)


def _grid_memory(w: Workload, n: int, domain: int, batch: int) -> tuple[Layout | None, np.ndarray | None]:
    """The candidate layouts on `n` devices and each one's bytes per device (_grids_memory)."""
    return _grids_memory(w, (n,), domain, batch)[0]


def _grids_memory(w: Workload, ns: tuple[int, ...], domain: int, batch: int) -> list[tuple[Layout | None, np.ndarray | None]]:
    """_grid_memory for each count in `ns`, the new ones' memory in one vectorised pass. Memoised:
    they depend on the scale-up domain, not on the rest of the fabric, so offers of one chip with
    different networks share them."""
    if len(_GRID_MEMORY) > _CACHE_ENTRIES:
        _GRID_MEMORY.clear()
    todo = [n for n in dict.fromkeys(ns) if (w, n, domain, batch) not in _GRID_MEMORY]
    if todo:
        shape, max_cp = workload_shape(w), max_context_parallel(w.seq_len)
        grids = [(n, _grid(shape, n, domain, batch, max_cp)) for n in todo]
        live = [(n, g) for n, g in grids if g is not None]
        memory = memory_bytes(w, shape, Layout(*(np.concatenate([getattr(g, f) for _, g in live]) for f in _FIELDS)),
                              w.seq_len) if live else None
        _GRID_MEMORY.update({(w, n, domain, batch): (None, None) for n, g in grids if g is None})
        start = 0
        for n, g in live:
            _GRID_MEMORY[(w, n, domain, batch)] = (g, memory[start:start + len(g.tp)])
            start += len(g.tp)
    return [_GRID_MEMORY[(w, n, domain, batch)] for n in ns]


def _undominated(feasible: np.ndarray) -> np.ndarray:
    """Feasible rows not beaten by a faster setting of the same split. Grid rows come in groups of
    the four SETTINGS of one split: ZeRO-1 is never slower than ZeRO-3 and recomputation only
    adds work, so (1, off) beats all, (3, off) and (1, on) beat (3, on)."""
    f = feasible.reshape(-1, len(SETTINGS))
    keep = np.zeros_like(f)
    keep[:, 0] = f[:, 0]
    keep[:, 1] = f[:, 1] & ~f[:, 0]
    keep[:, 2] = f[:, 2] & ~f[:, 0]
    keep[:, 3] = f[:, 3] & ~(f[:, 0] | f[:, 1] | f[:, 2])
    return keep.reshape(-1)


def splits_exist(w: Workload, n: int, fab: Fabric, batch: int) -> bool:
    """True when `n` devices split into tensor × pipeline × data groups the batch can feed."""
    return _grid(workload_shape(w), n, fab.domain, batch, max_context_parallel(w.seq_len)) is not None


@functools.lru_cache(maxsize=65_536)
def fits(w: Workload, n: int, fab: Fabric, batch: int) -> bool:
    """True when some layout of `w` on `n` devices fits in memory (best_layout is not None)."""
    grid, memory = _grid_memory(w, n, fab.domain, batch)
    return grid is not None and bool((memory <= fab.memory_bytes).any())
