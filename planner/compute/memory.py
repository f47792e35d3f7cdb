"""Accelerator memory per device of a stage sharded over n devices (the layout-free footprint).

Per device, with all model state sharded over the n devices (ZeRO stage 3 / FSDP; Rajbhandari
et al. 2019 §5) and activation checkpointing:

    bytes = state_bytes/n + gather + activations + reserve

state_bytes (per parameter):
  full   16 B: bf16 weights 2 + bf16 gradients 2 + fp32 master weights, Adam m and v 4+4+4
         (mixed-precision Adam, Rajbhandari et al. 2019 §3.1, "16Ψ")
  lora   2 B frozen bf16 weights + 16 B per adapter parameter (adapters = 0.2 % of N)
  qlora  0.516 B frozen NF4 weights (4 bits + one fp8 scale per 64 weights + one fp32 scale per
         256 blocks = 4.127 bits; Dettmers et al. 2023 §3, double quantisation) + adapters as LoRA
  A distillation teacher adds its frozen bf16 weights, 2 B per teacher parameter.
gather: with n > 1, two layers of bf16 weights gathered at a time (the layer being computed and
  the prefetched next one), 2 × 2·N_active/n_layer bytes.
activations, one sequence of n_ctx tokens per device, full recomputation (Korthikanti et al.
  2022 §4): the bf16 input of every layer, 2·n_ctx·d_model·n_layer bytes, plus the working set
  of the layer being recomputed, 34·n_ctx·d_model bytes (their Eq. 1 without the 5·a·s/h
  attention-score term, which FlashAttention does not store). Activations are not split over
  devices: tensor and sequence parallelism are not modelled, so large models are conservative.
reserve: 3 GB for the CUDA/runtime context, communication buffers and the logits of one
  sequence (n_ctx × vocabulary × 4 B is about 2 GB at 4k tokens and a 128k vocabulary). Assumed.
"""

from __future__ import annotations

from planner.compute._checks import check_count, check_range
from planner.compute.chip import MAX_GPUS
from planner.compute.flops import ADAPTER_FRACTION, MAX_PARAMS, METHODS, MIN_PARAMS, layer_shape
from planner.workload import Workload

BYTES_PER_PARAM_FULL = 16.0
BYTES_PER_PARAM_BF16 = 2.0
BYTES_PER_PARAM_NF4 = (4 + 8 / 64 + 32 / (64 * 256)) / 8  # 0.516
BYTES_PER_ADAPTER_PARAM = 16.0
WORKING_LAYER_BYTES_PER_TOKEN_WIDTH = 34.0
RESERVE_BYTES = 3e9


def _state_bytes(w: Workload) -> float:
    if w.method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {w.method!r}")
    adapters = BYTES_PER_ADAPTER_PARAM * ADAPTER_FRACTION * w.params
    base = {"full": BYTES_PER_PARAM_FULL, "lora": BYTES_PER_PARAM_BF16, "qlora": BYTES_PER_PARAM_NF4}
    state = base[w.method] * w.params + (0.0 if w.method == "full" else adapters)
    if w.teacher_params:
        state += BYTES_PER_PARAM_BF16 * check_range("teacher_params", w.teacher_params, MIN_PARAMS, MAX_PARAMS)
    return state


def _unsharded_bytes(w: Workload, sharded: bool) -> float:
    """Bytes that do not shrink with more devices: gather buffer, activations, reserve."""
    check_range("params", w.params, MIN_PARAMS, MAX_PARAMS)
    check_range("active_params", w.active_params, MIN_PARAMS, w.params)
    n_layer, d_model = layer_shape(w.active_params)
    gather = 2 * BYTES_PER_PARAM_BF16 * w.active_params / n_layer if sharded else 0.0
    tokens = check_range("seq_len", w.seq_len, 1, 2**20)
    activations = tokens * d_model * (2.0 * n_layer + WORKING_LAYER_BYTES_PER_TOKEN_WIDTH)
    return gather + activations + RESERVE_BYTES


def memory_per_gpu_bytes(w: Workload, n_gpus: int) -> float:
    """Bytes each of `n_gpus` devices holds while training stage `w` (formula in module doc)."""
    check_count("n_gpus", n_gpus, MAX_GPUS)
    return _state_bytes(w) / n_gpus + _unsharded_bytes(w, sharded=n_gpus > 1)

