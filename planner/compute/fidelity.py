"""Compare the compute model with published training runs (catalogs/training_runs.csv).

A run is *scored* when its chip, device count, tokens, GPU-hours and how those hours were
counted (hours_basis) are all published. Scored runs are split per calibrated chip family: sorted
by the date of their source (as_of, then name), the 1st, 3rd, 5th ... go to the calibration set
and the 2nd, 4th ... to the held-out set. The rule looks at dates only, never at the numbers.

Each scored run implies a base MFU (what `mfu.BASE_MFU` would have to be to reproduce it):

    base = FLOPs / (GPU-hours · 3600 · peak) / s(n) / g / p

with s(n) the scale efficiency, p the FP8 factor and g the goodput at the reported duration when
the hours are wall-clock job time (hours_basis = wall_clock), or g = 1 when the source computed
them from measured throughput (hours_basis = throughput), which leaves failures out. A family's
base is the geometric mean over its calibration runs (the runs scatter by a factor, not by an
offset); the prediction error of a run is then implied base / model base − 1 (positive: the
model predicts more GPU-hours than reported).
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from planner.compute.chip import ChipSpec, node_size, peak_flops_per_s
from planner.compute.flops import stage_flops
from planner.compute.goodput import goodput
from planner.compute.mfu import SCALE_LOSS_PER_NODE_DOUBLING, chip_family, precision_factor, scale_efficiency
from planner.compute.stage import estimate
from planner.workload import Workload

RUNS_FILE = "training_runs.csv"
HOURS_BASES = ("wall_clock", "throughput")


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
        return Workload("full", self.params_total, active, self.tokens, seq_len=self.seq_len)


def load_runs(path: Path) -> list[Run]:
    """Read the runs file; empty cells become None."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    def number(text: str, kind=float):
        return kind(float(text)) if text.strip() else None

    runs = []
    for row in rows:
        basis = row["hours_basis"].strip() or None
        if basis not in (None, *HOURS_BASES):
            raise ValueError(f"{path}: run {row['name']!r}: hours_basis must be one of {HOURS_BASES}, got {basis!r}")
        runs.append(Run(
            name=row["name"], params_total=float(row["params_total"]), params_active=number(row["params_active"]),
            tokens=number(row["tokens"]), seq_len=int(row["seq_len"]), chip=row["chip"].strip() or None,
            gpus=number(row["gpus"], int), gpu_hours=number(row["gpu_hours"]), hours_basis=basis,
            precision=row["precision"], as_of=row["as_of"], source=row["source"], notes=row["notes"],
        ))
    return runs


def assign_split(runs: list[Run], chips: Mapping[str, ChipSpec]) -> dict[str, str]:
    """Run name -> 'calibration' or 'held_out' for scored runs, alternating by date per family."""
    by_family: dict[str | None, list[Run]] = {}
    for run in runs:
        if run.scored:
            by_family.setdefault(chip_family(chips[run.chip]), []).append(run)
    split = {}
    for family_runs in by_family.values():
        for i, run in enumerate(sorted(family_runs, key=lambda r: (r.as_of, r.name))):
            split[run.name] = "calibration" if i % 2 == 0 else "held_out"
    return split


def implied_mfu(run: Run, chip: ChipSpec) -> float:
    """Model FLOPs / (reported GPU-seconds × peak): the MFU the published hours imply."""
    return stage_flops(run.workload) / (run.gpu_hours * 3600.0 * peak_flops_per_s(chip, run.precision))


def implied_base_mfu(run: Run, chip: ChipSpec, loss_per_doubling: float = SCALE_LOSS_PER_NODE_DOUBLING) -> float:
    """The bf16 single-node MFU that reproduces the run's GPU-hours (module doc)."""
    node = node_size(chip)
    # goodput reads useful hours; for these runs of weeks they equal wall-clock hours to within 0.01%
    good = goodput(run.gpus, node, run.gpu_hours / run.gpus) if run.hours_basis == "wall_clock" else 1.0
    scale = scale_efficiency(run.gpus, node, loss_per_doubling)
    return implied_mfu(run, chip) / scale / good / precision_factor(chip, run.precision)


def _fit(runs: list[Run], chips: Mapping[str, ChipSpec], loss_per_doubling: float) -> tuple[dict[str, float], float]:
    """(geometric-mean implied base per family, geometric mean over all `runs`)."""
    bases: dict[str, list[float]] = {}
    for run in runs:
        chip = chips[run.chip]
        bases.setdefault(chip_family(chip), []).append(implied_base_mfu(run, chip, loss_per_doubling))
    pooled = statistics.geometric_mean([b for values in bases.values() for b in values])
    return {family: statistics.geometric_mean(values) for family, values in bases.items()}, pooled


def calibrate_base_mfu(
    runs: list[Run], chips: Mapping[str, ChipSpec], loss_per_doubling: float = SCALE_LOSS_PER_NODE_DOUBLING
) -> tuple[dict[str, float], float]:
    """(base per calibrated family, base for uncalibrated families) from the calibration runs."""
    split = assign_split(runs, chips)
    return _fit([run for run in runs if split.get(run.name) == "calibration"], chips, loss_per_doubling)


@dataclass(frozen=True)
class Comparison:
    """Predicted against reported GPU-hours for one scored run."""

    run: Run
    split: str
    predicted_gpu_hours: float
    implied_mfu: float
    model_mfu: float

    @property
    def error(self) -> float:
        """predicted / reported − 1."""
        return self.predicted_gpu_hours / self.run.gpu_hours - 1.0


def compare(runs: list[Run], chips: Mapping[str, ChipSpec]) -> list[Comparison]:
    """Predict every scored run with `estimate` (the model's own constants)."""
    split = assign_split(runs, chips)
    out = []
    for run in runs:
        if not run.scored:
            continue
        chip = chips[run.chip]
        est = estimate(run.workload, chip, run.gpus, run.precision)
        hours = est.gpu_hours * (est.goodput if run.hours_basis == "throughput" else 1.0)
        out.append(Comparison(run, split[run.name], hours, implied_mfu(run, chip), est.mfu))
    return out


def median_abs_error(comparisons: list[Comparison], split: str) -> float:
    """Median of |predicted / reported − 1| over the runs of one split."""
    return statistics.median(abs(c.error) for c in comparisons if c.split == split)


def _error(run: Run, chips: Mapping[str, ChipSpec], fitted: tuple[dict[str, float], float], loss: float) -> float:
    chip = chips[run.chip]
    bases, pooled = fitted
    return implied_base_mfu(run, chip, loss) / bases.get(chip_family(chip), pooled) - 1.0


def held_out_error_with(runs: list[Run], chips: Mapping[str, ChipSpec], loss_per_doubling: float) -> float:
    """Held-out median |error| after re-calibrating with another scale loss (sensitivity check).

    Uses error = implied base / calibrated base − 1, which equals `compare`'s error up to the
    small dependence of goodput on the predicted duration.
    """
    split = assign_split(runs, chips)
    fitted = calibrate_base_mfu(runs, chips, loss_per_doubling)
    held_out = [run for run in runs if split.get(run.name) == "held_out"]
    return statistics.median(abs(_error(run, chips, fitted, loss_per_doubling)) for run in held_out)


def leave_one_out_error(
    runs: list[Run], chips: Mapping[str, ChipSpec], loss_per_doubling: float = SCALE_LOSS_PER_NODE_DOUBLING
) -> float:
    """Median |error| of each scored run predicted from a calibration on all other scored runs."""
    scored = [run for run in runs if run.scored]
    errors = []
    for run in scored:
        fitted = _fit([other for other in scored if other is not run], chips, loss_per_doubling)
        errors.append(abs(_error(run, chips, fitted, loss_per_doubling)))
    return statistics.median(errors)


def constant_mfu_error(comparisons: list[Comparison], chips: Mapping[str, ChipSpec], mfu: float, split: str | None) -> float:
    """Median |error| of the 6·N·D / (constant MFU × bf16 peak) rule of thumb (no attention, no
    goodput, no scale or FP8 terms) over one split, or over all scored runs when `split` is None."""
    errors = []
    for c in comparisons:
        r = c.run
        six_nd_mfu = 6.0 * r.workload.active_params * r.tokens / (r.gpu_hours * 3600.0 * peak_flops_per_s(chips[r.chip], "bf16"))
        if split is None or c.split == split:
            errors.append(abs(six_nd_mfu / mfu - 1.0))
    return statistics.median(errors)


def report_markdown(runs: list[Run], chips: Mapping[str, ChipSpec]) -> str:
    """The tables of docs/fidelity.md: scored runs, unscored runs, summary and sensitivity."""
    comparisons = compare(runs, chips)
    lines = [
        "| run | chip | GPUs | hours basis | reported GPU-h | predicted GPU-h | error | implied MFU | model MFU | set |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for c in comparisons:
        r = c.run
        lines.append(
            f"| {r.name} | {r.chip} ({r.precision}) | {r.gpus:,} | {r.hours_basis} | {r.gpu_hours:,.0f} | "
            f"{c.predicted_gpu_hours:,.0f} | {c.error:+.1%} | {c.implied_mfu:.1%} | {c.model_mfu:.1%} | "
            f"{c.split.replace('_', '-')} |"
        )
    lines += ["", "Runs not scored (implied MFU = model FLOPs / reported GPU-hours / peak, where computable):", "",
              "| run | chip | reported GPU-h | implied MFU | not published |", "|---|---|---:|---:|---|"]
    for r in runs:
        if r.scored:
            continue
        computable = r.chip and r.tokens and r.gpu_hours
        implied = f"{implied_mfu(r, chips[r.chip]):.1%}" if computable else "–"
        hours = f"{r.gpu_hours:,.0f}" if r.gpu_hours else "–"
        lines.append(f"| {r.name} | {r.chip or '–'} | {hours} | {implied} | {', '.join(r.missing)} |")
    held = median_abs_error(comparisons, "held_out")
    cal = median_abs_error(comparisons, "calibration")
    bases, pooled = calibrate_base_mfu(runs, chips)
    lines += [
        "",
        f"Median |error|: held-out {held:.1%} ({sum(c.split == 'held_out' for c in comparisons)} runs), "
        f"calibration {cal:.1%} ({sum(c.split == 'calibration' for c in comparisons)} runs), "
        f"leave-one-out over all scored runs {leave_one_out_error(runs, chips):.1%}.",
        "",
        "Rule of thumb for comparison, GPU-hours = 6·N·D / (0.40 × bf16 peak): held-out "
        f"{constant_mfu_error(comparisons, chips, 0.40, 'held_out'):.1%}, all scored runs "
        f"{constant_mfu_error(comparisons, chips, 0.40, None):.1%}.",
        "",
        "Calibrated base MFU: " + ", ".join(f"{family} {value:.3f}" for family, value in sorted(bases.items()))
        + f"; other families {pooled:.3f}.",
        "",
        "Scale loss per doubling of nodes → held-out / leave-one-out median |error|: "
        + "; ".join(f"{loss:.0%} → {held_out_error_with(runs, chips, loss):.1%} / "
                    f"{leave_one_out_error(runs, chips, loss):.1%}" for loss in (0.0, 0.01, 0.02)) + ".",
    ]
    return "\n".join(lines)
