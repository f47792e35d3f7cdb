"""End to end: every bundled scenario yields a plan the independent evaluator confirms."""

import re
from pathlib import Path

import pytest

from planner.consortium.coalition import coalition_scenario, member_target_losses
from planner.evaluate import evaluate
from planner.inputs import load_inputs
from planner.options import build_problem
from planner.paths import generate_candidates, prune
from planner.planning import make_plan
from planner.scenario import with_overrides
from planner.solve import solve

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def _joint(scenario, catalog):
    if scenario.members:
        return coalition_scenario(scenario, range(len(scenario.members)), member_target_losses(scenario, catalog))
    return scenario


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_scenario_has_a_plan_the_evaluator_confirms(path):
    scenario, catalog = load_inputs(path)
    scenario = _joint(scenario, catalog)
    plan = make_plan(scenario, catalog)
    assert plan.status == "optimal"
    ev = evaluate(plan, scenario, catalog)
    assert ev.violations == []
    assert ev.total_cost_usd == pytest.approx(plan.total_cost_usd, rel=1e-4)
    assert all(r.end_day <= r.deadline_day * (1 + 1e-6) for r in plan.runs)
    assert plan.end_day == pytest.approx(plan.runs[-1].end_day)
    if plan.scenario.target_loss is not None:
        assert plan.predicted_loss <= plan.scenario.target_loss + 1e-9
    assert plan.explanations, "a plan explains itself"


@pytest.mark.parametrize("objective", ["quality", "time"])
def test_other_objectives_are_confirmed_too(objective):
    scenario, catalog = load_inputs(ROOT / "scenarios" / "startup_7b.yaml")
    scenario = with_overrides(scenario, objective=objective)
    plan = make_plan(scenario, catalog, explain=False)
    assert plan.status == "optimal"
    assert evaluate(plan, scenario, catalog).violations == []


def test_small_lab_ends_up_tuning_open_weights():
    scenario, catalog = load_inputs(ROOT / "scenarios" / "small_lab_finetune.yaml")
    plan = make_plan(scenario, catalog, explain=False)
    assert plan.path.kind in ("finetune", "lora") and plan.path.base


def test_enterprise_flips_from_cloud_to_owned_as_the_program_grows():
    """One run in 180 days rents; eight runs over four years buy servers, and the report says why."""
    scenario, catalog = load_inputs(ROOT / "scenarios" / "enterprise_70b.yaml")
    short = make_plan(with_overrides(scenario, program_runs=1, deadline_days=180), catalog)
    long = make_plan(scenario, catalog)
    sources = lambda p: {s.source for st in p.stages for s in st.segments}  # noqa: E731
    assert sources(short) <= {"on_demand", "spot", "reserved"}
    assert "owned" in sources(long)
    assert any(x.action == "buy" for x in long.procurement)
    assert any("cloud-only plan costs" in e for e in long.explanations)
    delivery = next(p.delivery_day for p in long.procurement if p.action == "buy")
    # runs 2-8 have a schedule of their own: the servers are there when run 2's window opens (day
    # 182.5 > delivery), so the later runs rent nothing, whatever the first run bridges with
    assert long.later_stages and delivery < long.runs[1].window_start_day
    assert {s.source for st in long.later_stages for s in st.segments} == {"owned"}
    assert all(r.cost_usd == long.runs[1].cost_usd for r in long.runs[1:])
    assert any("owned-hardware plan costs" in e for e in short.explanations)


def _optimum(scenario, catalog, later_schedule: bool):
    from planner.presolve import presolve
    from planner.quality import target_loss

    target = target_loss(scenario, catalog)
    cands = prune(generate_candidates(scenario, catalog, target_loss=target))
    problem = build_problem(scenario, catalog, cands, target_loss=target, later_schedule=later_schedule)
    return problem, solve(presolve(problem), "cost", "highs")


def test_a_schedule_of_their_own_never_makes_the_later_runs_dearer():
    """Every plan repeating the first run is a plan of the two-schedule model (the same options in
    both schedules; a reservation's window there ends (R − 2)·P before its term, not (R − 1)·P), so
    its optimum is no dearer; on enterprise it is cheaper, as runs 2-8 need not rent before a
    delivery that came before their windows opened."""
    scenario, catalog = load_inputs(ROOT / "scenarios" / "enterprise_70b.yaml")
    repeat_problem, repeat = _optimum(scenario, catalog, later_schedule=False)
    two_problem, two = _optimum(scenario, catalog, later_schedule=True)
    assert not any(s.later for k in repeat_problem.paths for s in k.stages)
    assert all(sum(s.later for s in k.stages) == len(k.stages) // 2 for k in two_problem.paths)
    assert two.total_cost_usd < repeat.total_cost_usd
    later = {s.option for s in two.segments if s.stage.startswith("later:")}
    assert later and all(o.startswith("buy:") for o in later)


def test_one_run_has_one_schedule():
    """runs = 1: no later stages and no later-runs variable or row in the model."""
    from planner.model import build_model

    scenario, catalog = load_inputs(ROOT / "scenarios" / "startup_7b.yaml")
    problem, _ = _optimum(scenario, catalog, later_schedule=True)
    assert problem.every_days == 0 and not any(s.later for k in problem.paths for s in k.stages)
    m = build_model(problem)
    names = [v.name for v in m.lp.variables()] + [c.name for c in m.lp.constraints()]
    assert not any("later" in n or "first_run" in n or "block_fits" in n for n in names)


def test_a_later_deadline_never_costs_more():
    """Other things equal, bought servers' horizon included (by default it moves with the deadline)."""
    scenario, catalog = load_inputs(ROOT / "scenarios" / "enterprise_70b.yaml")
    scenario = scenario.model_copy(update={"ownership": scenario.ownership.model_copy(update={"horizon_days": 1200})})
    costs = [make_plan(with_overrides(scenario, program_runs=2, every_days=600, deadline_days=d), catalog,
                       explain=False).total_cost_usd for d in (300, 400, 600)]
    assert costs[0] >= costs[1] - 1e-6 * costs[1] and costs[1] >= costs[2] - 1e-6 * costs[2]


def test_impossible_request_gets_a_diagnosis_with_numbers():
    scenario, catalog = load_inputs(ROOT / "scenarios" / "startup_7b.yaml")
    plan = make_plan(with_overrides(scenario, budget_usd=10_000), catalog)
    assert plan.status == "infeasible"
    d = plan.diagnosis
    assert d.extra_budget_usd is not None and d.extra_budget_usd > 0
    # the fix it names works: that much more budget gives a plan
    fixed = make_plan(with_overrides(scenario, budget_usd=10_000 + d.extra_budget_usd * 1.0001), catalog, explain=False)
    assert fixed.status == "optimal"
    assert "budget" in d.message


def _usd(note: str, before: str) -> float:
    return float(re.search(re.escape(before) + r" ([\d,]+) USD", note).group(1).replace(",", ""))


def test_runner_up_and_other_sourcing_are_the_true_optima():
    """The explanations' alternatives are planned afresh, not read off the chosen plan's presolved
    problem: the runner-up equals the cheapest of the other candidates each planned alone, and the
    cloud-only figure equals planning with buying forbidden."""
    scenario, catalog = load_inputs(ROOT / "scenarios" / "enterprise_70b.yaml")
    plan = make_plan(scenario, catalog)
    target = plan.scenario.target_loss
    candidates = prune(generate_candidates(scenario, catalog, target_loss=target))
    alone = {}
    for c in candidates:
        if c.id != plan.path.id:
            problem = build_problem(scenario, catalog, [c], target_loss=target)
            solution = solve(problem) if problem is not None else None
            if solution is not None and solution.has_plan:
                alone[c.id] = solution.total_cost_usd
    runner_up = next(e for e in plan.explanations if e.startswith("Runner-up"))
    best = min(alone, key=alone.get)
    assert f"'{best}'" in runner_up
    assert _usd(runner_up, "costs") == pytest.approx(alone[best], abs=1.0)
    cloud_note = next(e for e in plan.explanations if "cloud-only plan costs" in e)
    policy = scenario.policy.model_copy(update={"buy_allowed": False})
    cloud = make_plan(scenario.model_copy(update={"policy": policy, "owned_hardware": []}), catalog, explain=False)
    assert _usd(cloud_note, "costs") == pytest.approx(cloud.total_cost_usd, abs=1.0)


def test_the_scenario_failure_rate_reaches_plan_and_evaluator():
    """A scenario's failures_per_node_day slows every option (goodput), so the plan costs no less;
    the independent evaluator, reading the same field, confirms the slower plan."""
    scenario, catalog = load_inputs(ROOT / "scenarios" / "enterprise_70b.yaml")
    base = make_plan(scenario, catalog, explain=False)
    flaky = scenario.model_copy(update={"failures_per_node_day": 0.5})
    plan = make_plan(flaky, catalog, explain=False)
    assert plan.total_cost_usd > base.total_cost_usd
    assert evaluate(plan, flaky, catalog).violations == []
    assert evaluate(plan, scenario, catalog).violations != []  # its dates are wrong at the default rate


def test_two_entries_of_one_server_type_at_one_site_are_one_pool():
    """Two racks of the same servers in one hall (or two members' racks, pooled by a consortium)
    are one held pool of their summed nodes; the plan on 10 + 6 nodes is the plan on 16."""
    from planner.options import owned_pools

    scenario, catalog = load_inputs(ROOT / "scenarios" / "university_cluster.yaml")
    scenario = with_overrides(scenario, deadline_days=2)  # in 2 days the pretraining needs all 16 nodes
    rack = scenario.owned_hardware[0]
    split = scenario.model_copy(update={"owned_hardware": [rack.model_copy(update={"nodes": 10}),
                                                           rack.model_copy(update={"nodes": 6})]})
    held = [p for p in owned_pools(split, catalog, split.deadline_days) if p.source == "held"]
    assert [(p.id, p.max_nodes) for p in held] == [("held:hgx-a100-80gb@us-university", 16)]
    whole, parts = make_plan(scenario, catalog, explain=False), make_plan(split, catalog, explain=False)
    assert parts.total_cost_usd == pytest.approx(whole.total_cost_usd, rel=1e-9)
    assert max(s.nodes for st in parts.stages for s in st.segments if s.source == "held") == 16
    assert evaluate(parts, split, catalog).violations == []


@pytest.mark.parametrize("name", ["startup_7b.yaml", "enterprise_70b.yaml"])
def test_maximising_quality_within_a_budget_does_no_worse_than_the_cost_plan_in_it(name):
    """The cheapest plan meeting the target fits in a budget of its own cost, so the best loss
    within that budget is at most its loss (the quality objective's size grid alone missed it)."""
    scenario, catalog = load_inputs(ROOT / "scenarios" / name)
    cheapest = make_plan(scenario, catalog, explain=False)
    best = make_plan(with_overrides(scenario, objective="quality", budget_usd=cheapest.total_cost_usd * (1 + 1e-6)),
                     catalog, explain=False)
    assert best.status == "optimal"
    assert best.predicted_loss <= cheapest.predicted_loss + 1e-9
    assert best.total_cost_usd <= cheapest.total_cost_usd * (1 + 1e-6)


def test_a_carbon_cap_too_low_is_named_with_the_cap_that_would_do():
    scenario, catalog = load_inputs(ROOT / "scenarios" / "startup_7b.yaml")
    capped = scenario.model_copy(update={"policy": scenario.policy.model_copy(update={"carbon_cap_tco2e": 1e-6})})
    plan = make_plan(capped, catalog)
    assert plan.status == "infeasible"
    free = make_plan(scenario.model_copy(update={"policy": capped.policy.model_copy(
        update={"carbon_cap_tco2e": None})}), catalog, explain=False)
    assert plan.diagnosis.carbon_cap_tco2e == pytest.approx(free.tco2e)
    assert "raise the carbon cap to" in plan.diagnosis.message
