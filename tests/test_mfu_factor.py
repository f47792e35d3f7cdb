"""policy.mfu_factor: a team's measured throughput over the compute model's, per chip."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.compute import estimate
from planner.errors import InputError
from planner.evaluate import evaluate
from planner.inputs import load_inputs
from planner.overrides import parse_sets
from planner.planning import make_plan
from planner.tradeoffs.perturb import Multipliers, apply
from planner.workload import Workload

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "university_cluster.yaml"


def test_speed_divides_the_failure_free_hours_and_the_split_still_adds_up():
    """At speed 0.5 a stage needs twice the compute hours and half the MFU; goodput is recomputed on
    the longer job, and the hours split still sums to the wall clock."""
    _, catalog = load_inputs(SCENARIO)
    w = Workload("full", 7e9, 7e9, 1e11, seq_len=4096)
    base = estimate(w, catalog.chips["H100"], 64, gpus_per_node=8)
    slow = estimate(w, catalog.chips["H100"], 64, gpus_per_node=8, speed=0.5)
    assert slow.layout == base.layout
    assert slow.mfu == pytest.approx(base.mfu / 2)
    assert slow.gpu_hours * slow.goodput == pytest.approx(2 * base.gpu_hours * base.goodput)
    assert sum(slow.hours_split.values()) == pytest.approx(slow.wall_clock_days * 24)
    with pytest.raises(ValueError, match=r"speed \(policy.mfu_factor\)=4 is outside the valid range \(0, 2\]"):
        estimate(w, catalog.chips["H100"], 64, gpus_per_node=8, speed=4.0)
    # a factor that would put the run above 100 % MFU is refused (η raised so that 2 can reach it)
    tuned = {"hopper": 0.9}
    fastest = 1.0 / estimate(w, catalog.chips["H100"], 64, gpus_per_node=8, efficiency=tuned).mfu
    assert fastest < 1.9
    assert estimate(w, catalog.chips["H100"], 64, gpus_per_node=8, efficiency=tuned, speed=0.99 * fastest).mfu < 1
    with pytest.raises(ValueError, match=r"above 100 %"):
        estimate(w, catalog.chips["H100"], 64, gpus_per_node=8, efficiency=tuned, speed=1.01 * fastest)


def test_a_factor_for_every_chip_plans_as_the_risk_models_mfu_multiplier():
    """policy.mfu_factor {'*': 0.5} gives the plan that the catalog with every chip at half speed
    gives (tradeoffs.perturb, which scales peaks, bandwidths and links so every step-time term and
    the hours scale by 1/0.5): same cost, end day and clusters; and the independent evaluator,
    which reads the factor from the scenario, agrees with the plan."""
    scenario, catalog = load_inputs(SCENARIO, sets={"policy.mfu_factor": {"*": 0.5}})
    plan = make_plan(scenario, catalog, explain=False)
    plain, _ = load_inputs(SCENARIO)
    moved_scenario, moved_catalog = apply(plain, catalog, Multipliers(mfu={"*": 0.5}))
    moved = make_plan(moved_scenario, moved_catalog, explain=False)
    assert plan.total_cost_usd == pytest.approx(moved.total_cost_usd, rel=1e-9)
    assert plan.end_day == pytest.approx(moved.end_day, rel=1e-9)
    def clusters(p):
        return [(seg.offer, seg.nodes) for stage in p.stages for seg in stage.segments]

    assert clusters(plan) == clusters(moved)
    check = evaluate(plan, scenario, catalog)
    assert not check.violations and check.total_cost_usd == pytest.approx(plan.total_cost_usd, rel=1e-6)
    untouched = make_plan(plain, catalog, explain=False)
    assert plan.end_day > untouched.end_day
    used = {seg.chip for _, seg, _ in plan.all_segments()}
    assert sum("policy.mfu_factor" in line for line in plan.explanations) == len(used) >= 1
    assert not any("policy.mfu_factor" in line for line in untouched.explanations)


def test_estimate_gives_the_factor_from_a_measurement():
    """plan estimate --measured-tokens-per-s: measured over predicted failure-free tokens/s per GPU
    (tokens / (GPU-hours x goodput x 3600)), which, set as policy.mfu_factor, makes the model
    reproduce the measurement."""
    from planner.run_estimate import estimate_run
    _, catalog = load_inputs(SCENARIO)
    plain = estimate_run(catalog, 7e9, 1e11, "H100", gpus=64)
    assert plain.mfu_factor is None
    # the run's tokens over its GPUs' failure-free seconds (wall clock x goodput)
    failure_free_s = plain.wall_clock_days * 86_400 * plain.goodput
    assert plain.tokens_per_s_per_gpu * plain.gpus * failure_free_s == pytest.approx(1e11)
    measured = estimate_run(catalog, 7e9, 1e11, "H100", gpus=64, measured_tokens_per_s_per_gpu=5500)
    assert measured.mfu_factor == pytest.approx(5500 / plain.tokens_per_s_per_gpu)
    assert "policy.mfu_factor={H100: " in measured.notes[-1]
    w = Workload("full", 7e9, 7e9, 1e11, seq_len=4096)
    offer = catalog.offers[plain.offer.offer_id]
    redone = estimate(w, catalog.chips["H100"], 64, gpus_per_node=offer.gpus_per_node, speed=measured.mfu_factor,
                      scaleout_gbps_per_node=offer.scaleout_gbps_per_node)
    assert 1e11 / (redone.gpu_hours * redone.goodput * 3600) == pytest.approx(5500)
    with pytest.raises(InputError, match="--measured-tokens-per-s"):
        estimate_run(catalog, 7e9, 1e11, "H100", measured_tokens_per_s_per_gpu=5500)
    # a figure above 100 % MFU (per node, not per GPU, say) is refused, not turned into a factor
    with pytest.raises(InputError, match=r"--measured-tokens-per-s.*% MFU"):
        estimate_run(catalog, 7e9, 1e11, "H100", gpus=64, measured_tokens_per_s_per_gpu=8 * 5500)


def test_a_faster_stack_meets_a_budget_the_model_alone_would_miss():
    """A factor above 1 lowers the cost floor the presolve prunes candidates by: the plan at
    {'*': 1.5} equals the risk machinery's MFU x2 plan, and a budget between that plan's cost and
    the unscaled plan's is met, not reported infeasible."""
    startup = ROOT / "scenarios" / "startup_7b.yaml"
    fast, catalog = load_inputs(startup, sets={"policy.mfu_factor": {"*": 2.0}})
    plain, _ = load_inputs(startup)
    quick = make_plan(fast, catalog, explain=False)
    moved = make_plan(*apply(plain, catalog, Multipliers(mfu={"*": 2.0})), explain=False)
    normal = make_plan(plain, catalog, explain=False)
    assert quick.total_cost_usd == pytest.approx(moved.total_cost_usd, rel=1e-9)
    assert quick.total_cost_usd < normal.total_cost_usd
    budget = quick.total_cost_usd * 1.001  # just above the plan: the floor must not exceed its cost
    tight, _ = load_inputs(startup, sets={"policy.mfu_factor": {"*": 2.0}, "budget_usd": budget})
    assert make_plan(tight, catalog, explain=False).total_cost_usd == pytest.approx(quick.total_cost_usd, rel=1e-9)


def test_a_chip_without_an_entry_keeps_the_models_speed():
    scenario, catalog = load_inputs(SCENARIO, sets={"policy.mfu_factor": {"tpu-v6e": 0.5}})
    assert scenario.policy.speed("tpu-v6e") == 0.5 and scenario.policy.speed("H100") == 1.0
    everywhere, _ = load_inputs(SCENARIO, sets={"policy.mfu_factor": {"*": 0.8, "H100": 1.2}})
    assert everywhere.policy.speed("H100") == 1.2 and everywhere.policy.speed("A100") == 0.8


@pytest.mark.parametrize("value, message", [
    ({"H1000": 0.7}, r"field 'policy.mfu_factor'.*unknown id 'H1000'"),
    ({"H100": 0}, r"policy.mfu_factor.H100"),
    ({"H100": 2.5}, r"policy.mfu_factor.H100"),
    (0.7, r"field 'policy.mfu_factor'.*a valid dictionary.*give a mapping, one 'key: value' per entry"),
])
def test_bad_factors_are_refused_naming_the_field(value, message):
    with pytest.raises(InputError, match=message):
        load_inputs(SCENARIO, sets={"policy.mfu_factor": value})


def test_the_cost_floor_stays_below_every_rental_option_of_a_faster_stack():
    """The presolve drops candidates whose cost floor (USD per FLOP at the chip's peak MFU) exceeds the
    budget, so the floor must stay below what any option costs; at policy.mfu_factor 2 the options
    run twice as fast, and so must the floor's best case."""
    from planner import compute
    from planner.options import Pricing, _usd_per_flop_floor, cloud_pools, priced_stage
    fast, catalog = load_inputs(ROOT / "scenarios" / "startup_7b.yaml", sets={"policy.mfu_factor": {"*": 2.0}})
    pools = [p for p in cloud_pools(fast, catalog) if p.source in ("on_demand", "spot")]
    floors = _usd_per_flop_floor(pools, catalog, fast, fast.deadline_days)
    w = Workload("full", 7e9, 7e9, 2e11, seq_len=4096)
    options = priced_stage(w, Pricing.of(pools, catalog, fast, fast.deadline_days))
    assert options
    for option in options:
        pool = next(p for p in pools if option.id.rsplit(":", 1)[0] == p.id)  # option ids are '<pool>:<nodes>n'
        assert option.compute_usd >= floors[pool.id]["bf16"] * compute.stage_flops(w) * (1 - 1e-9), option.id


def _held_out_lines(plan) -> list[str]:
    return [line for line in plan.explanations if "held-out production training runs" in line]


def _hopper_runs() -> list[float]:
    """Reported over predicted GPU-hours of the catalog's held-out production training runs on
    H100/H200/H800, recomputed here from the runs file."""
    from planner.catalog import default_catalog_dir, load_catalog
    from planner.compute import fidelity
    chips = load_catalog().chips
    scored = fidelity.score_holdout(fidelity.load_runs(default_catalog_dir() / fidelity.RUNS_FILE), chips)
    return [1 / (1 + c.error) for c in scored if c.run.kind == "run" and c.run.chip in ("H100", "H200", "H800")
            and c.run.stack not in fidelity.NON_PRODUCTION_STACKS]


def test_plans_quote_the_held_out_runs_of_their_chips_unless_measured():
    """A plan on H100 says how much longer held-out production runs there took than the model says
    (three in four longer: likely low) and the --set that plans at their level; with a stated
    policy.mfu_factor for H100, even exactly 1, it does not (the team's own figure is used)."""
    import statistics
    startup = ROOT / "scenarios" / "startup_7b.yaml"
    on_h100, catalog = load_inputs(startup, sets={"policy.chips": ["H100"]})
    lines = _held_out_lines(make_plan(on_h100, catalog, explain=False))
    took = _hopper_runs()
    low, _, high = statistics.quantiles(took, n=4)
    slower = sum(t > 1 for t in took)
    assert slower > 3 * len(took) / 4 and low > 1  # three in four runs took longer than predicted
    assert lines == [f"On {len(took)} held-out production training runs on hopper chips (docs/fidelity.md), {slower} "
                     f"took longer than the compute model predicts: {statistics.geometric_mean(took):.2f}x its "
                     f"GPU-hours in the geometric mean, half of them between {low:.2f}x and {high:.2f}x. So this "
                     "plan's compute is likely low: measure your own speed (plan estimate --measured-tokens-per-s) "
                     "and set it as policy.mfu_factor, or plan at the held-out runs' level with --set "
                     f"policy.mfu_factor.H100={1 / statistics.geometric_mean(took):.2f}."]
    for factor in (0.8, 1.0):
        measured, _ = load_inputs(startup, sets={"policy.chips": ["H100"], "policy.mfu_factor": {"H100": factor}})
        assert not _held_out_lines(make_plan(measured, catalog, explain=False))
    # the suggested --set, as the CLI reads it, adds H100 at that level to factors already stated
    suggested = parse_sets([lines[0].split("--set ", 1)[1].removesuffix(".")])
    at_level, _ = load_inputs(startup, sets={"policy.chips": ["H100"], "policy.mfu_factor": {"A100": 0.9}, **suggested})
    assert at_level.policy.mfu_factor == {"A100": 0.9, "H100": pytest.approx(1 / statistics.geometric_mean(took),
                                                                              abs=0.005)}
    assert not _held_out_lines(make_plan(at_level, catalog, explain=False))


def test_a_family_whose_held_out_runs_straddle_the_model_gets_no_direction():
    """On A100 the held-out runs' quartiles lie either side of the model (some teams faster, some
    slower), so the plan names no direction and suggests no factor, only a measurement and --risk."""
    from planner.compute.mfu import HELD_OUT_RUN_RATIO
    held = HELD_OUT_RUN_RATIO["ampere"]
    assert held.low < 1.0 < held.high
    on_a100, catalog = load_inputs(ROOT / "scenarios" / "startup_7b.yaml", sets={"policy.chips": ["A100-80GB"]})
    lines = _held_out_lines(make_plan(on_a100, catalog, explain=False))
    assert len(lines) == 1 and "on ampere chips" in lines[0]
    assert f"between {1 / held.high:.2f}x and {1 / held.low:.2f}x" in lines[0]
    assert lines[0].endswith("No consistent direction: a team's own speed matters more than the chip; measure it "
                             "(plan estimate --measured-tokens-per-s), and see the range with --risk.")
    assert "--set" not in lines[0]


def test_a_family_whose_runs_mostly_ran_faster_is_called_likely_high(monkeypatch):
    """Were three in four held-out runs on a family faster than predicted (lower quartile of predicted /
    reported above 1), the line would say the plan's compute is likely high, with no --set."""
    from planner.compute import mfu
    monkeypatch.setitem(mfu.HELD_OUT_RUN_RATIO, "hopper", mfu.HeldOutRuns(1.4, 10, 1.1, 1.8, 1))
    on_h100, catalog = load_inputs(ROOT / "scenarios" / "startup_7b.yaml", sets={"policy.chips": ["H100"]})
    lines = _held_out_lines(make_plan(on_h100, catalog, explain=False))
    assert lines == ["On 10 held-out production training runs on hopper chips (docs/fidelity.md), 1 took longer "
                     "than the compute model predicts: 0.71x its GPU-hours in the geometric mean, half of them "
                     "between 0.56x and 0.91x. So this plan's compute is likely high."]
