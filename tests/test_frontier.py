"""Pareto frontiers by re-planning: values, dominance, the JSON schema and the SVG plot."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.errors import InputError
from planner.inputs import load_inputs
from planner.tradeoffs.frontier import FrontierPoint, flag_dominated, frontier, sweep_values

ROOT = Path(__file__).resolve().parents[1]
UNIVERSITY = ROOT / "scenarios" / "university_cluster.yaml"
LAB = ROOT / "scenarios" / "small_lab_finetune.yaml"


def _point(value, cost, status="optimal"):
    return FrontierPoint(value=value, status=status, total_cost_usd=cost, predicted_loss=None, end_day=None,
                         summary="", dominated=False)


def test_a_laxer_bound_that_does_no_better_is_dominated():
    pts = [_point(90, 100.0), _point(30, None, "infeasible"), _point(60, 120.0), _point(120, 100.0),
           _point(150, 80.0), _point(180, 90.0)]
    flag_dominated(pts, "total_cost_usd")
    assert {p.value: p.dominated for p in pts} == {30: False, 60: False, 90: False, 120: True, 150: False, 180: True}


def test_default_values_span_the_scenario_bound():
    scenario, catalog = load_inputs(LAB)
    assert sweep_values(scenario, catalog, "deadline", 3, None, None, None) == [7.5, 26.25, 45.0]
    budgets = sweep_values(scenario, catalog, "budget", 3, None, None, None)
    assert budgets[0] == pytest.approx(6250) and budgets[1] / budgets[0] == pytest.approx(budgets[2] / budgets[1])
    with pytest.raises(InputError, match="--min and --max"):
        sweep_values(scenario, catalog, "target", 3, None, None, None)
    with pytest.raises(InputError, match="min <= max"):
        sweep_values(scenario, catalog, "deadline", 3, 50, 10, None)


def test_a_programs_deadlines_stop_at_its_cadence():
    """Enterprise: 180-day deadline, runs every 182.5 days. The default sweep would reach 1.5 x 180
    = 270 days, which overlaps the next run's window (the scenario rejects it): it stops at 182.5,
    and an explicit --max beyond that is refused with the largest allowed value."""
    scenario, catalog = load_inputs(ROOT / "scenarios" / "enterprise_70b.yaml")
    assert sweep_values(scenario, catalog, "deadline", 3, None, None, None) == [45.0, 113.75, 182.5]
    with pytest.raises(InputError, match=r"--max 200.*program.every_days \(182.5\).*at most 182.5"):
        sweep_values(scenario, catalog, "deadline", 3, None, 200, None)
    with pytest.raises(InputError, match=r"--min 190.*give --min at most 182.5"):
        sweep_values(scenario, catalog, "deadline", 3, 190, None, None)


def test_deadline_frontier_plans_every_point_and_flags_no_gain():
    scenario, catalog = load_inputs(UNIVERSITY)
    fr = frontier(scenario, catalog, "deadline", values=[60, 2, 0.02, 30, 0.5], workers=2)
    assert [p.value for p in fr.points] == [0.02, 0.5, 2, 30, 60]
    assert fr.objective == "cost" and fr.outcome == "total_cost_usd"
    first, *rest = fr.points
    assert first.status == "infeasible" and first.total_cost_usd is None and not first.dominated
    feasible = [p for p in rest if p.status == "optimal"]
    assert feasible and all(p.plan is not None and p.end_day <= p.value + 1e-6 for p in feasible)
    front = [p for p in feasible if not p.dominated]
    assert front[0] is feasible[0]
    costs = [p.total_cost_usd for p in front]
    assert len(front) >= 2 and costs == sorted(costs, reverse=True) and len(set(costs)) == len(costs)
    assert fr.points[-1].dominated  # the 1-node run ends by day 26: a 60-day deadline buys nothing more
    for p in feasible:  # a dominated point costs no less than some more demanding one
        assert not p.dominated or any(q.value < p.value and q.total_cost_usd <= p.total_cost_usd * (1 + 1e-6)
                                      for q in feasible)


def test_budget_frontier_trades_loss_for_money():
    """The university group's held cluster trains a bigger model as the cloud grant grows: each
    point on the frontier buys a strictly lower loss, and no plan spends more than its budget. (Spot
    capacity is capped at the nodes one can expect, 8 per offer, so more loss costs more on demand.)"""
    scenario, catalog = load_inputs(UNIVERSITY)
    fr = frontier(scenario, catalog, "budget", values=[4e4, 1.5e5, 4e5], workers=2)
    assert fr.objective == "quality" and fr.outcome == "predicted_loss"
    losses = [p.predicted_loss for p in fr.points if p.predicted_loss is not None and not p.dominated]
    assert len(losses) == 3 and losses == sorted(losses, reverse=True) and len(set(losses)) == 3
    assert all(p.total_cost_usd <= p.value * (1 + 1e-6) for p in fr.points if p.total_cost_usd is not None)


def test_a_budget_below_the_labelling_has_no_plan():
    # 5,000 examples at 2.5 USD: 12,500 USD before any compute; labelling them takes 2 + 5,000 / 2,500
    # = 4 days, for which the team is paid 15,000 USD a month (1,973 USD): 14,473 USD at least
    scenario, catalog = load_inputs(LAB)
    fr = frontier(scenario, catalog, "budget", values=[1.44e4, 2.5e4], workers=2)
    assert [p.status for p in fr.points] == ["infeasible", "optimal"]


def test_cli_json_schema_and_plot():
    runner = CliRunner()
    out = runner.invoke(cli, ["frontier", str(UNIVERSITY), "--vary", "target", "--points", "3", "--format", "json",
                              "--workers", "2"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["vary"] == "target" and len(data["points"]) == 3
    for p in data["points"]:
        assert set(p) == {"value", "status", "total_cost_usd", "predicted_loss", "end_day", "summary", "dominated"}
        assert p["status"] != "optimal" or p["predicted_loss"] <= p["value"] + 1e-9
    svg = runner.invoke(cli, ["frontier", str(UNIVERSITY), "--vary", "deadline", "--points", "2", "--format", "plot"],
                        catch_exceptions=False).stdout
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(root.findall(".//{http://www.w3.org/2000/svg}circle")) == 2


def test_points_above_the_budget_are_marked_in_every_view():
    """The deadline sweep plans without the budget; the table and the HTML report both say which
    points it would not allow (the report used to call them 'frontier')."""
    from planner.cli.frontier_cmd import table
    from planner.report.html import _frontier
    from planner.tradeoffs.frontier import Frontier

    fr = Frontier(vary="deadline", objective="cost", scenario="s", deadline_days=90, budget_usd=110.0,
                  target_loss=None, points=[_point(60, 120.0), _point(90, 100.0)])
    assert [fr.over_budget(p) for p in fr.points] == [True, False]
    for text in (table(fr), _frontier(fr)):
        assert text.count("(over budget)") == 1
