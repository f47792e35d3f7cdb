"""Hand-made instances with known answers, on every solver, each plan re-checked independently."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest
from brute_force import brute_force, check_solution
from problem_factory import random_problem

from planner.problem import Capacity, Option, Path, Problem, StageOptions
from planner.solve import solve

SOLVERS = ("cbc", "highs", "ortools")


def cloud(id, days, usd, provider="aws", nodes=4):
    return Option(id, "offer", provider, "h100", "on_demand", nodes, 8 * nodes, days, usd, 0.0, 10.0, 2.0)


def on_pool(id, days, energy_usd, pool, nodes=4, source="owned"):
    return Option(id, "offer", "self", "h100", source, nodes, 8 * nodes, days, 0.0, energy_usd, 20.0, 4.0, pool)


def owned_pool(lead_days=60.0, held=0, max_new=8, unit_cost=10_000.0):
    return Capacity("dc", "owned", "h100", "nvidia", unit_cost, 1_000.0, 250_000.0, held, max_new, lead_days)


def one_stage(*options, loss=2.0, path_id="k", data_usd=0.0):
    return Path(path_id, "scratch", loss, data_usd, 0.0, 0.0, [StageOptions("pretrain", options)])


def checked(problem, objective="cost", solver="cbc", **overrides):
    solution = solve(problem, objective, solver, **overrides)
    if solution.has_plan:
        assert check_solution(dataclasses.replace(problem, **overrides), solution) == []
    return solution


@pytest.mark.parametrize("solver", SOLVERS)
def test_cloud_bridge_runs_on_cloud_while_hardware_ships(solver):
    """Owned nodes arrive on day 60 and need 80 days alone; the deadline is day 100. Cloud does
    the first half (fraction ≥ 1 − 40/80), the owned nodes the rest from day 60."""
    problem = Problem([one_stage(cloud("rent", 50, 1_000_000), on_pool("own", 80, 20_000, "dc"))],
                      [owned_pool()], deadline_days=100)
    s = checked(problem, solver=solver)
    assert s.status == "optimal"
    assert [(seg.option, seg.slot) for seg in s.segments] == [("rent", 1), ("own", 2)]
    rent, own = s.segments
    assert rent.fraction == pytest.approx(0.5) and rent.start_day == 0 and rent.end_day == pytest.approx(25)
    assert own.start_day == pytest.approx(60) and own.end_day == pytest.approx(100)
    assert s.capacities == {"dc": 4}
    expected = 0.5 * 1_000_000 + 0.5 * 20_000 + 4 * (10_000 + 1_000)
    assert s.total_cost_usd == pytest.approx(expected) and s.objective_value == pytest.approx(expected)
    assert s.cost_breakdown_usd["owned_capex_net"] == 40_000 and s.cost_breakdown_usd["hosting"] == 4_000


def test_without_room_for_a_bridge_the_stage_is_not_split():
    problem = Problem([one_stage(cloud("rent", 50, 1_000_000), on_pool("own", 80, 20_000, "dc"))],
                      [owned_pool()], deadline_days=100, max_segments=1)
    s = checked(problem)
    assert [seg.option for seg in s.segments] == ["rent"] and s.capacities == {}


def test_held_nodes_are_free_and_only_the_rest_is_bought():
    problem = Problem([one_stage(on_pool("own", 30, 5_000, "dc", nodes=6))], [owned_pool(lead_days=0, held=4)])
    s = checked(problem)
    assert s.capacities == {"dc": 2}
    assert s.total_cost_usd == pytest.approx(5_000 + 2 * 11_000)


def test_a_pool_is_sized_once_for_its_largest_use_across_stages():
    stages = [StageOptions("pretrain", [on_pool("big", 10, 0, "dc", nodes=6)]),
              StageOptions("sft", [on_pool("small", 5, 0, "dc", nodes=2)])]
    problem = Problem([Path("k", "scratch", 2.0, 0, 0, 0, stages)], [owned_pool(lead_days=0)], staff_usd_per_day=10)
    s = checked(problem)
    assert s.capacities == {"dc": 6} and s.end_day == 15
    assert s.total_cost_usd == pytest.approx(6 * 11_000 + 15 * 10)


@pytest.mark.parametrize("solver", SOLVERS)
def test_time_and_quality_break_ties_by_cost(solver):
    fast_cheap, fast_dear = cloud("cheap", 10, 100), cloud("dear", 10, 900)
    problem = Problem([one_stage(fast_dear, fast_cheap, cloud("slow", 30, 1), loss=2.0, path_id="a"),
                       one_stage(cloud("x", 10, 50), loss=2.0, path_id="b", data_usd=500),
                       one_stage(cloud("y", 20, 0.5), loss=2.5, path_id="c")])
    by_time = checked(problem, objective="time", solver=solver)
    assert by_time.path_id == "a"
    assert (by_time.objective_value, by_time.total_cost_usd) == (pytest.approx(10), pytest.approx(100))
    by_quality = checked(problem, objective="quality", solver=solver)
    assert by_quality.objective_value == 2.0 and by_quality.path_id == "a"
    assert [seg.option for seg in by_quality.segments] == ["slow"]
    assert checked(problem, solver=solver).path_id == "c"


def test_quality_under_a_budget_and_deadline():
    problem = Problem([one_stage(cloud("good", 10, 1_000), loss=1.8, path_id="good"),
                       one_stage(cloud("ok", 10, 500), loss=2.0, path_id="ok"),
                       one_stage(cloud("fast", 50, 100), loss=1.5, path_id="slow")],
                      budget_usd=800, deadline_days=20)
    assert checked(problem, objective="quality").path_id == "ok"
    assert checked(problem, objective="quality", budget_usd=None).path_id == "good"


def test_carbon_cap_and_provider_share_shape_the_plan():
    options = (cloud("aws", 10, 100, "aws"), cloud("gcp", 10, 150, "gcp"))
    problem = Problem([one_stage(*options)], max_provider_share=0.6, staff_usd_per_day=0)
    s = checked(problem)
    shares = {seg.option: seg.cost_usd for seg in s.segments}
    assert shares["aws"] == pytest.approx(0.6 * sum(shares.values()))
    capped = Problem([one_stage(cloud("dirty", 10, 100), dataclasses.replace(cloud("clean", 10, 300), tco2e=0.0))],
                     carbon_cap_tco2e=1.0)
    assert checked(capped).tco2e == pytest.approx(1.0)


@pytest.mark.parametrize("solver", SOLVERS)
def test_no_plan_is_reported_as_infeasible_with_an_empty_plan(solver):
    s = solve(Problem([one_stage(cloud("rent", 50, 1_000))], deadline_days=10), solver=solver)
    assert (s.status, s.path_id, s.segments, s.total_cost_usd, s.has_plan) == ("infeasible", None, (), None, False)


@pytest.mark.parametrize("seed", range(12))
def test_solvers_agree_on_random_instances(seed):
    problem = random_problem(random.Random(seed))
    for objective in ("cost", "quality", "time"):
        results = [solve(problem, objective, solver) for solver in SOLVERS]
        assert len({r.status for r in results}) == 1
        if results[0].has_plan:
            values = [r.objective_value for r in results]
            assert max(values) - min(values) <= 1e-6 * max(1.0, abs(values[0]))
            for r in results:
                assert check_solution(problem, r) == []


def hard_problem() -> Problem:
    """About 800 variables; CBC needs about a second to prove the optimum, HiGHS and SCIP longer."""
    problem = random_problem(random.Random(0), max_paths=6, max_stages=2, max_options=40)
    return dataclasses.replace(problem, max_segments=3, budget_usd=None, target_loss=None,
                               carbon_cap_tco2e=None, deadline_days=100.0)


@pytest.fixture(scope="module")
def hard_optimum() -> dict[str, float]:
    return {objective: solve(hard_problem(), objective, "cbc").objective_value for objective in ("cost", "quality")}


@pytest.mark.parametrize("objective", ["cost", "quality"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_a_time_limited_solve_reports_status_and_gap_consistently(solver, objective, hard_optimum):
    problem, optimum = hard_problem(), hard_optimum[objective]
    s = solve(problem, objective, solver, time_limit_s=0.5)
    assert s.status in ("optimal", "feasible", "timeout")
    if s.status == "timeout":
        assert not s.has_plan and s.gap is None and s.objective_value is None
        return
    assert check_solution(problem, s) == []
    assert s.objective_value >= optimum * (1 - 1e-6)
    if objective == "cost":
        assert s.total_cost_usd <= s.objective_value * (1 + 1e-6)
    if s.status == "optimal":
        assert s.gap is None and s.objective_value == pytest.approx(optimum, rel=1e-6)
    elif s.gap is not None:
        assert 0 <= s.gap <= 1 and (s.objective_value - optimum) / s.objective_value <= s.gap + 1e-6


def test_brute_force_agrees_on_the_bridge():
    problem = Problem([one_stage(cloud("rent", 50, 1_000_000), on_pool("own", 80, 20_000, "dc"))],
                      [owned_pool()], deadline_days=100)
    assert math.isclose(brute_force(problem).value, solve(problem).objective_value, rel_tol=1e-9)


def test_write_lp_writes_the_model_before_solving(tmp_path):
    lp_file = tmp_path / "plan.lp"
    solve(Problem([one_stage(cloud("rent", 50, 1_000))]), write_lp=str(lp_file))
    assert "stage_done_once__k__pretrain:" in lp_file.read_text()


def test_a_false_infeasible_from_highs_presolve_is_rechecked():
    """HiGHS 1.16's presolve calls this feasible instance infeasible (and 'Solve error' for 'time')."""
    problem = dataclasses.replace(random_problem(random.Random(1066)), deadline_days=25.25)
    for objective in ("cost", "time"):
        highs, cbc = solve(problem, objective, "highs"), solve(problem, objective, "cbc")
        assert highs.status == cbc.status == "optimal"
        assert highs.objective_value == pytest.approx(cbc.objective_value, rel=1e-6)
