"""Derived sets of the model, in plain Python (no solver import).

A *slot* (k, s, j) is segment j = 1..max_segments of stage s of path k; a *choice* (k, s, j, i)
is option i filling that slot. A path's slots are listed in execution order: stage by stage,
and within a stage by segment number.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.problem import Option, Problem

Slot = tuple[str, str, int]  # (path id, stage name, segment number)
Choice = tuple[str, str, int, str]  # (path id, stage name, segment number, option id)


@dataclass(frozen=True)
class Index:
    sequence: dict[str, tuple[Slot, ...]]  # path id -> its slots in execution order
    options: dict[Slot, tuple[Option, ...]]  # slot -> the options that may fill it

    @classmethod
    def of(cls, problem: Problem) -> Index:
        sequence, options = {}, {}
        for path in problem.paths:
            slots = []
            for stage in path.stages:
                for j in range(1, problem.max_segments + 1):
                    slot = (path.id, stage.name, j)
                    slots.append(slot)
                    options[slot] = stage.options
            sequence[path.id] = tuple(slots)
        return cls(sequence, options)

    @property
    def slots(self) -> list[Slot]:
        return list(self.options)

    def choices(self, slot: Slot | None = None) -> list[tuple[Choice, Option]]:
        """(choice, option) pairs of one slot, or of all slots."""
        slots = self.slots if slot is None else [slot]
        return [((*s, o.id), o) for s in slots for o in self.options[s]]
