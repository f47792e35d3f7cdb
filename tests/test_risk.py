"""Monte Carlo of a fixed plan, its distributions, and planning against a percentile."""

import math
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.inputs import load_inputs
from planner.planning import make_plan
from planner.scenario import Scenario
from planner.tradeoffs.perturb import Multipliers
from planner.tradeoffs.risk import DEFAULT_INPUTS, Dist, outcome_under, risk, robust_multipliers, robust_plan

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def university():
    scenario, catalog = load_inputs(ROOT / "scenarios" / "university_cluster.yaml")
    return scenario, catalog, make_plan(scenario, catalog, explain=False)


@pytest.fixture(scope="module")
def bought():
    """The university's model on servers it must buy (no cloud, none held): lead times matter."""
    scenario, catalog = load_inputs(ROOT / "scenarios" / "university_cluster.yaml")
    data = scenario.model_dump()
    data["owned_hardware"] = []
    data["policy"].update(buy_allowed=True, cloud_allowed=False, chips=["H100", "A100-80GB"])
    scenario = Scenario.model_validate(data)
    return scenario, catalog, make_plan(scenario, catalog, explain=False)


def test_distributions_invert_their_cdf():
    tri = Dist(kind="triangular", low=0.5, mode=1.0, high=2.0, source="test")
    assert tri.quantile(0.0) == pytest.approx(0.5) and tri.quantile(1.0) == pytest.approx(2.0)
    assert tri.quantile((1.0 - 0.5) / (2.0 - 0.5)) == pytest.approx(1.0)  # CDF at the mode
    logn = DEFAULT_INPUTS.lead_time
    assert logn.quantile(0.5) == pytest.approx(1.0)
    assert logn.low <= logn.quantile(1e-9) < logn.quantile(0.9) < logn.quantile(1 - 1e-9) <= logn.high


@pytest.mark.parametrize("fixture", ["university", "bought"])
def test_nominal_inputs_reproduce_the_plan(fixture, request):
    scenario, catalog, plan = request.getfixturevalue(fixture)
    cost, end, late = outcome_under(plan, scenario, catalog, Multipliers())
    assert cost == pytest.approx(plan.total_cost_usd, rel=1e-9)
    assert end == pytest.approx(plan.end_day, rel=1e-9)
    assert late == pytest.approx(plan.end_day - scenario.deadline_days, rel=1e-9)  # one run


def test_inputs_move_the_outcome_the_right_way(university, bought):
    scenario, catalog, plan = university
    cost, end, _ = outcome_under(plan, scenario, catalog, Multipliers(mfu={"*": 0.5}))
    assert end == pytest.approx(2 * plan.end_day, rel=0.01) and cost == pytest.approx(2 * plan.total_cost_usd, rel=0.01)
    dear = outcome_under(plan, scenario, catalog, Multipliers(electricity=3.0))[0]
    assert dear == pytest.approx(3 * plan.total_cost_usd)  # held servers pay only electricity
    scenario, catalog, plan = bought
    first = plan.stages[0].segments[0]
    assert first.source == "owned"
    lead = catalog.hardware[first.offer.split(":")[1].split("@")[0]].lead_time_days
    late = outcome_under(plan, scenario, catalog, Multipliers(lead_time=3.0))[1]
    assert late == pytest.approx(plan.end_day + 2 * lead, rel=1e-6)  # the run starts on delivery


def test_monte_carlo_is_repeatable_and_independent_of_workers(university):
    scenario, catalog, plan = university
    seen = []
    one = risk(plan, scenario, catalog, draws=60, seed=7, workers=1, progress=lambda d, t: seen.append((d, t)))
    two = risk(plan, scenario, catalog, draws=60, seed=7, workers=2)
    assert one.costs_usd == two.costs_usd and one.end_days == two.end_days
    assert seen[-1][0] == seen[-1][1]
    assert risk(plan, scenario, catalog, draws=60, seed=8, workers=1).costs_usd != one.costs_usd
    assert one.cost_usd.p10 <= one.cost_usd.p50 <= one.cost_usd.p90
    assert one.p_miss_deadline == 0.0 and one.p_over_budget == 0.0  # 26 days of a 180-day deadline, $343 of $150k
    tight = scenario.model_copy(update={"deadline_days": plan.end_day})
    assert 0.1 < risk(plan, tight, catalog, draws=60, seed=7, workers=1).p_miss_deadline < 0.9


def test_robust_plan_is_planned_at_adverse_inputs(university):
    scenario, catalog, plan = university
    m = robust_multipliers(0.9)
    # triangular(low, 1, high) quantiles by hand: below the mode low + sqrt(q·(high−low)·(1−low)),
    # above it high − sqrt((1−q)·(high−low)·(high−1)); MFU (lognormal) at q = 0.1, the others at 0.9
    assert m.of("mfu", "H100") == pytest.approx(0.694 * math.exp(-0.536 * 1.2816), abs=1e-4)  # 0.3492
    assert m.failure_rate == pytest.approx(1.71 - math.sqrt(0.1 * 1.09 * 0.71), abs=1e-4)  # 1.4318
    assert m.of("cloud_price", "AWS") == pytest.approx(1.38 - math.sqrt(0.1 * 0.82 * 0.38), abs=1e-4)  # 1.2035
    assert m.lead_time == pytest.approx(math.exp(0.5 * 1.2816), abs=1e-3)  # lognormal, median 1, sigma 0.5: 1.898
    robust = robust_plan(scenario, catalog, 0.9, explain=False)
    assert robust.total_cost_usd > plan.total_cost_usd and robust.end_day > plan.end_day
    assert "P90" in robust.explanations[-1]
    # its MFU is already an adverse quantile of the held-out error: the held-out line is not repeated
    assert [e for e in plan.explanations if "held-out production training runs" in e]
    assert not [e for e in robust.explanations if "held-out production training runs" in e]
    with pytest.raises(InputError, match="--robust"):
        robust_multipliers(90)


def test_each_run_of_a_program_is_held_to_its_own_deadline(university):
    """Three runs of the university's plan, windows 200 days apart: the last run ends near day
    426, long after run 1's 180-day deadline, yet every run ends well inside its own window.
    Made as tight as run 1's own length, some draws miss (the run-1 check still bites)."""
    scenario, catalog, _ = university
    data = scenario.model_dump()
    data["program"] = {"runs": 3, "every_days": 200.0}
    program = Scenario.model_validate(data)
    plan = make_plan(program, catalog, explain=False)
    assert plan.end_day > 400 + 0.5 * plan.runs[0].end_day and plan.runs[0].end_day < 0.5 * program.deadline_days
    r = risk(plan, program, catalog, draws=30, seed=3, workers=1)
    assert r.p_miss_deadline == 0.0 and r.last_deadline_day == 180 + 2 * 200
    tight = program.model_copy(update={"deadline_days": plan.runs[0].end_day})
    assert 0.1 < risk(plan, tight, catalog, draws=60, seed=7, workers=1).p_miss_deadline < 0.9


def test_mfu_range_is_the_compute_models_held_out_error():
    """DEFAULT_INPUTS.mfu is the lognormal of predicted / reported GPU-hours over every held-out run
    (docs/fidelity.md, collections 1-7), recomputed here from the catalog; and each earlier fit
    covered the next collection as its source says (scored before it was refitted): the fit on
    collections 1-3 held 28 of collection 4's 34 rows inside its 10-90 % band, the fit on 1-4 20 of
    collection 5's 27, the fit on 1-5 21 of collection 6's 31, the fit on 1-6 17 of collection 7's 24."""
    from planner.catalog import default_catalog_dir, load_catalog
    from planner.compute import fidelity
    runs = fidelity.load_runs(default_catalog_dir() / fidelity.RUNS_FILE)
    scored = fidelity.score_holdout(runs, load_catalog().chips)
    median, sigma, low, high = fidelity.error_spread(scored)
    mfu = DEFAULT_INPUTS.mfu
    assert (mfu.kind, mfu.mode, mfu.sigma, mfu.low, mfu.high) == (
        "lognormal", pytest.approx(median, abs=5e-4), pytest.approx(sigma, abs=5e-4),
        pytest.approx(low, abs=5e-4), pytest.approx(high, abs=5e-4))
    z = 1.2816  # standard normal 90th percentile
    for fitted_on, scored_on, inside, rows in (((1, 2, 3), 4, 28, 34), ((1, 2, 3, 4), 5, 20, 27),
                                                ((1, 2, 3, 4, 5), 6, 21, 31), ((1, 2, 3, 4, 5, 6), 7, 17, 24)):
        centre, spread, _, _ = fidelity.error_spread([c for c in scored if c.run.collection in fitted_on])
        band = (centre * math.exp(-z * spread), centre * math.exp(z * spread))
        later = [1 + c.error for c in scored if c.run.collection == scored_on]
        assert (sum(band[0] <= r <= band[1] for r in later), len(later)) == (inside, rows)
