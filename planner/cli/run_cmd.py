"""`plan SCENARIO`: solve a scenario and print the plan."""

from __future__ import annotations

import sys

import click


@click.command(name="run")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(dir_okay=False))
@click.option("--budget", "budget_usd", type=float, help="Budget cap in USD (overrides the scenario), e.g. 2e6.")
@click.option("--deadline", "deadline_days", type=float, help="Deadline in days from today (overrides the scenario).")
@click.option("--target-loss", type=float, help="Target loss in nats/token under the planner's law, e.g. 2.05.")
@click.option("--target-like", help="Reach at least the quality of this open model, e.g. llama-2-70b.")
@click.option("--program-runs", type=int, help="Times the training is repeated before the deadline.")
@click.option("--objective", type=click.Choice(["cost", "quality", "time"]),
              help="cost: cheapest plan meeting target and deadline (default); quality: best loss within "
                   "budget and deadline; time: earliest finish within budget.")
@click.option("--solver", type=click.Choice(["cbc", "highs", "ortools"]), default="cbc", show_default=True)
@click.option("--time-limit", "time_limit_s", type=float, help="Stop after S seconds with the best plan and its gap.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write the output to this file instead of stdout.")
@click.option("--report", type=click.Path(dir_okay=False), help="Also write a self-contained HTML report here.")
@click.option("--write-lp", type=click.Path(dir_okay=False), help="Write the MIP as an LP file (for debugging).")
@click.option("--catalog", "catalog_dir", type=click.Path(file_okay=False), help="Use catalogs from this directory.")
def run(scenario_path, fmt, out, report, write_lp, catalog_dir, solver, time_limit_s, **overrides):
    """Plan SCENARIO: which path, chips, rented or bought, how many nodes and when.

    \b
    Examples:
      plan scenarios/startup_7b.yaml
      plan scenarios/startup_7b.yaml --budget 2e6 --format json
      plan scenarios/enterprise_70b.yaml --program-runs 1 --deadline 180
      plan scenarios/small_lab_finetune.yaml --objective quality --solver highs

    Exit codes: 0 a plan was found; 2 bad input; 3 no plan exists (the smallest changes that
    would make one are printed).
    """
    from planner.inputs import load_inputs
    from planner.planning import make_plan
    from planner.report import render, write_atomic
    from planner.scenario import with_overrides

    scenario, catalog = load_inputs(scenario_path, catalog_dir)
    scenario = with_overrides(scenario, **overrides)
    if scenario.members:  # a consortium: plan the joint training of all members (`plan share` splits its cost)
        from planner.consortium.coalition import coalition_scenario, member_target_losses

        everyone = range(len(scenario.members))
        scenario = coalition_scenario(scenario, everyone, member_target_losses(scenario, catalog))
    plan = make_plan(scenario, catalog, solver=solver, time_limit_s=time_limit_s, write_lp=write_lp,
                     progress=lambda msg: click.echo(msg, err=True) if fmt == "table" and not out else None)
    text = render(plan, fmt)
    if out:
        write_atomic(out, text)
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text)
    if report:
        from planner.report.html import html_report

        write_atomic(report, html_report(plan, scenario, catalog))
        click.echo(f"wrote {report}", err=True)
    if plan.status == "infeasible":
        sys.exit(3)
