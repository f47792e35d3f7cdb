"""One stage on one cluster: time, energy and carbon.

    compute hours T0 = FLOPs / (n · peak · mfu) / 3600
    wall-clock hours = T0 / goodput(n, node, T0, r_spot)   (first start, checkpoints, failures)
    GPU-hours = n · wall-clock hours
    energy   = GPU-hours · system power per accelerator · PUE      (planner.compute.energy)
    carbon   = energy · grid intensity

"""

from __future__ import annotations

from dataclasses import dataclass

from planner.compute._checks import check_count, check_range
from planner.compute.chip import DEFAULT_GPUS_PER_NODE, MAX_GPUS, ChipSpec, node_size, peak_flops_per_s
from planner.compute.energy import energy_kwh, system_power_w
from planner.compute.flops import stage_flops
from planner.compute.goodput import FAILURES_PER_NODE_DAY
from planner.compute.goodput import goodput as goodput_fraction
from planner.compute.memory import memory_per_gpu_bytes, min_gpus
from planner.compute.mfu import chip_family, mfu as mfu_fraction
from planner.workload import Workload

# Defaults when no site is known: hyperscale PUE 1.1 (Patterson et al. 2021, as used by Epoch AI)
# and the 2023 US generation average, 367 gCO2/kWh (EIA FAQ 74).
DEFAULT_PUE = 1.1
DEFAULT_CARBON_G_PER_KWH = 367.0


@dataclass(frozen=True)
class Estimate:
    """Result of `estimate`. gpu_hours counts accelerator-hours, failures and restarts included."""

    chip: str
    n_gpus: int
    precision: str
    flops: float
    gpu_hours: float
    wall_clock_days: float
    mfu: float
    goodput: float
    energy_mwh: float
    tco2e: float
    memory_per_gpu_gb: float
    power_kw_per_gpu: float
    notes: tuple[str, ...] = ()


def estimate(
    w: Workload,
    chip: ChipSpec,
    n_gpus: int,
    precision: str = "bf16",
    spot_interruptions_per_node_day: float = 0.0,
    pue: float = DEFAULT_PUE,
    carbon_g_per_kwh: float = DEFAULT_CARBON_G_PER_KWH,
    gpus_per_node: int | None = None,
    failures_per_node_day: float = FAILURES_PER_NODE_DAY,
) -> Estimate:
    """Time, energy and carbon of stage `w` on `n_gpus` devices of `chip` (formulas in module doc);
    failures_per_node_day is goodput's r_f (planner.compute.goodput).

    Raises ValueError for inputs outside the model's range, for FP8 on a chip without FP8, and
    when the stage does not fit in memory on `n_gpus` devices (the message gives `min_gpus`).
    """
    check_count("n_gpus", n_gpus, MAX_GPUS)
    check_range("carbon_g_per_kwh", carbon_g_per_kwh, 0.0, 2000.0)
    node = node_size(chip, gpus_per_node)
    memory_bytes = memory_per_gpu_bytes(w, n_gpus)
    if memory_bytes > chip.memory_gb * 1e9:
        smallest = min_gpus(w, chip, node)
        raise ValueError(
            f"stage needs {memory_bytes / 1e9:.0f} GB per device on {n_gpus} {chip.id}, which have "
            f"{chip.memory_gb:g} GB; " + (f"the smallest cluster that fits is {smallest}" if smallest
                                          else f"no cluster of {chip.id} fits it")
        )
    flops = stage_flops(w)
    utilisation = mfu_fraction(chip, precision, n_gpus, node)
    compute_hours = flops / (n_gpus * peak_flops_per_s(chip, precision) * utilisation) / 3600.0
    good = goodput_fraction(n_gpus, node, compute_hours, spot_interruptions_per_node_day,
                            failures_per_node_day=failures_per_node_day)
    wall_hours = compute_hours / good
    gpu_hours = n_gpus * wall_hours
    kwh = energy_kwh(chip, gpu_hours, pue)
    return Estimate(
        chip=chip.id,
        n_gpus=n_gpus,
        precision=precision,
        flops=flops,
        gpu_hours=gpu_hours,
        wall_clock_days=wall_hours / 24.0,
        mfu=utilisation,
        goodput=good,
        energy_mwh=kwh / 1000.0,
        tco2e=kwh * carbon_g_per_kwh / 1e6,
        memory_per_gpu_gb=memory_bytes / 1e9,
        power_kw_per_gpu=system_power_w(chip) * pue / 1000.0,
        notes=_notes(chip, gpus_per_node),
    )


def _notes(chip: ChipSpec, gpus_per_node: int | None) -> tuple[str, ...]:
    notes = []
    if chip_family(chip) is None:
        notes.append(f"no published run calibrates {chip.id}: MFU uses the base of all calibrated families")
    if chip.power_is_estimate:
        notes.append(f"{chip.id} has no published TDP: power {chip.power_w:.0f} W assumed (H100 TFLOP/s per W)")
    if not (gpus_per_node or chip.gpus_per_node):
        notes.append(f"{chip.id} node size unknown: {DEFAULT_GPUS_PER_NODE} accelerators per node assumed")
    return tuple(notes)
