"""`plan estimate`: GPU-hours, time, MFU, goodput, energy, carbon and cloud cost of one training run."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from planner.errors import InputError

# Below these the user almost certainly typed billions/trillions without the exponent.
MIN_PLAUSIBLE_PARAMS = 1e6
MIN_PLAUSIBLE_TOKENS = 1e4


@click.command()
@click.option("--params", "params_text", required=True, metavar="FLOAT", help="Total parameters, e.g. 70e9.")
@click.option("--tokens", "tokens_text", required=True, metavar="FLOAT", help="Training tokens, e.g. 2e12.")
@click.option("--chip", "chip_name", required=True, metavar="NAME", help="Accelerator, e.g. H100, A100-80GB, tpu-v5p.")
@click.option("--gpus", "gpus_text", default=None, metavar="INT",
              help="Accelerators. Default: the cluster chosen by --pick among those that fit and that the batch can use.")
@click.option("--pick", type=click.Choice(["cheapest", "fastest"]), default="cheapest", show_default=True,
              help="Without --gpus: the cluster size with the lowest on-demand cost, or the shortest time.")
@click.option("--active-params", "active_text", default=None, metavar="FLOAT", help="Parameters used per token (mixture-of-experts). Default: --params.")
@click.option("--precision", type=click.Choice(["bf16", "fp8"]), default="bf16", show_default=True)
@click.option("--method", type=click.Choice(["full", "lora", "qlora"]), default="full", show_default=True,
              help="Full training (Adam), LoRA (frozen bf16 base) or QLoRA (frozen NF4 base).")
@click.option("--seq-len", "seq_text", default="4096", show_default=True, metavar="INT", help="Tokens per training sequence.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--catalog", "catalog_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Catalog directory (default: the bundled catalog).")
def estimate(params_text, tokens_text, chip_name, gpus_text, pick, active_text, precision, method, seq_text, fmt,
             catalog_dir):
    """Estimate one training run on one chip, priced at the cheapest on-demand cloud offer.

    \b
    Examples:
      plan estimate --params 70e9 --tokens 2e12 --chip A100-80GB --gpus 2048
      plan estimate --params 671e9 --active-params 37e9 --tokens 14.8e12 --chip H100 --precision fp8
      plan estimate --params 65e9 --tokens 1e8 --chip L40S --method qlora --format json
    """
    from planner import compute
    from planner.catalog import load_catalog, resolve_chip
    from planner.compute.chip import MAX_GPUS
    from planner.compute.stage import DEFAULT_CARBON_G_PER_KWH, DEFAULT_PUE
    from planner.workload import Workload

    params = _count("--params", params_text, MIN_PLAUSIBLE_PARAMS, "e9")
    tokens = _count("--tokens", tokens_text, MIN_PLAUSIBLE_TOKENS, "e12")
    active = params if active_text is None else _count("--active-params", active_text, MIN_PLAUSIBLE_PARAMS, "e9")
    if active > params:
        raise InputError("--active-params", f"{active:g} is more than --params {params:g}",
                         "active parameters are at most the total (equal for dense models)")
    seq_len = _integer("--seq-len", seq_text)
    gpus = None if gpus_text is None else _integer("--gpus", gpus_text)
    cat = load_catalog(catalog_dir)
    chip = cat.chips[resolve_chip(chip_name, cat.chips)]
    if precision == "fp8" and chip.fp8_tflops is None:
        raise InputError("--precision fp8", f"chip {chip.id} has no FP8 support", "use --precision bf16")
    workload = Workload(method, params, active, tokens, seq_len=seq_len)
    offers = [o for o in cat.offers.values() if o.chip == chip.id]

    def run(n: int, offer):
        site = cat.sites[offer.site] if offer else None
        result = compute.estimate(
            workload, chip, n, precision,
            pue=site.pue if site else DEFAULT_PUE,
            carbon_g_per_kwh=site.carbon_g_per_kwh if site else DEFAULT_CARBON_G_PER_KWH,
            gpus_per_node=offer.gpus_per_node if offer else None,
            scaleout_gbps_per_node=offer.scaleout_gbps_per_node if offer else None,
        )
        return result, offer, site

    try:
        if gpus:
            result, offer, site = run(gpus, _cheapest_offer(offers, gpus))
        else:
            sizes = _sizes(workload, chip, compute)
            if not sizes:
                raise ValueError(f"the run does not fit in memory on any cluster of up to {MAX_GPUS:,} {chip.id} "
                                 "that its batch can use; use a chip with more memory, a shorter --seq-len, "
                                 "or --method lora or qlora")
            tried = [run(n, offer) for n in sizes for offer in _able(offers, n) or [_cheapest_offer(offers, n)]]
            key = ((lambda t: (_cost(*t[:2]) if t[1] else math.inf, t[0].n_gpus)) if pick == "cheapest"
                   else (lambda t: (t[0].wall_clock_days, t[0].n_gpus)))
            result, offer, site = min(tried, key=key)
    except ValueError as exc:
        raise InputError("plan estimate", str(exc)) from None
    report = _report(result, method, offer, site, offers)
    if not gpus:
        report["notes"].append(f"cluster size picked as the {pick} of {', '.join(f'{n:,}' for n in sizes)} GPUs "
                               f"(from the smallest that fits to the largest the batch can use, "
                               f"{result.max_useful_gpus:,})")
    click.echo(json.dumps(report, indent=2) if fmt == "json" else _table(report))


def _count(flag: str, text: str, minimum: float, unit: str) -> float:
    value = _number(flag, text)
    if value < minimum:
        raise InputError(flag, f"{value:g} is implausibly small", f"did you mean {value:g}{unit}?")
    return value


def _number(flag: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(flag, f"{text!r} is not a number", "give a number such as 7e9") from None
    if not math.isfinite(value) or value <= 0:
        raise InputError(flag, f"{text!r} is not a positive finite number", "give a number above zero")
    return value


def _integer(flag: str, text: str) -> int:
    value = _number(flag, text)
    if value != int(value):
        raise InputError(flag, f"{text!r} is not a whole number", "give a whole number")
    return int(value)


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
    if top > sizes[-1]:
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


def _report(result, method: str, offer, site, offers) -> dict:
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
        cost = _cost(result, offer)
        if billed != result.n_gpus:
            notes.append(f"billed for {billed} GPUs: whole {offer.gpus_per_node}-GPU instances")
        if billed > offer.max_nodes * offer.gpus_per_node:
            notes.append(f"{billed:,} GPUs exceed the catalog's capacity assumption for {offer.offer_id} "
                         f"({offer.max_nodes} instances); no {result.chip} offer lists that many")
    return {
        "chip": result.chip,
        "gpus": result.n_gpus,
        "precision": result.precision,
        "method": method,
        "flops": result.flops,
        "gpu_hours": result.gpu_hours,
        "wall_clock_days": result.wall_clock_days,
        "mfu": result.mfu,
        "goodput": result.goodput,
        "memory_per_gpu_gb": result.memory_per_gpu_gb,
        "layout": _layout(result),
        "hours_split": result.hours_split,
        "largest_useful_gpus": result.max_useful_gpus,
        "calibrated": result.calibrated,
        "accelerator_energy_mwh": result.accelerator_energy_mwh,
        "energy_mwh": result.energy_mwh,
        "tco2e": result.tco2e,
        "cost_usd": cost,
        "offer": None if offer is None else {
            "offer_id": offer.offer_id,
            "provider": offer.provider,
            "region": offer.Region,
            "instance": offer.InstanceType,
            "usd_per_gpu_hour": offer.on_demand_usd_per_gpu_hour,
            "site": site.id,
            "as_of": offer.as_of,
        },
        "notes": notes,
    }


def _layout(result) -> dict:
    lay = result.layout
    return {"tp": lay.tp, "pp": lay.pp, "dp": lay.dp, "ep": lay.ep, "micro_batch": lay.micro_batch,
            "grad_accum": lay.grad_accum, "zero": lay.zero, "recompute": lay.recompute,
            "global_batch_tokens": result.batch_tokens, "steps": result.steps}


def _table(r: dict) -> str:
    offer = r["offer"]
    if offer is None:
        cost = "n/a (see note)"
    else:
        cost = (f"${r['cost_usd']:,.0f} on-demand at {offer['offer_id']} "
                f"(${offer['usd_per_gpu_hour']:.2f}/GPU-hour, {offer['as_of']})")
    lines = [
        ("chip", f"{r['chip']} x {r['gpus']:,} ({r['precision']}, {r['method']})"),
        ("FLOPs", f"{r['flops']:.3g}"),
        ("GPU-hours", f"{r['gpu_hours']:,.0f}"),
        ("wall-clock", f"{r['wall_clock_days']:,.1f} days"),
        ("MFU", f"{r['mfu']:.1%}"),
        ("goodput", f"{r['goodput']:.1%}"),
        ("memory/GPU", f"{r['memory_per_gpu_gb']:.1f} GB"),
        ("layout", _layout_text(r["layout"])),
        ("batch", f"{r['layout']['global_batch_tokens']:,.0f} tokens x {r['layout']['steps']:,.0f} steps "
                  f"(largest useful cluster {r['largest_useful_gpus']:,} GPUs)"),
        ("time split", ", ".join(f"{k.replace('_', ' ')} {_share(v, r['hours_split'])}" for k, v in r["hours_split"].items())),
        ("energy", f"{_amount(r['energy_mwh'])} MWh facility (accelerators alone {_amount(r['accelerator_energy_mwh'])} MWh)"),
        ("carbon", f"{_amount(r['tco2e'])} tCO2e"),
        ("cost", cost),
    ]
    text = "\n".join(f"{name:<11} {value}" for name, value in lines)
    return text + "".join(f"\nnote: {note}" for note in r["notes"])


def _layout_text(lay: dict) -> str:
    text = (f"TP {lay['tp']} x PP {lay['pp']} x DP {lay['dp']}" + (f" (EP {lay['ep']})" if lay["ep"] > 1 else "")
            + f", micro-batch {lay['micro_batch']} x {lay['grad_accum']} accumulation, ZeRO-{lay['zero']}")
    return text + (", activation recomputation" if lay["recompute"] else "")


def _share(value: float, split: dict) -> str:
    return f"{value / sum(split.values()):.0%}"


def _amount(value: float) -> str:
    """Thousands separators for large values, three significant digits for small ones."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
