"""Measured throughput per chip beyond the published runs: MLPerf Training results
(catalogs/throughput_evidence.csv), used to calibrate the GEMM efficiency η of chip families
that no published run covers and to check relative speeds across chips; and vendors' published
training throughput tables (catalogs/vendor_throughput.csv), which calibrate with them (below).

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
hours (GPU-hours × goodput, less the first start). Where a submission publishes its layout
(columns tp, pp, micro_batch, virtual with layout_source: Intel's run commands, NVIDIA's config
files), the row is scored on it, as published runs are (fidelity.py); otherwise the layout search
picks one, which may be faster than what ran and then understates the η the row implies.

MLPerf submissions are tuned far beyond production runs (H100 needs η ≈ 0.7 to reproduce its
v3.0 GPT-3 times against 0.46 on published runs), and the tuning moves from round to round
(NVIDIA's 512-GPU H100 time fell from 64.3 to 58.3, 50.7 and 49.8 minutes from v3.0 to v4.1).
So MLPerf fixes *relative* speed within a round only. Each round's 'anchor' rows (H100, whose
family published runs calibrate) give that round's ratio r = η_runs/η_MLPerf; a family calibrated
by MLPerf gets η = r_round · η_MLPerf(family) from its row of that round, i.e. η_runs(hopper)
times its speed relative to H100 in the same round, assuming every vendor's submission is tuned
as far above its production software as NVIDIA's (unverifiable; it is what relative MLPerf
speeds mean). 'check' rows are never fitted.

Vendor throughput tables (ids vendor-<year>-..., round = the year): tokens/s per chip of a named
model at a stated chip count, global batch, sequence length and precision, as published by the
chip's vendor (NVIDIA's NeMo and Megatron-Bridge performance summaries, Google's MaxText model
tiering and tpu-recipes logs, Intel's Gaudi 2 model performance page; sources per row).
Benchmarks llama3-8b, llama3-70b, llama3.1-405b (8,192-token context) and llama2-70b (4,096):
full pre-training of the catalog model (catalogs/models.csv params and config.json shape; Llama
3.1 8B/70B have Llama 3's architecture). A row's `tokens` (1e10, stated) is converted to
minutes = tokens / (tokens/s/chip · chips) / 60; every ratio below is independent of it. Like
MLPerf, these tables are tuned showcases (synthetic data, no checkpointing), so a round's tuning
level comes from its H100 rows: r = η_runs(hopper) / η reproducing them (geometric mean), a
family's production η implied by a row is r · η reproducing it, and the cross-chip ratio is the
row's tokens/s/chip over the same round's H100 row on the same benchmark. The vendor rows were
first scored unfitted (2026-12-05: they put TPU v6e 20 % and B200 30 % above the MLPerf-only η);
since then their H100 rows anchor their year and the others calibrate: a family's η is the
geometric mean of r_round · η over all its calibrate rows, MLPerf and vendor alike.
"""

from __future__ import annotations

import csv
import functools
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
VENDOR_FILE = "vendor_throughput.csv"
MLPERF_GPT3_TOKENS = 0.004 * 300e9
VENDOR_TOKENS = 1e10  # stated token count a tokens/s/chip row is timed on (cancels in every ratio)
# Layout fields a row may pin to its submission's published configuration (column layout_source)
PIN_COLUMNS = ("tp", "pp", "micro_batch", "virtual")
REFERENCE_CHIP = "H100"  # vendor rows are compared with this chip's row of the same round and model
BENCHMARKS = {
    "mlperf-gpt3-175b": Workload("full", 175e9, 175e9, MLPERF_GPT3_TOKENS, seq_len=2048, batch_tokens=1536 * 2048),
    "mlperf-llama2-70b-lora": Workload("lora", 70e9, 70e9, 1e8, seq_len=8192, batch_tokens=8 * 8192),
    # Catalog models (catalogs/models.csv: params, config.json shape layers/width/heads/FFN).
    "llama3-8b": Workload("full", 8.0e9, 8.0e9, VENDOR_TOKENS, seq_len=8192, shape=(32, 4096, 32, 14336, 1, 1)),
    "llama3-70b": Workload("full", 7.0e10, 7.0e10, VENDOR_TOKENS, seq_len=8192, shape=(80, 8192, 64, 28672, 1, 1)),
    "llama3.1-405b": Workload("full", 4.05e11, 4.05e11, VENDOR_TOKENS, seq_len=8192,
                              shape=(126, 16384, 128, 53248, 1, 1)),
    "llama2-70b": Workload("full", 7.0e10, 7.0e10, VENDOR_TOKENS, seq_len=4096, shape=(80, 8192, 64, 28672, 1, 1)),
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
    tokens_per_s_per_chip: float | None = None  # vendor rows: the published figure
    pin: tuple[tuple[str, int], ...] = ()  # the submission's published layout (layout.best_layout)

    @property
    def round(self) -> str:
        """The MLPerf round ('v3.0', 'v4.1', ...) or vendor year ('2025') named in the id: its
        software and tuning level."""
        return self.id.split("-")[1]

    @property
    def workload(self) -> Workload:
        """The benchmark as this submission ran it: its global batch and the tokens it consumed."""
        base = BENCHMARKS[self.benchmark]
        return dataclasses.replace(
            base, tokens=self.tokens or base.tokens,
            batch_tokens=self.batch_sequences * base.seq_len if self.batch_sequences else base.batch_tokens)


def load_evidence(path: Path) -> list[Evidence]:
    """Read catalogs/throughput_evidence.csv or catalogs/vendor_throughput.csv. A row gives
    `minutes`, or `tokens_per_s_per_chip` and `tokens`: minutes = tokens / (tokens/s/chip · chips) / 60."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        if row["benchmark"] not in BENCHMARKS or row["use"] not in ("anchor", "calibrate", "check"):
            raise ValueError(f"{path}: row {row['id']!r}: unknown benchmark or use")
        if not re.fullmatch(r"(mlperf-v\d+\.\d+|vendor-\d{4})-.+", row["id"]):
            raise ValueError(f"{path}: row {row['id']!r}: id must start with mlperf-v<round>- or vendor-<year>-, "
                             "e.g. mlperf-v4.1-gpt3-... or vendor-2025-llama3-70b-...")
        number = functools.partial(_number, path, row)
        rate, tokens, chips = number("tokens_per_s_per_chip", float), number("tokens", float), number("chips", int)
        if chips is None:
            raise ValueError(f"{path}: row {row['id']!r}: field 'chips' is empty: give the number of accelerators")
        if row.get("minutes"):
            minutes = number("minutes", float)
        elif rate and tokens:
            minutes = tokens / (rate * chips) / 60.0
        else:
            raise ValueError(f"{path}: row {row['id']!r}: give minutes, or tokens_per_s_per_chip and tokens")
        pin = tuple((key, number(key, int)) for key in PIN_COLUMNS if (row.get(key) or "").strip())
        if pin and not (row.get("layout_source") or "").strip():
            raise ValueError(f"{path}: row {row['id']!r}: a published layout ({', '.join(PIN_COLUMNS)}) needs its layout_source")
        out.append(Evidence(row["id"], row["benchmark"], row["chip"], chips, minutes,
                            row["precision"], row["use"], row["source"], row["as_of"],
                            number("batch_sequences", int), tokens, rate, pin))
    return out


def _number(path: Path, row: dict, field: str, kind: type):
    """The row's `field` as a positive `kind` (None when empty), or ValueError naming file, row, field and value."""
    text = (row.get(field) or "").strip()
    if not text:
        return None
    try:
        value = kind(text)
    except ValueError:
        value = None
    if value is None or not value > 0:
        raise ValueError(f"{path}: row {row['id']!r}: field {field!r} must be a positive "
                         f"{'whole number' if kind is int else 'number'}, got {text!r}")
    return value


def predicted_minutes(row: Evidence, chip: ChipSpec, efficiency: Mapping[str, float] | None = None) -> float:
    """The model's time for the benchmark on the row's system: compute hours, no failures or start."""
    est = estimate(row.workload, chip, row.chips, row.precision,
                   efficiency=dict(efficiency) if efficiency else None, failures_per_node_day=0.0, pin=row.pin)
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
            ratios.setdefault(row.round, []).append(
                from_runs[chip_family(chip)] / implied_efficiency(row, chip, from_runs))
    missing = sorted({row.round for row in rows} - ratios.keys())
    if missing:
        raise ValueError(f"rounds {missing} have no anchor row: their tuning level is unknown")
    return {name: statistics.geometric_mean(values) for name, values in ratios.items()}


def benchmark_ratio(vendor_rows: list[Evidence], chips: Mapping[str, ChipSpec],
                    from_runs: Mapping[str, float]) -> float:
    """Production η over showcase η: the geometric mean of the vendor tables' rounds' r
    (production_ratios), each round weighted alike (mfu.BENCHMARK_RATIO)."""
    return statistics.geometric_mean(production_ratios(vendor_rows, chips, from_runs).values())


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


@dataclass(frozen=True)
class VendorCheck:
    """One vendor row scored (module doc): tokens/s/chip predicted at the production η table,
    the η reproducing the row, the family's production η it implies (r_round · η) and the
    (measured, predicted) tokens/s/chip ratio over the same round's H100 row on the same
    benchmark (None when there is none)."""

    row: Evidence
    predicted_rate: float
    implied: float
    production: float
    versus_h100: tuple[float, float] | None

    @property
    def error(self) -> float:
        return self.predicted_rate / self.row.tokens_per_s_per_chip - 1.0


def predicted_rate(row: Evidence, chip: ChipSpec, efficiency: Mapping[str, float] | None = None) -> float:
    """Tokens/s per chip the model predicts for `row`: its tokens over its predicted compute minutes."""
    return row.tokens / (predicted_minutes(row, chip, efficiency) * 60.0 * row.chips)


def vendor_checks(rows: list[Evidence], chips: Mapping[str, ChipSpec],
                  efficiency: Mapping[str, float]) -> list[VendorCheck]:
    """Score every vendor row against `efficiency` (the production table): see VendorCheck."""
    ratios = production_ratios(rows, chips, efficiency)
    rates = {row.id: predicted_rate(row, chips[row.chip], efficiency) for row in rows}
    reference = {(row.round, row.benchmark): row for row in rows if row.chip == REFERENCE_CHIP}
    checks = []
    for row in rows:
        implied = implied_efficiency(row, chips[row.chip], efficiency)
        h100 = reference.get((row.round, row.benchmark))
        versus = None if h100 is None or h100 is row else (
            row.tokens_per_s_per_chip / h100.tokens_per_s_per_chip, rates[row.id] / rates[h100.id])
        checks.append(VendorCheck(row, rates[row.id], implied, ratios[row.round] * implied, versus))
    return checks


def vendor_markdown(checks: list[VendorCheck], chips: Mapping[str, ChipSpec], efficiency: Mapping[str, float]) -> str:
    """Per row: measured against predicted tokens/s/chip at production η, the η reproducing it,
    the production η it implies, and its speed relative to H100 in the same table; then per
    family the geometric mean of the production η its rows imply against the table's η."""
    lines = ["| result | chips | precision | batch × context | measured tok/s/chip | predicted at production η | error | "
             "η reproducing it | production η implied | vs H100 same model: measured | predicted |",
             "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    by_family: dict[str, list[float]] = {}
    for c in checks:
        row = c.row
        versus = (f"{c.versus_h100[0]:.3f} | {c.versus_h100[1]:.3f}" if c.versus_h100 else "– | –")
        lines.append(f"| {row.id} | {row.chips:,} | {row.precision} | {row.batch_sequences:,} × {row.workload.seq_len:,} | "
                     f"{row.tokens_per_s_per_chip:,.0f} | {c.predicted_rate:,.0f} | {c.error:+.1%} | {c.implied:.3f} | "
                     f"{c.production:.3f} | {versus} |")
        by_family.setdefault(chip_family(chips[row.chip]), []).append(c.production)
    lines += ["", "| family | η in the table (mfu.EFFICIENCY) | production η the vendor rows imply (geometric mean) | rows |",
              "|---|---:|---:|---:|"]
    lines += [f"| {family} | {efficiency[family]:.3f} | {statistics.geometric_mean(values):.3f} | {len(values)} |"
              for family, values in by_family.items()]
    return "\n".join(lines)
