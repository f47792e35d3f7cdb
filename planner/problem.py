"""The MIP's input: precomputed options for every stage of every candidate path, as pure data.

Everything non-linear (hours, utilisation, energy, prices) was computed upstream, so the model is
exact on these numbers. Ids must be unique where they are looked up (paths, capacities, stage names
within a path, option ids within a stage); `Problem` checks this and the references between them.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from dataclasses import dataclass, fields
from typing import Literal

from planner.errors import InputError, did_you_mean

CapacityKind = Literal["held", "owned", "reserved"]
Source = Literal["on_demand", "spot", "reserved", "owned", "held"]


# Relative slack kept on the primary objective (loss, days) when ties are broken by cost: about
# the solvers' integrality tolerance, so the first plan always meets it. Presolve keeps whatever
# could be within it.
TIE_BREAK_SLACK = 1e-6


@dataclass(frozen=True)
class Capacity:
    """A pool of nodes bought, reserved or already held once and shared by every stage.

    unit_cost_usd is charged once per new node, whatever the use: owned = a one-time charge such as
    the resale haircut (usage-based depreciation is Option.capex_usd), reserved = the whole-term fee,
    held = 0. hosting_usd_per_node is likewise charged once per new node. unit_price_usd is the list
    price per node, for the procurement list only. held_nodes are already owned and free; at most
    max_new_nodes more may be bought or reserved. Every node of the pool is usable on the days
    [available_day, available_until_day]: a segment on it starts at or after available_day (lead
    time; 0 for held hardware) and ends at or before available_until_day (None: no end; e.g. a
    1-year reservation from day 0 ends on day 365). Hardware partly held and partly to be bought is
    two entries: kind 'held' (cost 0, available_day 0) and kind 'owned'.

    Within a stage the planner runs segments in the order of their windows, so the windows of one
    stage's options must not nest strictly (see Problem); a window that starts on day 0 or never
    ends always qualifies.
    """

    id: str
    kind: CapacityKind
    chip: str
    vendor: str
    unit_cost_usd: float
    hosting_usd_per_node: float
    unit_price_usd: float
    held_nodes: int
    max_new_nodes: int
    available_day: float
    available_until_day: float | None = None

    def __post_init__(self):
        _non_negative(f"capacity '{self.id}'", self)

    @property
    def window(self) -> tuple[float, float]:
        """(first day, last day) of use; the last is math.inf when the pool has no end."""
        end = math.inf if self.available_until_day is None else self.available_until_day
        return self.available_day, end


@dataclass(frozen=True)
class Option:
    """One way to do a whole stage: `nodes` nodes (`gpus` GPUs) of one offer for `days` days.

    compute_usd is the rental for the whole stage (0 on owned or held hardware); energy_usd the
    electricity paid separately (owned hardware; 0 on cloud, where it is in the price); capex_usd
    the capital charge for the hardware's node-days (e.g. depreciation) and hosting_usd their
    hosting, both for doing the whole stage here (0 unless owned). A stage may be split across
    options: a fraction f of the stage costs, lasts and emits f times these figures. capacity names
    the Capacity whose nodes the option uses (None for on-demand and spot: usable any day).
    """

    id: str
    offer: str
    provider: str
    chip: str
    source: Source
    nodes: int
    gpus: int
    days: float
    compute_usd: float
    energy_usd: float
    energy_mwh: float
    tco2e: float
    capacity: str | None = None
    capex_usd: float = 0.0
    hosting_usd: float = 0.0
    gpu_hours: float = 0.0  # whole stage here, failures included (compute.Estimate)
    mfu: float = 0.0
    goodput: float = 0.0
    layout: tuple[tuple[str, float], ...] = ()  # compute.Estimate's layout, batch and steps

    def __post_init__(self):
        _non_negative(f"option '{self.id}'", self)

    @property
    def variable_usd(self) -> float:
        """Everything the option costs in proportion to the fraction of the stage it does."""
        return self.compute_usd + self.energy_usd + self.capex_usd + self.hosting_usd


@dataclass(frozen=True)
class StageOptions:
    """A stage of a path (e.g. 'pretrain', 'sft') and the options that can do it."""

    name: str
    options: tuple[Option, ...]

    def __post_init__(self):
        object.__setattr__(self, "options", tuple(self.options))


@dataclass(frozen=True)
class Path:
    """A candidate way to reach the quality target: stages run in order, with fixed costs.

    loss is the predicted loss of the finished model; data, labelling and inference costs are paid
    once if the path is chosen.
    """

    id: str
    kind: str
    loss: float
    data_usd: float
    labelling_usd: float
    inference_usd: float
    stages: tuple[StageOptions, ...]

    def __post_init__(self):
        object.__setattr__(self, "stages", tuple(self.stages))
        _non_negative(f"path '{self.id}'", self)

    @property
    def fixed_usd(self) -> float:
        return self.data_usd + self.labelling_usd + self.inference_usd


@dataclass(frozen=True)
class Problem:
    """The question for the MIP: candidate paths, shared capacities and the user's bounds.

    Bounds left as None are absent. max_provider_share caps any one provider's share of rental
    spend (compute_usd). max_segments is how many options a stage may be split over; each does one
    contiguous segment, and a stage's segments run one after another.

    The windows [available_day, available_until_day] of the options of one stage (an option without
    capacity: [0, ∞)) must be agreeable: no window lies strictly inside another (a < a' and b' < b).
    Then running a stage's segments in window order is optimal (docs/model.md), which the MIP uses.
    """

    paths: tuple[Path, ...]
    capacities: tuple[Capacity, ...] = ()
    deadline_days: float | None = None
    budget_usd: float | None = None
    target_loss: float | None = None
    staff_usd_per_day: float = 0.0
    carbon_cap_tco2e: float | None = None
    max_provider_share: float | None = None
    max_segments: int = 2

    def __post_init__(self):
        object.__setattr__(self, "paths", tuple(self.paths))
        object.__setattr__(self, "capacities", tuple(self.capacities))
        _check(self)

    def capacity(self, capacity_id: str) -> Capacity:
        return self._capacity_by_id[capacity_id]

    @functools.cached_property
    def _capacity_by_id(self) -> dict[str, Capacity]:
        return {c.id: c for c in self.capacities}

    def window(self, option: Option) -> tuple[float, float]:
        """The days [first, last] on which `option` may run: its capacity's window, else [0, ∞)."""
        return (0.0, math.inf) if option.capacity is None else self.capacity(option.capacity).window

    def path(self, path_id: str) -> Path:
        return next(p for p in self.paths if p.id == path_id)


def _check(problem: Problem) -> None:
    """Unique ids, known capacity references, agreeable windows, non-negative bounds; raise InputError
    otherwise. (Capacities, paths and options check their own numbers when created, once: a
    Problem is rebuilt many times from the same options during presolve.)"""
    if not problem.paths:
        raise InputError("problem", "no candidate path", "give at least one path")
    if problem.max_segments < 1:
        raise InputError("problem: max_segments", f"must be at least 1 (got {problem.max_segments})")
    _unique("problem: paths", [p.id for p in problem.paths])
    _unique("problem: capacities", [c.id for c in problem.capacities])
    capacities = {c.id: c for c in problem.capacities}
    capacity_ids = set(capacities)
    for capacity in problem.capacities:
        first, last = capacity.window
        if last < first:
            raise InputError(f"problem: capacity '{capacity.id}': field 'available_until_day'",
                             f"ends on day {last:g}, before it is available on day {first:g}")
    for path in problem.paths:
        _unique(f"problem: path '{path.id}' stages", [s.name for s in path.stages])
        for stage in path.stages:
            where = f"problem: path '{path.id}' stage '{stage.name}'"
            _unique(f"{where} options", [o.id for o in stage.options])
            for option in stage.options:
                if option.capacity is not None and option.capacity not in capacity_ids:
                    raise InputError(f"{where} option '{option.id}'",
                                     f"unknown capacity '{option.capacity}'",
                                     did_you_mean(option.capacity, capacity_ids))
            _agreeable_windows(where, stage, capacities)
    _non_negative("problem", problem)


def _agreeable_windows(where: str, stage: StageOptions, capacities: dict[str, Capacity]) -> None:
    """No option's window lies strictly inside another's (a < a' and b' < b) within the stage."""
    windows = {}
    for o in stage.options:
        window = (0.0, math.inf) if o.capacity is None else capacities[o.capacity].window
        windows.setdefault(window, o)
    ordered = sorted(windows)
    for (a, b), (a2, b2) in zip(ordered, ordered[1:]):
        if b2 < b:  # a <= a2 by the sort; a == a2 would have sorted b <= b2
            def show(first, last):
                return f"[{first:g}, {'no end' if math.isinf(last) else f'{last:g}'}]"
            raise InputError(
                f"{where}", f"option '{windows[(a2, b2)].id}' can run only on days {show(a2, b2)}, strictly "
                f"inside the days {show(a, b)} of option '{windows[(a, b)].id}'",
                "give capacity windows that start on day 0 or never end (a reservation starting later "
                "than day 0 can end after the deadline instead), or drop one of the two options")


def _unique(where: str, ids: list[str]) -> None:
    duplicates = sorted(i for i, n in Counter(ids).items() if n > 1)
    if duplicates:
        raise InputError(where, f"duplicate ids {duplicates}", "give each entry its own id")


def _non_negative(where: str, record) -> None:
    for name in _field_names(type(record)):
        value = getattr(record, name)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            raise InputError(f"{where}: field '{name}'", f"must not be negative (got {value})")


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))
