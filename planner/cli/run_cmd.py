"""`plan SCENARIO`: solve a scenario and print the plan; optionally plan robustly, analyse risk and
sensitivity, and write the HTML report."""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from planner.limits import DRAWS_MAX, FRONTIER_POINTS_MAX


def progress_bar(label: str) -> Callable[[int, int], None]:
    """A run_all progress callback drawing `label [#####.....] done/total` on stderr; when stderr
    is not a terminal (a log file, CI), one plain line per tenth done instead of redrawing."""
    drawn = sys.stderr.isatty()
    shown = set()

    def tick(done: int, total: int) -> None:
        if drawn:
            filled = round(24 * done / max(total, 1))
            click.echo(f"\r{label} [{'#' * filled}{'.' * (24 - filled)}] {done}/{total}", err=True, nl=done >= total)
            return
        tenth = 10 * done // max(total, 1)
        if tenth not in shown:
            shown.add(tenth)
            click.echo(f"{label}: {done}/{total}", err=True)

    return tick


def joint_scenario(scenario, catalog):
    """A consortium scenario becomes the joint training of all members (`plan share` splits its cost)."""
    if not scenario.members:
        return scenario
    from planner.consortium.coalition import coalition_scenario, member_target_losses

    return coalition_scenario(scenario, range(len(scenario.members)), member_target_losses(scenario, catalog))


def finite(ctx, param, value):
    """Refuse nan and ±inf for a float option (click's FloatRange lets nan through)."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number", param=param)
    return value


def output_path(ctx, param, value):
    """An output file must be absent or a regular file (symlinks followed) in an existing, writable
    folder: checked while parsing, so a bad path stops the command (exit 2) before any work and
    before any other output is written (planner.files states the write rules)."""
    if value is None:
        return value
    from planner.errors import InputError
    from planner.files import output_target

    try:
        target = output_target(value, param.opts[0])
    except InputError as exc:
        raise click.BadParameter(f"{exc.problem}; {exc.fix}", param=param) from None
    if not os.access(target.parent, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise click.BadParameter(f"{value} cannot be written here (permission denied)", param=param)
    return value


def distinct_files(**paths) -> None:
    """Refuse two outputs, or an output and an input, that are the same file (one would replace
    the other); paths: option name -> path or None."""
    from planner.errors import InputError

    seen: dict[str, str] = {}
    for option, path in paths.items():
        if path is None:
            continue
        key = os.path.realpath(path)
        if key in seen:
            raise InputError(f"{option} {path}", f"is the same file as {seen[key]}", "choose different files")
        seen[key] = option


def set_option(f):
    """--set KEY=VALUE (repeatable): change any scenario field, checked as the file is."""
    return click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
                        help="Change a scenario field, e.g. --set policy.spot_allowed=false --set "
                             "data.unique_tokens=2e12 (values read as YAML; repeatable).")(f)


def scenario_sets(sets) -> dict:
    """The --set values as {dotted key: value}."""
    from planner.overrides import parse_sets

    return parse_sets(sets)


def refuse_unused(flags: dict[str, str]) -> None:
    """Refuse a flag given on the command line that the command would ignore; flags: parameter name
    -> why it has no effect here (only the ones that do not apply are passed)."""
    from click.core import ParameterSource

    from planner.errors import InputError

    ctx = click.get_current_context()
    for name, why in flags.items():
        if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            option = next(p for p in ctx.command.params if p.name == name).opts[0]
            raise InputError(option, f"has no effect {why}", f"drop {option}, or add what it needs")


def consortium_overrides(scenario, scenario_path: str, overrides: dict) -> None:
    """Refuse --budget/--deadline/--target-* that a consortium's joint scenario would ignore: its
    budget is the members' budgets and cash, its deadline the earliest member deadline, its target
    the most demanding member target (planner.consortium.coalition)."""
    if not scenario.members:
        return
    ignored = {"budget_usd": True,
               "deadline_days": all(m.deadline_days is not None for m in scenario.members),
               "target_loss": any(not m.target.empty for m in scenario.members)}
    ignored["target_like"] = ignored["target_loss"]
    refuse_unused({name: f"on the consortium scenario {scenario_path}: the members' own budget_usd, "
                         f"brings_cash_usd, deadline_days and target set it (edit them in the file)"
                   for name, skip in ignored.items() if skip and overrides.get(name) is not None})


def executor_options(f):
    """--executor, --workers, --ray-address: where sweeps, re-plans and Monte Carlo draws run."""
    command = f

    @functools.wraps(command)
    def checked(*args, **kwargs):
        if kwargs.get("ray_address") and kwargs.get("executor") != "ray":
            raise click.UsageError("--ray-address needs --executor ray (it would be ignored)")
        return command(*args, **kwargs)

    f = click.option("--ray-address", help="Address of a running Ray cluster (with --executor ray).")(checked)
    f = click.option("--workers", type=click.IntRange(min=1),
                     help="Local worker processes (default: one per core).")(f)
    return click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
                        help="Where re-plans and draws run: local processes, or a Ray cluster.")(f)


@click.command(name="run")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(dir_okay=False))
@click.option("--budget", "budget_usd", type=float, help="Budget cap in USD (overrides the scenario), e.g. 2e6.")
@click.option("--deadline", "deadline_days", type=float, help="Deadline in days from today (overrides the scenario).")
@click.option("--target-loss", type=float, help="Target loss in nats/token under the planner's law, e.g. 2.05.")
@click.option("--target-like", help="Reach at least the quality of this open model, e.g. llama-2-70b.")
@click.option("--program-runs", type=int, help="Training runs in the program (overrides program.runs).")
@click.option("--every-days", type=float, help="Days between run windows (overrides program.every_days).")
@click.option("--objective", type=click.Choice(["cost", "quality", "time"]),
              help="cost: cheapest plan meeting target and deadline (default); quality: best loss within "
                   "budget and deadline; time: earliest finish within budget.")
@click.option("--solver", type=click.Choice(["cbc", "highs", "ortools"]), default="cbc", show_default=True)
@click.option("--time-limit", "time_limit_s", type=click.FloatRange(min=0, max=1e6), callback=finite,
              help="Stop each solve after S seconds with the best plan and its gap: the plan, the two explanation "
                   "re-plans (--no-explain for one solve), the re-plans that diagnose an impossible request, and "
                   "the sensitivity and report re-plans.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), callback=output_path, help="Write the output to this file instead of stdout.")
@click.option("--explain/--no-explain", default=True, show_default=True,
              help="Explain the choice with the runner-up path and the other way of sourcing (two more plans).")
@click.option("--alternatives", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="Other paths in the alternatives table (text and JSON); beyond 1, one more solve each.")
@click.option("--report", type=click.Path(dir_okay=False), callback=output_path,
              help="Also write a self-contained HTML report here (adds a deadline frontier and a risk analysis).")
@click.option("--robust", type=float, metavar="P",
              help="Plan against the P-th percentile of MFU, failure rate, prices and lead times, e.g. 0.9.")
@click.option("--risk", "with_risk", is_flag=True, help="Monte Carlo the plan; its summary joins the explanations.")
@click.option("--sensitivity", "with_sensitivity", is_flag=True,
              help="Find how far each input can move before the decision changes (re-plans; joins the explanations).")
@click.option("--draws", type=click.IntRange(1, DRAWS_MAX), default=500, show_default=True, help="Monte Carlo draws (--risk, --report).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Monte Carlo seed.")
@click.option("--report-points", type=click.IntRange(1, FRONTIER_POINTS_MAX), default=6, show_default=True, help="Deadline frontier points in --report.")
@executor_options
@click.option("--write-lp", type=click.Path(dir_okay=False), callback=output_path, help="Write the MIP as an LP file (for debugging).")
@click.option("--catalog", "catalog_dir", type=click.Path(file_okay=False), help="Use catalogs from this directory.")
@set_option
def run(scenario_path, sets, fmt, out, explain, alternatives, report, robust, with_risk, with_sensitivity, draws, seed, report_points, executor,
        workers, ray_address, write_lp, catalog_dir, solver, time_limit_s, **overrides):
    """Plan SCENARIO: which path, chips, rented or bought, how many nodes and when.

    \b
    Examples:
      plan scenarios/startup_7b.yaml
      plan scenarios/startup_7b.yaml --budget 2e6 --format json
      plan scenarios/startup_7b.yaml --format json --no-explain
      plan scenarios/enterprise_70b.yaml --program-runs 1 --deadline 180
      plan scenarios/small_lab_finetune.yaml --set policy.spot_allowed=false --set "policy.providers=[AWS, Lambda]"
      plan scenarios/small_lab_finetune.yaml --objective quality --solver highs
      plan scenarios/enterprise_70b.yaml --robust 0.9 --sensitivity --report plan.html

    Exit codes: 0 a plan was found; 2 bad input; 3 no plan exists (the smallest changes that
    would make one are printed).
    """
    from planner.errors import printable
    from planner.inputs import load_inputs
    from planner.planning import make_plan
    from planner.report import render, write_atomic
    from planner.scenario import with_overrides
    from planner.tradeoffs.perturb import Multipliers

    distinct_files(SCENARIO=scenario_path, **{"--out": out, "--report": report, "--write-lp": write_lp})
    parallel = with_sensitivity or with_risk or report
    refuse_unused({**({} if with_risk or report else {"draws": "without --risk or --report", "seed": "without --risk or --report"}),
                   **({} if report else {"report_points": "without --report"}),
                   **({} if parallel else {name: "without --sensitivity, --risk or --report (nothing runs in workers)"
                                           for name in ("executor", "workers", "ray_address")})})
    scenario, catalog = load_inputs(scenario_path, catalog_dir, scenario_sets(sets))
    consortium_overrides(scenario, scenario_path, overrides)
    scenario = joint_scenario(with_overrides(scenario, **overrides), catalog)
    say = (lambda msg: click.echo(msg, err=True)) if fmt == "table" and not out else None
    base = Multipliers()
    if robust is not None:
        from planner.tradeoffs.risk import robust_multipliers, robust_plan

        base = robust_multipliers(robust)
        plan = robust_plan(scenario, catalog, robust, solver=solver, time_limit_s=time_limit_s, write_lp=write_lp,
                           explain=explain, progress=say, alternatives=alternatives)
    else:
        plan = make_plan(scenario, catalog, solver=solver, time_limit_s=time_limit_s, write_lp=write_lp,
                         explain=explain, progress=say, alternatives=alternatives)
    where = dict(executor=executor, workers=workers, ray_address=ray_address)
    sens = risk_result = None
    if plan.status != "infeasible":
        if with_sensitivity:
            from planner.tradeoffs.sensitivity import sensitivity

            sens = sensitivity(plan, scenario, catalog, base=base, solver=solver, time_limit_s=time_limit_s,
                               progress=progress_bar("sensitivity re-plans"), **where)
            plan.explanations.extend(t.message for t in sens.thresholds if t.changes_at is not None)
        if with_risk or report:
            from planner.tradeoffs.risk import risk, summary_line

            risk_result = risk(plan, scenario, catalog, draws=draws, seed=seed,
                               progress=progress_bar(f"Monte Carlo batches ({draws} draws)"), **where)
            if with_risk:
                plan.explanations.append(summary_line(risk_result))
    text = render(plan, fmt)
    if out:
        write_atomic(out, text, "--out")
        click.echo(f"wrote {printable(out)}", err=True)
    else:
        click.echo(text)
    if report:
        from planner.report.html import html_report
        from planner.tradeoffs.frontier import frontier
        from planner.tradeoffs.sensitivity import breakeven

        curve = frontier(scenario, catalog, "deadline", points=report_points, base=base, solver=solver,
                         time_limit_s=time_limit_s, progress=progress_bar("deadline frontier points"), **where)
        page = html_report(plan, scenario, catalog, frontier=curve, risk=risk_result, sensitivity=sens,
                           breakeven=breakeven(plan, scenario, catalog) if plan.status != "infeasible" else None)
        write_atomic(report, page, "--report")
        click.echo(f"wrote {printable(report)}", err=True)
    if plan.status == "infeasible":
        sys.exit(3)
