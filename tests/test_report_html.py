"""The HTML report: self-contained, its figures equal the plan's JSON, and it renders in Chromium."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.inputs import load_inputs
from planner.planning import make_plan
from planner.report.html import html_report
from planner.tradeoffs.frontier import frontier
from planner.tradeoffs.risk import risk
from planner.tradeoffs.sensitivity import Factor, sensitivity

ROOT = Path(__file__).resolve().parents[1]
UNIVERSITY = ROOT / "scenarios" / "university_cluster.yaml"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
FIELD = re.compile(r"""data-field=["']([^"']+)["'] data-value=["']([^"']+)["']""")


@pytest.fixture(scope="module")
def report():
    scenario, catalog = load_inputs(UNIVERSITY)
    plan = make_plan(scenario, catalog)
    sens = sensitivity(plan, scenario, catalog, steps=2, workers=2,
                       factors=[Factor(id="electricity", label="electricity prices", low=0.25, high=4.0)])
    page = html_report(plan, scenario, catalog, frontier=frontier(scenario, catalog, "deadline", values=[0.5, 30, 90]),
                       risk=risk(plan, scenario, catalog, draws=60, workers=1), sensitivity=sens)
    return plan, page


def _figures(page: str) -> dict[str, float]:
    return {k: float(v) for k, v in FIELD.findall(page)}


def _expected(plan) -> dict[str, float]:
    data = json.loads(plan.model_dump_json())
    out = {k: data[k] for k in ("total_cost_usd", "end_day", "predicted_loss", "energy_mwh", "tco2e")}
    out.update({f"cost_breakdown_usd.{k}": v for k, v in data["cost_breakdown_usd"].items() if abs(v) >= 0.005})
    return out


def test_page_is_self_contained(report):
    _, page = report
    assert page.startswith("<!DOCTYPE html>")
    for pattern in (r"<script", r"<link", r"\s(src|href)\s*=", r"url\(", r"@import", r"<iframe", r"<img"):
        assert not re.search(pattern, page, re.I), pattern
    for section in ("The plan", "Cost breakdown", "Schedule and procurement", "Trade-off: cost against deadline",
                    "Risk", "Sensitivity and break-even", "Assumptions and sources"):
        assert re.search(f"<h2[^>]*>{section}<", page), section
    assert page.count("<svg") == 4  # Gantt, frontier, two histograms
    assert "Uptime Institute" in page and "2023-12" in page  # the site row's source and date are cited


def test_figures_equal_the_plan_json(report):
    plan, page = report
    figures = _figures(page)
    expected = _expected(plan)
    assert {k: figures[k] for k in expected} == expected
    items = sum(v for k, v in figures.items() if k.startswith("cost_breakdown_usd."))
    assert items == pytest.approx(plan.total_cost_usd)


def test_infeasible_plan_still_reports_why():
    scenario, catalog = load_inputs(UNIVERSITY)
    plan = make_plan(scenario.model_copy(update={"deadline_days": 0.01}), catalog, explain=False)
    page = html_report(plan, scenario, catalog)
    assert plan.status == "infeasible" and "extend the deadline" in page and "data-value" not in page


def test_cli_writes_the_report(tmp_path):
    out = tmp_path / "plan.html"
    result = CliRunner().invoke(cli, [str(UNIVERSITY), "--report", str(out), "--draws", "40", "--report-points", "2",
                                      "--risk", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert any(e.startswith("Monte Carlo (40 draws") for e in plan["explanations"])
    page = out.read_text()
    assert _figures(page)["total_cost_usd"] == plan["total_cost_usd"]
    assert "Trade-off: cost against deadline" in page and "Risk" in page


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH or at /usr/bin/chromium (.ci/run installs Debian's)")
def test_renders_in_headless_chromium(report, tmp_path):
    plan, page = report
    html = tmp_path / "report.html"
    html.write_text(page)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    run = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0", "--window-size=1100,2600",
         f"--screenshot={shot}", "--dump-dom", html.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == []
    figures = _figures(run.stdout)
    expected = _expected(plan)
    assert {k: figures[k] for k in expected} == expected
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one


def test_small_figures_in_the_text_views_keep_two_significant_digits():
    """A LoRA job of minutes ends on day 0.0091, not '0.0'."""
    from planner.report import _num

    assert [_num(x) for x in (0.0, 0.0091, 0.1, 12_345.67)] == ["0.0", "0.0091", "0.1", "12,345.7"]
