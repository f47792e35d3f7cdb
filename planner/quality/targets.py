"""Quality targets, all turned into one loss on the pretraining law's scale.

* ``loss``: taken as given (nats/token on the chosen pretraining law's reference distribution).
* ``like``: the loss the pretraining law predicts for a catalog model, L(N_active, D_trained).
* ``benchmark``: an average accuracy mapped to loss with Gadre et al. 2024 (arXiv 2403.08540):
  error = 1 - score, C4 loss L_C4 = -ln((epsilon - error)/k)/gamma (their loss-to-error law,
  valid while error < epsilon). L_C4 is carried to the pretraining law through the model that
  reaches it in their over-training law L(C, M) = E + (a·M^eta + b·M^-eta)·C^-eta at their
  default M = D/N = 20: C = ((a·M^eta + b·M^-eta)/(L_C4 - E))^(1/eta), N = sqrt(C/(6M)),
  D = M·N; the target is then L_ref(N, D). Fitted range: 17-task error 0.45-0.82, C4 loss
  2.38-6.1; outside it the target carries an extrapolation note.

When a scenario gives several targets, the strictest (lowest loss) applies. With ``domain`` set
the loss is the domain's (planner.quality.domain): ``like`` then means the model's loss on that
domain as released, and ``benchmark`` is refused (the mapping is for general text).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from planner.errors import InputError, did_you_mean
from planner.quality import chinchilla
from planner.quality.domain import Domain, on_domain, scenario_domain
from planner.quality.laws import Law, QualityLaws, default_laws, laws_for
from planner.quality.validity import QualityRangeError


@dataclass(frozen=True)
class Target:
    """A loss target on the pretraining law's scale, with where it came from."""

    loss: float
    description: str
    notes: tuple[str, ...] = ()


def loss_like(model, law: Law | None = None) -> float:
    """The pretraining law's loss for a catalog model (OpenModel): L(params_active, training_tokens)."""
    return chinchilla.loss(model.params_active, model.training_tokens, law)


def loss_for_benchmark(name: str, score: float, laws: QualityLaws | None = None) -> Target:
    """The pretraining-law loss at which a model is predicted to score `score` (accuracy, 0-1)."""
    laws = laws or default_laws()
    if name not in laws.benchmarks:
        raise InputError("target.benchmark.name", f"unknown benchmark '{name}'", did_you_mean(name, laws.benchmarks))
    if not 0.0 < score < 1.0:
        raise InputError("target.benchmark.score", f"{score!r} is not an accuracy", "give a fraction between 0 and 1")
    bench = laws.benchmarks[name]
    error = 1.0 - score
    if not error < bench.epsilon:
        raise QualityRangeError(name, "error", error, 0.0, bench.epsilon, "at or above the law's chance-level error")
    c4_loss = -math.log((bench.epsilon - error) / bench.k) / bench.gamma
    if not c4_loss > bench.E:
        best = 1.0 - (bench.epsilon - bench.k * math.exp(-bench.gamma * bench.E))
        raise QualityRangeError(
            name, "score", score, 0.0, best, "needs a loss below the floor of the law mapping loss to score"
        )
    notes = bench.box.check(error=error, loss=c4_loss)
    ratio = bench.anchor_tokens_per_param
    spread = bench.a * ratio**bench.eta + bench.b * ratio**-bench.eta
    flops = (spread / (c4_loss - bench.E)) ** (1.0 / bench.eta)
    params = math.sqrt(flops / (6.0 * ratio))
    tokens = ratio * params
    notes += chinchilla.pretrain_notes(params, tokens, laws.pretrain, "the model that maps the score to a loss")
    loss = chinchilla.loss(params, tokens, laws.pretrain)
    return Target(
        loss,
        f"{name} accuracy {score:g}: C4 loss {c4_loss:.4g} (Gadre et al. 2024), reached by "
        f"{params:.3g} params on {tokens:.3g} tokens, which is loss {loss:.4g} under the {laws.pretrain.title}",
        notes,
    )


def benchmark_estimate(loss: float, name: str = "gadre-17",
                       laws: QualityLaws | None = None) -> tuple[float, tuple[str, ...]] | None:
    """The average accuracy Gadre et al. 2024 predict at a pretraining-law loss: loss_for_benchmark run
    backwards. The model at their default M = D/N = 20 with L_ref(N, 20N) = loss (bisection on log N),
    its compute C = 6·N·D = 120·N², C4 loss L_C4 = E + (a·M^eta + b·M^-eta)·C^-eta, accuracy
    1 - (epsilon - k·exp(-gamma·L_C4)). Returns (accuracy, extrapolation notes: outside the fitted
    error 0.45-0.82 or C4 loss 2.38-6.1), or None when the loss is at or below the pretraining
    law's floor or the accuracy would not be positive.
    """
    laws = laws or default_laws()
    law, bench = laws.pretrain, laws.benchmarks[name]
    ratio = bench.anchor_tokens_per_param
    def ref_loss(n):
        return law.E + law.A / n**law.alpha + law.B / (ratio * n) ** law.beta
    lo, hi = math.log(1e6), math.log(1e16)
    if not ref_loss(math.exp(hi)) < loss < ref_loss(math.exp(lo)):
        return None
    for _ in range(100):  # ref_loss falls with N
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ref_loss(math.exp(mid)) > loss else (lo, mid)
    params = math.exp(0.5 * (lo + hi))
    flops = 6.0 * params * ratio * params
    c4_loss = bench.E + (bench.a * ratio**bench.eta + bench.b * ratio**-bench.eta) * flops**-bench.eta
    error = bench.epsilon - bench.k * math.exp(-bench.gamma * c4_loss)
    if not 0.0 < error < 1.0:
        return None
    fitted = {k: v for k, v in bench.box.fitted.items() if k in ("error", "loss")}
    label = {"error": "error", "loss": "C4 loss"}
    notes = tuple(f"{label[q]} {v:.3g} outside the fitted [{fitted[q][0]:.3g}, {fitted[q][1]:.3g}]"
                  for q, v in (("error", error), ("loss", c4_loss))
                  if q in fitted and not fitted[q][0] <= v <= fitted[q][1])
    return 1.0 - error, notes


def resolve_target(target, laws: QualityLaws | None, models: Mapping[str, object],
                   domain: Domain | None = None) -> Target | None:
    """The scenario's target (fields .loss, .like, .benchmark with .name/.score) as one loss.

    models: catalog open models by id (for ``like``); domain: the scenario's target domain, if any
    (scenario_domain). Returns None when no target is set.
    """
    laws = laws or default_laws()
    released, models = models, on_domain(models, domain, laws.pretrain)
    on = f" on {domain.name} text (gap {domain.gap:g} nats)" if domain else ""
    found = []
    if getattr(target, "loss", None) is not None:
        chinchilla.check_reachable(target.loss, laws.pretrain)
        found.append(Target(float(target.loss), f"loss {target.loss:g}{on} under the {laws.pretrain.title}"))
    like = getattr(target, "like", None)
    if like is not None:
        if like not in models:
            raise InputError("target.like", f"unknown model '{like}'", did_you_mean(like, models))
        model = models[like]
        notes = chinchilla.pretrain_notes(model.params_active, model.training_tokens, laws.pretrain,
                                          f"the target model {like}")
        loss = loss_like(model, laws.pretrain)
        if domain:
            notes += domain.notes(model.params_active, released[like].training_tokens, f"the target model {like}")
        found.append(Target(loss, f"like {like}{on}: loss {loss:.4g} under the {laws.pretrain.title}", notes))
    benchmark = getattr(target, "benchmark", None)
    if benchmark is not None:
        if domain:
            raise InputError("target.benchmark", f"a benchmark score is not a loss on {domain.name} text",
                             "state a domain target as a loss or like an open model")
        found.append(loss_for_benchmark(benchmark.name, float(benchmark.score), laws))
    return min(found, key=lambda t: t.loss) if found else None


def target_loss(scenario, catalog) -> float | None:
    """The scenario's target as one loss under its pretraining law (None when it sets no target).

    A target the laws refuse (e.g. below the floor E) is bad input: InputError, not QualityRangeError.
    """
    try:
        found = resolve_target(scenario.target, laws_for(scenario), catalog.models, scenario_domain(scenario))
    except QualityRangeError as exc:
        raise InputError("scenario target", str(exc), "choose a target the law can reach") from None
    return found.loss if found else None
