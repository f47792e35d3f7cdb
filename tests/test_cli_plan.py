"""`plan SCENARIO` from the command line: outputs, exit codes, and nothing written on failure."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLAN = str(Path(sys.executable).with_name("plan"))
LAB = str(ROOT / "scenarios" / "small_lab_finetune.yaml")


def run(*args):
    return subprocess.run([PLAN, *args], capture_output=True, text=True, timeout=300)


def test_json_has_the_documented_schema():
    out = run(LAB, "--format", "json")
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)
    for key in ("status", "objective", "solver", "scenario", "total_cost_usd", "cost_breakdown_usd",
                "predicted_loss", "end_day", "energy_mwh", "tco2e", "path", "stages", "procurement", "explanations"):
        assert key in plan
    assert plan["status"] == "optimal"
    assert set(plan["scenario"]) >= {"deadline_days", "budget_usd", "target"}
    assert plan["path"]["kind"] in {"scratch", "continue", "distill", "finetune", "lora"}
    seg = plan["stages"][0]["segments"][0]
    assert set(seg) >= {"offer", "provider", "chip", "source", "nodes", "gpus", "start_day", "end_day",
                        "cost_usd", "energy_mwh"}
    assert sum(plan["cost_breakdown_usd"].values()) == pytest.approx(plan["total_cost_usd"], rel=1e-6)


def test_cli_overrides_are_reported_in_the_json():
    out = run(LAB, "--format", "json", "--budget", "40000", "--deadline", "20")
    scenario = json.loads(out.stdout)["scenario"]
    assert scenario["budget_usd"] == 40000 and scenario["deadline_days"] == 20


def test_markdown_and_table_views():
    assert run(LAB, "--format", "markdown").stdout.startswith("# Plan for small-lab")
    table = run(LAB).stdout
    assert "Total cost" in table and "Cost breakdown" in table


def test_impossible_request_exits_3_with_numbers():
    out = run(LAB, "--budget", "100", "--format", "json")
    assert out.returncode == 3
    plan = json.loads(out.stdout)
    assert plan["status"] == "infeasible"
    assert plan["diagnosis"]["extra_budget_usd"] > 0


@pytest.mark.parametrize("args, fragment", [
    (["scenarios/nope.yaml"], "file not found"),
    ([LAB, "--budget", "-5"], "budget_usd"),
    ([LAB, "--target-like", "llama-9-70b"], "did you mean"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, args, fragment):
    target = tmp_path / "plan.json"
    out = run(*args, "--out", str(target))
    assert out.returncode == 2
    assert fragment in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not target.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, flag", [
    ([LAB, "--workers", "0", "--risk"], "--workers"),
    ([LAB, "--time-limit", "-1"], "--time-limit"),
    ([LAB, "--time-limit", "nan"], "--time-limit"),
    (["share", "scenarios/consortium_health.yaml", "--seed", "-1"], "--seed"),
    ([LAB, "--draws", "0", "--risk"], "--draws"),
    ([LAB, "--report-points", "0", "--report", "r.html"], "--report-points"),
    (["share", "scenarios/consortium_health.yaml", "--workers", "-1"], "--workers"),
    (["frontier", LAB, "--vary", "deadline", "--points", "0"], "--points"),
    (["frontier", LAB, "--vary", "budget", "--min", "inf"], "--min"),
    (["candidates", LAB, "--limit", "-1"], "--limit"),
    ([LAB, "--report", "/nonexistent-folder/r.html"], "--report"),
    ([LAB, "--out", "/nonexistent-folder/plan.json"], "--out"),
    ([LAB, "--write-lp", "/nonexistent-folder/plan.lp"], "--write-lp"),
    (["frontier", LAB, "--vary", "deadline", "--out", "/nonexistent-folder/f.svg"], "--out"),
])
def test_out_of_range_flags_are_refused_before_any_work(args, flag):
    """Checked while parsing (exit 2, the flag named, no traceback), before a plan is printed."""
    out = subprocess.run([PLAN, *args], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 2
    assert f"Invalid value for '{flag}'" in out.stderr and "Traceback" not in out.stderr
    assert out.stdout == ""


def _variant(tmp_path, scenario, old, new):
    text = (ROOT / "scenarios" / scenario).read_text()
    assert old in text
    path = tmp_path / scenario
    path.write_text(text.replace(old, new, 1))
    return str(path)


@pytest.mark.parametrize("scenario, old, new, command, fragment", [
    ("consortium_health.yaml", "brings_tokens: 6.0e10", "brings_tokens: 6", ["share"], "did you mean 6e9?"),
    ("university_cluster.yaml", "failures_per_node_day: 6.5e-3", "failures_per_node_day: 9",
     ["run", "--robust", "0.9", "--no-explain"], "above the goodput model's 10"),
])
def test_bad_input_found_late_is_still_one_line(tmp_path, scenario, old, new, command, fragment):
    """Found while loading (a member's tokens) or only once the inputs are moved (a failure rate
    times the P90 multiplier): one line, exit 2, in the planner's own words."""
    out = run(command[0], _variant(tmp_path, scenario, old, new), *command[1:])
    assert out.returncode == 2 and fragment in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_an_output_that_is_an_input_or_another_output_is_refused(tmp_path):
    scenario = tmp_path / "lab.yaml"
    scenario.write_text(Path(LAB).read_text())
    for args in ([str(scenario), "--out", str(scenario)],
                 [str(scenario), "--out", str(tmp_path / "x"), "--report", str(tmp_path / "x")]):
        out = run(*args)
        assert out.returncode == 2 and "is the same file as" in out.stderr and out.stdout == ""
    assert scenario.read_text() == Path(LAB).read_text() and sorted(tmp_path.iterdir()) == [scenario]


def test_written_files_get_the_usual_permissions(tmp_path):
    """Not the 0600 of the temporary file they are renamed from."""
    import os
    import stat

    target = tmp_path / "plan.json"
    umask = os.umask(0o022)
    try:
        assert run(LAB, "--format", "json", "--no-explain", "--out", str(target)).returncode == 0
    finally:
        os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


@pytest.mark.parametrize("args, fragment", [
    ([LAB, "--ray-address", "10.0.0.1:6379"], "--ray-address needs --executor ray"),
    ([LAB, "--target-loss", "2.1", "--target-like", "llama-2-7b"], "give one target, not both"),
])
def test_flags_that_would_be_ignored_or_contradict_are_refused(args, fragment):
    out = run(*args)
    assert out.returncode == 2 and fragment in out.stderr and out.stdout == ""
    assert "Traceback" not in out.stderr
