"""Print the compute model's fidelity tables (predicted vs published GPU-hours).

    .venv/bin/python benchmarks/fidelity.py           # print the tables
    .venv/bin/python benchmarks/fidelity.py --write   # also refresh them in docs/fidelity.md
    .venv/bin/python benchmarks/fidelity.py --collection 3   # re-score one held-out collection only

The tables come from planner.compute.fidelity: report_markdown predicts each scored fit run with
η fitted on the other fit runs (leave-one-out), against the constant-MFU rule fitted with
hindsight on all of them; holdout_markdown predicts the held-out runs with the current η table
(no refit) against the same rule fitted on the fit runs only; ratio_markdown compares, for each
model one stack measured on two chip families, the per-token GPU-hour ratio; then the MLPerf comparison and the
vendor throughput tables, scored unfitted (planner.compute.evidence). `--collection N` prints only
the held-out table of collection N (catalogs/holdout_collections.csv) at the current model: the
score of that collection on whatever model version is checked out.
"""

from __future__ import annotations

import sys
from pathlib import Path

from planner.catalog import default_catalog_dir, load_catalog
from planner.compute.evidence import (EVIDENCE_FILE, VENDOR_FILE, comparison_markdown, load_evidence,
                                     vendor_checks, vendor_markdown)
from planner.compute.fidelity import RUNS_FILE, holdout_markdown, load_runs, ratio_markdown, report_markdown
from planner.compute.mfu import EFFICIENCY

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "fidelity.md"


def replace_block(text: str, name: str, body: str) -> str:
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    head, rest = text.split(begin, 1)
    return f"{head}{begin}\n{body}\n{end}{rest.split(end, 1)[1]}"


def main(argv: list[str]) -> None:
    runs, chips = load_runs(default_catalog_dir() / RUNS_FILE), load_catalog().chips
    if "--collection" in argv:
        number = int(argv[argv.index("--collection") + 1])
        names = {run.name for run in runs if run.collection == number}
        print(holdout_markdown(runs, chips, EFFICIENCY, names))
        return
    tables, holdout = report_markdown(runs, chips), holdout_markdown(runs, chips, EFFICIENCY)
    mlperf = comparison_markdown(load_evidence(default_catalog_dir() / EVIDENCE_FILE), chips, EFFICIENCY)
    vendor = vendor_markdown(vendor_checks(load_evidence(default_catalog_dir() / VENDOR_FILE), chips, EFFICIENCY),
                             chips, EFFICIENCY)
    ratios = ratio_markdown(runs, chips, EFFICIENCY)
    print(tables, holdout, ratios, mlperf, vendor, sep="\n\n")
    if "--write" in argv:
        text = replace_block(DOC.read_text(encoding="utf-8"), "fidelity-tables", tables)
        text = replace_block(text, "holdout-tables", holdout)
        text = replace_block(text, "ratio-tables", ratios)
        text = replace_block(text, "mlperf-tables", mlperf)
        DOC.write_text(replace_block(text, "vendor-tables", vendor), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
