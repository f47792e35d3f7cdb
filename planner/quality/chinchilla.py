"""Chinchilla-form pretraining law and the allocations it implies.

    L(N, D) = E + A / N^alpha + B / D^beta          (Hoffmann et al. 2022, arXiv 2203.15556, Eq. 2)

N = parameters (all of them), D = training tokens, L = loss in nats/token on MassiveText.
Default constants: the Epoch AI refit (Besiroglu et al. 2024, arXiv 2404.10102); the printed
Hoffmann constants and Sardana et al.'s variant are alternatives (catalogs/scaling_laws.yaml).

Validity (Epoch fit): fitted on N 5.7e7-1.6e10, D 2.5e8-3.2e11, D/N 0.04-341; outside that a
prediction is an extrapolation (see :func:`pretrain_notes`). Refused outside N 1e7-1e13,
D 1e8-1e15, D/N 0.01-1e4, and for targets at or below the floor E.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.quality.laws import Law, default_law
from planner.quality.validity import QualityRangeError


@dataclass(frozen=True)
class Allocation:
    """A model size and token count; `flops` is the law's own 6·N·D training-compute estimate."""

    params: float
    tokens: float

    @property
    def flops(self) -> float:
        return 6.0 * self.params * self.tokens


def pretrain_notes(params: float, tokens: float, law: Law | None = None, subject: str = "") -> tuple[str, ...]:
    """Refuse (N, D) outside the planner's range for `law`; return extrapolation notes naming
    `subject` (the model the numbers describe, e.g. "the 7B model on 2T tokens")."""
    law = law or default_law()
    return law.box.check(subject, params=params, tokens=tokens, tokens_per_param=tokens / params)


def loss(params: float, tokens: float, law: Law | None = None) -> float:
    """Predicted loss L(N, D) = E + A/N^alpha + B/D^beta (nats/token)."""
    law = law or default_law()
    pretrain_notes(params, tokens, law)
    return law.E + law.A / params**law.alpha + law.B / tokens**law.beta


def check_reachable(target_loss: float, law: Law | None = None) -> None:
    """Refuse a target loss at or below the law's floor E (no model reaches it)."""
    law = law or default_law()
    if not target_loss > law.E:
        raise QualityRangeError(
            law.title, "target_loss", target_loss, law.E, math.inf,
            "at or below the law's irreducible loss E: no model size or token count reaches it",
        )


def min_params_for_loss(target_loss: float, law: Law | None = None) -> float:
    """N_min = (A / (L* - E))^(1/alpha): smaller models cannot reach L* with any number of tokens."""
    law = law or default_law()
    check_reachable(target_loss, law)
    return (law.A / (target_loss - law.E)) ** (1.0 / law.alpha)


def tokens_for_loss(params: float, target_loss: float, law: Law | None = None) -> float:
    """Training tokens a model of `params` parameters needs to reach `target_loss`:
    D(N, L*) = (B / (L* - E - A/N^alpha))^(1/beta).

    Raises QualityRangeError when the model is too small to reach the target at all, or when
    the tokens needed fall outside the law's refusal range (e.g. more than 1e4 tokens/param).
    """
    law = law or default_law()
    n_min = min_params_for_loss(target_loss, law)
    if params <= n_min:
        raise QualityRangeError(
            law.title, "params", params, n_min, math.inf,
            f"a model this small cannot reach loss {target_loss:g} with any number of tokens",
        )
    tokens = (law.B / (target_loss - law.E - law.A / params**law.alpha)) ** (1.0 / law.beta)
    pretrain_notes(params, tokens, law)
    return tokens


def cheapest_for_loss(target_loss: float, law: Law | None = None) -> Allocation:
    """The (N*, D*) minimising 6·N·D subject to L(N, D) = L*.

    With Delta = L* - E the optimum splits the reducible loss as A/N^alpha = beta·Delta/(alpha+beta),
    B/D^beta = alpha·Delta/(alpha+beta), so N* = (A(alpha+beta)/(beta·Delta))^(1/alpha) and
    D* = (B(alpha+beta)/(alpha·Delta))^(1/beta).
    """
    law = law or default_law()
    check_reachable(target_loss, law)
    delta = target_loss - law.E
    total = law.alpha + law.beta
    params = (law.A * total / (law.beta * delta)) ** (1.0 / law.alpha)
    tokens = (law.B * total / (law.alpha * delta)) ** (1.0 / law.beta)
    pretrain_notes(params, tokens, law)
    return Allocation(params, tokens)


def compute_optimal(flops: float, law: Law | None = None) -> Allocation:
    """The (N, D) minimising L(N, D) subject to 6·N·D = C (Hoffmann et al. 2022, Eq. 4).

    G = (alpha·A / (beta·B))^(1/(alpha+beta)); N_opt = G·(C/6)^(beta/(alpha+beta));
    D_opt = (C/6)^(alpha/(alpha+beta)) / G.
    """
    law = law or default_law()
    total = law.alpha + law.beta
    g = (law.alpha * law.A / (law.beta * law.B)) ** (1.0 / total)
    params = g * (flops / 6.0) ** (law.beta / total)
    tokens = (flops / 6.0) ** (law.alpha / total) / g
    pretrain_notes(params, tokens, law)
    return Allocation(params, tokens)
