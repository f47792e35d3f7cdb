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
from planner.limits import MFU_FACTOR_MAX
from planner.results import Layout

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
    layout: Layout = Field(description="The fastest feasible parallel layout (planner.compute.layout).")
    hours_split: dict[str, float] = Field(description="Wall-clock hours by cause: compute, memory_bound, "
                                                      "exposed_comm, bubble, failures.")
    largest_useful_gpus: int = Field(description="Most accelerators the global batch can keep busy.")
    calibrated: bool = Field(description="False when no measured throughput backs the chip's efficiency.")
    accelerator_energy_mwh: float = Field(description="Accelerator energy alone, MWh (no host, no PUE).")
    energy_mwh: float = Field(description="Facility energy, MWh (host power and PUE included).")
    tco2e: float = Field(description="Emissions, tonnes CO2e.")
    tokens_per_s_per_gpu: float = Field(description="Predicted training throughput without failures, tokens per "
                                                    "second per accelerator.")
    mfu_factor: float | None = Field(None, description="Measured over predicted tokens/s per accelerator, when a "
                                                       "measurement is given: the chip's scenario policy.mfu_factor.")
    cost_usd: float | None = Field(description="On-demand cloud cost in whole instances, USD (null: no offer).")
    offer: EstimateOffer | None = Field(description="The cheapest on-demand offer that prices the run.")
    notes: list[str]


def estimate_run(catalog: Catalog, params: float, tokens: float, chip: str, gpus: int | None = None,
                 active_params: float | None = None, precision: str = "bf16", method: str = "full",
                 seq_len: int = 4096, pick: Literal["cheapest", "fastest"] = "cheapest",
                 measured_tokens_per_s_per_gpu: float | None = None) -> RunEstimate:
    """Estimate one run, priced at the cheapest on-demand offer for the chip (bad input: InputError).

    Without `gpus`, the cluster is the cheapest (or fastest, `pick`) of the sizes from the smallest
    that fits to the largest the batch can use, on the offers able to supply it. With a measured
    throughput of the same run (tokens/s per accelerator, on `gpus` of them), the result gives the
    ratio measured / predicted: the chip's policy.mfu_factor for plans on that stack."""
    if measured_tokens_per_s_per_gpu is not None and not gpus:
        raise InputError("--measured-tokens-per-s", "a measurement is of one cluster size",
                         "give the --gpus it was measured on")
    from planner import compute
    from planner.compute.chip import MAX_GPUS
    from planner.workload import Workload

    active = params if active_params is None else active_params
    if active > params:
        raise InputError("--active-params", f"{active:g} is more than --params {params:g}",
                         "active parameters are at most the total (equal for dense models)")
    spec = catalog.chips[resolve_chip(chip, catalog.chips)]
    if precision == "fp8" and spec.fp8_tflops is None:
        raise InputError("--precision fp8", f"chip {spec.id} has no FP8 support", "use --precision bf16")
    workload = Workload(method, params, active, tokens, seq_len=seq_len)
    offers = [o for o in catalog.offers.values() if o.chip == spec.id]

    def run(n: int, offer):
        site = catalog.sites[offer.site] if offer else None
        kwargs = {} if site is None else {"pue": site.pue, "carbon_g_per_kwh": site.carbon_g_per_kwh}
        result = compute.estimate(workload, spec, n, precision, gpus_per_node=offer.gpus_per_node if offer else None,
                                  scaleout_gbps_per_node=offer.scaleout_gbps_per_node if offer else None, **kwargs)
        return result, offer, site

    try:
        if gpus:
            result, offer, site = run(gpus, _cheapest_offer(offers, gpus))
            sizes = None
        else:
            sizes = _sizes(workload, spec, compute)
            if not sizes:
                raise ValueError(f"the run does not fit in memory on any cluster of up to {MAX_GPUS:,} {spec.id} "
                                 "that its batch can use; use a chip with more memory, a shorter --seq-len, "
                                 "or --method lora or qlora")
            tried = [run(n, offer) for n in sizes for offer in _able(offers, n) or [_cheapest_offer(offers, n)]]
            # with no offer to price it, the cheapest is the run with the fewest GPU-hours (said in the notes)
            key = ((lambda t: (_cost(*t[:2]) if t[1] else math.inf, t[0].gpu_hours, t[0].n_gpus)) if pick == "cheapest"
                   else (lambda t: (t[0].wall_clock_days, t[0].n_gpus)))
            result, offer, site = min(tried, key=key)
    except ValueError as exc:
        raise InputError("plan estimate", str(exc)) from None
    report = _report(result, method, offer, site, offers, tokens)
    if measured_tokens_per_s_per_gpu is not None:
        factor = measured_tokens_per_s_per_gpu / report.tokens_per_s_per_gpu
        if report.mfu * factor >= 1.0 or factor > MFU_FACTOR_MAX:
            raise InputError("--measured-tokens-per-s", f"{measured_tokens_per_s_per_gpu:g} tokens/s per GPU is "
                             f"{factor:.2f} times the model's {report.tokens_per_s_per_gpu:,.0f}, "
                             f"{report.mfu * factor:.0%} MFU",
                             f"give tokens/s per GPU (not per node or cluster) of this run; factors up to "
                             f"{MFU_FACTOR_MAX:g} below 100 % MFU are accepted")
        report.mfu_factor = factor
        report.notes.append(
            f"measured {measured_tokens_per_s_per_gpu:,.0f} tokens/s per GPU against the model's "
            f"{report.tokens_per_s_per_gpu:,.0f}: plan on this stack with "
            f"--set 'policy.mfu_factor={{{report.chip}: {report.mfu_factor:.2f}}}'")
    if sizes:
        unpriced = pick == "cheapest" and offer is None
        report.notes.append(f"cluster size picked as the {'fewest GPU-hours (no offer prices it)' if unpriced else pick} of {', '.join(f'{n:,}' for n in sizes)} GPUs "
                            f"(from the smallest that fits to the largest the batch can use, "
                            f"{result.max_useful_gpus:,})")
    return report


def _sizes(workload, chip, compute) -> list[int]:
    """Cluster sizes to compare: the smallest that fits, doubling, and the largest the batch can use."""
    smallest = compute.min_gpus(workload, chip)
    if smallest is None:
        return []
    largest = compute.largest_useful_gpus(workload, chip)
    node = chip.gpus_per_node or 8
    sizes, n = [], smallest
    while n <= largest:
        sizes.append(n)
        n *= 2
    top = largest // node * node if largest >= node else largest
    if sizes and top > sizes[-1]:
        sizes.append(top)
    return sizes


def _able(offers, gpus: int) -> list:
    return [o for o in offers if math.ceil(gpus / o.gpus_per_node) <= o.max_nodes]


def _cost(result, offer) -> float:
    return _billed_gpus(offer, result.n_gpus) * result.gpu_hours / result.n_gpus * offer.on_demand_usd_per_gpu_hour


def _billed_gpus(offer, gpus: int) -> int:
    return math.ceil(gpus / offer.gpus_per_node) * offer.gpus_per_node


def _cheapest_offer(offers, gpus: int):
    """The lowest on-demand bill for `gpus` GPUs in whole instances: among the offers that can
    supply them (max_nodes instances), else among all multi-GPU offers (flagged in the notes)."""
    pool = _able(offers, gpus) or [o for o in offers if o.gpus_per_node > 1]
    return min(pool, key=lambda o: (_billed_gpus(o, gpus) * o.on_demand_usd_per_gpu_hour, o.offer_id), default=None)


def _report(result, method: str, offer, site, offers, tokens: float) -> RunEstimate:
    from planner.compute.stage import DEFAULT_CARBON_G_PER_KWH, DEFAULT_PUE, layout_summary

    notes = list(result.notes)
    cost = None
    if offer is None:
        why = (f"no {result.chip} offer can supply {result.n_gpus:,} GPUs" if offers
               else f"no cloud offer for {result.chip} in the catalog")
        notes.append(f"{why}: no cost; energy and carbon use PUE {DEFAULT_PUE} and "
                     f"{DEFAULT_CARBON_G_PER_KWH:g} gCO2/kWh (US 2023 average)")
    else:
        billed = _billed_gpus(offer, result.n_gpus)
        cost = _cost(result, offer)
        if billed != result.n_gpus:
            notes.append(f"billed for {billed} GPUs: whole {offer.gpus_per_node}-GPU instances")
        if billed > offer.max_nodes * offer.gpus_per_node:
            notes.append(f"{billed:,} GPUs exceed the catalog's capacity for {offer.offer_id} "
                         f"({offer.max_nodes} instances: {offer.capacity_basis()}); no {result.chip} offer lists that many")
    return RunEstimate(
        chip=result.chip, gpus=result.n_gpus, precision=result.precision, method=method, flops=result.flops,
        gpu_hours=result.gpu_hours, wall_clock_days=result.wall_clock_days, mfu=result.mfu, goodput=result.goodput,
        memory_per_gpu_gb=result.memory_per_gpu_gb, energy_mwh=result.energy_mwh, tco2e=result.tco2e,
        layout=Layout(**dict(layout_summary(result))), hours_split=result.hours_split,
        largest_useful_gpus=result.max_useful_gpus, calibrated=result.calibrated,
        accelerator_energy_mwh=result.accelerator_energy_mwh,
        tokens_per_s_per_gpu=tokens / (result.gpu_hours * result.goodput * 3600.0), cost_usd=cost, notes=notes,
        offer=None if offer is None else EstimateOffer(
            offer_id=offer.offer_id, provider=offer.provider, region=offer.Region, instance=offer.InstanceType,
            usd_per_gpu_hour=offer.on_demand_usd_per_gpu_hour, site=site.id, as_of=str(offer.as_of)),
    )
