"""The compute model against published training runs (docs/fidelity.md)."""

from __future__ import annotations

import dataclasses
import statistics
from pathlib import Path

import pytest

from planner.catalog import default_catalog_dir, load_catalog
from planner.compute import estimate, evidence, fidelity
from planner.compute.mfu import BENCHMARK_RATIO, EFFICIENCY, UNCALIBRATED_EFFICIENCY, chip_family

CHIPS = load_catalog().chips
RUNS = fidelity.load_runs(default_catalog_dir() / fidelity.RUNS_FILE)
EVIDENCE = evidence.load_evidence(default_catalog_dir() / evidence.EVIDENCE_FILE)
DOC = Path(__file__).resolve().parents[1] / "docs" / "fidelity.md"

# The aims for the leave-one-out median |error| (docs/fidelity.md: 11.4 % dense on 13
# runs, 19.2 % on the one MoE run when the constants were set).
DENSE_BOUND = 0.15
MOE_BOUND = 0.25


def test_model_constants_are_the_calibration_result():
    from_runs = fidelity.calibrate_efficiency(RUNS, CHIPS)
    vendor = evidence.load_evidence(default_catalog_dir() / evidence.VENDOR_FILE)
    fitted = from_runs | evidence.calibrate_from_evidence(EVIDENCE + vendor, CHIPS, from_runs)
    assert EFFICIENCY == pytest.approx(fitted, abs=5e-4)
    assert UNCALIBRATED_EFFICIENCY == pytest.approx(statistics.geometric_mean(from_runs.values()), abs=5e-4)
    assert BENCHMARK_RATIO == pytest.approx(evidence.benchmark_ratio(vendor, CHIPS, EFFICIENCY), abs=5e-4)


def _chip_minute_ratio(a: str, b: str) -> tuple[float, float]:
    """(measured, predicted) chip-minutes of row a over row b, each at its round's tuning level."""
    by_id = {row.id: row for row in EVIDENCE}

    def chip_minutes(row_id, predicted):
        row = by_id[row_id]
        minutes = evidence.predicted_row_minutes(EVIDENCE, row, CHIPS, EFFICIENCY) if predicted else row.minutes
        return minutes * row.chips

    return chip_minutes(a, False) / chip_minutes(b, False), chip_minutes(a, True) / chip_minutes(b, True)


@pytest.mark.parametrize("a, b", [
    ("mlperf-v4.0-gpt3-nvidia-h100-11616", "mlperf-v4.0-gpt3-nvidia-h100-512"),
    ("mlperf-v3.0-gpt3-nvidia-h100-512", "mlperf-v3.0-gpt3-coreweave-h100-3584"),
    ("mlperf-v3.0-gpt3-coreweave-h100-1536", "mlperf-v3.0-gpt3-coreweave-h100-3584"),
    ("mlperf-v4.1-gpt3-nvidia-h100-256", "mlperf-v4.1-gpt3-nvidia-h100-512"),
    ("mlperf-v4.0-gpt3-google-tpu-v5p-512", "mlperf-v4.1-gpt3-google-tpu-v5p-2048"),
    ("mlperf-v4.1-gpt3-google-tpu-v5p-4096", "mlperf-v4.1-gpt3-google-tpu-v5p-2048"),
    ("mlperf-v4.1-gpt3-google-tpu-v6e-512", "mlperf-v4.1-gpt3-google-tpu-v6e-2048"),
    ("mlperf-v4.1-gpt3-google-tpu-v6e-1024", "mlperf-v4.1-gpt3-google-tpu-v6e-2048"),
])
def test_mlperf_scaling_within_20_percent_in_one_software_round(a, b):
    """Per-chip speed at two cluster sizes of one chip, each row with its submission's own batch
    and tokens (MLCommons results), where at most one side was fitted."""
    measured, predicted = _chip_minute_ratio(a, b)
    assert predicted == pytest.approx(measured, rel=0.20)


@pytest.mark.parametrize("a, b", [
    ("mlperf-v3.0-gpt3-intel-gaudi2-256", "mlperf-v3.0-gpt3-coreweave-h100-3584"),
    ("mlperf-v3.0-gpt3-intel-gaudi2-384", "mlperf-v3.0-gpt3-coreweave-h100-3584"),
    ("mlperf-v4.0-gpt3-google-tpu-v5p-512", "mlperf-v4.0-gpt3-nvidia-h100-512"),
    ("mlperf-v4.1-llama2-lora-h200-8", "mlperf-v4.1-llama2-lora-nvidia-b200-8"),
])
def test_mlperf_relative_speed_of_two_chips_in_one_round_within_20_percent(a, b):
    """Two chips in one MLPerf round, neither row fitted to the other: Gaudi 2 (BF16; η from its
    v4.0 FP8 row and vendor rows) against H100 in v3.0, TPU v5p (η from v4.1 and a vendor row)
    against H100 in v4.0, H200 (published runs) against B200 (GPT-3 and vendor rows) on Llama 2
    70B LoRA. Gaudi 2's v3.1 FP8 rows miss (+32 % / +22 %): docs/fidelity.md lists them with the
    likely cause; they are the one unfitted cross-chip pair left out of this list."""
    measured, predicted = _chip_minute_ratio(a, b)
    assert predicted == pytest.approx(measured, rel=0.20)


def test_every_round_has_its_own_anchor():
    """Each round's tuning level comes from H100 rows of that round; a round without one is an error."""
    assert {row.round for row in EVIDENCE if row.use == "anchor"} == {row.round for row in EVIDENCE}
    lonely = [row for row in EVIDENCE if row.round != "v4.1"] + [
        type(EVIDENCE[0])(**{**EVIDENCE[0].__dict__, "id": "mlperf-v9.9-gpt3-x", "use": "check"})]
    with pytest.raises(ValueError, match="v9.9"):
        evidence.production_ratios(lonely, CHIPS, EFFICIENCY)


def test_second_rows_are_checks_never_fitted():
    """The rows added to check a family's single calibration row stay out of every fit."""
    added = {"mlperf-v3.0-gpt3-intel-gaudi2-256", "mlperf-v3.0-gpt3-intel-gaudi2-384",
             "mlperf-v3.1-gpt3-intel-gaudi2-256", "mlperf-v3.1-gpt3-intel-gaudi2-384",
             "mlperf-v4.0-gpt3-google-tpu-v5p-512", "mlperf-v4.1-gpt3-google-tpu-v5p-4096",
             "mlperf-v4.1-gpt3-google-tpu-v6e-512", "mlperf-v4.1-gpt3-google-tpu-v6e-1024",
             "mlperf-v3.0-gpt3-nvidia-h100-512", "mlperf-v4.1-gpt3-nvidia-h100-256"}
    assert {row.id for row in EVIDENCE if row.use == "check"} >= added


def test_each_gpt3_row_carries_its_submissions_batch_and_tokens():
    """MLPerf GPT-3 submissions choose their batch; a larger one needs more tokens (MLLOG)."""
    for row in EVIDENCE:
        if row.benchmark == "mlperf-gpt3-175b":
            assert row.batch_sequences and 1e9 < row.tokens < 1.6e9, row.id
            assert row.workload.batch_tokens == row.batch_sequences * 2048
    by_id = {row.id: row for row in EVIDENCE}
    assert by_id["mlperf-v4.0-gpt3-nvidia-h100-11616"].batch_sequences == 2904


@pytest.mark.parametrize("row_id, tp, pp, dp, micro_batch, grad_accum, virtual", [
    # Intel's run commands (README of each round) and MLLOG gradient_accumulation_steps;
    # DeepSpeed's pipeline engine does not interleave. NVIDIA's v4.0 config file.
    ("mlperf-v3.0-gpt3-intel-gaudi2-256", 8, 8, 4, 1, 384, 1),
    ("mlperf-v3.0-gpt3-intel-gaudi2-384", 8, 8, 6, 1, 256, 1),
    ("mlperf-v3.1-gpt3-intel-gaudi2-256", 8, 8, 4, 2, 256, 1),
    ("mlperf-v3.1-gpt3-intel-gaudi2-384", 8, 6, 8, 2, 128, 1),
    ("mlperf-v4.0-gpt3-intel-gaudi2-1024", 8, 8, 16, 2, 64, 1),
    ("mlperf-v4.0-gpt3-nvidia-h100-512", 4, 8, 16, 2, 72, 4),
])
def test_rows_with_a_published_layout_are_scored_on_it(row_id, tp, pp, dp, micro_batch, grad_accum, virtual):
    row = {r.id: r for r in EVIDENCE}[row_id]
    est = estimate(row.workload, CHIPS[row.chip], row.chips, row.precision, failures_per_node_day=0.0, pin=row.pin)
    lay = est.layout
    assert (lay.tp, lay.pp, lay.dp, lay.micro_batch, lay.grad_accum, lay.virtual) == (
        tp, pp, dp, micro_batch, grad_accum, virtual)


def test_a_pinned_row_needs_its_layout_source(tmp_path):
    path = default_catalog_dir() / evidence.EVIDENCE_FILE
    text = path.read_text(encoding="utf-8").splitlines()
    row = next(line for line in text if line.startswith("mlperf-v3.1-gpt3-intel-gaudi2-384"))
    stripped = row[:row.rindex(',"mlcommons/')] + ","  # drop the layout_source cell, keep the pins
    (tmp_path / "rows.csv").write_text(text[0] + "\n" + stripped + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="layout_source"):
        evidence.load_evidence(tmp_path / "rows.csv")


def test_leave_one_out_error_is_within_the_bound():
    comparisons = fidelity.compare(RUNS, CHIPS)
    assert sum(not c.moe for c in comparisons) >= 12 and any(c.moe for c in comparisons)
    assert fidelity.median_abs_error(comparisons, moe=False) <= DENSE_BOUND
    assert fidelity.median_abs_error(comparisons, moe=True) <= MOE_BOUND


def test_beats_a_constant_mfu_rule_fitted_with_hindsight():
    """The rule 6·N·D / (MFU* · peak) with MFU* fitted on all runs, the predicted one included."""
    _, baseline = fidelity.constant_mfu_errors(RUNS, CHIPS)
    assert fidelity.median_abs_error(fidelity.compare(RUNS, CHIPS)) < statistics.median(baseline)


def test_implied_efficiency_reproduces_the_run():
    run = next(r for r in RUNS if r.name == "MPT-7B")
    chip = CHIPS[run.chip]
    eta = fidelity.implied_efficiency(run, chip)
    assert fidelity.predicted_gpu_hours(run, chip, {"ampere": eta}) == pytest.approx(run.gpu_hours, rel=1e-6)


def test_leave_one_out_never_uses_the_run_itself():
    """Scaling one run's reported hours changes no other run's prediction except through the
    family fit, and never its own fitted η."""
    base = {c.run.name: c for c in fidelity.compare(RUNS, CHIPS)}
    changed = [r if r.name != "Falcon-7B" else type(r)(**{**r.__dict__, "gpu_hours": r.gpu_hours * 2}) for r in RUNS]
    again = {c.run.name: c for c in fidelity.compare(changed, CHIPS)}
    assert again["Falcon-7B"].fitted_efficiency == pytest.approx(base["Falcon-7B"].fitted_efficiency)
    assert again["Falcon-7B"].predicted_gpu_hours == pytest.approx(base["Falcon-7B"].predicted_gpu_hours)


def test_every_scored_run_names_a_catalog_chip_and_a_source():
    for run in RUNS:
        assert run.source and run.as_of
        if run.chip:
            assert run.chip in CHIPS
    assert sum(run.scored for run in RUNS) >= 12


def test_docs_show_the_current_tables():
    """Refresh with: .venv/bin/python benchmarks/fidelity.py --write"""
    text = DOC.read_text(encoding="utf-8")
    assert fidelity.report_markdown(RUNS, CHIPS) in text
    assert evidence.comparison_markdown(EVIDENCE, CHIPS, EFFICIENCY) in text


# --- Held-out runs (use = holdout): collected 2026-12-05, after η was fixed; never fitted. ---

def _scaled(runs, name, factor):
    """`runs` with run `name`'s reported GPU-hours multiplied by `factor`."""
    return [type(r)(**{**r.__dict__, "gpu_hours": r.gpu_hours * factor}) if r.name == name else r for r in runs]


HOLDOUT = [r for r in RUNS if r.use == "holdout"]


def test_holdout_runs_are_scored_and_sourced():
    assert len(HOLDOUT) >= 5 and all(r.scored and r.source and r.as_of for r in HOLDOUT)
    assert {r.name for r in HOLDOUT}.isdisjoint(r.name for r in RUNS if r.use == "fit")
    assert [c.run.name for c in fidelity.score_holdout(RUNS, CHIPS)] == [r.name for r in HOLDOUT]


@pytest.mark.parametrize("factor", [2.0, 0.5])
def test_holdout_hours_never_change_the_fit(factor):
    """Scaling a held-out run's hours leaves η, the leave-one-out table and the baseline's MFU*
    exactly as they were: no fit sees a holdout row."""
    changed = _scaled(RUNS, HOLDOUT[0].name, factor)
    assert fidelity.calibrate_efficiency(changed, CHIPS) == fidelity.calibrate_efficiency(RUNS, CHIPS)
    assert fidelity.constant_mfu_errors(changed, CHIPS) == fidelity.constant_mfu_errors(RUNS, CHIPS)
    assert fidelity.holdout_constant_mfu_errors(changed, CHIPS)[0] == fidelity.constant_mfu_errors(RUNS, CHIPS)[0]
    before = {c.run.name: c.predicted_gpu_hours for c in fidelity.compare(RUNS, CHIPS)}
    assert {c.run.name: c.predicted_gpu_hours for c in fidelity.compare(changed, CHIPS)} == before
    assert fidelity.score_holdout(changed, CHIPS)[0].error == pytest.approx(
        (fidelity.score_holdout(RUNS, CHIPS)[0].error + 1.0) / factor - 1.0)


def test_holdout_is_scored_with_the_fixed_table_not_a_refit():
    """Doubling a fit run's hours would move a refitted η; the held-out predictions use the
    η table as it stands, so they do not move."""
    before = [c.predicted_gpu_hours for c in fidelity.score_holdout(RUNS, CHIPS)]
    changed = _scaled(RUNS, "MPT-7B", 2.0)
    refit = fidelity.calibrate_efficiency(changed, CHIPS)["ampere"]
    assert refit != pytest.approx(fidelity.calibrate_efficiency(RUNS, CHIPS)["ampere"], abs=5e-4)
    assert [c.predicted_gpu_hours for c in fidelity.score_holdout(changed, CHIPS)] == before
    for c in fidelity.score_holdout(RUNS, CHIPS):  # families no measurement calibrates borrow the default
        assert c.fitted_efficiency == EFFICIENCY.get(chip_family(CHIPS[c.run.chip]), UNCALIBRATED_EFFICIENCY)


def test_holdout_hours_are_the_sources_figures():
    """karpathy/llm.c scripts (commit c6efd90): steps x seconds per step x 8 GPUs / 3600; the
    others: GPUs x the stated time, or the quoted total."""
    hours = {r.name: r.gpu_hours for r in HOLDOUT}
    assert hours["GPT-2 124M (llm.c)"] == pytest.approx(18_865 * 0.300 * 8 / 3600, abs=0.01)  # 12.58
    assert hours["GPT-2 350M (llm.c)"] == pytest.approx(60_000 * 0.820 * 8 / 3600, abs=0.01)  # 109.33
    assert hours["GPT-2 774M (llm.c)"] == pytest.approx(286_102 * 1.7 * 8 / 3600, abs=0.01)  # 1,080.83
    assert hours["GPT-2 1558M (llm.c)"] == pytest.approx(32_000 * 2.80 * 8 / 3600, abs=0.01)  # 199.11
    assert hours["GPT-2 124M (nanoGPT)"] == 8 * 4 * 24  # 8 A100 40GB for about 4 days
    assert hours["MPT-1.3B (RedPajama 200B)"] == 440 * 12  # 440 A100-40GBs for about half a day
    assert hours["Pythia 1.0B"] == 4830  # Pythia paper as quoted in the TinyLlama README


# Second collection (2026-12-05, session 7). Throughput tables: measured tokens/s/GPU typed from
# the sources (mosaicml/llm-foundry scripts/train/benchmarking/README.md at 8c8dd48, column
# "Throughput (T/s/GPU)" and "GlobalBatchSize (T)"; pytorch/torchtitan docs/performance.md at 0413364,
# column "WPS"), each scored on a nominal 1e11 tokens.
NOMINAL_TOKENS = 1e11
FOUNDRY = {  # name: (tokens/s/GPU, global batch tokens, activation checkpointing)
    "MPT 70b on 512 H100 (LLM Foundry benchmark)": (1007, 8_388_608, 1),
    "MPT 30b on 512 H100 (LLM Foundry benchmark)": (2115, 8_388_608, 1),
    "MPT 7b on 512 H100 (LLM Foundry benchmark)": (9670, 6_291_456, 0),
    "MPT 1b on 512 H100 (LLM Foundry benchmark)": (39837, 12_582_912, 0),
    "MPT 70b on 64 A100-80GB (LLM Foundry benchmark)": (410, 4_194_304, 1),
    "MPT 30b on 8 A100-80GB (LLM Foundry benchmark)": (916, 1_032_192, 1),
    "MPT 7b on 8 A100-80GB (LLM Foundry benchmark)": (4641, 196_608, 0),
    "MPT 1b on 8 A100-80GB (LLM Foundry benchmark)": (20513, 917_504, 0),
    "MPT 70b on 128 A100 (LLM Foundry benchmark)": (376, 1_048_576, 1),
    "MPT 30b on 128 A100 (LLM Foundry benchmark)": (865, 1_572_864, 1),
    "MPT 7b on 128 A100 (LLM Foundry benchmark)": (3623, 4_718_592, 1),
    "MPT 1b on 128 A100 (LLM Foundry benchmark)": (18647, 2_621_440, 0),
}
TORCHTITAN = {  # name: (WPS per GPU, local batch x 64 ranks x sequence)
    "Llama 3 8B on 64 A100-80GB (torchtitan benchmark)": (2904, 1 * 64 * 8192),
    "Llama 3 70B on 64 A100-80GB (torchtitan benchmark)": (331, 1 * 64 * 8192),
    "Llama 2 13B on 64 A100-80GB (torchtitan benchmark)": (2162, 2 * 64 * 4096),
    "Llama 2 70B on 64 A100-80GB (torchtitan benchmark)": (355, 1 * 64 * 4096),
}


def test_second_collection_hours_are_the_sources_figures():
    """GPU-hours = nominal tokens / measured tokens/s/GPU / 3600 for the throughput tables; the
    training runs' published totals (JetMoE paper: 30,000 H100 GPU-hours; OLMo Hybrid: 512 B200
    for 6.19 days)."""
    runs = {r.name: r for r in HOLDOUT}
    for name, (per_gpu, _) in {**{k: v[:2] for k, v in FOUNDRY.items()}, **TORCHTITAN}.items():
        assert runs[name].tokens == NOMINAL_TOKENS and runs[name].hours_basis == "throughput"
        assert runs[name].gpu_hours == pytest.approx(NOMINAL_TOKENS / per_gpu / 3600, abs=0.01), name
    assert runs["MPT 70b on 512 H100 (LLM Foundry benchmark)"].gpu_hours == pytest.approx(27_584.68, abs=0.01)
    assert runs["JetMoE-8B"].gpu_hours == 30_000 and runs["JetMoE-8B"].tokens == 1.25e12
    # The paper's throughput statement, 100B tokens a day on 96 H100, agrees within 4 %.
    assert 1.25e12 / 100e9 * 96 * 24 == pytest.approx(30_000, rel=0.04)  # 28,800
    assert runs["OLMo Hybrid 7B (B200 phase)"].gpu_hours == pytest.approx(512 * 6.19 * 24, abs=0.01)  # 76,062.72


def test_second_collection_is_scored_on_its_published_layout():
    """FSDP-only benchmarks: TP 1, PP 1, the table's batch and checkpointing; JetMoE's PP 3; the
    MoE run counts its 2.2B active parameters."""
    runs = {r.name: r for r in HOLDOUT}
    for name, (_, batch, recompute) in FOUNDRY.items():
        assert runs[name].batch_tokens == batch and dict(runs[name].pin) == {"tp": 1, "pp": 1, "recompute": recompute}
    for name, (_, batch) in TORCHTITAN.items():
        assert runs[name].batch_tokens == batch and dict(runs[name].pin)["tp"] == 1
    assert dict(runs["JetMoE-8B"].pin) == {"pp": 3} and runs["JetMoE-8B"].workload.active_params == 2.2e9


def test_every_holdout_row_names_its_stack():
    assert all(r.stack for r in HOLDOUT)
    production = [r for r in HOLDOUT if r.stack not in fidelity.NON_PRODUCTION_STACKS]
    assert {r.stack for r in HOLDOUT} - {r.stack for r in production} == set(fidelity.NON_PRODUCTION_STACKS)
    assert len(production) >= 20


def test_holdout_medians_per_stack_are_over_the_right_runs():
    """The 'production stacks' line is the median over every held-out run but llm.c and
    nanoGPT, recomputed here from the per-run errors."""
    comparisons = fidelity.score_holdout(RUNS, CHIPS)
    best, rule = fidelity.holdout_constant_mfu_errors(RUNS, CHIPS)
    keep = [i for i, c in enumerate(comparisons) if c.run.stack not in fidelity.NON_PRODUCTION_STACKS]
    model = statistics.median(abs(comparisons[i].error) for i in keep)
    baseline = statistics.median(rule[i] for i in keep)
    line = f"({len(keep)} runs): model {model:.1%}; constant-MFU rule {baseline:.1%}."
    assert any(text.startswith("* production stacks") and text.endswith(line)
               for text in fidelity.holdout_markdown(RUNS, CHIPS).splitlines())


@pytest.mark.parametrize("tail, message", [
    (",train,,run", r"use must be one of .*got 'train'"),
    (",fit,,trial", r"kind must be one of .*got 'trial'"),
    (",fit,,benchmark", r"a benchmark cannot be fitted"),
])
def test_loader_rejects_a_bad_use_or_kind(tmp_path, tail, message):
    source = (default_catalog_dir() / fidelity.RUNS_FILE).read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "runs.csv"
    assert source[0].endswith(",use,stack,kind") and source[1].endswith(",fit,,run")  # PaLM: a fit run, no stack
    bad.write_text("\n".join([source[0], source[1].removesuffix(",fit,,run") + tail]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"runs\.csv: run 'PaLM 540B': " + message):
        fidelity.load_runs(bad)


def test_a_benchmark_is_scored_at_the_showcase_level():
    """A benchmark row is predicted with its family's η / BENCHMARK_RATIO, and so is the rule's MFU*:
    the same row as a run takes 1/BENCHMARK_RATIO as many GEMM-seconds (checked on the rule exactly,
    on the model between the compute share's bounds)."""
    row = next(r for r in HOLDOUT if r.kind == "benchmark")
    as_run = dataclasses.replace(row, kind="run")
    chip = CHIPS[row.chip]
    best, _ = fidelity.constant_mfu_errors(RUNS, CHIPS)
    assert fidelity.rule_error(row, chip, best) + 1 == pytest.approx(
        (fidelity.rule_error(as_run, chip, best) + 1) * BENCHMARK_RATIO)
    family = chip_family(chip)
    showcase = {family: EFFICIENCY[family] / BENCHMARK_RATIO}
    assert fidelity.predicted_gpu_hours(row, chip) == pytest.approx(fidelity.predicted_gpu_hours(as_run, chip, showcase))
    assert fidelity.predicted_gpu_hours(row, chip) < fidelity.predicted_gpu_hours(as_run, chip)


def test_every_benchmark_is_named_and_held_out():
    """Kind follows what the source measured: every row named '... benchmark' or '... recipe' (a
    vendor's tuned recipe log) is one, and none is fitted."""
    assert ({r.name for r in RUNS if r.kind == "benchmark"}
            == {r.name for r in RUNS if "benchmark" in r.name or "recipe" in r.name})
    assert all(r.use == "holdout" for r in RUNS if r.kind == "benchmark")


def test_docs_show_the_current_holdout_table():
    """Refresh with: .venv/bin/python benchmarks/fidelity.py --write"""
    assert fidelity.holdout_markdown(RUNS, CHIPS, EFFICIENCY) in DOC.read_text(encoding="utf-8")


def test_no_holdout_rows_says_so():
    assert fidelity.holdout_markdown([r for r in RUNS if r.use == "fit"], CHIPS) == "No held-out runs."


def test_same_stack_ratio_is_the_published_throughput_ratio():
    """LLM Foundry's MPT 70b: 1,007 tokens/s/GPU on H100 and 410 on A100 80GB (the rows'
    sources), so A100 needs 1,007 / 410 = 2.456 times H100's GPU-hours per token."""
    ratios = {(r.slower.name, r.faster.name): r for r in fidelity.same_stack_ratios(RUNS, CHIPS)}
    pair = ratios[("MPT 70b on 64 A100-80GB (LLM Foundry benchmark)", "MPT 70b on 512 H100 (LLM Foundry benchmark)")]
    assert pair.measured == pytest.approx(1007 / 410, rel=1e-5)
    assert pair.predicted == pytest.approx(
        fidelity.predicted_gpu_hours(pair.slower, CHIPS["A100-80GB"]) / fidelity.predicted_gpu_hours(pair.faster, CHIPS["H100"]))
    # one pair per A100 row of LLM Foundry (8 rows), none within one chip family (A100 40GB vs 80GB)
    assert sum(r.slower.stack == "LLM Foundry (Composer)" for r in ratios.values()) == 8
    assert all(chip_family(CHIPS[r.slower.chip]) != chip_family(CHIPS[r.faster.chip]) for r in ratios.values())
    # a training run is never paired with a benchmark (IBM's Llama 2 7B replica run and fms-fsdp's H100 table)
    assert all(r.slower.kind == r.faster.kind and r.slower.precision == r.faster.precision for r in ratios.values())
    assert not any("replica" in r.slower.name or "replica" in r.faster.name for r in ratios.values())


def test_docs_show_the_current_ratio_table():
    """Refresh with: .venv/bin/python benchmarks/fidelity.py --write"""
    assert fidelity.ratio_markdown(RUNS, CHIPS, EFFICIENCY) in DOC.read_text(encoding="utf-8")


def test_diagnosis_set_is_the_diagnosed_collections_and_reported_apart():
    """Sessions 8 and 10 diagnosed the model on the holdout rows of collections 1-3 (7 + 18 + 24,
    docs/fidelity.md): every one is a holdout row, none is fitted, and the generated block gives
    their median under the diagnosis-set label; a later collection gets a line of its own."""
    diagnosed = [r for r in RUNS if r.collection in fidelity.DIAGNOSED_COLLECTIONS]
    assert len(diagnosed) == 49 and all(r.use == "holdout" for r in diagnosed)
    assert all(r.collection == 0 for r in RUNS if r.use == "fit")
    text = fidelity.holdout_markdown(RUNS, CHIPS)
    assert "* diagnosis set (collections 1, 2, 3, not held out) (49 runs)" in text
    late = [r for r in RUNS if r.use == "holdout" and r.collection not in fidelity.DIAGNOSED_COLLECTIONS]
    assert ("* held out, unseen by any diagnosis" in text) == bool(late)
    moved = [dataclasses.replace(r, collection=99) if r.name == "JetMoE-8B" else r for r in RUNS]
    assert f"* held out, unseen by any diagnosis ({len(late) + 1} run{'s' if late else ''})" in fidelity.holdout_markdown(moved, CHIPS)


def test_no_holdout_row_influences_any_fitted_constant():
    """Scaling every held-out run's hours at once (all three collections) leaves the whole η table
    (runs, then MLPerf and vendor rows on top of it), the leave-one-out table and the baseline's
    MFU* unchanged: held-out rows are scored, never fitted."""
    vendor = evidence.load_evidence(default_catalog_dir() / evidence.VENDOR_FILE)

    def fitted(runs):
        from_runs = fidelity.calibrate_efficiency(runs, CHIPS)
        return from_runs | evidence.calibrate_from_evidence(EVIDENCE + vendor, CHIPS, from_runs)

    changed = RUNS
    for run in HOLDOUT:
        changed = _scaled(changed, run.name, 3.0)
    assert fitted(changed) == fitted(RUNS)
    assert fidelity.constant_mfu_errors(changed, CHIPS) == fidelity.constant_mfu_errors(RUNS, CHIPS)
    assert ([c.predicted_gpu_hours for c in fidelity.compare(changed, CHIPS)]
            == [c.predicted_gpu_hours for c in fidelity.compare(RUNS, CHIPS)])


# Third collection (2026-12-05, session 8), scored before any refit (docs/fidelity.md). Figures typed
# from the sources named in each row's `source`.
COLLECTIONS = fidelity.load_collections(default_catalog_dir() / fidelity.COLLECTIONS_FILE)
THIRD = {r.name: r for r in HOLDOUT if COLLECTIONS.get(r.name) == 3}


def test_every_holdout_row_is_in_exactly_one_collection():
    assert set(COLLECTIONS) == {r.name for r in HOLDOUT}
    assert sorted(statistics.multimode(COLLECTIONS.values())) == [4]  # the largest collection
    assert [sum(n == k for n in COLLECTIONS.values()) for k in (1, 2, 3, 4, 5)] == [7, 18, 24, 34, 27]


def test_collections_loader_rejects_a_bad_number(tmp_path):
    bad = tmp_path / "collections.csv"
    bad.write_text("run,collection,collected\nPhi-4 (14B),third,2026-12-05\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"collections\.csv: run 'Phi-4 \(14B\)': collection must be a positive integer, got 'third'"):
        fidelity.load_collections(bad)


def _maxtext(mfu, peak_tflops, d, heads, mlp, layers):
    """(N, tokens/s/chip) of a MaxText config at commit 76bd53b: four attention matrices of
    d x heads·256, a relu MLP of two matrices, two norm scales per layer, a tied 32,768 x d
    embedding and a final norm; MaxText's FLOPs per token 6N + 6·heads·layers·256·2048
    (train.py calculate_training_tflops); TFLOP/s/chip = MFU x the chip's peak."""
    n = layers * (4 * d * heads * 256 + 2 * d * mlp + 2 * d) + 32768 * d + d
    return n, mfu * peak_tflops * 1e12 / (6 * n + 6 * heads * layers * 256 * 2048)


# name: (MFU, peak TFLOP/s, (d_model, heads, MLP, layers) from global_parameter_scale or the
# config's base_* flags, nominal size in the table, per-device batch, tp, recompute)
MAXTEXT = {
    "MaxText 16B on 256 TPU v5e (MaxText benchmark)": (0.6110, 197, (5120, 32, 32768, 32), 16, 6, 1, 1),
    "MaxText 32B on 256 TPU v5e (MaxText benchmark)": (0.6686, 197, (10240, 32, 32768, 32), 32, 4, 1, 1),
    "MaxText 64B on 256 TPU v5e (MaxText benchmark)": (0.5990, 197, (10240, 32, 32768, 64), 64, 2, 1, 1),
    "MaxText 128B on 256 TPU v5e (MaxText benchmark)": (0.5606, 197, (10240, 64, 65536, 64), 128, 1, 16, 1),
    "MaxText 22B on 64 TPU v4 (MaxText benchmark)": (0.567, 275, (6144, 24, 24576, 48), 22, 16, 1, 1),
    "MaxText 52B on 192 TPU v4 (MaxText benchmark)": (0.560, 275, (12288, 32, 49152, 32), 52, 10, 1, 1),
    "MaxText 32B on 64 TPU v5p (MaxText benchmark)": (0.7147, 459, (10240, 32, 32768, 32), 32, 8, 4, 0),
    "MaxText 64B on 64 TPU v5p (MaxText benchmark)": (0.7031, 459, (10240, 32, 32768, 64), 64, 4, 4, 0),
    "MaxText 128B on 128 TPU v5p (MaxText benchmark)": (0.6868, 459, (10240, 64, 65536, 64), 128, 2, 8, 0),
}
THIRD_TOKENS_PER_S = {  # tokens/s per device as the sources state them, or the stated arithmetic
    "GPT-OSS 120B on 64 H100 (Megatron-Bridge benchmark)": 5630,
    "GPT-OSS 120B on 64 B200 (Megatron-Bridge benchmark)": 8213,
    "Qwen3-30B-A3B on 16 H100 (Megatron-Bridge benchmark)": 5275,
    "Qwen3-235B-A22B on 64 B200 (Megatron-Bridge benchmark)": 3269,
    "Llama 2 7B on 8 Gaudi2 (Intel benchmark)": 70523 / 8,  # the page's total over 8 HPUs
    "Llama 2 13B on 16 Gaudi2 (Intel benchmark)": 59397 / 16,
    "Llama 3.1 8B on 512 Trainium (Neuron benchmark)": 47.95 * 8192 / 512,  # seq/s x sequence / 32 x 16 chips
    "Llama 3.1 70B on 512 Trainium (Neuron benchmark)": 7.94 * 8192 / 512,
    "Llama 3.1 8B on 64 H200 (torchtitan benchmark)": 10753,
}
PHI = {"Phi-3-mini (3.8B)": (512, 7), "Phi-3-medium (14B)": (512, 42), "Phi-4-mini (3.8B)": (512, 21),
       "Phi-4 (14B)": (1920, 21), "Phi-2 (2.7B)": (96, 14), "Phi-1.5 (1.3B)": (32, 8)}  # model cards: GPUs, days


def test_third_collection_hours_are_the_sources_figures():
    assert set(THIRD) == set(MAXTEXT) | set(THIRD_TOKENS_PER_S) | set(PHI)
    for name, (mfu, peak, shape, size, *_) in MAXTEXT.items():
        n, per_chip = _maxtext(mfu, peak, *shape)
        assert abs(n / 1e9 / size - 1) < 0.02, name  # the shape gives the table's nominal size
        assert THIRD[name].params_total == n
        assert THIRD[name].gpu_hours == pytest.approx(NOMINAL_TOKENS / per_chip / 3600, abs=0.01), name
    assert THIRD["MaxText 16B on 256 TPU v5e (MaxText benchmark)"].gpu_hours == pytest.approx(23_277.56, abs=0.01)
    for name, per_device in THIRD_TOKENS_PER_S.items():
        run = THIRD[name]
        assert run.tokens == NOMINAL_TOKENS and run.hours_basis == "throughput"
        assert run.gpu_hours == pytest.approx(NOMINAL_TOKENS / per_device / 3600, abs=0.01), name
    for name, (gpus, days) in PHI.items():
        assert THIRD[name].gpus == gpus and THIRD[name].gpu_hours == gpus * days * 24
        assert THIRD[name].hours_basis == "wall_clock"
    assert THIRD["Phi-4 (14B)"].source.startswith("Secondary")


def test_third_collection_is_scored_on_its_published_layout():
    for name, (*_, per_device_batch, tp, recompute) in MAXTEXT.items():
        run = THIRD[name]
        assert run.batch_tokens == per_device_batch * run.gpus * 2048
        assert dict(run.pin) == {"tp": tp, "pp": 1, "recompute": recompute}
    pins = {"GPT-OSS 120B on 64 H100 (Megatron-Bridge benchmark)": {"tp": 1, "pp": 4},
            "GPT-OSS 120B on 64 B200 (Megatron-Bridge benchmark)": {"tp": 1, "pp": 1},
            "Qwen3-30B-A3B on 16 H100 (Megatron-Bridge benchmark)": {"tp": 1, "pp": 2},
            "Qwen3-235B-A22B on 64 B200 (Megatron-Bridge benchmark)": {"tp": 1, "pp": 8},
            "Llama 3.1 8B on 512 Trainium (Neuron benchmark)": {"tp": 16, "pp": 1},  # TP=32 NeuronCores
            "Llama 3.1 70B on 512 Trainium (Neuron benchmark)": {"tp": 16, "pp": 8},
            "Llama 3.1 8B on 64 H200 (torchtitan benchmark)": {"tp": 1, "pp": 1}}
    for name, pin in pins.items():
        assert dict(THIRD[name].pin) == pin, name
    assert all(not THIRD[name].pin for name in PHI)
    moe = {name for name, run in THIRD.items() if run.workload.active_params < run.workload.params}
    assert moe == {name for name in THIRD if "Megatron-Bridge" in name}
    assert all(run.source and run.stack and run.as_of for run in THIRD.values())


def test_one_collection_is_scored_on_its_own():
    """What `benchmarks/fidelity.py --collection 3` prints: the third collection's rows only."""
    text = fidelity.holdout_markdown(RUNS, CHIPS, EFFICIENCY, set(THIRD))
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| run ")]
    assert [row.split(" | ")[0].removeprefix("| ") for row in rows] == list(THIRD)
    assert "* the held-out runs shown (24 runs)" in text


# Fourth collection (2026-12-06, session 10), collected by an engineer who did not see the session's
# model changes, scored after them at commit 52a4c3e, before any refit (docs/fidelity.md). Figures
# typed from the quotes in each row's `source`: tokens/s per device of the benchmark logs and tables;
# GPUs and days (or the maintainer's GPU-hours) of the runs.
FOURTH = {r.name: r for r in HOLDOUT if COLLECTIONS.get(r.name) == 4}
FOURTH_TOKENS_PER_S = {
    "Llama 3.1 8B on 128 H100 (torchtitan benchmark)": 5605, "Llama 3.1 70B on 256 H100 (torchtitan benchmark)": 829,
    "Llama 3.1 405B on 512 H100 (torchtitan benchmark)": 100,
    "Llama 3.1 70B on 256 H100 bf16 TP (torchtitan async-TP benchmark)": 597.3,
    "Llama 3.1 8B on 64 H100 bf16 TP (torchtitan async-TP benchmark)": 4378,
    "GPT-3 175B on 256 TPU v6e (MaxText recipe)": 357.58, "Gemma 3 12B on 1024 TPU v6e (MaxText recipe)": 3905.572,
    "Llama 3.1 405B on 512 TPU v6e (MaxText recipe)": 149.482, "Mistral 7B on 8 TPU v6e (MaxText recipe)": 7776.813,
    "Mixtral 8x7B on 256 TPU v6e (MaxText recipe)": 3645.203, "Mixtral 8x22B on 256 TPU v6e (MaxText recipe)": 1326.307,
    "DeepSeek-V3 671B on 512 TPU v5p (MaxText recipe)": 542.108, "Llama 3.1 405B on 512 TPU v5p (MaxText recipe)": 124.618,
    "Llama 4 Maverick on 128 TPU v5p (MaxText recipe)": 1321.725, "Llama 4 Scout on 512 TPU v5p (MaxText recipe)": 2070.487,
    "DeepSeek-V3 on 256 GB200 (Megatron-Bridge benchmark)": 4912, "GPT-OSS 120B on 64 GB200 (Megatron-Bridge benchmark)": 28672,
    "Qwen3-30B-A3B on 8 GB200 (Megatron-Bridge benchmark)": 39936,
    "Qwen3-235B-A22B on 256 GB200 (Megatron-Bridge benchmark)": 7280,
    "DeepSeek-V3 on 256 B200 (Megatron-Bridge benchmark)": 2139, "DeepSeek-V3 on 1024 H100 (Megatron-Bridge benchmark)": 1297,
    "Llama 2 7B on 256 Trainium (Neuron benchmark)": 95.14 * 4096 / 256,  # sequences/s x sequence / chips
    "Llama 2 13B on 512 Trainium (Neuron benchmark)": 80.33 * 4096 / 512,
    "Llama 2 70B on 512 Trainium (Neuron benchmark)": 14.44 * 4096 / 512,
}
FOURTH_RUNS = {"SmolLM2-1.7B": (256, 140_000 / 256 / 24), "SmolLM2-360M": (128, 20_000 / 128 / 24),
               "SmolLM2-135M": (64, 5_000 / 64 / 24), "SmolLM-135M": (64, 1), "OLMoE-1B-7B": (256, 10),
               "Falcon2-11B": (1024, 60), "Falcon-Mamba-7B": (256, 60), "Zamba-7B": (128, 30),
               "Phi-3.5-mini (3.8B)": (512, 10), "Phi-3.5-MoE (16x3.8B)": (512, 23)}  # GPUs, days


def _check_source_figures(rows, tokens_per_s, runs):
    """Benchmarks: GPU-hours of the nominal tokens at the published tokens/s per device; training
    runs: GPUs x days x 24; every row sourced, dated and naming its stack."""
    for name, per_device in tokens_per_s.items():
        run = rows[name]
        assert run.tokens == NOMINAL_TOKENS and run.hours_basis == "throughput" and run.kind == "benchmark"
        assert run.gpu_hours == pytest.approx(NOMINAL_TOKENS / per_device / 3600, abs=0.01), name
    for name, (gpus, days) in runs.items():
        run = rows[name]
        assert run.kind == "run" and run.hours_basis == "wall_clock" and run.gpus == gpus
        assert run.gpu_hours == pytest.approx(gpus * days * 24, abs=0.01), name
    assert all(run.source and run.stack and run.as_of for run in rows.values())


def test_fourth_collection_hours_are_the_sources_figures():
    assert set(FOURTH) == set(FOURTH_TOKENS_PER_S) | set(FOURTH_RUNS)
    _check_source_figures(FOURTH, FOURTH_TOKENS_PER_S, FOURTH_RUNS)


def test_a_published_layout_the_memory_model_refuses_is_scored_free_and_flagged():
    """MaxText's Llama 3.1 405B recipe on 512 TPU v6e runs pure FSDP (TP 1, PP 1) with host offload
    of layer inputs, which the memory model does not know: the row is scored on the searched layout
    and marked, never dropped."""
    name = "Llama 3.1 405B on 512 TPU v6e (MaxText recipe)"
    run = FOURTH[name]
    with pytest.raises(ValueError, match="pinned layout"):
        estimate(run.workload, CHIPS[run.chip], run.gpus, run.precision, pin=run.pin)
    scored = {c.run.name: c for c in fidelity.score_holdout(RUNS, CHIPS)}
    assert scored[name].layout_refused and not any(c.layout_refused for n, c in scored.items() if n != name)
    free = dataclasses.replace(run, pin=())
    assert scored[name].predicted_gpu_hours == pytest.approx(fidelity.predicted_gpu_hours(free, CHIPS[run.chip]))
    assert f"| {name} ‡ |" in fidelity.holdout_markdown(RUNS, CHIPS)


# Fifth collection (2026-12-06, session 10), collected blind to the risk change and scored at commit
# f09530a, before any refit. Figures typed from the quotes in each row's `source`.
FIFTH = {r.name: r for r in HOLDOUT if COLLECTIONS.get(r.name) == 5}
FIFTH_TOKENS_PER_S = {
    "Llama 2 7B on 128 A100-80GB (fms-fsdp benchmark)": 4550, "Llama 2 7B on 96 H100 (fms-fsdp benchmark)": 9600,
    "Llama 2 13B on 128 A100-80GB (fms-fsdp benchmark)": 2150, "Llama 2 13B on 96 H100 (fms-fsdp benchmark)": 4850,
    "Llama 2 34B on 128 A100-80GB (fms-fsdp benchmark)": 820, "Llama 2 34B on 96 H100 (fms-fsdp benchmark)": 1830,
    "Llama 2 70B on 128 A100-80GB (fms-fsdp benchmark)": 410, "Llama 2 70B on 96 H100 (fms-fsdp benchmark)": 890,
    "DeepSeek-V3 on 1024 H100 (NeMo AutoModel benchmark)": 865, "Kimi K2 on 256 H100 (NeMo AutoModel benchmark)": 924,
    "Qwen3-30B-A3B on 8 H100 (NeMo AutoModel benchmark)": 12040, "GPT-OSS 20B on 8 H100 (NeMo AutoModel benchmark)": 13058,
    "GPT-OSS 120B on 64 H100 (NeMo AutoModel benchmark)": 7626,
    "Llama 3.1 70B on 64 H100 (NeMo AutoModel benchmark)": 866.77,
}
FIFTH_RUNS = {"SantaCoder (1.1B)": (96, 6.2), "Phi-1 (1.3B)": (8, 6), "Falcon-RW-1B": (32, 6),
              "OpenELM-3B": (128, 13), "MobileLLM-125M": (32, 3), "MobileLLM-350M": (32, 6),
              "MobileLLM-600M": (32, 8), "MobileLLM-1B": (32, 12), "MobileLLM-1.5B": (32, 18),
              "Llama 2 7B replica (IBM fms-fsdp, 2.2T tokens)": (128, 162_000 / 128 / 24),
              "nanochat d24 GPT-2 speedrun on 8 H100 (2026-01-29)": (8, 10_949.46713 / 86_400),
              "nanochat d26 GPT-2 speedrun on 8 H100 (2026-02-02)": (8, 10_493 / 86_400)}  # GPUs, days


def test_fifth_collection_hours_are_the_sources_figures():
    starcoder = "StarCoder2-3B (Fast-LLM, throughput)"  # a run timed by its sustained 10,000 tokens/s/GPU
    assert set(FIFTH) == set(FIFTH_TOKENS_PER_S) | set(FIFTH_RUNS) | {starcoder}
    _check_source_figures(FIFTH, FIFTH_TOKENS_PER_S, FIFTH_RUNS)
    run = FIFTH[starcoder]
    assert run.kind == "run" and run.hours_basis == "throughput" and run.tokens == 3.3e12
    assert run.gpu_hours == pytest.approx(3.3e12 / 10_000 / 3600, abs=0.01)


# Sixth collection (2026-12-06, session 11): training runs only, collected blind by two engineers
# (model cards; papers and reports) and scored at commit 336640b (its model that of 783f347), before
# any refit. Devices and hours as quoted in each row's `source`; three rows are timed by a logged
# throughput: tokens / (tokens/s per device) / 3600.
SIXTH = {r.name: r for r in HOLDOUT if COLLECTIONS.get(r.name) == 6}
_DAY, _MIN = 24.0, 1 / 60
SIXTH_WALL_CLOCK = {  # devices, hours
    "Pleias-3b-Preview": (192, 20 * _DAY), "SEA-LION-v1-3B": (240, 14 * _DAY), "SEA-LION-v1-7B": (256, 22 * _DAY),
    "Llama-SEA-LION-v2-8B (continued pre-training, 48B tokens)": (64, 2 * _DAY),
    "Gemma-SEA-LION-v3-9B (continued pre-training, 200B tokens)": (64, 10 * _DAY),
    "Llama-SEA-LION-v3-8B (continued pre-training, 200B tokens)": (64, 136),
    "Llama-SEA-LION-v3-70B continued pre-training (stage 1, H200)": (64, 200),
    "Llama-SEA-LION-v3-70B continued pre-training (stage 2, H100)": (128, 495),
    "Llama 3.3 Swallow 70B v0.4 (continued pre-training, 314B tokens)": (256, 16 * _DAY),
    "mGPT (1.3B, ai-forever)": (256, 12 * _DAY), "NT-Java-1.1B (Infosys)": (6, 10 * _DAY),
    "Llama-3-8B-Instruct-Gradient-1048k context-extension stage 65K (L40S)": (8, 202 * _MIN),
    "Llama-3-8B-Instruct-Gradient-1048k context-extension stage 262K (L40S)": (32, 555 * _MIN),
    "Llama-3-8B-Instruct-Gradient-1048k context-extension stage 524K (L40S)": (512, 61 * _MIN),
    "Llama-3-8B-Instruct-Gradient-1048k context-extension stage 1048K (L40S)": (512, 87 * _MIN),
    "Llama-3-70B-Instruct-Gradient-1048k context-extension stage 65K (L40S)": (512, 100 * _MIN),
    "Llama-3-70B-Instruct-Gradient-1048k context-extension stage 262K (L40S)": (512, 170 * _MIN),
    "Llama-3-70B-Instruct-Gradient-1048k context-extension stage 524K (L40S)": (512, 284 * _MIN),
    "Llama-3-70B-Instruct-Gradient-1048k context-extension stage 1048K (L40S)": (128, 516 * _MIN),
    "MPT-7B-8k (continued pre-training, 500B tokens at 8k)": (256, 3 * _DAY),
    "Nemotron-4 15B phase 1 (768 H100)": (768, 0.8 * _DAY), "Nemotron-4 15B phase 2 (1536 H100)": (1536, 0.4 * _DAY),
    "Nemotron-4 15B phase 3 (2304 H100)": (2304, 11.9 * _DAY), "GPT-J-6B (TPU v3-256)": (128, 5 * 7 * _DAY),
    "CodeParrot-small (110M)": (16, 1 * _DAY), "CodeParrot (1.5B)": (16, 7 * _DAY),
    "FineWeb ablation model 1.82B, 28B tokens (64 H100)": (64, 5),
    "FineWeb-Edu ablation model 1.82B, 350B tokens (64 H100)": (64, 60),
}
SIXTH_THROUGHPUT = {  # tokens/s per device of the logged step
    "Nemotron-4 340B main phase (6144 H100, throughput)": 2304 * 4096 / 8 / 6144,
    "BigScience tr1-13B (final 512 V100 phase, throughput)": 1024 * 2048 / 13.2482 / 512,
    "H2O-Danube-1.8B (8 H100, FP8, throughput)": 292_700 / 8,
}


def _check_run_hours(rows, wall_clock, throughput):
    """Training runs only: GPU-hours from the devices and hours (or the logged tokens/s per device) the
    sources quote; rows round to 0.1 GPU-hour, hence the relative tolerance. Every row sourced, dated
    and naming its stack."""
    assert set(rows) == set(wall_clock) | set(throughput)
    for name, (gpus, hours) in wall_clock.items():
        run = rows[name]
        assert run.kind == "run" and run.hours_basis == "wall_clock" and run.gpus == gpus, name
        assert run.gpu_hours == pytest.approx(gpus * hours, rel=2e-3), name
    for name, per_device in throughput.items():
        run = rows[name]
        assert run.kind == "run" and run.hours_basis == "throughput", name
        assert run.gpu_hours == pytest.approx(run.tokens / per_device / 3600, rel=2e-3), name
    assert all(run.source and run.stack and run.as_of for run in rows.values())


def test_sixth_collection_hours_are_the_sources_figures():
    assert len(SIXTH) == 31
    _check_run_hours(SIXTH, SIXTH_WALL_CLOCK, SIXTH_THROUGHPUT)


SIXTH_TOKENS = {  # steps x sequences per step x sequence length, as each row's source states them
    "Llama-SEA-LION-v3-70B continued pre-training (stage 1, H200)": (9_000, 512, 8_192),
    "Llama-SEA-LION-v3-70B continued pre-training (stage 2, H100)": (47_684 - 9_000, 512, 8_192),
    "CodeParrot-small (110M)": (150_000, 12 * 16, 1_024), "CodeParrot (1.5B)": (50_000, 2 * 16 * 16, 1_024),
    "Llama-3-8B-Instruct-Gradient-1048k context-extension stage 65K (L40S)": (30, 32, 2**16),
    "Llama-3-8B-Instruct-Gradient-1048k context-extension stage 262K (L40S)": (24, 16, 2**18),
    "Llama-3-8B-Instruct-Gradient-1048k context-extension stage 524K (L40S)": (50, 16, 2**19),
    "Llama-3-8B-Instruct-Gradient-1048k context-extension stage 1048K (L40S)": (50, 16, 2**20),
    "Llama-3-70B-Instruct-Gradient-1048k context-extension stage 65K (L40S)": (20, 64, 2**16),
    "Llama-3-70B-Instruct-Gradient-1048k context-extension stage 262K (L40S)": (25, 16, 2**18),
    "Llama-3-70B-Instruct-Gradient-1048k context-extension stage 524K (L40S)": (25, 16, 2**19),
    "Llama-3-70B-Instruct-Gradient-1048k context-extension stage 1048K (L40S)": (8, 4, 2**20),
    "BigScience tr1-13B (final 512 V100 phase, throughput)": (1, 153_013_584, 2_048),  # consumed samples
}


# Seventh collection (2026-12-06, session 11): training runs only, collected blind by two engineers
# (other chips; NVIDIA from unused sources) and scored at commit 067fef3, before any refit, against what
# docs/fidelity.md had stated it would be scored on (commit ae729b7). Devices and hours as quoted; four
# rows give GPU-hours outright, two a logged throughput.
SEVENTH = {r.name: r for r in HOLDOUT if COLLECTIONS.get(r.name) == 7}
SEVENTH_WALL_CLOCK = {  # devices, hours
    "ruGPT3XL (1.3B, sparse attention, 256 V100)": (256, 10 * _DAY),
    "ruGPT3Large (760M, 1024-context phase, 128 V100)": (128, 14 * _DAY),
    "ruGPT3Medium (356M, 64 V100)": (64, 16 * _DAY), "ruGPT3Small (125M, 32 V100)": (32, 7 * _DAY),
    "ruGPT-3.5-13B (V100 pre-training phase, 512 V100)": (512, 45 * _DAY),
    "Gopher 280B (4096 TPU v3, 920 h, Secondary)": (4096, 920),
    "OpenEuroLLM datamix-0.7b-megamath_text_code-100bt (LUMI, 16 MI250X nodes)": (64, 1_500 / 64),
    "rinna nekomata-14b (continued pre-training of Qwen-14B, 66B tokens, 256 Trainium)": (256, 7 * _DAY),
    "nanochat d24 on 8 B200 (fp8, ratio 8, report 2026-03-19)": (8, 128.37 * _MIN),
    "Hyra nanochat-autoresearch 9-layer model on 1 B200 (300 s budget)": (1, 300.1 / 3600),
    "Paloma 1B baseline trained on RedPajama (64 MI250X, LUMI)": (64, 2 * _DAY),
    "Paloma 1B baseline trained on The Pile (64 MI250X, LUMI)": (64, 2 * _DAY),
    "Paloma 1B baseline trained on C4 (64 MI250X, LUMI)": (64, 2 * _DAY),
    "Paloma 1B baseline trained on mC4-en (64 MI250X, LUMI)": (64, 2 * _DAY),
    "Aurora-M 15.5B continued pre-training of StarCoderPlus (435B tokens, 128 MI250X, Secondary)": (128, 48 * _DAY),
    "Llemma 7B (continued pre-training of Code Llama 7B, 256 A100)": (256, 23_000 / 256),
    "Llemma 34B (continued pre-training of Code Llama 34B, 256 A100)": (256, 47_000 / 256),
    "LLaMA-Pro-8B block-expansion pre-training (16 H800)": (16, 2_830 / 16),
    "TeenyTinyLlama-160m (1 A100-40GB)": (1, 36), "TeenyTinyLlama-460m (1 A100-40GB)": (1, 280),
    "BioMedLM 2.7B (PubMed GPT, 128 A100-40GB)": (128, 6.25 * _DAY), "GPT-NeoX-20B (96 A100-40GB)": (96, 1_830),
}
SEVENTH_THROUGHPUT = {"Sheared-LLaMA-1.3B continued pre-training (16 A100-80GB, throughput)": 8_684,
                      "Sheared-LLaMA-2.7B continued pre-training (16 A100-80GB, throughput)": 4_957}


def test_seventh_collection_hours_are_the_sources_figures():
    assert len(SEVENTH) == 24
    _check_run_hours(SEVENTH, SEVENTH_WALL_CLOCK, SEVENTH_THROUGHPUT)
    assert all(SEVENTH[name].tokens == 48_000 * 256 * 4_096 for name in SEVENTH_THROUGHPUT)  # steps x batch x seq


def test_sixth_collection_derived_tokens_are_the_sources_steps():
    """The rows whose tokens the collectors derived (stage splits, steps x batch, consumed samples):
    tokens and sequence length from the figures their sources state."""
    for name, (steps, sequences, seq_len) in SIXTH_TOKENS.items():
        run = SIXTH[name]
        assert run.tokens == steps * sequences * seq_len and run.seq_len == seq_len, name


def test_held_out_run_ratios_are_the_catalogs():
    """mfu.HELD_OUT_RUN_RATIO, which plans quote for the chips they use, is the geometric mean and
    quartiles of predicted / reported GPU-hours over the held-out training runs on production stacks,
    per family with at least 5 such runs on at least 3 stacks, recomputed from the catalog. L40S has
    8 runs, all one team's (EasyContext) context-extension stages: no entry."""
    from planner.compute.mfu import HELD_OUT_RUN_RATIO
    fresh = fidelity.production_run_ratios(fidelity.score_holdout(RUNS, CHIPS), CHIPS)
    assert HELD_OUT_RUN_RATIO.keys() == fresh.keys() == {"ampere", "cdna2", "hopper", "volta"}
    l40s = [r for r in HOLDOUT if r.chip == "L40S" and r.kind == "run"]
    assert len(l40s) == 8 and len({r.stack for r in l40s}) == 1
    assert "ada" in fidelity.production_run_ratios(fidelity.score_holdout(RUNS, CHIPS), CHIPS, min_stacks=1)
    for family, held in HELD_OUT_RUN_RATIO.items():
        fresh_held = fresh[family]
        assert (held.runs, held.slower) == (fresh_held.runs, fresh_held.slower)
        assert (held.ratio, held.low, held.high) == (pytest.approx(fresh_held.ratio, abs=5e-4),
                                                     pytest.approx(fresh_held.low, abs=5e-4),
                                                     pytest.approx(fresh_held.high, abs=5e-4))
