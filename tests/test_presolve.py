"""Presolve on hand-made cases where a careless bound would drop the optimum.

The random comparisons with brute force are in test_solve_properties.py; these pin the cases that
random problems reach rarely: a capacity shared by two stages, and nodes already held.
"""

from __future__ import annotations

import math

from planner.presolve import cloud_hull, greedy_upper_bound, presolve
from planner.problem import Capacity, Option, Path, Problem, StageOptions
from planner.solve import solve


def option(id, days, usd, capacity=None, nodes=4):
    source = "owned" if capacity else "on_demand"
    return Option(id, "offer", "self" if capacity else "aws", "h100", source, nodes, 8 * nodes, days,
                  0.0 if capacity else usd, 0.0, 1.0, 0.1, capacity, usd if capacity else 0.0, 0.0)


def server_pool(held=0):
    return Capacity("buy:x", "owned", "h100", "nvidia", unit_cost_usd=100_000.0, hosting_usd_per_node=0.0,
                    unit_price_usd=300_000.0, held_nodes=held, max_new_nodes=16, available_day=0.0)


def two_paths(held=0, rent_usd=700_000.0):
    """'own' runs both stages on 4 servers (charged once: 100k per node not held, plus 2k of use);
    'rent' runs both in the cloud for rent_usd."""
    own = Path("own", "scratch", 2.0, 0.0, 0.0, 0.0, [
        StageOptions("pretrain", [option("own-pre", 10, 1_000, "buy:x")]),
        StageOptions("sft", [option("own-sft", 2, 1_000, "buy:x")])])
    rent = Path("rent", "scratch", 2.0, 0.0, 0.0, 0.0, [
        StageOptions("pretrain", [option("rent-pre", 10, rent_usd - 100_000)]),
        StageOptions("sft", [option("rent-sft", 2, 100_000)])])
    return Problem([own, rent], [server_pool(held)], deadline_days=100.0)


def test_a_capacity_shared_by_two_stages_is_charged_once_in_the_path_bound():
    problem = two_paths()
    assert greedy_upper_bound(problem) == 402_000.0
    kept = presolve(problem)
    assert [p.id for p in kept.paths] == ["own"]
    assert solve(kept).total_cost_usd == solve(problem).total_cost_usd == 402_000.0


def test_held_nodes_are_not_charged_in_the_option_bound():
    problem = two_paths(held=3, rent_usd=250_000.0)  # one node to buy: owning costs 102k
    assert greedy_upper_bound(problem) == 102_000.0
    assert [p.id for p in presolve(problem).paths] == ["own"]
    assert solve(presolve(problem)).total_cost_usd == 102_000.0


def test_cloud_hull_keeps_the_corners_of_the_days_cost_trade_off():
    fast, mid_above, mid_below, slow, dominated = (option("fast", 1, 100), option("above", 2, 80),
                                                    option("below", 2, 40), option("slow", 4, 10),
                                                    option("dominated", 5, 50))
    assert [o.id for o in cloud_hull((slow, dominated, mid_below, fast))] == ["fast", "below", "slow"]
    # 'above' (2 days, 80) lies over the line from fast to slow (55 at 2 days): dropped
    assert [o.id for o in cloud_hull((slow, mid_above, fast))] == ["fast", "slow"]


def test_a_hull_mix_meets_a_deadline_no_single_hull_option_meets():
    """Deadline 2.5 days: 'fast' alone costs 100, a half-half mix of fast and slow lasts 2.5 days
    for 55; the dropped middle option (3 days) could not meet the deadline anyway."""
    stage = StageOptions("pretrain", [option("fast", 1, 100), option("middle", 3, 60), option("slow", 4, 10)])
    problem = Problem([Path("p", "scratch", 2.0, 0.0, 0.0, 0.0, [stage])], deadline_days=2.5)
    kept = presolve(problem)
    assert {o.id for o in kept.paths[0].stages[0].options} == {"fast", "slow"}
    assert math.isclose(solve(kept).total_cost_usd, 55.0) and math.isclose(solve(problem).total_cost_usd, 55.0)


def test_the_greedy_bound_bridges_held_hardware_until_servers_arrive():
    """Held nodes (free, slow) start the stage on day 0; bought servers (fast, delivered on day
    10) finish it. Alone, held takes 200 days (201k with staff), bought waits 10 days (105k); the
    bridge costs 104.3k, the optimum, and the greedy bound finds it."""
    held = Capacity("held:x", "held", "h100", "owned", 0.0, 0.0, 0.0, held_nodes=4, max_new_nodes=0,
                    available_day=0.0)
    bought = Capacity("buy:y", "owned", "h100", "nvidia", unit_cost_usd=20_000.0, hosting_usd_per_node=0.0,
                      unit_price_usd=300_000.0, held_nodes=0, max_new_nodes=16, available_day=10.0)
    stage = StageOptions("pretrain", [option("slow", 200, 1_000, "held:x"), option("fast", 10, 5_000, "buy:y")])
    problem = Problem([Path("p", "scratch", 2.0, 0.0, 0.0, 0.0, [stage])], [held, bought], deadline_days=100.0,
                      staff_usd_per_day=1_000.0)
    optimum = solve(problem, "cost", "highs").total_cost_usd
    assert math.isclose(optimum, 104_300.0)
    assert math.isclose(greedy_upper_bound(problem), optimum)


def test_time_presolve_keeps_what_the_cost_tie_break_may_choose():
    """Under 'time' the plan is the cheapest of those within TIE_BREAK_SLACK (1e-6) of the
    earliest end: a path 5e-7 of it slower but 100x cheaper must survive presolve (a 1e-9 slack
    dropped it, and the plan cost 1,000,000 USD instead of 10,000)."""
    fast = Path("fast", "scratch", 2.0, 0, 0, 0, [StageOptions("pretrain", [option("a", 100.0, 1_000_000.0)])])
    cheap = Path("cheap", "scratch", 2.0, 0, 0, 0, [StageOptions("pretrain", [option("b", 100.00005, 10_000.0)])])
    problem = Problem([fast, cheap])
    assert {p.id for p in presolve(problem, "time").paths} == {"fast", "cheap"}
    assert solve(presolve(problem, "time"), "time").total_cost_usd == 10_000.0
