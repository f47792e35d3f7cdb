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
from planner.results import Plan
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


def evaluate(plan: Plan, scenario: Scenario, catalog: Catalog, capacities: bool = True) -> Evaluation:
    """Recompute the plan's figures; list every disagreement with the plan or with a bound.
    capacities=False leaves out what bought and reserved nodes cost per node (a portfolio project's
    plan: its pools are the portfolio's, recomputed by planner.portfolio.evaluate).

    The plan's stages are the first run. With later_stages, runs 2..R share those: dated in run 2's
    window (every_days on), run r (r − 2)·every_days later; so the first run's costs, energy and
    emissions count once and the later schedule's R − 1 times. Without, every run repeats the first
    run's stages every_days later, and they count R times. The last run's end is the later schedule's
    end plus (R − 2)·every_days, or the first run's plus (R − 1)·every_days.
    """
    runs = scenario.program.runs
    step = scenario.deadline_days if scenario.program.every_days is None else scenario.program.every_days
    bad: list[str] = []
    cost = dict.fromkeys(("compute", "reserved", "owned_capex_net", "energy", "hosting", "data",
                          "labelling", "inference", "staff"), 0.0)
    use = _Use()
    if plan.later_stages:
        if [_shape(st) for st in plan.later_stages] != [_shape(st) for st in plan.stages]:
            bad.append("the later runs' stages train something other than the first run's")
        first_end = _schedule(plan.stages, 1, 0.0, scenario, catalog, cost, use, bad, "first run")
        end = _schedule(plan.later_stages, runs - 1, step, scenario, catalog, cost, use, bad, "later runs")
        last_run_end = end + (runs - 2) * step
        use.last_end = {pool: max(day, use.later_end[pool] + (runs - 2) * step) if pool in use.later_end else day
                        for pool, day in use.last_end.items()}
    else:
        first_end = end = _schedule(plan.stages, runs, 0.0, scenario, catalog, cost, use, bad, "first run")
        last_run_end = end + (runs - 1) * step
        use.last_end = {pool: day + (runs - 1) * step for pool, day in use.last_end.items()}
    if capacities:
        _capacity_costs(plan, scenario, catalog, use.nodes, use.first_use, use.last_end,
                        scenario.deadline_days + (runs - 1) * step, cost, bad)
    cost["data"], cost["labelling"] = data_costs(plan, scenario, bad)
    loss = recompute_loss(plan, scenario, catalog)
    if not math.isclose(loss, plan.predicted_loss, rel_tol=1e-6):
        bad.append(f"predicted loss: plan {plan.predicted_loss:.6f}, recomputed {loss:.6f}")
    cost["inference"] = serving_cost_usd(plan, scenario, catalog)
    cost["staff"] = scenario.staff_usd_per_month * 12.0 / 365.0 * max(last_run_end, scenario.staff_min_days)
    if first_end > scenario.deadline_days * (1 + TOLERANCE):
        bad.append(f"the first run ends day {first_end:.2f}, after its deadline {scenario.deadline_days:g}")
    _check_data_steps(plan, scenario, step, bad)
    _check_runs(plan, scenario, step, bad)
    _check_one_story(plan, runs, bad)
    total = sum(cost.values())
    ev = Evaluation(total, last_run_end, use.energy_mwh, use.tco2e, cost, bad)
    _compare(plan, ev, scenario)
    return ev


@dataclass
class _Use:
    """What a plan's schedules use, gathered segment by segment: nodes per pool (the most at once),
    first day and last day on each pool (the later schedule's last day apart, in run 2's window), and
    energy and emissions over all runs."""

    nodes: dict[str, int] = field(default_factory=dict)
    first_use: dict[str, float] = field(default_factory=dict)
    last_end: dict[str, float] = field(default_factory=dict)
    later_end: dict[str, float] = field(default_factory=dict)
    energy_mwh: float = 0.0
    tco2e: float = 0.0


def _shape(stage) -> tuple:
    return (stage.name, stage.method, stage.params, stage.active_params, stage.tokens, stage.seq_len)


def _schedule(stages, runs: int, window_start: float, scenario: Scenario, catalog: Catalog, cost: dict,
              use: _Use, bad: list[str], which: str) -> float:
    """Recompute one schedule's segments (the first run's, or the later runs' dated in run 2's window,
    which opens on window_start), each standing for `runs` runs: its durations from the compute model,
    its per-run cost from the catalog prices, its order and window; add its costs, energy and pool use.
    Returns the day its last segment ends (window_start if it runs nothing)."""
    clock = window_start
    deadline = scenario.deadline_days + window_start
    later = window_start > 0
    for stage in stages:
        w = stage_workload(stage)
        done = sum(s.fraction for s in stage.segments)
        if not math.isclose(done, 1.0, abs_tol=1e-6):
            bad.append(f"{which} stage {stage.name}: segments do {done:.6f} of the work, not all of it")
        for seg in stage.segments:
            kind, _, site, _ = _where(seg, catalog)
            rented = kind in ("on_demand", "spot")
            startup_h = catalog.offers[_offer_id(seg.offer)].startup_minutes / 60.0 if rented else 0.0
            est = segment_estimate(w, seg, scenario, catalog, first_start=startup_h == 0)
            days = est.wall_clock_days * seg.fraction + startup_h / 24.0
            if seg.start_day < clock - 1e-6:
                bad.append(f"{which} stage {stage.name}: segment on {seg.offer} starts day {seg.start_day:.3f} "
                           f"before the previous one ends or its window opens ({clock:.3f})")
            if not _close(seg.end_day - seg.start_day, days, 1.0):
                bad.append(f"{which} stage {stage.name}: segment on {seg.offer} lasts "
                           f"{seg.end_day - seg.start_day:.4f} days, recomputed {days:.4f}")
            if seg.end_day > deadline * (1 + TOLERANCE):
                bad.append(f"{which} stage {stage.name}: segment on {seg.offer} ends day {seg.end_day:.2f}, "
                           f"after its run's deadline {deadline:g}")
            clock = max(clock, seg.end_day)
            seg_energy = est.energy_mwh * seg.fraction
            use.energy_mwh += seg_energy * runs
            use.tco2e += est.tco2e * seg.fraction * runs
            if kind in ("owned", "held"):
                power = seg_energy * 1000.0 * site.electricity_usd_per_kwh
                forgone = _other_use_per_node_day(scenario) * seg.nodes * days if kind == "owned" else 0.0
                cost["energy"] += power * runs
                cost["owned_capex_net"] += forgone * runs
                seg_cost = power + forgone
            elif kind == "reserved":
                seg_cost = 0.0
            else:  # start-up on every node, then the work; at least the minimum billed
                price = rate_usd(seg, catalog)
                least = catalog.offers[_offer_id(seg.offer)].min_billed_minutes / 60.0 * seg.gpus * price
                seg_cost = max(seg.gpus * startup_h * price + est.gpu_hours * seg.fraction * price, least)
                cost["compute"] += seg_cost * runs
            if not _close(seg_cost, seg.cost_usd, 1.0):
                bad.append(f"{which} stage {stage.name}: segment on {seg.offer} costs {seg.cost_usd:,.2f} per run, "
                           f"recomputed {seg_cost:,.2f}")
            if kind in ("owned", "reserved", "held"):
                use.nodes[seg.offer] = max(use.nodes.get(seg.offer, 0), seg.nodes)
                use.first_use[seg.offer] = min(use.first_use.get(seg.offer, math.inf), seg.start_day)
                ends = use.later_end if later else use.last_end
                ends[seg.offer] = max(ends.get(seg.offer, 0.0), seg.end_day)
                use.last_end.setdefault(seg.offer, 0.0)
    return clock


def _other_use_per_node_day(scenario: Scenario) -> float:
    use = scenario.ownership.other_use
    return 0.0 if use is None else use.share * use.usd_per_node_day


def _check_data_steps(plan: Plan, scenario: Scenario, step: float, bad: list[str]) -> None:
    """Tokens bought are prepared (at the scenario's rate) before the first stage, labelled examples
    bought are labelled (vendor lead time + examples / throughput) before SFT; both start on day 0
    (and for the later runs' schedule as many days into run 2's window, as every run repeats its data
    work in its own window)."""
    d = scenario.data
    ready = {}
    if plan.path.unique_tokens_bought > 0 and d.preparation_tokens_per_day:
        ready[plan.stages[0].name] = plan.path.unique_tokens_bought / d.preparation_tokens_per_day
    bought = max(0, d.labelled_examples_needed - d.labelled_examples_on_hand)
    if bought and any(s.name == "sft" for s in plan.stages):
        days = d.labelling_lead_time_days + (bought / d.labelling_examples_per_day if d.labelling_examples_per_day
                                             else 0.0)
        if days > 0:
            ready["sft"] = max(ready.get("sft", 0.0), days)
    shown = {}
    for step in plan.data_steps:
        shown[step.feeds] = max(shown.get(step.feeds, 0.0), step.end_day)
    if set(shown) != set(ready) or any(not _close(shown[k], ready[k], 1e-3) for k in ready):
        bad.append(f"data steps end {shown}, recomputed {ready}")
    for stages, shift in ((plan.stages, 0.0), (plan.later_stages, step)):
        for stage in stages:
            start = min(s.start_day for s in stage.segments)
            if start < ready.get(stage.name, 0.0) + shift - 1e-6:
                bad.append(f"stage {stage.name} starts day {start:.3f}, before its data is ready on day "
                           f"{ready.get(stage.name, 0.0) + shift:.3f}")


def _check_runs(plan: Plan, scenario: Scenario, step: float, bad: list[str]) -> None:
    """Every run listed, in its own window, with its schedule's work and one run's figures: run 1 the
    first run's stages, runs 2..R the later runs' (dated in run 2's window) moved (r − 2)·step, or
    without them the first run's moved (r − 1)·step."""
    if not any(st.segments for st in plan.stages):  # adopted weights: nothing is trained, so no run is listed
        if plan.runs:
            bad.append(f"lists {len(plan.runs)} runs, but the plan trains nothing")
        return
    if len(plan.runs) != scenario.program.runs:
        bad.append(f"lists {len(plan.runs)} runs, the program has {scenario.program.runs}")
        return
    for r, run in enumerate(plan.runs):
        stages, shift = (plan.later_stages, (r - 1) * step) if r and plan.later_stages else (plan.stages, r * step)
        segments = [s for st in stages for s in st.segments]
        expected = (r * step, scenario.deadline_days + r * step, min(s.start_day for s in segments) + shift,
                    max(s.end_day for s in segments) + shift, sum(st.flops for st in stages),
                    sum(s.energy_mwh for s in segments), sum(s.cost_usd for s in segments))
        got = (run.window_start_day, run.deadline_day, run.start_day, run.end_day, run.flops, run.energy_mwh,
               run.cost_usd)
        if run.run != r + 1 or not all(_close(a, b, 1e-3) for a, b in zip(got, expected)):
            bad.append(f"run {r + 1}: {got} differs from its schedule moved {shift:g} days: {expected}")
        if run.start_day < run.window_start_day - 1e-6 or run.end_day > run.deadline_day * (1 + TOLERANCE):
            bad.append(f"run {r + 1} runs days {run.start_day:.2f}-{run.end_day:.2f}, outside its window "
                       f"{run.window_start_day:g}-{run.deadline_day:g}")


def _check_one_story(plan: Plan, runs: int, bad: list[str]) -> None:
    """Segments (per run) × the runs they stand for + procurement lines + data, labelling, inference
    and staff = total."""
    first = sum(s.cost_usd for st in plan.stages for s in st.segments)
    later = sum(s.cost_usd for st in plan.later_stages for s in st.segments)
    segments = first + later * (runs - 1) if plan.later_stages else first * runs
    procurement = sum(p.charged_usd for p in plan.procurement)
    b = plan.cost_breakdown_usd
    rest = sum(b.get(k, 0.0) for k in ("data", "labelling", "inference", "staff"))
    if abs(segments + procurement + rest - plan.total_cost_usd) > 0.01:
        bad.append(f"segments {segments:,.2f} + procurement {procurement:,.2f} + data, labelling, inference and "
                   f"staff {rest:,.2f} = {segments + procurement + rest:,.2f}, not the total {plan.total_cost_usd:,.2f}")


def _precision(scenario: Scenario, catalog: Catalog, chip: str) -> str:
    p = scenario.policy.precision
    return p if p == "bf16" or catalog.chips[chip].fp8_tflops else "bf16"


def stage_workload(stage) -> Workload:
    """The Workload a plan's stage describes (batch and catalog shape included)."""
    return Workload(stage.method, stage.params, stage.active_params, stage.tokens, stage.teacher_params,
                    stage.seq_len, batch_tokens=stage.batch_tokens, shape=tuple(stage.shape) if stage.shape else None)


def segment_estimate(w: Workload, seg, scenario: Scenario, catalog: Catalog,
                     first_start: bool = True) -> compute.Estimate:
    """The compute model's figures for the whole stage `w` on the segment's cluster, at its site,
    with the scenario's precision, failure rate and measured speed (policy.mfu_factor); first_start=False where the segment's start-up
    is billed as such (a rental with start-up minutes), so goodput does not count it again."""
    _, chip, site, rate = _where(seg, catalog)
    failures = (compute.FAILURES_PER_NODE_DAY if scenario.failures_per_node_day is None
                else scenario.failures_per_node_day)
    return compute.estimate(w, catalog.chips[chip], seg.gpus, precision=_precision(scenario, catalog, chip),
                            spot_interruptions_per_node_day=rate, pue=site.pue, carbon_g_per_kwh=site.carbon_g_per_kwh,
                            gpus_per_node=seg.gpus // seg.nodes, failures_per_node_day=failures,
                            scaleout_gbps_per_node=_scaleout(seg, catalog), first_start=first_start,
                            speed=scenario.policy.speed(chip))


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


def _capacity_costs(plan, scenario, catalog, nodes_used, first_use, last_end, last_deadline, cost, bad) -> None:
    """Bought servers: each node held from delivery (lead time after an order on day 0) to the horizon
    (ownership.horizon_days, else the last run's deadline), idle or not: capital (price − resale
    proceeds, or − book value on a straight line over the useful life), interest from the payment day, hosting for at least the colocation commitment, less
    declared other-use income; checked against the plan's procurement line. Reserved: the whole-term
    fee, every run's use within the term (last_end: each pool's last day of use in the last run).
    Held: no more nodes than owned."""
    lines = {p.item: p for p in plan.procurement}
    own = scenario.ownership
    horizon = last_deadline if own.horizon_days is None else own.horizon_days
    for pool, nodes in nodes_used.items():
        if pool.startswith("buy:"):
            hw = catalog.hardware[pool.split(":", 1)[1].split("@")[0]]
            delivery, paid, figures = bought_node_figures(hw, own, 0.0, horizon, _other_use_per_node_day(scenario), nodes)
            cost["owned_capex_net"] += figures["capital_usd"] + figures["financing_usd"] + figures["other_use_usd"]
            cost["hosting"] += figures["hosting_usd"]
            _check_line(lines.get(pool.split(":", 1)[1]), pool, nodes, {
                **figures, "delivery_day": delivery, "payment_day": paid, "end_day": horizon,
                "charged_usd": figures["capital_usd"] + figures["financing_usd"] + figures["hosting_usd"]
                + figures["other_use_usd"]}, bad)
            if first_use[pool] < delivery - 1e-6:
                bad.append(f"{pool}: used from day {first_use[pool]:.2f}, before delivery on day {delivery}")
        elif pool.startswith("reserved-"):
            years = int(pool.split("-")[1].split("y")[0])
            offer = catalog.offers[_offer_id(pool)]
            price = offer.reserved_1y_usd_per_gpu_hour if years == 1 else offer.reserved_3y_usd_per_gpu_hour
            fee = nodes * price * offer.gpus_per_node * 8760.0 * years
            cost["reserved"] += fee
            _check_line(lines.get(pool.split(":", 1)[1]), pool, nodes, {"charged_usd": fee}, bad)
            if last_end[pool] > 365.0 * years + 1e-6:
                bad.append(f"{pool}: the last run uses it until day {last_end[pool]:.2f}, after the "
                           f"{years}-year term ends")
        elif pool.startswith("held:"):
            hw_id, site = pool.split(":", 1)[1].split("@")
            owned = sum(h.nodes for h in scenario.owned_hardware
                        if h.hardware == hw_id and (h.site or scenario.ownership.site) == site)
            if nodes > owned:
                bad.append(f"{pool}: uses {nodes} nodes but only {owned} are owned")


def bought_node_figures(hw, ownership, order_day: float, horizon: float, other_use_per_node_day: float,
                        nodes: int) -> tuple[float, float, dict[str, float]]:
    """(delivery day, payment day, figures) of `nodes` servers ordered on order_day and held to the
    horizon, from the hardware row: resale proceeds or book value, capital, interest, hosting (at
    least the colocation commitment) and other-use income (negative)."""
    delivery = order_day + hw.lead_time_days
    held = horizon - delivery
    if ownership.accounting == "resell":
        end_value = hw.capex_usd_per_node * hw.resale_recovery_fraction * (
            1.0 - hw.resale_fraction_per_year) ** (held / 365.0)
    else:
        end_value = hw.capex_usd_per_node * max(0.0, 1.0 - held / (365.0 * hw.life_years))
    paid = order_day if hw.paid_on == "order" else delivery
    return delivery, paid, {
        "end_value_usd": nodes * end_value,
        "capital_usd": nodes * (hw.capex_usd_per_node - end_value),
        "financing_usd": nodes * hw.capex_usd_per_node * ownership.financing_rate_per_year * (horizon - paid) / 365.0,
        "hosting_usd": nodes * hw.hosting_usd_per_node_month * max(held * 12.0 / 365.0, hw.hosting_min_months),
        "other_use_usd": -nodes * other_use_per_node_day * held,
    }


def _check_line(line, pool: str, nodes: int, expected: dict[str, float], bad: list[str]) -> None:
    """The plan's procurement line for `pool` buys `nodes` and shows the recomputed figures."""
    if line is None or line.quantity_nodes != nodes:
        bad.append(f"{pool}: uses {nodes} nodes, procurement lists "
                   f"{'none' if line is None else line.quantity_nodes}")
        return
    for name, value in expected.items():
        if not _close(getattr(line, name), value, 1.0):
            bad.append(f"{pool}: procurement {name} {getattr(line, name):,.2f}, recomputed {value:,.2f}")


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
    domain = quality.scenario_domain(scenario)
    models = quality.on_domain(catalog.models, domain, law)  # on a domain: tokens worth on the domain
    trained = [s for s in plan.stages if s.name != "sft"]
    if not trained:  # open weights as released, perhaps task-tuned (on general text tuning leaves the loss)
        base = models[plan.path.base]
        tuned = [s for s in plan.stages if s.name == "sft"]
        if domain and tuned and kind in ("finetune", "lora"):
            return quality.tuned_loss(base.params_active, base.training_tokens, tuned[0].tokens, tuned[0].method,
                                      domain, law)
        return quality.loss(base.params_active, base.training_tokens, law)
    main = trained[0]
    pool = scenario.data.unique_tokens + plan.path.unique_tokens_bought
    effective = quality.effective_tokens(main.tokens, pool, laws.repetition)
    if kind == "scratch":
        return quality.loss(main.active_params, effective, law)
    if kind == "continue":
        base = models[plan.path.base]
        return quality.continued_loss(base.params_active, base.training_tokens, effective, law)
    teacher = models[plan.path.teacher]
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
    if scenario.budget_usd is not None and ev.total_cost_usd > scenario.budget_usd * (1 + TOLERANCE):
        ev.violations.append(f"costs {ev.total_cost_usd:,.0f}, over the budget {scenario.budget_usd:,.0f}")
    if plan.scenario.target_loss is not None and plan.objective != "quality":
        if plan.predicted_loss > plan.scenario.target_loss + 1e-9:
            ev.violations.append(f"predicted loss {plan.predicted_loss:.4f} misses the target "
                                 f"{plan.scenario.target_loss:.4f}")
    if not _close(ev.energy_mwh, plan.energy_mwh, 1e-3):
        ev.violations.append(f"energy: plan {plan.energy_mwh:.3f} MWh, recomputed {ev.energy_mwh:.3f}")
