"""One error type for bad input: it names the file, the row or field, the value and the fix.

The CLI turns it into one line on stderr and exit code 2; nothing else is printed or written.
"""

from __future__ import annotations

import difflib
import re
import reprlib
from collections.abc import Iterable

from planner.limits import REPR_MAX_CHARS

# C0 and C1 control characters and DEL: never printed raw (a terminal would obey them).
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")


class SolverFailure(RuntimeError):
    """A solver failed or answered with something that is not a plan (not bad input): the CLI prints
    it in one line, with the solver to try instead, and exits 1."""


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
        """One printable line (control characters, newlines included, shown as escapes)."""
        text = f"{self.where}: {self.problem}"
        if self.fix:
            text += f". To fix: {self.fix}"
        return printable(text)


def printable(text: str, keep_newlines: bool = False) -> str:
    """`text` with control characters shown as escapes (\\x1b), so printing it cannot move the
    cursor, clear the screen or retitle the window; newlines kept only if asked."""
    def escape(match: re.Match) -> str:
        c = match.group()
        return c if keep_newlines and c == "\n" else f"\\x{ord(c):02x}"

    return CONTROL_CHARACTERS.sub(escape, text)


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, REPR_MAX_CHARS, REPR_MAX_CHARS
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 6


def bounded_repr(value) -> str:
    """repr(value) cut to REPR_MAX_CHARS, built without expanding large or deeply nested values."""
    text = _REPR.repr(value)
    return text if len(text) <= REPR_MAX_CHARS else text[:REPR_MAX_CHARS - 3] + "..."


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
    msg = err.get("msg", "invalid value").removeprefix("Value error, ")
    shown = bounded_repr(value)
    return InputError(f"{where}: field '{field}'", f"{msg} (got {shown})", _fix_for(err))


def _fix_for(err: dict) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "remove this field or check its spelling against the documented fields"
    if kind == "missing":
        return "add this required field"
    if kind.startswith(("greater_than", "less_than", "finite_number")):
        return "give a finite value inside the allowed range"
    if kind == "dict_type":
        return "give a mapping, one 'key: value' per entry (in YAML or --set: {key: value})"
    if kind == "too_short":
        return "leave the field out (null) to allow all, or list at least one item; an empty list is refused"
    if kind == "too_long":
        return "give fewer items (the limit keeps a plan to seconds; README 'Limits')"
    return "correct the value as the message says"
