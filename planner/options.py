"""Stage options: every way to run each stage of each candidate, priced by the compute model.

This is the only place where catalogs, scenario policy and physics meet the MIP's data
(`planner.problem`). All non-linear physics (MFU falling with scale, goodput, energy) is
evaluated here, per option, so the MIP is exact on the options it receives.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

from planner import compute
from planner.catalog import Catalog, Chip, CloudOffer, OwnedHardware, Site
from planner.errors import InputError, did_you_mean
from planner.ownership import DAYS_PER_MONTH, Holding, holding
from planner.presolve import greedy_upper_bound
from planner.problem import Capacity, Option, Path, Problem, StageOptions
from planner.scenario import Scenario, chip_factor, every_days, horizon_day
from planner.workload import Candidate, Workload

HOURS_PER_YEAR = 8760.0
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
    holding: Holding | None = None  # bought servers: what one node costs over its holding period
    startup_hours: float = 0.0  # rentals: provisioning and start-up per segment, billed per node
    min_billed_hours: float = 0.0  # rentals: least time billed per node for a segment
    scaleout_gbps_per_node: float | None = None  # None: the chip's reference network
    reserved_usd_per_gpu_hour: float = 0.0  # reservations: the term's price per GPU-hour (share cap only)


def build_problem(scenario: Scenario, catalog: Catalog, candidates: list[Candidate], objective: str = "cost",
                  target_loss: float | None = None, keep_all: bool = False,
                  later_schedule: bool = True) -> Problem | None:
    """The MIP's data for a scenario: candidate paths, their stage options and shared capacities;
    target_loss is the loss the chosen path must reach (None: no quality bound).

    A program of R ≥ 2 runs gets two schedules per path (later_schedule): the first run's stages,
    priced for one run, and the later stages that runs 2..R share (later_stages), placed in run 2's
    window and priced for R − 1 runs. later_schedule=False repeats the first run's schedule in
    every window instead, its options priced for all R runs (a portfolio project).

    Returns None when no candidate survives (its cost floor exceeds the budget, or no allowed
    hardware fits a stage): the caller reports that no plan exists.
    Candidates are visited in order of promise and those that cannot win are never priced:
    under the cost objective, cheapest cost floor first (candidate_cost_floor), stopping once the
    floor exceeds the cost of a simple feasible plan already found (presolve.best_simple_plan);
    under the quality objective, best loss first, stopping once a candidate has a feasible plan.
    Any objective drops candidates whose floor exceeds the budget. keep_all prices every candidate
    and drops none by cost (a portfolio project: shared capacity makes the floors, which charge a
    bought node to this scenario alone, no bound there).
    """
    deadline = scenario.deadline_days
    runs = scenario.program.runs
    two = later_schedule and runs > 1  # two schedules: the first run's and the later runs'
    after = (runs - 2 if two else runs - 1) * every_days(scenario)  # from the last scheduled end to the last run's
    pools = cloud_pools(scenario, catalog, after) + owned_pools(scenario, catalog, deadline)
    if not pools:
        unlimited = scenario.policy.model_copy(update={"max_nodes_per_provider": None})
        if cloud_pools(scenario.model_copy(update={"policy": unlimited}), catalog, after):
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
        later_runs_days=after,
        staff_min_days=scenario.staff_min_days,
        every_days=every_days(scenario) if two else 0.0,
        carbon_cap_tco2e=scenario.policy.carbon_cap_tco2e,
        max_provider_share=scenario.policy.max_provider_share,
    )
    pricing = Pricing.of(pools, catalog, scenario, deadline, runs=1 if two else runs)
    rates = _usd_per_flop_floor(pools, catalog, scenario, deadline)
    floors = {c.id: candidate_cost_floor(c, rates, scenario) for c in candidates}
    budget = scenario.budget_usd if scenario.budget_usd is not None else math.inf
    if keep_all:
        floors, budget = dict.fromkeys(floors, 0.0), math.inf
    candidates = [c for c in candidates if floors[c.id] <= budget * (1 + 1e-9)]
    order = (lambda c: (c.predicted_loss, floors[c.id])) if objective == "quality" else (lambda c: floors[c.id])
    paths, best_loss, best_cost = [], math.inf, math.inf
    for cand in sorted(candidates, key=order):
        if cand.predicted_loss > best_loss or floors[cand.id] > best_cost * (1 + 1e-9):
            break  # sorted: no later candidate can beat a plan already found
        path = path_options(cand, pricing, stage_ready_days(cand, scenario))
        if path is None:
            continue
        if two:
            path = later_stages(path, runs - 1, every_days(scenario))
        paths.append(path)
        found = greedy_upper_bound(Problem(paths=(path,), capacities=capacities_used(pools, [path]), **settings))
        if objective == "quality" and math.isfinite(found):
            best_loss = min(best_loss, path.loss)
        if objective == "cost":
            best_cost = min(best_cost, found)
    if not paths:
        return None  # nothing fits the budget, or no stage fits any allowed hardware: no plan exists
    return Problem(paths=tuple(paths), capacities=capacities_used(pools, paths), **settings)


def later_stages(path: Path, later_runs: int, every: float) -> Path:
    """The path with the schedule runs 2..R share appended: each stage again, named 'later:<stage>',
    ready every days later (run 2's window), its options the same clusters and days with their costs,
    energy, emissions and GPU-hours counted for the later_runs runs (every figure is per run times
    the runs, so pruning and dominance are unchanged)."""
    copies = tuple(StageOptions(name=f"later:{s.name}", options=tuple(_times(o, later_runs) for o in s.options),
                                ready_day=s.ready_day + every, runs=later_runs, later=True) for s in path.stages)
    return dataclasses.replace(path, stages=path.stages + copies)


_PER_RUN = ("compute_usd", "energy_usd", "energy_mwh", "tco2e", "capex_usd", "hosting_usd", "gpu_hours",
            "setup_usd", "min_billed_usd", "reserved_usd")


def _times(o: Option, runs: int) -> Option:
    """Option o (priced for one run) counted for `runs` runs: every per-run figure times runs."""
    return dataclasses.replace(o, **{f: getattr(o, f) * runs for f in _PER_RUN})


def capacities_used(pools: list[Pool], paths: list[Path]) -> tuple[Capacity, ...]:
    """The capacities of `pools` that some option of `paths` runs on."""
    used = {o.capacity for p in paths for s in p.stages for o in s.options if o.capacity}
    return tuple(p.capacity for p in pools if p.capacity and p.capacity.id in used)


def data_steps(cand: Candidate, scenario: Scenario) -> list[tuple[str, float, str]]:
    """(step, days from day 0, the stage it feeds) for the data work a candidate waits on, each started
    on day 0: preparing the tokens bought beyond those on hand (tokens / preparation rate) feeds the
    first stage; labelling the examples bought (vendor lead time + examples / throughput) feeds SFT."""
    d = scenario.data
    steps = []
    if cand.tokens_bought > 0 and d.preparation_tokens_per_day:
        steps.append(("data preparation", cand.tokens_bought / d.preparation_tokens_per_day, cand.stages[0].name))
    missing = max(0, d.labelled_examples_needed - d.labelled_examples_on_hand)
    tuned = any(s.name == "sft" for s in cand.stages)
    if tuned and missing > 0 and (d.labelling_examples_per_day or d.labelling_lead_time_days):
        rate = missing / d.labelling_examples_per_day if d.labelling_examples_per_day else 0.0
        steps.append(("labelling", d.labelling_lead_time_days + rate, "sft"))
    return steps


def stage_ready_days(cand: Candidate, scenario: Scenario) -> dict[str, float]:
    """The first day each stage fed by data work (data_steps) may start."""
    ready: dict[str, float] = {}
    for _, days, stage in data_steps(cand, scenario):
        ready[stage] = max(ready.get(stage, 0.0), days)
    return ready


def _usd_per_flop_floor(pools: list[Pool], catalog: Catalog, scenario: Scenario,
                        deadline: float) -> dict[str, dict[str, float]]:
    """Per pool and precision, a floor on USD per training FLOP: the hourly rate over the most FLOPs an
    accelerator of the pool can deliver in an hour (peak × one-node MFU, the highest; goodput ≤ 1).

    Rental: the price. Reserved: the term price per GPU-hour (a fee over at most a term of use).
    Owned: the node's holding charges over the most hours it can run (from delivery to the first run's
    deadline, then each later run's whole window), plus other-use income forgone and electricity.
    Held: electricity only.
    """
    runs = scenario.program.runs
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
            busy_days = max(deadline - pool.capacity.available_day + (runs - 1) * deadline, 1e-9)
            per_node = pool.capacity.unit_cost_usd + pool.capacity.hosting_usd_per_node
            hourly = (per_node / busy_days + pool.holding.other_use_usd_per_idle_node_day) / (gpn * 24.0) + energy
        else:
            hourly = energy
        precisions = ("bf16", "fp8") if chip.fp8_tflops else ("bf16",)
        speed = scenario.policy.speed(pool.chip_id)  # a measured factor above 1 lowers the floor
        floors[pool.id] = {p: hourly / (compute.peak_flops_per_s(chip, p) * compute.peak_mfu(chip, p) * speed * 3600.0)
                           for p in precisions}
    return floors


def _term_years(capacity_id: str) -> int:
    return int(capacity_id.split("-")[1].split("y")[0])


def candidate_cost_floor(cand: Candidate, floors: dict[str, dict[str, float]], scenario: Scenario) -> float:
    """A lower bound on any plan's cost for this candidate: fixed costs, each stage's FLOPs at the
    cheapest floor rate of any pool (capacity shared between stages only lowers no one's floor), and
    staff to the latest day its data is ready plus the later runs, at least staff_min_days."""
    precision = scenario.policy.precision
    cheapest = min((f.get(precision, f["bf16"]) for f in floors.values()), default=math.inf)
    flops = sum(compute.stage_flops(s.workload) for s in cand.stages) * scenario.program.runs
    ready = max(stage_ready_days(cand, scenario).values(), default=0.0)
    later = (scenario.program.runs - 1) * every_days(scenario)
    staff = scenario.staff_usd_per_month / DAYS_PER_MONTH * max(ready + later, scenario.staff_min_days)
    return cand.data_cost_usd + cand.labelling_cost_usd + cand.inference_cost_usd + flops * cheapest + staff


def path_options(cand: Candidate, pricing: Pricing, ready_days: dict[str, float] | None = None) -> Path | None:
    """A candidate with the pruned options of each of its stages (None if some stage fits nowhere);
    ready_days: the first day each named stage may start (default day 0)."""
    stages = []
    for stage in cand.stages:
        options = priced_stage(stage.workload, pricing)
        if not options:
            return None
        stages.append(StageOptions(name=stage.name, options=options, ready_day=(ready_days or {}).get(stage.name, 0.0),
                                   runs=pricing.runs))
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
    speeds: tuple[tuple[str, float], ...] = ()  # scenario policy.mfu_factor, as sorted items

    def speed(self, chip_id: str) -> float:
        """The scenario's measured speed of `chip_id` over the compute model's (policy.mfu_factor)."""
        return chip_factor(dict(self.speeds), chip_id)

    @classmethod
    def of(cls, pools: list[Pool], catalog: Catalog, scenario: Scenario, deadline_days: float,
           runs: int | None = None) -> Pricing:
        """runs: how many runs an option's figures count (default: all the program's)."""
        pricing = cls(pools=tuple((p, catalog.chips[p.chip_id], catalog.sites[p.site_id]) for p in pools),
                      precision=scenario.policy.precision, deadline_days=deadline_days,
                      runs=scenario.program.runs if runs is None else runs,
                      carbon_matters=scenario.policy.carbon_cap_tco2e is not None,
                      provider_matters=scenario.policy.max_provider_share is not None,
                      failures_per_node_day=failures_per_node_day(scenario),
                      speeds=tuple(sorted((scenario.policy.mfu_factor or {}).items())))
        # One object per distinct pricing, so memo lookups compare it by identity, not field by field.
        if len(_PRICINGS) > 256:
            _PRICINGS.clear()
        return _PRICINGS.setdefault(pricing, pricing)

    @functools.cached_property
    def _hash(self) -> int:
        return hash((self.pools, self.precision, self.deadline_days, self.runs, self.carbon_matters,
                     self.provider_matters, self.failures_per_node_day, self.speeds))

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


def cloud_pools(scenario: Scenario, catalog: Catalog, later_runs_days: float | None = None) -> list[Pool]:
    """Each allowed cloud offer as on-demand, spot and reserved pools, as policy permits. Spot pools
    offer at most the offer's spot_max_nodes (the capacity one can expect to obtain); on-demand and
    spot segments pay the offer's start-up time per node and at least its minimum billed time.

    Reserved capacity is paid for its whole term (1 or 3 years, from today) per node and usable only
    within it (Capacity.available_until_day), less later_runs_days (the windows after the last one
    scheduled: _reserved_pools; default: the program's runs after the first).
    """
    policy = scenario.policy
    if not policy.cloud_allowed:
        return []
    pools = []
    for offer in catalog.offers.values():
        if not _allowed(scenario, offer.provider, offer.Region, offer.chip):
            continue
        max_nodes = rental_node_limit(offer, scenario, "on_demand")[0]
        if max_nodes < 1:
            continue
        common = dict(chip_id=offer.chip, provider=offer.provider, gpus_per_node=offer.gpus_per_node,
                      max_nodes=max_nodes, site_id=offer.site, scaleout_gbps_per_node=offer.scaleout_gbps_per_node)
        billing = dict(startup_hours=offer.startup_minutes / 60.0, min_billed_hours=offer.min_billed_minutes / 60.0)
        if offer.on_demand_usd_per_gpu_hour:
            pools.append(Pool(id=f"{offer.offer_id}:on_demand", source="on_demand",
                              usd_per_gpu_hour=offer.on_demand_usd_per_gpu_hour,
                              spot_interruptions_per_node_day=0.0, **common, **billing))
        if policy.spot_allowed and offer.spot_usd_per_gpu_hour:
            spot = {**common, "max_nodes": rental_node_limit(offer, scenario, "spot")[0]}
            pools.append(Pool(id=f"{offer.offer_id}:spot", source="spot",
                              usd_per_gpu_hour=offer.spot_usd_per_gpu_hour,
                              spot_interruptions_per_node_day=offer.spot_interruptions_per_node_day, **spot, **billing))
        if policy.reserved_allowed:
            later = (scenario.program.runs - 1) * every_days(scenario) if later_runs_days is None else later_runs_days
            pools.extend(_reserved_pools(offer, common, later))
    return pools


def rental_node_limit(offer: CloudOffer, scenario: Scenario, source: str) -> tuple[int, str]:
    """The most nodes of `offer` a plan may rent at once as `source` ('spot' or another rental),
    and the field that sets it: min(max_nodes, spot_max_nodes for spot, the scenario's
    policy.max_nodes_per_provider for its provider); on a tie the narrower field names it."""
    quota = {k.lower(): v for k, v in (scenario.policy.max_nodes_per_provider or {}).items()}
    limit, field = offer.max_nodes, "max_nodes"
    if source == "spot" and offer.spot_max_nodes <= limit:
        limit, field = offer.spot_max_nodes, "spot_max_nodes"
    own = quota.get(offer.provider.lower())
    return (own, "policy.max_nodes_per_provider") if own is not None and own <= limit else (limit, field)


def prune_pools(pools: list[Pool], catalog: Catalog, carbon_matters: bool, provider_matters: bool) -> list[Pool]:
    """Drop rental pools another one beats outright, before any option is estimated.

    Two rental pools on the same chip, node size, interruption rate and start-up and minimum billed
    time (and, under a carbon cap,
    the same site physics) give options of identical duration; the one no dearer and allowing no
    fewer nodes yields an option at least as good for every cluster size (prune_options would drop
    the other's options anyway; this skips estimating them).
    """
    def physics(p: Pool):
        site = catalog.sites[p.site_id]
        return (p.chip_id, p.gpus_per_node, p.spot_interruptions_per_node_day, p.scaleout_gbps_per_node,
                p.startup_hours, p.min_billed_hours,
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


def _reserved_pools(offer: CloudOffer, common: dict, later_runs_days: float) -> list[Pool]:
    """The 1- and 3-year reservations of an offer, each paid for its whole term from day 0. The last
    scheduled run's schedule repeats later_runs_days on (the later schedule, placed in run 2's window,
    for runs 3..R; or the first run's for runs 2..R), so what is scheduled must end that much before
    the term does (a term too short for the program is not offered). With two schedules this also
    holds the first run's use to that day: for R ≥ 3 a stricter end than its own (docs/model.md)."""
    pools = []
    for years, price in ((1, offer.reserved_1y_usd_per_gpu_hour), (3, offer.reserved_3y_usd_per_gpu_hour)):
        until = 365.0 * years - later_runs_days
        if not price or until <= 0:
            continue
        fee = price * offer.gpus_per_node * HOURS_PER_YEAR * years
        cap_id = f"reserved-{years}y:{offer.offer_id}"
        capacity = Capacity(
            id=cap_id, kind="reserved", chip=offer.chip, vendor=offer.provider,
            unit_cost_usd=fee, hosting_usd_per_node=0.0, unit_price_usd=fee,
            held_nodes=0, max_new_nodes=common["max_nodes"], available_day=0.0,
            available_until_day=until,
        )
        pools.append(Pool(id=cap_id, source="reserved", usd_per_gpu_hour=0.0,
                          spot_interruptions_per_node_day=0.0, capacity=capacity, reserved_usd_per_gpu_hour=price,
                          **common))
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
        held = owned_holding(hw, scenario)
        capacity = Capacity(
            id=f"buy:{hw.id}@{site}", kind="owned", chip=hw.accelerator, vendor=hw.vendor,
            unit_cost_usd=held.capital_usd + held.financing_usd - held.other_use_credit_usd,
            hosting_usd_per_node=held.hosting_usd, unit_price_usd=hw.capex_usd_per_node, held_nodes=0,
            max_new_nodes=MAX_NEW_OWNED_NODES, available_day=held.delivery_day,
        )
        pools.append(Pool(id=capacity.id, source="owned", chip_id=hw.accelerator, provider="owned",
                          gpus_per_node=hw.gpus_per_node, max_nodes=MAX_NEW_OWNED_NODES, usd_per_gpu_hour=0.0,
                          spot_interruptions_per_node_day=0.0, site_id=site, capacity=capacity, holding=held,
                          scaleout_gbps_per_node=hw.scaleout_gbps_per_node))
    return pools


def owned_holding(hw: OwnedHardware, scenario: Scenario) -> Holding:
    """One node of `hw` bought for this scenario, held from delivery to the last run's deadline.

    Declared other use may not earn more per idle node-day than holding the node costs per day:
    the planner would then buy servers to lease them out, a business it does not model.
    """
    own = scenario.ownership
    other = own.other_use.share * own.other_use.usd_per_node_day if own.other_use else 0.0
    held = holding(hw, own.accounting, horizon_day(scenario), own.financing_rate_per_year, other)
    if held.net_usd < 0:
        raise InputError(f"scenario ownership.other_use: {own.other_use.share:g} x "
                         f"{own.other_use.usd_per_node_day:g} USD per node-day",
                         f"idle {hw.id} nodes would earn more than they cost to hold "
                         f"({(held.net_usd + held.other_use_credit_usd) / held.held_days:,.0f} USD per node-day)",
                         "declare a value below the holding cost, or leave other_use out")
    return held


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
    """One Option per cluster size on which the stage fits in memory and can matter by the deadline.

    days is one run's duration (each run of a program has its own window); costs, energy and
    emissions are for pricing.runs runs (one, when the later runs have a schedule of their own). On bought servers the option pays
    electricity and, under declared other use, the income its node-days forgo. A rental segment
    first spends the offer's start-up time (setup_days), billed on every node (setup_usd), and is
    billed at least min_billed_usd.
    """
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
    # A size that could not end in time even at the chip's peak MFU (compute.peak_mfu: no layout
    # beats it) would be dropped below after its layout search: skip it before.
    slowest = SLOWEST_USEFUL_DEADLINE_MULTIPLE * pricing.deadline_days
    speed = pricing.speed(chip.id)
    fastest_gpu_days = compute.stage_flops(w) / (compute.peak_flops_per_s(chip, precision)
                                                  * compute.peak_mfu(chip, precision) * speed * 86_400.0)
    sizes = [n for n in node_grid(min_nodes, min(pool.max_nodes, useful // pool.gpus_per_node))
             if fastest_gpu_days / (n * pool.gpus_per_node) <= slowest]
    compute.search_layouts(w, chip, [n * pool.gpus_per_node for n in sizes], precision, pool.gpus_per_node,
                           pool.scaleout_gbps_per_node)
    for nodes in sizes:
        gpus = nodes * pool.gpus_per_node
        try:  # a size the batch cannot feed after all (it does not split into power-of-two groups)
            est = _estimate(w, chip, gpus, precision, pool.spot_interruptions_per_node_day, site.pue,
                            site.carbon_g_per_kwh, pool.gpus_per_node, pricing.failures_per_node_day,
                            pool.scaleout_gbps_per_node, first_start=pool.startup_hours == 0, speed=speed)
        except ValueError:
            continue
        days = est.wall_clock_days  # one run: each run of a program has its own window
        if days > SLOWEST_USEFUL_DEADLINE_MULTIPLE * pricing.deadline_days:
            continue
        energy_mwh = est.energy_mwh * runs
        own = pool.source in ("owned", "held")
        forgone = pool.holding.other_use_usd_per_idle_node_day * nodes * days * runs if pool.holding else 0.0
        billed_hour = pool.usd_per_gpu_hour * gpus * runs  # one hour on every node, every run
        options.append(Option(
            id=f"{pool.id}:{nodes}n", offer=pool.id if own or pool.source == "reserved" else pool.id.rsplit(":", 1)[0],
            provider=pool.provider, chip=pool.chip_id, source=pool.source, nodes=nodes, gpus=gpus,
            days=days,
            compute_usd=0.0 if own else est.gpu_hours * runs * pool.usd_per_gpu_hour,
            energy_usd=energy_mwh * 1000.0 * site.electricity_usd_per_kwh if own else 0.0,
            energy_mwh=energy_mwh, tco2e=est.tco2e * runs, capex_usd=forgone,
            setup_days=pool.startup_hours / 24.0, setup_usd=billed_hour * pool.startup_hours,
            min_billed_usd=billed_hour * pool.min_billed_hours,
            capacity=pool.capacity.id if pool.capacity else None,
            gpu_hours=est.gpu_hours * runs, mfu=est.mfu, goodput=est.goodput, layout=compute.layout_summary(est),
            reserved_usd=est.gpu_hours * runs * pool.reserved_usd_per_gpu_hour,
        ))
    return options


@functools.lru_cache(maxsize=100_000)
def _estimate(w, chip, gpus, precision, spot_rate, pue, carbon, gpus_per_node, failures, scaleout=None,
              first_start=True, speed=1.0):
    """compute.estimate, memoised: many offers share a chip, node size and site, and coalitions share stages."""
    return compute.estimate(w, chip, gpus, precision=precision, spot_interruptions_per_node_day=spot_rate,
                            pue=pue, carbon_g_per_kwh=carbon, gpus_per_node=gpus_per_node,
                            failures_per_node_day=failures, scaleout_gbps_per_node=scaleout, first_start=first_start,
                            speed=speed)


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
    need no more nodes (and, under a provider-share cap, count the same reserved spend: more of it
    weighs on its provider's cap but lightens every other's). Any plan using b then does at least as
    well with a in its place.
    """
    groups: dict[tuple, list[Option]] = {}
    for o in options:
        key = ("capacity", o.capacity) if o.capacity else ("cloud", o.provider if provider_matters else "")
        groups.setdefault(key, []).append(o)
    kept = []
    for (kind, _), group in groups.items():
        extra = [] if kind == "cloud" else ["nodes"] + (["reserved_usd", "reserved_usd_negated"]
                                                        if provider_matters else [])
        kept.extend(_pareto(group, carbon_matters, extra))
    return kept


def _pareto(options: list[Option], carbon_matters: bool, extra: list[str]) -> list[Option]:
    """Options not dominated on (days, cost[, tco2e][, start-up days, start-up cost, minimum billed]
    [, nodes]); exact duplicates keep their first. A segment's time and cost are increasing in each,
    so an option no worse on all is no worse for any fraction of the stage."""
    per_segment = any(o.setup_days or o.setup_usd or o.min_billed_usd for o in options)

    def key(o):
        k = [o.days, o.variable_usd]
        if carbon_matters:
            k.append(o.tco2e)
        if per_segment:
            k += [o.setup_days, o.setup_usd, o.min_billed_usd]
        return tuple(k + [-o.reserved_usd if f == "reserved_usd_negated" else getattr(o, f) for f in extra])

    ranked = sorted(options, key=key)
    if not carbon_matters and not extra and not per_segment:  # two criteria: one sweep by days keeping falling cost
        front, best = [], float("inf")
        for o in ranked:
            if o.variable_usd < best:
                front.append(o)
                best = o.variable_usd
        return front
    keys = np.array([key(o) for o in ranked], dtype=float)
    front = np.empty_like(keys)  # keys of the options kept so far, the first `kept` rows
    chosen, kept = [], 0
    for o, ko in zip(ranked, keys):  # sorted, so only earlier options can dominate later ones
        if not kept or not (front[:kept] <= ko).all(axis=1).any():
            front[kept] = ko
            kept += 1
            chosen.append(o)
    return chosen


def _hardware(catalog: Catalog, hw_id: str) -> OwnedHardware:
    if hw_id not in catalog.hardware:
        raise InputError(f"scenario owned_hardware: hardware '{hw_id}'", "unknown server type",
                         did_you_mean(hw_id, catalog.hardware))
    return catalog.hardware[hw_id]


def _site(catalog: Catalog, site_id: str, field: str) -> None:
    if site_id not in catalog.sites:
        raise InputError(f"scenario {field}: '{site_id}'", "unknown site", did_you_mean(site_id, catalog.sites))
