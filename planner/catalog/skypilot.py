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

from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd

from planner.catalog.loader import load_catalog
from planner.catalog.names import resolve_chip
from planner.catalog.rows import AS_OF, MAX_USD_PER_GPU_HOUR, Catalog
from planner.errors import InputError, did_you_mean

REQUIRED_COLUMNS = ("InstanceType", "AcceleratorName", "AcceleratorCount", "Price", "SpotPrice", "Region")
OFFER_COLUMNS = ["offer_id", "provider", "Region", "InstanceType", "AcceleratorName", "AcceleratorCount", "Price",
                 "SpotPrice", "reserved_1y_usd_per_gpu_hour", "reserved_3y_usd_per_gpu_hour", "max_nodes",
                 "spot_interruptions_per_node_day", "site", "notes", "source", "as_of", "startup_minutes",
                 "min_billed_minutes", "spot_max_nodes", "billing_source"]

# Planner assumptions, the same as in the bundled offers.csv (docs/catalogs.md).
MAX_NODES = 64
MAX_NODES_SINGLE_GPU = 8
SPOT_INTERRUPTIONS_PER_NODE_DAY = 0.1
STARTUP_MINUTES = 10.0
MIN_BILLED_MINUTES = 1.0

# (provider, region) -> site id in sites.csv, for regions whose location the catalog knows.
REGION_SITES = {
    ("aws", "us-east-1"): "us-virginia",
    ("aws", "us-east-2"): "us-ohio",
    ("aws", "us-west-2"): "us-oregon",
    ("gcp", "us-central1"): "us-iowa",
    ("gcp", "us-central2"): "us-oklahoma",
    ("gcp", "us-east4"): "us-virginia",
    ("azure", "eastus"): "us-virginia",
    ("oci", "us-ashburn-1"): "us-virginia",
}


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
    if default_site is not None and default_site not in catalog.sites:
        raise InputError(f"--default-site '{default_site}'", "unknown site", did_you_mean(default_site, catalog.sites))
    frame = _read(path)
    report: Counter[str] = Counter()
    frame = _keep_usable(frame, report)
    frame = frame.assign(AcceleratorName=_map_chips(frame["AcceleratorName"], catalog, report))
    frame = frame[frame["AcceleratorName"].notna()]
    sites = [REGION_SITES.get((provider.lower(), region), default_site) for region in frame["Region"]]
    frame = frame.assign(site=sites)
    for region in frame.loc[frame["site"].isna(), "Region"]:
        report[f"region '{region}' has no site in sites.csv (give --default-site)"] += 1
    frame = frame[frame["site"].notna()]
    offers = _cheapest_zone(frame, report)
    report["offers imported"] = len(offers)
    result = _as_offers(offers, provider, path.name, as_of)
    result.attrs["report"] = dict(report)
    return result


def _check_as_of(as_of: str) -> str:
    if not AS_OF.match(as_of):
        raise InputError(f"--as-of '{as_of}'", "not a date", "give YYYY-MM or YYYY-MM-DD")
    return as_of


def _read(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"malformed CSV: {exc}".strip(), "give a SkyPilot vms.csv file") from None
    frame.columns = [str(name).strip() for name in frame.columns]
    missing = [name for name in REQUIRED_COLUMNS if name not in frame.columns]
    if missing:
        raise InputError(f"{path} line 1", f"missing column {missing[0]!r}",
                         f"a SkyPilot vms.csv has the columns {', '.join(REQUIRED_COLUMNS)} (any order)")
    frame = frame[list(REQUIRED_COLUMNS)].apply(lambda column: column.str.strip())
    for name in ("AcceleratorCount", "Price", "SpotPrice"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce")
    return frame


def _keep_usable(frame: pd.DataFrame, report: Counter) -> pd.DataFrame:
    """Drop rows the planner cannot use, counting each reason."""
    rules = [
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
        "source": (f"SkyPilot catalog {file_name}, cheapest availability zone per region; max_nodes and "
                   "spot_interruptions_per_node_day are planner assumptions (docs/catalogs.md)"),
        "as_of": as_of,
        "startup_minutes": STARTUP_MINUTES,
        "min_billed_minutes": MIN_BILLED_MINUTES,
        "spot_max_nodes": pd.array([(MAX_NODES if n > 1 else MAX_NODES_SINGLE_GPU) if s else None
                                    for n, s in zip(count, has_spot)], dtype="Int64"),
        "billing_source": ("assumption: billed per minute or finer with a 1-minute minimum; startup_minutes and "
                           "spot_max_nodes are planner assumptions (docs/catalogs.md)"),
    }, columns=OFFER_COLUMNS)
    return result.sort_values("offer_id").reset_index(drop=True)
