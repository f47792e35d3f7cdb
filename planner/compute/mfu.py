"""Achievable GEMM efficiency per chip family, and which chips have measured evidence behind it.

The step-time model (layout.py) runs GEMMs at η · I/(I + I_ridge) of peak: η is the fraction of
the datasheet peak that large bf16 GEMMs and fused attention reach in a production training stack
on that chip family, the one constant per family the model calibrates. It is fitted on measured
throughput: published runs (catalogs/training_runs.csv, planner.compute.fidelity) and MLPerf
Training results scaled to production level (catalogs/throughput_evidence.csv,
planner.compute.evidence); docs/fidelity.md shows both. A family with no measured row is
*uncalibrated*: it borrows UNCALIBRATED_EFFICIENCY, the geometric mean of the run-calibrated
families, the estimate says so, and the planner avoids such chips unless
policy.allow_uncalibrated_chips is true.

FP8: GEMMs run FP8_SPEEDUP = 1.3× faster than bf16, not the 2× of the peak ratio (NVIDIA NeMo
AutoModel docs: ">1.2x" on 8×H100; Fishman et al. 2025: up to 34 % on 256 Gaudi 2; PyTorch
TorchAO: +30 % for MXFP8 Llama 4 Scout on GB200); MFU is reported against the FP8 peak.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from planner.compute.chip import ChipSpec, peak_flops_per_s

# Chip-id prefixes -> family (ids as in catalogs/chips.csv); the longest matching prefix wins.
FAMILY_PREFIXES = (
    ("V100", "volta"), ("A100", "ampere"), ("H100", "hopper"), ("H800", "hopper"), ("H200", "hopper"),
    ("B200", "blackwell"), ("GB200", "blackwell"), ("tpu-v3", "tpu-v3"), ("tpu-v4", "tpu-v4"),
    ("tpu-v5p", "tpu-v5p"), ("tpu-v5e", "tpu-v5e"), ("tpu-v6e", "tpu-v6e"), ("Gaudi2", "gaudi2"),
    ("Gaudi3", "gaudi3"), ("MI300X", "cdna3"), ("MI325X", "cdna3"), ("MI250X", "cdna2"),
    ("Trainium", "trainium"), ("Trainium2", "trainium2"), ("L40S", "ada"),
)
# η from published runs (fidelity.calibrate_efficiency) and, for families no run covers, from
# MLPerf results and vendors' throughput tables scaled to production level
# (evidence.calibrate_from_evidence, both files);
# tests/test_compute_fidelity.py checks these against a fresh calibration.
EFFICIENCY = {
    "ampere": 0.480, "hopper": 0.464, "tpu-v4": 0.526,  # published runs
    "blackwell": 0.410, "gaudi2": 0.392, "tpu-v5p": 0.432, "tpu-v6e": 0.370,  # MLPerf + vendor tables
}
# Geometric mean of the families calibrated on published runs.
UNCALIBRATED_EFFICIENCY = 0.489
# Production η over the η that reproduces a vendor's tuned throughput table: the geometric mean over
# the vendor rounds of evidence.production_ratios (their H100 anchor rows). A held-out row of kind
# 'benchmark' (a showcase of the same sort: synthetic data, no checkpoints) is scored at η / this.
BENCHMARK_RATIO = 0.621
FP8_SPEEDUP = 1.3
class HeldOutRuns(NamedTuple):
    """The model's error on a chip family's held-out production training runs: ratio is the geometric
    mean of predicted / reported GPU-hours, low and high its quartiles, slower how many of the runs
    took longer than predicted (ratio below 1)."""

    ratio: float
    runs: int
    low: float
    high: float
    slower: int


# Per family with at least 5 such runs on at least 3 stacks (fidelity.production_run_ratios,
# docs/fidelity.md; a test recomputes it). Plans say it for the chips they use. The sixth collection
# moved hopper's mean from x0.51 to x0.66 and ampere's from x1.07 to x0.80, the seventh ampere's to
# x0.72: the spread between teams is wider than between chips, hence the quartiles. L40S's 8 runs are
# one team's long-context stages (one stack), so it has no entry; MI250X's 6 are 3 measurements
# (Paloma's four baselines share one).
HELD_OUT_RUN_RATIO = {"ampere": HeldOutRuns(0.719, 28, 0.523, 1.237, 18),
                      "cdna2": HeldOutRuns(0.576, 6, 0.541, 0.605, 6),
                      "hopper": HeldOutRuns(0.663, 30, 0.526, 0.897, 24),
                      "volta": HeldOutRuns(0.307, 8, 0.158, 0.647, 8)}


@functools.lru_cache(maxsize=256)
def _family(chip_id: str) -> str | None:
    matches = [(len(prefix), family) for prefix, family in FAMILY_PREFIXES if chip_id.startswith(prefix)]
    return max(matches)[1] if matches else None


def chip_family(chip: ChipSpec) -> str | None:
    """Family of `chip` for calibration ('ampere', 'hopper', ...), or None when it has none."""
    return _family(chip.id)


def family_of_id(chip_id: str) -> str | None:
    """Family of the chip with id `chip_id` (chip_family without the catalog row)."""
    return _family(chip_id)


def calibrated_id(chip_id: str) -> bool:
    """True when measured throughput calibrates the family of chip `chip_id`."""
    return _family(chip_id) in EFFICIENCY


def calibrated(chip: ChipSpec, efficiency: dict[str, float] | None = None) -> bool:
    """True when measured throughput calibrates the chip's family (in `efficiency` if given)."""
    return chip_family(chip) in (EFFICIENCY if efficiency is None else efficiency)


def gemm_efficiency(chip: ChipSpec, efficiency: dict[str, float] | None = None) -> float:
    """η of the chip's family (from `efficiency` first, then the calibrated table), or the
    uncalibrated default."""
    family = chip_family(chip)
    if efficiency and family in efficiency:
        return efficiency[family]
    return EFFICIENCY.get(family, UNCALIBRATED_EFFICIENCY)


def effective_peak_flops_per_s(chip: ChipSpec, precision: str) -> float:
    """The peak GEMMs are scaled from: bf16 peak, times min(1.3, fp8/bf16 ratio) for FP8."""
    bf16 = peak_flops_per_s(chip, "bf16")
    return bf16 if precision == "bf16" else bf16 * min(FP8_SPEEDUP, peak_flops_per_s(chip, precision) / bf16)


def peak_mfu(chip: ChipSpec, precision: str) -> float:
    """An upper bound on the MFU of any layout of the chip at `precision`: η with nothing else
    in the step (the soft roofline factor, comms and bubble only lower it)."""
    return gemm_efficiency(chip) * effective_peak_flops_per_s(chip, precision) / peak_flops_per_s(chip, precision)
