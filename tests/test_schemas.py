"""Committed JSON Schemas (docs/schema/) and docs/scenario.md match the models, every JSON output
validates against its schema, and every scenario field is documented with its unit."""

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

import planner
from planner.overrides import field_shape
from planner.scenario import Scenario
from planner.portfolio.inputs import Portfolio
from planner.schemas import MODELS, REGENERATE, files

ROOT = Path(__file__).resolve().parents[1]
PLAN = str(Path(sys.executable).with_name("plan"))
LAB = str(ROOT / "scenarios" / "small_lab_finetune.yaml")
HEALTH = str(ROOT / "scenarios" / "consortium_health.yaml")


def committed(name: str) -> dict:
    return json.loads((ROOT / "docs" / "schema" / f"{name}.json").read_text())


def valid(name: str, document) -> None:
    jsonschema.Draft202012Validator(committed(name)).validate(document)


def cli_json(*args) -> dict:
    out = subprocess.run([PLAN, *args], capture_output=True, text=True, timeout=300)
    assert out.returncode in (0, 3), out.stderr
    return json.loads(out.stdout)


def test_committed_files_match_the_code():
    stale = [str(p.relative_to(ROOT)) for p, text in files(ROOT).items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    assert not stale, f"{', '.join(stale)} out of date with the models: run `{REGENERATE}` and commit the files"


def test_plan_schema_prints_the_committed_schema():
    for name in ("plan", "scenario"):
        out = subprocess.run([PLAN, "schema", name], capture_output=True, text=True, timeout=60)
        assert json.loads(out.stdout) == committed(name)


def test_every_output_has_a_schema_version_field():
    for name in MODELS:
        if name not in ("scenario", "portfolio-input"):
            assert "schema_version" in committed(name)["properties"], name


def test_plan_json_validates_feasible_and_infeasible():
    valid("plan", cli_json(LAB, "--format", "json"))
    infeasible = cli_json(LAB, "--budget", "100", "--format", "json", "--no-explain")
    assert infeasible["status"] == "infeasible"
    valid("plan", infeasible)
    with pytest.raises(jsonschema.ValidationError):  # the schema does reject a wrong document
        valid("plan", {**infeasible, "status": "maybe"})


def test_frontier_share_estimate_candidates_catalog_json_validate():
    valid("frontier", cli_json("frontier", LAB, "--vary", "deadline", "--points", "2", "--format", "json"))
    valid("share", cli_json("share", HEALTH, "--format", "json"))
    valid("estimate", cli_json("estimate", "--params", "7e9", "--tokens", "1e12", "--chip", "H100", "--format", "json"))
    valid("estimate", cli_json("estimate", "--params", "7e9", "--tokens", "1e12", "--chip", "tpu-v5p", "--format", "json"))
    valid("candidates", cli_json("candidates", LAB, "--format", "json"))
    for table in ("", "chips", "offers", "hardware", "sites", "models"):
        valid("catalog", cli_json("catalog", "list", *([table] if table else []), "--format", "json"))


def test_python_api_results_validate_too():
    valid("plan", json.loads(planner.plan(LAB, explain=False).model_dump_json()))
    valid("estimate", json.loads(planner.estimate(70e9, 2e12, "A100-80GB", gpus=2048).model_dump_json()))


class Yaml12(yaml.SafeLoader):
    """YAML 1.2 numbers: PyYAML (YAML 1.1) reads 2e11 as a string, which pydantic then converts."""


Yaml12.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$"),
                             list("-+0123456789."))


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_bundled_scenarios_validate_against_the_scenario_schema(path):
    valid("scenario", yaml.load(path.read_text(), Loader=Yaml12))


# A number's description must say its unit: a currency, time, token, FLOP, power, mass, loss or
# count unit, a fraction, or a rate ("per").
UNIT = re.compile(r"\b(USD|days?|hours?|tokens?|FLOPs|kW|Gbps|tCO2e|tonnes|nats|fraction|0-1|count|nodes|"
                  r"examples?|parameters|times|per)\b|-hour|-day", re.I)


def _fields(cls, prefix=""):
    for name, field in cls.model_fields.items():
        yield prefix + name, field
        kind, inner = field_shape(field.annotation)
        if kind in ("list", "dict"):
            kind, inner = field_shape(inner)
        if kind == "model":
            yield from _fields(inner, prefix + name + ".")


def _numeric(annotation) -> bool:
    kind, inner = field_shape(annotation)
    if kind in ("list", "dict"):
        return _numeric(inner)
    text = str(annotation)
    return kind == "value" and any(t in text for t in ("float", "int", "PositiveFloat", "NonNegativeInt")) \
        and "str" not in text.replace("Literal", "")


@pytest.mark.parametrize("cls", [Scenario, Portfolio], ids=lambda c: c.__name__)
def test_every_scenario_field_has_a_description_and_numbers_their_unit(cls):
    missing = [name for name, f in _fields(cls) if not (f.description or "").strip()]
    assert not missing, f"fields without a description: {missing}"
    unitless = [name for name, f in _fields(cls) if _numeric(f.annotation) and not UNIT.search(f.description)]
    assert not unitless, f"numeric fields whose description states no unit: {unitless}"


def test_scenario_reference_lists_every_field():
    text = (ROOT / "docs" / "scenario.md").read_text()
    for name, f in _fields(Scenario):
        assert f"| `{name.rsplit('.', 1)[-1]}` |" in text and f.description.split(".")[0][:40].replace("|", "\\|") in text, name
