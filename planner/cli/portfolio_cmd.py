"""`plan portfolio ROADMAP`: one plan for several projects sharing bought and reserved capacity."""

from __future__ import annotations

import click

from planner.cli.run_cmd import distinct_files, output_path, refuse_unused


@click.command(name="portfolio")
@click.argument("portfolio_path", metavar="PORTFOLIO", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
              help="csv: the procurement lines only, for a procurement system.")
@click.option("--out", type=click.Path(dir_okay=False), callback=output_path, help="Write the output to this file.")
@click.option("--report", type=click.Path(dir_okay=False), callback=output_path,
              help="Also write an HTML page with the capacity over time, stacked by project.")
@click.option("--solver", type=click.Choice(["cbc", "highs", "ortools"]), default="cbc", show_default=True)
@click.option("--time-limit", type=click.FloatRange(min=0.01), default=None,
              help="Seconds per solve; a plan found by then is returned with its gap.")
@click.option("--method", type=click.Choice(["auto", "mip", "decompose"]), default="auto", show_default=True,
              help="mip: one MIP; decompose: capacity from the LP relaxation, then each project alone (with the "
                   "gap to the LP bound); auto: the MIP, decomposing if the time limit stops it without a plan.")
@click.option("--what-if", "with_what_if", is_flag=True,
              help="Also re-plan without each purchase (how much its price may rise) and without each project.")
@click.option("--server-price-factors", "price_factors", callback=lambda ctx, param, value: _factors(value),
              metavar="F1,F2,...", help="Also re-plan with every server's list price times each factor, e.g. "
                                        "0.75,1.25,1.5: which purchases change as hardware gets cheaper or dearer.")
@click.option("--no-compare", is_flag=True, help="Skip the rent-everything and own-everything plans.")
@click.option("--catalog", "catalog_dir", type=click.Path(file_okay=False))
def portfolio(portfolio_path, fmt, out, report, solver, time_limit, method, with_what_if, price_factors, no_compare,
              catalog_dir):
    """What to order or reserve, when, and for which projects of a roadmap; each project's plan.

    \b
    Examples:
      plan portfolio scenarios/portfolios/roadmap.yaml
      plan portfolio scenarios/portfolios/roadmap.yaml --format csv --out orders.csv
      plan portfolio scenarios/portfolios/roadmap.yaml --report roadmap.html
      plan portfolio scenarios/portfolios/roadmap.yaml --server-price-factors 0.75,1.25
    """
    import sys
    from pathlib import Path

    from planner.catalog import load_catalog
    from planner.errors import printable
    from planner.files import write_atomic
    from planner.portfolio import views
    from planner.portfolio.plan import plan_portfolio

    if fmt == "csv":  # the CSV holds the procurement lines only; the HTML page shows the comparisons
        refuse_unused({"with_what_if": "with --format csv (it holds the procurement lines only)",
                       "price_factors": "with --format csv (it holds the procurement lines only)",
                       **({} if report else {"no_compare": "with --format csv (it prints no comparison)"})})
    distinct_files(PORTFOLIO=portfolio_path, **{"--out": out, "--report": report})
    compare = not no_compare and (fmt != "csv" or report is not None)
    catalog = load_catalog(Path(catalog_dir) if catalog_dir else None)
    result = plan_portfolio(portfolio_path, catalog, solver=solver, time_limit_s=time_limit, compare=compare,
                            method=method, with_what_if=with_what_if, server_price_factors=price_factors)
    body = {"json": lambda: result.model_dump_json(indent=2), "csv": lambda: views.procurement_csv(result),
            "table": lambda: views.text(result)}[fmt]()
    if out:
        write_atomic(out, body if body.endswith("\n") else body + "\n", "--out")
    else:
        click.echo(body.rstrip("\n"))
    if report:
        write_atomic(report, views.html(result), "--report")
        click.echo(f"wrote {printable(report)}", err=True)
    if result.status in ("infeasible", "timeout"):  # no plan: the same exit code as `plan`
        sys.exit(3)


def _factors(value: str | None) -> tuple[float, ...]:
    """'0.75,1.25' -> (0.75, 1.25); each a finite number in (0, 10]."""
    if value is None:
        return ()
    try:
        factors = tuple(float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of numbers; e.g. 0.75,1.25") from None
    bad = [f for f in factors if not 0 < f <= 10]  # NaN fails both comparisons
    if bad or not factors:
        raise click.BadParameter(f"{value!r}: each factor must be in (0, 10], e.g. 0.75,1.25")
    return factors
