"""Data-constrained scaling: what repeated tokens are worth (Muennighoff et al. 2023).

With U unique tokens trained for D >= U tokens (R_D = D/U - 1 repetitions beyond the first
epoch), the law counts effective tokens

    D' = U + U·R*_D·(1 - exp(-R_D / R*_D))          (arXiv 2305.16264, Sec. 3; R*_D = 15.39)

so extra epochs are worth less and less and D' never exceeds the ceiling U·(1 + R*_D) ≈ 16.4·U.
The inverse gives the real tokens needed for an effective-token requirement; beyond the ceiling
the requirement is infeasible on U unique tokens, so buying or cleaning more tokens becomes a
priced decision. Constants: the authors' fit (huggingface/datablations; C4, GPT-2 tokenizer).
Validity: models up to 9e9 parameters and 9e11 total tokens.

The planner grafts only the effective-token part onto the chosen pretraining law (a heuristic
combination across papers, documented in docs/quality.md). :func:`data_constrained_loss` is the
complete published law, with its own constants and its excess-parameter term.
"""

from __future__ import annotations

import math

from planner.quality.laws import Law, default_laws
from planner.quality.validity import QualityRangeError


def _repetition(law: Law | None) -> Law:
    return law or default_laws().repetition


def repetition_ceiling(unique_tokens: float, law: Law | None = None) -> float:
    """U·(1 + R*_D): the most effective tokens any number of epochs over U unique tokens gives."""
    return unique_tokens * (1.0 + _repetition(law).R_D_star)


def effective_tokens(tokens: float, unique_tokens: float, law: Law | None = None) -> float:
    """D' for D real tokens drawn from U unique ones (D' = D while D <= U)."""
    if tokens <= unique_tokens:
        return tokens
    r_star = _repetition(law).R_D_star
    repeats = tokens / unique_tokens - 1.0
    return unique_tokens * (1.0 + r_star * (1.0 - math.exp(-repeats / r_star)))


def real_tokens_needed(effective: float, unique_tokens: float, law: Law | None = None) -> float:
    """Real tokens D with effective_tokens(D, U) = D'; refuses D' at or above the ceiling.

    R_D = -R*_D·ln(1 - (D'/U - 1)/R*_D), D = U·(1 + R_D).
    """
    law = _repetition(law)
    if effective <= unique_tokens:
        return effective
    ceiling = repetition_ceiling(unique_tokens, law)
    if effective >= ceiling:
        raise QualityRangeError(
            law.title, "effective_tokens", effective, 0.0, ceiling,
            f"{unique_tokens:.3g} unique tokens cannot give that many effective tokens at any "
            f"number of epochs (ceiling {1 + law.R_D_star:.1f} x unique); more unique tokens are needed",
        )
    repeats = -law.R_D_star * math.log(1.0 - (effective / unique_tokens - 1.0) / law.R_D_star)
    return unique_tokens * (1.0 + repeats)


def data_constrained_loss(params: float, tokens: float, unique_tokens: float, law: Law | None = None) -> float:
    """The complete Muennighoff et al. law with its own (C4) constants.

    U_N = min(N, N_opt(U)) with N_opt(U) = G·(U·G)^(beta/alpha), G = (alpha·A/(beta·B))^(1/(alpha+beta));
    N' = U_N + U_N·R*_N·(1 - exp(-R_N/R*_N)), R_N = N/U_N - 1;  L = E + A/N'^alpha + B/D'^beta.
    """
    law = _repetition(law)
    law.box.check(params=params, tokens=tokens)
    unique = min(tokens, unique_tokens)
    g = (law.alpha * law.A / (law.beta * law.B)) ** (1.0 / (law.alpha + law.beta))
    base_params = min(params, g * (unique * g) ** (law.beta / law.alpha))
    excess = params / base_params - 1.0
    eff_params = base_params * (1.0 + law.R_N_star * (1.0 - math.exp(-excess / law.R_N_star)))
    eff_tokens = effective_tokens(tokens, unique, law)
    return law.E + law.A / eff_params**law.alpha + law.B / eff_tokens**law.beta
