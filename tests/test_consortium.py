"""Consortium end to end: coalition costs from the planner, a split that adds up, a confirmed joint plan."""

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.consortium.coalition import coalition_scenario, member_target_losses
from planner.consortium.share import share
from planner.errors import InputError
from planner.evaluate import evaluate
from planner.inputs import load_inputs

ROOT = Path(__file__).resolve().parents[1]
HEALTH = ROOT / "scenarios" / "consortium_health.yaml"


@pytest.fixture(scope="module")
def health():
    scenario, catalog = load_inputs(HEALTH)
    return scenario, catalog, share(scenario, catalog, method="shapley", workers=2)


def test_shapley_split_adds_up_and_is_individually_rational(health):
    scenario, catalog, result = health
    assert sum(m.allocated_usd for m in result.members) == pytest.approx(result.grand_coalition_cost_usd, rel=1e-9)
    assert result.coalitions_solved == 2 ** len(scenario.members) - 1
    assert result.in_core
    for m in result.members:
        assert m.allocated_usd <= m.standalone_cost_usd * (1 + 1e-9)
    # pooling a base model saves money overall: the grand coalition is cheaper than everyone alone
    assert result.grand_coalition_cost_usd < sum(m.standalone_cost_usd for m in result.members)


def test_joint_plan_is_confirmed_by_the_evaluator(health):
    scenario, catalog, result = health
    joint = coalition_scenario(scenario, range(len(scenario.members)), member_target_losses(scenario, catalog))
    ev = evaluate(result.plan, joint, catalog)
    assert ev.violations == []
    # the joint model meets the strictest member's target
    assert result.plan.predicted_loss <= min(m.target.loss for m in scenario.members) + 1e-9


def test_coalition_pools_what_members_bring():
    scenario, catalog = load_inputs(HEALTH)
    losses = member_target_losses(scenario, catalog)
    pair = coalition_scenario(scenario, [0, 2], losses)
    assert pair.data.unique_tokens == pytest.approx(scenario.data.unique_tokens + 6e10 + 2e10)
    assert pair.data.labelled_examples_needed == 8000 + 2000
    assert pair.target.loss == pytest.approx(min(losses[0], losses[2]))
    assert [h.hardware for h in pair.owned_hardware] == ["hgx-a100-80gb"]
    assert pair.budget_usd == pytest.approx(900000 + 400000)


@pytest.mark.parametrize("method", ["nucleolus", "least-core"])
def test_share_cli_json(method):
    out = CliRunner().invoke(cli, ["share", str(HEALTH), "--method", method, "--format", "json", "--workers", "2"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    for key in ("grand_coalition_cost_usd", "method", "in_core", "blocking_coalition", "members", "plan"):
        assert key in data
    assert data["method"] == method
    total = sum(m["allocated_usd"] for m in data["members"])
    assert math.isclose(total, data["grand_coalition_cost_usd"], rel_tol=1e-9)
    for m in data["members"]:
        assert {"name", "standalone_cost_usd", "allocated_usd", "saving_usd", "saving_pct", "budget_usd"} <= set(m)


def test_coalition_keeps_the_strictest_size_limits_and_the_domain():
    """Members' own targets ask at most 30B and 13B parameters (and one at least 7B): their coalition's
    model must satisfy all of them, 7B-13B, on the members' common domain; different domains are refused."""
    scenario, catalog = load_inputs(HEALTH)
    members = list(scenario.members)
    members[0] = members[0].model_copy(update={"target": members[0].target.model_copy(
        update={"max_params": 3e10, "min_params": 7e9, "domain": "medical"})})
    members[2] = members[2].model_copy(update={"target": members[2].target.model_copy(
        update={"max_params": 1.3e10, "domain": "medical"})})
    scenario = scenario.model_copy(update={"members": members})
    pair = coalition_scenario(scenario, [0, 2], [2.10, 2.12, 2.15, 2.05])
    assert (pair.target.max_params, pair.target.min_params, pair.target.domain) == (1.3e10, 7e9, "medical")
    with pytest.raises(InputError, match="different domains"):
        coalition_scenario(scenario, [0, 1], [2.10, 2.12, 2.15, 2.05])
