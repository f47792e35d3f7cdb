"""Stage options: every way to run each stage of each candidate, priced by the compute model.

This is the only place where catalogs, scenario policy and physics meet the MIP's data
(`planner.problem`). All non-linear physics (MFU falling with scale, goodput, energy) is
evaluated here, per option, so the MIP is exact on the options it receives.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from planner import compute
from planner.catalog import Catalog, Chip, CloudOffer, OwnedHardware, Site
from planner.errors import InputError, did_you_mean
from planner.presolve import greedy_upper_bound
from planner.problem import Capacity, Option, Path, Problem, StageOptions
from planner.scenario import Scenario
from planner.workload import Candidate, Workload

HOURS_PER_YEAR = 8760.0
DAYS_PER_MONTH = 365.0 / 12
# Most servers a plan may buy of one type: a planning assumption, far above any bundled scenario's need.
MAX_NEW_OWNED_NODES = 512
# Options slower than this multiple of the deadline can only ever do a sliver of a stage; dropping them
# keeps the MIP small without touching any plan that a sane team would choose.
SLOWEST_USEFUL_DEADLINE_MULTIPLE = 4.0


@dataclass(frozen=True)
class Pool:
    """Where a stage can run: a cloud offer priced one way, or servers bought or held."""

    id: str
    source: str  # on_demand | spot | reserved | owned | held
    chip_id: str
    provider: str
    gpus_per_node: int
    max_nodes: int
    usd_per_gpu_hour: float  # rental price; 0 for owned and held
    spot_interruptions_per_node_day: float
    site_id: str
    capacity: Capacity | None = None
    hardware: OwnedHardware | None = None  # bought servers: their capital and hosting charges per use
    accounting: str = "amortise"
    scaleout_gbps_per_node: float | None = None  # None: the chip's reference network


def build_problem(scenario: Scenario, catalog: Catalog, candidates: list[Candidate], objective: str = "cost",
                  target_loss: float | None = None) -> Problem | None:
    """The MIP's data for a scenario: candidate paths, their stage options and shared capacities;
    target_loss is the loss the chosen path must reach (None: no quality bound).

    Returns None when no candidate survives (its cost floor exceeds the budget, or no allowed
    hardware fits a stage): the caller reports that no plan exists.
    Candidates are visited in order of promise and those that cannot win are never priced:
    under the cost objective, cheapest cost floor first (candidate_cost_floor), stopping once the
    floor exceeds the cost of a simple feasible plan already found (presolve.best_simple_plan);
    under the quality objective, best loss first, stopping once a candidate has a feasible plan.
    Any objective drops candidates whose floor exceeds the budget.
    """
    deadline = scenario.deadline_days
    pools = cloud_pools(scenario, catalog) + owned_pools(scenario, catalog, deadline)
    if not pools:
        unlimited = scenario.policy.model_copy(update={"max_nodes_per_provider": None})
        if cloud_pools(scenario.model_copy(update={"policy": unlimited}), catalog):
            return None  # only zero quotas stop every offer: no plan; the diagnosis names the quota needed
        raise InputError(f"scenario {scenario.name}: field 'policy'", "allows no cloud offer and no hardware",
                         "widen policy.providers / regions / chips, allow buying hardware, or set "
                         "policy.allow_uncalibrated_chips (chips with no measured throughput are left out)")
    pools = prune_pools(pools, catalog, carbon_matters=scenario.policy.carbon_cap_tco2e is not None,
                        provider_matters=scenario.policy.max_provider_share is not None)
    settings = dict(
        deadline_days=deadline,
        budget_usd=scenario.budget_usd,
        target_loss=target_loss,
        staff_usd_per_day=scenario.staff_usd_per_month / DAYS_PER_MONTH,
        carbon_cap_tco2e=scenario.policy.carbon_cap_tco2e,
        max_provider_share=scenario.policy.max_provider_share,
    )
    pricing = Pricing.of(pools, catalog, scenario, deadline)
    rates = _usd_per_flop_floor(pools, catalog, scenario, deadline)
    floors = {c.id: candidate_cost_floor(c, rates, scenario) for c in candidates}
    budget = scenario.budget_usd if scenario.budget_usd is not None else math.inf
    candidates = [c for c in candidates if floors[c.id] <= budget * (1 + 1e-9)]
    order = (lambda c: (c.predicted_loss, floors[c.id])) if objective == "quality" else (lambda c: floors[c.id])
    paths, best_loss, best_cost = [], math.inf, math.inf
    for cand in sorted(candidates, key=order):
        if cand.predicted_loss > best_loss or floors[cand.id] > best_cost * (1 + 1e-9):
            break  # sorted: no later candidate can beat a plan already found
        path = path_options(cand, pricing)
        if path is None:
            continue
        paths.append(path)
        found = greedy_upper_bound(Problem(paths=(path,), capacities=capacities_used(pools, [path]), **settings))
        if objective == "quality" and math.isfinite(found):
            best_loss = min(best_loss, path.loss)
        if objective == "cost":
            best_cost = min(best_cost, found)
    if not paths:
        return None  # nothing fits the budget, or no stage fits any allowed hardware: no plan exists
    return Problem(paths=tuple(paths), capacities=capacities_used(pools, paths), **settings)


def capacities_used(pools: list[Pool], paths: list[Path]) -> tuple[Capacity, ...]:
    """The capacities of `pools` that some option of `paths` runs on."""
    used = {o.capacity for p in paths for s in p.stages for o in s.options if o.capacity}
    return tuple(p.capacity for p in pools if p.capacity and p.capacity.id in used)


def _usd_per_flop_floor(pools: list[Pool], catalog: Catalog, scenario: Scenario,
                        deadline: float) -> dict[str, dict[str, float]]:
    """Per pool and precision, a floor on USD per training FLOP: the hourly rate over the most FLOPs an
    accelerator of the pool can deliver in an hour (peak × one-node MFU, the highest; goodput ≤ 1).

    Rental: the price. Reserved: the term price per GPU-hour (a fee over at most a term of use).
    Owned: capital charge, haircut and hosting per GPU-hour of a node kept busy from delivery to the
    deadline, plus electricity. Held: electricity only.
    """
    floors = {}
    for pool in pools:
        chip = catalog.chips[pool.chip_id]
        site = catalog.sites[pool.site_id]
        gpn = pool.gpus_per_node
        energy = compute.energy_kwh(chip, 1.0, site.pue) * site.electricity_usd_per_kwh  # per GPU-hour
        if pool.source in ("on_demand", "spot"):
            hourly = pool.usd_per_gpu_hour
        elif pool.source == "reserved":
            hourly = pool.capacity.unit_cost_usd / (gpn * HOURS_PER_YEAR * _term_years(pool.capacity.id))
        elif pool.source == "owned":
            # per-use charges are concave in days, so their hourly rate is lowest over the longest use
            span = max(deadline - pool.capacity.available_day, 1e-9)
            capital, hosting = owned_use_usd(pool.hardware, pool.accounting, span)
            hourly = (capital + hosting + pool.capacity.unit_cost_usd) / (gpn * span * 24.0) + energy
        else:
            hourly = energy
        precisions = ("bf16", "fp8") if chip.fp8_tflops else ("bf16",)
        floors[pool.id] = {p: hourly / (compute.peak_flops_per_s(chip, p) * compute.peak_mfu(chip, p) * 3600.0)
                           for p in precisions}
    return floors


def _term_years(capacity_id: str) -> int:
    return int(capacity_id.split("-")[1].split("y")[0])


def candidate_cost_floor(cand: Candidate, floors: dict[str, dict[str, float]], scenario: Scenario) -> float:
    """A lower bound on any plan's cost for this candidate: fixed costs plus each stage's FLOPs at the
    cheapest floor rate of any pool (capacity shared between stages only lowers no one's floor)."""
    precision = scenario.policy.precision
    cheapest = min((f.get(precision, f["bf16"]) for f in floors.values()), default=math.inf)
    flops = sum(compute.stage_flops(s.workload) for s in cand.stages) * scenario.program_runs
    return cand.data_cost_usd + cand.labelling_cost_usd + cand.inference_cost_usd + flops * cheapest


def path_options(cand: Candidate, pricing: Pricing) -> Path | None:
    """A candidate with the pruned options of each of its stages (None if some stage fits nowhere)."""
    stages = []
    for stage in cand.stages:
        options = priced_stage(stage.workload, pricing)
        if not options:
            return None
        stages.append(StageOptions(name=stage.name, options=options))
    return Path(id=cand.id, kind=cand.kind, loss=cand.predicted_loss, data_usd=cand.data_cost_usd,
                labelling_usd=cand.labelling_cost_usd, inference_usd=cand.inference_cost_usd,
                stages=tuple(stages))


@dataclass(frozen=True)
class Pricing:
    """Everything but the workload that prices a stage's options: the pools with their chip and site
    rows, and the scenario settings that matter. Hashable (its hash computed once), so priced stages
    are memoised across candidates and across the plans of a sweep, whose coalitions or points
    share most stage workloads."""

    pools: tuple[tuple[Pool, Chip, Site], ...]
    precision: str
    deadline_days: float
    runs: int
    carbon_matters: bool
    provider_matters: bool
    failures_per_node_day: float

    @classmethod
    def of(cls, pools: list[Pool], catalog: Catalog, scenario: Scenario, deadline_days: float) -> Pricing:
        pricing = cls(pools=tuple((p, catalog.chips[p.chip_id], catalog.sites[p.site_id]) for p in pools),
                      precision=scenario.policy.precision, deadline_days=deadline_days, runs=scenario.program_runs,
                      carbon_matters=scenario.policy.carbon_cap_tco2e is not None,
                      provider_matters=scenario.policy.max_provider_share is not None,
                      failures_per_node_day=failures_per_node_day(scenario))
        # One object per distinct pricing, so memo lookups compare it by identity, not field by field.
        if len(_PRICINGS) > 256:
            _PRICINGS.clear()
        return _PRICINGS.setdefault(pricing, pricing)

    @functools.cached_property
    def _hash(self) -> int:
        return hash((self.pools, self.precision, self.deadline_days, self.runs, self.carbon_matters,
                     self.provider_matters, self.failures_per_node_day))

    def __hash__(self) -> int:
        return self._hash


_PRICINGS: dict[Pricing, Pricing] = {}


@functools.lru_cache(maxsize=1024)
def priced_stage(w: Workload, pricing: Pricing) -> tuple[Option, ...]:
    """The stage's options on every pool, pruned (prune_options); empty if it fits on none."""
    options = []
    for pool, chip, site in pricing.pools:
        options.extend(stage_options(w, pool, chip, site, pricing))
    return tuple(prune_options(options, carbon_matters=pricing.carbon_matters,
                               provider_matters=pricing.provider_matters))


def _allowed(scenario: Scenario, provider: str | None, region: str | None, chip: str) -> bool:
    p = scenario.policy
    if p.chips is not None and chip.lower() not in {c.lower() for c in p.chips}:
        return False
    if not p.allow_uncalibrated_chips and not compute.calibrated_id(chip):
        return False
    if provider is not None and p.providers is not None and provider.lower() not in {x.lower() for x in p.providers}:
        return False
    if region is not None and p.regions is not None and region.lower() not in {r.lower() for r in p.regions}:
        return False
    return True


def cloud_pools(scenario: Scenario, catalog: Catalog) -> list[Pool]:
    """Each allowed cloud offer as on-demand, spot and reserved pools, as policy permits.

    Reserved capacity is paid for its whole term (1 or 3 years, from today) per node and usable only
    within it (Capacity.available_until_day).
    """
    policy = scenario.policy
    if not policy.cloud_allowed:
        return []
    quota = {k.lower(): v for k, v in (policy.max_nodes_per_provider or {}).items()}
    pools = []
    for offer in catalog.offers.values():
        if not _allowed(scenario, offer.provider, offer.Region, offer.chip):
            continue
        max_nodes = min(offer.max_nodes, quota.get(offer.provider.lower(), offer.max_nodes))
        if max_nodes < 1:
            continue
        common = dict(chip_id=offer.chip, provider=offer.provider, gpus_per_node=offer.gpus_per_node,
                      max_nodes=max_nodes, site_id=offer.site, scaleout_gbps_per_node=offer.scaleout_gbps_per_node)
        if offer.on_demand_usd_per_gpu_hour:
            pools.append(Pool(id=f"{offer.offer_id}:on_demand", source="on_demand",
                              usd_per_gpu_hour=offer.on_demand_usd_per_gpu_hour,
                              spot_interruptions_per_node_day=0.0, **common))
        if policy.spot_allowed and offer.spot_usd_per_gpu_hour:
            pools.append(Pool(id=f"{offer.offer_id}:spot", source="spot",
                              usd_per_gpu_hour=offer.spot_usd_per_gpu_hour,
                              spot_interruptions_per_node_day=offer.spot_interruptions_per_node_day, **common))
        if policy.reserved_allowed:
            pools.extend(_reserved_pools(offer, common))
    return pools


def prune_pools(pools: list[Pool], catalog: Catalog, carbon_matters: bool, provider_matters: bool) -> list[Pool]:
    """Drop rental pools another one beats outright, before any option is estimated.

    Two rental pools on the same chip, node size and interruption rate (and, under a carbon cap,
    the same site physics) give options of identical duration; the one no dearer and allowing no
    fewer nodes yields an option at least as good for every cluster size (prune_options would drop
    the other's options anyway; this skips estimating them).
    """
    def physics(p: Pool):
        site = catalog.sites[p.site_id]
        return (p.chip_id, p.gpus_per_node, p.spot_interruptions_per_node_day, p.scaleout_gbps_per_node,
                (site.pue, site.carbon_g_per_kwh) if carbon_matters else None,
                p.provider if provider_matters else None)

    rental = [p for p in pools if p.capacity is None]
    kept = [p for p in pools if p.capacity is not None]
    for p in rental:
        beaten = any(q is not p and physics(q) == physics(p) and q.usd_per_gpu_hour <= p.usd_per_gpu_hour
                     and q.max_nodes >= p.max_nodes
                     and (q.usd_per_gpu_hour, -q.max_nodes, q.id) < (p.usd_per_gpu_hour, -p.max_nodes, p.id)
                     for q in rental)
        if not beaten:
            kept.append(p)
    return kept


def _reserved_pools(offer: CloudOffer, common: dict) -> list[Pool]:
    pools = []
    for years, price in ((1, offer.reserved_1y_usd_per_gpu_hour), (3, offer.reserved_3y_usd_per_gpu_hour)):
        if not price:
            continue
        fee = price * offer.gpus_per_node * HOURS_PER_YEAR * years
        cap_id = f"reserved-{years}y:{offer.offer_id}"
        capacity = Capacity(
            id=cap_id, kind="reserved", chip=offer.chip, vendor=offer.provider,
            unit_cost_usd=fee, hosting_usd_per_node=0.0, unit_price_usd=fee,
            held_nodes=0, max_new_nodes=common["max_nodes"], available_day=0.0,
            available_until_day=365.0 * years,
        )
        pools.append(Pool(id=cap_id, source="reserved", usd_per_gpu_hour=0.0,
                          spot_interruptions_per_node_day=0.0, capacity=capacity, **common))
    return pools


def owned_pools(scenario: Scenario, catalog: Catalog, deadline_days: float) -> list[Pool]:
    """Servers already held (free, available now) and servers that may be bought (after lead time).
    Held entries of one server type at one site (two members' racks in one hall) form one pool."""
    pools = []
    held_nodes: dict[tuple[str, str], int] = {}
    for held in scenario.owned_hardware:
        site = held.site or scenario.ownership.site
        _site(catalog, site, "owned_hardware.site")
        key = (_hardware(catalog, held.hardware).id, site)
        held_nodes[key] = held_nodes.get(key, 0) + held.nodes
    for (hw_id, site), nodes in held_nodes.items():
        hw = catalog.hardware[hw_id]
        capacity = Capacity(
            id=f"held:{hw.id}@{site}", kind="held", chip=hw.accelerator, vendor="already owned",
            unit_cost_usd=0.0, hosting_usd_per_node=0.0, unit_price_usd=0.0,
            held_nodes=nodes, max_new_nodes=0, available_day=0.0,
        )
        pools.append(Pool(id=capacity.id, source="held", chip_id=hw.accelerator, provider="owned",
                          gpus_per_node=hw.gpus_per_node, max_nodes=nodes, usd_per_gpu_hour=0.0,
                          spot_interruptions_per_node_day=0.0, site_id=site, capacity=capacity,
                          scaleout_gbps_per_node=hw.scaleout_gbps_per_node))
    if not scenario.policy.buy_allowed:
        return pools
    site = scenario.ownership.site
    _site(catalog, site, "ownership.site")
    for hw in catalog.hardware.values():
        if not _allowed(scenario, None, None, hw.accelerator) or hw.lead_time_days >= deadline_days:
            continue
        accounting = scenario.ownership.accounting
        capacity = Capacity(
            id=f"buy:{hw.id}@{site}", kind="owned", chip=hw.accelerator, vendor=hw.vendor,
            unit_cost_usd=resale_haircut_usd(hw, accounting), hosting_usd_per_node=0.0,
            unit_price_usd=hw.capex_usd_per_node, held_nodes=0, max_new_nodes=MAX_NEW_OWNED_NODES,
            available_day=float(hw.lead_time_days),
        )
        pools.append(Pool(id=capacity.id, source="owned", chip_id=hw.accelerator, provider="owned",
                          gpus_per_node=hw.gpus_per_node, max_nodes=MAX_NEW_OWNED_NODES, usd_per_gpu_hour=0.0,
                          spot_interruptions_per_node_day=0.0, site_id=site, capacity=capacity,
                          hardware=hw, accounting=accounting, scaleout_gbps_per_node=hw.scaleout_gbps_per_node))
    return pools


def resale_haircut_usd(hw: OwnedHardware, accounting: str) -> float:
    """One-time charge per bought node: under resell, the share of market value a sale does not realise."""
    return hw.capex_usd_per_node * (1.0 - hw.resale_recovery_fraction) if accounting == "resell" else 0.0


def owned_use_usd(hw: OwnedHardware, accounting: str, days: float) -> tuple[float, float]:
    """(capital charge, hosting) per node for `days` of use; servers are bought for their first use and
    (under resell) sold after their last, so they are charged for the days they run.

    amortise: capex × days / useful life (the server is reused after the project; Epoch AI's amortised
              hardware cost, Cottier et al. 2024 §2.2);
    resell:   recovery × capex × (1 − (1 − resale_fraction_per_year)^(days/365)), the market value lost
              while in use (the unrealised share on sale is resale_haircut_usd).
    hosting:  hosting_usd_per_node_month for the days used.
    """
    if accounting == "amortise":
        capital = hw.capex_usd_per_node * min(1.0, days / (hw.life_years * 365.0))
    else:
        lost = 1.0 - (1.0 - hw.resale_fraction_per_year) ** (days / 365.0)
        capital = hw.resale_recovery_fraction * hw.capex_usd_per_node * lost
    return capital, hw.hosting_usd_per_node_month * days / DAYS_PER_MONTH


def node_grid(min_nodes: int, max_nodes: int) -> list[int]:
    """Cluster sizes to offer: the smallest that fits, then doubling, and the largest allowed."""
    sizes, n = [], max(1, min_nodes)
    while n <= max_nodes:
        sizes.append(n)
        n *= 2
    if sizes and sizes[-1] != max_nodes and max_nodes >= min_nodes:
        sizes.append(max_nodes)
    return sizes


def stage_options(w: Workload, pool: Pool, chip: Chip, site: Site, pricing: Pricing) -> list[Option]:
    """One Option per cluster size on which the stage fits in memory and can matter by the deadline."""
    precision = pricing.precision
    if precision == "fp8" and not chip.fp8_tflops:
        precision = "bf16"
    min_gpus = _min_gpus(w, chip, pool.gpus_per_node, pool.scaleout_gbps_per_node, precision)
    if min_gpus is None:
        return []
    min_nodes = math.ceil(min_gpus / pool.gpus_per_node)
    runs = pricing.runs
    options = []
    # sizes the stage's batch can keep busy (compute.largest_useful_gpus, at most MAX_GPUS)
    useful = compute.largest_useful_gpus(w, chip, pool.gpus_per_node, pool.scaleout_gbps_per_node, precision)
    for nodes in node_grid(min_nodes, min(pool.max_nodes, useful // pool.gpus_per_node)):
        gpus = nodes * pool.gpus_per_node
        try:  # a size the batch cannot feed after all (it does not split into power-of-two groups)
            est = _estimate(w, chip, gpus, precision, pool.spot_interruptions_per_node_day, site.pue,
                            site.carbon_g_per_kwh, pool.gpus_per_node, pricing.failures_per_node_day,
                            pool.scaleout_gbps_per_node)
        except ValueError:
            continue
        days = est.wall_clock_days * runs
        if days > SLOWEST_USEFUL_DEADLINE_MULTIPLE * pricing.deadline_days:
            continue
        energy_mwh = est.energy_mwh * runs
        own = pool.source in ("owned", "held")
        capital, hosting = owned_use_usd(pool.hardware, pool.accounting, days) if pool.hardware else (0.0, 0.0)
        options.append(Option(
            id=f"{pool.id}:{nodes}n", offer=pool.id if own or pool.source == "reserved" else pool.id.rsplit(":", 1)[0],
            provider=pool.provider, chip=pool.chip_id, source=pool.source, nodes=nodes, gpus=gpus,
            days=days,
            compute_usd=0.0 if own else est.gpu_hours * runs * pool.usd_per_gpu_hour,
            energy_usd=energy_mwh * 1000.0 * site.electricity_usd_per_kwh if own else 0.0,
            energy_mwh=energy_mwh, tco2e=est.tco2e * runs,
            capex_usd=nodes * capital, hosting_usd=nodes * hosting,
            capacity=pool.capacity.id if pool.capacity else None,
            gpu_hours=est.gpu_hours * runs, mfu=est.mfu, goodput=est.goodput, layout=compute.layout_summary(est),
        ))
    return options


@functools.lru_cache(maxsize=100_000)
def _estimate(w, chip, gpus, precision, spot_rate, pue, carbon, gpus_per_node, failures, scaleout=None):
    """compute.estimate, memoised: many offers share a chip, node size and site, and coalitions share stages."""
    return compute.estimate(w, chip, gpus, precision=precision, spot_interruptions_per_node_day=spot_rate,
                            pue=pue, carbon_g_per_kwh=carbon, gpus_per_node=gpus_per_node,
                            failures_per_node_day=failures, scaleout_gbps_per_node=scaleout)


@functools.lru_cache(maxsize=100_000)
def _min_gpus(w, chip, gpus_per_node, scaleout, precision):
    """compute.min_gpus on the pool's node and network, memoised."""
    fab = compute.fabric(chip, precision, gpus_per_node, scaleout)
    return compute.min_gpus(w, chip, gpus_per_node, fab=fab)


def failures_per_node_day(scenario: Scenario) -> float:
    """The scenario's hardware failure rate, or the compute model's default."""
    rate = scenario.failures_per_node_day
    return compute.FAILURES_PER_NODE_DAY if rate is None else rate


def prune_options(options: list[Option], carbon_matters: bool = False,
                  provider_matters: bool = False) -> list[Option]:
    """Drop options that another option beats on every count the MIP sees.

    Cloud options (no shared capacity) are interchangeable across offers: a dominates b when it is
    no slower, no dearer (and, under a carbon cap, emits no more; under a provider-share cap, is
    from the same provider). Options on a shared capacity compete only within it, and a must also
    need no more nodes. Any plan using b then does at least as well with a in its place.
    """
    groups: dict[tuple, list[Option]] = {}
    for o in options:
        key = ("capacity", o.capacity) if o.capacity else ("cloud", o.provider if provider_matters else "")
        groups.setdefault(key, []).append(o)
    kept = []
    for (kind, _), group in groups.items():
        extra = [] if kind == "cloud" else ["nodes"]
        kept.extend(_pareto(group, carbon_matters, extra))
    return kept


def _pareto(options: list[Option], carbon_matters: bool, extra: list[str]) -> list[Option]:
    """Options not dominated on (days, cost[, tco2e][, nodes]); exact duplicates keep their first."""
    def key(o):
        k = [o.days, o.variable_usd]
        if carbon_matters:
            k.append(o.tco2e)
        return tuple(k + [getattr(o, f) for f in extra])

    ranked = sorted(options, key=key)
    if not carbon_matters and not extra:  # two criteria: one sweep by days keeping falling cost
        front, best = [], float("inf")
        for o in ranked:
            if o.variable_usd < best:
                front.append(o)
                best = o.variable_usd
        return front
    front = []
    for o in ranked:  # sorted, so only earlier options can dominate later ones
        ko = key(o)
        if not any(all(x <= y for x, y in zip(key(a), ko)) for a in front):
            front.append(o)
    return front


def _hardware(catalog: Catalog, hw_id: str) -> OwnedHardware:
    if hw_id not in catalog.hardware:
        raise InputError(f"scenario owned_hardware: hardware '{hw_id}'", "unknown server type",
                         did_you_mean(hw_id, catalog.hardware))
    return catalog.hardware[hw_id]


def _site(catalog: Catalog, site_id: str, field: str) -> None:
    if site_id not in catalog.sites:
        raise InputError(f"scenario {field}: '{site_id}'", "unknown site", did_you_mean(site_id, catalog.sites))
