"""Range checks shared by the compute functions: each raises ValueError naming the value and range."""

from __future__ import annotations

import math


def check_range(name: str, value: float, low: float, high: float, *, low_open: bool = False) -> float:
    """Return `value` if it is finite and inside [low, high] (or (low, high] when `low_open`)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    too_low = value <= low if low_open else value < low
    if too_low or value > high:
        bracket = "(" if low_open else "["
        raise ValueError(f"{name}={value:g} is outside the valid range {bracket}{low:g}, {high:g}]")
    return value


def check_count(name: str, value: int, high: int) -> int:
    """Return `value` if it is a whole number in [1, high]."""
    check_range(name, value, 1, high)
    if value != int(value):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return int(value)
