"""Load a scenario and the catalog, and check every id the scenario names exists in the catalog."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

from planner.catalog import Catalog, load_catalog
from planner.errors import InputError, did_you_mean
from planner.scenario import Scenario, load_scenario, validate_scenario

ScenarioLike = Union[str, os.PathLike, Mapping[str, Any], Scenario]
CatalogLike = Union[str, os.PathLike, Catalog, None]


def load_inputs(scenario: ScenarioLike, catalog: CatalogLike = None,
                sets: Mapping[str, Any] | None = None) -> tuple[Scenario, Catalog]:
    """The validated scenario and catalog; unknown ids stop here with a 'did you mean'.

    scenario: a YAML path, a mapping of the same fields, or a Scenario; catalog: a folder, a
    Catalog, or None for the bundled one; sets: dotted-key changes (`--set`) applied before
    validation.
    """
    if isinstance(scenario, Scenario):
        where = f"scenario {scenario.name!r}"
        if sets:
            scenario = validate_scenario(scenario.model_dump(exclude_unset=True), where, sets)
    elif isinstance(scenario, Mapping):
        where = f"scenario {scenario.get('name', '(unnamed)')!r}"
        scenario = validate_scenario(scenario, where, sets)
    else:
        where = str(scenario)
        scenario = load_scenario(scenario, sets)
    if not isinstance(catalog, Catalog):
        catalog = load_catalog(Path(catalog) if catalog else None)
    check_references(scenario, catalog, where)
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
    _known(where, "policy.mfu_factor", list(policy.mfu_factor or {}), [*catalog.chips, "*"])
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
    _check_plannable(scenario, catalog, where)


def _check_plannable(scenario: Scenario, catalog: Catalog, where: str) -> None:
    """Law overrides that name a real constant, and a policy that allows some hardware (ignoring
    quotas: a quota of 0 is a plan that does not exist, exit 3, with the quota it needs)."""
    from planner.options import cloud_pools, owned_pools
    from planner.quality.laws import load_laws

    try:
        load_laws(scenario.quality_law.pretrain, scenario.quality_law.overrides)
    except InputError as exc:
        raise InputError(f"{where}: field '{exc.where}'", exc.problem, exc.fix) from None
    unlimited = scenario.model_copy(update={"policy": scenario.policy.model_copy(update={"max_nodes_per_provider": None})})
    if not cloud_pools(unlimited, catalog) and not owned_pools(scenario, catalog, scenario.deadline_days):
        p = scenario.policy
        shown = ", ".join(f"{name} {value}" for name, value in (("providers", p.providers), ("regions", p.regions),
                          ("chips", p.chips), ("cloud_allowed", p.cloud_allowed), ("buy_allowed", p.buy_allowed))
                          if value is not None)
        raise InputError(f"{where}: field 'policy'", f"allows no cloud offer and no hardware ({shown})",
                         "widen policy.providers / regions / chips, or allow cloud or buying hardware")


def _known(where: str, field: str, values, valid, exact: bool = True) -> None:
    if not values:
        return
    fold = (lambda v: v) if exact else str.lower
    known = {fold(v) for v in valid}
    for value in values:
        if fold(value) not in known:
            raise InputError(f"{where}: field '{field}'", f"unknown id {value!r}", did_you_mean(value, valid))
