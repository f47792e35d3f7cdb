"""Portfolios: several projects in one MIP sharing bought and reserved pools (planner/portfolio)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import random
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import planner
from planner.catalog import load_catalog
from planner.cli import cli
from planner.portfolio.evaluate import evaluate_portfolio
from planner.portfolio.plan import plan_portfolio
from planner.portfolio.solve import solve_portfolio
from planner.problem import Capacity, Problem, Project
from tests.brute_force import brute_force_portfolio
from tests.problem_factory import _agreeable, random_path

CATALOG = load_catalog()


def _repeating_single_plan(path: str):
    """`plan`'s answer with the program's first run repeated in every window (the rule a portfolio
    project keeps: build_problem(later_schedule=False)), through the single plan's translation."""
    from planner.inputs import load_inputs
    from planner.options import build_problem
    from planner.paths import generate_candidates, prune
    from planner.planning import to_plan
    from planner.presolve import presolve
    from planner.quality import target_loss
    from planner.results import ScenarioBounds
    from planner.solve import solve

    scenario, catalog = load_inputs(path)
    target = target_loss(scenario, catalog)
    cands = {c.id: c for c in prune(generate_candidates(scenario, catalog, target_loss=target))}
    problem = presolve(build_problem(scenario, catalog, list(cands.values()), target_loss=target,
                                     later_schedule=False))
    sol = solve(problem)
    bounds = ScenarioBounds(name=scenario.name, deadline_days=scenario.deadline_days, budget_usd=None,
                            target={}, target_loss=target, objective="cost", program=scenario.program.model_dump())
    return to_plan(sol, problem, cands[sol.path_id], bounds, "cbc", scenario, catalog)


def test_a_one_project_portfolio_is_todays_single_plan():
    """The enterprise program (8 runs, buys 32 DGX H100) as the only project, with its own ownership
    rules as the portfolio's: the same cost to the cent, path, pool and segments as the single plan
    that repeats the first run in every window (a portfolio's projects do; `plan` itself gives runs
    2..R a schedule of their own, which costs no more: tests/test_planning.py)."""
    single = _repeating_single_plan("scenarios/enterprise_70b.yaml")
    assert not single.later_stages and planner.plan("scenarios/enterprise_70b.yaml", explain=False).total_cost_usd \
        < single.total_cost_usd
    result = plan_portfolio({"name": "one", "ownership": {"accounting": "resell", "site": "us-virginia"},
                             "projects": [{"name": "p", "scenario": "scenarios/enterprise_70b.yaml"}]},
                            CATALOG, compare=False)
    assert result.status == "optimal"
    assert abs(result.total_cost_usd - single.total_cost_usd) < 0.01
    (project,) = result.projects
    assert project.plan.path.id == single.path.id
    assert [(p.what, p.quantity_nodes, p.delivery_day) for p in result.procurement] == \
        [(p.item.split("@")[0], p.quantity_nodes, p.delivery_day) for p in single.procurement]
    segments = lambda plan: [(s.offer, s.nodes, round(s.start_day, 6), round(s.end_day, 6))  # noqa: E731
                             for st in plan.stages for s in st.segments]
    assert segments(project.plan) == segments(single)


def _random_portfolio(rng: random.Random) -> Problem:
    """2-3 projects of 1-2 paths each on one clock, sharing up to two pools (bought from a lead time,
    or reserved from day 0 to no end), each project in its own window, some with later runs (which
    hold their nodes 200 days longer)."""
    capacities = []
    for n in range(rng.randint(1, 2)):
        kind = rng.choice(("owned", "reserved"))
        capacities.append(Capacity(f"{kind}-{n}", kind, "h100", "nvidia", float(rng.randint(5, 60) * 1000),
                                   float(rng.randint(0, 4) * 500) if kind == "owned" else 0.0, 300_000.0, 0,
                                   rng.randint(4, 24), float(rng.choice((0, 20, 60))) if kind == "owned" else 0.0))
    paths, projects, number = [], [], 0
    for j in range(rng.randint(2, 3)):
        start = float(rng.choice((0, 0, 50, 150)))
        mine = []
        for _ in range(rng.randint(1, 2)):
            p = random_path(rng, number, capacities, max_stages=2, max_options=3)
            number += 1
            mine.append(p.__class__(**{**p.__dict__, "id": f"proj{j}/{p.id}", "stages": tuple(
                s.__class__(s.name, s.options, ready_day=start) for s in p.stages)}))
        paths += mine
        projects.append(Project(f"proj{j}", tuple(p.id for p in mine), start_day=start,
                                deadline_day=start + rng.randint(60, 250),
                                staff_usd_per_day=float(rng.choice((0, 1000))) if start == 0 else 0.0,
                                later_runs_days=float(rng.choice((0, 0, 0, 200)))))
    capacities = _agreeable(capacities, paths)
    return Problem(tuple(paths), tuple(capacities), projects=tuple(projects),
                   budget_usd=float(rng.randint(20, 300) * 10_000) if rng.random() < 0.3 else None)


@pytest.mark.parametrize("seed", range(40))
def test_small_portfolios_agree_with_brute_force(seed):
    """Of these 40, 32 plans buy or reserve, 9 share a pool between projects and 6 have no plan."""
    problem = _random_portfolio(random.Random(seed))
    expected = brute_force_portfolio(problem)
    sol = solve_portfolio(problem)
    if expected is None:
        assert sol.status == "infeasible"
        return
    assert sol.status == "optimal"
    assert math.isclose(sol.total_cost_usd, expected, rel_tol=1e-6, abs_tol=1e-3)


@pytest.mark.parametrize("seed", range(20))
def test_the_decomposed_plan_as_cutoff_keeps_the_optimum(seed):
    """plan_portfolio's MIP (solve_built, CBC) is first given the decomposed plan's cost as its cutoff;
    it still finds the brute-force optimum, and says infeasible only when there is no plan."""
    from planner.portfolio.build import Built
    from planner.portfolio.plan import solve_built
    problem = _random_portfolio(random.Random(seed))
    expected = brute_force_portfolio(problem)
    sol = solve_built(Built(problem, {}, 0.0, math.inf), "cbc", None, "mip")
    if expected is None:
        assert sol.status == "infeasible"
        return
    assert sol.status == "optimal"
    assert math.isclose(sol.total_cost_usd, expected, rel_tol=1e-6, abs_tol=1e-3)


def test_projects_one_after_another_reuse_bought_nodes():
    """Two projects, days 0-100 and 100-200, each needing 8 nodes of one pool (or 1 M USD of cloud):
    bought once (8 × 50 k = 400 k) the pool serves both; overlapping windows would need 16 nodes."""
    from planner.problem import Option, Path, StageOptions
    pool = Capacity("buy", "owned", "h100", "nvidia", 50_000.0, 0.0, 300_000.0, 0, 64, 0.0)

    def project(name, start):
        options = (Option("own", "buy", "self", "h100", "owned", 8, 64, 50.0, 0.0, 0.0, 0.0, 0.0, "buy"),
                   Option("cloud", "rent", "aws", "h100", "on_demand", 8, 64, 50.0, 1e6, 0.0, 0.0, 0.0))
        return Path(f"{name}/p", "scratch", 2.0, 0.0, 0.0, 0.0, (StageOptions("pretrain", options, start),))

    for second_start, nodes in ((100.0, 8), (50.0, 16)):
        paths = (project("a", 0.0), project("b", second_start))
        projects = (Project("a", ("a/p",), 0.0, 100.0), Project("b", ("b/p",), second_start, second_start + 100))
        sol = solve_portfolio(Problem(paths, (pool,), projects=projects))
        assert sol.pools == {"buy": nodes}
        assert sol.total_cost_usd == pytest.approx(50_000.0 * nodes)


REPO = Path(planner.__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def two_labs(tmp_path_factory):
    """The small lab's fine-tune twice, days 0-30 and 60-90 (cloud only: quick)."""
    path = tmp_path_factory.mktemp("pf") / "labs.yaml"
    lab = REPO / "scenarios" / "small_lab_finetune.yaml"
    path.write_text(f"name: labs\nprojects:\n  - {{name: first, scenario: {lab}}}\n"
                    f"  - {{name: second, start_day: 60, scenario: {lab}}}\n")
    return path


def test_cli_prints_the_schedule_and_writes_json_csv_and_report(two_labs, tmp_path):
    runner = CliRunner()
    table = runner.invoke(cli, ["portfolio", str(two_labs), "--no-compare"])
    assert table.exit_code == 0, table.output
    assert "Procurement schedule:" in table.output and "second" in table.output
    out = runner.invoke(cli, ["portfolio", str(two_labs), "--no-compare", "--format", "json"])
    data = json.loads(out.output)
    own = sum(p["own_cost_usd"] for p in data["projects"])
    assert data["total_cost_usd"] == pytest.approx(own + data["cost_breakdown_usd"].get("pools", 0.0))
    assert [p["start_day"] for p in data["projects"]] == [0, 60]
    schema = json.loads((REPO / "docs" / "schema" / "portfolio.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    with pytest.raises(jsonschema.ValidationError):  # the schema does reject a wrong document
        jsonschema.Draft202012Validator(schema).validate({**data, "status": "maybe"})
    report = tmp_path / "r.html"
    text = runner.invoke(cli, ["portfolio", str(two_labs), "--no-compare", "--format", "csv", "--report", str(report)])
    header = next(csv.reader(io.StringIO(text.output)))
    assert header[:3] == ["item", "action", "what"]
    assert "<svg" in report.read_text()


def test_bad_portfolio_input_names_file_field_and_value(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nprojects:\n  - {name: a, start_day: -5, scenario: nowhere.yaml}\n")
    result = subprocess.run([str(Path(sys.executable).parent / "plan"), "portfolio", str(bad)], capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "bad.yaml" in result.stderr and "projects.0.start_day" in result.stderr and "-5" in result.stderr


def test_evaluator_recomputes_a_portfolio_with_shared_pools(two_labs):
    """The enterprise program beside a later copy of itself (starting day 1,460, after the first's
    horizon... is too long) — here: the enterprise program with the small lab fine-tune on day 30:
    every project's cost and dates, the bought pool's charges and the total are recomputed."""
    from planner.portfolio.inputs import validate_portfolio
    raw = {"name": "mixed", "ownership": {"accounting": "resell", "site": "us-virginia"},
           "projects": [{"name": "program", "scenario": str(REPO / "scenarios/enterprise_70b.yaml")},
                        {"name": "lab", "start_day": 30, "scenario": str(REPO / "scenarios/small_lab_finetune.yaml")}]}
    portfolio, scenarios = validate_portfolio(raw, "test")
    result = plan_portfolio(raw, CATALOG, compare=False)
    assert result.procurement and result.procurement[0].what == "dgx-h100"
    ev = evaluate_portfolio(result, portfolio, scenarios, CATALOG)
    assert ev.violations == []
    assert ev.total_cost_usd == pytest.approx(result.total_cost_usd, rel=1e-6)
    # a tampered plan is caught: one node fewer than in use
    line = result.procurement[0]
    tampered = result.model_copy(update={"procurement": [line.model_copy(update={"quantity_nodes": line.quantity_nodes - 1})]})
    assert any("nodes in use" in v for v in evaluate_portfolio(tampered, portfolio, scenarios, CATALOG).violations)


@pytest.mark.parametrize("seed", range(15))
def test_decomposition_is_a_plan_between_its_bound_and_the_optimum(seed):
    """Capacity from the LP, then projects alone: a feasible plan costing at least the brute-force
    optimum, and an LP bound at most that optimum."""
    from planner.portfolio.decompose import solve_decomposed
    problem = _random_portfolio(random.Random(seed))
    expected = brute_force_portfolio(problem)
    sol = solve_decomposed(problem)
    if expected is None:
        assert not sol.has_plan
        return
    if not sol.has_plan:  # allowed: the rounding can leave a project without a plan the MIP would find
        return
    assert sol.total_cost_usd >= expected * (1 - 1e-6) - 1e-3
    assert sol.bound_usd <= expected * (1 + 1e-6) + 1e-3
    assert sol.gap == pytest.approx((sol.total_cost_usd - sol.bound_usd) / sol.total_cost_usd, abs=1e-9)


def test_what_if_drops_each_project(two_labs):
    """Two cloud-only projects share nothing, so dropping one leaves the other's own cost exactly
    (through the Python API)."""
    result = planner.plan_portfolio(str(two_labs), CATALOG, compare=False, what_if=True)
    own = {p.name: p.own_cost_usd for p in result.projects}
    dropped = {w.change: w for w in result.what_if}
    assert set(dropped) == {"drop project first", "drop project second"}
    assert dropped["drop project first"].total_cost_usd == pytest.approx(own["second"], rel=1e-9)
    assert dropped["drop project second"].total_cost_usd == pytest.approx(own["first"], rel=1e-9)
    assert dropped["drop project first"].note == "the same purchases"


def test_what_if_says_how_much_a_purchase_may_cost_more():
    """Two projects one after another on 8 bought nodes (400 k USD) instead of 1 M USD of cloud each:
    without the purchase the plan costs 2 M, so the purchase stays best until its charge rises 1.6 M."""
    from planner.portfolio.build import Built
    from planner.portfolio.results import PoolLine, PortfolioPlan
    from planner.portfolio.whatif import what_if
    from planner.problem import Option, Path, StageOptions
    pool = Capacity("buy", "owned", "h100", "nvidia", 50_000.0, 0.0, 300_000.0, 0, 64, 0.0)
    options = (Option("own", "buy", "self", "h100", "owned", 8, 64, 50.0, 0.0, 0.0, 0.0, 0.0, "buy"),
               Option("cloud", "rent", "aws", "h100", "on_demand", 8, 64, 50.0, 1e6, 0.0, 0.0, 0.0))
    paths = tuple(Path(f"{n}/p", "scratch", 2.0, 0.0, 0.0, 0.0, (StageOptions("pretrain", options, s),))
                  for n, s in (("a", 0.0), ("b", 100.0)))
    problem = Problem(paths, (pool,), projects=(Project("a", ("a/p",), 0.0, 100.0), Project("b", ("b/p",), 100.0, 200.0)))
    line = PoolLine(item="buy", action="buy", what="x", chip="h100", vendor="v", quantity_nodes=8, order_day=0,
                    delivery_day=0, payment_day=0, end_day=200, list_price_usd=2.4e6, end_value_usd=0,
                    charged_usd=400_000.0, used_by=["a", "b"], node_days_used=800, node_days_held=1600, utilisation=0.5)
    result = PortfolioPlan(name="t", status="optimal", solver="cbc", horizon_day=200, total_cost_usd=400_000.0,
                           procurement=[line], projects=[])
    (found,) = what_if(result, Built(problem, {}, 200.0, math.inf), solve_portfolio)
    assert found.total_cost_usd == pytest.approx(2e6)
    assert found.flips_above_usd == pytest.approx(1.6e6)


def _two_projects(pool: Capacity, second_start: float = 100.0, **problem_fields) -> Problem:
    """Projects a (days 0-100) and b (from second_start, 100 days): 8 nodes of `pool` for 50 days, or
    1 M USD of cloud."""
    from planner.problem import Option, Path, StageOptions
    options = (Option("own", "buy", "self", "h100", "owned", 8, 64, 50.0, 0.0, 0.0, 0.0, 0.0, pool.id),
               Option("cloud", "rent", "aws", "h100", "on_demand", 8, 64, 50.0, 1e6, 0.0, 0.0, 0.0))
    paths = tuple(Path(f"{n}/p", "scratch", 2.0, 0.0, 0.0, 0.0, (StageOptions("pretrain", options, s),))
                  for n, s in (("a", 0.0), ("b", second_start)))
    projects = (Project("a", ("a/p",), 0.0, 100.0), Project("b", ("b/p",), second_start, second_start + 100))
    return Problem(paths, (pool,), projects=projects, **problem_fields)


@pytest.mark.parametrize("budget, expected", [(1e6, 2e6), (3e6, 400_000.0)])
def test_capital_budget_per_period_caps_what_is_bought(budget, expected):
    """8 nodes at a 300 k list price are 2.4 M USD of capital in the first quarter: over a 1 M budget
    both projects rent (2 × 1 M); within 3 M they share 8 bought nodes (8 × 50 k)."""
    pool = Capacity("buy", "owned", "h100", "nvidia", 50_000.0, 0.0, 300_000.0, 0, 64, 0.0)
    sol = solve_portfolio(_two_projects(pool, period_days=91.25, capital_budget_usd_per_period=budget))
    assert sol.total_cost_usd == pytest.approx(expected)


@pytest.mark.parametrize("late_usd, expected_end, expected_cost", [(1000.0, 60.0, 490_000.0), (2000.0, 40.0, 500_000.0)])
def test_late_days_are_paid_after_the_due_day(late_usd, expected_end, expected_cost):
    """Due day 40, deadline 100: a 40-day option at 500 k USD, or a 60-day one at 470 k plus 20 late
    days: at 1,000 USD a day 490 k (late wins), at 2,000 USD a day 510 k (on time wins)."""
    from planner.problem import Option, Path, StageOptions
    options = (Option("fast", "r", "aws", "h100", "on_demand", 8, 64, 40.0, 500_000.0, 0.0, 0.0, 0.0),
               Option("slow", "r", "aws", "h100", "on_demand", 4, 32, 60.0, 470_000.0, 0.0, 0.0, 0.0))
    path = Path("a/p", "scratch", 2.0, 0.0, 0.0, 0.0, (StageOptions("pretrain", options),))
    project = Project("a", ("a/p",), 0.0, 100.0, due_day=40.0, late_usd_per_day=late_usd)
    sol = solve_portfolio(Problem((path,), projects=(project,)))
    (ps,) = sol.projects
    assert ps.end_day == pytest.approx(expected_end)
    assert sol.total_cost_usd == pytest.approx(expected_cost)
    assert ps.cost_breakdown_usd["late"] == pytest.approx(late_usd * (expected_end - 40.0))


def test_a_reservation_in_a_portfolio_is_the_single_plans_and_evaluates():
    """The enterprise program cut to 2 runs reserves 32 TPU v6e hosts for a year alone; as a
    one-project portfolio it reserves the same nodes, costs the same to the cent, and the evaluator
    recomputes the whole-term fee from the catalog's price."""
    import yaml
    from planner.portfolio.inputs import validate_portfolio
    single = planner.plan("scenarios/enterprise_70b.yaml", explain=False, set={"program.runs": 2})
    scenario = yaml.safe_load((REPO / "scenarios/enterprise_70b.yaml").read_text())
    scenario["program"]["runs"] = 2
    raw = {"name": "one", "ownership": scenario["ownership"], "projects": [{"name": "p", "scenario": scenario}]}
    result = plan_portfolio(raw, CATALOG, compare=False)
    assert [p.action for p in result.procurement] == [p.action for p in single.procurement] == ["reserve"]
    assert result.procurement[0].quantity_nodes == single.procurement[0].quantity_nodes
    assert abs(result.total_cost_usd - single.total_cost_usd) < 0.01
    ev = evaluate_portfolio(result, *validate_portfolio(raw, "test"), CATALOG)
    assert ev.violations == []


def test_a_project_budget_caps_its_own_spend():
    """Project a may spend at most 500 k USD of its own: renting (1 M) is out, so both projects share
    8 bought nodes even when b, overlapping a, would rather rent: 16 nodes (800 k) + 0 own spend."""
    pool = Capacity("buy", "owned", "h100", "nvidia", 50_000.0, 0.0, 300_000.0, 0, 64, 0.0)
    free = solve_portfolio(_two_projects(pool, second_start=50.0))
    assert free.pools == {"buy": 16} and free.total_cost_usd == pytest.approx(800_000.0)
    pool = Capacity("buy", "owned", "h100", "nvidia", 600_000.0, 0.0, 300_000.0, 0, 64, 0.0)
    problem = _two_projects(pool, second_start=50.0)
    capped = dataclasses.replace(problem, projects=(dataclasses.replace(problem.projects[0], budget_usd=5e5),
                                                    problem.projects[1]))
    sol = solve_portfolio(capped)  # a must buy 8 (4.8 M), b rents (1 M) rather than buy 8 more
    assert sol.pools == {"buy": 8} and sol.total_cost_usd == pytest.approx(4.8e6 + 1e6)
    assert {p.project.id: p.cost_usd for p in sol.projects} == {"a": 0.0, "b": 1e6}


def test_server_price_sweep_says_when_buying_stops_paying():
    """The enterprise program alone buys 32 DGX H100. Under resale accounting the servers' charge
    (value lost while held plus the resale haircut) is proportional to their list price, so while
    the purchase stands the total rises linearly in the factor: the step from 1 to 1.3 is three
    times the step from 1 to 1.1. At three times the price buying no longer pays and the plan is
    the rent-everything plan (cloud-only 27.7 M against 23.7 M owned: it flips near ×1.5)."""
    result = planner.plan_portfolio(
        {"name": "one", "ownership": {"accounting": "resell", "site": "us-virginia"},
         "projects": [{"name": "p", "scenario": "scenarios/enterprise_70b.yaml"}]},
        CATALOG, server_price_factors=(1.0, 1.1, 1.3, 3.0))
    sweep = {w.change: w for w in result.what_if}
    assert list(sweep) == ["server prices × 1", "server prices × 1.1", "server prices × 1.3", "server prices × 3"]
    at = {f: sweep[f"server prices × {f:g}"] for f in (1.0, 1.1, 1.3, 3.0)}
    assert at[1.0].total_cost_usd == pytest.approx(result.total_cost_usd, rel=1e-9)
    assert at[1.0].note == at[1.1].note == at[1.3].note == "the same purchases"
    step = at[1.1].total_cost_usd - at[1.0].total_cost_usd
    assert step > 0
    assert at[1.3].total_cost_usd - at[1.0].total_cost_usd == pytest.approx(3 * step, rel=1e-6)
    rent = next(c for c in result.comparisons if c.sourcing == "rent_everything")
    assert at[3.0].procurement == {} and at[3.0].total_cost_usd == pytest.approx(rent.total_cost_usd, rel=1e-9)
    assert "32 → 0 nodes" in at[3.0].note


@pytest.mark.parametrize("factors", ["0,1.2", "abc", "1.2,nan", "11"])
def test_server_price_factors_are_checked(two_labs, factors):
    out = CliRunner().invoke(cli, ["portfolio", str(two_labs), "--server-price-factors", factors])
    assert out.exit_code == 2 and "--server-price-factors" in out.output
