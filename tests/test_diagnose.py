"""diagnose(): each reported change, applied alone, makes a plan exist; None means it would not."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import assume, given, settings
from problem_factory import problems

from planner.diagnose import Diagnosis, QuotaIncrease, diagnose
from planner.problem import Capacity, Option, Path, Problem, StageOptions
from planner.solve import solve


def cloud(id, days, usd):
    return Option(id, "offer", "aws", "h100", "on_demand", 4, 32, days, usd, 0.0, 1.0, 0.5)


def path(*options, loss=2.0, id="k"):
    return Path(id, "scratch", loss, 0.0, 0.0, 0.0, [StageOptions("pretrain", options)])


def test_a_budget_too_small_by_400():
    d = diagnose(Problem([path(cloud("a", 10, 1_000))], budget_usd=600))
    assert d == Diagnosis(extra_budget_usd=pytest.approx(400))


def test_a_deadline_too_early_by_20_days_and_money_does_not_help():
    d = diagnose(Problem([path(cloud("a", 50, 1_000))], deadline_days=30, budget_usd=1e6))
    assert d == Diagnosis(extra_days=pytest.approx(20))


def test_either_more_money_or_more_time():
    fast, slow = cloud("fast", 10, 5_000), cloud("slow", 40, 1_000)
    d = diagnose(Problem([path(fast, slow)], deadline_days=20, budget_usd=2_000), solver="highs")
    # by day 20 at least 2/3 of the stage runs fast: 2/3·5000 + 1/3·1000 USD
    assert d.extra_budget_usd == pytest.approx(2 / 3 * 5_000 + 1 / 3 * 1_000 - 2_000)
    # within 2000 USD at most 1/4 runs fast: 1/4·10 + 3/4·40 days
    assert d.extra_days == pytest.approx(0.25 * 10 + 0.75 * 40 - 20)
    assert d.looser_target_loss is None and d.quota_increases is None


def test_a_target_too_ambitious():
    d = diagnose(Problem([path(cloud("a", 10, 1), loss=2.0, id="a"), path(cloud("b", 10, 1), loss=2.5, id="b")],
                         target_loss=1.8))
    assert d == Diagnosis(looser_target_loss=pytest.approx(0.2))


def test_a_quota_too_small():
    pool = Capacity("dc", "owned", "h100", "nvidia", 1_000.0, 0.0, 250_000.0, 0, 2, 0.0)
    rack = Option("rack", "offer", "self", "h100", "owned", 6, 48, 10, 0.0, 0.0, 1.0, 0.5, "dc")
    d = diagnose(Problem([path(rack)], [pool]))
    assert d == Diagnosis(quota_increases=(QuotaIncrease("dc", 6, 2),))
    assert d.more_quota == "'dc' 6 new nodes (quota 2)"


def test_nothing_single_helps():
    d = diagnose(Problem([path(cloud("a", 50, 1_000))], deadline_days=30, budget_usd=500))
    assert d == Diagnosis() and d.more_quota is None


@settings(max_examples=30, deadline=None)
@given(problem=problems())
def test_each_suggestion_alone_makes_a_plan_and_each_none_would_not(problem):
    assume(solve(problem, solver="highs").status == "infeasible")
    d = diagnose(problem, solver="highs")
    relaxed = {
        "budget_usd": (d.extra_budget_usd, problem.budget_usd, lambda b, x: b + x + 1e-6 * (b + x) + 1e-3),
        "deadline_days": (d.extra_days, problem.deadline_days, lambda b, x: b + x + 1e-6 * (b + x)),
        "target_loss": (d.looser_target_loss, problem.target_loss, lambda b, x: b + x + 1e-9),
    }
    for field, (extra, bound, widen) in relaxed.items():
        if bound is None:
            assert extra is None
        elif extra is None:
            assert solve(problem, solver="highs", **{field: None}).status == "infeasible"
        else:
            assert solve(problem, solver="highs", **{field: widen(bound, extra)}).has_plan
    if d.quota_increases:
        quota = {q.capacity_id: q.nodes for q in d.quota_increases}
        widened = tuple(dataclasses.replace(c, max_new_nodes=quota.get(c.id, c.max_new_nodes))
                        for c in problem.capacities)
        assert solve(problem, solver="highs", capacities=widened).has_plan
