"""The Python API (planner.plan/share/frontier/estimate): the CLI's checks, errors and results."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import planner
from planner.errors import InputError
from planner.results import Plan
from planner.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "scenarios" / "small_lab_finetune.yaml"
PLAN = str(Path(sys.executable).with_name("plan"))


def test_plan_from_path_dict_and_scenario_agree_with_the_cli():
    cli = json.loads(subprocess.run([PLAN, str(LAB), "--format", "json", "--no-explain"], capture_output=True,
                                    text=True, timeout=300).stdout)
    raw = yaml.safe_load(LAB.read_text())
    for given in (LAB, str(LAB), raw, Scenario.model_validate(raw)):
        result = planner.plan(given, explain=False)
        assert isinstance(result, Plan)
        assert result.status == cli["status"] == "optimal"
        assert result.total_cost_usd == pytest.approx(cli["total_cost_usd"], rel=1e-9)
        assert result.path.id == cli["path"]["id"]


def test_overrides_as_keywords_and_dotted_keys_reach_the_plan():
    result = planner.plan(LAB, explain=False, deadline_days=20, set={"budget_usd": 40000})
    assert result.scenario.deadline_days == 20 and result.scenario.budget_usd == 40000


@pytest.mark.parametrize("given, fragment", [
    ({"name": "x", "deadline_days": 30, "target": {"like": "llama-2-7"}}, "did you mean 'llama-2-7b'"),
    ({"name": "x", "deadline_days": 30, "target": {"loss": 2.0}, "policy": {"chips": ["H10O"]}}, "did you mean 'H100'"),
    ({"name": "x", "deadline_days": -1, "target": {"loss": 2.0}}, "field 'deadline_days'"),
    ({"name": "x", "deadline_dayz": 30}, "field 'deadline_days': Field required"),
])
def test_a_dict_gets_the_files_checks_with_did_you_mean(given, fragment):
    with pytest.raises(InputError) as err:
        planner.plan(given)
    assert fragment in err.value.message and err.value.message.startswith("scenario 'x'")


def test_a_built_scenario_gets_the_id_checks_too():
    scenario = Scenario(name="built", deadline_days=30, target={"like": "lama-2-7b"})
    with pytest.raises(InputError, match="did you mean 'llama-2-7b'"):
        planner.plan(scenario)


def test_a_missing_file_is_the_clis_error():
    with pytest.raises(InputError, match="file not found"):
        planner.plan("scenarios/nope.yaml")


def test_share_and_frontier_return_typed_results():
    result = planner.share(ROOT / "scenarios" / "consortium_health.yaml")
    # the members' allocations add up to the grand coalition's cost (efficiency of Shapley)
    assert sum(m.allocated_usd for m in result.members) == pytest.approx(result.grand_coalition_cost_usd, rel=1e-6)
    curve = planner.frontier(LAB, "deadline", points=2, lo=20, hi=40)
    assert [p.value for p in curve.points] == [20, 40]
    assert all(p.plan is not None for p in curve.points)


def test_estimate_matches_six_n_d():
    # full training: 6·N·D FLOPs = 6 · 7e9 · 1e12 = 4.2e22 (Kaplan et al. 2020, eq. 2.1), attention aside
    result = planner.estimate(7e9, 1e12, "H100", gpus=64)
    assert result.flops == pytest.approx(4.2e22, rel=0.1) and result.gpus == 64
    with pytest.raises(InputError, match="did you mean 'H100'"):
        planner.estimate(7e9, 1e12, "H10O")
    with pytest.raises(InputError, match="params"):
        planner.estimate(7, 1e12, "H100")


def test_the_package_is_typed_and_importing_it_stays_light():
    assert (Path(planner.__file__).parent / "py.typed").exists()
    code = "import sys, planner; print(sorted(m for m in ('pulp', 'pandas', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_plan_segments_carry_a_consistent_layout():
    """Each trained segment says how the compute model runs it (issue 12): whole-number degrees whose
    product is the segment's devices, a global batch = micro-batch x accumulation x data ranks x
    sequence length, and accelerator-hours no more than devices x the segment's wall-clock."""
    result = planner.plan(ROOT / "scenarios" / "distillation.yaml", explain=False)
    seq_len = 4096  # every stage trains at the default context (planner.workload.Workload.seq_len)
    segments = [seg for stage in result.stages for seg in stage.segments]
    assert segments
    for seg in segments:
        lay = seg.layout
        assert lay is not None and lay.tp * lay.pp * lay.dp == seg.gpus
        assert lay.global_batch_tokens == lay.micro_batch * lay.grad_accum * lay.dp * seq_len
        assert 0 < seg.gpu_hours <= seg.gpus * (seg.end_day - seg.start_day) * 24 * (1 + 1e-9)
        assert 0 < seg.mfu < 1 and 0 < seg.goodput <= 1
    dumped = json.loads(result.model_dump_json())["stages"][0]["segments"][0]["layout"]
    assert isinstance(dumped["tp"], int) and isinstance(dumped["recompute"], bool)
