"""Compute model: FLOPs, memory, MFU, goodput, time, energy and carbon of a training stage.

Plain functions, no optimisation. Each names its source and validity range and raises
ValueError outside it. docs/fidelity.md compares the model with published training runs.
"""

from planner.compute.chip import ChipSpec, peak_flops_per_s
from planner.compute.batch import batch_sequences, deepseek_batch_tokens
from planner.compute.energy import accelerator_energy_kwh, energy_kwh, system_power_w
from planner.compute.stage import (
    Estimate, estimate, fabric, largest_useful_gpus, layout_summary, min_gpus, search_layouts,
)
from planner.compute.flops import forward_flops_per_token, layer_shape, stage_flops, training_flops_per_token
from planner.compute.goodput import FAILURES_PER_NODE_DAY, goodput
from planner.compute.memory import memory_per_gpu_bytes
from planner.compute.mfu import HELD_OUT_RUN_RATIO, calibrated, calibrated_id, chip_family, family_of_id, peak_mfu

__all__ = [
    "FAILURES_PER_NODE_DAY",
    "ChipSpec",
    "Estimate",
    "accelerator_energy_kwh",
    "batch_sequences",
    "calibrated",
    "calibrated_id",
    "family_of_id",
    "HELD_OUT_RUN_RATIO",
    "chip_family",
    "deepseek_batch_tokens",
    "energy_kwh",
    "estimate",
    "fabric",
    "forward_flops_per_token",
    "goodput",
    "largest_useful_gpus",
    "layer_shape",
    "layout_summary",
    "memory_per_gpu_bytes",
    "min_gpus",
    "peak_flops_per_s",
    "peak_mfu",
    "search_layouts",
    "stage_flops",
    "system_power_w",
    "training_flops_per_token",
]
