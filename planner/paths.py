"""Candidate paths to a quality target, and pruning of dominated candidates.

A candidate is an ordered tuple of stages (each a `Workload`) plus its data costs and the loss
the quality layer predicts for the finished model. Kinds:

* scratch(N, D):         pretrain an N-parameter model on D tokens;
* continue(base, D):     continue pretraining open weights on D more tokens;
* distill(teacher, N, D): train an N-parameter student on D tokens of an open teacher's logits
                          (the teacher's forward passes are part of the stage's compute);
* finetune(base) / lora(base): task-tune open weights (full SFT; LoRA or QLoRA);
* adopt(base):           use open weights as released (no training; needs no task tuning).

Monotone in the target by construction: every candidate meeting a target has one meeting any
looser target that needs no more of anything (model sizes come from a fixed grid, tokens are
solved per size, and a base that already meets the target stays a candidate: adopted, tuned, or
with no continued pretraining), so a looser target never costs more and never loses its plan.

Tokens come from the scenario's unique tokens on hand; when a path needs more, it may repeat
them (worth less each epoch, Muennighoff et al. 2023) or buy more at the scenario's price, and
each choice is a separate candidate. When the scenario needs task tuning (labelled examples
needed > 0), every path ends with an 'sft' stage. See docs/quality.md.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import get_args

import numpy as np

from planner import quality
from planner.compute import memory_per_gpu_bytes, stage_flops
from planner.compute.batch import batch_sequences
from planner.quality import QualityLaws, QualityRangeError
from planner.workload import Candidate, Method, PathKind, Stage, Workload

# Sizes for scratch and distilled models: 1, 1.5, 2, 3, 5, 7 x 10^k from 100M to 1T. Successive
# ratio <= 5/3, so some size is within sqrt(5/3) = 1.29x of the FLOP-optimal N* for any target,
# where the Epoch law's iso-loss FLOPs are within 2.6% of the optimum. The grid does not depend on
# the target (an exact N* per target would break monotonicity in the target); a size 4 x 10^k
# (1.3%) made the enterprise scenario plan 40% slower.
DEFAULT_PARAMS_GRID = tuple(m * 10.0**e for e in range(8, 12) for m in (1, 1.5, 2, 3, 5, 7)) + (1e12,)
# Tokens per parameter swept when there is no target to solve for (quality objective).
DEFAULT_TOKENS_PER_PARAM_GRID = (5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560)
# Unique-token pools offered when data runs short: enough for 1, 2 or 4 epochs. Up to 4 epochs
# repeated tokens are worth nearly as much as new ones (Muennighoff et al. 2023).
EPOCH_OPTIONS = (1, 2, 4)
LOSS_TOLERANCE = 1e-9
ALL_KINDS = get_args(PathKind)


def generate_candidates(scenario, catalog, target_loss: float | None = None) -> list[Candidate]:
    """Candidate paths for a scenario.

    target_loss: with a value, only candidates predicted to meet it (token counts are solved
    exactly for each model size); None (quality objective) gives every candidate on the size x
    tokens-per-parameter grid. Candidate.params is the finished model's total parameters;
    Candidate.tokens the tokens of its main stage (pretraining, continued pretraining,
    distillation, or task tuning for finetune/lora paths).
    """
    return search_candidates(scenario, catalog, target_loss)[0]


def search_candidates(scenario, catalog, target_loss: float | None = None) -> tuple[list[Candidate], list[str]]:
    """generate_candidates plus one line per option the quality laws refused, and why."""
    ctx = _Context.build(scenario, catalog, target_loss)
    kinds = set(scenario.policy.paths or ALL_KINDS)
    ctx = dataclasses.replace(ctx, kinds=frozenset(kinds))
    found: dict[str, Candidate] = {}
    refused: list[str] = []
    builders = {"scratch": _scratch, "continue": _continue, "distill": _distill, "finetune": _tuned, "lora": _tuned,
                "adopt": _adopt}
    for builder in dict.fromkeys(builders[k] for k in builders if k in kinds):  # _tuned once for both kinds
        for item in builder(ctx):
            if isinstance(item, str):
                refused.append(item)
            elif item.kind in kinds and ctx.meets(item.predicted_loss) and scenario.target.fits(item.params):
                item = _with_batch(item, scenario.policy.global_batch_tokens)
                beyond = _beyond_compute_model(item)
                if beyond:
                    refused.append(beyond)
                else:
                    found.setdefault(item.id, item)
    return list(found.values()), refused


def _beyond_compute_model(cand: Candidate) -> str | None:
    """Why the compute model cannot price the candidate (a stage's FLOPs outside the batch-size
    law's range, planner.compute.batch), or None; such a candidate is refused, not guessed at."""
    for stage in cand.stages:
        try:
            batch_sequences(stage.workload)
        except ValueError as exc:
            return f"{cand.id}: {stage.name}: {exc}"
    return None


def _with_batch(cand: Candidate, batch_tokens: float | None) -> Candidate:
    """The candidate with the scenario's global batch on every stage (unchanged when none is set)."""
    if not batch_tokens:
        return cand
    stages = tuple(dataclasses.replace(s, workload=dataclasses.replace(s.workload, batch_tokens=batch_tokens))
                   for s in cand.stages)
    return dataclasses.replace(cand, stages=stages)


def memory_need_bytes(candidate: Candidate) -> float:
    """The candidate's memory need: its largest stage's whole training footprint on one device
    (weights, optimiser state, teacher, activations; planner.compute.memory_per_gpu_bytes)."""
    return max((memory_per_gpu_bytes(s.workload, 1) for s in candidate.stages), default=0.0)


SMALL_MODEL_PARAMS = 1e9


def cross_model_margin(dominator_params, other_params):
    """How many times the FLOPs (of each method) a candidate must need before one with another
    model size may dominate it. Under the step-time model the GPU-hours per FLOP at each model's
    cheapest cluster, a smaller model's against a larger one's, differ by at most 1.15x when the
    smaller has ≥ 1e9 parameters, and below that by 1.45x at size ratio r = 3, 1.63x at r = 10,
    1.87x at any r (sizes 1e8..1e12 on every calibrated chip): the margin is min(2, 1.05·r^0.36),
    at most 1.2 from 1e9 parameters (the 5 % covers the same model at another batch), and 2 when
    the dominator is the larger model. tests/test_paths_prune.py checks it on that grid."""
    d, c = np.asarray(dominator_params, dtype=float), np.asarray(other_params, dtype=float)
    small = np.minimum(2.0, 1.05 * (c / d) ** 0.36)
    return np.where(d > c, 2.0, np.where(d >= SMALL_MODEL_PARAMS, np.minimum(1.2, small), small))


def _structure_key(c: Candidate) -> tuple | None:
    """What fixes the step of each stage but its model's size: method, context, catalog shape
    and global batch in sequences (compute.batch_sequences). None when a stage is outside the
    batch law's range (the compute model refuses it anyway): then no same-step comparison."""
    try:
        return tuple((s.workload.method, s.workload.seq_len, s.workload.shape, batch_sequences(s.workload))
                     for s in c.stages)
    except ValueError:
        return None


def prune(candidates: list[Candidate]) -> list[Candidate]:
    """Drop candidates another candidate dominates.

    d dominates c when d is no worse on predicted loss, data + labelling cost, inference cost and
    memory need, better on one of these or on compute, and either
    * same step: both have stages of the same structure (_structure_key) and each of d's stages
      has no more parameters, active parameters, teacher parameters and tokens: with no larger a
      model at the same batch, d's step is no slower on any cluster, and hours grow with tokens
      (goodput's first start is paid once), so d costs no more and ends no later anywhere; or
    * fewer FLOPs by a margin: for each method (full, LoRA, QLoRA) d needs at most
      1/cross_model_margin(d, c) of c's training FLOPs (1.2 to 2 by model sizes). FLOPs alone
      no longer order cost: under the step-time model a FLOP of one model size costs up to 1.9x one
      of another (GEMM efficiency, memory, batch limits), so a candidate with a few per cent more
      FLOPs can be the cheaper one. The margin holds at each model's cheapest cluster. Limit: the
      dominated larger model's larger batch lets it use more devices, so its fastest run can be
      up to 45 % shorter (test grid), and at the large clusters a tight deadline forces it may
      also cost less; a deadline that binds that hard (hours for these sizes) could need the
      pruned candidate. Staff paid by the day weigh time the same way.
    Order of the survivors is kept.
    """
    if not candidates:
        return []
    methods = get_args(Method)
    base, flops, sizes, keys = [], [], [], []
    for c in candidates:
        per_method = dict.fromkeys(methods, 0.0)
        for s in c.stages:
            per_method[s.workload.method] += stage_flops(s.workload)
        base.append([c.predicted_loss, c.data_cost_usd + c.labelling_cost_usd, c.inference_cost_usd, memory_need_bytes(c)])
        flops.append(list(per_method.values()))
        sizes.append([x for s in c.stages for x in (s.workload.params, s.workload.active_params,
                                                    s.workload.teacher_params, s.workload.tokens)])
        keys.append(_structure_key(c))
    base, flops = np.array(base), np.array(flops)
    params = np.array([c.params for c in candidates], dtype=float)
    keep = []
    for i in range(len(candidates)):
        no_worse = np.all(base <= base[i], axis=1)
        better = np.any(base < base[i], axis=1)
        margin = cross_model_margin(params, params[i])
        far_fewer = np.all(flops * margin[:, None] <= flops[i], axis=1)
        dominated = no_worse & (better | np.any(flops < flops[i], axis=1)) & far_fewer
        for j in np.flatnonzero(no_worse):
            if j != i and keys[i] is not None and keys[j] == keys[i] and not dominated[j]:
                small = np.array(sizes[j]) <= np.array(sizes[i])
                dominated[j] = small.all() and (better[j] or np.any(np.array(sizes[j]) < np.array(sizes[i])))
        keep.append(not dominated.any())
    return [c for c, k in zip(candidates, keep) if k]


@dataclass(frozen=True)
class _Context:
    """What every path builder reads, resolved once per call."""

    scenario: object
    laws: QualityLaws
    models: dict
    target: float | None
    params_grid: tuple[float, ...]
    tokens_per_param_grid: tuple[float, ...]
    sft: tuple[float, float]  # (tokens, labelling USD); tokens 0 when no task tuning is needed
    serve_usd_per_flop: float
    kinds: frozenset = frozenset(ALL_KINDS)
    domain: quality.Domain | None = None  # the target's domain: models' tokens are then domain tokens
    general_tokens: dict = dataclasses.field(default_factory=dict)  # model id -> tokens as released

    @classmethod
    def build(cls, scenario, catalog, target: float | None) -> _Context:
        laws = quality.laws_for(scenario)
        data, search = scenario.data, scenario.search
        params = {n for n in (search.params_grid or DEFAULT_PARAMS_GRID) if scenario.target.fits(n)}
        lifetime = scenario.inference.lifetime_tokens
        sft = (0.0, 0.0)
        if data.labelled_examples_needed > 0:
            sft = (
                quality.sft_tokens(data.labelled_examples_needed, data.tokens_per_example, laws.finetune.sft_epochs),
                quality.labelling_cost_usd(data.labelled_examples_needed, data.labelled_examples_on_hand,
                                           data.labelled_example_usd),
            )
        serve = 0.0
        if lifetime > 0:
            chip = catalog.chips[scenario.inference.chip]
            flops_per_gpu_hour = scenario.inference.mfu * chip.bf16_tflops * 1e12 * 3600.0
            serve = scenario.inference.usd_per_gpu_hour / flops_per_gpu_hour
        domain = quality.scenario_domain(scenario)
        models = quality.on_domain(catalog.models, domain, laws.pretrain)
        return cls(scenario, laws, models, target, tuple(sorted(params)),
                   tuple(search.tokens_per_param_grid or DEFAULT_TOKENS_PER_PARAM_GRID), sft, serve, domain=domain,
                   general_tokens={k: m.training_tokens for k, m in catalog.models.items()})

    def domain_notes(self, base) -> tuple[str, ...]:
        """How a base's general pretraining counts on the target's domain, and extrapolation notes."""
        if self.domain is None:
            return ()
        general = self.general_tokens[base.id]
        return self.domain.notes(base.params_active, general, f"{base.id} on {self.domain.name} text") + (
            f"{base.id}'s {format_count(general)} general tokens are worth {format_count(base.training_tokens)} "
            f"{self.domain.name} tokens (gap {self.domain.gap:g} nats; planner mechanism, docs/quality.md)",)

    def meets(self, loss: float) -> bool:
        return self.target is None or loss <= self.target + LOSS_TOLERANCE

    def open_models(self, role: str) -> Iterator[object]:
        """Catalog models the licence policy allows and whose training tokens are known; as a base (any
        role but a teacher) also within the target's max_params / min_params."""
        for model in self.models.values():
            if not quality.licence_allows(model, self.scenario.policy.commercial_use):
                continue
            if role != "distill teacher" and not self.scenario.target.fits(model.params_total):
                continue
            if model.training_tokens is None or not math.isfinite(model.training_tokens):
                yield f"{role} {model.id}: training tokens not disclosed, so its loss cannot be predicted"
                continue
            yield model

    def supply(self, effective: float) -> list[tuple[float, float, float]]:
        """Ways to get `effective` effective tokens: (real tokens, unique pool, tokens bought).

        The pool on hand, repeated as needed, and, if tokens can be bought, pools big enough for
        1, 2 or 4 epochs (capped at max_extra_tokens). Pools that cannot give that many effective
        tokens at any number of epochs are left out; if none can, QualityRangeError.
        """
        data = self.scenario.data
        on_hand = data.unique_tokens
        pools = {on_hand}
        most = on_hand
        if data.extra_tokens_usd_per_billion is not None:
            most += math.inf if data.max_extra_tokens is None else data.max_extra_tokens
            pools |= {min(effective / e, most) for e in EPOCH_OPTIONS if effective / e > on_hand}
        rep = self.laws.repetition
        ways = [(quality.real_tokens_needed(effective, pool, rep), pool, pool - on_hand)
                for pool in sorted(pools) if pool > 0 and effective < quality.repetition_ceiling(pool, rep)]
        if not ways:
            raise QualityRangeError(
                rep.name, "effective_tokens", effective, 0.0, quality.repetition_ceiling(most, rep),
                "more than the unique tokens on hand, and any that may be bought, give at any number of epochs",
            )
        return ways

    def grid_tokens(self, params: float) -> list[float]:
        """Effective tokens to offer when there is no target to solve for."""
        return [r * params for r in self.tokens_per_param_grid]

    def finish(self, kind: str, ident: str, loss: float, stages: list[Stage], params: float, active: float,
               tokens: float, bought: float, notes: tuple[str, ...], **extra) -> Candidate:
        """Append task tuning, price the data and serving, and make the Candidate."""
        sft_tokens, labelling = self.sft
        if sft_tokens > 0 and kind not in ("finetune", "lora"):
            shape = stages[-1].workload.shape if stages else None  # the model being tuned
            stages.append(Stage("sft", Workload("full", params, active, sft_tokens, shape=shape)))
        price = self.scenario.data.extra_tokens_usd_per_billion or 0.0
        serve = quality.inference_flops(active, self.scenario.inference.lifetime_tokens) * self.serve_usd_per_flop
        return Candidate(
            id=ident, kind=kind, predicted_loss=loss, stages=tuple(stages), params=params, tokens=tokens,
            tokens_bought=bought, data_cost_usd=bought / 1e9 * price, labelling_cost_usd=labelling if sft_tokens > 0 else 0.0,
            inference_cost_usd=serve, notes=notes, **extra,
        )


def format_count(x: float) -> str:
    """7e9 -> '7B', 1.4e12 -> '1.4T' (three significant digits)."""
    for scale, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if x >= scale:
            return f"{x / scale:.3g}{unit}"
    return f"{x:.3g}"


def _data_note(real: float, pool: float, bought: float) -> tuple[str, ...]:
    notes = []
    if bought > 0:
        notes.append(f"buys {format_count(bought)} unique tokens")
    if real > pool * (1 + 1e-9):
        notes.append(f"{real / pool:.2f} epochs over {format_count(pool)} unique tokens")
    return tuple(notes)


def _ident(prefix: str, real: float, bought: float) -> str:
    return f"{prefix}-{format_count(real)}" + (f"-buy{format_count(bought)}" if bought else "")


def _scratch(ctx: _Context):
    law = ctx.laws.pretrain
    for n in ctx.params_grid:
        label = f"scratch {format_count(n)}"
        try:
            choices = ctx.grid_tokens(n) if ctx.target is None else [quality.tokens_for_loss(n, ctx.target, law)]
        except QualityRangeError as exc:
            yield f"{label}: {exc}"
            continue
        for effective in choices:
            try:
                loss = quality.loss(n, effective, law)
                notes = quality.pretrain_notes(n, effective, law,
                                               f"the {format_count(n)} model on {format_count(effective)} tokens")
                ways = ctx.supply(effective)
            except QualityRangeError as exc:
                yield f"{label} on {format_count(effective)}: {exc}"
                continue
            for real, pool, bought in ways:
                yield ctx.finish(
                    "scratch", _ident(f"scratch-{format_count(n)}", real, bought), loss,
                    [Stage("pretrain", Workload("full", n, n, real))], n, n, real, bought,
                    notes + _data_note(real, pool, bought),
                )


def _continue(ctx: _Context):
    law = ctx.laws.pretrain
    for base in ctx.open_models("continue"):
        if isinstance(base, str):
            yield base
            continue
        n, d0 = base.params_active, base.training_tokens
        try:
            choices = ctx.grid_tokens(n) if ctx.target is None else [
                quality.tokens_to_continue(n, d0, ctx.target, law)]
        except QualityRangeError as exc:
            yield f"continue {base.id}: {exc}"
            continue
        for effective in choices:
            if effective <= 0:
                # The base already meets the target: as released (adopt) or task-tuned (finetune)
                # it is the same path; offered here only when that kind is not allowed.
                if ("finetune" if ctx.sft[0] > 0 else "adopt") not in ctx.kinds:
                    yield _as_released(ctx, base, "continue", f"continue-{base.id}-0",
                                       ("the base already meets the target: no continued pretraining",))
                continue
            try:
                loss = quality.continued_loss(n, d0, effective, law)
                notes = quality.pretrain_notes(n, d0 + effective, law,
                                               f"{base.id} continued to {format_count(d0 + effective)} tokens")
                ways = ctx.supply(effective)
            except QualityRangeError as exc:
                yield f"continue {base.id} on {format_count(effective)}: {exc}"
                continue
            notes += _moe_note(base) + ctx.domain_notes(base) + ((
                f"continued pretraining on {ctx.domain.name} tokens predicted as L(N, D_T + D_new) (a planner mechanism)",)
                if ctx.domain else
                ("continued pretraining predicted as L(N, D0 + D_new) on the pretraining law (a planner heuristic)",))
            for real, pool, bought in ways:
                yield ctx.finish(
                    "continue", _ident(f"continue-{base.id}", real, bought), loss,
                    [Stage("continued-pretrain",
                           Workload("full", base.params_total, n, real, shape=getattr(base, "shape", None)))],
                    base.params_total, n, real, bought, notes + _data_note(real, pool, bought),
                    base=base.id, licence=base.licence,
                )


def _distill(ctx: _Context):
    pretrain, law = ctx.laws.pretrain, ctx.laws.distillation
    for teacher in ctx.open_models("distill teacher"):
        if isinstance(teacher, str):
            yield teacher
            continue
        n_t, d_t = teacher.params_active, teacher.training_tokens
        for n in ctx.params_grid:
            if n >= n_t:
                continue  # students smaller than their teacher only
            label = f"distill {teacher.id} -> {format_count(n)}"
            try:
                choices = ctx.grid_tokens(n) if ctx.target is None else [
                    quality.tokens_for_distilled_loss(ctx.target, n_t, d_t, n, pretrain, law)]
            except QualityRangeError as exc:
                yield f"{label}: {exc}"
                continue
            for effective in choices:
                try:
                    loss = quality.distilled_loss(n_t, d_t, n, effective, pretrain, law)
                    student = f"the {format_count(n)} student on {format_count(effective)} tokens"
                    notes = quality.distillation_notes(quality.supervised_loss(n_t, d_t, law), n, effective, law,
                                                       f"{student} of {teacher.id}")
                    notes += quality.pretrain_notes(n, effective, pretrain, student) + _moe_note(teacher)
                    ways = ctx.supply(effective)
                except QualityRangeError as exc:
                    yield f"{label} on {format_count(effective)}: {exc}"
                    continue
                for real, pool, bought in ways:
                    stage = Stage("distill", Workload("full", n, n, real, teacher_params=teacher.params_total))
                    yield ctx.finish(
                        "distill", _ident(f"distill-{teacher.id}-{format_count(n)}", real, bought), loss, [stage],
                        n, n, real, bought, notes + _data_note(real, pool, bought),
                        teacher=teacher.id, licence=teacher.licence,
                    )


def _tuned(ctx: _Context):
    """Task tuning of open weights as released: full SFT, LoRA and QLoRA (needs labelled examples)."""
    sft_tokens = ctx.sft[0]
    if sft_tokens <= 0:
        return
    for base in ctx.open_models("finetune"):
        if isinstance(base, str):
            yield base
            continue
        try:
            loss = quality.loss(base.params_active, base.training_tokens, ctx.laws.pretrain)
            notes = quality.pretrain_notes(base.params_active, base.training_tokens, ctx.laws.pretrain,
                                           _released(ctx, base)) + ctx.domain_notes(base)
        except QualityRangeError as exc:
            yield f"finetune {base.id}: {exc}"
            continue
        for kind, method, prefix in (("finetune", "full", "finetune"), ("lora", "lora", "lora"),
                                     ("lora", "qlora", "qlora")):
            if ctx.domain:  # the examples are domain text: they move the domain loss
                loss = quality.tuned_loss(base.params_active, base.training_tokens, sft_tokens, method, ctx.domain,
                                          ctx.laws.pretrain)
            stage = Stage("sft", Workload(method, base.params_total, base.params_active, sft_tokens,
                                          shape=getattr(base, "shape", None)))
            yield ctx.finish(kind, f"{prefix}-{base.id}", loss, [stage], base.params_total, base.params_active,
                             sft_tokens, 0.0, notes + _moe_note(base), base=base.id, licence=base.licence)


def _adopt(ctx: _Context):
    """Open weights as released, when no task tuning is needed: no training, serving still counted."""
    if ctx.sft[0] > 0:
        return  # task tuning is needed: finetune/lora paths start from the released weights
    for base in ctx.open_models("adopt"):
        if isinstance(base, str):
            yield base
            continue
        yield _as_released(ctx, base, "adopt", f"adopt-{base.id}", ())


def _as_released(ctx: _Context, base, kind: str, ident: str, notes: tuple[str, ...]):
    """The base with no pretraining stage (only task tuning, if the scenario needs it), or why not."""
    try:
        loss = quality.loss(base.params_active, base.training_tokens, ctx.laws.pretrain)
        notes = quality.pretrain_notes(base.params_active, base.training_tokens, ctx.laws.pretrain,
                                       _released(ctx, base)) + ctx.domain_notes(base) + notes
    except QualityRangeError as exc:
        return f"{kind} {base.id}: {exc}"
    return ctx.finish(kind, ident, loss, [], base.params_total, base.params_active, 0.0, 0.0,
                      notes + _moe_note(base), base=base.id, licence=base.licence)


def _released(ctx: _Context, base) -> str:
    on = f" {ctx.domain.name}" if ctx.domain else ""
    return f"{base.id} as released ({format_count(base.training_tokens)}{on} tokens)"


def _moe_note(model) -> tuple[str, ...]:
    if model.params_active < model.params_total:
        return (f"{model.id} is a mixture of experts: its loss is predicted from its active parameters "
                "(conservative)",)
    return ()
