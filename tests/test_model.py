"""The built model: readable unique names, one documented family per constraint, sizes, bounds."""

from __future__ import annotations

import dataclasses
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
    assert m.fraction[("scratch[1]", "pre train", "a-b")].name == "fraction__scratch_1___pre_train__a_b"
    assert m.fraction[("scratch[1]", "pre train", "a_b")].name == "fraction__scratch_1___pre_train__a_b_2"
    rack_block = m.start_day[("scratch[1]", "pre train", "days60toinf")]
    assert rack_block.name == "start_day__scratch_1___pre_train__days60toinf"
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
    pre = "scratch_1___pre_train"
    cloud_block, rack_block = f"start_day__{pre}__days0toinf", f"start_day__{pre}__days60toinf"
    assert row(m, f"lead_time__{pre}__rack") == ({rack_block: 1, f"use__{pre}__rack": -60}, ">=", 0)
    assert row(m, f"lead_time_by_fraction__{pre}__days60toinf") == (
        {rack_block: 1, f"fraction__{pre}__rack": -60}, ">=", 0)
    assert row(m, f"capacity_nodes__dc_east__{pre}__rack") == (
        {"new_nodes__dc_east__scratch_1_": 1, f"use__{pre}__rack": -2}, ">=", 0)
    assert row(m, f"fraction_within_use__{pre}__rack") == ({f"fraction__{pre}__rack": 1, f"use__{pre}__rack": -1},
                                                           "<=", 0)
    # with a deadline on day 100, the rack (from day 60, 80 days for the whole stage) can do at most half
    late = build_model(two_stage_problem(deadline_days=100))
    assert row(late, f"fraction_within_use__{pre}__rack") == (
        {f"fraction__{pre}__rack": 1, f"use__{pre}__rack": -0.5}, "<=", 0)
    assert row(m, f"blocks_in_sequence__{pre}__days60toinf") == (
        {rack_block: 1, cloud_block: -1, f"fraction__{pre}__a_b": -50, f"fraction__{pre}__a_b_2": -40}, ">=", 0)
    assert row(m, "blocks_in_sequence__scratch_1___sft__days0toinf") == (
        {"start_day__scratch_1___sft__days0toinf": 1, rack_block: -1, f"fraction__{pre}__rack": -80}, ">=", 0)
    assert row(m, f"options_per_stage__{pre}") == (
        {f"use__{pre}__a_b": 1, f"use__{pre}__a_b_2": 1, f"use__{pre}__rack": 1, "path__scratch_1_": -2}, "<=", 0)
    assert row(m, "stage_done_once__scratch_1___sft") == (
        {"path__scratch_1_": -1, "fraction__scratch_1___sft__a_b": 1}, "=", 0)


def reservation_problem(**bounds) -> Problem:
    """A cloud option and a reservation usable on days [0, 30]."""
    term = Capacity("term", "reserved", "h100", "nvidia", 100.0, 0.0, 100.0, held_nodes=0, max_new_nodes=8,
                    available_day=0.0, available_until_day=30.0)
    res = Option("res", "offer", "aws", "h100", "reserved", 4, 32, 20, 0.0, 0.0, 1.0, 0.5, "term")
    return Problem([Path("k", "scratch", 2.0, 0, 0, 0, [StageOptions("pretrain", [cloud("rent", 50, 1000), res])])],
                   [term], **bounds)


def test_a_window_end_is_a_big_m_row_derived_from_the_horizon():
    # horizon H = min(deadline 100, latest lead time 0 + longest option 50) = 50; M = H − 30 = 20
    m = build_model(reservation_problem(deadline_days=100))
    block = "k__pretrain__days0to30"
    assert row(m, f"block_end__{block}") == (
        {f"block_end_day__{block}": 1, f"start_day__{block}": -1, "fraction__k__pretrain__res": -20}, "=", 0)
    assert row(m, "window_end__k__pretrain__res") == (
        {f"block_end_day__{block}": 1, "use__k__pretrain__res": 20}, "<=", 50)
    # a deadline before the window's end makes the row redundant: no row
    m = build_model(reservation_problem(deadline_days=25))
    assert m.lp.get_constraint_by_name("window_end__k__pretrain__res") is None


def bridging_problem() -> Problem:
    """4 held nodes (day 0) would need 200 days for the pretraining; servers arrive on day 30
    ('soon', 10 days for the whole stage, dear) and day 60 ('late', 5 days, cheap); 10k USD a day of staff."""
    def option(id, days, energy_usd, capacity, nodes, source="owned"):
        return Option(id, "offer", "self", "h100", source, nodes, 8 * nodes, days, 0.0, energy_usd, 1.0, 0.5, capacity)

    pools = [Capacity("lab", "held", "h100", "nvidia", 0.0, 0.0, 0.0, held_nodes=4, max_new_nodes=0, available_day=0.0)]
    pools += [Capacity(name, "owned", "h100", "nvidia", 0.0, 0.0, 300.0, held_nodes=0, max_new_nodes=16,
                       available_day=day) for name, day in (("soon", 30.0), ("late", 60.0))]
    stages = [StageOptions("pretrain", [option("held", 200, 1000, "lab", 4, "held"), option("soon", 10, 200_000, "soon", 16),
                                        option("late", 5, 20_000, "late", 16)]),
              StageOptions("sft", [option("held", 2, 100, "lab", 4, "held")])]
    return Problem([Path("k", "scratch", 2.0, 0, 0, 0, stages)], pools, staff_usd_per_day=10_000)


def test_a_release_day_row_reads_like_the_spec_and_lifts_the_lp_bound(monkeypatch):
    """d₀ = 200 (held alone), A = 60 (the latest delivery before that), φ = 1 − 60/200 = 0.7: the
    sft stage starts no earlier than 60·y − (60 − 30)/0.7·x_soon + 5·x_late."""
    import pulp

    import planner.model
    from planner.model import constraints
    from planner.model.backends import quiet_stdout

    def lp_bound() -> float:
        m = build_model(bridging_problem())
        with quiet_stdout():
            m.lp.solve(pulp.HiGHS(msg=False, mip=False))
        return pulp.value(m.lp.objective)

    m = build_model(bridging_problem())
    coefficients, sense, rhs = row(m, "release_day__k__pretrain")
    assert (sense, rhs) == (">=", 0)
    assert coefficients == pytest.approx({"start_day__k__sft__days0toinf": 1, "path__k": -60,
                                          "fraction__k__pretrain__soon": 30 / 0.7, "fraction__k__pretrain__late": -5})
    assert m.lp.get_constraint_by_name("release_day__k__sft") is None  # held does sft in 2 days, before day 30
    with_rows = lp_bound()
    monkeypatch.setattr(planner.model, "CONSTRAINTS",
                        tuple(c for c in planner.model.CONSTRAINTS if c is not constraints.release_day))
    assert with_rows > lp_bound() * (1 + 1e-6)  # the row binds at the LP optimum without it


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
    (lambda p: Problem(p.paths, [dataclasses.replace(POOL, available_until_day=59)]), "before it is available"),
    (lambda p: Problem(p.paths, [dataclasses.replace(POOL, available_until_day=200)]),
     r"option 'rack' can run only on days \[60, 200\], strictly inside the days \[0, no end\] of option 'a-b'"),
])
def test_problem_rejects_bad_input(bad, message):
    with pytest.raises(InputError, match=message):
        bad(two_stage_problem())


def reach_problem() -> Problem:
    """Servers on hand from day 0 at 100 USD a node; 12 of them take 20 days for the stage, 24 take
    10; the deadline is day 15, so 12 nodes alone do at most 15/20 = 0.75 of it. Renting 4 nodes
    for 10 days costs 10,000 USD, so the optimum buys 24 nodes: 2,400 USD."""
    pool = Capacity("dc", "owned", "h100", "nvidia", 100.0, 0.0, 300.0, held_nodes=0, max_new_nodes=32,
                    available_day=0.0)
    stages = [StageOptions("pretrain", [owned("small", 20, 0.0, "dc", 12), owned("big", 10, 0.0, "dc", 24),
                                        cloud("rent", 10, 10_000)])]
    return Problem([Path("k", "scratch", 2.0, 0, 0, 0, stages)], [pool], deadline_days=15)


def test_a_capacity_reach_row_reads_like_the_spec_and_closes_the_lp_gap(monkeypatch):
    """φ(0) = 0, φ(12) = 0.75, φ(24) = 1: a concave envelope of two pieces, slopes 0.75/12 and
    0.25/12. The second reads x_small + x_big ≤ 0.75·y + (B − 12·y)/48, so doing the whole stage on
    the pool needs B ≥ 24. Without the rows the LP mixes 12 and 24 nodes to fit the 15 days
    (x_big ≥ 0.5) and buys B = 12·x_small + 24·x_big = 18 nodes (capacity_nodes_by_fraction): 1,800 USD."""
    import pulp

    import planner.model
    from planner.model import constraints
    from planner.model.backends import relaxation_bound

    m = build_model(reach_problem())
    assert row(m, "capacity_reach__dc__k__pretrain__0") == (
        pytest.approx({"fraction__k__pretrain__small": 1, "fraction__k__pretrain__big": 1,
                       "new_nodes__dc__k": -0.75 / 12}), "<=", 0)
    assert row(m, "capacity_reach__dc__k__pretrain__1") == (
        pytest.approx({"fraction__k__pretrain__small": 1, "fraction__k__pretrain__big": 1,
                       "path__k": 12 * 0.25 / 12 - 0.75, "new_nodes__dc__k": -0.25 / 12}), "<=", 0)
    assert relaxation_bound(m.lp, "highs", []) == pytest.approx(2_400)
    m.lp.solve(pulp.HiGHS(msg=False))
    assert pulp.value(m.lp.objective) == pytest.approx(2_400)  # the MIP optimum: the LP gap is closed
    monkeypatch.setattr(planner.model, "CONSTRAINTS",
                        tuple(c for c in planner.model.CONSTRAINTS if c is not constraints.capacity_reach))
    assert relaxation_bound(build_model(reach_problem()).lp, "highs", []) == pytest.approx(1_800)
