"""Inference-aware sizing (Sardana, Portes, Doubov, Frankle 2024, arXiv 2401.00448).

Serving D_inf lifetime tokens costs about 2·N·D_inf FLOPs, so the cheapest model for a target
loss L* minimises lifetime compute

    6·N·D(N, L*) + w·2·N·D_inf        subject to L(N, D) = L*           (paper Sec. 3)

where D(N, L*) is the Chinchilla tokens-for-loss curve and w is the price of an inference FLOP
relative to a training FLOP (w = 1: the paper's FLOP form; w > 1: the dollar form, since serving
runs at lower utilisation). Larger D_inf moves the optimum to smaller models trained longer.
Validity: the paper trained up to 1e4 tokens/param and warns that laws fitted at usual ratios
overestimate the value of extra tokens beyond ~300 tokens/param; such plans carry a note.
"""

from __future__ import annotations

import math

from planner.quality.chinchilla import (
    Allocation,
    cheapest_for_loss,
    min_params_for_loss,
    tokens_for_loss,
)
from planner.quality.laws import Law, default_law


def inference_flops(params: float, tokens: float) -> float:
    """Forward FLOPs to process `tokens` tokens with a model of `params` (active) parameters: 2·N·tokens."""
    return 2.0 * params * tokens


def inference_aware_allocation(
    target_loss: float, inference_tokens: float, law: Law | None = None, inference_flop_weight: float = 1.0
) -> Allocation:
    """The (N, D_train) reaching `target_loss` with the least training + weighted inference compute.

    The lifetime cost's derivative along the iso-loss curve,
    d/dN = 6·D·(1 - alpha·A·N^-alpha / (beta·r)) + 2·w·D_inf with r = L* - E - A·N^-alpha,
    goes from -inf at N_min to 2·w·D_inf >= 0 at the compute-optimal N*, so the optimum is its
    unique root in (N_min, N*], found by bisection on ln N.
    """
    law = law or default_law()
    best = cheapest_for_loss(target_loss, law)
    weighted = inference_flop_weight * inference_tokens
    if weighted <= 0:
        return best

    def slope_is_negative(log_params: float) -> bool:
        # compared in logs: near N_min the token count overflows a float
        pull = law.A * math.exp(-law.alpha * log_params)
        rest = target_loss - law.E - pull
        excess = law.alpha * pull / (law.beta * rest) - 1.0
        if excess <= 0:
            return False
        log_tokens = (math.log(law.B) - math.log(rest)) / law.beta
        return math.log(6.0) + log_tokens + math.log(excess) > math.log(2.0 * weighted)

    low, high = math.log(min_params_for_loss(target_loss, law)), math.log(best.params)
    while high - low > 1e-12:
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        if slope_is_negative(mid):
            low = mid
        else:
            high = mid
    params = math.exp(high)
    return Allocation(params, tokens_for_loss(params, target_loss, law))
