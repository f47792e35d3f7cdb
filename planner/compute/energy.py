"""Facility energy per accelerator-hour (Epoch AI's training-cost energy model).

    kWh per accelerator-hour = P_board · f_avg · m_server · PUE / 1000

P_board: the chip's board power in W, `Chip.power_w` (the TDP; for TPU v4 the measured maximum;
  where the vendor publishes none, the catalog's estimate at the H100's TFLOP/s per W).
f_avg: average draw during training ÷ TDP, 0.75 for GPUs and other non-TPU accelerators, 0.43
  for TPUs.
m_server: server power per accelerator ÷ accelerator power (CPUs, memory, NICs, fans), 1.8 for
  GPU servers (DGX H100 1.82, DGX A100 2.03), 1.56 for TPU hosts.
Source for f_avg and m_server: Cottier et al. 2024, "The rising costs of training frontier AI
models" (arXiv 2405.21015) §2.3 and its code, epoch-research/training-cost-trends energy.py.
PUE and grid carbon intensity come from the site (catalogs/sites.csv).
"""

from __future__ import annotations

from planner.compute._checks import check_range
from planner.compute.chip import ChipSpec

AVG_POWER_FRACTION = {"gpu": 0.75, "tpu": 0.43}
SERVER_POWER_MULTIPLIER = {"gpu": 1.8, "tpu": 1.56}


def system_power_w(chip: ChipSpec) -> float:
    """Average wall power per accelerator during training, host share included, before PUE."""
    kind = "tpu" if chip.vendor == "Google" else "gpu"
    return chip.power_w * AVG_POWER_FRACTION[kind] * SERVER_POWER_MULTIPLIER[kind]


def accelerator_energy_kwh(chip: ChipSpec, accelerator_hours: float) -> float:
    """Energy drawn by the accelerators alone, P_board · f_avg per hour: what GPU-power figures
    such as OLMo 2's "131 MWh GPU power" count (no host, no PUE)."""
    check_range("accelerator_hours", accelerator_hours, 0.0, 1e12)
    kind = "tpu" if chip.vendor == "Google" else "gpu"
    return accelerator_hours * chip.power_w * AVG_POWER_FRACTION[kind] / 1000.0


def energy_kwh(chip: ChipSpec, accelerator_hours: float, pue: float) -> float:
    """Facility energy in kWh (accelerators, hosts and cooling: what Patterson et al. 2021 and
    Luccioni et al. 2022 count) of `accelerator_hours` hours of `chip` at a site with `pue`."""
    check_range("accelerator_hours", accelerator_hours, 0.0, 1e12)
    check_range("pue", pue, 1.0, 3.0)
    return accelerator_hours * system_power_w(chip) * pue / 1000.0
