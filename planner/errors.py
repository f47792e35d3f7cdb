"""One error type for bad input: it names the file, the row or field, the value and the fix.

The CLI turns it into one line on stderr and exit code 2; nothing else is printed or written.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InputError(Exception):
    """Bad user input (file, CLI flag or catalog row)."""

    def __init__(self, where: str, problem: str, fix: str | None = None):
        self.where = where
        self.problem = problem
        self.fix = fix
        super().__init__(self.message)

    def __reduce__(self):
        # rebuilt from its three parts, so it crosses from a worker process (planner.executor) intact
        return type(self), (self.where, self.problem, self.fix)

    @property
    def message(self) -> str:
        text = f"{self.where}: {self.problem}"
        if self.fix:
            text += f". To fix: {self.fix}"
        return text


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """A 'did you mean' hint for an unknown id, or the list of valid ids when nothing is close."""
    choices = sorted(set(choices))
    close = difflib.get_close_matches(value, choices, n=3, cutoff=0.5)
    if not close:
        lowered = {c.lower(): c for c in choices}
        close = [lowered[k] for k in difflib.get_close_matches(value.lower(), list(lowered), n=3, cutoff=0.5)]
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
    return f"valid ids: {shown}"


def pydantic_errors(where: str, exc) -> InputError:
    """Turn the first pydantic ValidationError entry into an InputError naming the field and value."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__") or "(top level)"
    value = err.get("input")
    msg = err.get("msg", "invalid value")
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return InputError(f"{where}: field '{field}'", f"{msg} (got {shown})", _fix_for(err))


def _fix_for(err: dict) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "remove this field or check its spelling against the documented fields"
    if kind == "missing":
        return "add this required field"
    if kind.startswith(("greater_than", "less_than", "finite_number")):
        return "give a finite value inside the allowed range"
    return "correct the value as the message says"
