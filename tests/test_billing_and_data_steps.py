"""Cloud jobs as billed (start-up per node, minimum billing, spot capacity) and data work on the
schedule (labelling and data preparation gate the stages they feed; staff covers the calendar)."""

import re
from pathlib import Path

import pytest

from planner.billing import hours_text
from planner.evaluate import evaluate, segment_estimate, stage_workload
from planner.inputs import load_inputs
from planner.options import cloud_pools
from planner.planning import make_plan
from planner.scenario import with_overrides
from planner.workload import Workload

ROOT = Path(__file__).resolve().parents[1]
STARTUP = ROOT / "scenarios" / "startup_7b.yaml"
LAB = ROOT / "scenarios" / "small_lab_finetune.yaml"


def _lora(examples: int):
    """The small lab's tuning job with `examples` labelled examples of 1,500 tokens (a few hundred
    million tokens), labelling taking no time and its price off the budget, staff paid for the
    30-day month whatever the end day (so only rental decides the cluster size)."""
    scenario, catalog = load_inputs(LAB)
    data = scenario.data.model_copy(update={"labelled_examples_needed": examples, "tokens_per_example": 1500,
                                            "labelling_examples_per_day": None, "labelling_lead_time_days": 0.0})
    policy = scenario.policy.model_copy(update={"paths": ["lora"]})
    return scenario.model_copy(update={"data": data, "policy": policy, "budget_usd": None,
                                       "staff_min_days": 30.0}), catalog


def test_a_lora_runs_on_few_nodes_because_start_up_is_billed_per_node():
    """200,000 examples × 1,500 tokens = 3e8 tokens per epoch. The job takes one node or a few, and
    the plan says that twice the nodes would cost at least the start-up of the extra nodes (10
    minutes on each of their accelerators) more; without start-up, doubling the nodes costs only
    what scaling loses in utilisation."""
    scenario, catalog = _lora(200_000)
    plan = make_plan(scenario, catalog)
    seg = plan.stages[-1].segments[0]
    assert plan.stages[-1].tokens >= 3e8
    assert seg.nodes <= 4
    note = next(e for e in plan.explanations if "start-up of 10 minutes" in e)
    extra = float(re.search(r"for \+([\d,.]+) USD of rental", note).group(1).replace(",", ""))
    offer = catalog.offers[seg.offer]
    price = offer.spot_usd_per_gpu_hour if seg.source == "spot" else offer.on_demand_usd_per_gpu_hour
    assert extra >= 0.99 * seg.gpus * (10 / 60) * price
    assert evaluate(plan, scenario, catalog).violations == []


def test_the_plan_says_why_it_did_not_take_half_the_nodes():
    """The distillation plan trains a 500M model on rented nodes with staff paid by the day
    (40,000 USD a month = 1,315.07 USD a day, no minimum): its note prices half the nodes. Half
    the nodes must end later, save rental, and cost staff for the extra hours at the daily rate
    (hand formula: 1,315.07 × hours / 24, hours printed to two significant figures); the plan
    being cheapest, the staff added is at least the rental saved."""
    scenario, catalog = load_inputs(ROOT / "scenarios" / "distillation.yaml")
    plan = make_plan(scenario, catalog)
    seg = plan.stages[-1].segments[0]
    note = next(e for e in plan.explanations if "start-up of" in e)
    half = re.search(rf"on {seg.nodes // 2} nodes? it would end ([\d.e+-]+) hours later for ([+-][\d,]+) USD of rental "
                     r"and ([+-][\d,]+) USD of staff", note)
    assert half, note
    hours, rental, staff = (float(g.replace(",", "")) for g in half.groups())
    assert rental < 0 < staff
    assert staff == pytest.approx(40000 * 12 / 365 * hours / 24, rel=0.05, abs=1)
    assert staff >= -rental - 1


@pytest.mark.parametrize("hours, text", [(0.254, "0.25"), (12.34, "12"), (99.4, "99"), (99.6, "100"), (140.2, "140"),
                                         (1716.4, "1716")])
def test_hours_in_notes_never_print_in_e_notation(hours, text):
    """The startup plan's half-the-nodes note once read 'end 1e+02 hours later' (99.6 h at .2g)."""
    assert hours_text(hours) == text


def test_start_up_is_time_and_money_per_segment():
    """The segment lasts start-up + work and is billed start-up on every GPU's node plus the work,
    recomputed by hand from the offer row and the compute model's hours."""
    scenario, catalog = _lora(200_000)
    plan = make_plan(scenario, catalog, explain=False)
    seg = plan.stages[-1].segments[0]
    offer = catalog.offers[seg.offer]
    price = offer.spot_usd_per_gpu_hour if seg.source == "spot" else offer.on_demand_usd_per_gpu_hour
    st = plan.stages[-1]
    est = segment_estimate(stage_workload(st), seg, scenario, catalog, first_start=False)
    assert seg.end_day - seg.start_day == pytest.approx(10 / 1440 + est.wall_clock_days)
    # the start-up billed is the job's first start: goodput's own first start (R = 10 min) is not added again
    counted_twice = segment_estimate(stage_workload(st), seg, scenario, catalog)
    assert counted_twice.wall_clock_days > est.wall_clock_days + 0.9 * 10 / 1440
    assert seg.cost_usd == pytest.approx(seg.gpus * (10 / 60) * price + est.gpu_hours * price)


def test_spot_pools_offer_only_the_capacity_one_can_expect():
    """With spot capacity capped at 4 instances per offer, no spot pool offers more, and a plan uses
    at most 4 spot nodes of any offer."""
    scenario, catalog = load_inputs(LAB)
    capped = catalog.model_copy(update={"offers": {
        k: o.model_copy(update={"spot_max_nodes": 4}) if o.spot_max_nodes else o for k, o in catalog.offers.items()}})
    spot = [p for p in cloud_pools(scenario, capped) if p.source == "spot"]
    assert spot and all(p.max_nodes == 4 for p in spot)
    scenario = with_overrides(scenario, budget_usd=None, deadline_days=10)
    plan = make_plan(scenario, capped, explain=False)
    assert plan.status == "optimal"
    assert all(s.nodes <= 4 for st in plan.stages for s in st.segments if s.source == "spot")
    assert evaluate(plan, scenario, capped).violations == []


def _startup(**data):
    """The startup scenario with `data` fields changed."""
    scenario, catalog = load_inputs(STARTUP)
    return scenario.model_copy(update={"data": scenario.data.model_copy(update=data)}), catalog


def test_labelling_gates_tuning_and_staff_covers_the_calendar():
    """Startup with 2,000 examples on hand: 20,000 − 2,000 = 18,000 to label, after a 14-day vendor lead
    time at 1,000 a day: tuning starts no earlier than day 14 + 18 = 32, the plan ends after it, and
    staff is paid 90,000 USD a month from day 0 to that end, at least for 45 days when hired for them."""
    scenario, catalog = _startup(labelled_examples_on_hand=2000, labelled_example_usd=4.0,
                                 labelling_lead_time_days=14.0, labelling_examples_per_day=1000.0)
    scenario = scenario.model_copy(update={"staff_min_days": 45.0})
    plan = make_plan(scenario, catalog, explain=False)
    sft = next(st for st in plan.stages if st.name == "sft")
    assert [(d.name, d.end_day, d.feeds) for d in plan.data_steps if d.name == "labelling"] == [("labelling", 32.0, "sft")]
    assert min(s.start_day for s in sft.segments) >= 32.0 - 1e-9
    assert plan.end_day >= 32.0
    assert plan.cost_breakdown_usd["staff"] == pytest.approx(90_000 * 12 / 365 * max(plan.end_day, 45), rel=1e-6)
    shorter = make_plan(scenario.model_copy(update={"staff_min_days": 0.0}), catalog, explain=False)
    assert shorter.cost_breakdown_usd["staff"] == pytest.approx(90_000 * 12 / 365 * shorter.end_day, rel=1e-6)
    assert evaluate(plan, scenario, catalog).violations == []


def test_small_lab_ends_after_its_labelling():
    """5,000 examples after 2 days at 2,500 a day: tuning starts on day 4."""
    scenario, catalog = load_inputs(LAB)
    plan = make_plan(scenario, catalog, explain=False)
    assert plan.status == "optimal"
    assert [(d.name, d.end_day) for d in plan.data_steps] == [("labelling", 2 + 5000 / 2500)]
    assert plan.end_day >= 2 + 5000 / 2500
    assert evaluate(plan, scenario, catalog).violations == []


def test_data_preparation_gates_pretraining():
    """The startup with 20B legal tokens on hand buys tokens to continue pretraining: that stage waits
    tokens bought / 1e11 per day (the scenario's preparation rate)."""
    scenario, catalog = _startup(unique_tokens=2e10)
    plan = make_plan(scenario, catalog, explain=False)
    bought = plan.path.unique_tokens_bought
    assert bought > 0
    first = plan.stages[0]
    assert min(s.start_day for s in first.segments) == pytest.approx(bought / 1e11)
    assert evaluate(plan, scenario, catalog).violations == []


def test_a_stage_at_its_capacity_limit_says_so_and_whose_limit_it_is():
    """The startup's continued pretraining rents as many spot nodes as the catalog assumes
    obtainable (spot_max_nodes, labelled an assumption in capacity_source): the plan says so and
    prices twice the nodes beyond it, so a reader can tell what the assumption costs. Capped by the
    scenario's own quota on every provider instead, the note names that quota."""
    scenario, catalog = load_inputs(STARTUP)
    plan = make_plan(scenario, catalog)
    seg = plan.stages[0].segments[0]
    offer = catalog.offers[seg.offer]
    assert seg.source == "spot" and seg.nodes == offer.spot_max_nodes
    assert offer.capacity_basis("spot_max_nodes") == "assumption"
    note = next(e for e in plan.explanations if e.startswith(f"{plan.stages[0].name} on "))
    assert (f"{seg.nodes} nodes is the most it may rent at once (catalogs/offers.csv spot_max_nodes, "
            "a planner assumption") in note
    assert re.search(rf"on {2 * seg.nodes} nodes \(beyond that\) it would end [\d.e+]+ hours sooner", note), note

    quota = {offer.provider: 16 for offer in catalog.offers.values()}
    capped = scenario.model_copy(update={"policy": scenario.policy.model_copy(update={"max_nodes_per_provider": quota})})
    plan = make_plan(capped, catalog)
    seg = plan.stages[0].segments[0]
    assert seg.nodes == 16
    note = next(e for e in plan.explanations if e.startswith(f"{plan.stages[0].name} on "))
    assert f"16 nodes is the most it may rent at once (the scenario's policy.max_nodes_per_provider for {seg.provider})" in note


def test_a_documented_capacity_limit_is_named_not_called_an_assumption():
    """Distillation's pretraining fills one TPU v6e slice (256 chips = 32 hosts of 8, Google's
    TPU v6e page): the note quotes that limit from capacity_source and still prices 64 hosts
    (two slices over Multislice) beyond it."""
    scenario, catalog = load_inputs(ROOT / "scenarios" / "distillation.yaml")
    plan = make_plan(scenario, catalog)
    seg = plan.stages[0].segments[0]
    assert (seg.offer, seg.source, seg.nodes) == ("gcp-tpu-v6e-8-us-central1", "spot", 32)
    note = next(e for e in plan.explanations if e.startswith(f"{plan.stages[0].name} on "))
    assert ("32 nodes is the most it may rent at once (catalogs/offers.csv spot_max_nodes: one TPU v6e slice "
            "(256 chips), its capacity_source)") in note
    assert "assumption" not in note
    assert re.search(r"on 64 nodes \(beyond that\) it would end [\d.e+]+ hours sooner", note), note
