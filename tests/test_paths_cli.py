"""`plan candidates`: table and JSON output, and bad targets as one-line input errors."""

import json

import pytest
from click.testing import CliRunner

from planner.cli import cli, main


def run(*args):
    return CliRunner().invoke(cli, ["candidates", *args], catch_exceptions=False)


def test_json_lists_candidates_cheapest_compute_first():
    # Legal loss 2.27195. Llama 3 8B as released: 2.02206 + 0.25 gap = 2.27206; its 15T general tokens
    # are worth D_T = (1.5e13^-0.3658 + 0.25/2085.43)^(-1/0.3658) = 3.79e10 legal tokens, and
    # 20,000 x 1,500 x 3 = 9e7 example tokens lower that by 0.3658 x (0.25 + 0.0316) x 9e7/3.79e10 =
    # 0.00024 (full SFT: 2.27182) or half of it (LoRA: 2.27194), so every kind of path reaches 2.27195.
    result = run("scenarios/startup_7b.yaml", "--target-loss", "2.27195", "--format", "json", "--limit", "0")
    assert result.exit_code == 0
    out = json.loads(result.output)
    assert out["target"]["description"].startswith("loss 2.27195 on legal text")
    found = out["candidates"]
    assert len(found) == out["after_pruning"] <= out["generated"]
    assert [c["flops"] for c in found] == sorted(c["flops"] for c in found)
    assert {"kind", "predicted_loss", "flops", "data_cost_usd", "stages"} <= set(found[0])
    assert all(c["predicted_loss"] <= out["target"]["loss"] + 1e-9 for c in found)
    assert {c["kind"] for c in found} >= {"scratch", "continue", "distill", "finetune", "lora"}
    assert all(c["params"] <= 8.1e9 for c in found)  # the scenario's target.max_params is kept
    assert all(c["stages"][-1]["name"] == "sft" for c in found)


def test_table_and_target_override():
    result = run("scenarios/university_cluster.yaml", "--target-loss", "2.4", "--limit", "3")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "loss 2.4 under the Epoch AI refit of Chinchilla" in lines[0]
    assert lines[2].split()[:4] == ["id", "kind", "loss", "FLOPs"]
    assert lines[3].startswith("scratch-") and "pretrain[full" in lines[3]
    assert lines[-1].startswith("... ")


def test_all_lists_the_whole_grid():
    narrow = json.loads(run("scenarios/university_cluster.yaml", "--format", "json").output)
    wide = json.loads(run("scenarios/university_cluster.yaml", "--format", "json", "--all", "--no-prune").output)
    assert wide["generated"] > narrow["generated"]
    assert any(c["predicted_loss"] > 2.25 for c in wide["candidates"])


def test_unreachable_target_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["candidates", "scenarios/startup_7b.yaml", "--target-loss", "1.5"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "irreducible loss" in err


def test_bundled_scenarios_show_every_path_kind_somewhere():
    """Across the bundled scenarios `plan candidates` offers every kind of path (after pruning)."""
    from pathlib import Path

    from planner.paths import ALL_KINDS

    kinds = set()
    for path in sorted(Path("scenarios").glob("*.yaml")):
        out = json.loads(run(str(path), "--format", "json", "--limit", "0").output)
        kinds |= {c["kind"] for c in out["candidates"]}
    assert kinds == set(ALL_KINDS) == {"scratch", "continue", "distill", "finetune", "lora", "adopt"}
