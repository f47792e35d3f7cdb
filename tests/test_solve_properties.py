"""Properties on random small instances: the MIP equals brute force, solvers agree, every plan
passes the independent checker, and bounds move the optimum the right way (metamorphic tests)."""

from __future__ import annotations

import dataclasses
import math

import pytest
from brute_force import brute_force, check_solution
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from problem_factory import bridging_problems, problems, programs

from planner.presolve import greedy_earliest_end, greedy_upper_bound, presolve
from planner.solve import solve

FAST = "highs"  # the quickest backend on tiny instances; test_solvers_agree covers the others


def close(a: float, b: float, rel_tol: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-6)


def checked(problem, objective="cost", solver=FAST, **overrides):
    solution = solve(problem, objective, solver, **overrides)
    if solution.has_plan:
        assert check_solution(dataclasses.replace(problem, **overrides), solution) == []
    return solution


def matches_brute_force(problem, objective):
    """The MIP's status, optimum and tie-broken cost are the brute-force ones (and its plan passes
    the checker)."""
    expected = brute_force(problem, objective)
    found = checked(problem, objective)
    assert (expected is None) == (found.status == "infeasible")
    if expected is not None:
        assert found.status == "optimal"
        assert close(found.objective_value, expected.value)
        # the cost of a tie-break is within solver tolerance of the objective's optimum
        assert close(found.total_cost_usd, expected.cost_usd, 1e-6 if objective == "cost" else 1e-5)


@pytest.mark.parametrize("objective", ["cost", "quality", "time"])
@settings(max_examples=200, deadline=None)
@given(problem=problems())
def test_mip_optimum_equals_brute_force(objective, problem):
    matches_brute_force(problem, objective)


@pytest.mark.parametrize("objective", ["cost", "time"])
@settings(max_examples=50, deadline=None)
@given(problem=bridging_problems())
def test_mip_optimum_equals_brute_force_when_held_hardware_bridges_a_delivery(objective, problem):
    """The release_day rows are valid: on problems made for them (slow hardware on hand, servers
    arriving on two or three days) the MIP still finds the brute-force optimum."""
    matches_brute_force(problem, objective)


@settings(max_examples=60, deadline=None)
@given(problem=problems(max_options=4), share=st.sampled_from([0.2, 0.3, 0.4]))
def test_mip_optimum_equals_brute_force_under_a_tight_provider_share(problem, share):
    """With J = 2 segments and a share cap below 1/2 the model adds provider_share_per_stage rows;
    the optimum is still the brute-force one."""
    matches_brute_force(dataclasses.replace(problem, max_segments=2, max_provider_share=share), "cost")


@pytest.mark.parametrize("objective", ["cost", "quality", "time"])
@settings(max_examples=100, deadline=None)
@given(problem=problems(max_paths=2, max_options=5))
def test_presolve_keeps_the_optimum(objective, problem):
    """Bound-based pruning and the cloud-hull rule drop only what no optimum needs: the pruned
    problem's optimum is the brute-force optimum of the whole one, and its plan is a plan of it."""
    expected = brute_force(problem, objective)
    found = checked(presolve(problem, objective), objective)
    assert (expected is None) == (found.status == "infeasible")
    if expected is not None:
        assert close(found.objective_value, expected.value)
        assert close(found.total_cost_usd, expected.cost_usd, 1e-6 if objective == "cost" else 1e-5)
        assert check_solution(problem, found) == []


@settings(max_examples=150, deadline=None)
@given(problem=problems(max_paths=2, max_options=5))
def test_greedy_bounds_are_plans(problem):
    """The simple plans behind presolve's upper bounds are real plans: never cheaper (or earlier)
    than the optimum, and found only when some plan exists."""
    best_cost, earliest = brute_force(problem, "cost"), brute_force(problem, "time")
    cost, end = greedy_upper_bound(problem), greedy_earliest_end(problem)
    if best_cost is None:
        assert math.isinf(cost) and math.isinf(end)
    else:
        assert cost >= best_cost.value * (1 - 1e-9) and end >= earliest.value * (1 - 1e-9)


@settings(max_examples=40, deadline=None)
@given(problem=problems(max_stages=1, max_options=3), objective=st.sampled_from(["cost", "time"]))
def test_an_option_returning_in_a_stage_never_helps(problem, objective):
    """With agreeable windows, J segments in which an option may come back (A, B, A) do no better
    than at most J distinct options, each once (docs/model.md, step 3): the model's one x per option
    loses nothing."""
    problem = dataclasses.replace(problem, max_segments=3)
    once, returning = brute_force(problem, objective), brute_force(problem, objective, repeats=True)
    assert (once is None) == (returning is None)
    if once is not None:
        assert close(once.value, returning.value)


@settings(max_examples=100, deadline=None)
@given(problem=problems())
def test_cbc_with_the_greedy_cutoff_equals_brute_force(problem):
    """CBC gets the greedy plan's cost as its cutoff under the cost objective; it must still find
    the optimum (and report no plan only when there is none)."""
    expected = brute_force(problem, "cost")
    found = checked(problem, "cost", "cbc")
    assert (expected is None) == (found.status == "infeasible")
    if expected is not None:
        assert close(found.objective_value, expected.value)


@pytest.mark.parametrize("solver", ["cbc", FAST])
@settings(max_examples=60, deadline=None)
@given(problem=st.one_of(problems(), programs()))
def test_the_path_first_cutoff_keeps_the_optimum(solver, problem):
    """Large multi-path models are first solved on the simple plan's path alone and its optimum is
    the cutoff (solve.PATH_FIRST_MIN_VARIABLES); forced on for every model here, the optimum is
    still the brute-force one, programs included."""
    import planner.solve as solve_module
    expected = brute_force(problem, "cost")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(solve_module, "PATH_FIRST_MIN_VARIABLES", 0)
        found = checked(problem, "cost", solver)
    assert (expected is None) == (found.status == "infeasible")
    if expected is not None:
        assert found.status == "optimal" and close(found.objective_value, expected.value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(problem=st.one_of(problems(max_paths=4), programs()), first=st.integers(0, 3))
def test_path_by_path_from_any_paths_optimum_finds_the_optimum(problem, first):
    """solve._path_by_path, started from the optimum of any one path (not the simple plan's), asks
    every other path alone for a cheaper plan (backends.below_cutoff) and ends at the brute-force
    optimum over all paths."""
    import planner.solve as solve_module
    from planner.model import build_model
    assume(len(problem.paths) > 1)
    optima = [s for s in (solve(dataclasses.replace(problem, paths=(k,)), "cost", "cbc") for k in problem.paths)
              if s.status == "optimal"]
    assume(optima)
    best, proven = solve_module._path_by_path(build_model(problem), optima[first % len(optima)], "cbc", None)
    expected = brute_force(problem, "cost")
    assert proven and best.status == "optimal"
    assert close(best.total_cost_usd, expected.value)
    assert check_solution(problem, best) == []


@settings(max_examples=40, deadline=None)
@given(problem=problems(), objective=st.sampled_from(["cost", "quality", "time"]))
def test_cbc_highs_and_ortools_agree(problem, objective):
    results = [checked(problem, objective, solver) for solver in ("cbc", "highs", "ortools")]
    assert len({r.status for r in results}) == 1
    if results[0].has_plan:
        assert all(close(r.objective_value, results[0].objective_value) for r in results)


@settings(max_examples=40, deadline=None)
@given(problem=problems(), extra_days=st.integers(1, 100))
def test_a_later_deadline_never_costs_more(problem, extra_days):
    assume(problem.deadline_days is not None)
    before = checked(problem)
    after = checked(problem, deadline_days=problem.deadline_days + extra_days)
    if before.has_plan:
        assert after.has_plan and after.objective_value <= before.objective_value * (1 + 1e-7) + 1e-6


@settings(max_examples=40, deadline=None)
@given(problem=problems(), factor=st.floats(1.0, 4.0))
def test_a_larger_budget_never_gives_a_worse_loss(problem, factor):
    assume(problem.budget_usd is not None)
    before = checked(problem, "quality")
    after = checked(problem, "quality", budget_usd=problem.budget_usd * factor)
    if before.has_plan:
        assert after.has_plan and after.loss <= before.loss


@settings(max_examples=40, deadline=None)
@given(problem=problems(), pick=st.integers(0, 10_000))
def test_removing_an_option_never_lowers_cost(problem, pick):
    places = [(k, s, i) for k, path in enumerate(problem.paths) for s, stage in enumerate(path.stages)
              for i in range(len(stage.options))]
    k, s, i = places[pick % len(places)]
    path = problem.paths[k]
    stage = path.stages[s]
    smaller_stage = dataclasses.replace(stage, options=stage.options[:i] + stage.options[i + 1:])
    smaller_path = dataclasses.replace(path, stages=path.stages[:s] + (smaller_stage,) + path.stages[s + 1:])
    smaller = dataclasses.replace(problem, paths=problem.paths[:k] + (smaller_path,) + problem.paths[k + 1:])
    before, after = checked(problem), checked(smaller)
    if after.has_plan:
        assert before.has_plan and before.objective_value <= after.objective_value * (1 + 1e-7) + 1e-6


@settings(max_examples=40, deadline=None)
@given(problem=problems(), pick=st.integers(0, 10), more_held=st.integers(1, 8))
def test_adding_held_capacity_never_raises_cost(problem, pick, more_held):
    assume(problem.capacities)
    capacities = list(problem.capacities)
    pool = capacities[pick % len(capacities)]
    capacities[pick % len(capacities)] = dataclasses.replace(pool, held_nodes=pool.held_nodes + more_held)
    before, after = checked(problem), checked(problem, capacities=tuple(capacities))
    if before.has_plan:
        assert after.has_plan and after.objective_value <= before.objective_value * (1 + 1e-7) + 1e-6


@pytest.mark.parametrize("objective", ["cost", "quality", "time"])
@settings(max_examples=150, deadline=None)
@given(problem=programs())
def test_mip_optimum_equals_brute_force_on_programs(objective, problem):
    """A program's two schedules (the first run's, and the one runs 2..R share in run 2's window) on
    capacity bought once, often delivered between run 1 and run 2: the MIP finds the brute-force
    optimum, and its plan passes the checker (each run's deadline, windows, staff to the last run)."""
    matches_brute_force(problem, objective)


@settings(max_examples=40, deadline=None)
@given(problem=programs(max_stages=2, max_options=2), objective=st.sampled_from(["cost", "time"]))
def test_cbc_highs_and_ortools_equal_brute_force_on_programs(problem, objective):
    """Every backend solves the two-schedule model to the brute-force optimum (two stages per run)."""
    expected = brute_force(problem, objective)
    for solver in ("cbc", "highs", "ortools"):
        found = checked(problem, objective, solver)
        assert (expected is None) == (found.status == "infeasible"), solver
        if expected is not None:
            assert close(found.objective_value, expected.value), solver


@settings(max_examples=60, deadline=None)
@given(problem=programs())
def test_presolve_keeps_the_optimum_of_programs(problem):
    """Presolve (cost bounds, the greedy plans over two schedules) drops nothing a program's optimum needs."""
    expected = brute_force(problem, "cost")
    found = checked(presolve(problem, "cost"), "cost")
    assert (expected is None) == (found.status == "infeasible")
    if expected is not None:
        assert close(found.objective_value, expected.value)
        assert greedy_upper_bound(problem) >= expected.value * (1 - 1e-9)
