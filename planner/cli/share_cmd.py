"""`plan share SCENARIO`: split a consortium's joint training cost among its members."""

from __future__ import annotations

import click

from planner.cli.run_cmd import executor_options, progress_bar, refuse_unused, scenario_sets, set_option
from planner.limits import COALITION_PLANS_MAX, SAMPLES_MAX


@click.command(name="share")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(dir_okay=False))
@click.option("--method", type=click.Choice(["shapley", "nucleolus", "least-core"]), default="shapley",
              show_default=True, help="Allocation rule.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--solver", type=click.Choice(["cbc", "highs", "ortools"]), default="cbc", show_default=True)
@executor_options
@click.option("--samples", type=click.IntRange(1, SAMPLES_MAX), default=200, show_default=True,
              help="Sampled permutations for Shapley beyond 12 members.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the sampled permutations.")
@click.option("--catalog", "catalog_dir", type=click.Path(file_okay=False))
@set_option
def share(scenario_path, sets, method, fmt, solver, executor, workers, ray_address, samples, seed, catalog_dir):
    """Who pays what in a consortium: Shapley value, nucleolus or least core, with a core check.

    \b
    Examples:
      plan share scenarios/consortium_health.yaml
      plan share scenarios/consortium_health.yaml --method nucleolus --format json
      plan share scenarios/consortium_10.yaml --workers 2
    """
    from planner.consortium.share import EXACT_LIMIT
    from planner.consortium.share import share as run_share
    from planner.errors import InputError
    from planner.inputs import load_inputs

    if method != "shapley":
        refuse_unused({name: f"with --method {method} (it samples no permutations)" for name in ("samples", "seed")})
    scenario, catalog = load_inputs(scenario_path, catalog_dir, scenario_sets(sets))
    n = len(scenario.members)
    if n <= EXACT_LIMIT:
        refuse_unused({name: f"with {n} members (every coalition is planned; sampling starts above {EXACT_LIMIT})"
                       for name in ("samples", "seed")})
    elif samples * n > COALITION_PLANS_MAX:
        raise InputError(f"--samples {samples}", f"with {n} members could need {samples * n:,} coalition plans, "
                         f"above the limit of {COALITION_PLANS_MAX:,}", f"give --samples {COALITION_PLANS_MAX // n} or fewer")

    # Coalitions facing the same scenario share one plan, so this counts distinct plans.
    progress = progress_bar("coalition plans") if fmt == "table" else None
    result = run_share(scenario, catalog, method=method, solver=solver, executor=executor, workers=workers,
                       ray_address=ray_address, samples=samples, seed=seed, progress=progress)
    if fmt == "json":
        click.echo(result.model_dump_json(indent=2))
        return
    usd = lambda x: "-" if x is None else f"${x:,.0f}"  # noqa: E731
    click.echo(f"Grand coalition cost {usd(result.grand_coalition_cost_usd)} ({result.method}; "
               f"{result.coalitions_solved} coalitions solved)")
    rows = [["member", "alone", "allocated", "saving", "saving %", "budget"]]
    for m in result.members:
        rows.append([m.name, usd(m.standalone_cost_usd),
                     usd(m.allocated_usd) + (f" ±{m.ci95_usd:,.0f}" if m.ci95_usd else ""),
                     usd(m.saving_usd), "-" if m.saving_pct is None else f"{m.saving_pct:.1f}%", usd(m.budget_usd)])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(x.ljust(w) for x, w in zip(r, widths)))
    if result.in_core is None:
        click.echo("Core check skipped (too many members to enumerate every coalition).")
    elif result.in_core:
        click.echo("Stable: the allocation is in the core (no group of members would pay less on its own).")
    else:
        b = result.blocking_coalition
        click.echo(f"Not stable: {', '.join(b.members)} would save {usd(b.saves_usd)} by leaving.")
    for m in result.members:
        if m.within_budget is False:
            hint = (" Shapley does not take budget caps; --method nucleolus or least-core respect "
                    "cap_share_at_budget where the costs allow it." if result.method == "shapley" else "")
            click.echo(f"Over budget: {m.name} is allocated {usd(m.allocated_usd)}, above its budget of "
                       f"{usd(m.budget_usd)}.{hint}")
