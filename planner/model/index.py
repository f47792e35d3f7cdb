"""Derived sets of the model, in plain Python (no solver import).

A *choice* (k, s, i) is option i of stage s of path k. The options of a stage that share one
availability window [a, b] form a *block* (k, s, w), w a label such as 'days0toinf'; a stage runs
its blocks in window order (a, then b), each block's segments back to back (docs/model.md proves
this order optimal for agreeable windows, which Problem enforces). A path's blocks are listed in
execution order: stage by stage, and within a stage by window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.problem import Capacity, Option, Problem, StageOptions

Choice = tuple[str, str, str]  # (path id, stage name, option id)
BlockKey = tuple[str, str, str]  # (path id, stage name, window label)
StageKey = tuple[str, str]  # (path id, stage name)


@dataclass(frozen=True)
class Block:
    """The options of one stage with the window [first_day, last_day] (last_day may be math.inf).

    horizon_day is the stage's horizon T_{k,s} (Index.horizon_day); the window's end needs a row
    only when it comes before it (ends_early).
    """

    key: BlockKey
    first_day: float
    last_day: float
    options: tuple[Option, ...]
    horizon_day: float = math.inf
    lead_day: float | None = None  # the day its nodes arrive after the stage may start (None: first_day)

    @property
    def lead_time_day(self) -> float:
        """The day before which the block may not start for want of its nodes: first_day, or 0 for a
        later-runs block that opens on its stage's ready day (stage_ready starts it then)."""
        return self.first_day if self.lead_day is None else self.lead_day

    @property
    def ends_early(self) -> bool:
        return self.last_day < self.horizon_day

    def choices(self) -> list[tuple[Choice, Option]]:
        k, s, _ = self.key
        return [((k, s, o.id), o) for o in self.options]


@dataclass(frozen=True)
class Index:
    stages: dict[StageKey, tuple[Option, ...]]  # (path, stage) -> its options, in input order
    sequence: dict[str, tuple[Block, ...]]  # path id -> its blocks in execution order
    capacities: dict[str, Capacity]
    # T_{k,s} = min(deadline, latest lead time or ready day in stages 1..s + Σ_{s'≤s} longest option): a day by
    # which every plan whose segments start as early as they can has ended stage s (docs/model.md); for a
    # later-runs stage the deadline is run 2's (Project.end_limit_day)
    horizon_day: dict[StageKey, float]
    later: frozenset[StageKey] = frozenset()  # the stages of the schedule runs 2..R share

    @classmethod
    def of(cls, problem: Problem) -> Index:
        capacities = {c.id: c for c in problem.capacities}

        def window(o: Option) -> tuple[float, float]:
            return (0.0, math.inf) if o.capacity is None else capacities[o.capacity].window

        stages, sequence, horizon, later = {}, {}, {}, set()
        for path in problem.paths:
            blocks, latest_release, work = [], 0.0, 0.0
            for stage in path.stages:
                stages[(path.id, stage.name)] = stage.options
                latest_release = max([latest_release, stage.ready_day] + [window(o)[0] for o in stage.options])
                work += max((o.days + o.setup_days for o in stage.options), default=0.0)
                bound = min(latest_release + work, problem.project_of(path.id).end_limit_day(stage.later))
                horizon[(path.id, stage.name)] = bound
                if stage.later:
                    later.add((path.id, stage.name))
                grouped: dict[tuple[float, float], list[Option]] = {}
                for o in stage.options:
                    grouped.setdefault(_opens(window(o), stage), []).append(o)
                for (first, last), options in sorted(grouped.items()):
                    lead = (first if first > stage.ready_day else 0.0) if stage.later else None
                    blocks.append(Block((path.id, stage.name, window_label(first, last)), first, last,
                                        tuple(options), bound, lead))
            sequence[path.id] = tuple(blocks)
        return cls(stages, sequence, capacities, horizon, frozenset(later))

    @property
    def blocks(self) -> list[Block]:
        return [b for blocks in self.sequence.values() for b in blocks]

    def choices(self, stage: StageKey | None = None) -> list[tuple[Choice, Option]]:
        """(choice, option) pairs of one stage, or of all stages (computed once)."""
        table = self._choices()
        return table[None] if stage is None else table[stage]

    def _choices(self) -> dict[StageKey | None, list[tuple[Choice, Option]]]:
        table = self.__dict__.get("_choice_table")
        if table is None:
            table = {key: [((*key, o.id), o) for o in options] for key, options in self.stages.items()}
            table[None] = [pair for pairs in table.values() for pair in pairs]
            object.__setattr__(self, "_choice_table", table)
        return table

    def window(self, option: Option) -> tuple[float, float]:
        return (0.0, math.inf) if option.capacity is None else self.capacities[option.capacity].window


def _opens(window: tuple[float, float], stage: StageOptions) -> tuple[float, float]:
    """A later-runs stage's block window: a capacity delivered by the stage's ready day (in run 2's
    window) is there from that day, so such options form one block opening on the ready day."""
    first, last = window
    return (max(first, stage.ready_day), last) if stage.later else window


def window_label(first: float, last: float) -> str:
    """'days0toinf', 'days60toinf', 'days0to365', 'days0to36.5': readable, and distinct for
    distinct windows (every digit of the float is kept)."""
    return f"days{_day(first)}to{'inf' if math.isinf(last) else _day(last)}"


def _day(day: float) -> str:
    text = repr(float(day))
    return text[:-2] if text.endswith(".0") else text
