"""Measured throughput per chip beyond the published runs: MLPerf Training results
(catalogs/throughput_evidence.csv), used to calibrate the GEMM efficiency η of chip families
that no published run covers and to check relative speeds across chips.

Benchmarks, as workloads:
  mlperf-gpt3-175b: GPT-3 175B continued from a fixed checkpoint to a target log-perplexity, at
    2,048-token context. Submitters choose the global batch (1,536 to 6,144 sequences in v3.0 to
    v4.1), and a larger batch needs more tokens to reach the target: each row carries its
    submission's batch and the tokens its runs consumed (median over its runs; MLLOG
    global_batch_size and the epoch_num of the last eval in the MLCommons results files,
    result_source column). A row without them uses 1,536 sequences and 0.004 × 300B = 1.2e9 tokens
    ("about 0.4 % of the total training workload for GPT-3", EE Times, June 2023).
  mlperf-llama2-70b-lora: LoRA of Llama 2 70B at 8,192-token context, batch 8 sequences (MLLOG).
    Its token count is not logged: only the B200/H200 time ratio on the same work is checked, so
    1e8 tokens stand in (assumption; it cancels).
Benchmark minutes exclude failures and start-up, so they are compared with the model's compute
hours (GPU-hours × goodput, less the first start).

MLPerf submissions are tuned far beyond production runs (H100 needs η ≈ 0.7 to reproduce its
v3.0 GPT-3 times against 0.50 on published runs), and the tuning moves from round to round
(NVIDIA's 512-GPU H100 time fell from 64.3 to 58.3, 50.7 and 49.8 minutes from v3.0 to v4.1).
So MLPerf fixes *relative* speed within a round only. Each round's 'anchor' rows (H100, whose
family published runs calibrate) give that round's ratio r = η_runs/η_MLPerf; a family calibrated
by MLPerf gets η = r_round · η_MLPerf(family) from its row of that round, i.e. η_runs(hopper)
times its speed relative to H100 in the same round, assuming every vendor's submission is tuned
as far above its production software as NVIDIA's (unverifiable; it is what relative MLPerf
speeds mean). 'check' rows are never fitted.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import re
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from planner.compute.chip import ChipSpec
from planner.compute.mfu import chip_family
from planner.compute.stage import estimate
from planner.workload import Workload

EVIDENCE_FILE = "throughput_evidence.csv"
MLPERF_GPT3_TOKENS = 0.004 * 300e9
BENCHMARKS = {
    "mlperf-gpt3-175b": Workload("full", 175e9, 175e9, MLPERF_GPT3_TOKENS, seq_len=2048, batch_tokens=1536 * 2048),
    "mlperf-llama2-70b-lora": Workload("lora", 70e9, 70e9, 1e8, seq_len=8192, batch_tokens=8 * 8192),
}


@dataclass(frozen=True)
class Evidence:
    """One measured result: `chips` devices of `chip` ran `benchmark` in `minutes`."""

    id: str
    benchmark: str
    chip: str
    chips: int
    minutes: float
    precision: str
    use: str  # anchor | calibrate | check
    source: str
    as_of: str
    batch_sequences: int | None = None
    tokens: float | None = None

    @property
    def round(self) -> str:
        """The MLPerf round ('v3.0', 'v4.1', ...) named in the id: its software and tuning level."""
        return self.id.split("-")[1]

    @property
    def workload(self) -> Workload:
        """The benchmark as this submission ran it: its global batch and the tokens it consumed."""
        base = BENCHMARKS[self.benchmark]
        return dataclasses.replace(
            base, tokens=self.tokens or base.tokens,
            batch_tokens=self.batch_sequences * base.seq_len if self.batch_sequences else base.batch_tokens)


def load_evidence(path: Path) -> list[Evidence]:
    """Read catalogs/throughput_evidence.csv."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        if row["benchmark"] not in BENCHMARKS or row["use"] not in ("anchor", "calibrate", "check"):
            raise ValueError(f"{path}: row {row['id']!r}: unknown benchmark or use")
        if not re.fullmatch(r"mlperf-v\d+\.\d+-.+", row["id"]):
            raise ValueError(f"{path}: row {row['id']!r}: id must start with mlperf-v<round>-, e.g. mlperf-v4.1-gpt3-...")
        out.append(Evidence(row["id"], row["benchmark"], row["chip"], int(row["chips"]), float(row["minutes"]),
                            row["precision"], row["use"], row["source"], row["as_of"],
                            int(row["batch_sequences"]) if row.get("batch_sequences") else None,
                            float(row["tokens"]) if row.get("tokens") else None))
    return out


def predicted_minutes(row: Evidence, chip: ChipSpec, efficiency: Mapping[str, float] | None = None) -> float:
    """The model's time for the benchmark on the row's system: compute hours, no failures or start."""
    est = estimate(row.workload, chip, row.chips, row.precision,
                   efficiency=dict(efficiency) if efficiency else None, failures_per_node_day=0.0)
    return est.wall_clock_days * 24.0 * est.goodput * 60.0  # compute hours: wall-clock × goodput


def implied_efficiency(row: Evidence, chip: ChipSpec, efficiency: Mapping[str, float]) -> float:
    """η of the row's family that reproduces its minutes (bisection: time falls with η)."""
    family = chip_family(chip) or chip.id
    low, high = 0.02, 1.5
    for _ in range(40):
        mid = math.sqrt(low * high)
        if predicted_minutes(row, chip, {**efficiency, family: mid}) > row.minutes:
            low = mid
        else:
            high = mid
    return math.sqrt(low * high)


def production_ratios(rows: list[Evidence], chips: Mapping[str, ChipSpec],
                      from_runs: Mapping[str, float]) -> dict[str, float]:
    """r per round = η from published runs / η reproducing that round's anchor rows (geometric
    mean over them). Every round with a row must have an anchor."""
    ratios: dict[str, list[float]] = {}
    for row in rows:
        if row.use == "anchor":
            chip = chips[row.chip]
            ratios.setdefault(row.round, []).append(from_runs[chip_family(chip)] / implied_efficiency(row, chip, from_runs))
    missing = sorted({row.round for row in rows} - ratios.keys())
    if missing:
        raise ValueError(f"MLPerf rounds {missing} have no anchor row: their tuning level is unknown")
    return {name: statistics.geometric_mean(values) for name, values in ratios.items()}


def calibrate_from_evidence(rows: list[Evidence], chips: Mapping[str, ChipSpec],
                            from_runs: Mapping[str, float]) -> dict[str, float]:
    """η per family from the 'calibrate' rows of families no published run calibrates: the η that
    reproduces the row, times the production ratio of the row's round (geometric mean over rows)."""
    ratios = production_ratios(rows, chips, from_runs)
    by_family: dict[str, list[float]] = {}
    for row in rows:
        chip = chips[row.chip]
        family = chip_family(chip)
        if row.use == "calibrate" and family not in from_runs:
            by_family.setdefault(family, []).append(ratios[row.round] * implied_efficiency(row, chip, from_runs))
    return {family: statistics.geometric_mean(values) for family, values in by_family.items()}


def mlperf_efficiency(rows: list[Evidence], chips: Mapping[str, ChipSpec], efficiency: Mapping[str, float],
                      round_name: str) -> dict[str, float]:
    """The table at one round's MLPerf tuning level: every η divided by that round's ratio."""
    ratio = production_ratios(rows, chips, efficiency)[round_name]
    return {family: value / ratio for family, value in efficiency.items()}


def predicted_row_minutes(rows: list[Evidence], row: Evidence, chips: Mapping[str, ChipSpec],
                          efficiency: Mapping[str, float]) -> float:
    """The model's minutes for `row` at its round's tuning level."""
    return predicted_minutes(row, chips[row.chip], mlperf_efficiency(rows, chips, efficiency, row.round))


def comparison_markdown(rows: list[Evidence], chips: Mapping[str, ChipSpec], efficiency: Mapping[str, float]) -> str:
    """Measured against predicted minutes per row (each at its round's tuning level), and
    chip-minutes relative to the first row of each benchmark (the per-chip speed ratio MLPerf
    comparisons quote)."""
    lines = ["| result | round | chips | use | measured min | predicted min | error | chip-minutes vs first row: measured | predicted |",
             "|---|---|---:|---|---:|---:|---:|---:|---:|"]
    first: dict[str, tuple[float, float]] = {}
    for row in rows:
        predicted = predicted_row_minutes(rows, row, chips, efficiency)
        measured_cm, predicted_cm = row.minutes * row.chips, predicted * row.chips
        base = first.setdefault(row.benchmark, (measured_cm, predicted_cm))
        lines.append(f"| {row.id} | {row.round} | {row.chips:,} | {row.use} | {row.minutes:,.1f} | {predicted:,.1f} | "
                     f"{predicted / row.minutes - 1:+.1%} | {measured_cm / base[0]:.2f} | {predicted_cm / base[1]:.2f} |")
    return "\n".join(lines)
