"""`plan export sky PLAN.json`: a saved plan as SkyPilot task files, ready for `sky launch`."""

from __future__ import annotations

from pathlib import Path

import click


@click.group(name="export")
def export():
    """Turn a saved plan (plan SCENARIO --format json --out PLAN.json) into launchable files."""


@export.command(name="sky")
@click.argument("plan_path", metavar="PLAN.json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write one task YAML per rented segment here (created if missing). Default: print them.")
@click.option("--catalog", "catalog_dir", type=click.Path(file_okay=False), help="The catalog the plan was made with.")
def sky(plan_path, out_dir, catalog_dir):
    """One SkyPilot task YAML per rented segment (accelerators, nodes, spot, cloud and region; a
    placeholder run: to fill in); segments on bought or held servers are listed as a hand-off.

    \b
    Examples:
      plan scenarios/startup_7b.yaml --format json --out plan.json
      plan export sky plan.json --out-dir sky/
      sky launch sky/01-sft-gcp-spot.yaml     # after filling in run:
    """
    from pydantic import ValidationError

    from planner.catalog import load_catalog
    from planner.errors import InputError, pydantic_errors
    from planner.export_sky import export as to_sky
    from planner.results import Plan
    from planner.report import write_atomic

    try:
        plan = Plan.model_validate_json(plan_path.read_bytes())
    except ValidationError as exc:
        raise pydantic_errors(str(plan_path), exc) from None
    tasks, handoff = to_sky(plan, load_catalog(Path(catalog_dir) if catalog_dir else None))
    if out_dir is not None:
        if out_dir.exists() and not out_dir.is_dir():
            raise InputError(f"--out-dir {out_dir}", "is a file", "give a folder")
        out_dir.mkdir(parents=True, exist_ok=True)
        for task in tasks:
            write_atomic(out_dir / task.filename, task.text)
            click.echo(f"wrote {out_dir / task.filename}", err=True)
    else:
        click.echo("---\n".join(task.text for task in tasks), nl=False)
    if not tasks:
        click.echo("No rented segment: nothing for SkyPilot to launch.", err=True)
    for line in handoff:
        click.echo(f"hand-off: {line}", err=True)
