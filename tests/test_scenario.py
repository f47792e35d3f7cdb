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
    (GOOD.replace("deadline_days: 45", "deadline_days: -5"), ["deadline_days", "-5", "greater than 0"]),
    (GOOD.replace("deadline_days: 45", "deadline_days: .nan"), ["deadline_days", "nan"]),
    (GOOD.replace("budget_usd: 600000", "budget_usd: 0"), ["budget_usd", "0"]),
    (GOOD.replace("deadline_days: 45", "deadline_days: 90\ndeadline_dayz: 3"), ["deadline_dayz", "remove this field"]),
    (GOOD.replace("unique_tokens: 2.0e11", "unique_tokens: 200"), ["data.unique_tokens", "did you mean 200e9"]),
    (GOOD.replace("loss: 2.08", "loss: 2.08\n  like: llama-2-7b"), ["target", "exactly one of"]),
    (GOOD.replace("\n  domain: legal ", "\n  domain: legl "), ["target.domain", "legl", "legal"]),
    (GOOD.replace("\n  domain: legal ", "\n  domain_gap_nats: 0.3 "), ["domain_gap_nats needs a domain"]),
    (GOOD.replace("\n  domain: legal ", "\n  domain: legal\n  domain_gap_nats: 3 "),
     ["target.domain_gap_nats", "less than"]),
    (GOOD.replace("buy_allowed: false", "buy_allowed: false\n  cloud_allowed: false"), ["nothing can run"]),
    ("- just\n- a list\n", ["bad.yaml", "mapping"]),
    # every number must be finite, constants of a law positive, counts plausible
    # (a minimal scenario: the startup one has an inference section, and a key given twice is refused)
    ("name: x\ndeadline_days: 9\nbudget_usd: 1000\ninference: {lifetime_tokens: .inf}\n",
     ["inference.lifetime_tokens", "finite"]),
    (GOOD + "quality_law: {overrides: {alpha: -1}}\n", ["quality_law.overrides.alpha", "greater than 0"]),
    (GOOD + "quality_law: {overrides: {E: .nan}}\n", ["quality_law.overrides.E", "finite"]),
    (GOOD + "search: {tokens_per_param_grid: [-20]}\n", ["search.tokens_per_param_grid.0", "greater than 0"]),
    (GOOD.replace("labelled_examples_needed: 20000", "labelled_examples_needed: 1000000000000"),
     ["data.labelled_examples_needed", "less than or equal to 1000000000"]),
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
    assert t.budget_usd == 2e6 and t.target.loss == 2.2 and t.target.like is None and t.deadline_days == 45
    assert t.target.max_params == 8.1e9  # the size limit outlives the overridden target
    with pytest.raises(InputError, match="command line"):
        with_overrides(s, budget_usd=-1)


def test_budget_without_target_maximises_quality():
    s = load_scenario(ROOT / "scenarios" / "startup_7b.yaml")
    raw = s.model_dump()
    raw["target"] = {}
    from planner.scenario import Scenario

    assert Scenario.model_validate(raw).objective == "quality"


def test_a_scenario_that_is_not_utf8_is_refused_with_its_name(tmp_path):
    path = tmp_path / "utf16.yaml"
    path.write_bytes(GOOD.encode("utf-16"))
    with pytest.raises(InputError, match="utf16.yaml.*not UTF-8 text"):
        load_scenario(path)


CONSORTIUM = (ROOT / "scenarios" / "consortium_health.yaml").read_text()


@pytest.mark.parametrize("text, expected", [
    (CONSORTIUM.replace("    target: {loss: 2.15}\n", ""), ["county-hospital", "has no target"]),
    (CONSORTIUM.replace("name: county-hospital", "name: city-hospital"), ["distinct, non-empty names"]),
])
def test_consortium_members_need_a_target_and_distinct_names(tmp_path, text, expected):
    with pytest.raises(InputError) as err:
        load_scenario(_write(tmp_path, text))
    for fragment in expected:
        assert fragment in err.value.message


def test_a_member_without_a_target_takes_the_consortium_target(tmp_path):
    """Otherwise its coalitions would reach only the other members' targets (or, alone, spend its
    budget on the best model it can afford: a 'cost' that gave others negative shares)."""
    from planner.catalog import load_catalog
    from planner.consortium.coalition import member_target_losses

    text = CONSORTIUM.replace("    target: {loss: 2.15}\n", "").replace("members:", "target: {loss: 2.05}\nmembers:")
    losses = member_target_losses(load_scenario(_write(tmp_path, text)), load_catalog())
    assert losses == pytest.approx([2.10, 2.05, 2.12, 2.05])
