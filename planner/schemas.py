"""JSON Schemas of every JSON output and of the scenario, and the scenario reference page.

One command regenerates the committed files from the models (tests fail when they differ):

    python -m planner.schemas        # writes docs/schema/*.json and docs/scenario.md
"""

from __future__ import annotations

import importlib
import json
import sys
import types
import typing
from pathlib import Path

from pydantic import BaseModel

REGENERATE = "python -m planner.schemas"

# schema name -> (model, what produces it); outputs are described as serialised, the scenario as read.
MODELS = {
    "plan": ("planner.results:Plan", "plan SCENARIO --format json; planner.plan()"),
    "frontier": ("planner.tradeoffs.frontier:Frontier", "plan frontier --format json; planner.frontier()"),
    "share": ("planner.consortium.share:ShareResult", "plan share --format json; planner.share()"),
    "estimate": ("planner.run_estimate:RunEstimate", "plan estimate --format json; planner.estimate()"),
    "candidates": ("planner.outputs:CandidatesOutput", "plan candidates --format json"),
    "catalog": ("planner.outputs:CatalogListing", "plan catalog list [TABLE] --format json"),
    "scenario": ("planner.scenario:Scenario", "scenario YAML files; planner.plan({...})"),
    "portfolio": ("planner.portfolio.results:PortfolioPlan", "plan portfolio --format json"),
    "portfolio-input": ("planner.portfolio.inputs:Portfolio", "portfolio YAML files (scenarios/portfolios/)"),
}


def model(name: str) -> type[BaseModel]:
    module, attr = MODELS[name][0].split(":")
    return getattr(importlib.import_module(module), attr)


def schema(name: str) -> dict:
    """The JSON Schema (draft 2020-12) of one output, or of the scenario."""
    mode = "validation" if name in ("scenario", "portfolio-input") else "serialization"
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema",
           "$id": f"docs/schema/{name}.json", "$comment": f"Produced by: {MODELS[name][1]}. Generated: {REGENERATE}."}
    out.update(model(name).model_json_schema(mode=mode))
    return out


def schema_text(name: str) -> str:
    return json.dumps(schema(name), indent=2, ensure_ascii=False) + "\n"


def scenario_reference() -> str:
    """docs/scenario.md: every scenario field with its type, default and description."""
    from planner.scenario import Scenario

    out = ["# Scenario reference", "",
           f"Generated from `planner/scenario.py` by `{REGENERATE}`; do not edit by hand. A scenario is a",
           "YAML file (see `scenarios/`), a Python dict for `planner.plan()`, and any field can be changed",
           "from the command line with `--set key.path=value` (list items by index: `members.0.budget_usd`).",
           "Units are in the field names and descriptions. JSON Schema: `docs/schema/scenario.json` (PyYAML",
           "reads `2e11` as a string, which the planner converts; a script validating YAML against the",
           "schema should load it with YAML 1.2 number rules, or write `2.0e+11`).", ""]
    for title, cls in _sections(Scenario):
        out += [f"## `{title}`" if title else "## Top level", ""]
        if cls.__doc__ and title:
            out += [" ".join(cls.__doc__.split()), ""]
        out += ["| field | type | default | description |", "|---|---|---|---|"]
        for name, field in cls.model_fields.items():
            default = "required" if field.is_required() else _default(field)
            text = (field.description or "").replace("|", "\\|")
            out.append(f"| `{name}` | {_type(field.annotation)} | {default} | {text} |")
        out.append("")
    return "\n".join(out)


def _sections(cls, prefix: str = "", seen=None) -> list[tuple[str, type[BaseModel]]]:
    """(dotted path, model) for the model and each nested model, depth first, each once."""
    from planner.overrides import field_shape

    seen = set() if seen is None else seen
    found = [(prefix, cls)]
    seen.add(cls)
    for name, field in cls.model_fields.items():
        kind, inner = field_shape(field.annotation)
        if kind in ("list", "dict"):
            name += "[]" if kind == "list" else ".*"
            kind, inner = field_shape(inner)
        if kind == "model" and inner not in seen:
            found += _sections(inner, f"{prefix}{name}.", seen)
    return [(p.rstrip("."), c) for p, c in found]


def _type(annotation) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type(a) for a in typing.get_args(annotation))
    if origin is typing.Literal:
        return " / ".join(f"`{a}`" for a in typing.get_args(annotation))
    if origin is typing.Annotated:
        return _type(typing.get_args(annotation)[0])
    if origin in (list, dict):
        return f"{origin.__name__} of " + ", ".join(_type(a) for a in typing.get_args(annotation))
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def _default(field) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
        return "empty" if not isinstance(value, BaseModel) else "see below"
    return "null" if field.default is None else f"`{field.default!r}`" if field.default == "" else f"`{field.default}`"


def files(root: Path) -> dict[Path, str]:
    """Every generated file under root: path -> text."""
    out = {root / "docs" / "schema" / f"{name}.json": schema_text(name) for name in MODELS}
    out[root / "docs" / "scenario.md"] = scenario_reference()
    return out


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    for path, text in files(root).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(root)}", file=sys.stderr)


if __name__ == "__main__":
    main()
