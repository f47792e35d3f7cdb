"""`--set key.path=value`: change one scenario field from the command line or the Python API.

Changes are applied to the scenario's raw mapping before validation, so a set value is checked
exactly as the same value written in the file would be. Keys are checked against the scenario
model first: an unknown key is named with a "did you mean".
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

import yaml
from pydantic import BaseModel

from planner.errors import InputError, did_you_mean


def parse_sets(texts: Iterable[str]) -> dict[str, Any]:
    """'key.path=value' strings -> {key.path: value}, each value read as YAML (2e6, false, null,
    [H100, A100-80GB])."""
    sets: dict[str, Any] = {}
    for text in texts:
        key, eq, value = text.partition("=")
        key = key.strip()
        if not eq or not key:
            raise InputError(f"--set {text}", "expected KEY=VALUE", "write e.g. --set policy.spot_allowed=false")
        try:
            sets[key] = yaml.safe_load(value) if value.strip() else None
        except yaml.YAMLError:
            raise InputError(f"--set {text}", f"{value!r} is not a YAML value",
                             "quote strings that contain ':' or '#', e.g. --set name='a: b'") from None
    return sets


def apply_sets(raw: Mapping[str, Any], sets: Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """A copy of `raw` with each dotted key set; keys are checked against `model`'s fields (list
    items by index, e.g. members.0.budget_usd; mapping entries by name, e.g.
    policy.max_nodes_per_provider.AWS)."""
    data = _copy(raw)
    for key, value in sets.items():
        parts = key.split(".")
        node: Any = data
        annotation: Any = model
        for i, part in enumerate(parts):
            where = f"--set {key}"
            kind, inner = field_shape(annotation)
            last = i == len(parts) - 1
            if kind == "model":
                fields = inner.model_fields
                if part not in fields:
                    raise InputError(where, f"unknown field {'.'.join(parts[:i + 1])!r}", did_you_mean(part, fields))
                annotation = fields[part].annotation
            elif kind == "list":
                if not part.isdigit() or not isinstance(node, list) or int(part) >= len(node):
                    size = len(node) if isinstance(node, list) else 0
                    raise InputError(where, f"{'.'.join(parts[:i])} has no item {part!r} ({size} items)",
                                     "index list items from 0, e.g. members.0.budget_usd")
                annotation = inner
            elif kind == "dict":
                annotation = inner
            else:
                raise InputError(where, f"{'.'.join(parts[:i])!r} is a single value, not a group of fields",
                                 f"use --set {'.'.join(parts[:i])}=VALUE")
            slot: Any = int(part) if kind == "list" else part
            if last:
                node[slot] = value
            else:
                if kind != "list" and not isinstance(node.get(slot), (dict, list)):
                    node[slot] = {}
                node = node[slot]
    return data


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def field_shape(annotation: Any) -> tuple[str, Any]:
    """('model', cls) | ('list', item) | ('dict', value) | ('value', None) for a field annotation,
    ignoring `| None`."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return field_shape(args[0]) if len(args) == 1 else ("value", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    if origin is list:
        return "list", typing.get_args(annotation)[0]
    if origin is dict:
        return "dict", typing.get_args(annotation)[1]
    return "value", None
