"""Floating-point operations of one training stage.

Model: a dense decoder-only transformer with N parameters (embeddings included, the count used
by Hoffmann et al. 2022). Per token, the weight matmuls cost 2N FLOPs forward and 4N backward
(2N for activation gradients, 2N for weight gradients); Kaplan et al. 2020 §2.1, Table 1.
Attention scores add A = 2·n_layer·n_ctx·d_model FLOPs forward per token (Kaplan et al. 2020,
Table 1, "Attention: mask"). That is half of the 4·n_layer·n_ctx·d_model that PaLM (Chowdhery et
al. 2022, App. B) counts, because causal kernels (FlashAttention) skip the masked half; the half
count is the one that tracks time, and MFU here is calibrated on it (docs/fidelity.md).
Backward through attention costs 2A (both operands are activations).

Layer count and width come from N with a fixed aspect ratio ρ = d_model/n_layer = 128 and
N ≈ 12·n_layer·d_model² (Kaplan et al. 2020 Eq. 2.1), the shape assumption of Busbridge et al.
2025 App. H.1 (Llama 3 8B/70B/405B have ρ = 128/102/130). So n_layer = (N/(12ρ²))^(1/3).

Valid for 1e7 ≤ N ≤ 1e13 parameters, 1 ≤ n_ctx ≤ 2^20 tokens and up to 1e15 training tokens.
"""

from __future__ import annotations

import functools

from planner.compute._checks import check_range
from planner.workload import Workload

ASPECT_RATIO = 128.0  # d_model / n_layer (Busbridge et al. 2025, App. H.1)
MIN_PARAMS, MAX_PARAMS = 1e7, 1e13
MAX_SEQ_LEN = 2**20
MAX_TOKENS = 1e15

# LoRA trains adapters of this size relative to the base model (QLoRA paper §3: "commonly used
# 0.2%"); they cost a full 6 FLOPs per adapter parameter per token.
ADAPTER_FRACTION = 0.002
# QLoRA dequantises the NF4 base weights to bf16 in every forward and backward pass. No
# controlled published measurement of the time this adds was found; practitioner reports range
# from none to several-fold. Assumed: +30 % over LoRA, counted as extra FLOP-equivalents.
QLORA_OVERHEAD = 1.3

METHODS = ("full", "lora", "qlora")


def layer_shape(params: float) -> tuple[float, float]:
    """(n_layer, d_model) of a model with `params` parameters at aspect ratio ρ = 128."""
    check_range("params", params, MIN_PARAMS, MAX_PARAMS)
    n_layer = (params / (12.0 * ASPECT_RATIO**2)) ** (1.0 / 3.0)
    return n_layer, ASPECT_RATIO * n_layer


def attention_forward_flops_per_token(params: float, seq_len: int) -> float:
    """A = 2·n_layer·n_ctx·d_model: forward attention-score FLOPs per token (Kaplan 2020 Table 1)."""
    check_range("seq_len", seq_len, 1, MAX_SEQ_LEN)
    n_layer, d_model = layer_shape(params)
    return 2.0 * n_layer * seq_len * d_model


def forward_flops_per_token(params: float, seq_len: int) -> float:
    """F(N) = 2N + A: one forward pass per token (the F of Busbridge et al. 2025 Eq. 9)."""
    return 2.0 * params + attention_forward_flops_per_token(params, seq_len)


@functools.lru_cache(maxsize=65_536)  # asked for every option priced
def training_flops_per_token(w: Workload) -> float:
    """FLOPs per training token of `w`.

    full:  3·F(N_active) = 6N + 3A (forward + activation and weight gradients)
    lora:  4N + 3A + 6·0.002·N (forward + activation gradients; frozen weights get no weight
           gradients, Hu et al. 2021 §4.2; plus the adapters)
    qlora: lora × 1.3 (dequantisation, see QLORA_OVERHEAD)
    A distillation teacher adds its forward pass F(N_T) on every token (Busbridge et al. 2025
    Eq. 9 with δ_Lgt = 1: logits computed online, teacher already trained).
    MoE models use active parameters here (Workload.active_params); memory uses the total.
    """
    if w.method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {w.method!r}")
    check_range("params", w.params, MIN_PARAMS, MAX_PARAMS)
    check_range("active_params", w.active_params, MIN_PARAMS, w.params)
    n = w.active_params
    attention = attention_forward_flops_per_token(n, w.seq_len)
    if w.method == "full":
        per_token = 6.0 * n + 3.0 * attention
    else:
        per_token = 4.0 * n + 3.0 * attention + 6.0 * ADAPTER_FRACTION * n
        if w.method == "qlora":
            per_token *= QLORA_OVERHEAD
    if w.teacher_params:
        check_range("teacher_params", w.teacher_params, MIN_PARAMS, MAX_PARAMS)
        per_token += forward_flops_per_token(w.teacher_params, w.seq_len)
    return per_token


@functools.lru_cache(maxsize=65_536)  # asked for every option priced
def stage_flops(w: Workload) -> float:
    """Total FLOPs of stage `w`: tokens × training FLOPs per token (6ND plus attention for full)."""
    check_range("tokens", w.tokens, 0.0, MAX_TOKENS, low_open=True)
    return w.tokens * training_flops_per_token(w)
