"""Scenario validation: every bundled scenario loads; bad input gives one clear message."""

from pathlib import Path

import pytest

from planner.errors import InputError
from planner.scenario import load_scenario, with_overrides

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
GOOD = (ROOT / "scenarios" / "startup_7b.yaml").read_text()


def test_bundled_scenarios_validate():
    assert len(SCENARIOS) >= 7
    for path in SCENARIOS:
        scenario = load_scenario(path)
        assert scenario.deadline_days > 0


def _write(tmp_path, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, expected", [
    ("name: x\ndeadline_days: [1,\n", ["bad.yaml", "line", "malformed YAML"]),
    (GOOD.replace("deadline_days: 90", "deadline_days: -5"), ["deadline_days", "-5", "greater than 0"]),
    (GOOD.replace("deadline_days: 90", "deadline_days: .nan"), ["deadline_days", "nan"]),
    (GOOD.replace("budget_usd: 600000", "budget_usd: 0"), ["budget_usd", "0"]),
    (GOOD.replace("deadline_days: 90", "deadline_days: 90\ndeadline_dayz: 3"), ["deadline_dayz", "remove this field"]),
    (GOOD.replace("unique_tokens: 2.0e11", "unique_tokens: 200"), ["data.unique_tokens", "did you mean 200e9"]),
    (GOOD.replace("like: llama-2-7b", "like: llama-2-7b\n  loss: 2.1"), ["target", "exactly one of"]),
    (GOOD.replace("buy_allowed: false", "buy_allowed: false\n  cloud_allowed: false"), ["nothing can run"]),
    ("- just\n- a list\n", ["bad.yaml", "mapping"]),
])
def test_bad_scenarios_name_file_field_and_value(tmp_path, text, expected):
    with pytest.raises(InputError) as err:
        load_scenario(_write(tmp_path, text))
    for fragment in expected:
        assert fragment in err.value.message


def test_missing_file():
    with pytest.raises(InputError, match="file not found"):
        load_scenario("scenarios/nope.yaml")


def test_overrides_apply_and_validate():
    s = load_scenario(ROOT / "scenarios" / "startup_7b.yaml")
    t = with_overrides(s, budget_usd=2e6, target_loss=2.2, deadline_days=None)
    assert t.budget_usd == 2e6 and t.target.loss == 2.2 and t.target.like is None and t.deadline_days == 90
    with pytest.raises(InputError, match="command line"):
        with_overrides(s, budget_usd=-1)


def test_budget_without_target_maximises_quality():
    s = load_scenario(ROOT / "scenarios" / "startup_7b.yaml")
    raw = s.model_dump()
    raw["target"] = {}
    from planner.scenario import Scenario

    assert Scenario.model_validate(raw).objective == "quality"
