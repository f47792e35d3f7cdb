"""Readable, solver-safe names for variables and constraints: `family__key1__key2`.

PuLP silently rewrites the characters `-+[] ->/` in names, so two distinct ids could end up with
the same name. Here every character outside [A-Za-z0-9_] becomes '_' and a name already taken gets
a numeric suffix, so names never collide and an LP file written from the model reads like the spec.
"""

from __future__ import annotations

import functools
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


@functools.lru_cache(maxsize=65_536)
def _safe(part: object) -> str:
    return _UNSAFE.sub("_", str(part))


class Namer:
    """Hands out unique sanitised names; one per model."""

    def __init__(self):
        self._taken: set[str] = set()

    def __call__(self, family: str, *keys: object) -> str:
        base = "__".join([_safe(family), *map(_safe, keys)])
        name, n = base, 1
        while name in self._taken:
            n += 1
            name = f"{base}_{n}"
        self._taken.add(name)
        return name
