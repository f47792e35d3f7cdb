"""What the compute model reads from an accelerator: the fields of `planner.catalog.Chip`."""

from __future__ import annotations

from typing import Protocol

from planner.compute._checks import check_count

PRECISIONS = ("bf16", "fp8")
# Servers without a published accelerator count are treated as 8-accelerator nodes, the size
# of DGX/HGX, MI300X and Gaudi platforms (catalogs/chips.csv).
DEFAULT_GPUS_PER_NODE = 8
# Largest cluster the model covers: the 131,072-GPU scale Kokolis et al. 2024 project failure
# rates to, above today's largest published training runs.
MAX_GPUS = 131_072


class ChipSpec(Protocol):
    """Peak dense throughput in TFLOP/s, memory in GB (1e9 bytes) and TB/s, board power in W;
    scale-up link GB/s bidirectional per chip over a domain of chips, scale-out Gbit/s per chip.

    power_w is the TDP, or the catalog's estimate where the vendor publishes none
    (power_is_estimate is then True; planner.catalog.rows.Chip.power_w).
    """

    id: str
    vendor: str
    bf16_tflops: float
    fp8_tflops: float | None
    memory_gb: float
    memory_bw_tbps: float
    gpus_per_node: int | None
    scaleup_bw_gbps: float | None
    scaleup_domain: int | None
    scaleout_gbps_per_chip: float | None

    @property
    def power_w(self) -> float: ...

    @property
    def power_is_estimate(self) -> bool: ...


def node_size(chip: ChipSpec, gpus_per_node: int | None = None) -> int:
    """Accelerators per node: the override, else the chip's, else DEFAULT_GPUS_PER_NODE."""
    return check_count("gpus_per_node", gpus_per_node or chip.gpus_per_node or DEFAULT_GPUS_PER_NODE, 1024)


def peak_flops_per_s(chip: ChipSpec, precision: str) -> float:
    """Dense peak FLOP/s of `chip` at `precision` ('bf16' or 'fp8')."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    tflops = chip.bf16_tflops if precision == "bf16" else chip.fp8_tflops
    if not tflops:
        raise ValueError(f"chip {chip.id} has no {precision.upper()} throughput; use bf16")
    return tflops * 1e12
