"""`plan catalog list|import`: show the catalog tables, or import cloud offers from SkyPilot."""

from __future__ import annotations

from pathlib import Path

import click

from planner.cli.run_cmd import distinct_files, output_path
from planner.errors import InputError, printable

SHARED_COLUMNS = ["notes", "source", "as_of"]
# planner.catalog.FILES's keys, spelled out so that `plan --help` need not import the catalog
# (pydantic, pandas); tests/test_units.py checks they agree.
TABLES = ["chips", "offers", "hardware", "sites", "models"]
SORT_KEYS = ["usd_per_gpu_hour", "spot_usd_per_gpu_hour", "provider", "region", "chip"]


@click.group()
def catalog():
    """Inspect the catalogs (chips, offers, hardware, sites, models) or import cloud offers."""


@catalog.command("list")
@click.argument("table", required=False, type=click.Choice(TABLES))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="table hides the notes and source columns; json and csv show everything.")
@click.option("--catalog", "catalog_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Catalog directory (default: the bundled catalog).")
@click.option("--chip", help="offers: only this chip, e.g. H100.")
@click.option("--provider", help="offers: only this provider, e.g. AWS.")
@click.option("--region", help="offers: only this region, e.g. us-east-1.")
@click.option("--spot", is_flag=True, help="offers: only those with a spot price.")
@click.option("--sort", "sort_by", type=click.Choice(SORT_KEYS), help="offers: sort by this column (prices ascending).")
def list_(table, fmt, catalog_dir, chip, provider, region, spot, sort_by):
    """Print one catalog table, or without TABLE the number of rows in each.

    \b
    Examples:
      plan catalog list                   # row counts
      plan catalog list offers            # cloud offers, with USD per GPU-hour
      plan catalog list chips --format json
      plan catalog list offers --chip H100 --spot --sort spot_usd_per_gpu_hour
    """
    from planner.catalog import FILES, load_catalog

    cat = load_catalog(catalog_dir)
    filters = dict(chip=chip, provider=provider, region=region, spot=spot or None, sort=sort_by)
    if table != "offers" and any(v is not None for v in filters.values()):
        given = next(k for k, v in filters.items() if v is not None)
        raise InputError(f"--{given}", "filters only the offers table", f"use: plan catalog list offers --{given} ...")
    if table == "offers":
        cat = cat.model_copy(update={"offers": {o.offer_id: o for o in select_offers(cat, **filters)}})
    counts = {name: len(getattr(cat, name)) for name in FILES}
    if fmt == "json":
        from planner.outputs import CatalogListing

        rows = list(getattr(cat, table).values()) if table else []
        click.echo(CatalogListing(table=table, counts=counts, rows=rows).model_dump_json(indent=2))
        return
    if table is None:
        if fmt == "csv":
            click.echo("\n".join(["table,rows", *(f"{name},{count}" for name, count in counts.items())]))
        else:
            click.echo("\n".join(f"{name:<9} {count:>4} rows" for name, count in counts.items()))
        return
    rows = [row.model_dump(mode="json") for row in getattr(cat, table).values()]
    frame = _frame(table, rows, cat)
    if fmt == "csv":  # formula-like text neutralised for spreadsheets (planner.catalog.cells)
        from planner.catalog.cells import neutralise

        click.echo(frame.map(neutralise).to_csv(index=False, lineterminator="\n"), nl=False)
    elif table == "offers":
        click.echo(offers_table(list(cat.offers.values())))
    else:
        shown = frame.drop(columns=["notes", "source"]).convert_dtypes().astype(object)
        click.echo(shown.where(shown.notna(), "").to_string(index=False))


def select_offers(cat, chip=None, provider=None, region=None, spot=None, sort=None) -> list:
    """The offers matching every filter given (ids case-insensitive; unknown ones: did you mean),
    sorted by `sort` (prices ascending, offers without a spot price last)."""
    from planner.catalog import resolve_chip
    from planner.errors import did_you_mean

    offers = list(cat.offers.values())
    if chip is not None:
        chip = resolve_chip(chip, cat.chips)
        offers = [o for o in offers if o.chip == chip]
    for flag, value, column in (("--provider", provider, "provider"), ("--region", region, "Region")):
        if value is not None:
            known = {getattr(o, column) for o in cat.offers.values()}
            if value.lower() not in {k.lower() for k in known}:
                raise InputError(f"{flag} {value}", "no offer has it", did_you_mean(value, known))
            offers = [o for o in offers if getattr(o, column).lower() == value.lower()]
    if spot:
        offers = [o for o in offers if o.spot_usd_per_gpu_hour is not None]
    key = {"usd_per_gpu_hour": lambda o: (o.on_demand_usd_per_gpu_hour,),
           "spot_usd_per_gpu_hour": lambda o: (o.spot_usd_per_gpu_hour is None, o.spot_usd_per_gpu_hour or 0.0),
           "provider": lambda o: (o.provider.lower(), o.Region), "region": lambda o: (o.Region, o.provider.lower()),
           "chip": lambda o: (o.chip, o.on_demand_usd_per_gpu_hour)}.get(sort)
    return sorted(offers, key=key) if key else offers


def offers_table(offers: list) -> str:
    """The offers in at most 100 columns: USD per GPU-hour on-demand, spot and reserved 1y/3y."""
    price = lambda x: "-" if x is None else f"{x:.2f}"  # noqa: E731
    header = ["provider", "region", "instance", "chip × count", "$/GPU-h", "spot", "1y", "3y", "nodes"]
    rows = [[o.provider, o.Region, _fit(o.InstanceType, 22), f"{o.chip} × {o.gpus_per_node}",
             price(o.on_demand_usd_per_gpu_hour), price(o.spot_usd_per_gpu_hour),
             price(o.reserved_1y_usd_per_gpu_hour), price(o.reserved_3y_usd_per_gpu_hour), str(o.max_nodes)]
            for o in offers]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {4, 5, 6, 7, 8}
    line = lambda r: " ".join(x.rjust(w) if i in right else x.ljust(w)  # noqa: E731
                              for i, (x, w) in enumerate(zip(r, widths))).rstrip()
    foot = "Prices in USD per GPU-hour; nodes: instances at once (assumption); --format csv: all columns"
    return "\n".join([line(header)] + [line(r) for r in rows] + ([foot] if rows else ["no offer matches"]))


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _frame(table, rows, cat):
    import pandas as pd

    from planner.catalog import FILES

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
@click.argument("file", metavar="FILE|FOLDER", type=click.Path(exists=True, path_type=Path))
@click.option("--provider", help="Provider name for a single file's offers, e.g. AWS, GCP, Lambda.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, callback=output_path,
              help="Write the offers here (replaced atomically; its folder must exist). Default: standard output.")
@click.option("--as-of", "as_of", default=None, help="Date of the prices, YYYY-MM[-DD]. Default: today.")
@click.option("--default-site", default=None,
              help="Site id for regions with no known site (else their rows are skipped).")
def import_(file, provider, out, as_of, default_site):
    """Convert a SkyPilot vms.csv FILE, or a whole SkyPilot catalog FOLDER (one <cloud>/vms.csv
    per cloud), into an offers.csv file.

    Keeps instances whose accelerator is in chips.csv, one row per instance type and region at the
    cheapest availability zone's prices; places each region at a site by catalogs/regions.csv;
    prints what was skipped and why on standard error.

    \b
    Examples:
      plan catalog import vms.csv --provider AWS --out my_catalog/offers.csv
      plan catalog import skypilot-catalog/catalogs/v8 --out my_catalog/offers.csv
    """
    from planner.catalog.skypilot import import_skypilot, import_skypilot_folder
    from planner.report import write_atomic

    distinct_files(FILE=file, **{"--out": out})
    if file.is_dir():
        if provider is not None:
            raise InputError("--provider", "a folder's providers come from its cloud folders",
                             "leave out --provider when importing a folder")
        offers = import_skypilot_folder(file, as_of=as_of, default_site=default_site)
    elif provider is None:
        raise InputError("--provider", "missing for a single vms.csv file", "add e.g. --provider AWS")
    else:
        offers = import_skypilot(file, provider, as_of=as_of, default_site=default_site)
    report = {reason: count for reason, count in offers.attrs["report"].items() if count}
    if offers.empty:
        reasons = "; ".join(f"{count} {reason}" for reason, count in report.items())
        raise InputError(str(file), f"no usable offers in the file ({reasons or 'no rows'})",
                         "give a SkyPilot vms.csv with GPU instances the chips catalog knows; nothing was written")
    for reason, count in report.items():
        click.echo(f"{count:>6}  {printable(reason)}", err=True)
    from planner.catalog.cells import neutralise

    text = offers.map(neutralise).to_csv(index=False, lineterminator="\n")
    if out is None:
        click.echo(text, nl=False)
    else:
        write_atomic(out, text, "--out")
        click.echo(f"wrote {len(offers)} offers to {printable(str(out))}", err=True)

