"""Model FLOPs utilisation (MFU) by chip family, precision and cluster size.

    mfu(chip, precision, n) = base[family] · s(n) · p(precision) ≤ 1

base: MFU of one node in bf16, per chip family, calibrated on the calibration half of the
  published runs in catalogs/training_runs.csv (the procedure is `calibrate_base_mfu` in
  planner/compute/fidelity.py; docs/fidelity.md shows the data and the held-out check). Each run
  gives base = (model FLOPs / reported GPU-seconds / peak) / s(n) / goodput / FP8 gain, and a
  family's base is the geometric mean over its calibration runs. Families without a calibration
  run use the geometric mean over all calibration runs (UNCALIBRATED_BASE_MFU) and say so in the
  estimate notes. The three calibrated families come out within 0.005 of each other.
s(n) = 1 − 0.01·log2(n_nodes) for n > one node, else 1: a 1 % loss per doubling of nodes. The
  published evidence brackets this from both sides: at fixed global batch, Llama 3 lost 7 % going
  from 8,192 to 16,384 H100 (430 → 400 TFLOP/s, Dubey et al. 2024 Table 4), while growing the
  model with the cluster kept per-GPU throughput flat or rising (Narayanan et al. 2021 Table 1,
  44 % → 52 % of peak from 32 to 3,072 A100). docs/fidelity.md shows the fit for 0, 1 and 2 %.
p: MFU is measured against the peak of the precision used. FP8 runs 1.3× faster than bf16 in
  wall-clock terms, not the 2× of the peak ratio (NVIDIA NeMo AutoModel docs: ">1.2x" on 8×H100;
  Fishman et al. 2025: up to 34 % on 256 Gaudi 2; PyTorch/TorchAO: +30 % for MXFP8 Llama 4 Scout
  on GB200), so p = min(1.3, fp8/bf16 peak) · bf16 peak / fp8 peak.
Valid for 1 ≤ n ≤ 131,072 accelerators.
"""

from __future__ import annotations

import math

from planner.compute._checks import check_count
from planner.compute.chip import MAX_GPUS, ChipSpec, node_size, peak_flops_per_s

# Chip-id prefixes of the calibrated families (ids as in catalogs/chips.csv).
FAMILY_PREFIXES = (("A100", "ampere"), ("H100", "hopper"), ("H800", "hopper"), ("H200", "hopper"), ("tpu-v4", "tpu-v4"))
# Calibrated by planner.compute.fidelity.calibrate_base_mfu; tests/test_compute_fidelity.py
# checks these against a fresh calibration.
BASE_MFU = {"ampere": 0.387, "hopper": 0.383, "tpu-v4": 0.388}
UNCALIBRATED_BASE_MFU = 0.386
SCALE_LOSS_PER_NODE_DOUBLING = 0.01
FP8_SPEEDUP = 1.3


def chip_family(chip: ChipSpec) -> str | None:
    """Calibrated family of `chip` ('ampere', 'hopper', 'tpu-v4'), or None when uncalibrated."""
    for prefix, family in FAMILY_PREFIXES:
        if chip.id.startswith(prefix):
            return family
    return None


def scale_efficiency(n_gpus: int, gpus_per_node: int, loss_per_doubling: float = SCALE_LOSS_PER_NODE_DOUBLING) -> float:
    """s(n) = 1 − loss·log2(n_nodes), 1 within one node."""
    check_count("n_gpus", n_gpus, MAX_GPUS)
    n_nodes = max(1.0, n_gpus / gpus_per_node)
    return 1.0 - loss_per_doubling * math.log2(n_nodes)


def precision_factor(chip: ChipSpec, precision: str) -> float:
    """p: 1 for bf16; for fp8 the 1.3× wall-clock gain expressed against the FP8 peak."""
    ratio = peak_flops_per_s(chip, precision) / peak_flops_per_s(chip, "bf16")
    return 1.0 if precision == "bf16" else min(FP8_SPEEDUP, ratio) / ratio


def mfu(chip: ChipSpec, precision: str, n_gpus: int, gpus_per_node: int | None = None) -> float:
    """MFU of `n_gpus` devices of `chip` at `precision`, relative to that precision's peak."""
    base = BASE_MFU.get(chip_family(chip), UNCALIBRATED_BASE_MFU)
    return base * scale_efficiency(n_gpus, node_size(chip, gpus_per_node)) * precision_factor(chip, precision)
