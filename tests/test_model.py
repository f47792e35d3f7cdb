"""The built model: readable unique names, one documented family per constraint, sizes, bounds."""

from __future__ import annotations

import re
from pathlib import Path as FilePath

import pytest

from planner.errors import InputError
from planner.model import CONSTRAINTS, VARIABLES, build_model
from planner.problem import Capacity, Option, Path, Problem, StageOptions

DOCS = FilePath(__file__).parent.parent / "docs" / "model.md"


def cloud(id, days, usd, provider="aws", nodes=4):
    return Option(id, "offer", provider, "h100", "on_demand", nodes, 8 * nodes, days, usd, 0.0, 1.0, 0.5)


def owned(id, days, energy_usd, capacity, nodes=4):
    return Option(id, "offer", "self", "h100", "owned", nodes, 8 * nodes, days, 0.0, energy_usd, 1.0, 0.5,
                  capacity)


POOL = Capacity("dc/east", "owned", "h100", "nvidia", 100.0, 10.0, 300.0, held_nodes=2, max_new_nodes=8,
                available_day=60.0)


def two_stage_problem(**bounds) -> Problem:
    stages = [StageOptions("pre train", [cloud("a-b", 50, 1000), cloud("a_b", 40, 2000),
                                         owned("rack", 80, 10, "dc/east")]),
              StageOptions("sft", [cloud("a-b", 5, 100)])]
    return Problem([Path("scratch[1]", "scratch", 2.0, 1.0, 2.0, 3.0, stages)], [POOL], **bounds)


def test_names_are_sanitised_unique_and_readable(tmp_path):
    m = build_model(two_stage_problem(deadline_days=100, budget_usd=1e6))
    names = [v.name for v in m.lp.variables()] + [c.name for c in m.lp.constraints()]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[A-Za-z0-9_]+", n) for n in names)
    assert m.fraction[("scratch[1]", "pre train", 1, "a-b")].name == "fraction__scratch_1___pre_train__seg1__a_b"
    assert m.fraction[("scratch[1]", "pre train", 1, "a_b")].name == "fraction__scratch_1___pre_train__seg1__a_b_2"
    lp_file = tmp_path / "plan.lp"
    m.lp.writeLP(str(lp_file))
    text = lp_file.read_text()
    for family in ("one_path:", "stage_done_once__", "lead_time__", "capacity_nodes__dc_east__", "deadline:",
                   "budget:"):
        assert family in text


def test_every_family_states_its_math_and_is_documented():
    docs = DOCS.read_text()
    for family in (*VARIABLES, *CONSTRAINTS):
        first_lines = (family.__doc__ or "").split("\n\n")[0]
        assert re.search(r"[∀Σ≤≥∈=]", first_lines), family.__name__
        assert f"`{family.__name__}`" in docs, f"docs/model.md does not list {family.__name__}"


def row(m, name):
    """A constraint as ({variable name: coefficient}, sense, right-hand side)."""
    c = m.lp.get_constraint_by_name(name)
    return {v.name: a for v, a in c.items()}, {-1: "<=", 0: "=", 1: ">="}[c.sense], -c.constant + 0.0


def test_constraints_read_like_the_spec():
    m = build_model(two_stage_problem())
    s1, s2 = "scratch_1___pre_train__seg1", "scratch_1___pre_train__seg2"
    assert row(m, f"lead_time__{s1}") == ({f"start_day__{s1}": 1, f"use__{s1}__rack": -60}, ">=", 0)
    assert row(m, f"capacity_nodes__dc_east__{s1}") == ({"new_nodes__dc_east": 1, f"use__{s1}__rack": -2}, ">=", 0)
    assert row(m, f"segments_in_sequence__{s2}") == (
        {f"start_day__{s2}": 1, f"start_day__{s1}": -1, f"fraction__{s1}__a_b": -50,
         f"fraction__{s1}__a_b_2": -40, f"fraction__{s1}__rack": -80}, ">=", 0)
    assert row(m, "stage_done_once__scratch_1___sft") == (
        {"path__scratch_1_": -1, "fraction__scratch_1___sft__seg1__a_b": 1,
         "fraction__scratch_1___sft__seg2__a_b": 1}, "=", 0)


def test_model_size_follows_the_sets():
    m = build_model(two_stage_problem(deadline_days=100))
    paths, slots, choices, pools = 1, 2 * 2, 2 * 3 + 2 * 1, 1
    assert m.n_variables == paths + 2 * choices + slots + 1 + pools
    # one_path, fraction_within_use, one_option_per_segment, filled_in_order, stage_done_once,
    # in_sequence, lead_time, plan_end, deadline, capacity_nodes
    assert m.n_constraints == 1 + choices + slots + 2 + 2 + (slots - 1) + 2 + 1 + 1 + 2


def test_absent_bounds_add_no_rows_and_overrides_replace_fields():
    def rows(m):
        return {c.name for c in m.lp.constraints()}

    assert not {"deadline", "budget", "quality_target", "carbon_cap"} & rows(build_model(two_stage_problem()))
    m = build_model(two_stage_problem(deadline_days=10, carbon_cap_tco2e=5), deadline_days=None, target_loss=2.5)
    assert "deadline" not in rows(m) and {"quality_target", "carbon_cap"} <= rows(m)
    assert m.problem.deadline_days is None


def test_objective_is_checked():
    with pytest.raises(ValueError, match="objective"):
        build_model(two_stage_problem(), "speed")


@pytest.mark.parametrize("bad, message", [
    (lambda p: Problem(p.paths * 2), "duplicate"),
    (lambda p: Problem(p.paths), "unknown capacity 'dc/east'"),
    (lambda p: Problem(p.paths, p.capacities, deadline_days=-1), "must not be negative"),
    (lambda p: Problem(p.paths, p.capacities, max_segments=0), "at least 1"),
    (lambda p: Problem([]), "no candidate path"),
])
def test_problem_rejects_bad_input(bad, message):
    with pytest.raises(InputError, match=message):
        bad(two_stage_problem())
