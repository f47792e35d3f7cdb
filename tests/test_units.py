"""Readable units: durations under a day in hours or minutes, 'nodes × GPUs', targets in words,
progress counters that count what they say, and a light `plan --help`."""

import subprocess
import sys
from pathlib import Path

from planner.inputs import load_inputs
from planner.planning import make_plan
from planner.report import render
from planner.units import at, duration, ends, target_words

ROOT = Path(__file__).resolve().parents[1]
PLAN = str(Path(sys.executable).with_name("plan"))
LAB = ROOT / "scenarios" / "small_lab_finetune.yaml"


def test_durations_by_hand():
    # 0.0091 days × 1440 = 13.1 minutes; 0.25 days × 24 = 6 hours
    assert duration(0.0091) == "13 minutes" and duration(0.25) == "6 hours" and duration(12.5) == "12.5 days"
    assert ends(0.0091) == "after 13 minutes" and ends(59.12) == "day 59.1"
    assert at(0.0) == "0 min" and at(0.25) == "6 h" and at(1.0) == "day 1.0"


def test_targets_in_words():
    assert target_words({"like": "llama-2-7b"}, 2.0647) == "as good as llama-2-7b (loss 2.0647)"
    assert target_words({"benchmark": {"name": "mmlu", "score": 0.65}}, 1.9) == "mmlu score 0.65 (loss 1.9000)"
    assert target_words({"loss": 2.1}, 2.1) == "loss 2.1000" and target_words({}, None).startswith("none")


def test_a_job_of_minutes_reads_in_minutes_everywhere():
    # the small lab's LoRA with its labels already in hand: the whole plan takes minutes
    scenario, catalog = load_inputs(LAB, sets={"data.labelling_lead_time_days": 0,
                                               "data.labelling_examples_per_day": None,
                                               "data.labelled_examples_needed": 0})
    plan = make_plan(scenario, catalog)
    assert plan.end_day < 1
    for fmt in ("table", "markdown"):
        text = render(plan, fmt)
        assert "day 0.0" not in text and "ends after" in text and "nodes × GPUs" in text
        assert "{'" not in text  # no Python dict
    runner_up = next(e for e in plan.explanations if e.startswith("Runner-up"))
    assert "ends after" in runner_up and "minutes" in runner_up

    from planner.report.html import html_report
    page = html_report(plan, scenario, catalog)
    assert "nodes × GPUs" in page and "{&#x27;" not in page and "{'" not in page


def test_the_headline_states_the_target_in_words():
    scenario, catalog = load_inputs(LAB)
    text = render(make_plan(scenario, catalog, explain=False), "table")
    assert "target as good as llama-3-8b (loss " in text.splitlines()[0]


def test_frontier_progress_counts_points():
    out = subprocess.run([PLAN, "frontier", str(LAB), "--vary", "deadline", "--points", "3"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and "deadline frontier points: 3/3" in out.stderr


def test_help_imports_no_heavy_module():
    code = ("import sys\nfrom planner.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'pulp', 'highspy', 'ortools', 'pydantic', 'yaml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_catalog_tables_spelled_out_for_help_match_the_catalog():
    from planner.catalog import FILES
    from planner.cli.catalog_cmd import TABLES

    assert TABLES == list(FILES)
