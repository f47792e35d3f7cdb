"""Import a SkyPilot catalog file (vms.csv) as rows in the offers.csv schema.

SkyPilot's catalogs (skypilot-org/skypilot-catalog, catalogs/v*/<cloud>/vms.csv) list one row per
instance type and availability zone, with Price and SpotPrice in USD per instance-hour. The import
keeps instances whose accelerator the chips catalog knows, takes the cheapest availability zone of
each region for on-demand and for spot separately (the planner assumes a job can be placed in that
zone), and fills the planning columns (max_nodes, spot interruptions, start-up, minimum billing, spot
capacity) with the documented defaults.
Columns are read by name because their order differs between clouds.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd

from planner.catalog.cells import MAX_ACCELERATORS_PER_NODE, cell_problem
from planner.catalog.loader import load_catalog
from planner.catalog.names import resolve_chip
from planner.catalog.rows import AS_OF, MAX_USD_PER_GPU_HOUR, Catalog
from planner.errors import InputError, bounded_repr, did_you_mean, printable
from planner.files import read_limited
from planner.limits import IMPORT_FILE_MAX_BYTES

REQUIRED_COLUMNS = ("InstanceType", "AcceleratorName", "AcceleratorCount", "Price", "SpotPrice", "Region")
OFFER_COLUMNS = ["offer_id", "provider", "Region", "InstanceType", "AcceleratorName", "AcceleratorCount", "Price",
                 "SpotPrice", "reserved_1y_usd_per_gpu_hour", "reserved_3y_usd_per_gpu_hour", "max_nodes",
                 "spot_interruptions_per_node_day", "site", "notes", "source", "as_of", "startup_minutes",
                 "min_billed_minutes", "spot_max_nodes", "billing_source", "capacity_source"]

# Planner assumptions, as for the bundled offers without a published limit (docs/catalogs.md).
MAX_NODES = 64
MAX_NODES_SINGLE_GPU = 8
CAPACITY_SOURCE = ("assumption: 64 multi-GPU instances (8 single-GPU ones), the largest AWS Capacity Block used as a "
                   "yardstick for a co-located cluster one can book; set max_nodes and spot_max_nodes to the capacity "
                   "your provider confirms (docs/catalogs.md)")
# An instance-hour above this (USD) is taken as a corrupt file, not a price (the dearest instances
# list at about 100 USD per hour).
MAX_INSTANCE_USD_PER_HOUR = 1e5
SPOT_INTERRUPTIONS_PER_NODE_DAY = 0.1
STARTUP_MINUTES = 10.0
MIN_BILLED_MINUTES = 1.0

# SkyPilot catalog folder name -> provider name in offers.csv (others: the folder name, capitalised).
PROVIDERS = {"aws": "AWS", "gcp": "GCP", "azure": "Azure", "lambda": "Lambda", "oci": "OCI", "runpod": "RunPod",
             "ibm": "IBM", "do": "DigitalOcean"}


def region_sites(directory: Path | None = None) -> dict[tuple[str, str], str]:
    """(provider in lower case, region) -> site id, from regions.csv beside the catalog (each row
    names the region's location and whether its site is the same area or a stated assumption)."""
    import csv

    from planner.catalog.loader import default_catalog_dir

    path = (directory or default_catalog_dir()) / "regions.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {(row["provider"].lower(), row["region"]): row["site"] for row in csv.DictReader(fh)}


def import_skypilot_folder(folder: str | Path, *, as_of: str | None = None, default_site: str | None = None,
                           catalog: Catalog | None = None) -> pd.DataFrame:
    """Offers from a SkyPilot catalog folder, one `<cloud>/vms.csv` per cloud (as SkyPilot keeps
    them, e.g. catalogs/v8/); the cloud's folder name gives the provider. The report counts each
    file's reasons, prefixed with its provider."""
    folder = Path(folder)
    files = sorted(folder.glob("*/vms.csv"))
    if not files:
        raise InputError(str(folder), "has no <cloud>/vms.csv files",
                         "give a SkyPilot catalog folder such as catalogs/v8 (aws/vms.csv, gcp/vms.csv, ...)")
    catalog = catalog or load_catalog()
    parts, report = [], {}
    for path in files:
        provider = PROVIDERS.get(path.parent.name.lower(), path.parent.name.capitalize())
        offers = import_skypilot(path, provider, as_of=as_of, default_site=default_site, catalog=catalog)
        report.update({f"{provider}: {reason}": count for reason, count in offers.attrs["report"].items()})
        parts.append(offers)
    result = pd.concat(parts, ignore_index=True).sort_values("offer_id").reset_index(drop=True)
    result.attrs["report"] = report
    return result


def import_skypilot(path: str | Path, provider: str, *, as_of: str | None = None,
                     default_site: str | None = None, catalog: Catalog | None = None) -> pd.DataFrame:
    """Offers from a SkyPilot vms.csv, as a DataFrame with the offers.csv columns.

    Rows are dropped, and counted by reason in `result.attrs["report"]`, when they have no
    accelerator, are TPU slices or accelerator-only rows (priced without a host), have no on-demand
    price, name an accelerator missing from chips.csv, or lie in a region with no known site (give
    `default_site` to place those). `as_of` defaults to today.
    """
    path = Path(path)
    catalog = catalog or load_catalog()
    as_of = _check_as_of(as_of or date.today().isoformat())
    if not provider.strip() or cell_problem(provider):
        raise InputError(f"--provider {bounded_repr(provider)}", cell_problem(provider) or "is empty",
                         "give the provider's plain name, e.g. AWS")
    if default_site is not None and default_site not in catalog.sites:
        raise InputError(f"--default-site '{default_site}'", "unknown site", did_you_mean(default_site, catalog.sites))
    frame = _read(path)
    report: Counter[str] = Counter()
    frame = _keep_usable(frame, report)
    frame = frame.assign(AcceleratorName=_map_chips(frame["AcceleratorName"], catalog, report))
    frame = frame[frame["AcceleratorName"].notna()]
    table = region_sites()
    sites = [table.get((provider.lower(), region), default_site) for region in frame["Region"]]
    frame = frame.assign(site=sites)
    for region in frame.loc[frame["site"].isna(), "Region"]:
        report[f"region '{region}' is not in catalogs/regions.csv (add it, or give --default-site)"] += 1
    frame = frame[frame["site"].notna()]
    offers = _cheapest_zone(frame, report)
    report["offers imported"] = len(offers)
    result = _as_offers(offers, provider, printable(path.name), as_of)
    result.attrs["report"] = dict(report)
    return result


def _check_as_of(as_of: str) -> str:
    if not AS_OF.match(as_of):
        raise InputError(f"--as-of '{as_of}'", "not a date", "give YYYY-MM or YYYY-MM-DD")
    return as_of


def _read(path: Path) -> pd.DataFrame:
    data = read_limited(path, IMPORT_FILE_MAX_BYTES, "SkyPilot vms.csv")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start})",
                         "give a SkyPilot vms.csv file (UTF-8 CSV)") from None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(str(path), f"malformed CSV: {' '.join(str(exc).split())}",
                         "give a SkyPilot vms.csv file") from None
    frame.columns = [str(name).strip() for name in frame.columns]
    missing = [name for name in REQUIRED_COLUMNS if name not in frame.columns]
    if missing:
        raise InputError(f"{path} line 1", f"missing column {missing[0]!r}",
                         f"a SkyPilot vms.csv has the columns {', '.join(REQUIRED_COLUMNS)} (any order)")
    frame = frame[list(REQUIRED_COLUMNS)].apply(lambda column: column.str.strip())
    for name in ("AcceleratorCount", "Price", "SpotPrice"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce")
    _refuse_absurd(path, frame)
    return frame


def _refuse_absurd(path: Path, frame: pd.DataFrame) -> None:
    """A count or price no real instance has (1e300 GPUs, inf USD) means a corrupt file: refuse it,
    naming the first such cell, rather than import a wrapped-around integer."""
    bounds = {"AcceleratorCount": MAX_ACCELERATORS_PER_NODE, "Price": MAX_INSTANCE_USD_PER_HOUR,
              "SpotPrice": MAX_INSTANCE_USD_PER_HOUR}
    for name, most in bounds.items():
        bad = frame[name].notna() & ~frame[name].between(-most, most)
        if bad.any():
            row = bad.to_numpy().nonzero()[0][0]
            raise InputError(f"{path} line {row + 2}, field '{name}'",
                             f"{frame[name].iloc[row]:g} is not a plausible value (limit {most:,})",
                             "check the file: it does not look like a SkyPilot catalog")


def _keep_usable(frame: pd.DataFrame, report: Counter) -> pd.DataFrame:
    """Drop rows the planner cannot use, counting each reason."""
    rules = [
        ("text cell with a control character or starting with =, +, - or @ (a spreadsheet formula)",
         lambda f: f[["InstanceType", "AcceleratorName", "Region"]].map(cell_problem).notna().any(axis=1)),
        ("no accelerator (CPU-only instance)", lambda f: (f["AcceleratorName"] == "") | ~(f["AcceleratorCount"] > 0)),
        ("TPU slice (priced per slice; add TPU offers by hand)",
         lambda f: f["AcceleratorName"].str.lower().str.startswith("tpu")),
        ("accelerator-only row (price excludes the host VM)", lambda f: f["InstanceType"] == ""),
        ("fractional accelerator count", lambda f: f["AcceleratorCount"] % 1 != 0),
        ("no on-demand price", lambda f: ~(f["Price"] > 0)),
    ]
    for reason, rule in rules:
        drop = rule(frame)
        report[reason] += int(drop.sum())
        frame = frame[~drop]
    return frame


def _map_chips(names: pd.Series, catalog: Catalog, report: Counter) -> pd.Series:
    """SkyPilot accelerator names as chips.csv ids; None (and a report line) for unknown ones."""
    mapping = {}
    for name in names.unique():
        try:
            mapping[name] = resolve_chip(name, catalog.chips)
        except InputError:
            mapping[name] = None
    for name in names[names.map(mapping).isna()]:
        report[f"unknown accelerator '{name}'"] += 1
    return names.map(mapping)


def _cheapest_zone(frame: pd.DataFrame, report: Counter) -> pd.DataFrame:
    """One row per instance type and region: the cheapest zone's on-demand and spot prices."""
    keys = ["InstanceType", "Region", "AcceleratorName", "AcceleratorCount", "site"]
    offers = frame.groupby(keys, as_index=False).agg(Price=("Price", "min"), SpotPrice=("SpotPrice", "min"))
    offers["SpotPrice"] = offers["SpotPrice"].where(offers["SpotPrice"] > 0)
    dear_spot = offers["SpotPrice"] > offers["Price"]
    report["spot price above on-demand (spot dropped)"] += int(dear_spot.sum())
    offers.loc[dear_spot, "SpotPrice"] = float("nan")
    too_dear = offers["Price"] / offers["AcceleratorCount"] > MAX_USD_PER_GPU_HOUR
    report[f"price above {MAX_USD_PER_GPU_HOUR:g} USD per GPU-hour"] += int(too_dear.sum())
    return offers[~too_dear]


def _as_offers(offers: pd.DataFrame, provider: str, file_name: str, as_of: str) -> pd.DataFrame:
    count = offers["AcceleratorCount"].astype(int)
    has_spot = offers["SpotPrice"].notna()
    result = pd.DataFrame({
        "offer_id": [f"{provider.lower()}-{i}-{r}" for i, r in zip(offers["InstanceType"], offers["Region"])],
        "provider": provider,
        "Region": offers["Region"],
        "InstanceType": offers["InstanceType"],
        "AcceleratorName": offers["AcceleratorName"],
        "AcceleratorCount": count,
        "Price": offers["Price"],
        "SpotPrice": offers["SpotPrice"],
        "reserved_1y_usd_per_gpu_hour": float("nan"),
        "reserved_3y_usd_per_gpu_hour": float("nan"),
        "max_nodes": count.map(lambda n: MAX_NODES if n > 1 else MAX_NODES_SINGLE_GPU),
        "spot_interruptions_per_node_day": has_spot.map({True: SPOT_INTERRUPTIONS_PER_NODE_DAY, False: float("nan")}),
        "site": offers["site"],
        "notes": "",
        "source": (f"SkyPilot catalog {file_name}, cheapest availability zone per region; "
                   "spot_interruptions_per_node_day is a planner assumption (docs/catalogs.md); max_nodes: "
                   "capacity_source"),
        "as_of": as_of,
        "startup_minutes": STARTUP_MINUTES,
        "min_billed_minutes": MIN_BILLED_MINUTES,
        "spot_max_nodes": pd.array([(MAX_NODES if n > 1 else MAX_NODES_SINGLE_GPU) if s else None
                                    for n, s in zip(count, has_spot)], dtype="Int64"),
        "billing_source": ("assumption: billed per minute or finer with a 1-minute minimum; startup_minutes is a "
                           "planner assumption (docs/catalogs.md); spot_max_nodes: capacity_source"),
        "capacity_source": CAPACITY_SOURCE,
    }, columns=OFFER_COLUMNS)
    return result.sort_values("offer_id").reset_index(drop=True)
