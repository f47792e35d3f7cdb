"""`plan catalog list offers` with filters, a sort and a per-GPU-hour column, in 100 columns."""

import json

import pytest

from planner.cli import main


def run(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def rows(out):
    return [line.split() for line in out.splitlines()[1:] if line and not line.startswith(("Prices", "no offer"))]


def test_every_offer_fits_100_columns(capsys):
    code, out, _ = run(["catalog", "list", "offers"], capsys)
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 100
    assert out.splitlines()[0].split()[:5] == ["provider", "region", "instance", "chip", "×"]


def test_chip_filter_and_sort_by_price_per_gpu_hour(capsys):
    code, out, _ = run(["catalog", "list", "offers", "--chip", "h100", "--sort", "usd_per_gpu_hour"], capsys)
    table = rows(out)
    assert code == 0 and table and all(r[3] == "H100" for r in table)
    prices = [float(r[6]) for r in table]
    assert prices == sorted(prices)
    # AWS p5.48xlarge: 55.04 USD per instance-hour over 8 GPUs = 6.88 USD per GPU-hour
    assert ["AWS", "us-east-1", "p5.48xlarge", "H100", "×", "8", "6.88"] in [r[:7] for r in table]


def test_spot_provider_region_filters(capsys):
    code, out, _ = run(["catalog", "list", "offers", "--spot", "--sort", "spot_usd_per_gpu_hour"], capsys)
    spot = [float(r[7]) for r in rows(out)]
    assert code == 0 and spot == sorted(spot) and "-" not in [r[7] for r in rows(out)]
    code, out, _ = run(["catalog", "list", "offers", "--provider", "aws", "--region", "us-west-2"], capsys)
    assert code == 0 and [r[:3] for r in rows(out)] == [["AWS", "us-west-2", "p5.48xlarge"]]


def test_filters_apply_to_json_and_bad_values_say_did_you_mean(capsys):
    code, out, _ = run(["catalog", "list", "offers", "--provider", "Lambda", "--format", "json"], capsys)
    listing = json.loads(out)
    assert code == 0 and listing["rows"] and {r["provider"] for r in listing["rows"]} == {"Lambda"}
    code, _, err = run(["catalog", "list", "offers", "--provider", "Lamda"], capsys)
    assert code == 2 and "did you mean 'Lambda'" in err
    code, _, err = run(["catalog", "list", "chips", "--spot"], capsys)
    assert code == 2 and "only the offers table" in err
