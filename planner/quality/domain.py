"""Domain adaptation: a target on the team's own text, and how domain tokens move it.

A planner MECHANISM with assumed constants (catalogs/scaling_laws.yaml, section ``domains``), not a
fitted law: no published law with portable constants was found for continued pretraining on
domain tokens at the sizes planned here. D-CPT Law (Que et al. 2024, arXiv 2406.01375) fits
L(N, D, r) = E + A/N^alpha + B·r^eta/D^beta + C/(r + eps)^gamma per domain (Qwen1.5 0.5B-4B); at a
fixed mixture ratio r that is the Chinchilla form in N and D, which is the form used here, with the
scenario's pretraining law L(N, D) = E + A/N^alpha + B/D^beta as the domain's law:

* trained from scratch on D domain tokens:           L(N, D);
* pretrained on D0 general tokens (an open model):   L(N, D0) + gap = L(N, D_T), where
  B/D_T^beta = B/D0^beta + gap, i.e. D_T = (D0^-beta + gap/B)^(-1/beta) is what the general
  pretraining is worth in domain tokens ('effective data transferred', Hernandez et al. 2021,
  arXiv 2102.01293);
* then D_dom domain tokens of continued pretraining: L(N, D_T + D_dom); of task tuning on
  domain examples: L(N, D_T + s·D_sft), s = 1 for full fine-tuning, ``lora_token_share`` for
  LoRA / QLoRA (assumed 0.5: LoRA learns less, Biderman et al. 2024, arXiv 2405.09673).

gap (nats) is the excess domain loss of a model trained on general text over the same model
trained on as many domain tokens. 'web' (0.19) is measured: a 10B model's SlimPajama loss after
300B Pile tokens, 2.24, against 2.05 trained on 300B SlimPajama tokens (Ibrahim et al. 2024,
arXiv 2403.08763). Check: continuing that model on 300B SlimPajama tokens is predicted 2.046 by
this mechanism; measured 2.00 (it understates the benefit of continued pretraining by 0.046).
The legal, medical and code gaps are assumptions. Fitted range: the one measured point (10B
parameters, 300B general tokens); elsewhere predictions carry an extrapolation note. A gap outside
[0, 2] nats raises QualityRangeError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from planner.errors import InputError, did_you_mean
from planner.quality import chinchilla
from planner.quality.laws import Law, _law, _raw

SETTINGS = ("lora_token_share",)


@dataclass(frozen=True)
class Domain:
    """The domain a target is stated on: its gap (nats) and the law entry it comes from."""

    name: str
    gap: float
    lora_token_share: float
    law: Law

    def transferred_tokens(self, base_tokens: float, pretrain: Law) -> float:
        """D_T: the domain tokens `base_tokens` general pretraining tokens are worth."""
        return (base_tokens ** -pretrain.beta + self.gap / pretrain.B) ** (-1.0 / pretrain.beta)

    def notes(self, params: float, base_tokens: float, subject: str) -> tuple[str, ...]:
        """Extrapolation notes (outside the one measured point), and refuse a gap outside [0, 2]."""
        return self.law.box.check(subject, gap=self.gap, params=params, base_tokens=base_tokens)


def domain_names() -> tuple[str, ...]:
    return tuple(k for k in _raw()["domains"]["constants"] if k not in SETTINGS)


def load_domain(name: str, gap: float | None = None, overrides: Mapping[str, float] | None = None) -> Domain:
    """The domain `name` (a key of scaling_laws.yaml ``domains``), its gap overridden by `gap`."""
    names = domain_names()
    if name not in names:
        raise InputError("target.domain", f"unknown domain '{name}'", did_you_mean(name, names)
                         + f"; or give target.domain_gap_nats with one of {', '.join(names)}")
    law = _law("domains", _raw()["domains"], overrides or {})
    chosen = law.constants[name] if gap is None else float(gap)
    law.box.check(gap=chosen)
    return Domain(name, chosen, law.constants["lora_token_share"], law)


def scenario_domain(scenario) -> Domain | None:
    """The scenario's target domain (None when the target is on the pretraining law's own text)."""
    target = scenario.target
    if getattr(target, "domain", None) is None:
        return None
    overrides = {k.split(".", 1)[1]: v for k, v in scenario.quality_law.overrides.items()
                 if k.startswith("domains.")}
    return load_domain(target.domain, target.domain_gap_nats, overrides)


def on_domain(models: Mapping[str, object], domain: Domain | None, pretrain: Law) -> dict[str, object]:
    """Open models with training_tokens replaced by what they are worth on the domain (D_T), so every
    loss the quality layer predicts from them (as released, continued, as a teacher, as a target) is
    the domain loss. Models with undisclosed tokens are kept as they are."""
    if domain is None:
        return dict(models)
    out = {}
    for key, model in models.items():
        tokens = model.training_tokens
        if tokens:
            model = model.model_copy(update={"training_tokens": domain.transferred_tokens(tokens, pretrain)})
        out[key] = model
    return out


def tuned_loss(params: float, domain_tokens: float, sft_tokens: float, method: str, domain: Domain,
               pretrain: Law) -> float:
    """Domain loss after task tuning on domain examples: L(N, D_T + s·D_sft), s per method."""
    share = 1.0 if method == "full" else domain.lora_token_share
    return chinchilla.loss(params, domain_tokens + share * sft_tokens, pretrain)
