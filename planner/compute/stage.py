"""One stage on one cluster: layout, time, energy and carbon.

    batch B            = the stage's stated batch, else DeepSeek's B_opt (batch.py)
    layout             = fastest feasible TP × PP × DP (× EP) layout on n devices (layout.py)
    compute hours T0   = steps × step time / 3600,  steps = tokens / (tokens per step)
    wall-clock hours   = T0 / goodput(n, node, T0, r_spot)   (first start, checkpoints, failures)
    GPU-hours          = n · wall-clock hours
    MFU                = stage FLOPs / (n · peak · T0)   (model FLOPs, no recomputation)
    energy             = accelerator: GPU-hours · P_board · f_avg; facility: × m_server · PUE (energy.py)
    carbon             = facility energy · grid intensity

A cluster larger than the batch can use (layout.max_useful_gpus) or on which no layout fits in
memory is refused with the largest useful or smallest fitting size.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field

from planner.compute._checks import check_count, check_range
from planner.compute.batch import batch_sequences
from planner.compute.chip import DEFAULT_GPUS_PER_NODE, MAX_GPUS, ChipSpec, node_size, peak_flops_per_s
from planner.compute.energy import accelerator_energy_kwh, energy_kwh, system_power_w
from planner.compute.flops import stage_flops
from planner.compute.goodput import FAILURES_PER_NODE_DAY
from planner.compute.goodput import goodput as goodput_fraction
from planner.compute.layout import (
    ICI_HOP_LATENCY_S, NVLINK_STEP_LATENCY_S, Choice, Fabric, Layout, best_layout, best_layouts, fits, max_useful_gpus,
    splits_exist,
)
from planner.compute.mfu import calibrated, chip_family, effective_peak_flops_per_s, gemm_efficiency
from planner.limits import MFU_FACTOR_MAX
from planner.workload import Workload

# Defaults when no site is known: hyperscale PUE 1.1 (Patterson et al. 2021, as used by Epoch AI)
# and the 2023 US generation average, 367 gCO2/kWh (EIA FAQ 74).
DEFAULT_PUE = 1.1
DEFAULT_CARBON_G_PER_KWH = 367.0


@dataclass(frozen=True)
class Estimate:
    """Result of `estimate`. gpu_hours counts accelerator-hours, failures and restarts included;
    hours_split gives the wall-clock hours by cause (compute, memory_bound, exposed_comm,
    bubble, failures), summing to wall_clock_days · 24."""

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
    layout: Layout | None = None
    batch_tokens: float = 0.0
    steps: float = 0.0
    hours_split: dict = field(default_factory=dict)
    accelerator_energy_mwh: float = 0.0
    max_useful_gpus: int = 0
    calibrated: bool = True
    notes: tuple[str, ...] = ()


def layout_summary(est: Estimate) -> tuple[tuple[str, float], ...]:
    """The estimate's layout, batch and steps as (name, number) pairs (plan JSON segments)."""
    lay = est.layout
    return (("tp", lay.tp), ("pp", lay.pp), ("dp", lay.dp), ("ep", lay.ep), ("cp", lay.cp), ("micro_batch", lay.micro_batch),
            ("grad_accum", lay.grad_accum), ("zero", lay.zero), ("recompute", int(lay.recompute)),
            ("global_batch_tokens", est.batch_tokens), ("steps", est.steps))


def fabric(chip: ChipSpec, precision: str, gpus_per_node: int | None = None,
           scaleout_gbps_per_node: float | None = None, efficiency: dict[str, float] | None = None) -> Fabric:
    """The cluster as the step-time model sees it; scale-out per node from the offer or server,
    else the chip's reference figure times the node size. A chip without a scale-up figure
    talks over its scale-out share (conservative). Memoised unless `efficiency` overrides η."""
    if efficiency is None:
        return _fabric(chip, precision, gpus_per_node, scaleout_gbps_per_node)
    return _fabric.__wrapped__(chip, precision, gpus_per_node, scaleout_gbps_per_node, efficiency)


@functools.lru_cache(maxsize=4096)
def _fabric(chip: ChipSpec, precision: str, gpus_per_node: int | None, scaleout_gbps_per_node: float | None,
            efficiency: dict[str, float] | None = None) -> Fabric:
    node = node_size(chip, gpus_per_node)
    out_gbps = scaleout_gbps_per_node or (chip.scaleout_gbps_per_chip or 100.0) * node
    out = check_range("scaleout_gbps_per_node", out_gbps, 0.0, 1e6, low_open=True) * 1e9 / 8
    up = chip.scaleup_bw_gbps * 1e9 / 2 if chip.scaleup_bw_gbps else out / node
    return Fabric(peak_flops_per_s=effective_peak_flops_per_s(chip, precision), efficiency=gemm_efficiency(chip, efficiency),
                  hbm_bytes_per_s=chip.memory_bw_tbps * 1e12, memory_bytes=chip.memory_gb * 1e9,
                  scaleup_bytes_per_s=up, domain=chip.scaleup_domain or node, node=node, scaleout_bytes_per_s=out,
                  scaleup_latency_s=ICI_HOP_LATENCY_S if chip.id.startswith("tpu") else NVLINK_STEP_LATENCY_S)


def choose_layout(w: Workload, chip: ChipSpec, n_gpus: int, fab: Fabric, pin: tuple = ()) -> Choice:
    """The best layout on `n_gpus`, or ValueError naming the largest useful / smallest fitting size."""
    batch = batch_sequences(w)
    limit = max_useful_gpus(w, fab, batch)
    if n_gpus > limit:
        useful = limit if limit < fab.node else limit // fab.node * fab.node
        raise ValueError(
            f"a global batch of {batch:,} sequences ({batch * w.seq_len:,.0f} tokens, "
            f"{'stated' if w.batch_tokens else 'DeepSeek 2024 B_opt for this compute'}) keeps at most "
            f"{limit:,} {chip.id} busy (one sequence per data/pipeline rank, tensor parallel over "
            f"{min(fab.domain, limit):,}); the largest useful cluster is {useful:,} devices")
    choice = best_layout(_per_step(w), n_gpus, fab, batch, pin)
    if choice is None and pin:
        raise ValueError(f"the pinned layout {dict(pin)} has no feasible configuration on {n_gpus} {chip.id}")
    if choice is None and not splits_exist(w, n_gpus, fab, batch):
        raise ValueError(
            f"{n_gpus:,} {chip.id} do not split into tensor x pipeline x data groups (powers of two within "
            f"{fab.domain}-device scale-up domains) that a batch of {batch:,} sequences can feed; "
            f"use a power-of-two multiple of the node")
    if choice is None:
        smallest = min_gpus(w, chip, fab.node, fab=fab)
        raise ValueError(
            f"no parallel layout of the stage fits in {chip.memory_gb:g} GB per device on {n_gpus} {chip.id}; "
            + (f"the smallest cluster that fits is {smallest}" if smallest else f"no cluster of {chip.id} fits it"))
    return choice


def _per_step(w: Workload) -> Workload:
    """The workload as a step sees it: the layout and step time do not depend on the token count
    (only the batch does, passed separately), so stages differing only in tokens share one search."""
    return dataclasses.replace(w, tokens=1.0)


def search_layouts(w: Workload, chip: ChipSpec, sizes: list[int], precision: str = "bf16",
                   gpus_per_node: int | None = None, scaleout_gbps_per_node: float | None = None) -> None:
    """Search the layouts of the stage on each device count in `sizes` the batch can use, all in
    one vectorised pass (layout.best_layouts); `estimate` on these sizes then finds them memoised."""
    fab = fabric(chip, precision, gpus_per_node, scaleout_gbps_per_node)
    batch = batch_sequences(w)
    limit = max_useful_gpus(w, fab, batch)
    best_layouts(_per_step(w), tuple(n for n in sizes if n <= limit), fab, batch)


def largest_useful_gpus(w: Workload, chip: ChipSpec, gpus_per_node: int | None = None,
                        scaleout_gbps_per_node: float | None = None, precision: str = "bf16") -> int:
    """Most devices the stage's batch can keep busy (layout.max_useful_gpus), capped at MAX_GPUS."""
    fab = fabric(chip, precision, gpus_per_node, scaleout_gbps_per_node)
    return min(MAX_GPUS, max_useful_gpus(w, fab, batch_sequences(w)))


def min_gpus(w: Workload, chip: ChipSpec, gpus_per_node: int | None = None, *, fab: Fabric | None = None,
             precision: str = "bf16") -> int | None:
    """Smallest device count, 1..node size (powers of two) or a multiple of the node size, with a
    feasible layout; None when none up to the batch limit fits."""
    fab = fab or fabric(chip, precision, gpus_per_node)
    batch, key = batch_sequences(w), _per_step(w)
    limit = min(MAX_GPUS, max_useful_gpus(w, fab, batch))
    sizes = [n for n in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024) if n < fab.node] + [fab.node]
    for n in sizes:
        if n <= limit and fits(key, n, fab, batch):
            return n
    nodes, top = 1, limit // fab.node
    while nodes <= top and not fits(key, nodes * fab.node, fab, batch):
        nodes *= 2
    if nodes > top:
        if top > nodes // 2 and fits(key, top * fab.node, fab, batch):
            nodes = top
        else:
            return None
    low = nodes // 2  # infeasible (or 1, checked); search (low, nodes]
    while nodes - low > 1:
        mid = (low + nodes) // 2
        if fits(key, mid * fab.node, fab, batch):
            nodes = mid
        else:
            low = mid
    return nodes * fab.node


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
    scaleout_gbps_per_node: float | None = None,
    efficiency: dict[str, float] | None = None,
    pin: tuple[tuple[str, int], ...] = (),
    first_start: bool = True,
    speed: float = 1.0,
) -> Estimate:
    """Layout, time, energy and carbon of stage `w` on `n_gpus` devices of `chip` (module doc);
    failures_per_node_day is goodput's r_f (planner.compute.goodput); efficiency overrides the
    calibrated η table (used by the leave-one-out fit); pin fixes layout fields (("tp", 4),
    ("pp", 12), ("recompute", 1)) to a published configuration, pp not limited to powers of two;
    first_start=False leaves the job's first start out of goodput, for callers that bill it
    themselves (a rental segment's start-up minutes); speed is the user's measured throughput over
    the model's (scenario policy.mfu_factor, 0 < speed ≤ MFU_FACTOR_MAX): failure-free hours are divided
    by it, and an estimate above 100 % MFU is refused.

    Raises ValueError for inputs outside the model's range, for FP8 on a chip without FP8, when
    no layout fits in memory, and when the batch cannot use `n_gpus` devices.
    """
    check_count("n_gpus", n_gpus, MAX_GPUS)
    check_range("carbon_g_per_kwh", carbon_g_per_kwh, 0.0, 2000.0)
    peak = peak_flops_per_s(chip, precision)
    fab = fabric(chip, precision, gpus_per_node, scaleout_gbps_per_node, efficiency)
    choice = choose_layout(w, chip, n_gpus, fab, pin)
    flops = stage_flops(w)
    steps = w.tokens / (choice.tokens_per_step * w.seq_len)
    check_range("speed (policy.mfu_factor)", speed, 0.0, MFU_FACTOR_MAX, low_open=True)
    compute_hours = steps * choice.step.total / 3600.0 / speed
    mfu = flops / (n_gpus * peak * compute_hours * 3600.0)
    if speed != 1.0 and mfu > 1.0:  # (the fidelity fit's bisection may try η above 1 on its own)
        raise ValueError(f"speed (policy.mfu_factor) {speed:g} puts {chip.id} at {mfu:.0%} MFU on {n_gpus:,} "
                         "devices, above 100 %: the measured factor is too high for this run")
    good = goodput_fraction(n_gpus, fab.node, compute_hours, spot_interruptions_per_node_day,
                            failures_per_node_day=failures_per_node_day, first_start=first_start)
    wall_hours = compute_hours / good
    gpu_hours = n_gpus * wall_hours
    kwh = energy_kwh(chip, gpu_hours, pue)
    s, per_step = choice.step, steps / 3600.0 / speed
    split = {"compute": s.compute * per_step, "memory_bound": s.memory * per_step,
             "exposed_comm": s.exposed_comm * per_step, "bubble": s.bubble * per_step,
             "failures": wall_hours - compute_hours}
    return Estimate(
        chip=chip.id, n_gpus=n_gpus, precision=precision, flops=flops, gpu_hours=gpu_hours,
        wall_clock_days=wall_hours / 24.0, mfu=mfu, goodput=good,
        energy_mwh=kwh / 1000.0, tco2e=kwh * carbon_g_per_kwh / 1e6,
        memory_per_gpu_gb=choice.memory_bytes / 1e9, power_kw_per_gpu=system_power_w(chip) * pue / 1000.0,
        layout=choice.layout, batch_tokens=choice.tokens_per_step * w.seq_len, steps=steps, hours_split=split,
        accelerator_energy_mwh=accelerator_energy_kwh(chip, gpu_hours) / 1000.0,
        max_useful_gpus=max_useful_gpus(w, fab, choice.batch_sequences),
        calibrated=calibrated(chip, efficiency), notes=_notes(chip, gpus_per_node, efficiency),
    )


def _notes(chip: ChipSpec, gpus_per_node: int | None, efficiency: dict[str, float] | None) -> tuple[str, ...]:
    notes = []
    if not calibrated(chip, efficiency):
        notes.append(f"uncalibrated chip: no measured throughput of {chip.id} ({chip_family(chip) or 'no family'}); "
                     "GEMM efficiency borrowed from the calibrated families")
    if chip.power_is_estimate:
        notes.append(f"{chip.id} has no published TDP: power {chip.power_w:.0f} W assumed (H100 TFLOP/s per W)")
    if not (gpus_per_node or chip.gpus_per_node):
        notes.append(f"{chip.id} node size unknown: {DEFAULT_GPUS_PER_NODE} accelerators per node assumed")
    if not chip.scaleup_bw_gbps:
        notes.append(f"{chip.id} scale-up bandwidth unknown: links between its chips use the scale-out network")
    if not chip.scaleout_gbps_per_chip:
        notes.append(f"{chip.id} scale-out network unknown: 100 Gbit/s per chip assumed")
    return tuple(notes)

