"""The alternatives table: the chosen plan beside the best on other paths and sourced the other way."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from planner.cli.run_cmd import joint_scenario
from planner.inputs import load_inputs
from planner.planning import make_plan
from planner.report import render

ROOT = Path(__file__).resolve().parents[1]
PLAN = str(Path(sys.executable).with_name("plan"))
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_bundled_scenario_ends_with_the_table(path):
    scenario, catalog = load_inputs(path)
    plan = make_plan(joint_scenario(scenario, catalog), catalog)
    text = render(plan, "table")
    tail = text[text.index("Alternatives ("):].splitlines()
    assert tail[1].split() == ["path", "chip", "provider/region", "source", "nodes", "×", "GPUs", "ends", "cost", "Δ"]
    marked = [row for row in tail[2:] if row.lstrip().startswith("*")]
    assert len(marked) == 1 and plan.path.id in marked[0]
    alts = plan.alternatives
    assert sum(a.kind == "chosen" for a in alts) == 1
    # one row for each plan the explanations found: the runner-up path and the other way of sourcing
    said = plan.explanations
    assert sum(a.kind == "other_path" for a in alts) == sum(e.startswith("Runner-up path") for e in said)
    assert sum(a.kind == "other_sourcing" for a in alts) == sum(re.match(r"The best \S+ plan costs", e) is not None
                                                                 for e in said)
    chosen = next(a for a in alts if a.kind == "chosen")
    assert chosen.total_cost_usd == plan.total_cost_usd and chosen.end_day == plan.end_day
    # cost objective: the others are the optimum over a subset of the chosen plan's choices (one path
    # less, or one way of sourcing), so none is cheaper; the table is sorted by cost
    costs = [a.total_cost_usd for a in alts]
    assert costs == sorted(costs)
    for a in alts:
        assert a.delta_usd == pytest.approx(a.total_cost_usd - plan.total_cost_usd)
        assert a.delta_usd >= -1e-6 * plan.total_cost_usd
        assert a.kind != "other_path" or a.path_id != plan.path.id
        if a.kind == "other_sourcing":  # owned vs cloud-only, or (nothing to own) spot-free vs spot
            owned = {"owned", "held"}
            assert (a.source in owned) != (chosen.source in owned) or a.source != "spot" == chosen.source


def test_the_runner_up_row_is_the_runner_up_sentence():
    scenario, catalog = load_inputs(ROOT / "scenarios" / "enterprise_70b.yaml")
    plan = make_plan(scenario, catalog)
    sentence = next(e for e in plan.explanations if e.startswith("Runner-up path"))
    path_id, cost = re.match(r"Runner-up path '([^']+)' costs ([\d,]+) USD", sentence).groups()
    row = next(a for a in plan.alternatives if a.kind == "other_path")
    assert row.path_id == path_id and round(row.total_cost_usd) == int(cost.replace(",", ""))


def test_more_alternatives_in_json_each_excluding_the_paths_before():
    out = subprocess.run([PLAN, str(ROOT / "scenarios" / "distillation.yaml"), "--format", "json",
                          "--alternatives", "3"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    alts = json.loads(out.stdout)["alternatives"]
    others = [a for a in alts if a["kind"] == "other_path"]
    ids = [a["path_id"] for a in others]
    assert len(others) == 3 and len(set(ids)) == 3 and json.loads(out.stdout)["path"]["id"] not in ids
    # each later one is planned with more paths excluded, so it cannot be cheaper
    costs = [a["total_cost_usd"] for a in others]
    assert costs == sorted(costs)


def test_no_explain_has_no_table():
    scenario, catalog = load_inputs(ROOT / "scenarios" / "small_lab_finetune.yaml")
    plan = make_plan(scenario, catalog, explain=False)
    assert plan.alternatives == [] and "Alternatives" not in render(plan, "table")


def test_the_html_report_shows_the_table_too():
    from planner.report.html import html_report

    scenario, catalog = load_inputs(ROOT / "scenarios" / "university_cluster.yaml")
    plan = make_plan(scenario, catalog)
    page = html_report(plan, scenario, catalog)
    section = page[page.index("id='alternatives'"):]
    section = section[:section.index("</table>")]
    assert section.count("<tr>") == len(plan.alternatives) + 1 and section.count("✔") == 1


def test_adopted_weights_run_nothing_and_export_nothing():
    import planner
    from planner.catalog import load_catalog
    from planner.export_sky import export

    plan = planner.plan(ROOT / "scenarios" / "distillation.yaml", set={"policy.paths": ["adopt"]})
    assert plan.path.kind == "adopt" and plan.stages == []
    rows = render(plan, "table").split("Alternatives (")[1].splitlines()[2:]
    # chip, provider/region, source, nodes × GPUs and end are all '-' (nothing runs)
    assert rows and all(row.split().count("-") >= 5 for row in rows)
    tasks, handoff = export(plan, load_catalog())
    assert tasks == [] and handoff == [f"nothing to train: the plan adopts {plan.path.base} as released."]


def test_a_program_runner_up_ends_with_its_last_run():
    """enterprise_70b repeats its schedule 8 times; the chosen row ends with the last run, and so must
    the runner-up's row and sentence (they ended with the first run, 7 windows earlier)."""
    scenario, catalog = load_inputs(ROOT / "scenarios" / "enterprise_70b.yaml")
    plan = make_plan(scenario, catalog)
    row = next(a for a in plan.alternatives if a.kind == "other_path")
    later_windows = (scenario.program.runs - 1) * scenario.program.every_days
    assert scenario.program.runs == 8 and row.end_day > later_windows
    sentence = next(e for e in plan.explanations if e.startswith("Runner-up path"))
    assert sentence.endswith(f"ends on day {row.end_day:,.1f}.")


def test_a_row_shows_the_cluster_doing_most_of_the_work(monkeypatch):
    """A bought server's segment costs only its electricity, so the dearest segment is the wrong one
    to show: 80 % of the work on owned H100 and 20 % on rented TPUs is an H100 plan."""
    from types import SimpleNamespace as NS

    from planner import alternatives, compute

    def option(oid, chip, source, nodes):
        return NS(id=oid, chip=chip, provider="p", offer=oid, source=source, nodes=nodes, gpus=8 * nodes)

    owned, rented = option("buy:h100@x", "H100", "owned", 24), option("tpu", "tpu-v6e", "on_demand", 16)
    problem = NS(path=lambda _: NS(stages=[NS(name="pretrain", later=False, runs=1, options=[owned, rented])]),
                 later_runs_days=0.0)
    cand = NS(id="k", kind="scratch", stages=[NS(name="pretrain", workload="w")])
    sol = NS(path_id="k", end_day=10.0, total_cost_usd=5.0, segments=[
        NS(option=owned.id, stage="pretrain", fraction=0.8, cost_usd=1.0),
        NS(option=rented.id, stage="pretrain", fraction=0.2, cost_usd=4.0)])
    monkeypatch.setattr(compute, "stage_flops", lambda w: 1e21)
    monkeypatch.setattr(alternatives, "region", lambda offer, catalog: "r")
    row = alternatives.from_solution("other_path", sol, problem, cand, None, 1.0)
    assert (row.chip, row.source, row.nodes) == ("H100", "owned", 24)
