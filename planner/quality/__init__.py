"""Quality models: how much training a path needs to reach a loss, and what loss it reaches.

Plain functions over constants from catalogs/scaling_laws.yaml (see docs/quality.md):

* chinchilla: L(N, D) = E + A/N^alpha + B/D^beta (Epoch refit default), tokens for a target,
  cheapest (N*, D*), compute-optimal allocation;
* data_constrained: the value of repeated tokens (Muennighoff et al. 2023);
* inference: inference-aware sizing (Sardana et al. 2024);
* distillation: student loss from teacher loss (Busbridge et al. 2025), mapped to the
  pretraining law's scale;
* finetune: continued pretraining, task-tuning data and licences;
* domain: a target on the team's own text (legal, medical, code) and how domain tokens move it;
* targets: loss, 'like an open model' and benchmark targets as one loss.

Outside a law's trusted range a function raises QualityRangeError; outside its fitted range it
still answers, and the matching ``*_notes`` / ``Box.check`` call returns an extrapolation note.
"""

from planner.quality.chinchilla import (
    Allocation,
    cheapest_for_loss,
    check_reachable,
    compute_optimal,
    loss,
    min_params_for_loss,
    pretrain_notes,
    tokens_for_loss,
)
from planner.quality.data_constrained import (
    data_constrained_loss,
    effective_tokens,
    real_tokens_needed,
    repetition_ceiling,
)
from planner.quality.distillation import (
    distillation_notes,
    distilled_loss,
    student_loss,
    supervised_loss,
    tokens_for_distilled_loss,
)
from planner.quality.domain import Domain, load_domain, on_domain, scenario_domain, tuned_loss
from planner.quality.finetune import (
    continued_loss,
    labelling_cost_usd,
    licence_allows,
    sft_tokens,
    tokens_to_continue,
)
from planner.quality.inference import inference_aware_allocation, inference_flops
from planner.quality.laws import Law, QualityLaws, default_law, default_laws, laws_for, load_laws, pretrain_law
from planner.quality.targets import Target, benchmark_estimate, loss_for_benchmark, loss_like, resolve_target, target_loss
from planner.quality.validity import Box, QualityRangeError

__all__ = [
    "Allocation", "Box", "Domain", "load_domain", "on_domain", "scenario_domain", "tuned_loss", "Law", "QualityLaws", "QualityRangeError", "Target", "benchmark_estimate",
    "cheapest_for_loss", "check_reachable", "compute_optimal", "continued_loss", "data_constrained_loss", "default_law",
    "default_laws", "distillation_notes", "distilled_loss", "effective_tokens", "inference_aware_allocation",
    "inference_flops", "labelling_cost_usd", "laws_for", "licence_allows", "load_laws", "loss",
    "loss_for_benchmark", "loss_like", "min_params_for_loss", "pretrain_law", "pretrain_notes",
    "real_tokens_needed", "repetition_ceiling", "resolve_target", "sft_tokens", "student_loss",
    "supervised_loss", "target_loss", "tokens_for_distilled_loss", "tokens_for_loss", "tokens_to_continue",
]
