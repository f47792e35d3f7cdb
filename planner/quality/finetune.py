"""Starting from open weights: continued pretraining, task tuning (SFT, LoRA, QLoRA), licences.

Continued pretraining (a planner heuristic, not a published law): a released model of N
parameters trained on D0 tokens is treated as a point on the pretraining law, so D_new more
tokens from a similar distribution give

    L ≈ L(N, D0 + D_new)           at a cost of 6·N·D_new training FLOPs.

This assumes the new data resembles the law's reference distribution and that the learning
rate is re-warmed and cooled down again (Hägele et al. 2024, arXiv 2405.18392); released models
are far past compute-optimal, so extra tokens buy little. For mixture-of-experts models the law
is applied to the active parameters (conservative: it ignores the benefit of extra experts).

Task tuning (SFT / preference tuning by full fine-tuning, LoRA or QLoRA) has no portable law
(Zhang et al. 2024, arXiv 2402.17193, fit per task only). It leaves the predicted reference
loss unchanged and is priced by the labelled examples bought and the tokens processed.
"""

from __future__ import annotations

from planner.quality import chinchilla
from planner.quality.laws import Law


def continued_loss(params: float, base_tokens: float, new_tokens: float, law: Law | None = None) -> float:
    """Predicted loss after `new_tokens` more pretraining tokens: L(N, D0 + D_new)."""
    return chinchilla.loss(params, base_tokens + new_tokens, law)


def tokens_to_continue(params: float, base_tokens: float, target_loss: float, law: Law | None = None) -> float:
    """Extra tokens for the base to reach `target_loss`: D(N, L*) - D0, or 0 if it already does.

    Raises QualityRangeError when the base is too small to reach the target at all.
    """
    if chinchilla.loss(params, base_tokens, law) <= target_loss:
        return 0.0
    return chinchilla.tokens_for_loss(params, target_loss, law) - base_tokens


def sft_tokens(examples: float, tokens_per_example: float, epochs: float) -> float:
    """Tokens processed by task tuning: examples x tokens per example x epochs."""
    return examples * tokens_per_example * epochs


def labelling_cost_usd(needed: float, on_hand: float, usd_per_example: float) -> float:
    """Cost of buying the labelled examples not already on hand."""
    return max(0.0, needed - on_hand) * usd_per_example


def licence_allows(model, commercial_use: bool) -> bool:
    """True if `model` (an OpenModel) may be used under the policy; commercial use needs its flag."""
    return bool(model.commercial_use) or not commercial_use
