"""An independent evaluator: recompute a plan's cost, dates and energy from the inputs alone.

It shares no code with the options builder or the MIP: it reads the Plan (what to run where),
looks prices up in the catalog, re-runs the compute model for each segment, re-derives capital
charges from the hardware rows and re-checks the schedule. `evaluate(...)` returns the recomputed
figures and a list of violations; a correct planner yields figures equal to the plan's and no
violations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from planner import compute, quality
from planner.catalog import Catalog
from planner.plan import Plan
from planner.scenario import Scenario
from planner.workload import Workload

TOLERANCE = 1e-4  # relative; the plan's numbers pass through a MIP solver's floating point


@dataclass
class Evaluation:
    total_cost_usd: float
    end_day: float
    energy_mwh: float
    tco2e: float
    cost_breakdown_usd: dict[str, float]
    violations: list[str] = field(default_factory=list)


def _close(a: float, b: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b), scale)


def evaluate(plan: Plan, scenario: Scenario, catalog: Catalog) -> Evaluation:
    """Recompute the plan's figures; list every disagreement with the plan or with a bound."""
    runs = scenario.program_runs
    bad: list[str] = []
    cost = dict.fromkeys(("compute", "reserved", "owned_capex_net", "energy", "hosting", "data",
                          "labelling", "inference", "staff"), 0.0)
    energy = carbon = 0.0
    nodes_used: dict[str, int] = {}
    first_use: dict[str, float] = {}
    last_end: dict[str, float] = {}
    clock = 0.0
    for stage in plan.stages:
        w = stage_workload(stage)
        done = sum(s.fraction for s in stage.segments)
        if not math.isclose(done, 1.0, abs_tol=1e-6):
            bad.append(f"stage {stage.name}: segments do {done:.6f} of the work, not all of it")
        for seg in stage.segments:
            kind, _, site, _ = _where(seg, catalog)
            est = segment_estimate(w, seg, scenario, catalog)
            days = est.wall_clock_days * runs * seg.fraction
            if seg.start_day < clock - 1e-6:
                bad.append(f"stage {stage.name}: segment on {seg.offer} starts day {seg.start_day:.3f} "
                           f"before the previous one ends ({clock:.3f})")
            if not _close(seg.end_day - seg.start_day, days, 1.0):
                bad.append(f"stage {stage.name}: segment on {seg.offer} lasts {seg.end_day - seg.start_day:.4f} "
                           f"days, recomputed {days:.4f}")
            clock = max(clock, seg.end_day)
            seg_energy = est.energy_mwh * runs * seg.fraction
            energy += seg_energy
            carbon += est.tco2e * runs * seg.fraction
            if kind in ("owned", "held"):
                seg_cost = seg_energy * 1000.0 * site.electricity_usd_per_kwh
                cost["energy"] += seg_cost
                if kind == "owned":
                    capital, hosting = _owned_use(catalog, scenario, seg, days)
                    cost["owned_capex_net"] += capital
                    cost["hosting"] += hosting
                    seg_cost += capital + hosting
            elif kind == "reserved":
                seg_cost = 0.0
            else:
                seg_cost = est.gpu_hours * runs * seg.fraction * rate_usd(seg, catalog)
                cost["compute"] += seg_cost
            if not _close(seg_cost, seg.cost_usd, 1.0):
                bad.append(f"stage {stage.name}: segment on {seg.offer} costs {seg.cost_usd:,.2f}, "
                           f"recomputed {seg_cost:,.2f}")
            if kind in ("owned", "reserved", "held"):
                nodes_used[seg.offer] = max(nodes_used.get(seg.offer, 0), seg.nodes)
                first_use[seg.offer] = min(first_use.get(seg.offer, math.inf), seg.start_day)
                last_end[seg.offer] = max(last_end.get(seg.offer, 0.0), seg.end_day)
    _capacity_costs(scenario, catalog, nodes_used, first_use, last_end, cost, bad)
    cost["data"], cost["labelling"] = data_costs(plan, scenario, bad)
    loss = recompute_loss(plan, scenario, catalog)
    if not math.isclose(loss, plan.predicted_loss, rel_tol=1e-6):
        bad.append(f"predicted loss: plan {plan.predicted_loss:.6f}, recomputed {loss:.6f}")
    cost["inference"] = serving_cost_usd(plan, scenario, catalog)
    cost["staff"] = scenario.staff_usd_per_month * 12.0 / 365.0 * clock
    total = sum(cost.values())
    ev = Evaluation(total, clock, energy, carbon, cost, bad)
    _compare(plan, ev, scenario)
    return ev


def _precision(scenario: Scenario, catalog: Catalog, chip: str) -> str:
    p = scenario.policy.precision
    return p if p == "bf16" or catalog.chips[chip].fp8_tflops else "bf16"


def stage_workload(stage) -> Workload:
    """The Workload a plan's stage describes (batch and catalog shape included)."""
    return Workload(stage.method, stage.params, stage.active_params, stage.tokens, stage.teacher_params,
                    stage.seq_len, batch_tokens=stage.batch_tokens, shape=tuple(stage.shape) if stage.shape else None)


def segment_estimate(w: Workload, seg, scenario: Scenario, catalog: Catalog) -> compute.Estimate:
    """The compute model's figures for the whole stage `w` on the segment's cluster, at its site,
    with the scenario's precision and failure rate."""
    _, chip, site, rate = _where(seg, catalog)
    failures = (compute.FAILURES_PER_NODE_DAY if scenario.failures_per_node_day is None
                else scenario.failures_per_node_day)
    return compute.estimate(w, catalog.chips[chip], seg.gpus, precision=_precision(scenario, catalog, chip),
                            spot_interruptions_per_node_day=rate, pue=site.pue, carbon_g_per_kwh=site.carbon_g_per_kwh,
                            gpus_per_node=seg.gpus // seg.nodes, failures_per_node_day=failures,
                            scaleout_gbps_per_node=_scaleout(seg, catalog))


def _scaleout(seg, catalog: Catalog) -> float | None:
    """The segment's scale-out network per node (offer or server row; None: the chip's reference)."""
    if seg.source in ("owned", "held"):
        return catalog.hardware[seg.offer.split(":", 1)[1].split("@")[0]].scaleout_gbps_per_node
    return catalog.offers[_offer_id(seg.offer)].scaleout_gbps_per_node


def _where(seg, catalog: Catalog):
    """(source kind, chip id, site row, spot interruptions per node-day) for a segment."""
    if seg.source in ("owned", "held"):
        hw_id, site_id = seg.offer.split(":", 1)[1].split("@")
        return seg.source, catalog.hardware[hw_id].accelerator, catalog.sites[site_id], 0.0
    offer = catalog.offers[_offer_id(seg.offer)]
    rate = offer.spot_interruptions_per_node_day if seg.source == "spot" else 0.0
    return seg.source, offer.chip, catalog.sites[offer.site], rate


def _offer_id(offer: str) -> str:
    return offer.split(":", 1)[1] if offer.startswith("reserved-") else offer


def rate_usd(seg, catalog: Catalog) -> float:
    offer = catalog.offers[_offer_id(seg.offer)]
    return offer.spot_usd_per_gpu_hour if seg.source == "spot" else offer.on_demand_usd_per_gpu_hour


def _owned_use(catalog: Catalog, scenario: Scenario, seg, days: float) -> tuple[float, float]:
    """Capital and hosting charged for a segment on bought servers: the whole stage's charge for its
    nodes times the segment's share of the work (amortise: capex per day of useful life; resell:
    market value lost at the catalog's yearly rate, on the share of value a sale realises)."""
    hw = catalog.hardware[seg.offer.split(":", 1)[1].split("@")[0]]
    full_days = days / seg.fraction if seg.fraction > 0 else 0.0
    if scenario.ownership.accounting == "amortise":
        per_node = hw.capex_usd_per_node * min(1.0, full_days / (365.0 * hw.life_years))
    else:
        per_node = hw.resale_recovery_fraction * hw.capex_usd_per_node * (
            1.0 - (1.0 - hw.resale_fraction_per_year) ** (full_days / 365.0))
    hosting = hw.hosting_usd_per_node_month * full_days * 12.0 / 365.0
    return seg.fraction * seg.nodes * per_node, seg.fraction * seg.nodes * hosting


def _capacity_costs(scenario, catalog, nodes_used, first_use, last_end, cost, bad) -> None:
    """Bought servers: resale haircut and delivery before first use; reserved: whole-term fee, use within
    the term; held: no more nodes than owned."""
    for pool, nodes in nodes_used.items():
        if pool.startswith("buy:"):
            hw = catalog.hardware[pool.split(":", 1)[1].split("@")[0]]
            if scenario.ownership.accounting == "resell":
                cost["owned_capex_net"] += nodes * hw.capex_usd_per_node * (1.0 - hw.resale_recovery_fraction)
            if first_use[pool] < hw.lead_time_days - 1e-6:
                bad.append(f"{pool}: used from day {first_use[pool]:.2f}, before delivery on day {hw.lead_time_days}")
        elif pool.startswith("reserved-"):
            years = int(pool.split("-")[1].split("y")[0])
            offer = catalog.offers[_offer_id(pool)]
            price = offer.reserved_1y_usd_per_gpu_hour if years == 1 else offer.reserved_3y_usd_per_gpu_hour
            cost["reserved"] += nodes * price * offer.gpus_per_node * 8760.0 * years
            if last_end[pool] > 365.0 * years + 1e-6:
                bad.append(f"{pool}: used until day {last_end[pool]:.2f}, after the {years}-year term ends")
        elif pool.startswith("held:"):
            hw_id, site = pool.split(":", 1)[1].split("@")
            owned = sum(h.nodes for h in scenario.owned_hardware
                        if h.hardware == hw_id and (h.site or scenario.ownership.site) == site)
            if nodes > owned:
                bad.append(f"{pool}: uses {nodes} nodes but only {owned} are owned")


def data_costs(plan: Plan, scenario: Scenario, bad: list[str]) -> tuple[float, float]:
    """Unique tokens bought at the scenario's price, and labelled examples bought beyond those on hand."""
    d = scenario.data
    bought = plan.path.unique_tokens_bought
    if bought > 0 and d.extra_tokens_usd_per_billion is None:
        bad.append(f"buys {bought:.3g} tokens, but the scenario cannot buy any")
    if d.max_extra_tokens is not None and bought > d.max_extra_tokens * (1 + TOLERANCE):
        bad.append(f"buys {bought:.3g} tokens, more than max_extra_tokens {d.max_extra_tokens:.3g}")
    data_usd = bought / 1e9 * (d.extra_tokens_usd_per_billion or 0.0)
    tuned = any(s.name == "sft" for s in plan.stages)
    missing = max(0, d.labelled_examples_needed - d.labelled_examples_on_hand) if tuned else 0
    return data_usd, missing * d.labelled_example_usd


def serving_cost_usd(plan: Plan, scenario: Scenario, catalog: Catalog) -> float:
    """Lifetime serving: 2·N_active FLOPs per token (Sardana et al. 2024) at the scenario's chip, MFU and price."""
    inf = scenario.inference
    if inf.lifetime_tokens <= 0:
        return 0.0
    chip = catalog.chips[inf.chip]
    # adopted weights have no stage: they serve as released
    active = plan.stages[-1].active_params if plan.stages else catalog.models[plan.path.base].params_active
    gpu_hours = 2.0 * active * inf.lifetime_tokens / (chip.bf16_tflops * 1e12 * inf.mfu * 3600.0)
    return gpu_hours * inf.usd_per_gpu_hour


def recompute_loss(plan: Plan, scenario: Scenario, catalog: Catalog) -> float:
    """The finished model's loss from the path's parameters, tokens and data, by the scenario's laws."""
    laws = quality.laws_for(scenario)
    law = laws.pretrain
    kind = plan.path.kind
    trained = [s for s in plan.stages if s.name != "sft"]
    if not trained:  # open weights as released, perhaps task-tuned (task tuning leaves the loss as it is)
        base = catalog.models[plan.path.base]
        return quality.loss(base.params_active, base.training_tokens, law)
    main = trained[0]
    pool = scenario.data.unique_tokens + plan.path.unique_tokens_bought
    effective = quality.effective_tokens(main.tokens, pool, laws.repetition)
    if kind == "scratch":
        return quality.loss(main.active_params, effective, law)
    if kind == "continue":
        base = catalog.models[plan.path.base]
        return quality.continued_loss(base.params_active, base.training_tokens, effective, law)
    teacher = catalog.models[plan.path.teacher]
    return quality.distilled_loss(teacher.params_active, teacher.training_tokens, main.active_params, effective,
                                  law, laws.distillation)


def _compare(plan: Plan, ev: Evaluation, scenario: Scenario) -> None:
    if not _close(ev.total_cost_usd, plan.total_cost_usd, 1.0):
        ev.violations.append(f"total cost: plan {plan.total_cost_usd:,.2f}, recomputed {ev.total_cost_usd:,.2f}")
    for key, value in ev.cost_breakdown_usd.items():
        if not _close(value, plan.cost_breakdown_usd.get(key, 0.0), 1.0):
            ev.violations.append(f"cost {key}: plan {plan.cost_breakdown_usd.get(key, 0.0):,.2f}, "
                                 f"recomputed {value:,.2f}")
    if not _close(ev.end_day, plan.end_day, 1.0):
        ev.violations.append(f"end day: plan {plan.end_day:.4f}, recomputed {ev.end_day:.4f}")
    if ev.end_day > scenario.deadline_days * (1 + TOLERANCE):
        ev.violations.append(f"ends day {ev.end_day:.2f}, after the deadline {scenario.deadline_days:g}")
    if scenario.budget_usd is not None and ev.total_cost_usd > scenario.budget_usd * (1 + TOLERANCE):
        ev.violations.append(f"costs {ev.total_cost_usd:,.0f}, over the budget {scenario.budget_usd:,.0f}")
    if plan.scenario.target_loss is not None and plan.objective != "quality":
        if plan.predicted_loss > plan.scenario.target_loss + 1e-9:
            ev.violations.append(f"predicted loss {plan.predicted_loss:.4f} misses the target "
                                 f"{plan.scenario.target_loss:.4f}")
    if not _close(ev.energy_mwh, plan.energy_mwh, 1e-3):
        ev.violations.append(f"energy: plan {plan.energy_mwh:.3f} MWh, recomputed {ev.energy_mwh:.3f}")
