"""`--set key.path=value`: checked like the file, unknown keys named with a did-you-mean."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.overrides import apply_sets, parse_sets
from planner.scenario import Scenario, load_scenario, validate_scenario

ROOT = Path(__file__).resolve().parents[1]
LAB = str(ROOT / "scenarios" / "small_lab_finetune.yaml")
PLAN = str(Path(sys.executable).with_name("plan"))


def test_values_are_read_as_yaml_scalars():
    assert parse_sets(["budget_usd=2e6", "policy.spot_allowed=false", "budget_usd=null", "policy.chips=[H100, A100-80GB]"]) \
        == {"budget_usd": None, "policy.spot_allowed": False, "policy.chips": ["H100", "A100-80GB"]}


def test_nested_list_and_mapping_keys():
    raw = {"name": "x", "members": [{"name": "a"}, {"name": "b"}]}
    out = apply_sets(raw, {"members.1.budget_usd": 5.0, "policy.max_nodes_per_provider.AWS": 4}, Scenario)
    assert out["members"][1]["budget_usd"] == 5.0 and out["policy"] == {"max_nodes_per_provider": {"AWS": 4}}
    assert "budget_usd" not in raw["members"][1]  # the input is not changed


@pytest.mark.parametrize("sets, fragment", [
    ({"polcy.spot_allowed": False}, "did you mean 'policy'"),
    ({"policy.spot_alowed": False}, "did you mean 'spot_allowed'"),
    ({"members.3.name": "z"}, "has no item '3'"),
    ({"budget_usd.x": 1}, "single value"),
])
def test_unknown_keys_are_named(sets, fragment):
    with pytest.raises(InputError, match=fragment):
        apply_sets({"name": "x"}, sets, Scenario)


def test_a_bad_value_is_checked_like_the_file_and_names_the_set():
    with pytest.raises(InputError) as err:
        load_scenario(LAB, {"deadline_days": 0})
    assert "with --set deadline_days" in err.value.message and "greater than 0" in err.value.message


def test_setting_a_target_on_a_quality_scenario_plans_for_cost():
    # A scenario with a budget and no target is switched to objective 'quality'; a target given
    # with --set must plan for cost again, as the same target written in the file would.
    quality = Scenario.model_validate({"name": "q", "deadline_days": 30, "budget_usd": 1e5})
    assert quality.objective == "quality"
    changed = validate_scenario(quality.model_dump(exclude_unset=True), "q", {"target.loss": 2.1})
    assert changed.objective == "cost" and changed.target.loss == 2.1


@pytest.mark.parametrize("command", [
    [LAB, "--no-explain", "--format", "json"],
    ["candidates", LAB, "--format", "json"],
    ["frontier", LAB, "--vary", "deadline", "--points", "1", "--format", "json"],
    ["share", str(ROOT / "scenarios" / "consortium_health.yaml"), "--format", "json"],
])
def test_every_scenario_command_takes_set(command):
    bad = subprocess.run([PLAN, *command, "--set", "polcy.chips=[H100]"], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "did you mean 'policy'" in bad.stderr and "Traceback" not in bad.stderr


def test_set_does_what_the_flag_does():
    # scenarios/enterprise_70b.yaml's comment compares with `--program-runs 1 --deadline 180`;
    # --set program.runs=1 must plan exactly the same scenario
    path = str(ROOT / "scenarios" / "enterprise_70b.yaml")
    plans = [subprocess.run([PLAN, path, *flags, "--deadline", "180", "--no-explain", "--format", "json"],
                            capture_output=True, text=True, timeout=300) for flags in
             (["--set", "program.runs=1"], ["--program-runs", "1"])]
    assert all(p.returncode == 0 for p in plans), plans[0].stderr
    a, b = (json.loads(p.stdout) for p in plans)
    assert a["total_cost_usd"] == b["total_cost_usd"] and a["path"] == b["path"]
    assert a["scenario"]["deadline_days"] == 180.0
