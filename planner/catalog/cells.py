"""Text safety for catalog cells: what a spreadsheet or a terminal would execute is refused on the
way in and neutralised on the way out.

A cell that starts with =, +, - or @ and is not a number is a formula to a spreadsheet
(`=cmd|' /C calc'!A0` runs a program in some); control characters move a terminal's cursor, clear
its screen or retitle its window. Catalog files and SkyPilot imports holding either are refused
(OWASP, "CSV Injection"); CSV written by `plan catalog list` prefixes such a cell with a quote.
"""

from __future__ import annotations

import math

from planner.errors import CONTROL_CHARACTERS

FORMULA_START = ("=", "+", "-", "@")
MAX_ACCELERATORS_PER_NODE = 1024  # the largest scale-up domains (e.g. TPU pods aside) hold 72
MAX_NODES_PER_OFFER = 1_000_000


def cell_problem(value: str) -> str | None:
    """Why a catalog cell is unsafe to keep, or None when it is safe."""
    if CONTROL_CHARACTERS.search(value.replace("\n", "").replace("\t", "")):
        return "contains a control character"
    if value.startswith(FORMULA_START) and not _is_number(value):
        return f"starts with {value[0]!r}, which a spreadsheet runs as a formula"
    return None


def neutralise(value):
    """A CSV cell a spreadsheet shows as text: a formula-like string gets a leading quote."""
    if isinstance(value, str) and value.strip().startswith(FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def _is_number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False
