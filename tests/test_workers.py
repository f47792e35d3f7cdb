"""Commands that re-plan in worker processes finish under every solver with two workers.

Forked workers inherited HiGHS's thread pool from a parent that had already solved, without its
threads, and waited for them forever (`TaskGroup::~TaskGroup`); workers now start from a fresh
interpreter. Each command runs in a child process with a timeout, so a hang fails the test
instead of blocking the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from planner.executor import worker_context

ROOT = Path(__file__).resolve().parents[1]
PLAN = str(Path(sys.executable).with_name("plan"))
LAB = str(ROOT / "scenarios" / "small_lab_finetune.yaml")
HANG = 240  # seconds: each command takes 5-15 s on a loaded 2-core machine


def test_workers_never_fork_this_process():
    assert worker_context().get_start_method() in ("forkserver", "spawn")


def run(*args) -> subprocess.CompletedProcess:
    out = subprocess.run([PLAN, *map(str, args)], capture_output=True, text=True, timeout=HANG, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    return out


# The parent plans first (a forked worker would inherit the used solver), then one factor's
# sensitivity search re-plans in two workers and 16 Monte Carlo draws run in two workers.
REPLAN = """
import json, sys
from planner.inputs import load_inputs
from planner.planning import make_plan
from planner.tradeoffs.risk import risk
from planner.tradeoffs.sensitivity import factors_for, sensitivity
solver = sys.argv[1]
scenario, catalog = load_inputs(sys.argv[2])
plan = make_plan(scenario, catalog, solver=solver, explain=False)
sens = sensitivity(plan, scenario, catalog, factors=factors_for(plan, scenario)[:1], steps=2, solver=solver, workers=2)
draws = risk(plan, scenario, catalog, draws=16, workers=2)
print(json.dumps({"status": plan.status, "solves": sens.solves, "draws": draws.draws}))
"""


@pytest.mark.parametrize("solver", ["cbc", "highs", "ortools"])
def test_sensitivity_and_risk_with_two_workers(solver):
    out = subprocess.run([sys.executable, "-c", REPLAN, solver, LAB], capture_output=True, text=True, timeout=HANG,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["status"] == "optimal" and result["draws"] == 16
    # one factor searched up and down: one plan at each end, then `steps` (2) bisection plans for
    # each direction whose end changed the decision (planner.tradeoffs.sensitivity)
    assert result["solves"] in {2, 2 + 2, 2 + 2 * 2}


@pytest.mark.parametrize("solver", ["cbc", "highs", "ortools"])
def test_share_with_two_workers(tmp_path, solver):
    data = yaml.safe_load((ROOT / "scenarios" / "consortium_health.yaml").read_text())
    data["members"] = data["members"][:2]
    path = tmp_path / "pair.yaml"
    path.write_text(yaml.safe_dump(data))
    two = json.loads(run("share", path, "--solver", solver, "--workers", "2", "--format", "json").stdout)
    if solver == "highs":  # the solver that hung: the workers' answer is the sequential one
        one = json.loads(run("share", path, "--solver", solver, "--workers", "1", "--format", "json").stdout)
        assert [m["allocated_usd"] for m in two["members"]] == \
            pytest.approx([m["allocated_usd"] for m in one["members"]], rel=1e-9)
    # Shapley over two members: the grand coalition's cost is split in full
    assert sum(m["allocated_usd"] for m in two["members"]) == pytest.approx(two["grand_coalition_cost_usd"], rel=1e-9)
