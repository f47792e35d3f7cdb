"""One way through: scenario -> target -> candidates -> options -> MIP -> solution -> Plan."""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass

from planner import compute, forked, quality
from planner.billing import cluster_size_notes
from planner.catalog import Catalog
from planner.errors import InputError
from planner.options import build_problem, cloud_pools, data_steps, owned_holding
from planner.ownership import Holding, breakeven_utilisation
from planner.paths import generate_candidates, prune
from planner.results import DataStep, Diagnosis, Layout, PathSummary, Plan, Procurement, RunPlan, ScenarioBounds, Segment, StagePlan
from planner.presolve import best_simple_plan, presolve
from planner.problem import Option, Problem, StageOptions
from planner.quality import target_loss as resolve_target_loss
from planner.scenario import Scenario, Target, every_days
from planner.units import ends
from planner.solve import Solution, solve
from planner.workload import Candidate


# A diagnosis re-plan stops after this long unless the plan has a time limit of its own: a relaxed
# bound can leave a hard MIP (the startup under a 30% provider-share cap, relaxing the target to the
# quality objective: 342 s), and a re-plan stopped so is reported as advice not found.
DIAGNOSIS_TIME_LIMIT_S = 20.0
MAX_DEADLINE_DAYS = 3650.0  # the scenario schema's upper bound; used to find how many days a plan needs


def make_plan(scenario: Scenario, catalog: Catalog, solver: str = "cbc", time_limit_s: float | None = None,
              write_lp: str | None = None, explain: bool = True, diagnose: bool = True,
              progress: Callable[[str], None] | None = None, alternatives: int = 1) -> Plan:
    """Solve the scenario and return a typed Plan (status 'infeasible' with a diagnosis when none exists).

    explain: add the reasons and the alternatives table (the best `alternatives` other paths, each
    planned with the paths before it excluded, and the best plan sourced the other way)."""
    say = progress or (lambda msg: None)
    target = resolve_target_loss(scenario, catalog)
    objective = scenario.objective
    say(f"target loss: {target:.4f}" if target is not None else "no quality target: maximising quality")
    candidates = generate_candidates(scenario, catalog, target_loss=target if objective != "quality" else None)
    if objective == "quality" and target is not None:
        # Candidates sized to meet the target exactly are not on the size grid; without them the
        # best loss within a budget could be worse than the cost objective's plan in that budget.
        grid = {c.id for c in candidates}
        candidates += [c for c in generate_candidates(scenario, catalog, target_loss=target) if c.id not in grid]
    generated, candidates = candidates, prune(candidates)
    say(f"{len(candidates)} candidate paths after pruning")
    bounds = ScenarioBounds(
        name=scenario.name, deadline_days=scenario.deadline_days, budget_usd=scenario.budget_usd,
        target=scenario.target.model_dump(exclude_none=True), target_loss=target, objective=objective,
        program=scenario.program.model_dump(),
    )
    problem = _problem(scenario, catalog, candidates, objective, target)
    # CBC solves in a process of its own, so the runner-up re-plan can run beside the main solve
    # (HiGHS and OR-Tools run in this process and silence its standard output while they solve,
    # which two threads would mix up)
    with ThreadPoolExecutor(max_workers=2) as spare:  # a wrong guess (Replans) must not hold up the next
        replans = Replans(spare if solver == "cbc" else None)
        if problem is not None and explain:
            replans.guess_runner_up(problem, candidates, generated, scenario, catalog, target, solver,
                                    time_limit_s)
        solution = None
        if problem is not None:
            n_options = sum(len(s.options) for p in problem.paths for s in p.stages)
            say(f"{n_options} stage options on {len(problem.capacities)} shared capacities; solving with {solver}")
            solution = solve(problem, objective=objective, solver=solver, time_limit_s=time_limit_s, write_lp=write_lp)
        if solution is None or not solution.has_plan:
            status = "infeasible" if solution is None or solution.status == "infeasible" else solution.status
            if status != "infeasible":
                raise InputError("--time-limit", f"the solver stopped ({status}) before finding any plan",
                                 "give it more time")
            if diagnose:
                say("no plan meets every bound: re-solving with each bound relaxed")
            return Plan(status="infeasible", objective=objective, solver=solver, scenario=bounds,
                        diagnosis=diagnose_scenario(scenario, catalog, target, solver, time_limit_s) if diagnose else None)
        by_id = {c.id: c for c in candidates}
        plan = to_plan(solution, problem, by_id[solution.path_id], bounds, solver, scenario, catalog)
        plan.explanations.extend(by_id[solution.path_id].notes)
        plan.explanations.extend(_uncalibrated_notes(plan))
        plan.explanations.extend(_measured_speed_notes(plan, scenario))
        plan.explanations.extend(_held_out_notes(plan, scenario))
        if explain:
            say("explaining: planning the runner-up path and the other way of sourcing")
            plan.explanations.extend(explanations(plan, candidates, scenario, catalog, solver, time_limit_s, generated,
                                                  alternatives, replans))
        return plan


def _uncalibrated_notes(plan: Plan) -> list[str]:
    """A line per chip the plan uses that no measured throughput calibrates (allowed by policy)."""
    chips = sorted({seg.chip for _, seg, _ in plan.all_segments() if not compute.calibrated_id(seg.chip)})
    return [f"{chip} is uncalibrated (no published run or MLPerf result): its speed borrows the GEMM "
            "efficiency of the calibrated chips (allowed by policy.allow_uncalibrated_chips, or servers already held)"
            for chip in chips]


def _measured_speed_notes(plan: Plan, scenario: Scenario) -> list[str]:
    """A line per chip the plan uses whose speed the scenario states in policy.mfu_factor."""
    chips = sorted({seg.chip for _, seg, _ in plan.all_segments() if scenario.policy.sets_speed(seg.chip)})
    return [f"{chip} runs at x{scenario.policy.speed(chip):g} of the compute model's speed (policy.mfu_factor, "
            "your measured or assumed speed): its GPU-hours are divided by that" for chip in chips]


HELD_OUT_NOTE = "held-out production training runs"


def _held_out_notes(plan: Plan, scenario: Scenario) -> list[str]:
    """A line per chip family the plan uses (on chips without a policy.mfu_factor) on which held-out
    training runs show how far the compute model's hours were from the reported ones, in the
    plan's terms (reported over predicted GPU-hours), with a direction only where three in four
    runs agree on it (their quartiles on one side of the model)."""
    chips = sorted({seg.chip for _, seg, _ in plan.all_segments() if not scenario.policy.sets_speed(seg.chip)})
    notes = []
    for family in sorted({compute.family_of_id(chip) for chip in chips} - {None}):
        if family not in compute.HELD_OUT_RUN_RATIO:
            continue
        held = compute.HELD_OUT_RUN_RATIO[family]
        if held.high < 1.0:
            sets = " ".join(f"--set policy.mfu_factor.{chip}={held.ratio:.2f}" for chip in chips
                            if compute.family_of_id(chip) == family)
            verdict = ("So this plan's compute is likely low: measure your own speed (plan estimate "
                       f"--measured-tokens-per-s) and set it as policy.mfu_factor, or plan at the held-out runs' "
                       f"level with {sets}.")
        elif held.low > 1.0:
            verdict = "So this plan's compute is likely high."
        else:
            verdict = ("No consistent direction: a team's own speed matters more than the chip; measure it (plan "
                       "estimate --measured-tokens-per-s), and see the range with --risk.")
        notes.append(f"On {held.runs} {HELD_OUT_NOTE} on {family} chips (docs/fidelity.md), {held.slower} took "
                     f"longer than the compute model predicts: {1 / held.ratio:.2f}x its GPU-hours in the geometric "
                     f"mean, half of them between {1 / held.high:.2f}x and {1 / held.low:.2f}x. {verdict}")
    return notes


def _problem(scenario: Scenario, catalog: Catalog, candidates: list[Candidate], objective: str,
             target: float | None) -> Problem | None:
    """The presolved MIP data for these candidates (None when no candidate can have a plan)."""
    if not candidates:
        return None
    problem = build_problem(scenario, catalog, candidates, objective,
                            target_loss=target if objective != "quality" else None)
    return None if problem is None else presolve(problem, objective)


def to_plan(sol: Solution, problem: Problem, cand: Candidate, bounds: ScenarioBounds, solver: str,
            scenario: Scenario, catalog: Catalog) -> Plan:
    """Translate a solver solution into the Plan schema: the first run's stages and, for a program with
    a schedule of its own for runs 2..R, the later runs' stages (per-run figures), every run with its
    own dates, and the procurement lines."""
    path = problem.path(sol.path_id)
    options = {(s.name, o.id): o for s in path.stages for o in s.options}
    stages = _stage_plans([s for s in path.stages if not s.later], cand, sol, options)
    later = _stage_plans([s for s in path.stages if s.later], cand, sol, options)
    return Plan(
        status=sol.status, gap=sol.gap, objective=bounds.objective, solver=solver, scenario=bounds,
        total_cost_usd=sol.total_cost_usd, cost_breakdown_usd=dict(sol.cost_breakdown_usd),
        predicted_loss=cand.predicted_loss, end_day=sol.end_day + problem.later_runs_days,
        energy_mwh=sol.energy_mwh, tco2e=sol.tco2e,
        path=PathSummary(id=cand.id, kind=cand.kind, base=cand.base, teacher=cand.teacher,
                         params=cand.params, tokens=cand.tokens, unique_tokens_bought=cand.tokens_bought,
                         licence=cand.licence),
        stages=stages, later_stages=later, runs=_runs(stages, later, scenario),
        data_steps=[DataStep(name=n, start_day=0.0, end_day=d, feeds=f) for n, d, f in data_steps(cand, scenario)], procurement=_procurement(sol, problem, options, scenario, catalog),
        model_size={"variables": sol.n_variables, "constraints": sol.n_constraints},
    )


def _stage_plans(schedule: list[StageOptions], cand: Candidate, sol: Solution,
                 options: dict[tuple[str, str], Option]) -> list[StagePlan]:
    """The StagePlans of one schedule (a path's first-run or later-runs stages, in the candidate's
    stage order) with their segments, figures per run."""
    plans = []
    for stage_opts, stage in zip(schedule, cand.stages):
        segs = sorted((s for s in sol.segments if s.stage == stage_opts.name), key=lambda s: s.start_day)
        w = stage.workload
        plans.append(StagePlan(
            name=stage.name, method=w.method, params=w.params, active_params=w.active_params,
            teacher_params=w.teacher_params, seq_len=w.seq_len, tokens=w.tokens, flops=compute.stage_flops(w),
            segments=[_segment(seg, options[(seg.stage, seg.option)], stage_opts.runs) for seg in segs],
            batch_tokens=w.batch_tokens, shape=list(w.shape) if w.shape else None,
        ))
    return plans


def _segment(seg, opt, runs: int) -> Segment:
    """The solver's segment with its cost, energy and emissions for one run (the option's are for `runs`)."""
    return Segment(offer=opt.offer, provider=opt.provider, chip=opt.chip, source=opt.source, nodes=opt.nodes,
                   gpus=opt.gpus, fraction=seg.fraction, start_day=seg.start_day, end_day=seg.end_day,
                   cost_usd=seg.cost_usd / runs, energy_mwh=seg.energy_mwh / runs, tco2e=seg.tco2e / runs,
                   gpu_hours=opt.gpu_hours * seg.fraction / runs, mfu=opt.mfu, goodput=opt.goodput,
                   layout=Layout(**dict(opt.layout)) if opt.layout else None)


def _runs(stages: list[StagePlan], later: list[StagePlan], scenario: Scenario) -> list[RunPlan]:
    """Run 1 on the first run's schedule; runs 2..R on the later runs' (dated in run 2's window), moved
    (r − 2)·every_days on, or without one the first run's moved (r − 1)·every_days on (none when the
    plan trains nothing: adopted weights)."""
    if not any(st.segments for st in stages):
        return []
    step = every_days(scenario)

    def run(r: int, schedule: list[StagePlan], shift: float) -> RunPlan:
        segments = [s for st in schedule for s in st.segments]
        return RunPlan(run=r + 1, window_start_day=r * step, deadline_day=scenario.deadline_days + r * step,
                       start_day=min(s.start_day for s in segments) + shift,
                       end_day=max(s.end_day for s in segments) + shift,
                       flops=sum(st.flops for st in schedule), energy_mwh=sum(s.energy_mwh for s in segments),
                       tco2e=sum(s.tco2e for s in segments), cost_usd=sum(s.cost_usd for s in segments))

    if later:
        return [run(0, stages, 0.0)] + [run(r, later, (r - 1) * step) for r in range(1, scenario.program.runs)]
    return [run(r, stages, r * step) for r in range(scenario.program.runs)]


def _procurement(sol: Solution, problem: Problem, options: dict[tuple[str, str], Option], scenario: Scenario,
                 catalog: Catalog) -> list[Procurement]:
    """What to buy or reserve, from the solution's pool sizes; options: the chosen path's, by (stage, id).
    A purchase line is the node's holding (planner.ownership) times the nodes; a reservation's is its fee."""
    items = []
    for cap_id, nodes in sol.capacities.items():
        cap = problem.capacity(cap_id)
        if nodes <= 0 or cap.kind == "held":
            continue
        first_use = min(s.start_day for s in sol.segments if options[(s.stage, s.option)].capacity == cap_id)
        common = dict(item=cap_id.split(":", 1)[1], chip=cap.chip, quantity_nodes=nodes,
                      unit_price_usd=cap.unit_price_usd, vendor=cap.vendor, first_use_day=first_use)
        if cap.kind == "reserved":
            fee = nodes * cap.unit_cost_usd
            items.append(Procurement(action="reserve", order_by_day=0.0, delivery_day=0.0, payment_day=0.0,
                                     end_day=cap.available_until_day + problem.later_runs_days, end_value_usd=0.0,
                                     capital_usd=fee, financing_usd=0.0, hosting_usd=0.0, other_use_usd=0.0,
                                     charged_usd=fee, **common))
            continue
        h = owned_holding(catalog.hardware[common["item"].split("@")[0]], scenario)
        items.append(Procurement(
            action="buy", order_by_day=h.order_day, delivery_day=h.delivery_day, payment_day=h.payment_day,
            end_day=h.end_day, end_value_usd=nodes * h.end_value_usd, capital_usd=nodes * h.capital_usd,
            financing_usd=nodes * h.financing_usd, hosting_usd=nodes * h.hosting_usd,
            other_use_usd=-nodes * h.other_use_credit_usd, charged_usd=nodes * h.net_usd, **common))
    return items


# Each suggested change is within this factor of the smallest that works: a change of
# MINIMAL_FIX_PRECISION times it is known to fail.
MINIMAL_FIX_PRECISION = 0.995
# A relaxed plan's own cost (or end day) as the new bound sits on the boundary, where the solver's
# tolerances decide; the first change tried is this much (relative) larger.
BOUNDARY_SLACK = 1e-6


def diagnose_scenario(scenario: Scenario, catalog: Catalog, target: float | None, solver: str,
                      time_limit_s: float | None = None) -> Diagnosis:
    """The smallest single change that makes a plan exist: more budget, more days, a looser target, more
    provider quota, a higher carbon cap. Each is found by planning again with one bound relaxed
    (candidates and options are rebuilt, since bounds also shape them upstream), then narrowed by
    bisection with re-plans (_smallest_change) so that the change suggested works and
    MINIMAL_FIX_PRECISION times it does not. Relaxing a bound only adds plans (the paths are monotone
    in the target), which is what the bisection relies on. Each re-plan gets the plan's time limit
    (DIAGNOSIS_TIME_LIMIT_S when it has none); one stopped by it before any plan counts as no plan.
    The carbon cap and the provider-share cap are reported as the relaxed plan needs them (not narrowed).
    """
    stopped: list[dict] = []
    time_limit_s = DIAGNOSIS_TIME_LIMIT_S if time_limit_s is None else time_limit_s

    def relaxed(**changes) -> Plan | None:
        """The re-plan, or None when it has no plan (or the time limit stopped it before one)."""
        try:
            p = make_plan(scenario.model_copy(update=changes), catalog, solver=solver, time_limit_s=time_limit_s,
                          explain=False, diagnose=False)
        except InputError as exc:
            if exc.where != "--time-limit":
                raise
            stopped.append(changes)
            return None
        return None if p.status == "infeasible" else p

    def feasible(**changes) -> bool:
        return relaxed(**changes) is not None

    extra_budget = extra_days = looser = quota_nodes = None
    quota = carbon = None
    # The quality objective does not enforce the target: any model within the bounds is a plan.
    any_loss = {"target": Target(**scenario.target.kept_fields())} if scenario.objective == "quality" else {}
    if scenario.budget_usd is not None:
        p = relaxed(budget_usd=None, objective="cost", **any_loss)
        if p is not None and p.total_cost_usd > scenario.budget_usd:
            extra_budget = _up(_smallest_change(lambda c: feasible(budget_usd=scenario.budget_usd + c),
                                                p.total_cost_usd * (1 + BOUNDARY_SLACK) - scenario.budget_usd),
                               decimals=0)
    p = relaxed(deadline_days=MAX_DEADLINE_DAYS, objective="time", **any_loss)
    if p is not None and p.end_day > scenario.deadline_days:
        extra_days = _smallest_change(lambda c: feasible(deadline_days=scenario.deadline_days + c),
                                      p.end_day * (1 + BOUNDARY_SLACK) - scenario.deadline_days)
        if extra_days is not None:  # four significant digits, rounded up, as printed
            extra_days = _up(extra_days, decimals=3 - math.floor(math.log10(extra_days)))
    if target is not None and scenario.objective != "quality":
        p = relaxed(objective="quality")
        if p is not None and p.predicted_loss > target:
            limits = scenario.target.kept_fields()
            looser = _up(_smallest_change(lambda c: feasible(target=Target(**limits, loss=target + c)),
                                          p.predicted_loss - target), decimals=6)
    caps = scenario.policy.max_nodes_per_provider
    if caps:
        p = relaxed(policy=scenario.policy.model_copy(update={"max_nodes_per_provider": None}))
        if p is not None:
            most = max((s.nodes for _, s, _ in p.all_segments() if s.provider in caps), default=0)
            quota_nodes = _smallest_quota(lambda q: feasible(policy=scenario.policy.model_copy(update={
                "max_nodes_per_provider": _raised(caps, q)})), min(caps.values()), max(most, *caps.values()))
            if quota_nodes is not None:
                raised = {k: v for k, v in _raised(caps, quota_nodes).items() if v > caps[k]}
                quota = "raise the provider quotas to " + ", ".join(
                    f"{k}: {v} nodes" for k, v in sorted(raised.items()))
    cap = scenario.policy.carbon_cap_tco2e
    if cap is not None:
        p = relaxed(policy=scenario.policy.model_copy(update={"carbon_cap_tco2e": None}))
        if p is not None and p.tco2e > cap:
            carbon = p.tco2e
    share = top = None
    if scenario.policy.max_provider_share is not None:
        p = relaxed(policy=scenario.policy.model_copy(update={"max_provider_share": None}))
        if p is not None:
            spend: dict[str, float] = {}
            for _, seg, runs in p.all_segments():  # every run's rental
                if seg.source not in ("owned", "held"):
                    spend[seg.provider] = spend.get(seg.provider, 0.0) + seg.cost_usd * runs
            if sum(spend.values()) > 0:
                top = max(spend, key=spend.get)
                share = _up(spend[top] / sum(spend.values()), decimals=2)
    parts = []
    if extra_budget is not None:
        parts.append(f"raise the budget by {extra_budget:,.0f} USD")
    if extra_days is not None:
        hours = f" ({extra_days * 24:.3g} hours)" if extra_days < 1 else ""
        parts.append(f"extend the deadline by {extra_days:.4g} days{hours}")
    if looser is not None:
        parts.append(f"loosen the target loss by {looser:.6f} (to {target + looser:.6f})")
    if quota:
        parts.append(quota)
    if carbon is not None:
        parts.append(f"raise the carbon cap to {carbon:,.3g} tCO2e")
    if share is not None and share > scenario.policy.max_provider_share:
        parts.append(f"raise max_provider_share to {share:g} (the plan without the cap puts that share of its "
                     f"rental spend with {top})")
    message = ("No plan meets every bound. Smallest single changes that make one exist: " + "; ".join(parts)
               if parts else "No plan exists, and relaxing budget, deadline, target or quota alone does not help: "
               "check the policy (providers, chips, paths, carbon cap, provider share) and the data on hand.")
    if stopped:
        message += (f" ({len(stopped)} of these re-plans stopped at the time limit before finding a plan; "
                    "a longer --time-limit may find more advice.)")
    return Diagnosis(extra_budget_usd=extra_budget, extra_days=extra_days, looser_target_loss=looser,
                     more_quota=quota, quota_nodes=quota_nodes, carbon_cap_tco2e=carbon,
                     provider_share=share, message=message)


def _smallest_change(works: Callable[[float], bool], found: float) -> float | None:
    """The smallest change c > 0 with works(c), within a factor 1/MINIMAL_FIX_PRECISION: found is a change
    from a relaxed plan (usually exact for budget and days, loose for the target). Bisection keeps
    `fails` < c ≤ `ok` until fails ≥ MINIMAL_FIX_PRECISION·ok; works must be monotone in c.
    None when not even `found` works (the relaxed plan depended on the relaxation itself)."""
    if not works(found):
        return None
    fails, ok = 0.0, found
    probe = MINIMAL_FIX_PRECISION * found  # first just below found: exact for budget and days
    while True:
        if works(probe):
            ok = probe
        else:
            fails = probe
        if fails >= MINIMAL_FIX_PRECISION * ok:
            return ok
        probe = 0.5 * (fails + ok)


def _up(x: float | None, decimals: int) -> float | None:
    """x rounded up at `decimals` decimal places, so the change printed is one that works."""
    return None if x is None else math.ceil(x * 10**decimals) / 10**decimals


def _raised(caps: dict[str, int], nodes: int) -> dict[str, int]:
    """Every provider's node quota raised to at least `nodes`."""
    return {k: max(v, nodes) for k, v in caps.items()}


def _smallest_quota(works: Callable[[int], bool], fails: int, ok: int) -> int | None:
    """The smallest q in (fails, ok] with works(q) (monotone), by bisection on whole nodes; None if ok fails."""
    if not works(ok):
        return None
    while ok - fails > 1:
        mid = (fails + ok) // 2
        fails, ok = (fails, mid) if works(mid) else (mid, ok)
    return ok


def explanations(plan: Plan, candidates: list[Candidate], scenario: Scenario, catalog: Catalog,
                 solver: str, time_limit_s: float | None = None,
                 generated: list[Candidate] | None = None, alternatives: int = 1,
                 replans: Replans | None = None) -> list[str]:
    """Why this plan, in numbers: the runner-up path, the other way of sourcing, owning break-even.

    The runner-up and the other sourcing are planned afresh (without the chosen path; with the
    policy allowing only cloud, or only owned hardware), not read off the chosen plan's problem,
    whose presolve dropped what could not beat the chosen plan. Each gets the plan's time limit.
    The runner-up is the best plan on any other path, so it is chosen from the candidates as
    generated (`generated`, before pruning), pruned again without the chosen path: a path the
    chosen one dominated may be the second best. Paths the same in every number (e.g. the same
    tuning of two releases with the same size and tokens) are not runners-up. Each plan found
    joins plan.alternatives; further other-path plans (alternatives > 1) exclude the paths
    already listed. replans: runs the runner-up and the other sourcing side by side (and may hold
    the runner-up already started, make_plan); without it they run one after the other.
    """
    from planner import alternatives as table

    replans = replans or Replans(None)

    def best(started: Future | None, kind: str = "other_path") -> Solution | None:
        replanned = None if started is None else started.result()
        if replanned is None:
            return None
        problem, sol = replanned
        if sol.has_plan:
            found.append(table.from_solution(kind, sol, problem, by_id[sol.path_id], catalog, plan.total_cost_usd))
        return sol

    def replan(scenario: Scenario, candidates: list[Candidate], here: bool = False) -> Future:
        return replans.submit(scenario, catalog, candidates, target, solver, time_limit_s, here)

    def cost(alt: Solution) -> str:
        approx = "" if not alt.gap else f" (the time limit stopped its search {alt.gap:.1%} from proven optimal)"
        return (f"{alt.total_cost_usd:,.0f} USD ({alt.total_cost_usd - plan.total_cost_usd:+,.0f} USD)" + approx)

    notes = []
    found = [table.chosen(plan, catalog)]
    by_id = {c.id: c for c in [*(generated or []), *candidates]}
    target = plan.scenario.target_loss
    laws = quality.laws_for(scenario)
    domain = quality.scenario_domain(scenario)
    on = f" on {domain.name} text (gap {domain.gap:g} nats, {domain.law.title})" if domain else ""
    said = f"Path '{plan.path.id}' predicts loss {plan.predicted_loss:.4f}{on} under the {laws.pretrain.title}"
    said += f", against a target of {target:.4f}." if target is not None else "."
    # Gadre et al.'s mapping is for general text: no accuracy for a domain loss
    estimate = None if domain else quality.benchmark_estimate(plan.predicted_loss, "gadre-17", laws)
    if estimate is not None:
        accuracy, off = estimate
        said += (f" By the Gadre et al. 2024 mapping that is about {accuracy:.0%} average accuracy on their 17 "
                 "downstream tasks" + (f" (extrapolated: {'; '.join(off)})." if off else "."))
    notes.append(said)
    chosen = next(c for c in candidates if c.id == plan.path.id)
    others = _other_paths(generated or candidates, chosen)
    runner_up = replans.runner_up(chosen) or (replan(scenario, others) if others else None)
    uses_owned = any(s.source in ("owned", "held") for _, s, _ in plan.all_segments())
    flipped = _other_sourcing(scenario, cloud=uses_owned)
    other = "cloud-only" if uses_owned else "owned-hardware"
    if flipped is None and any(s.source == "spot" for _, s, _ in plan.all_segments()):
        # nothing to own: the other way of sourcing a spot plan is capacity that cannot be interrupted
        flipped = scenario.model_copy(update={"policy": scenario.policy.model_copy(update={"spot_allowed": False})})
        other = "spot-free"
    sourced = replan(flipped, candidates, here=True) if flipped is not None and plan.stages else None
    if others:
        alt = best(runner_up)
        if alt is not None and alt.has_plan:
            notes.append(f"Runner-up path '{alt.path_id}' costs {cost(alt)} and ends "  # its last run's end
                         f"{ends(found[-1].end_day).replace('day', 'on day', 1)}.")
        elif alt is not None and alt.status == "timeout":
            notes.append("No runner-up path was found within the time limit.")
        else:
            notes.append("No other candidate path meets every bound.")
        for _ in range(alternatives - 1):  # more other-path plans, only when asked: one solve each
            others = [c for c in others if c.id != found[-1].path_id]
            if found[-1].kind != "other_path" or not others or best(replan(scenario, others)) is None:
                break
    if sourced is not None:  # adopted weights run nothing, so sourcing does not matter
        alt = best(sourced, "other_sourcing")
        if alt is not None and alt.has_plan:
            notes.append(f"The best {other} plan costs {cost(alt)}.")
        elif alt is not None and alt.status == "timeout":
            notes.append(f"No {other} plan was found within the time limit.")
        else:
            notes.append(f"No {other} plan meets every bound.")
    notes.extend(breakeven_notes(plan, scenario, catalog))
    notes.extend(cluster_size_notes(plan, scenario, catalog))
    plan.alternatives = sorted(found, key=lambda a: (a.total_cost_usd, a.kind != "chosen"))
    return notes


def _other_paths(candidates: list[Candidate], chosen: Candidate) -> list[Candidate]:
    """The runner-up's candidates: all but the chosen path (and paths the same in every number),
    pruned again, as the chosen one may have dominated the second best."""
    return prune([c for c in candidates if not _same_path(c, chosen)])


def _replan(scenario: Scenario, catalog: Catalog, candidates: list[Candidate], target: float | None, solver: str,
            time_limit_s: float | None) -> tuple[Problem, Solution] | None:
    """Plan `scenario` on `candidates` afresh (None when no candidate can have a plan)."""
    try:
        problem = _problem(scenario, catalog, candidates, scenario.objective, target)
    except InputError:  # the restricted policy leaves no hardware at all (the full plan's inputs were fine)
        return None
    if problem is None:
        return None
    return problem, solve(problem, objective=scenario.objective, solver=solver, time_limit_s=time_limit_s)


class Replans:
    """The explanations' re-plans, on a spare worker beside this thread's work when there is one.

    guess_runner_up starts the runner-up re-plan before the main plan is solved, guessing that the
    main plan takes the path of presolve's best simple plan (it does on every bundled scenario);
    runner_up hands it over if the guess was right. It runs in a forked process where it can
    (planner.forked: Linux, no other thread), so building its problem does not take turns with the
    main plan's Python work under the interpreter lock (enterprise_70b: 1.84 -> 1.54 s end to end
    with the path-first proof), else on the spare thread. A wrong guess is a solve thrown away, which
    on one core also delays the main plan."""

    def __init__(self, spare: Executor | None):
        self.spare = spare
        self.ahead: tuple[Candidate, Future] | None = None

    def submit(self, scenario: Scenario, catalog: Catalog, candidates: list[Candidate], target: float | None,
               solver: str, time_limit_s: float | None, here: bool = False) -> Future:
        """A re-plan started on a spare worker, or done in this thread (here=True, or no workers)."""
        if self.spare is not None and not here:
            return self.spare.submit(_replan, scenario, catalog, candidates, target, solver, time_limit_s)
        done: Future = Future()
        done.set_result(_replan(scenario, catalog, candidates, target, solver, time_limit_s))
        return done

    def guess_runner_up(self, problem: Problem, candidates: list[Candidate], generated: list[Candidate],
                        scenario: Scenario, catalog: Catalog, target: float | None, solver: str,
                        time_limit_s: float | None) -> None:
        if self.spare is None:
            return
        known = best_simple_plan(problem)
        guess = None if known is None else next(c for c in candidates if c.id == known.path.id)
        others = [] if guess is None else _other_paths(generated, guess)
        if others:
            if forked.available():  # its Python work then runs beside the main plan's, not in turns
                started = forked.submit(_replan, scenario, catalog, others, target, solver, time_limit_s)
            else:
                started = self.submit(scenario, catalog, others, target, solver, time_limit_s)
            self.ahead = guess, started

    def runner_up(self, chosen: Candidate) -> Future | None:
        """The runner-up started ahead, if it was started for `chosen` (or a path the same in every number)."""
        return self.ahead[1] if self.ahead is not None and _same_path(self.ahead[0], chosen) else None


def _same_path(a: Candidate, b: Candidate) -> bool:
    """The same stages, loss and fixed costs: the plans of a and b are the same plans."""
    return (a.kind, a.stages, a.predicted_loss, a.data_cost_usd, a.labelling_cost_usd, a.inference_cost_usd) == \
        (b.kind, b.stages, b.predicted_loss, b.data_cost_usd, b.labelling_cost_usd, b.inference_cost_usd)


def _other_sourcing(scenario: Scenario, cloud: bool) -> Scenario | None:
    """The scenario allowed only cloud rental (cloud=True: no buying, no servers held) or only owned
    hardware (bought or held); None when the policy leaves nothing of that kind."""
    policy = scenario.policy
    if cloud:
        if not policy.cloud_allowed:
            return None
        return scenario.model_copy(update={"policy": policy.model_copy(update={"buy_allowed": False}),
                                           "owned_hardware": []})
    if not policy.buy_allowed and not scenario.owned_hardware:
        return None
    return scenario.model_copy(update={"policy": policy.model_copy(update={"cloud_allowed": False})})


@dataclass(frozen=True)
class OwningVsRenting:
    """A server type with a chip the plan uses, against renting its node-days on demand."""

    chip: str
    hardware: str
    rent_usd_per_node_day: float | None  # cheapest allowed on-demand GPU-hour × GPUs × 24 (None: no offer)
    power_usd_per_node_day: float  # electricity at the ownership site while it runs
    holding: Holding | None  # one node bought for this scenario (None: delivered after the deadline)
    utilisation: float | None  # break-even share of the days held (None: never pays off)
    plan_utilisation: float | None  # this plan's node-days on the chip over nodes × days held


def owning_vs_renting(plan: Plan, scenario: Scenario, catalog: Catalog) -> list[OwningVsRenting]:
    """For each chip in the plan and each server type with it: the share of its holding period a bought
    server must run to cost no more than renting the same node-days at the cheapest allowed on-demand
    price, from the one cost function the optimiser prices servers with
    (planner.ownership.breakeven_utilisation), and the share this plan's node-days on that chip would
    fill (all runs, over its largest node count × days held)."""
    site = catalog.sites[scenario.ownership.site]
    rent = {}
    for pool in cloud_pools(scenario, catalog):
        if pool.source == "on_demand":
            rent[pool.chip_id] = min(pool.usd_per_gpu_hour, rent.get(pool.chip_id, pool.usd_per_gpu_hour))
    rows = []
    for chip in sorted({s.chip for _, s, _ in plan.all_segments()}):
        segments = [(s, runs) for _, s, runs in plan.all_segments() if s.chip == chip]
        node_days = sum(s.nodes * (s.end_day - s.start_day) * runs for s, runs in segments)
        nodes = max(s.nodes for s, _ in segments)
        for hw in (h for h in catalog.hardware.values() if h.accelerator == chip):
            power = hw.power_kw_per_node * site.pue * site.electricity_usd_per_kwh * 24.0
            node_rent = rent[chip] * hw.gpus_per_node * 24.0 if chip in rent else None
            held = owned_holding(hw, scenario) if hw.lead_time_days < scenario.deadline_days else None
            u = breakeven_utilisation(held, power, node_rent) if held and node_rent else None
            used = node_days / (nodes * held.held_days) if held and held.held_days > 0 else None
            rows.append(OwningVsRenting(chip, hw.id, node_rent, power, held, u, used))
    return rows


def breakeven_notes(plan: Plan, scenario: Scenario, catalog: Catalog) -> list[str]:
    """One line per chip in the plan (its first server type that can arrive in time): owning's
    break-even utilisation against renting, and this plan's."""
    notes, seen = [], set()
    for row in owning_vs_renting(plan, scenario, catalog):
        if row.chip in seen or row.holding is None or row.rent_usd_per_node_day is None:
            continue
        seen.add(row.chip)
        h = row.holding
        verdict = ("never pays off" if row.utilisation is None
                   else f"pays off above {row.utilisation:.0%} utilisation")
        notes.append(f"Owning {row.hardware} ({row.chip}) from delivery on day {h.delivery_day:g} to day "
                     f"{h.end_day:,.0f} ({scenario.ownership.accounting}: {h.net_usd:,.0f} USD per node held, "
                     f"idle or not) vs renting at {row.rent_usd_per_node_day / 24.0:,.2f} USD/node-hour: {verdict}; "
                     f"this plan's work would keep them {row.plan_utilisation:.1%} busy.")
    return notes
