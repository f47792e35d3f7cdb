"""Compute model: FLOPs, memory, MFU, goodput, time, energy and carbon of a training stage.

Plain functions, no optimisation. Each names its source and validity range and raises
ValueError outside it. docs/fidelity.md compares the model with published training runs.
"""

from planner.compute.chip import ChipSpec, peak_flops_per_s
from planner.compute.energy import energy_kwh, system_power_w
from planner.compute.stage import Estimate, estimate
from planner.compute.flops import forward_flops_per_token, layer_shape, stage_flops, training_flops_per_token
from planner.compute.goodput import FAILURES_PER_NODE_DAY, goodput
from planner.compute.memory import memory_per_gpu_bytes, min_gpus
from planner.compute.mfu import chip_family, mfu, scale_efficiency

__all__ = [
    "FAILURES_PER_NODE_DAY",
    "ChipSpec",
    "Estimate",
    "chip_family",
    "energy_kwh",
    "estimate",
    "forward_flops_per_token",
    "goodput",
    "layer_shape",
    "memory_per_gpu_bytes",
    "min_gpus",
    "mfu",
    "peak_flops_per_s",
    "scale_efficiency",
    "stage_flops",
    "system_power_w",
    "training_flops_per_token",
]
