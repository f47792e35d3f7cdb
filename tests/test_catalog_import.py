"""Importing SkyPilot vms.csv files into the offers.csv schema, from Python and from the CLI."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from planner.catalog import default_catalog_dir, load_catalog
from planner.catalog.skypilot import OFFER_COLUMNS, import_skypilot, import_skypilot_folder, region_sites
from planner.cli import main
from planner.errors import InputError

FIXTURE = Path(__file__).parent / "fixtures" / "skypilot_vms_small.csv"


def test_import_keeps_known_accelerators_at_the_cheapest_zone():
    offers = import_skypilot(FIXTURE, "AWS", as_of="2025-06")
    assert list(offers.columns) == OFFER_COLUMNS
    by_id = offers.set_index("offer_id")
    assert sorted(by_id.index) == [
        "aws-p4d.24xlarge-us-east-1", "aws-p4de.24xlarge-us-east-1", "aws-p5.48xlarge-us-east-1",
        "aws-p5.48xlarge-us-west-2", "aws-p5en.48xlarge-eu-north-1", "aws-p6-b200.48xlarge-us-east-1",
        "aws-trn1.32xlarge-us-east-1"]
    # Stockholm has no site of its own: catalogs/regions.csv places it at Finland's (stated assumption)
    assert by_id.loc["aws-p5en.48xlarge-eu-north-1", "site"] == "fi-kajaani"
    p5 = by_id.loc["aws-p5.48xlarge-us-east-1"]
    assert (p5["Price"], p5["SpotPrice"], p5["AcceleratorCount"]) == (55.04, 17.63, 8)  # two zones -> cheapest
    assert (p5["site"], p5["max_nodes"], p5["spot_interruptions_per_node_day"]) == ("us-virginia", 64, 0.1)
    assert (offers["capacity_source"].str.startswith("assumption: ")).all()  # no limit is read from SkyPilot
    p4de = by_id.loc["aws-p4de.24xlarge-us-east-1"]
    assert math.isnan(p4de["SpotPrice"]) and math.isnan(p4de["spot_interruptions_per_node_day"])
    assert (offers["source"].str.contains("skypilot_vms_small.csv")).all() and (offers["as_of"] == "2025-06").all()
    report = offers.attrs["report"]
    assert report["no accelerator (CPU-only instance)"] == 1
    assert report["unknown accelerator 'A10G'"] == 1
    assert report["no on-demand price"] == 1
    assert report["offers imported"] == 7


def test_default_site_places_unmapped_regions(tmp_path):
    path = tmp_path / "vms.csv"
    path.write_text(FIXTURE.read_text().replace("eu-north-1", "mars-north-1"))
    assert import_skypilot(path, "AWS").attrs["report"][
        "region 'mars-north-1' is not in catalogs/regions.csv (add it, or give --default-site)"] == 1
    offers = import_skypilot(path, "AWS", default_site="us-average")
    row = offers.set_index("offer_id").loc["aws-p5en.48xlarge-mars-north-1"]
    assert row["site"] == "us-average" and row["AcceleratorName"] == "H200"
    with pytest.raises(InputError, match="--default-site 'mars'"):
        import_skypilot(FIXTURE, "AWS", default_site="mars")


def test_imported_offers_load_as_a_catalog(tmp_path):
    directory = tmp_path / "cat"
    shutil.copytree(default_catalog_dir(), directory)
    import_skypilot(FIXTURE, "AWS").to_csv(directory / "offers.csv", index=False)
    catalog = load_catalog(directory)
    assert catalog.offers["aws-trn1.32xlarge-us-east-1"].on_demand_usd_per_gpu_hour == pytest.approx(21.5 / 16)


def test_gcp_layout_tpu_and_accelerator_only_rows(tmp_path):
    path = tmp_path / "vms.csv"
    path.write_text(
        "InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,AvailabilityZone,"
        "Price,SpotPrice\n"
        "a2-highgpu-8g,96,680,A100,8,,us-central1,us-central1-a,29.39,14.43\n"
        ",,,A100,8,,us-central1,us-central1-a,23.47,11.0\n"
        ",,,tpu-v5p-8,1,,us-central1,us-central1-a,16.8,3.3\n"
        "a2-highgpu-8g,96,680,A100,8,,us-central1,us-central1-b,29.39,40.0\n")
    offers = import_skypilot(path, "GCP")
    assert list(offers["offer_id"]) == ["gcp-a2-highgpu-8g-us-central1"]
    assert offers.loc[0, "SpotPrice"] == 14.43
    report = offers.attrs["report"]
    assert report["accelerator-only row (price excludes the host VM)"] == 1
    assert report["TPU slice (priced per slice; add TPU offers by hand)"] == 1


def test_missing_column_and_bad_date(tmp_path):
    path = tmp_path / "vms.csv"
    path.write_text("InstanceType,AcceleratorName,AcceleratorCount,Price,Region\np5.48xlarge,H100,8,55.04,us-east-1\n")
    with pytest.raises(InputError, match=r"vms\.csv line 1: missing column 'SpotPrice'"):
        import_skypilot(path, "AWS")
    with pytest.raises(InputError, match="--as-of '2025/06'"):
        import_skypilot(FIXTURE, "AWS", as_of="2025/06")


# --- CLI -------------------------------------------------------------------------------------


def run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_cli_import_writes_offers_file(tmp_path, capsys):
    out_file = tmp_path / "new" / "offers.csv"
    code, _, err = run(["catalog", "import", str(FIXTURE), "--provider", "AWS", "--out", str(out_file)], capsys)
    assert code == 2 and "does not exist" in err and not out_file.parent.exists()  # like every other --out
    out_file.parent.mkdir()
    code, _, err = run(["catalog", "import", str(FIXTURE), "--provider", "AWS", "--out", str(out_file),
                        "--as-of", "2025-06-01"], capsys)
    assert code == 0
    lines = out_file.read_text().splitlines()
    assert lines[0] == ",".join(OFFER_COLUMNS) and len(lines) == 8
    assert "unknown accelerator 'A10G'" in err and "wrote 7 offers" in err
    assert [p.name for p in out_file.parent.iterdir()] == ["offers.csv"]  # no temporary file left


def test_cli_import_to_stdout(capsys):
    code, out, _ = run(["catalog", "import", str(FIXTURE), "--provider", "AWS"], capsys)
    assert code == 0 and out.startswith("offer_id,provider,")


@pytest.mark.parametrize("extra, content", [
    (["--as-of", "June 2025"], None),
    (["--default-site", "mars"], None),
    ([], "InstanceType,AcceleratorName,AcceleratorCount,Price,SpotPrice,Region\nm6i.large,,,0.1,,us-east-1\n"),
    ([], "InstanceType,Price\np5.48xlarge,55.04\n"),
])
def test_cli_import_errors_write_nothing(tmp_path, capsys, extra, content):
    source = FIXTURE
    if content is not None:
        source = tmp_path / "vms.csv"
        source.write_text(content)
    out_file = tmp_path / "offers.csv"
    out_file.write_text("keep me\n")
    argv = ["catalog", "import", str(source), "--provider", "AWS", "--out", str(out_file), *extra]
    code, out, err = run(argv, capsys)
    assert code == 2 and "error: " in err and "Traceback" not in err
    assert out_file.read_text() == "keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"offers.csv", source.name} - {FIXTURE.name})


# Regions SkyPilot's own catalog fetchers list (skypilot 0.14.1, sky/catalog/data_fetchers:
# fetch_aws.py ALL_REGIONS with the three it comments out, fetch_lambda_cloud.py REGIONS,
# fetch_azure.py US_REGIONS): each must have a site.
SKYPILOT_REGIONS = {
    "aws": ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-central-1", "eu-central-2",
            "eu-west-1", "eu-west-2", "eu-south-1", "eu-south-2", "eu-west-3", "eu-north-1", "me-south-1",
            "me-central-1", "af-south-1", "ap-east-1", "ap-southeast-3", "ap-south-1", "ap-south-2",
            "ap-northeast-3", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-4", "ap-northeast-1"],
    "lambda": ["europe-central-1", "asia-south-1", "me-west-1", "europe-south-1", "asia-northeast-1",
               "asia-northeast-2", "australia-east-1", "us-east-1", "us-east-2", "us-east-3", "us-west-2", "us-west-1",
               "us-south-1", "us-south-2", "us-south-3", "us-west-3", "us-midwest-1"],
    "azure": ["centralus", "eastus", "eastus2", "northcentralus", "southcentralus", "westcentralus", "westus",
              "westus2", "westus3"],
}


def test_region_table_covers_skypilots_regions_with_real_sites():
    table = region_sites()
    catalog = load_catalog()
    missing = [f"{p}/{r}" for p, regions in SKYPILOT_REGIONS.items() for r in regions if (p, r) not in table]
    assert not missing
    assert set(table.values()) <= set(catalog.sites)
    # every bundled offer in a named region agrees with the table
    for offer in catalog.offers.values():
        key = (offer.provider.lower(), offer.Region)
        assert key not in table or table[key] == offer.site, offer.offer_id


def test_a_whole_skypilot_folder_imports_in_one_command(tmp_path, capsys):
    folder = tmp_path / "v8"
    (folder / "aws").mkdir(parents=True)
    (folder / "aws" / "vms.csv").write_text(FIXTURE.read_text())
    (folder / "gcp").mkdir()
    (folder / "gcp" / "vms.csv").write_text(
        "InstanceType,vCPUs,MemoryGiB,AcceleratorName,AcceleratorCount,GpuInfo,Region,AvailabilityZone,Price,SpotPrice\n"
        "a3-highgpu-8g,208,1872,H100,8,,europe-west4,europe-west4-a,88.49,27.0\n"
        "a3-highgpu-8g,208,1872,H100,8,,us-central1,us-central1-a,88.25,26.9\n")
    (folder / "lambda").mkdir()
    (folder / "lambda" / "vms.csv").write_text(
        "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,SpotPrice,Region,GpuInfo\n"
        "gpu_8x_h100_sxm5,H100,8,208,1800,23.92,,us-south-1,\n")
    offers = import_skypilot_folder(folder, as_of="2025-06")
    assert set(offers["provider"]) == {"AWS", "GCP", "Lambda"} and len(offers) == 7 + 2 + 1
    sites = offers.set_index("offer_id")["site"]
    assert sites["gcp-a3-highgpu-8g-europe-west4"] == "world-average" and sites["lambda-gpu_8x_h100_sxm5-us-south-1"] == "us-average"
    out_file = tmp_path / "offers.csv"
    code, _, err = run(["catalog", "import", str(folder), "--out", str(out_file)], capsys)
    assert code == 0 and "wrote 10 offers" in err and "AWS: unknown accelerator 'A10G'" in err
    code, _, err = run(["catalog", "import", str(folder), "--provider", "AWS"], capsys)
    assert code == 2 and "--provider" in err
