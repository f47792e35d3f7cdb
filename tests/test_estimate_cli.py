"""`plan estimate`: output, every catalog chip, and one-line errors with exit code 2."""

from __future__ import annotations

import json

import pytest

from planner.catalog import load_catalog
from planner.cli import main
from planner.compute import min_gpus
from planner.workload import Workload

CATALOG = load_catalog()


def run(capsys, *args):
    with pytest.raises(SystemExit) as exit_info:
        main(["estimate", *args])
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def run_json(capsys, *args):
    code, out, err = run(capsys, *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_json_output_has_the_documented_keys(capsys):
    r = run_json(capsys, "--params", "70e9", "--tokens", "2e12", "--chip", "A100-80GB", "--gpus", "256")
    for key in ("gpu_hours", "wall_clock_days", "mfu", "goodput", "energy_mwh", "tco2e", "cost_usd",
                "offer", "gpus", "chip", "precision"):
        assert key in r
    assert r["gpus"] == 256 and r["chip"] == "A100-80GB" and r["precision"] == "bf16"
    assert r["gpu_hours"] == pytest.approx(256 * r["wall_clock_days"] * 24)
    cheapest = min(o.on_demand_usd_per_gpu_hour for o in CATALOG.offers.values()
                   if o.chip == "A100-80GB" and o.gpus_per_node == 8)
    assert r["offer"]["usd_per_gpu_hour"] == cheapest
    assert r["cost_usd"] == pytest.approx(r["gpu_hours"] * cheapest)


def test_table_output_names_the_offer(capsys):
    code, out, _ = run(capsys, "--params", "7e9", "--tokens", "1e12", "--chip", "h100", "--gpus", "64")
    assert code == 0
    for label in ("GPU-hours", "wall-clock", "MFU", "goodput", "energy", "carbon", "cost"):
        assert label in out
    assert "on-demand at" in out


def test_default_cluster_is_the_smallest_that_fits(capsys):
    r = run_json(capsys, "--params", "70e9", "--tokens", "1e11", "--chip", "H100")
    assert r["gpus"] == min_gpus(Workload("full", 70e9, 70e9, 1e11), CATALOG.chips["H100"])


def test_moe_lora_and_fp8_options(capsys):
    dense = run_json(capsys, "--params", "671e9", "--tokens", "1e12", "--chip", "H100", "--gpus", "2048")
    moe = run_json(capsys, "--params", "671e9", "--active-params", "37e9", "--tokens", "1e12",
                   "--chip", "H100", "--gpus", "2048")
    fp8 = run_json(capsys, "--params", "671e9", "--active-params", "37e9", "--tokens", "1e12",
                   "--chip", "H100", "--gpus", "2048", "--precision", "fp8")
    assert moe["gpu_hours"] < dense["gpu_hours"] / 10
    assert fp8["gpu_hours"] == pytest.approx(moe["gpu_hours"] / 1.3, rel=0.01)
    lora = run_json(capsys, "--params", "7e9", "--tokens", "1e9", "--chip", "H100", "--method", "lora", "--gpus", "8")
    full = run_json(capsys, "--params", "7e9", "--tokens", "1e9", "--chip", "H100", "--gpus", "8")
    assert lora["gpu_hours"] < full["gpu_hours"]


def test_every_catalog_chip_answers(capsys):
    offered = {o.chip for o in CATALOG.offers.values()}
    for chip in CATALOG.chips:
        r = run_json(capsys, "--params", "1e9", "--tokens", "1e10", "--chip", chip)
        assert r["gpu_hours"] > 0
        if chip in offered:
            assert r["cost_usd"] > 0 and r["offer"]["offer_id"]
        else:
            assert r["cost_usd"] is None and r["offer"] is None
            assert any("no cloud offer" in note for note in r["notes"])


@pytest.mark.parametrize("args, expected", [
    (["--params", "-7e9"], "--params"),
    (["--params", "0"], "--params"),
    (["--params", "nan"], "--params"),
    (["--params", "7"], "did you mean 7e9?"),
    (["--params", "seven"], "not a number"),
    (["--tokens", "-1"], "--tokens"),
    (["--tokens", "inf"], "--tokens"),
    (["--chip", "H1OO"], "did you mean 'H100'?"),
    (["--chip", "A100", "--precision", "fp8"], "no FP8 support"),
    (["--gpus", "0"], "--gpus"),
    (["--gpus", "2.5"], "whole number"),
    (["--gpus", "8"], "smallest cluster that fits is 24"),
    (["--active-params", "80e9"], "--active-params"),
    (["--params", "5e12", "--chip", "V100"], "does not fit"),
])
def test_bad_values_exit_2_with_one_line(capsys, args, expected):
    base = {"--params": "70e9", "--tokens": "2e12", "--chip": "H100"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    code, out, err = run(capsys, *[x for pair in base.items() for x in pair])
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert expected in err
    assert "Traceback" not in err
