"""The compute model against published training runs (docs/fidelity.md)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from planner.catalog import default_catalog_dir, load_catalog
from planner.compute import fidelity
from planner.compute.mfu import BASE_MFU, UNCALIBRATED_BASE_MFU

CHIPS = load_catalog().chips
RUNS = fidelity.load_runs(default_catalog_dir() / fidelity.RUNS_FILE)
DOC = Path(__file__).resolve().parents[1] / "docs" / "fidelity.md"

# The held-out median |error| measured when the constants were set (docs/fidelity.md: 15.5 %),
# with a little room for rounding. The project's aim was 15 %.
HELD_OUT_BOUND = 0.16
LEAVE_ONE_OUT_BOUND = 0.21


def test_model_constants_are_the_calibration_result():
    bases, pooled = fidelity.calibrate_base_mfu(RUNS, CHIPS)
    assert bases == pytest.approx(BASE_MFU, abs=5e-4)
    assert pooled == pytest.approx(UNCALIBRATED_BASE_MFU, abs=5e-4)


def test_held_out_median_error_is_within_the_bound():
    comparisons = fidelity.compare(RUNS, CHIPS)
    assert sum(c.split == "held_out" for c in comparisons) >= 6
    assert fidelity.median_abs_error(comparisons, "held_out") <= HELD_OUT_BOUND
    assert fidelity.leave_one_out_error(RUNS, CHIPS) <= LEAVE_ONE_OUT_BOUND


def test_split_ignores_the_reported_numbers():
    split = fidelity.assign_split(RUNS, CHIPS)
    scrambled = [dataclasses.replace(r, gpu_hours=r.gpu_hours and r.gpu_hours * (1 + i % 3)) for i, r in enumerate(RUNS)]
    assert fidelity.assign_split(scrambled, CHIPS) == split
    assert set(split.values()) == {"calibration", "held_out"}


def test_every_scored_run_names_a_catalog_chip_and_a_source():
    for run in RUNS:
        assert run.source and run.as_of
        if run.chip:
            assert run.chip in CHIPS
    assert sum(run.scored for run in RUNS) >= 12


def test_docs_show_the_current_tables():
    """Refresh with: .venv/bin/python benchmarks/fidelity.py --write"""
    assert fidelity.report_markdown(RUNS, CHIPS) in DOC.read_text(encoding="utf-8")
