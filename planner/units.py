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


def at(day: float) -> str:
    """A moment in a table column: 'day 12.3', or within the first day '13 min' / '5.2 h'."""
    if day >= 1:
        return f"day {day:,.1f}"
    hours = day * 24
    return f"{hours:.2g} h" if hours >= 1 else f"{max(hours * 60, 0):.2g} min"


def target_words(target: dict, loss: float | None) -> str:
    """A scenario target in words: 'as good as llama-2-7b (loss 2.0647)', 'mmlu score 0.65 (loss
    ...)', 'loss 2.1', or 'none (best quality within the budget)'."""
    as_loss = "" if loss is None else f" (loss {loss:.4f})"
    if target.get("like"):
        return f"as good as {target['like']}{as_loss}"
    if target.get("benchmark"):
        bench = target["benchmark"]
        return f"{bench['name']} score {bench['score']:g}{as_loss}"
    if loss is not None:
        return f"loss {loss:.4f}"
    return "none (best quality within the budget)"
