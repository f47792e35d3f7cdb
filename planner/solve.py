"""Solve a Problem and return a typed Solution: the chosen path, its segments and procurement.

One model is built and handed to CBC, HiGHS or OR-Tools. Objectives 'quality' and 'time' are
solved lexicographically: first the objective, then the cheapest plan that keeps it.

The Solution is the plan cleaned from the solver's values: segments whose option is not used
(u < 0.5, possible within integrality tolerance) or whose fraction is below MIN_FRACTION are
dropped, the fractions left in a stage are scaled to sum to exactly 1, each segment starts as
early as order and lead times allow, and each capacity is sized to its largest use. Its costs,
dates and totals are recomputed from that plan: at an optimum they equal the solver's up to its
tolerances (about 1e-6 relative), and they never exceed them by more. objective_value is the
solver's value of the objective asked for; gap, when a time limit stopped the search, is relative
to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.model import PlanModel, build_model
from planner.model.backends import Run, run
from planner.model.objective import tie_break_by_cost
from planner.problem import Option, Path, Problem

MIN_FRACTION = 1e-7


@dataclass(frozen=True)
class Segment:
    """Part of a stage run on one option (`option` is its id): `fraction` of the stage, from
    start_day to end_day; slot is the segment number j in the model."""

    stage: str
    slot: int
    option: str
    fraction: float
    start_day: float
    end_day: float
    cost_usd: float
    energy_mwh: float
    tco2e: float


@dataclass(frozen=True)
class Solution:
    """status: 'optimal'; 'feasible' (a time limit stopped the search, see gap, or the cost
    tie-break found nothing better); 'infeasible' (proven); 'timeout' (the time limit came before
    any plan). capacities maps a capacity id to the nodes to buy or reserve there (beyond those
    held). Plan fields are empty or None when there is no plan."""

    status: str
    gap: float | None
    objective_value: float | None
    solver: str
    objective: str
    path_id: str | None = None
    segments: tuple[Segment, ...] = ()
    capacities: dict[str, int] = field(default_factory=dict)
    cost_breakdown_usd: dict[str, float] = field(default_factory=dict)
    total_cost_usd: float | None = None
    end_day: float | None = None
    loss: float | None = None
    energy_mwh: float | None = None
    tco2e: float | None = None
    solve_seconds: float = 0.0
    n_variables: int = 0
    n_constraints: int = 0

    @property
    def has_plan(self) -> bool:
        return self.status in ("optimal", "feasible")


def solve(problem: Problem, objective: str = "cost", solver: str = "cbc", time_limit_s: float | None = None,
          write_lp: str | None = None, **overrides) -> Solution:
    """Minimise `objective` ('cost', 'quality' or 'time'; ties broken by cost) with `solver`
    ('cbc', 'highs' or 'ortools'). write_lp: a file to write the model to (LP format) first.
    overrides replace Problem fields, e.g. budget_usd=None."""
    m = build_model(problem, objective, **overrides)
    if write_lp:
        m.lp.writeLP(write_lp)
    size = {"n_variables": m.n_variables, "n_constraints": m.n_constraints}
    first = run(m.lp, solver, time_limit_s)
    if first.status in ("infeasible", "timeout"):
        return Solution(first.status, None, None, solver, objective, solve_seconds=first.seconds, **size)
    best = m.value(m.objectives[objective])
    runs = [first]
    if objective != "cost":
        runs.append(_tie_break(m, best, solver, time_limit_s, first.seconds))
    status = "optimal" if all(r.status == "optimal" for r in runs) else "feasible"
    gap = None if status == "optimal" else _gap(best, first.bound) if first.status == "feasible" else 0.0
    seconds = sum(r.seconds for r in runs)
    return Solution(status, gap, best, solver, objective, **_plan(m), solve_seconds=seconds, **size)


def _tie_break(m: PlanModel, best: float, solver: str, time_limit_s: float | None, used_s: float) -> Run:
    """Re-solve for the cheapest plan keeping the objective at `best`; keep the first plan if
    this second solve finds none (reported as 'timeout': its cost is not proven minimal)."""
    first_values = {v: v.varValue for v in m.lp.variables()}
    tie_break_by_cost(m, best)
    remaining = None if time_limit_s is None else max(time_limit_s - used_s, 0.1 * time_limit_s)
    second = run(m.lp, solver, remaining)
    if second.status in ("infeasible", "timeout"):
        for v, value in first_values.items():
            v.varValue = value
        return Run("timeout", None, second.seconds)
    return second


def _gap(value: float, bound: float | None) -> float | None:
    return None if bound is None else max(0.0, value - bound) / max(abs(value), 1e-9)


def _plan(m: PlanModel) -> dict:
    """The cleaned plan (see module docstring) as Solution fields."""
    problem = m.problem
    path = max(problem.paths, key=lambda k: m.path[k.id].varValue or 0.0)
    kept = [(slot, option, m.fraction[choice].varValue)
            for slot in m.index.sequence[path.id] for choice, option in m.index.choices(slot)
            if (m.fraction[choice].varValue or 0.0) >= MIN_FRACTION and (m.use[choice].varValue or 0.0) >= 0.5]
    done = {stage.name: sum(x for slot, _, x in kept if slot[1] == stage.name) for stage in path.stages}
    segments, used, day = [], [], 0.0
    for (_, stage, number), option, x in kept:
        fraction = x / done[stage]
        start = max(day, _ready_day(problem, option))
        day = start + option.days * fraction
        segments.append(Segment(stage, number, option.id, fraction, start, day,
                                (option.compute_usd + option.energy_usd) * fraction,
                                option.energy_mwh * fraction, option.tco2e * fraction))
        used.append((option, fraction))
    nodes = _new_nodes(problem, [o for o, _ in used])
    costs = _cost_breakdown(problem, path, used, nodes, day)
    return dict(path_id=path.id, segments=tuple(segments),
                capacities={c: n for c, n in nodes.items() if n > 0},
                cost_breakdown_usd=costs, total_cost_usd=sum(costs.values()), end_day=day,
                loss=path.loss, energy_mwh=sum(s.energy_mwh for s in segments),
                tco2e=sum(s.tco2e for s in segments))


def _ready_day(problem: Problem, option: Option) -> float:
    return 0.0 if option.capacity is None else problem.capacity(option.capacity).available_day


def _new_nodes(problem: Problem, options: list[Option]) -> dict[str, int]:
    """B_c = max over used options on c of (nodes − held_nodes)⁺."""
    return {c.id: max([o.nodes - c.held_nodes for o in options if o.capacity == c.id] + [0])
            for c in problem.capacities}


def _cost_breakdown(problem: Problem, path: Path, used: list[tuple[Option, float]], nodes: dict[str, int],
                    end_day: float) -> dict[str, float]:
    capacities = problem.capacities
    return {
        "compute": float(sum(o.compute_usd * f for o, f in used)),
        "reserved": float(sum(c.unit_cost_usd * nodes[c.id] for c in capacities if c.kind == "reserved")),
        "owned_capex_net": float(sum(c.unit_cost_usd * nodes[c.id] for c in capacities if c.kind != "reserved")),
        "energy": float(sum(o.energy_usd * f for o, f in used)),
        "hosting": float(sum(c.hosting_usd_per_node * nodes[c.id] for c in capacities)),
        "data": path.data_usd,
        "labelling": path.labelling_usd,
        "inference": path.inference_usd,
        "staff": problem.staff_usd_per_day * end_day,
    }
