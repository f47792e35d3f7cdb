"""The MIP's input: precomputed options for every stage of every candidate path, as pure data.

Everything non-linear (hours, utilisation, energy, prices) was computed upstream, so the model is
exact on these numbers. Ids must be unique where they are looked up (paths, capacities, stage names
within a path, option ids within a stage); `Problem` checks this and the references between them.
"""

from __future__ import annotations

import functools
import math
import operator
from collections import Counter
from dataclasses import dataclass, fields
from typing import Callable, Literal

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

    unit_cost_usd is charged once per new node, whatever the use: owned = its capital charge and
    financing over the days held, less declared other-use income for them (which may exceed the
    capital charge, so unit_cost_usd may be negative as long as unit_cost_usd + hosting_usd_per_node
    is not), reserved = the whole-term fee, held = 0. hosting_usd_per_node is likewise charged once
    per new node. unit_price_usd is the list price per node, for the procurement list only. held_nodes are already owned and free; at most
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
    order_day: float = 0.0  # bought or reserved on this day (a portfolio's capital budget counts it then)

    def __post_init__(self):
        _non_negative(f"capacity '{self.id}'", self, skip=("unit_cost_usd",))
        if self.unit_cost_usd + self.hosting_usd_per_node < 0:
            raise InputError(f"capacity '{self.id}': fields 'unit_cost_usd' + 'hosting_usd_per_node'",
                             f"must not be negative (got {self.unit_cost_usd + self.hosting_usd_per_node})")

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
    and hosting_usd are charges in proportion to the node-days used (on bought servers: the
    other-use income those node-days forgo; their holding is a per-node Capacity charge).
    Each segment on the option, whatever its fraction, first spends setup_days (start-up) and pays
    setup_usd for it, and its rental (setup_usd + compute_usd·f) is at least min_billed_usd
    (rental_usd). A stage may be split across
    options: a fraction f of the stage costs, lasts and emits f times these figures. capacity names
    the Capacity whose nodes the option uses (None for on-demand and spot: usable any day).
    reserved_usd is counted by the provider-share cap only (share_usd), never paid: the reservation
    is paid through its Capacity.
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
    setup_days: float = 0.0
    setup_usd: float = 0.0
    min_billed_usd: float = 0.0
    reserved_usd: float = 0.0  # reserved nodes: the reservation's price for the GPU-hours used (share cap only)

    def __post_init__(self):
        _non_negative(f"option '{self.id}'", self)

    @property
    def share_usd(self) -> float:
        """Spend with the provider that its share cap counts, for the whole stage: the rental for the
        work, or on reserved nodes the reservation's price per GPU-hour times the GPU-hours used (its
        fee is paid up front per node, but a reservation is spend with that provider all the same)."""
        return self.compute_usd + self.reserved_usd

    @property
    def variable_usd(self) -> float:
        """Everything the option costs in proportion to the fraction of the stage it does."""
        return self.compute_usd + self.energy_usd + self.capex_usd + self.hosting_usd

    def rental_usd(self, fraction: float) -> float:
        """What a segment doing `fraction` of the stage is billed for rental: start-up and its share of
        the compute, at least the minimum billed."""
        return max(self.setup_usd + self.compute_usd * fraction, self.min_billed_usd)

    def segment_usd(self, fraction: float) -> float:
        """Everything a segment doing `fraction` of the stage costs."""
        return self.rental_usd(fraction) + (self.energy_usd + self.capex_usd + self.hosting_usd) * fraction

    def segment_days(self, fraction: float) -> float:
        """How long a segment doing `fraction` of the stage lasts: start-up, then its share of the work."""
        return self.setup_days + self.days * fraction


@dataclass(frozen=True)
class StageOptions:
    """A stage of a path (e.g. 'pretrain', 'sft') and the options that can do it; ready_day is the
    first day it may start (the data it trains on is prepared or labelled by then).

    runs is how many runs of a program its options' costs, energy and emissions stand for. A stage
    with later=True belongs to the schedule that runs 2..R of a program share: placed in run 2's
    window (its ready_day already moved there), repeated every_days later for each further run, so
    its options count runs = R − 1 times. A path lists its later stages after all its first-run ones.
    """

    name: str
    options: tuple[Option, ...]
    ready_day: float = 0.0
    runs: int = 1
    later: bool = False

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
class Project:
    """One project of a portfolio: which of the Problem's paths are its candidates (it chooses one), and
    its calendar and money, in days from the portfolio's day 0.

    Its stages start on or after start_day (their ready days say so); its first run ends by
    deadline_day (hard; None: no deadline), and each day after due_day costs late_usd_per_day (for
    every run). With every_days > 0 its paths have later stages (StageOptions.later), the schedule
    runs 2..R share, placed in run 2's window: they end by deadline_day + every_days. Staff is paid
    staff_usd_per_day from start_day to its last scheduled end (the later schedule's, else the first
    run's) plus later_runs_days, for at least staff_min_days. budget_usd caps the project's own
    spend: everything but the shared capacities' per-node charges, which the portfolio pays once.
    """

    id: str
    path_ids: tuple[str, ...]
    start_day: float = 0.0
    deadline_day: float | None = None
    due_day: float | None = None
    late_usd_per_day: float = 0.0
    runs: int = 1
    budget_usd: float | None = None
    staff_usd_per_day: float = 0.0
    later_runs_days: float = 0.0
    staff_min_days: float = 0.0
    every_days: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "path_ids", tuple(self.path_ids))
        _non_negative(f"project '{self.id}'", self)
        if self.every_days and self.late_usd_per_day:
            raise InputError(f"project '{self.id}': late_usd_per_day", "is for a program that repeats its first "
                             "run (every_days 0): late days count the first run's end", "set one of them to 0")

    @property
    def busy_until_day(self) -> float:
        """The last day its last run may hold nodes: the deadline plus the later runs (∞ without one)."""
        return math.inf if self.deadline_day is None else self.deadline_day + self.every_days + self.later_runs_days

    def end_limit_day(self, later: bool) -> float:
        """The day the first run (later=False) or the later schedule (in run 2's window) must end by (∞: none)."""
        if self.deadline_day is None:
            return math.inf
        return self.deadline_day + (self.every_days if later else 0.0)

    def staff_usd(self, end_day: float) -> float:
        """Staff from start_day to the last run's end (the last scheduled end is end_day), at least the minimum."""
        return self.staff_usd_per_day * max(end_day - self.start_day + self.later_runs_days, self.staff_min_days)

    def late_usd(self, end_day: float) -> float:
        """The penalty for a first run ending on end_day: days past due_day, for every run."""
        if self.due_day is None or not self.late_usd_per_day:
            return 0.0
        return self.late_usd_per_day * self.runs * max(0.0, end_day - self.due_day)


@dataclass(frozen=True)
class Problem:
    """The question for the MIP: candidate paths, shared capacities and the user's bounds.

    Bounds left as None are absent. A program of R runs has two schedules per path: the first run's
    stages, and with every_days > 0 the later stages (StageOptions.later) that runs 2..R share,
    placed in run 2's window (every_days after the first; they end by deadline_days + every_days)
    and repeated every_days later for each further run. Staff is paid staff_usd_per_day from day 0
    to the plan's end: the last scheduled end E (the later schedule's, else the first run's) plus
    later_runs_days (R − 2 windows after run 2; R − 1 after run 1 when the first run's schedule is
    repeated for every run), and for at least staff_min_days. max_provider_share caps any one provider's share of rental
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
    later_runs_days: float = 0.0
    staff_min_days: float = 0.0
    every_days: float = 0.0  # > 0: paths have later stages, placed in run 2's window this many days on
    carbon_cap_tco2e: float | None = None
    max_provider_share: float | None = None
    max_segments: int = 2
    projects: tuple[Project, ...] = ()  # a portfolio: each project chooses one of its paths (else one path overall)
    period_days: float | None = None  # a portfolio's capital budget period (e.g. 91.25: a quarter)
    capital_budget_usd_per_period: float | None = None  # list price of nodes bought or reserved per period

    def __post_init__(self):
        object.__setattr__(self, "paths", tuple(self.paths))
        object.__setattr__(self, "capacities", tuple(self.capacities))
        object.__setattr__(self, "projects", tuple(self.projects))
        _check(self)

    @property
    def portfolio(self) -> bool:
        return bool(self.projects)

    @functools.cached_property
    def groups(self) -> tuple[Project, ...]:
        """The projects; a single plan is one project holding every path, with the Problem's calendar
        (its budget stays on the whole plan: the `budget` family)."""
        if self.projects:
            return self.projects
        return (Project("plan", tuple(p.id for p in self.paths), deadline_day=self.deadline_days,
                        staff_usd_per_day=self.staff_usd_per_day, later_runs_days=self.later_runs_days,
                        staff_min_days=self.staff_min_days, every_days=self.every_days),)

    def overlapping_groups(self) -> list[frozenset[str]]:
        """The largest sets of projects whose windows [start_day, busy_until_day) share a day. Interval
        windows overlap as a set exactly when they all hold the latest start among them, so one set per
        distinct start day covers them all (sets inside another are dropped)."""
        sets: list[frozenset[str]] = []
        for t in sorted({g.start_day for g in self.groups}):
            active = frozenset(g.id for g in self.groups if g.start_day <= t < g.busy_until_day)
            sets = [c for c in sets if not c < active]
            if active and not any(active <= c for c in sets):
                sets.append(active)
        return sets

    def project_of(self, path_id: str) -> Project:
        return self._project_by_path[path_id]

    @functools.cached_property
    def _project_by_path(self) -> dict[str, Project]:
        return {k: g for g in self.groups for k in g.path_ids}

    def capacity(self, capacity_id: str) -> Capacity:
        return self._capacity_by_id[capacity_id]

    @functools.cached_property
    def _capacity_by_id(self) -> dict[str, Capacity]:
        return {c.id: c for c in self.capacities}

    def staff_usd(self, end_day: float) -> float:
        """Staff for a plan whose first run ends on end_day: from day 0 to the last run's end, at least
        staff_min_days."""
        return self.staff_usd_per_day * max(end_day + self.later_runs_days, self.staff_min_days)

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
    if problem.projects:
        _unique("problem: projects", [g.id for g in problem.projects])
        grouped = [k for g in problem.projects for k in g.path_ids]
        _unique("problem: project paths", grouped)
        if sorted(grouped) != sorted(p.id for p in problem.paths):
            raise InputError("problem: projects", "must hold every path exactly once",
                             "list each path id in one project's path_ids")
        if problem.deadline_days is not None or problem.staff_usd_per_day or problem.later_runs_days \
                or problem.every_days:
            raise InputError("problem: deadline_days / staff", "are per project in a portfolio",
                             "set them on each Project")
    capacities = {c.id: c for c in problem.capacities}
    capacity_ids = set(capacities)
    for capacity in problem.capacities:
        first, last = capacity.window
        if last < first:
            raise InputError(f"problem: capacity '{capacity.id}': field 'available_until_day'",
                             f"ends on day {last:g}, before it is available on day {first:g}")
    for path in problem.paths:
        _unique(f"problem: path '{path.id}' stages", [s.name for s in path.stages])
        _later_stages_last(problem, path)
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


def _later_stages_last(problem: Problem, path: Path) -> None:
    """A path's later stages follow all its first-run stages, and a path that trains has some exactly
    when its project's every_days > 0."""
    lanes = [s.later for s in path.stages]
    if lanes != sorted(lanes):
        raise InputError(f"problem: path '{path.id}' stages", "a first-run stage follows a later-runs stage",
                         "list the later runs' stages after the first run's")
    if lanes and any(lanes) != (problem.project_of(path.id).every_days > 0):
        raise InputError(f"problem: path '{path.id}'", "later-runs stages need every_days > 0, and every_days "
                         "> 0 needs them", "give every path later stages with every_days, or neither")


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


def _non_negative(where: str, record, skip: tuple[str, ...] = ()) -> None:
    names, values = _checked_fields(type(record), skip)
    for name, value in zip(names, values(record)):
        if isinstance(value, (int, float)) and value < 0:  # a bool is never negative
            raise InputError(f"{where}: field '{name}'", f"must not be negative (got {value})")


@functools.cache
def _checked_fields(cls: type, skip: tuple[str, ...]) -> tuple[tuple[str, ...], Callable]:
    """The field names of `cls` but `skip`, and a getter of their values as one tuple (options are
    checked by the thousand while a plan is built)."""
    names = tuple(n for n in _field_names(cls) if n not in skip)
    get = operator.attrgetter(*names)
    return names, (get if len(names) > 1 else lambda record: (get(record),))


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))
