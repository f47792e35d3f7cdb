"""`plan frontier SCENARIO --vary deadline|budget|target`: the Pareto frontier by re-planning."""

from __future__ import annotations

import click

from planner.cli.run_cmd import (distinct_files, executor_options, finite, joint_scenario, output_path,
                                   progress_bar, scenario_sets, set_option)
from planner.errors import printable
from planner.limits import FRONTIER_POINTS_MAX


@click.command(name="frontier")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(dir_okay=False))
@click.option("--vary", type=click.Choice(["deadline", "budget", "target"]), required=True,
              help="deadline: cost vs deadline; budget: loss vs budget; target: cost vs target loss.")
@click.option("--points", type=click.IntRange(1, FRONTIER_POINTS_MAX), default=7, show_default=True, help="Values of the bound to plan at.")
@click.option("--min", "lo", type=float, callback=finite, help="Smallest value (default: a multiple of the scenario's, see docs).")
@click.option("--max", "hi", type=float, callback=finite, help="Largest value.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "plot"]), default="table", show_default=True,
              help="plot: a self-contained SVG chart.")
@click.option("--out", type=click.Path(dir_okay=False), callback=output_path, help="Write the output to this file instead of stdout.")
@click.option("--solver", type=click.Choice(["cbc", "highs", "ortools"]), default="cbc", show_default=True)
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(min=0, max=1e6), callback=finite,
              help="Stop each point's solve after S seconds (a point stopped before any plan shows as no plan).")
@executor_options
@click.option("--catalog", "catalog_dir", type=click.Path(file_okay=False), help="Use catalogs from this directory.")
@set_option
def frontier(scenario_path, sets, vary, points, lo, hi, fmt, out, solver, time_limit_s, executor, workers,
             ray_address, catalog_dir):
    """Re-plan SCENARIO over a range of one bound and show the trade-off, each point a full plan.

    Points where a more demanding bound does at least as well are flagged dominated: they are
    not on the frontier.

    \b
    Examples:
      plan frontier scenarios/startup_7b.yaml --vary deadline
      plan frontier scenarios/small_lab_finetune.yaml --vary budget --points 5 --format json
      plan frontier scenarios/enterprise_70b.yaml --vary deadline --min 200 --max 1460 --format plot --out f.svg
    """
    from planner.inputs import load_inputs
    from planner.report import write_atomic
    from planner.report.svg import frontier_svg
    from planner.tradeoffs.frontier import frontier as sweep

    distinct_files(SCENARIO=scenario_path, **{"--out": out})
    scenario, catalog = load_inputs(scenario_path, catalog_dir, scenario_sets(sets))
    scenario = joint_scenario(scenario, catalog)
    result = sweep(scenario, catalog, vary, points=points, lo=lo, hi=hi, solver=solver, executor=executor,
                   workers=workers, ray_address=ray_address, progress=progress_bar(f"{vary} frontier points"),
                   time_limit_s=time_limit_s)
    if fmt == "json":
        text = result.model_dump_json(indent=2)
    elif fmt == "plot":
        text = frontier_svg(result, standalone=True)
    else:
        text = table(result)
    if out:
        write_atomic(out, text, "--out")
        click.echo(f"wrote {printable(out)}", err=True)
    else:
        click.echo(text)


def table(result) -> str:
    """The frontier as text: one row per point, dominated and no-plan points marked."""
    from planner.units import at

    outcome = "loss" if result.objective == "quality" else "cost USD"
    rows = [[result.vary, outcome, "ends", "status", "plan"]]
    for p in result.points:
        y = getattr(p, result.outcome)
        mark = "no plan" if y is None else ("dominated" if p.dominated else "frontier")
        rows.append([f"{p.value:,.4g}" if result.vary == "target" else f"{p.value:,.0f}",
                     "-" if y is None else (f"{y:.4f}" if result.objective == "quality" else f"{y:,.0f}"),
                     "-" if p.end_day is None else at(p.end_day), mark + (" (over budget)" if result.over_budget(p) else ""),
                     p.summary])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    head = (f"{result.scenario}: {'best loss' if result.objective == 'quality' else 'cheapest plan'} for each "
            f"{result.vary}; a point is dominated when a more demanding {result.vary} does as well.")
    return "\n".join([head, ""] + ["  ".join(x.ljust(w) for x, w in zip(r, widths)) + "  " + r[-1] for r in rows])
