"""Vendors' published training throughput tables (docs/fidelity.md, "Vendor throughput tables"):
scored unfitted first, then (2026-12-05) fitted with the MLPerf rows, each H100 row anchoring its
round. No bound on the errors is asserted: the section reports them."""

from __future__ import annotations

import csv
import statistics
from pathlib import Path

import pytest

from planner.catalog import default_catalog_dir, load_catalog
from planner.compute import evidence
from planner.compute.mfu import EFFICIENCY

CATALOG = load_catalog()
CHIPS = CATALOG.chips
VENDOR = evidence.load_evidence(default_catalog_dir() / evidence.VENDOR_FILE)
MLPERF = evidence.load_evidence(default_catalog_dir() / evidence.EVIDENCE_FILE)
BY_ID = {row.id: row for row in VENDOR}
DOC = Path(__file__).resolve().parents[1] / "docs" / "fidelity.md"


@pytest.fixture(scope="module")
def checks():
    return {c.row.id: c for c in evidence.vendor_checks(VENDOR, CHIPS, EFFICIENCY)}


def test_loader_accepts_vendor_rows_and_converts_tokens_per_second_to_minutes():
    row = BY_ID["vendor-2025-llama3.1-70b-google-tpu-v6e-256"]
    # MaxText tiering: ~960 tokens/s/device on 256 v6e; 1e10 tokens take 1e10 / (960 · 256) s.
    assert row.tokens_per_s_per_chip == 960 and row.chips == 256 and row.tokens == 1e10
    assert row.minutes == pytest.approx(1e10 / (960 * 256) / 60)  # 678.1 minutes
    assert row.round == "2025" and row.precision == "bf16"
    # Per-device batch 5 on 256 chips (its MaxText config), 8,192-token context.
    assert row.workload.batch_tokens == 1280 * 8192 and row.workload.seq_len == 8192


def test_every_vendor_row_anchors_or_calibrates_with_a_source_and_a_catalog_chip():
    """H100 rows fix their round's tuning level; every other chip's rows calibrate its family."""
    assert len(VENDOR) >= 16
    for row in VENDOR:
        assert row.use == ("anchor" if row.chip == "H100" else "calibrate"), row.id
        assert row.source and row.as_of and row.chip in CHIPS and row.batch_sequences
    assert {row.chip for row in VENDOR} >= {"H100", "B200", "tpu-v6e", "tpu-v5p", "Gaudi2"}


def test_vendor_benchmarks_are_the_catalog_models():
    """Params and config.json shape as catalogs/models.csv has them (Llama 3.1 8B/70B share
    Llama 3's architecture)."""
    for benchmark, model in [("llama3-8b", "llama-3.1-8b"), ("llama3-8b", "llama-3-8b"), ("llama3-70b", "llama-3.1-70b"),
                             ("llama3-70b", "llama-3-70b"), ("llama3.1-405b", "llama-3.1-405b"), ("llama2-70b", "llama-2-70b")]:
        workload, entry = evidence.BENCHMARKS[benchmark], CATALOG.models[model]
        assert workload.shape == entry.shape and workload.params == entry.params_total, benchmark


def test_loader_rejects_an_unknown_id_a_row_without_a_time_and_a_bad_number(tmp_path):
    with (default_catalog_dir() / evidence.VENDOR_FILE).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields, good = reader.fieldnames, next(reader)
    for change, message in [({"id": "nvidia-2025-x"}, "vendor-<year>-"), ({"tokens_per_s_per_chip": ""}, "tokens_per_s_per_chip"),
                            ({"chips": "64 chips"}, r"rows.csv: row 'vendor-.*': field 'chips' must be a positive whole number, got '64 chips'"),
                            ({"chips": ""}, "field 'chips' is empty"),
                            ({"batch_sequences": "0"}, "field 'batch_sequences' must be a positive whole number, got '0'"),
                            ({"tokens": "1e12 tokens"}, "field 'tokens' must be a positive number")]:
        path = tmp_path / "rows.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerow({**good, **change})
        with pytest.raises(ValueError, match=message):
            evidence.load_evidence(path)


def test_cross_chip_ratio_is_measured_over_the_same_rounds_h100_row(checks):
    """v6e Llama 3.1 70B (MaxText, 960 tokens/s/chip) over H100 Llama 3 70B (Megatron-Bridge,
    1,602): measured 960 / 1,602 = 0.599; predicted, the same ratio of the model's rates."""
    v6e, h100 = BY_ID["vendor-2025-llama3.1-70b-google-tpu-v6e-256"], BY_ID["vendor-2025-llama3-70b-nvidia-h100-64"]
    measured, predicted = checks[v6e.id].versus_h100
    assert measured == pytest.approx(960 / 1602)
    rate = {row.id: row.tokens / (evidence.predicted_minutes(row, CHIPS[row.chip]) * 60 * row.chips) for row in (v6e, h100)}
    assert predicted == pytest.approx(rate[v6e.id] / rate[h100.id])
    assert checks[h100.id].versus_h100 is None  # an H100 row has nothing to be compared with
    assert checks["vendor-2025-llama2-70b-google-tpu-v5p-512"].versus_h100 is None  # no H100 Llama 2 row in 2025


def test_a_total_throughput_is_stored_per_chip():
    """Intel's Gaudi 2 page gives tokens/sec for all 64 cards: 43,332 / 64 = 677.06 per card."""
    row = BY_ID["vendor-2025-llama3.1-70b-intel-gaudi2-64"]
    assert row.tokens_per_s_per_chip * row.chips == pytest.approx(43332, abs=0.5)


def test_predicted_rate_is_at_production_eta_and_the_implied_eta_reproduces_the_row(checks):
    for row in VENDOR:
        check = checks[row.id]
        family = evidence.chip_family(CHIPS[row.chip])
        reproduced = evidence.predicted_minutes(row, CHIPS[row.chip], {**EFFICIENCY, family: check.implied})
        assert reproduced == pytest.approx(row.minutes, rel=1e-4), row.id
        assert check.error == pytest.approx(check.predicted_rate / row.tokens_per_s_per_chip - 1)


def test_round_tuning_level_comes_from_its_h100_rows(checks):
    """r = η_runs(hopper) / η reproducing each H100 row of the round (geometric mean), so the
    production η a round's own H100 rows imply has the geometric mean η_runs(hopper); every
    row's is its round's r × its η."""
    rounds = {row.round for row in VENDOR}
    assert rounds == {"2024", "2025"}
    for name in rounds:
        in_round = [checks[row.id] for row in VENDOR if row.round == name]
        h100 = [c for c in in_round if c.row.chip == "H100"]
        ratio = statistics.geometric_mean(EFFICIENCY["hopper"] / c.implied for c in h100)
        assert statistics.geometric_mean(c.production for c in h100) == pytest.approx(EFFICIENCY["hopper"])
        for check in in_round:
            assert check.production == pytest.approx(ratio * check.implied)


def test_a_familys_eta_is_the_geometric_mean_over_its_mlperf_and_vendor_rows():
    """The joint fit: each calibrate row, MLPerf or vendor, gives r_round × the η reproducing it;
    a family's η is their geometric mean (TPU v6e: one MLPerf row and four vendor rows)."""
    from_runs = {family: EFFICIENCY[family] for family in ("ampere", "hopper", "tpu-v4")}
    rows = MLPERF + VENDOR
    ratios = evidence.production_ratios(rows, CHIPS, from_runs)
    v6e = [row for row in rows if row.chip == "tpu-v6e" and row.use == "calibrate"]
    assert len(v6e) == 5 and {row.round for row in v6e} == {"v4.1", "2024", "2025"}
    each = [ratios[row.round] * evidence.implied_efficiency(row, CHIPS[row.chip], from_runs) for row in v6e]
    fitted = evidence.calibrate_from_evidence(rows, CHIPS, from_runs)["tpu-v6e"]
    assert fitted == pytest.approx(statistics.geometric_mean(each))
    assert fitted != pytest.approx(evidence.calibrate_from_evidence(MLPERF, CHIPS, from_runs)["tpu-v6e"], rel=0.05)


def test_docs_show_the_current_vendor_table(checks):
    """Refresh with: .venv/bin/python benchmarks/fidelity.py --write"""
    table = evidence.vendor_markdown(list(checks.values()), CHIPS, EFFICIENCY)
    assert table in DOC.read_text(encoding="utf-8")
