"""Strict, bounded YAML reading for scenario files.

Safe YAML only, and no explicit tags (`!!binary`, `!!python/...`), plus: a size limit before parsing, a nesting-depth and
list-length limit checked on the parser's event stream (which needs no recursion), a limit on the
values the file holds once its aliases are expanded (a 400-byte 'billion laughs' file would
otherwise expand to a billion strings when validated), and duplicate keys refused rather than the
last one silently winning. Every problem is one InputError naming the file and line.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from planner.errors import InputError, bounded_repr
from planner.files import read_limited
from planner.limits import YAML_MAX_DEPTH, YAML_MAX_LIST, YAML_MAX_NODES


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in seen:
                    raise _Refused(line, f"duplicate key {bounded_repr(key)} (first on line {seen[key]})",
                                   "give each key once; YAML would silently keep only the last value")
                seen[key] = line
            except TypeError:  # an unhashable key (a list or mapping): SafeLoader reports it
                continue
        return super().construct_mapping(node, deep=deep)


class _Refused(Exception):
    def __init__(self, line: int, problem: str, fix: str):
        super().__init__(problem)
        self.line, self.problem, self.fix = line, problem, fix


def load_yaml_file(path: str | Path, limit_bytes: int, what: str):
    """The data in a YAML file, within the limits of planner.limits; InputError otherwise."""
    data = read_limited(path, limit_bytes, what)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start})",
                         f"save the {what} as UTF-8 YAML") from None
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise InputError(f"{path}: line {line}", "contains a NUL byte", f"save the {what} as plain UTF-8 text")
    try:
        _check_shape(text)
        loader = _StrictLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_expanded_size(node)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except _Refused as exc:
        raise InputError(f"{path}: line {exc.line}", exc.problem, exc.fix) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}: line {mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(where, f"malformed YAML ({problem})", "fix the YAML syntax") from None


def _check_shape(text: str) -> None:
    """Nesting depth and list lengths, from the parser's events (no recursion, no objects built)."""
    depth = 0
    lengths: list[int | None] = []  # per open collection: items so far (None for a mapping)
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1
        if getattr(event, "tag", None) is not None and event.tag != "!" and not _implicit(event):
            raise _Refused(line, f"explicit YAML tag {bounded_repr(event.tag)}",
                           "remove the tag: a scenario holds plain numbers, text, lists and mappings")
        if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)) and lengths \
                and lengths[-1] is not None:
            lengths[-1] += 1
            if lengths[-1] > YAML_MAX_LIST:
                raise _Refused(line, f"a list has more than {YAML_MAX_LIST:,} items",
                               f"give at most {YAML_MAX_LIST:,} items per list")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > YAML_MAX_DEPTH:
                raise _Refused(line, f"nested more than {YAML_MAX_DEPTH} levels deep",
                               "a scenario needs a few levels; check the file")
            lengths.append(0 if isinstance(event, yaml.SequenceStartEvent) else None)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            lengths.pop()


def _implicit(event) -> bool:
    implicit = event.implicit
    return any(implicit) if isinstance(implicit, tuple) else bool(implicit)


def _check_expanded_size(root: yaml.Node) -> None:
    """Refuse a file whose values, with every alias expanded, exceed YAML_MAX_NODES, or that
    refers to itself (an anchor used inside its own value)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack = [(root, False)]
    while stack:  # post-order without recursion; aliases make the node graph a DAG
        node, children_done = stack.pop()
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[id(node)] > YAML_MAX_NODES:
                raise _Refused(node.start_mark.line + 1,
                               f"expands to more than {YAML_MAX_NODES:,} values (YAML aliases repeat a value)",
                               "write the values out, or use fewer aliases")
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_nodes:
            raise _Refused(node.start_mark.line + 1, "a value contains an alias to itself",
                           "remove the recursive alias")
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []
