"""What a training stage asks of the hardware, and the candidate paths made of such stages.

These are the hand-off types between the quality layer (which decides how many tokens a path
needs) and the compute layer (which turns a stage into hours, money, energy and carbon).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Method = Literal["full", "lora", "qlora"]
PathKind = Literal["scratch", "continue", "distill", "finetune", "lora", "adopt"]


@dataclass(frozen=True)
class Workload:
    """One stage's work: `tokens` processed by a model of `params` parameters.

    method: full training (all weights, Adam), LoRA (frozen bf16 base) or QLoRA (frozen NF4 base).
    params: total parameters (sets memory). active_params: parameters used per token (sets FLOPs;
    equal to params for dense models, smaller for mixture-of-experts).
    teacher_params: a distillation teacher run forward on every token (0 when there is none).
    """

    method: Method
    params: float
    active_params: float
    tokens: float
    teacher_params: float = 0.0
    seq_len: int = 4096


@dataclass(frozen=True)
class Stage:
    """A named step of a path: e.g. 'pretrain', 'continued-pretrain', 'distill', 'sft'."""

    name: str
    workload: Workload


@dataclass(frozen=True)
class Candidate:
    """One way to reach the quality target: an ordered list of stages plus its data costs.

    predicted_loss is the loss the quality model predicts for the finished model (nats/token on
    the law's reference distribution). tokens_bought are unique tokens bought or cleaned beyond
    those on hand, and data_cost_usd their price; labelling_cost_usd covers labelled examples bought; inference_cost_usd is the
    lifetime serving cost when the scenario states expected inference tokens (else 0).
    """

    id: str
    kind: PathKind
    predicted_loss: float
    stages: tuple[Stage, ...]
    params: float
    tokens: float
    tokens_bought: float = 0.0
    data_cost_usd: float = 0.0
    labelling_cost_usd: float = 0.0
    inference_cost_usd: float = 0.0
    base: str | None = None
    teacher: str | None = None
    licence: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def flops(self) -> float:
        from planner.compute import stage_flops

        return sum(stage_flops(s.workload) for s in self.stages)
