"""Readable durations: under a day in hours or minutes, never 'day 0.0'."""

from __future__ import annotations


def duration(days: float) -> str:
    """'12.5 days', '5.2 hours', '22 minutes' (two significant digits below a day)."""
    if days >= 1:
        return f"{days:,.1f} days"
    hours = days * 24
    return f"{hours:.2g} hours" if hours >= 1 else f"{max(hours * 60, 0):.2g} minutes"


def ends(day: float) -> str:
    """When something ends, counted from day 0: 'day 59.1', or 'after 5.2 hours' within the first day."""
    return f"day {day:,.1f}" if day >= 1 else f"after {duration(day)}"
