"""The `plan` command line.

`plan SCENARIO [OPTIONS]` plans a scenario; `plan estimate|catalog|candidates|share|frontier ...`
are subcommands. Each subcommand lives in its own module and imports heavy libraries lazily, so
`plan --help` stays fast. Bad input ends with one line on stderr and exit code 2.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from planner.errors import InputError, SolverFailure, printable

# subcommand name -> (module, attribute); imported only when used.
SUBCOMMANDS = {
    "run": ("planner.cli.run_cmd", "run"),
    "estimate": ("planner.cli.estimate_cmd", "estimate"),
    "catalog": ("planner.cli.catalog_cmd", "catalog"),
    "candidates": ("planner.cli.candidates_cmd", "candidates"),
    "share": ("planner.cli.share_cmd", "share"),
    "frontier": ("planner.cli.frontier_cmd", "frontier"),
    "schema": ("planner.cli.schema_cmd", "schema"),
    "export": ("planner.cli.export_cmd", "export"),
    "portfolio": ("planner.cli.portfolio_cmd", "portfolio"),
}


class PlanGroup(click.Group):
    """A group whose default command is `run`: `plan x.yaml` means `plan run x.yaml`."""

    def list_commands(self, ctx):
        return [name for name in SUBCOMMANDS if self._available(name)]

    def get_command(self, ctx, name):
        if name not in SUBCOMMANDS:
            return None
        module, attr = SUBCOMMANDS[name]
        try:
            return getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:  # a subcommand not built yet
            if exc.name == module:
                return None
            raise

    def _available(self, name):
        module = SUBCOMMANDS[name][0]
        return importlib.util.find_spec(module) is not None

    def parse_args(self, ctx, args):
        if args and not args[0].startswith("-") and args[0] not in SUBCOMMANDS:
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=PlanGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="llm-train-planner")
def cli():
    """Plan the cheapest way to get an LLM trained to a quality target, by a deadline, within a budget.

    \b
    Examples:
      plan scenarios/startup_7b.yaml                 # cheapest plan meeting target and deadline
      plan scenarios/startup_7b.yaml --budget 2e6    # override the budget (USD)
      plan estimate --params 70e9 --tokens 2e12 --chip A100-80GB --gpus 2048
      plan catalog list chips
      plan candidates scenarios/small_lab_finetune.yaml --format json
    """


def main(argv=None):
    """Entry point: run the CLI, turning bad input (and click's usage errors) into one line and
    exit code 2."""
    try:
        cli.main(args=argv, prog_name="plan", standalone_mode=False)
    except InputError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    except SolverFailure as exc:  # not bad input: exit 1, in one line
        click.echo(f"error: {printable(str(exc))}", err=True)
        sys.exit(1)
    except OSError as exc:  # e.g. a solver's temporary files on a full disk (outputs are InputErrors already)
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"error: {printable(where)}{exc.strerror or exc}. To fix: free disk space or check permissions "
                   "of the temporary folder ($TMPDIR) and the output folder", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.exceptions.ClickException as exc:  # usage errors (exit 2) and other click errors: one line
        command = exc.ctx.command_path if getattr(exc, "ctx", None) else "plan"
        hint = f" (see '{command} --help')" if isinstance(exc, click.UsageError) else ""
        click.echo(f"error: {printable(' '.join(exc.format_message().split()))}{hint}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    sys.exit(0)
