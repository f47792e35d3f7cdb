"""Load a scenario and the catalog, and check every id the scenario names exists in the catalog."""

from __future__ import annotations

from pathlib import Path

from planner.catalog import Catalog, load_catalog
from planner.errors import InputError, did_you_mean
from planner.scenario import Scenario, load_scenario


def load_inputs(scenario_path: str | Path, catalog_dir: str | Path | None = None) -> tuple[Scenario, Catalog]:
    """The validated scenario and catalog; unknown ids stop here with a 'did you mean'."""
    scenario = load_scenario(scenario_path)
    catalog = load_catalog(Path(catalog_dir) if catalog_dir else None)
    check_references(scenario, catalog, str(scenario_path))
    return scenario, catalog


def check_references(scenario: Scenario, catalog: Catalog, where: str) -> None:
    """Every provider, region, chip, server, site and model id in the scenario must be in the catalog."""
    providers = {o.provider for o in catalog.offers.values()}
    regions = {o.Region for o in catalog.offers.values()} | set(catalog.sites)
    policy = scenario.policy
    _known(where, "policy.providers", policy.providers, providers, exact=False)
    _known(where, "policy.regions", policy.regions, regions, exact=False)
    _known(where, "policy.chips", policy.chips, catalog.chips, exact=False)
    _known(where, "policy.max_nodes_per_provider", list(policy.max_nodes_per_provider or {}), providers, exact=False)
    _known(where, "ownership.site", [scenario.ownership.site], catalog.sites)
    _known(where, "inference.chip", [scenario.inference.chip], catalog.chips)
    held = [("owned_hardware", scenario.owned_hardware)]
    held += [(f"members[{i}].brings_hardware", m.brings_hardware) for i, m in enumerate(scenario.members)]
    for field, entries in held:
        _known(where, f"{field}.hardware", [h.hardware for h in entries], catalog.hardware)
        _known(where, f"{field}.site", [h.site for h in entries if h.site], catalog.sites)
    targets = [("target", scenario.target)] + [(f"members[{i}].target", m.target) for i, m in enumerate(scenario.members)]
    for field, target in targets:
        _known(where, f"{field}.like", [target.like] if target.like else [], catalog.models)


def _known(where: str, field: str, values, valid, exact: bool = True) -> None:
    if not values:
        return
    fold = (lambda v: v) if exact else str.lower
    known = {fold(v) for v in valid}
    for value in values:
        if fold(value) not in known:
            raise InputError(f"{where}: field '{field}'", f"unknown id {value!r}", did_you_mean(value, valid))
