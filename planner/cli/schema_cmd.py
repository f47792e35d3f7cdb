"""`plan schema [NAME]`: the JSON Schema of a JSON output (plan, frontier, ...) or of the scenario."""

from __future__ import annotations

import click

NAMES = ["plan", "frontier", "share", "estimate", "candidates", "catalog", "scenario", "portfolio", "portfolio-input"]


@click.command(name="schema")
@click.argument("name", required=False, type=click.Choice(NAMES))
def schema(name):
    """Print the JSON Schema of NAME's JSON output, or of a scenario; without NAME, list them.

    The same schemas are committed under docs/schema/, so a script can validate the output of
    any command against them.

    \b
    Examples:
      plan schema                 # the schemas and what produces each
      plan schema plan            # of `plan SCENARIO --format json`
      plan schema scenario        # of a scenario file
    """
    from planner.schemas import MODELS, schema_text

    if name is None:
        click.echo("\n".join(f"{n:<15} docs/schema/{n}.json  ({MODELS[n][1]})" for n in NAMES))
        return
    click.echo(schema_text(name), nl=False)
