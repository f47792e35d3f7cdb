"""The catalogs: chips, cloud offers, servers to buy, sites and open models, read from CSV.

    from planner.catalog import load_catalog, resolve_chip
    catalog = load_catalog()                      # bundled catalog, cached
    offer = catalog.offers["aws-p5.48xlarge-us-east-1"]
    offer.on_demand_usd_per_gpu_hour, catalog.chips[offer.chip].bf16_tflops
    resolve_chip("H100-80GB")                     # -> 'H100'

Every file and column is described in docs/catalogs.md.
"""

from planner.catalog.loader import FILES, default_catalog_dir, load_catalog
from planner.catalog.names import resolve_chip
from planner.catalog.rows import Catalog, Chip, CloudOffer, OpenModel, OwnedHardware, Site

__all__ = [
    "FILES",
    "Catalog",
    "Chip",
    "CloudOffer",
    "OpenModel",
    "OwnedHardware",
    "Site",
    "default_catalog_dir",
    "load_catalog",
    "resolve_chip",
]
