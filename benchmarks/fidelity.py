"""Print the compute model's fidelity tables (predicted vs published GPU-hours).

    .venv/bin/python benchmarks/fidelity.py           # print the tables
    .venv/bin/python benchmarks/fidelity.py --write   # also refresh them in docs/fidelity.md

Besides the model's own tables (planner.compute.fidelity.report_markdown), it evaluates the
calibration variants that were considered, so docs/fidelity.md can show what each would give.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
from pathlib import Path

from planner.catalog import default_catalog_dir, load_catalog
from planner.compute.fidelity import RUNS_FILE, assign_split, implied_base_mfu, load_runs, report_markdown
from planner.compute.mfu import chip_family

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "fidelity.md"
ESTIMATORS = {"geometric mean": statistics.geometric_mean, "median": statistics.median}


def variant_errors(runs, chips, estimator, per_family: bool) -> tuple[float, float]:
    """(held-out, leave-one-out) median |error| for one way of turning runs into a base MFU."""
    scored = [r for r in runs if r.scored]
    split = assign_split(runs, chips)
    implied = {r.name: implied_base_mfu(r, chips[r.chip]) for r in scored}
    family = {r.name: chip_family(chips[r.chip]) for r in scored}

    def error(run, fitted_on):
        same = [implied[n] for n in fitted_on if family[n] == family[run.name]]
        base = estimator(same if per_family and same else [implied[n] for n in fitted_on])
        return abs(implied[run.name] / base - 1.0)

    calibration = [r.name for r in scored if split[r.name] == "calibration"]
    held_out = statistics.median(error(r, calibration) for r in scored if split[r.name] == "held_out")
    leave_one_out = statistics.median(error(r, [o.name for o in scored if o is not r]) for r in scored)
    return held_out, leave_one_out


def variants_markdown(runs, chips) -> str:
    everything_wall_clock = [dataclasses.replace(r, hours_basis="wall_clock") if r.hours_basis else r for r in runs]
    lines = ["| hours compared as | estimator | base per | held-out | leave-one-out |", "|---|---|---|---:|---:|"]
    for basis, data in (("stated basis", runs), ("all wall-clock", everything_wall_clock)):
        for name, estimator in ESTIMATORS.items():
            for per_family in (True, False):
                held, loo = variant_errors(data, chips, estimator, per_family)
                chosen = " (model)" if basis == "stated basis" and per_family and name == "geometric mean" else ""
                lines.append(f"| {basis}{chosen} | {name} | {'family' if per_family else 'all chips'} | "
                             f"{held:.1%} | {loo:.1%} |")
    return "\n".join(lines)


def replace_block(text: str, name: str, body: str) -> str:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    head, rest = text.split(begin, 1)
    return f"{head}{begin}\n{body}\n{end}{rest.split(end, 1)[1]}"


def main(argv: list[str]) -> None:
    runs, chips = load_runs(default_catalog_dir() / RUNS_FILE), load_catalog().chips
    tables, variants = report_markdown(runs, chips), variants_markdown(runs, chips)
    print(tables, variants, sep="\n\n")
    if "--write" in argv:
        text = replace_block(DOC.read_text(encoding="utf-8"), "fidelity-tables", tables)
        DOC.write_text(replace_block(text, "fidelity-variants", variants), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
