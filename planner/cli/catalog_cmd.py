"""`plan catalog list|import`: show the catalog tables, or import cloud offers from SkyPilot."""

from __future__ import annotations

import json
from pathlib import Path

import click

from planner.catalog import FILES, load_catalog
from planner.catalog.cells import neutralise
from planner.cli.run_cmd import distinct_files, output_path
from planner.errors import InputError, printable

SHARED_COLUMNS = ["notes", "source", "as_of"]


@click.group()
def catalog():
    """Inspect the catalogs (chips, offers, hardware, sites, models) or import cloud offers."""


@catalog.command("list")
@click.argument("table", required=False, type=click.Choice(list(FILES)))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="table hides the notes and source columns; json and csv show everything.")
@click.option("--catalog", "catalog_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Catalog directory (default: the bundled catalog).")
def list_(table, fmt, catalog_dir):
    """Print one catalog table, or without TABLE the number of rows in each.

    \b
    Examples:
      plan catalog list                   # row counts
      plan catalog list offers            # cloud offers, with USD per GPU-hour
      plan catalog list chips --format json
    """
    cat = load_catalog(catalog_dir)
    if table is None:
        counts = {name: len(getattr(cat, name)) for name in FILES}
        if fmt == "json":
            click.echo(json.dumps(counts, indent=2))
        elif fmt == "csv":
            click.echo("\n".join(["table,rows", *(f"{name},{count}" for name, count in counts.items())]))
        else:
            click.echo("\n".join(f"{name:<9} {count:>4} rows" for name, count in counts.items()))
        return
    rows = [row.model_dump(mode="json") for row in getattr(cat, table).values()]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    frame = _frame(table, rows, cat)
    if fmt == "csv":  # formula-like text neutralised for spreadsheets (planner.catalog.cells)
        click.echo(frame.map(neutralise).to_csv(index=False, lineterminator="\n"), nl=False)
    else:
        shown = frame.drop(columns=["notes", "source"]).convert_dtypes().astype(object)
        click.echo(shown.where(shown.notna(), "").to_string(index=False))


def _frame(table, rows, cat):
    import pandas as pd

    model = FILES[table][1]
    columns = [name for name in model.model_fields if name not in SHARED_COLUMNS] + SHARED_COLUMNS
    frame = pd.DataFrame(rows, columns=columns)
    if table == "offers":
        offers = list(cat.offers.values())
        at = columns.index("Price")
        frame.insert(at, "usd_per_gpu_hour", [o.on_demand_usd_per_gpu_hour for o in offers])
        frame.insert(at + 1, "spot_usd_per_gpu_hour", [o.spot_usd_per_gpu_hour for o in offers])
    return frame


@catalog.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--provider", required=True, help="Provider name for the offers, e.g. AWS, GCP, Lambda.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, callback=output_path,
              help="Write the offers here (replaced atomically; its folder must exist). Default: standard output.")
@click.option("--as-of", "as_of", default=None, help="Date of the prices, YYYY-MM[-DD]. Default: today.")
@click.option("--default-site", default=None,
              help="Site id for regions with no known site (else their rows are skipped).")
def import_(file, provider, out, as_of, default_site):
    """Convert a SkyPilot vms.csv FILE into an offers.csv file.

    Keeps instances whose accelerator is in chips.csv, one row per instance type and region at the
    cheapest availability zone's prices; prints what was skipped and why on standard error.

    \b
    Example:
      plan catalog import vms.csv --provider AWS --out my_catalog/offers.csv
    """
    from planner.catalog.skypilot import import_skypilot
    from planner.report import write_atomic

    distinct_files(FILE=file, **{"--out": out})
    offers = import_skypilot(file, provider, as_of=as_of, default_site=default_site)
    report = {reason: count for reason, count in offers.attrs["report"].items() if count}
    if offers.empty:
        reasons = "; ".join(f"{count} {reason}" for reason, count in report.items())
        raise InputError(str(file), f"no usable offers in the file ({reasons or 'no rows'})",
                         "give a SkyPilot vms.csv with GPU instances the chips catalog knows; nothing was written")
    for reason, count in report.items():
        click.echo(f"{count:>6}  {printable(reason)}", err=True)
    text = offers.map(neutralise).to_csv(index=False, lineterminator="\n")
    if out is None:
        click.echo(text, nl=False)
    else:
        write_atomic(out, text, "--out")
        click.echo(f"wrote {len(offers)} offers to {printable(str(out))}", err=True)

