"""`plan export sky`: each rented segment becomes a SkyPilot task that passes SkyPilot's own task
and resources schemas (tests/fixtures/skypilot_task_schema.json, dumped from skypilot 0.14.1:
SkyPilot pins click<8.2, so it is not installed with the tests; see tests/fixtures/skypilot_schema.py)."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

import planner
from planner.catalog import load_catalog
from planner.errors import InputError
from planner.export_sky import export

ROOT = Path(__file__).resolve().parents[1]
PLAN = str(Path(sys.executable).with_name("plan"))
SKY = json.loads((ROOT / "tests" / "fixtures" / "skypilot_task_schema.json").read_text())


def _case_insensitive_enum(validator, enums, instance, schema):
    if not isinstance(instance, str) or instance.lower() not in [e.lower() for e in enums]:
        yield jsonschema.ValidationError(f"{instance!r} is not one of {enums!r}")


def _case_sensitive_enum(validator, enums, instance, schema):
    if instance not in enums:
        yield jsonschema.ValidationError(f"{instance!r} is not one of {enums!r}")


# SkyPilot's validator: Draft 7 plus its two enum keywords (sky/utils/validator.py), None values dropped.
Validator = jsonschema.validators.extend(jsonschema.Draft7Validator, validators={
    "case_insensitive_enum": _case_insensitive_enum, "case_sensitive_enum": _case_sensitive_enum})


def sky_valid(config: dict) -> None:
    Validator(SKY["task"]).validate({k: v for k, v in config.items() if v is not None})
    Validator(SKY["resources"]).validate({k: v for k, v in config["resources"].items() if v is not None})


def test_the_validator_rejects_what_skypilot_rejects():
    with pytest.raises(jsonschema.ValidationError):
        sky_valid({"name": "x", "num_nodes": 1, "resources": {"cloud": "coreweave"}})
    with pytest.raises(jsonschema.ValidationError):
        sky_valid({"name": "x", "nodes": 1, "resources": {"cloud": "aws"}})
    sky_valid({"name": "x", "num_nodes": 1, "resources": {"cloud": "AWS", "use_spot": True}})


@pytest.mark.parametrize("scenario, sets", [
    ("startup_7b.yaml", {}),                                                          # GCP TPU spot
    ("small_lab_finetune.yaml", {"policy.providers": ["AWS", "CoreWeave"], "policy.spot_allowed": False}),
    ("distillation.yaml", {"policy.providers": ["AWS"], "policy.chips": ["H100"]}),    # AWS instances
    ("enterprise_70b.yaml", {"policy.buy_allowed": False}),                            # reserved terms
])
def test_rented_segments_become_valid_tasks(scenario, sets):
    plan = planner.plan(ROOT / "scenarios" / scenario, set=sets, explain=False)
    catalog = load_catalog()
    tasks, handoff = export(plan, catalog)
    rented = [s for _, s, _ in plan.all_segments() if s.source in ("on_demand", "spot", "reserved")]
    assert len(tasks) == len(rented) > 0 and handoff == []
    for task, seg in zip(tasks, rented):
        config = yaml.safe_load(task.text)
        assert config == task.config
        sky_valid(config)
        offer = catalog.offers[seg.offer.split(":", 1)[-1]]  # reserved segments name 'reserved-1y:OFFER'
        res = config["resources"]
        assert config["num_nodes"] == seg.nodes and res["use_spot"] == (seg.source == "spot")
        if offer.InstanceType.startswith("tpu-"):  # SkyPilot counts a TPU VM slice as one accelerator
            assert res["accelerators"] == f"{offer.InstanceType}:1" and "instance_type" not in res
        else:
            assert res["accelerators"] == f"{seg.chip}:{seg.gpus // seg.nodes}"
        if res["cloud"] != "kubernetes":
            assert res["region"] == offer.Region
        assert "run" in config and "exit 1" in config["run"]
        assert ("reservation" in task.text) == (seg.source == "reserved")


def test_owned_segments_are_a_hand_off_not_a_task(tmp_path):
    # cloud barred: every segment runs on the bought servers (the default plan also rents a few
    # days of TPU before they are delivered)
    plan = planner.plan(ROOT / "scenarios" / "enterprise_70b.yaml", explain=False, set={"policy.cloud_allowed": False})
    assert {s.source for st in plan.stages for s in st.segments} == {"owned"}
    saved = tmp_path / "plan.json"
    saved.write_text(plan.model_dump_json())
    out = subprocess.run([PLAN, "export", "sky", str(saved), "--out-dir", str(tmp_path / "sky")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    chips = {s.chip for st in plan.stages for s in st.segments}
    segments = len(plan.all_segments())  # run 1's and the later runs' own schedule
    assert plan.later_stages
    assert out.stderr.count("hand-off:") == segments and all(chip in out.stderr for chip in chips)
    assert not list((tmp_path / "sky").glob("*.yaml"))


def test_cli_writes_one_file_per_rented_segment(tmp_path):
    saved = tmp_path / "plan.json"
    made = subprocess.run([PLAN, str(ROOT / "scenarios" / "startup_7b.yaml"), "--format", "json", "--no-explain",
                           "--out", str(saved)], capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    out = subprocess.run([PLAN, "export", "sky", str(saved), "--out-dir", str(tmp_path / "sky")],
                         capture_output=True, text=True, timeout=120)
    files = sorted((tmp_path / "sky").glob("*.yaml"))
    segments = [s for st in json.loads(saved.read_text())["stages"] for s in st["segments"]]
    assert out.returncode == 0 and len(files) == len(segments)
    for f in files:
        sky_valid(yaml.safe_load(f.read_text()))


def test_an_infeasible_or_broken_plan_is_refused(tmp_path):
    plan = planner.plan(ROOT / "scenarios" / "small_lab_finetune.yaml", budget_usd=100, explain=False)
    with pytest.raises(InputError, match="no plan to export"):
        export(plan, load_catalog())
    bad = tmp_path / "plan.json"
    bad.write_text('{"status": "optimal"}')
    out = subprocess.run([PLAN, "export", "sky", str(bad)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
