"""One training run on one chip: GPU-hours, time, MFU, goodput, energy, carbon and on-demand cost.

`plan estimate` and `planner.estimate` both call `estimate_run`; its result is the typed,
versioned `RunEstimate` (the JSON schema docs/schema/estimate.json).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.catalog import Catalog, resolve_chip
from planner.errors import InputError

SCHEMA_VERSION = 1


class EstimateOffer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    offer_id: str
    provider: str
    region: str
    instance: str = Field(description="Cloud instance type.")
    usd_per_gpu_hour: float = Field(description="On-demand price per GPU-hour, USD.")
    site: str = Field(description="Site id whose PUE and grid carbon intensity price the energy and carbon.")
    as_of: str = Field(description="Date of the price.")


class RunEstimate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    schema_version: int = SCHEMA_VERSION
    chip: str
    gpus: int = Field(description="Accelerators in the run.")
    precision: Literal["bf16", "fp8"]
    method: Literal["full", "lora", "qlora"]
    flops: float = Field(description="Training FLOPs of the run.")
    gpu_hours: float = Field(description="Accelerator-hours, failures and restarts included.")
    wall_clock_days: float = Field(description="Days from start to end.")
    mfu: float = Field(description="Model FLOPs utilisation, fraction 0-1.")
    goodput: float = Field(description="Fraction of wall-clock time spent on useful training, 0-1.")
    memory_per_gpu_gb: float = Field(description="Training memory per GPU, GB.")
    energy_mwh: float = Field(description="Facility energy, MWh (PUE included).")
    tco2e: float = Field(description="Emissions, tonnes CO2e.")
    cost_usd: float | None = Field(description="On-demand cloud cost in whole instances, USD (null: no offer).")
    offer: EstimateOffer | None = Field(description="The cheapest on-demand offer that prices the run.")
    notes: list[str]


def estimate_run(catalog: Catalog, params: float, tokens: float, chip: str, gpus: int | None = None,
                 active_params: float | None = None, precision: str = "bf16", method: str = "full",
                 seq_len: int = 4096) -> RunEstimate:
    """Estimate one run, priced at the cheapest on-demand offer for the chip (bad input: InputError)."""
    from planner import compute
    from planner.compute.chip import MAX_GPUS
    from planner.compute.stage import DEFAULT_CARBON_G_PER_KWH, DEFAULT_PUE
    from planner.workload import Workload

    active = params if active_params is None else active_params
    if active > params:
        raise InputError("--active-params", f"{active:g} is more than --params {params:g}",
                         "active parameters are at most the total (equal for dense models)")
    spec = catalog.chips[resolve_chip(chip, catalog.chips)]
    if precision == "fp8" and spec.fp8_tflops is None:
        raise InputError("--precision fp8", f"chip {spec.id} has no FP8 support", "use --precision bf16")
    workload = Workload(method, params, active, tokens, seq_len=seq_len)
    try:
        gpus = gpus or compute.min_gpus(workload, spec)
        if gpus is None:
            raise ValueError(f"the run does not fit in memory on any cluster of up to {MAX_GPUS:,} {spec.id}; "
                             "use a chip with more memory, a shorter --seq-len, or --method lora or qlora")
        offers = [o for o in catalog.offers.values() if o.chip == spec.id]
        offer = _cheapest_offer(offers, gpus)
        site = catalog.sites[offer.site] if offer else None
        result = compute.estimate(
            workload, spec, gpus, precision,
            pue=site.pue if site else DEFAULT_PUE,
            carbon_g_per_kwh=site.carbon_g_per_kwh if site else DEFAULT_CARBON_G_PER_KWH,
        )
    except ValueError as exc:
        raise InputError("plan estimate", str(exc)) from None
    return _report(result, method, offer, site, offers)


def _billed_gpus(offer, gpus: int) -> int:
    return math.ceil(gpus / offer.gpus_per_node) * offer.gpus_per_node


def _cheapest_offer(offers, gpus: int):
    """The lowest on-demand bill for `gpus` GPUs in whole instances: among the offers that can
    supply them (max_nodes instances), else among all multi-GPU offers (flagged in the notes)."""
    able = [o for o in offers if math.ceil(gpus / o.gpus_per_node) <= o.max_nodes]
    pool = able or [o for o in offers if o.gpus_per_node > 1]
    return min(pool, key=lambda o: (_billed_gpus(o, gpus) * o.on_demand_usd_per_gpu_hour, o.offer_id), default=None)


def _report(result, method: str, offer, site, offers) -> RunEstimate:
    from planner.compute.stage import DEFAULT_CARBON_G_PER_KWH, DEFAULT_PUE

    notes = list(result.notes)
    cost = None
    if offer is None:
        why = (f"no {result.chip} offer can supply {result.n_gpus:,} GPUs" if offers
               else f"no cloud offer for {result.chip} in the catalog")
        notes.append(f"{why}: no cost; energy and carbon use PUE {DEFAULT_PUE} and "
                     f"{DEFAULT_CARBON_G_PER_KWH:g} gCO2/kWh (US 2023 average)")
    else:
        billed = _billed_gpus(offer, result.n_gpus)
        cost = billed * result.gpu_hours / result.n_gpus * offer.on_demand_usd_per_gpu_hour
        if billed != result.n_gpus:
            notes.append(f"billed for {billed} GPUs: whole {offer.gpus_per_node}-GPU instances")
        if billed > offer.max_nodes * offer.gpus_per_node:
            notes.append(f"{billed:,} GPUs exceed the catalog's capacity assumption for {offer.offer_id} "
                         f"({offer.max_nodes} instances); no {result.chip} offer lists that many")
    return RunEstimate(
        chip=result.chip, gpus=result.n_gpus, precision=result.precision, method=method, flops=result.flops,
        gpu_hours=result.gpu_hours, wall_clock_days=result.wall_clock_days, mfu=result.mfu, goodput=result.goodput,
        memory_per_gpu_gb=result.memory_per_gpu_gb, energy_mwh=result.energy_mwh, tco2e=result.tco2e,
        cost_usd=cost, notes=notes,
        offer=None if offer is None else EstimateOffer(
            offer_id=offer.offer_id, provider=offer.provider, region=offer.Region, instance=offer.InstanceType,
            usd_per_gpu_hour=offer.on_demand_usd_per_gpu_hour, site=site.id, as_of=str(offer.as_of)),
    )
