"""Compare the compute model with published training runs (catalogs/training_runs.csv).

A run is *scored* when its chip, device count, tokens, GPU-hours and how those hours were
counted (hours_basis) are all published. The model is compared with the run's GPU-hours
including goodput when the hours are wall-clock job time (hours_basis = wall_clock), and with
its failure-free hours when the source computed them from measured throughput (throughput).

Each scored run implies a GEMM efficiency η (what `mfu.EFFICIENCY` would have to be for the
model to reproduce the run on its hardware and device count): predicted GPU-hours fall
monotonically with η, so it is found by bisection. A family's η is the geometric mean over its
runs (runs scatter by a factor, not by an offset). The prediction error of a run is predicted /
reported − 1 (positive: the model predicts more GPU-hours than reported).

Where the run's source publishes its batch, tensor / pipeline degrees or activation
recomputation (catalogs/training_runs.csv, layout_source), the model is scored on that
configuration (the search keeps the rest free), not on the layout it would choose itself.

Each run is used for one purpose (column `use`): `fit` runs set η, `holdout` runs never do.
Leave-one-out (fit runs): each run is predicted with η fitted on the other fit runs of its
family (on all other fit runs when it is its family's only one), so no run is scored by a
constant it set. The baseline is the rule GPU-hours = 6·N·D / (MFU* · bf16 peak) with MFU* the
geometric mean implied by *all* fit runs, the run itself included (fitted with hindsight).

Held out (holdout runs, collected after η was fixed): each run is predicted with the η table
as it stands (`mfu.EFFICIENCY`), no refit, and the baseline's MFU* is the one fitted on the fit
runs alone, so neither side has seen the run. Held-out runs name their software stack (column
`stack`); the medians are also given per stack and over production frameworks alone (every
stack but the hand-written trainers in NON_PRODUCTION_STACKS), per chip family and dense / MoE.
Each held-out run belongs to one collection (catalogs/holdout_collections.csv: collection number
and date), so a collection can be re-scored on its own against a later model
(`benchmarks/fidelity.py --collection N`). The collections sessions used to diagnose the model
(DIAGNOSED_COLLECTIONS) are never fitted but no longer held out: their median is reported apart
from that of the collections no session has diagnosed on.

A row's `kind` says what its source measured: a training run, or a benchmark (a tuned throughput
showcase: synthetic data, no checkpoints or evaluation, the stack's vendor at the keyboard). η is a
production level, so a benchmark is predicted at the tuning level of the vendors' own showcase
tables: its family's η divided by mfu.BENCHMARK_RATIO (evidence.benchmark_ratio), and the
constant-MFU rule's MFU* likewise. Benchmarks are never fitted.

Same-stack chip ratios: where one model was measured on one software stack on two chip
families, the ratio of GPU-hours per token, measured and predicted (same_stack_ratios): the
relative speed that chip choice rests on.
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from planner.compute.chip import ChipSpec, peak_flops_per_s
from planner.compute.flops import stage_flops
from planner.compute.mfu import BENCHMARK_RATIO, EFFICIENCY, HeldOutRuns, chip_family, gemm_efficiency
from planner.compute.stage import estimate
from planner.workload import Workload

RUNS_FILE = "training_runs.csv"
COLLECTIONS_FILE = "holdout_collections.csv"
HOURS_BASES = ("wall_clock", "throughput")
USES = ("fit", "holdout")
KINDS = ("run", "benchmark")
# Hand-written CUDA (llm.c) and plain PyTorch loops (nanoGPT, nanochat): not production training frameworks.
NON_PRODUCTION_STACKS = ("llm.c", "nanoGPT", "nanochat (PyTorch, non-production)",
                         "nanochat-derived research harness (PyTorch, non-production)")
# Collections whose rows a session used to diagnose the model (docs/fidelity.md): 1 and 2 in session 8,
# 3 in session 10. Still `use = holdout` (never fitted) but no longer a held-out test.
DIAGNOSED_COLLECTIONS = frozenset({1, 2, 3})


@dataclass(frozen=True)
class Run:
    """One published training run (columns of catalogs/training_runs.csv)."""

    name: str
    params_total: float
    params_active: float | None
    tokens: float | None
    seq_len: int
    chip: str | None
    gpus: int | None
    gpu_hours: float | None
    hours_basis: str | None
    precision: str
    as_of: str
    source: str
    notes: str
    batch_tokens: float | None = None
    pin: tuple[tuple[str, int], ...] = ()  # published layout: ("tp", 4), ("pp", 12), ("recompute", 1)
    use: str = "fit"  # "fit": calibrates η; "holdout": only scored against the fixed table
    stack: str = ""  # software stack as published (held-out rows), e.g. "Megatron-LM + MegaBlocks"
    kind: str = "run"  # "run": a training run; "benchmark": a tuned throughput showcase (module doc)
    collection: int = 0  # held-out rows: catalogs/holdout_collections.csv's number (0: fit rows)

    @property
    def missing(self) -> tuple[str, ...]:
        """The figures a prediction needs that the sources do not give."""
        needed = {"chip": self.chip, "GPU count": self.gpus, "tokens": self.tokens, "GPU-hours": self.gpu_hours}
        if self.gpu_hours is not None:
            needed["hours basis"] = self.hours_basis
        return tuple(name for name, value in needed.items() if value is None)

    @property
    def scored(self) -> bool:
        """True when every figure a prediction needs is published."""
        return not self.missing

    @property
    def workload(self) -> Workload:
        """Full pre-training of the run's model on its tokens."""
        active = self.params_active or self.params_total
        return Workload("full", self.params_total, active, self.tokens, seq_len=self.seq_len,
                        batch_tokens=self.batch_tokens or 0.0)


def load_runs(path: Path) -> list[Run]:
    """Read the runs file, with each held-out row's collection from COLLECTIONS_FILE beside it when
    there is one; empty cells become None."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    beside = path.parent / COLLECTIONS_FILE
    collections = load_collections(beside) if beside.exists() else {}

    def number(text: str, kind=float):
        return kind(float(text)) if text.strip() else None

    runs = []
    for row in rows:
        basis = row["hours_basis"].strip() or None
        if basis not in (None, *HOURS_BASES):
            raise ValueError(f"{path}: run {row['name']!r}: hours_basis must be one of {HOURS_BASES}, got {basis!r}")
        if row["use"] not in USES:
            raise ValueError(f"{path}: run {row['name']!r}: use must be one of {USES}, got {row['use']!r}")
        if row["kind"] not in KINDS:
            raise ValueError(f"{path}: run {row['name']!r}: kind must be one of {KINDS}, got {row['kind']!r}")
        if row["kind"] == "benchmark" and row["use"] == "fit":
            raise ValueError(f"{path}: run {row['name']!r}: a benchmark cannot be fitted (η is a production "
                             "level): set use to holdout")
        runs.append(Run(
            name=row["name"], params_total=float(row["params_total"]), params_active=number(row["params_active"]),
            tokens=number(row["tokens"]), seq_len=int(row["seq_len"]), chip=row["chip"].strip() or None,
            gpus=number(row["gpus"], int), gpu_hours=number(row["gpu_hours"]), hours_basis=basis,
            precision=row["precision"], as_of=row["as_of"], source=row["source"], notes=row["notes"],
            batch_tokens=number(row["batch_tokens"]),
            pin=tuple((key, int(row[key])) for key in ("tp", "pp", "recompute") if row[key].strip()), use=row["use"],
            stack=row["stack"].strip(), kind=row["kind"], collection=collections.get(row["name"], 0),
        ))
    return runs


def load_collections(path: Path) -> dict[str, int]:
    """Held-out run name -> collection number (catalogs/holdout_collections.csv)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out = {}
    for row in rows:
        if not row["collection"].strip().isdigit() or int(row["collection"]) < 1:
            raise ValueError(f"{path}: run {row['run']!r}: collection must be a positive integer, got {row['collection']!r}")
        if row["run"] in out:
            raise ValueError(f"{path}: run {row['run']!r} is listed twice")
        out[row["run"]] = int(row["collection"])
    return out


def _predict(run: Run, chip: ChipSpec, efficiency: Mapping[str, float] | None) -> tuple[float, float, bool]:
    """(GPU-hours on the run's hours basis, model MFU, published layout refused) for `run` on its
    hardware; a benchmark at the showcase tuning level, its family's η divided by BENCHMARK_RATIO.
    Where the model finds no feasible configuration for the published layout (its memory model does
    not know every trick, e.g. MaxText's host offload of layer inputs) the search picks one freely
    and the refusal is reported."""
    if run.kind == "benchmark":
        family = chip_family(chip)
        if family is None:  # gemm_efficiency looks η up by family: without one the ratio would be lost
            raise ValueError(f"run {run.name!r}: chip {chip.id} has no calibration family (mfu.FAMILY_PREFIXES)")
        efficiency = {family: gemm_efficiency(chip, dict(efficiency or {})) / BENCHMARK_RATIO}
    efficiency = dict(efficiency) if efficiency else None
    try:
        est, refused = estimate(run.workload, chip, run.gpus, run.precision, efficiency=efficiency, pin=run.pin), False
    except ValueError:
        if not run.pin:
            raise
        est, refused = estimate(run.workload, chip, run.gpus, run.precision, efficiency=efficiency), True
    return est.gpu_hours * (est.goodput if run.hours_basis == "throughput" else 1.0), est.mfu, refused


def predicted_gpu_hours(run: Run, chip: ChipSpec, efficiency: Mapping[str, float] | None = None) -> float:
    """The model's GPU-hours for `run` on its hardware, on the run's hours basis."""
    return _predict(run, chip, efficiency)[0]


def implied_efficiency(run: Run, chip: ChipSpec) -> float:
    """The η (GEMM fraction of peak) for which the model reproduces the run's GPU-hours."""
    family = chip_family(chip) or chip.id
    low, high = 0.02, 1.5
    for _ in range(40):
        mid = math.sqrt(low * high)
        if predicted_gpu_hours(run, chip, {family: mid}) > run.gpu_hours:
            low = mid
        else:
            high = mid
    return math.sqrt(low * high)


def implied_mfu(run: Run, chip: ChipSpec) -> float:
    """Model FLOPs / (reported GPU-seconds × peak): the MFU the published hours imply."""
    return stage_flops(run.workload) / (run.gpu_hours * 3600.0 * peak_flops_per_s(chip, run.precision))


def scored_runs(runs: list[Run], use: str = "fit") -> list[Run]:
    """The scored runs with the given use ('fit' or 'holdout')."""
    return [run for run in runs if run.scored and run.use == use]


def calibrate_efficiency(runs: list[Run], chips: Mapping[str, ChipSpec]) -> dict[str, float]:
    """η per chip family: the geometric mean of the implied η of the family's scored fit runs."""
    by_family: dict[str, list[float]] = {}
    for run in scored_runs(runs):
        chip = chips[run.chip]
        by_family.setdefault(chip_family(chip), []).append(implied_efficiency(run, chip))
    return {family: statistics.geometric_mean(values) for family, values in by_family.items()}


@dataclass(frozen=True)
class Comparison:
    """Predicted (leave-one-out) against reported GPU-hours for one scored run."""

    run: Run
    predicted_gpu_hours: float
    implied_mfu: float
    model_mfu: float
    implied_efficiency: float
    fitted_efficiency: float
    moe: bool
    layout_refused: bool = False  # the published layout does not fit the model's memory (_predict)

    @property
    def error(self) -> float:
        """predicted / reported − 1."""
        return self.predicted_gpu_hours / self.run.gpu_hours - 1.0


def compare(runs: list[Run], chips: Mapping[str, ChipSpec]) -> list[Comparison]:
    """Leave-one-out prediction of every scored fit run (module doc)."""
    scored = scored_runs(runs)
    implied = {run.name: implied_efficiency(run, chips[run.chip]) for run in scored}
    family = {run.name: chip_family(chips[run.chip]) for run in scored}
    out = []
    for run in scored:
        chip = chips[run.chip]
        others = [o.name for o in scored if o is not run]
        same = [implied[name] for name in others if family[name] == family[run.name]]
        fitted = statistics.geometric_mean(same or [implied[name] for name in others])
        hours, mfu, refused = _predict(run, chip, {family[run.name]: fitted})
        out.append(Comparison(run, hours, implied_mfu(run, chip), mfu, implied[run.name], fitted,
                              moe=run.workload.active_params < run.workload.params, layout_refused=refused))
    return out


def score_holdout(runs: list[Run], chips: Mapping[str, ChipSpec],
                  efficiency: Mapping[str, float] = EFFICIENCY) -> list[Comparison]:
    """Every scored holdout run predicted with the fixed η table `efficiency` (no refit)."""
    out = []
    for run in scored_runs(runs, "holdout"):
        chip = chips[run.chip]
        hours, mfu, refused = _predict(run, chip, efficiency)
        moe = run.workload.active_params < run.workload.params
        out.append(Comparison(run, hours, implied_mfu(run, chip), mfu, implied_efficiency(run, chip),
                              gemm_efficiency(chip, dict(efficiency)), moe=moe, layout_refused=refused))
    return out


def production_run_ratios(comparisons: list[Comparison], chips: Mapping[str, ChipSpec], min_runs: int = 5,
                          min_stacks: int = 3) -> dict[str, HeldOutRuns]:
    """Per chip family with at least `min_runs` (2 or more) of them on at least `min_stacks` software
    stacks (teams: one team's stages are not independent evidence), the model's error over the
    held-out training runs on production stacks (mfu.HELD_OUT_RUN_RATIO). Quartiles by
    statistics.quantiles' default (exclusive) method."""
    by_family: dict[str, list[Comparison]] = {}
    for c in comparisons:
        if c.run.kind == "run" and c.run.stack not in NON_PRODUCTION_STACKS:
            by_family.setdefault(chip_family(chips[c.run.chip]), []).append(c)
    out = {}
    for family, runs in by_family.items():
        if family and len(runs) >= max(min_runs, 2) and len({c.run.stack for c in runs}) >= min_stacks:
            values = [1.0 + c.error for c in runs]
            low, _, high = statistics.quantiles(values, n=4)
            out[family] = HeldOutRuns(statistics.geometric_mean(values), len(values), low, high,
                                      sum(v < 1.0 for v in values))
    return out


def error_spread(comparisons: list[Comparison]) -> tuple[float, float, float, float]:
    """(geometric mean, log-sd, min, max) of predicted / reported GPU-hours: the lognormal the risk
    model draws MFU multipliers from (planner.tradeoffs.risk DEFAULT_INPUTS)."""
    logs = [math.log1p(c.error) for c in comparisons]
    return math.exp(statistics.mean(logs)), statistics.stdev(logs), math.exp(min(logs)), math.exp(max(logs))


def median_abs_error(comparisons: list[Comparison], moe: bool | None = None) -> float:
    """Median |predicted / reported − 1| over dense (moe=False), MoE (True) or all runs."""
    return statistics.median(abs(c.error) for c in comparisons if moe is None or c.moe == moe)


def six_nd_mfu(run: Run, chip: ChipSpec) -> float:
    """6·N_active·D / (reported GPU-seconds × bf16 peak): the rule of thumb's MFU for the run."""
    return 6.0 * run.workload.active_params * run.tokens / (run.gpu_hours * 3600.0 * peak_flops_per_s(chip, "bf16"))


def rule_error(run: Run, chip: ChipSpec, best: float) -> float:
    """predicted / reported − 1 of the rule 6·N·D / (MFU* · bf16 peak), with MFU* / BENCHMARK_RATIO for a
    benchmark (the same showcase level the model is given)."""
    return six_nd_mfu(run, chip) / (best / BENCHMARK_RATIO if run.kind == "benchmark" else best) - 1.0


def constant_mfu_errors(runs: list[Run], chips: Mapping[str, ChipSpec]) -> tuple[float, list[float]]:
    """(MFU*, |error| per scored fit run) of GPU-hours = 6·N·D / (MFU* · bf16 peak) with MFU* the
    geometric mean over all scored fit runs: a constant fitted with hindsight on the same runs."""
    implied = [six_nd_mfu(run, chips[run.chip]) for run in scored_runs(runs)]
    best = statistics.geometric_mean(implied)
    return best, [abs(mfu / best - 1.0) for mfu in implied]


def holdout_constant_mfu_errors(runs: list[Run], chips: Mapping[str, ChipSpec]) -> tuple[float, list[float]]:
    """(MFU*, |error| per scored holdout run) of the same rule with MFU* fitted on the fit runs only."""
    best, _ = constant_mfu_errors(runs, chips)
    return best, [abs(rule_error(run, chips[run.chip], best)) for run in scored_runs(runs, "holdout")]


def report_markdown(runs: list[Run], chips: Mapping[str, ChipSpec]) -> str:
    """The tables of docs/fidelity.md: scored runs (leave-one-out), unscored runs, summary."""
    comparisons = compare(runs, chips)
    lines = [
        "| run | chip | GPUs | hours basis | reported GPU-h | predicted GPU-h (leave-one-out) | error | "
        "implied MFU | model MFU | implied η | η fitted on the others |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in comparisons:
        r = c.run
        lines.append(
            f"| {r.name} | {r.chip} ({r.precision}) | {r.gpus:,} | {r.hours_basis} | {r.gpu_hours:,.0f} | "
            f"{c.predicted_gpu_hours:,.0f} | {c.error:+.1%} | {c.implied_mfu:.1%} | {c.model_mfu:.1%} | "
            f"{c.implied_efficiency:.3f} | {c.fitted_efficiency:.3f} |"
        )
    lines += ["", "Runs not scored (implied MFU = model FLOPs / reported GPU-hours / peak, where computable):", "",
              "| run | chip | reported GPU-h | implied MFU | not published |", "|---|---|---:|---:|---|"]
    for r in runs:
        if r.scored:  # fit runs above, holdout runs in holdout_markdown
            continue
        computable = r.chip and r.tokens and r.gpu_hours
        implied = f"{implied_mfu(r, chips[r.chip]):.1%}" if computable else "–"
        hours = f"{r.gpu_hours:,.0f}" if r.gpu_hours else "–"
        lines.append(f"| {r.name} | {r.chip or '–'} | {hours} | {implied} | {', '.join(r.missing)} |")
    best, baseline = constant_mfu_errors(runs, chips)
    dense = [c for c in comparisons if not c.moe]
    moe = [c for c in comparisons if c.moe]
    fitted = calibrate_efficiency(runs, chips)
    lines += [
        "",
        f"Leave-one-out median |error|: dense {median_abs_error(comparisons, False):.1%} ({len(dense)} runs), "
        f"MoE {median_abs_error(comparisons, True):.1%} ({len(moe)} run{'s' if len(moe) != 1 else ''}), "
        f"all {median_abs_error(comparisons):.1%}.",
        "",
        f"Constant-MFU rule fitted with hindsight on the same runs (6·N·D / ({best:.3f} × bf16 peak)): "
        f"median |error| {statistics.median(baseline):.1%}.",
        "",
        "Calibrated η (all scored fit runs): "
        + ", ".join(f"{family} {value:.3f}" for family, value in sorted(fitted.items())) + ".",
    ]
    return "\n".join(lines)


def holdout_markdown(runs: list[Run], chips: Mapping[str, ChipSpec],
                     efficiency: Mapping[str, float] = EFFICIENCY, names: Collection[str] | None = None) -> str:
    """The held-out table of docs/fidelity.md: holdout runs (those in `names` if given) against
    the fixed η table, and the constant-MFU rule (fitted on the fit runs) on the same runs;
    medians overall, over the diagnosis set and the rows unseen by it, on production stacks
    alone, per stack, per chip family and dense / MoE."""
    best, baseline = holdout_constant_mfu_errors(runs, chips)
    pairs = [(c, e) for c, e in zip(score_holdout(runs, chips, efficiency), baseline)
             if names is None or c.run.name in names]
    comparisons = [c for c, _ in pairs]
    if not comparisons:
        return "No held-out runs."
    lines = [
        "| run | stack | chip | GPUs | hours basis | reported GPU-h | predicted GPU-h (fixed η) | error | "
        "implied MFU | model MFU | implied η | η in the table | constant-MFU rule error |",
        "|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in comparisons:
        r = c.run
        lines.append(
            f"| {r.name}{' ‡' if c.layout_refused else ''} | {r.stack or '–'} | {r.chip} ({r.precision}) | {r.gpus:,} | {r.hours_basis} | "
            f"{r.gpu_hours:,.1f} | {c.predicted_gpu_hours:,.1f} | {c.error:+.1%} | {c.implied_mfu:.1%} | "
            f"{c.model_mfu:.1%} | {c.implied_efficiency:.3f} | {c.fitted_efficiency:.3f} | "
            f"{rule_error(r, chips[r.chip], best):+.1%} |"
        )
    if any(c.layout_refused for c in comparisons):
        lines += ["", "‡ The published layout does not fit in the model's memory (it does not model every "
                      "memory trick, e.g. host offload of activations); scored on the layout the search picks."]
    production = [(c, e) for c, e in pairs if c.run.stack not in NON_PRODUCTION_STACKS]
    diagnosed = [(c, e) for c, e in pairs if c.run.collection in DIAGNOSED_COLLECTIONS]
    unseen = [(c, e) for c, e in pairs if c.run.collection not in DIAGNOSED_COLLECTIONS]
    seen = ", ".join(map(str, sorted(DIAGNOSED_COLLECTIONS)))
    lines += ["", f"Holdout runs' median |error| at the current η table, model against the constant-MFU rule "
                  f"fitted on the fit runs only (6·N·D / ({best:.3f} × bf16 peak); benchmarks at "
                  f"η / {BENCHMARK_RATIO} and MFU* / {BENCHMARK_RATIO}). Collections {seen} were used to diagnose "
                  f"the model (docs/fidelity.md): their scores are no longer held out; only later collections' are.", "",
              _median_line("all holdout rows" if names is None else "the held-out runs shown", pairs)]
    if diagnosed:
        lines.append(_median_line(f"diagnosis set (collections {seen}, not held out)", diagnosed))
    if unseen:
        lines.append(_median_line("held out, unseen by any diagnosis", unseen))
    if production:
        lines.append(_median_line("production stacks (all but " + ", ".join(NON_PRODUCTION_STACKS) + ")", production))
    for stack in dict.fromkeys(c.run.stack for c in comparisons):
        lines.append(_median_line(stack or "stack not given", [(c, e) for c, e in pairs if c.run.stack == stack]))
    families = {c.run.name: chip_family(chips[c.run.chip]) or c.run.chip for c in comparisons}
    for family in dict.fromkeys(families.values()):
        lines.append(_median_line(f"chip family {family}", [(c, e) for c, e in pairs if families[c.run.name] == family]))
    for moe, label in ((False, "dense"), (True, "MoE")):
        if any(c.moe == moe for c in comparisons):
            lines.append(_median_line(label, [(c, e) for c, e in pairs if c.moe == moe]))
    return "\n".join(lines)


def _median_line(label: str, pairs: list[tuple[Comparison, float]]) -> str:
    """'* label (n runs): model x %; constant-MFU rule y %.' over (comparison, rule |error|) pairs."""
    model = statistics.median(abs(c.error) for c, _ in pairs)
    rule = statistics.median(e for _, e in pairs)
    runs = f"{len(pairs)} run{'s' if len(pairs) != 1 else ''}"
    return f"* {label} ({runs}): model {model:.1%}; constant-MFU rule {rule:.1%}."


@dataclass(frozen=True)
class ChipRatio:
    """One model on one software stack measured on two chips: GPU-hours per token on the slower
    chip over the faster one (by bf16 peak), as published and as the model predicts."""

    slower: Run
    faster: Run
    measured: float
    predicted: float


def same_stack_ratios(runs: list[Run], chips: Mapping[str, ChipSpec],
                      efficiency: Mapping[str, float] = EFFICIENCY) -> list[ChipRatio]:
    """Every pair of scored runs with the same stack, kind (run or benchmark), precision, parameters and
    context on two chips of different families (e.g. LLM Foundry's MPT tables on A100 and H100): the per-token GPU-hour
    ratio the model must reproduce for the planner to choose between those chips correctly."""
    scored = [r for r in runs if r.scored and r.stack]
    out = []
    for i, a in enumerate(scored):
        for b in scored[i + 1:]:
            key = (a.stack, a.kind, a.precision, a.params_total, a.seq_len)
            same = key == (b.stack, b.kind, b.precision, b.params_total, b.seq_len)
            if not same or chip_family(chips[a.chip]) == chip_family(chips[b.chip]):
                continue
            slow, fast = sorted((a, b), key=lambda r: peak_flops_per_s(chips[r.chip], "bf16"))
            measured = (slow.gpu_hours / slow.tokens) / (fast.gpu_hours / fast.tokens)
            predicted = ((predicted_gpu_hours(slow, chips[slow.chip], efficiency) / slow.tokens)
                         / (predicted_gpu_hours(fast, chips[fast.chip], efficiency) / fast.tokens))
            out.append(ChipRatio(slow, fast, measured, predicted))
    return out


def ratio_markdown(runs: list[Run], chips: Mapping[str, ChipSpec],
                   efficiency: Mapping[str, float] = EFFICIENCY) -> str:
    """The same-stack chip ratio table of docs/fidelity.md (same_stack_ratios)."""
    ratios = same_stack_ratios(runs, chips, efficiency)
    if not ratios:
        return "No model measured on two chip families with one stack."
    lines = ["| stack | slower chip run | faster chip run | GPU-h per token, slower / faster: measured | predicted | "
             "predicted / measured |", "|---|---|---|---:|---:|---:|"]
    lines += [f"| {r.slower.stack} | {r.slower.name} | {r.faster.name} | {r.measured:.2f} | {r.predicted:.2f} | "
              f"{r.predicted / r.measured:.2f} |" for r in ratios]
    return "\n".join(lines)
