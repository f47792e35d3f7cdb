"""`plan estimate`: GPU-hours, time, MFU, goodput, energy, carbon and cloud cost of one training run."""

from __future__ import annotations

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
@click.option("--measured-tokens-per-s", "measured_text", default=None, metavar="FLOAT",
              help="Your stack's measured tokens/s per GPU on this run and --gpus: prints the ratio to the model's "
                   "(policy.mfu_factor for plans).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--catalog", "catalog_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Catalog directory (default: the bundled catalog).")
def estimate(params_text, tokens_text, chip_name, gpus_text, pick, active_text, precision, method, seq_text,
             measured_text, fmt, catalog_dir):
    """Estimate one training run on one chip, priced at the cheapest on-demand cloud offer.

    \b
    Examples:
      plan estimate --params 70e9 --tokens 2e12 --chip A100-80GB --gpus 2048
      plan estimate --params 671e9 --active-params 37e9 --tokens 14.8e12 --chip H100 --precision fp8
      plan estimate --params 65e9 --tokens 1e8 --chip L40S --method qlora --format json
      plan estimate --params 7e9 --tokens 1e11 --chip H100 --gpus 64 --measured-tokens-per-s 5500
    """
    from planner.catalog import load_catalog
    from planner.run_estimate import estimate_run

    params = _count("--params", params_text, MIN_PLAUSIBLE_PARAMS, "e9")
    tokens = _count("--tokens", tokens_text, MIN_PLAUSIBLE_TOKENS, "e12")
    active = None if active_text is None else _count("--active-params", active_text, MIN_PLAUSIBLE_PARAMS, "e9")
    seq_len = _integer("--seq-len", seq_text)
    gpus = None if gpus_text is None else _integer("--gpus", gpus_text)
    measured = None if measured_text is None else _number("--measured-tokens-per-s", measured_text)
    result = estimate_run(load_catalog(catalog_dir), params, tokens, chip_name, gpus=gpus, active_params=active,
                          precision=precision, method=method, seq_len=seq_len, pick=pick,
                          measured_tokens_per_s_per_gpu=measured)
    click.echo(result.model_dump_json(indent=2) if fmt == "json" else _table(result.model_dump()))


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


def _table(r: dict) -> str:
    from planner.units import duration

    offer = r["offer"]
    if offer is None:
        cost = "n/a (see note)"
    else:
        cost = (f"${r['cost_usd']:,.0f} on-demand at {offer['offer_id']} "
                f"(${offer['usd_per_gpu_hour']:.2f}/GPU-hour, {offer['as_of']})")
    lines = [
        ("chip", f"{r['chip']} × {r['gpus']:,} ({r['precision']}, {r['method']})"),
        ("FLOPs", f"{r['flops']:.3g}"),
        ("GPU-hours", f"{r['gpu_hours']:,.0f}"),
        ("wall-clock", duration(r["wall_clock_days"])),
        ("MFU", f"{r['mfu']:.1%} ({r['tokens_per_s_per_gpu']:,.0f} tokens/s per GPU without failures)"),
        ("goodput", f"{r['goodput']:.1%}"),
        ("memory/GPU", f"{r['memory_per_gpu_gb']:.1f} GB"),
        ("layout", _layout_text(r["layout"])),
        ("batch", f"{r['layout']['global_batch_tokens']:,.0f} tokens × {r['layout']['steps']:,.0f} steps "
                  f"(largest useful cluster {r['largest_useful_gpus']:,} GPUs)"),
        ("time split", ", ".join(f"{k.replace('_', ' ')} {v / sum(r['hours_split'].values()):.0%}"
                                 for k, v in r["hours_split"].items())),
        ("energy", f"{_amount(r['energy_mwh'])} MWh facility (accelerators alone "
                   f"{_amount(r['accelerator_energy_mwh'])} MWh)"),
        ("carbon", f"{_amount(r['tco2e'])} tCO2e"),
        ("cost", cost),
    ]
    text = "\n".join(f"{name:<11} {value}" for name, value in lines)
    return text + "".join(f"\nnote: {note}" for note in r["notes"])


def _layout_text(lay: dict) -> str:
    text = (f"TP {lay['tp']}" + (f" × CP {lay['cp']}" if lay.get("cp", 1) > 1 else "")
            + f" × PP {lay['pp']} × DP {lay['dp']}" + (f" (EP {lay['ep']})" if lay["ep"] > 1 else "")
            + f", micro-batch {lay['micro_batch']} × {lay['grad_accum']} accumulation, ZeRO-{lay['zero']}")
    return text + (", activation recomputation" if lay["recompute"] else "")


def _amount(value: float) -> str:
    """Thousands separators for large values, three significant digits for small ones."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
