"""The bundled catalog loads and is sourced; broken catalogs fail with a precise InputError."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from planner.catalog import FILES, default_catalog_dir, load_catalog, resolve_chip
from planner.cli import main
from planner.errors import InputError

BRIEF_CHIPS = ["V100", "A100", "A100-80GB", "H100", "H800", "H200", "B200", "GB200", "L40S", "MI250X", "MI300X",
               "MI325X", "tpu-v4", "tpu-v5e", "tpu-v5p", "tpu-v6e", "Gaudi2", "Gaudi3", "Trainium", "Trainium2"]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_bundled_catalog_loads_every_table(catalog):
    for table in FILES:
        assert getattr(catalog, table), f"{table} is empty"
    assert set(BRIEF_CHIPS) <= set(catalog.chips)
    assert load_catalog() is catalog  # the default load is cached


def test_every_row_is_sourced_and_dated(catalog):
    for table in FILES:
        for key, row in getattr(catalog, table).items():
            assert len(row.source) > 20, f"{table} {key}: source too short"
            assert row.as_of[:2] in ("19", "20"), f"{table} {key}: as_of {row.as_of}"


def test_references_between_files_hold(catalog):
    for offer in catalog.offers.values():
        assert offer.chip in catalog.chips and offer.site in catalog.sites
    for hw in catalog.hardware.values():
        assert hw.accelerator in catalog.chips
        assert hw.capex_usd_per_node == pytest.approx(hw.server_usd + hw.network_usd_per_node, abs=1.0)


def test_scenario_ids_exist(catalog):
    """Ids the example scenarios use (scenarios/*.yaml)."""
    assert {"us-virginia", "us-university"} <= set(catalog.sites)
    assert "hgx-a100-80gb" in catalog.hardware
    assert {"llama-2-7b", "llama-2-70b", "llama-3-8b"} <= set(catalog.models)
    providers = {offer.provider for offer in catalog.offers.values()}
    assert {"AWS", "GCP", "Azure", "OCI", "Lambda", "CoreWeave", "RunPod"} <= providers


def test_every_offer_says_why_its_capacity_limit_is_what_it_is(catalog):
    """max_nodes and spot_max_nodes are either a documented limit (a page with a URL and the day it
    was read) or labelled an assumption saying what the number stands for."""
    for key, offer in catalog.offers.items():
        text = offer.capacity_source or ""
        assert text.startswith("assumption: ") or ("https://" in text and "read 2026-" in text), key
        assert len(text) > 80, f"{key}: capacity_source does not say why"


def test_documented_capacity_limits(catalog):
    """Google's TPU v6e page: a slice trains on up to 256 chips (16x16, 32 hosts of 8), so the
    8-chip host offer allows 256 / 8 = 32 hosts, spot too. AWS's Capacity Blocks hold up to 64
    instances, the size the four Capacity Block types allow; their spot figure stays an
    assumption, and a p3 (no Capacity Blocks) is an assumption throughout."""
    v6e = catalog.offers["gcp-tpu-v6e-8-us-central1"]
    assert (v6e.max_nodes * v6e.gpus_per_node, v6e.spot_max_nodes) == (256, 32)
    assert v6e.capacity_basis() == v6e.capacity_basis("spot_max_nodes") == "one TPU v6e slice (256 chips)"
    for instance in ("p4d.24xlarge", "p5.48xlarge", "p5en.48xlarge", "p6-b200.48xlarge"):
        offer = catalog.offers[f"aws-{instance}-us-east-1"]
        assert offer.max_nodes == 64 and offer.capacity_basis() == "largest AWS Capacity Block"
        assert offer.capacity_basis("spot_max_nodes") == "assumption"
    p3 = catalog.offers["aws-p3.16xlarge-us-east-1"]
    assert p3.capacity_basis() == p3.capacity_basis("spot_max_nodes") == "assumption"
    assert p3.model_copy(update={"capacity_source": None}).capacity_basis() == "assumption"


def test_offer_convenience_properties(catalog):
    p5 = catalog.offers["aws-p5.48xlarge-us-east-1"]
    assert (p5.chip, p5.gpus_per_node) == ("H100", 8)
    assert p5.on_demand_usd_per_gpu_hour == pytest.approx(55.04 / 8)
    assert p5.spot_usd_per_gpu_hour == pytest.approx(17.63 / 8)
    assert catalog.offers["oci-BM.GPU.H100.8-us-ashburn-1"].spot_usd_per_gpu_hour is None


def test_model_and_chip_figures(catalog):
    mixtral = catalog.models["mixtral-8x7b"]
    assert (mixtral.params_total, mixtral.params_active) == (46.7e9, 12.9e9)
    assert catalog.chips["H100"].power_w == 700 and not catalog.chips["H100"].power_is_estimate
    assert catalog.chips["tpu-v6e"].power_is_estimate and 100 < catalog.chips["tpu-v6e"].power_w < 1500
    hw = catalog.hardware["dgx-h100"]  # market value falls 0.14 OOM a year (Epoch); a sale realises the recovery share
    assert hw.resale_value_fraction(1) == pytest.approx(hw.resale_recovery_fraction * 10 ** -0.14, abs=1e-3)


@pytest.mark.parametrize("chip_id, port_gbps", [("Gaudi2", 100), ("Gaudi3", 200)])
def test_gaudi_scale_up_counts_only_its_21_scale_up_ports(catalog, chip_id, port_gbps):
    """Intel Gaudi docs (Network Configuration): 21 of the 24 on-chip ports link the 8 chips of a
    box all-to-all, 3 go to scale-out. Bidirectional GB/s = 21 × port Gb/s / 8 × 2; scale-out
    Gb/s per chip = 3 × port."""
    chip = catalog.chips[chip_id]
    assert chip.scaleup_bw_gbps == 21 * port_gbps / 8 * 2  # 525 GB/s Gaudi 2, 1,050 GB/s Gaudi 3
    assert chip.scaleout_gbps_per_chip == 3 * port_gbps


@pytest.mark.parametrize("name, chip_id", [
    ("H100", "H100"), ("h100", "H100"), ("H100-80GB", "H100"), ("NVIDIA H100 SXM5", "H100"),
    ("A100-40GB", "A100"), ("a100-80gb", "A100-80GB"), ("A100-SXM4-80GB", "A100-80GB"),
    ("TPU v5p", "tpu-v5p"), ("Trillium", "tpu-v6e"), ("Gaudi 3", "Gaudi3"), ("H100-PCIe-80GB", "H100-PCIe"),
])
def test_resolve_chip(catalog, name, chip_id):
    assert resolve_chip(name) == chip_id


@pytest.mark.parametrize("name", ["V100-PCIe", "tpu-v5p-8", "A10G"])
def test_resolve_chip_rejects_other_parts(name):
    with pytest.raises(InputError, match=f"accelerator '{name}'.*did you mean"):
        resolve_chip(name)


# --- broken catalogs -------------------------------------------------------------------------


@pytest.fixture
def cat_dir(tmp_path):
    """A writable copy of the bundled catalog."""
    target = tmp_path / "cat"
    shutil.copytree(default_catalog_dir(), target, ignore=shutil.ignore_patterns("*.yaml", "training_runs*"))
    return target


def set_cell(directory, file, row_id, column, value):
    """Change one cell; return the line number of the row."""
    path = directory / file
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    id_column = FILES[file.removesuffix(".csv")][1].id_field
    index = next(i for i, row in enumerate(rows) if row[id_column] == row_id)
    rows[index][column] = value
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return index + 2


P5 = "aws-p5.48xlarge-us-east-1"

CELL_CASES = [
    # file, row id, column, bad value, expected fragments of the message
    ("chips.csv", "H100", "source", "", ["field 'source'", "is empty"]),
    ("chips.csv", "H100", "as_of", "2024/05", ["field 'as_of'", "'2024/05'", "YYYY-MM"]),
    ("chips.csv", "H100", "memory_gb", "0", ["field 'memory_gb'", "'0'", "greater than 0"]),
    ("chips.csv", "H100", "bf16_tflops", "nan", ["field 'bf16_tflops'", "'nan'", "finite"]),
    ("chips.csv", "H100", "bf16_tflops", "9.894e14", ["field 'bf16_tflops'", "989400000000000", "TFLOPS"]),
    ("offers.csv", P5, "Price", "-55.04", ["field 'Price'", "-55.04"]),
    ("offers.csv", P5, "Price", "5504", ["field 'Price'", "5504", "per GPU-hour"]),
    ("offers.csv", P5, "SpotPrice", "60", ["field 'SpotPrice'", "60", "above on-demand"]),
    ("offers.csv", P5, "AcceleratorCount", "eight", ["field 'AcceleratorCount'", "'eight'", "whole number"]),
    ("offers.csv", P5, "spot_interruptions_per_node_day", "", ["field 'spot_interruptions_per_node_day'", "None"]),
    ("hardware.csv", "dgx-h100", "capex_usd_per_node", "250000", ["field 'capex_usd_per_node'", "250000", "332,100"]),
    ("hardware.csv", "dgx-h100", "power_kw_per_node", "10200", ["field 'power_kw_per_node'", "10200", "kW"]),
    ("sites.csv", "us-virginia", "electricity_usd_per_kwh", "8.92", ["'electricity_usd_per_kwh'", "8.92", "0.0892"]),
    ("sites.csv", "us-virginia", "pue", "0.9", ["field 'pue'", "0.9"]),
    ("models.csv", "llama-2-7b", "params_total", "7", ["field 'params_total'", "7.0", "did you mean 7e9?"]),
    ("models.csv", "llama-2-7b", "commercial_use", "maybe", ["field 'commercial_use'", "'maybe'", "true or false"]),
]


@pytest.mark.parametrize("file, row_id, column, value, fragments", CELL_CASES,
                         ids=[f"{c[0]}:{c[2]}={c[3]}" for c in CELL_CASES])
def test_bad_cell_names_file_line_field_and_value(cat_dir, file, row_id, column, value, fragments):
    line = set_cell(cat_dir, file, row_id, column, value)
    with pytest.raises(InputError) as err:
        load_catalog(cat_dir)
    message = err.value.message
    for fragment in [file, f"line {line}", row_id, *fragments]:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert err.value.fix


REFERENCE_CASES = [
    ("offers.csv", P5, "AcceleratorName", "H100-80GB", ["unknown chip id 'H100-80GB'", "did you mean 'H100'"]),
    ("hardware.csv", "hgx-a100-80gb", "accelerator", "A100-80G", ["unknown chip id 'A100-80G'", "'A100-80GB'"]),
    ("offers.csv", P5, "site", "us-virgina", ["unknown site id 'us-virgina'", "'us-virginia'"]),
]


@pytest.mark.parametrize("file, row_id, column, value, fragments", REFERENCE_CASES,
                         ids=[f"{c[0]}:{c[2]}" for c in REFERENCE_CASES])
def test_unknown_reference_suggests_an_id(cat_dir, file, row_id, column, value, fragments):
    line = set_cell(cat_dir, file, row_id, column, value)
    with pytest.raises(InputError) as err:
        load_catalog(cat_dir)
    for fragment in [file, f"line {line}", f"field '{column}'", *fragments]:
        assert fragment in err.value.message


def test_malformed_csv_row(cat_dir):
    line = len((cat_dir / "sites.csv").read_text().splitlines()) + 1  # the row appended below
    with (cat_dir / "sites.csv").open("a") as handle:
        handle.write("xx-nowhere,XX,0.1,100,1.2,extra,notes,src,2024-01\n")
    with pytest.raises(InputError, match=rf"sites\.csv line {line}: malformed CSV: 9 fields but the header has 8"):
        load_catalog(cat_dir)


def test_unclosed_quote(cat_dir):
    with (cat_dir / "models.csv").open("a") as handle:
        handle.write('x-1b,1e9,1e9,1e12,MIT,true,"unclosed,src,2024-01\n')
    with pytest.raises(InputError, match=r"models\.csv line \d+: malformed CSV"):
        load_catalog(cat_dir)


def test_unknown_column(cat_dir):
    path = cat_dir / "chips.csv"
    path.write_text(path.read_text().replace("fp8_tflops", "fp8_tflop", 1))
    with pytest.raises(InputError, match=r"chips\.csv line 1: unknown column 'fp8_tflop'.*did you mean 'fp8_tflops'"):
        load_catalog(cat_dir)


def test_missing_column(cat_dir):
    path = cat_dir / "sites.csv"
    lines = [line.rsplit(",", 1)[0] for line in path.read_text().splitlines()]  # drop as_of
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"sites\.csv line 1: missing column 'as_of'"):
        load_catalog(cat_dir)


def test_duplicate_id(cat_dir):
    path = cat_dir / "chips.csv"
    lines = path.read_text().splitlines()
    h100 = next(line for line in lines if line.startswith("H100,"))
    path.write_text("\n".join([*lines, h100]) + "\n")
    expected = rf"chips\.csv line {len(lines) + 1}, field 'id'.*duplicate id 'H100' \(first on line \d+\)"
    with pytest.raises(InputError, match=expected):
        load_catalog(cat_dir)


def test_missing_file_and_directory(cat_dir, tmp_path):
    (cat_dir / "models.csv").unlink()
    with pytest.raises(InputError, match=r"models\.csv: catalog file not found"):
        load_catalog(cat_dir)
    with pytest.raises(InputError, match="catalog directory not found"):
        load_catalog(tmp_path / "nowhere")


# --- CLI -------------------------------------------------------------------------------------


def run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_cli_list_chips(capsys):
    code, out, _ = run(["catalog", "list", "chips"], capsys)
    assert code == 0 and "H100" in out and "tpu-v5p" in out


def test_cli_list_formats(capsys):
    code, out, _ = run(["catalog", "list", "offers", "--format", "json"], capsys)
    assert code == 0 and any(row["offer_id"] == P5 for row in json.loads(out)["rows"])
    code, out, _ = run(["catalog", "list", "sites", "--format", "csv"], capsys)
    assert code == 0 and out.splitlines()[0].startswith("id,country,")
    code, out, _ = run(["catalog", "list"], capsys)
    assert code == 0 and "offers" in out


def test_cli_broken_catalog_exits_2_without_traceback(cat_dir, capsys):
    set_cell(cat_dir, "chips.csv", "H100", "memory_gb", "-80")
    code, out, err = run(["catalog", "list", "chips", "--catalog", str(cat_dir)], capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "chips.csv line" in err and "memory_gb" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
