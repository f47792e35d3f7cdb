"""Validity ranges of the quality laws: refuse outside the trusted range, flag extrapolation.

Every law carries two boxes of named quantities (parameters, tokens, losses...):

* ``fitted``: the range the law's authors fitted on. Outside it a prediction is an
  extrapolation: it is still returned, and :meth:`Box.check` returns a note saying so.
* ``refuse``: the range the planner trusts at all. Outside it :class:`QualityRangeError` is
  raised and no number is produced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class QualityRangeError(ValueError):
    """A quality law was asked about a value it cannot answer for (refusal, not a warning)."""

    def __init__(self, law: str, quantity: str, value: float, low: float, high: float, reason: str = ""):
        self.law = law
        self.quantity = quantity
        self.value = value
        self.low = low
        self.high = high
        text = f"{law}: {quantity} = {value:.4g} is outside [{low:.4g}, {high:.4g}]"
        super().__init__(text + (f": {reason}" if reason else ""))


@dataclass(frozen=True)
class Box:
    """Named ranges for one law. Quantities missing from a box are not checked."""

    law: str
    fitted: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    refuse: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def check(self, subject: str = "", **quantities: float) -> tuple[str, ...]:
        """Raise QualityRangeError if any quantity is outside its refusal range;
        otherwise return one extrapolation note per quantity outside its fitted range.
        subject names what the quantities are about (e.g. "llama-3-8b as released"), for the notes."""
        for name, value in quantities.items():
            if name in self.refuse:
                low, high = self.refuse[name]
                if not low <= value <= high:
                    raise QualityRangeError(
                        self.law, name, value, low, high, "the planner does not extrapolate this law that far"
                    )
        notes = []
        for name, value in quantities.items():
            if name in self.fitted:
                low, high = self.fitted[name]
                if not low <= value <= high:
                    about = f", for {subject}" if subject else ""
                    notes.append(
                        f"{self.law}{about}: {name.replace('_', ' ')} {value:.3g} is outside the fitted range "
                        f"[{low:.3g}, {high:.3g}] (an extrapolation)"
                    )
        return tuple(notes)
