"""Solve a Problem and return a typed Solution: the chosen path, its segments and procurement.

One model is built and handed to CBC, HiGHS or OR-Tools. Objectives 'quality' and 'time' are
solved lexicographically: first the objective, then the cheapest plan that keeps it.

The Solution is the plan cleaned from the solver's values: options not used (u < 0.5, possible
within integrality tolerance) or whose fraction is below MIN_FRACTION are dropped, the fractions
left in a stage are scaled to sum to exactly 1, each stage's segments are put in window order
(the model's order) and each starts as early as that order and its window allow, and each
capacity is sized to its largest use. Its costs, dates and totals are recomputed from that plan: at
an optimum they equal the solver's up to its tolerances (about 1e-6 relative), and they never
exceed them by more. objective_value is the solver's value of the objective asked for; gap, when a
time limit stopped the search, is relative to it. A time limit never raises: if it stops the
solver before it has a plan, the simple plan presolve found (best_simple_plan) is returned as
'feasible'; without that either, the status is 'timeout'. Under the cost objective, that plan's
cost is also the solver's cutoff (CBC), or, for a large model over several paths
(PATH_FIRST_MIN_VARIABLES), the optimum of that plan's path solved alone first, when lower; that
optimum is then proven by one LP relaxation, or by asking each other path alone for a cheaper plan
(CBC, PATH_BY_PATH_MAX_PATHS), before the whole MIP is ever run.
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from planner.files import write_via
from planner.model import PlanModel, build_model
from planner.model.backends import CUTOFF_SLACK, MIN_TIME_LIMIT_S, Run, below_cutoff, relaxation_bound, run
from planner.model.objective import tie_break_by_cost
from planner.presolve import SimplePlan, best_simple_plan
from planner.problem import Capacity, Option, Path, Problem

MIN_FRACTION = 1e-7
# A large single plan over several paths is first solved on presolve's best simple plan's path alone,
# and that path's optimum becomes the whole model's cutoff: much nearer the optimum than the simple
# plan's cost (enterprise's runner-up re-plan, 8 paths, 2,640 variables: the path alone in 0.06 s,
# then CBC 1.40 -> 0.63 s). Smaller models solve faster than the extra solve costs.
PATH_FIRST_MIN_VARIABLES = 2_000
# When the relaxation cannot prove that path's plan optimal, CBC is asked of each other path alone
# whether it has a cheaper plan (backends.below_cutoff): alone, a path that cannot beat the cutoff is
# usually refuted in CBC's preprocessing, which on the whole model is the slow part (enterprise's
# runner-up re-plan: 7 other paths refuted in about 0.3 s one at a time, 0.16 s two at a time, where
# the whole MIP took 0.5 s). Up to
# this many paths; beyond, or with HiGHS and OR-Tools (which ignore a cutoff), the whole MIP decides.
PATH_BY_PATH_MAX_PATHS = 12


@dataclass(frozen=True)
class Segment:
    """Part of a stage run on one option (`option` is its id): `fraction` of the stage, from
    start_day to end_day (start-up included); slot is its position (1, 2, ...) among the stage's
    segments. cost_usd is what the segment costs (Option.segment_usd): rental with start-up and
    minimum billing, energy, and per-node-day charges (not the per-node capacity charges)."""

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
    tie-break found nothing better, or the plan is presolve's simple plan because the time limit
    came before the solver had one); 'infeasible' (proven); 'timeout' (the time limit came before
    any plan, and there was no simple plan). capacities maps a capacity id to the nodes to buy or reserve there (beyond those
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
        write_via(write_lp, m.lp.writeLP, "--write-lp", by_name=True)
    size = {"n_variables": m.n_variables, "n_constraints": m.n_constraints}
    known = best_simple_plan(m.problem)
    cutoff = known.cost_usd if known and objective == "cost" else None
    incumbent = None  # the best plan path-first and path-by-path found, when they ran
    started = time.perf_counter()
    if cutoff is not None and len(m.problem.paths) > 1 and not m.problem.projects \
            and m.n_variables >= PATH_FIRST_MIN_VARIABLES:
        alone, proven = _path_first(m, known.path.id, solver, time_limit_s)
        if proven:
            return dataclasses.replace(alone, **size)
        incumbent = alone if alone.has_plan else None  # optimal, or stopped by the time limit with a plan
        if alone.status == "optimal" and solver == "cbc" and len(m.problem.paths) <= PATH_BY_PATH_MAX_PATHS:
            incumbent, proven = _path_by_path(m, alone, solver, time_limit_s)
            if proven:
                return dataclasses.replace(incumbent, **size)
        if incumbent is not None:  # its cost bounds the optimum all the same
            cutoff = min(cutoff, incumbent.total_cost_usd)
    before = time.perf_counter() - started
    left = None if time_limit_s is None else max(time_limit_s - before, MIN_TIME_LIMIT_S)
    first = run(m.lp, solver, left, cutoff=cutoff)
    first = dataclasses.replace(first, seconds=first.seconds + before)
    plan = _plan(m) if first.status in ("optimal", "feasible") else None
    if plan is None and first.status != "infeasible" and incumbent is not None:  # stopped: keep what was found
        return dataclasses.replace(incumbent, status="feasible", gap=_gap(incumbent.total_cost_usd, first.bound),
                                   solve_seconds=first.seconds, **size)
    if plan is None and first.status != "infeasible" and known is not None:
        return _fallback(m, known, first, solver, objective, size)
    if plan is None:  # infeasible, or stopped before any plan (a 'feasible' run without one counts so)
        status = "infeasible" if first.status == "infeasible" else "timeout"
        return Solution(status, None, None, solver, objective, solve_seconds=first.seconds, **size)
    best = m.value(m.objectives[objective])
    runs = [first]
    if objective != "cost":
        second = _tie_break(m, best, solver, time_limit_s, first.seconds)
        runs.append(second)
        plan = _plan(m) if second.status != "timeout" else plan
    status = "optimal" if all(r.status == "optimal" for r in runs) else "feasible"
    gap = None if status == "optimal" else _gap(best, first.bound) if first.status == "feasible" else 0.0
    seconds = sum(r.seconds for r in runs)
    return Solution(status, gap, best, solver, objective, **plan, solve_seconds=seconds, **size)


def _path_first(m: PlanModel, path_id: str, solver: str, time_limit_s: float | None) -> tuple[Solution, bool]:
    """The path path_id solved alone, and whether its plan is proven the whole model's optimum: the LP
    relaxation of the model with that path off is at least its cost (plus CUTOFF_SLACK), so no
    other path has a cheaper plan (solve_seconds counts both solves)."""
    started = time.perf_counter()
    alone = solve(dataclasses.replace(m.problem, paths=(m.problem.path(path_id),)), "cost", solver, time_limit_s)
    bound = None
    if alone.status == "optimal":
        left = None if time_limit_s is None else max(time_limit_s - alone.solve_seconds, MIN_TIME_LIMIT_S)
        bound = relaxation_bound(m.lp, solver, [m.path[path_id]], left)
    alone = dataclasses.replace(alone, solve_seconds=time.perf_counter() - started)
    return alone, bound is not None and bound >= alone.total_cost_usd * (1 + CUTOFF_SLACK)


def _path_by_path(m: PlanModel, best: Solution, solver: str, time_limit_s: float | None) -> tuple[Solution, bool]:
    """The cheapest plan found from `best`, the optimum of one path (after _path_first), and whether it
    is proven the whole model's optimum: every other path alone is asked for a plan cheaper than best
    (backends.below_cutoff), two at a time (CBC runs in processes of its own; enterprise's runner-up
    0.28 -> 0.16 s), in the order the relaxation weighs them (m holds its values); each path that has
    one is solved alone, and the cheapest plan wins. Paths refuted under best's cost are refuted under
    any cheaper one too. Not proven when a question or solve ends without a verdict (time limit, CBC
    failure): the whole MIP then decides, with the plan found as its cutoff and fallback.
    solve_seconds counts every solve since the path-first one began."""
    started = time.perf_counter() - best.solve_seconds
    others = sorted((k for k in m.problem.paths if k.id != best.path_id),
                    key=lambda k: -(m.path[k.id].varValue or 0.0))

    def left() -> float | None:
        return None if time_limit_s is None else time_limit_s - (time.perf_counter() - started)

    def ask(path: Path) -> str:
        limit = left()
        if limit is not None and limit <= MIN_TIME_LIMIT_S:
            return "timeout"
        alone = build_model(dataclasses.replace(m.problem, paths=(path,)), "cost")
        return below_cutoff(alone.lp, best.total_cost_usd, limit).status

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(ask, others))
    proven = all(status in ("infeasible", "optimal") for status in answers)
    for path, status in zip(others, answers):
        if status == "optimal":
            cheaper = solve(dataclasses.replace(m.problem, paths=(path,)), "cost", solver, left())
            proven = proven and cheaper.status == "optimal"
            if cheaper.has_plan and cheaper.total_cost_usd < best.total_cost_usd:
                best = cheaper
    return dataclasses.replace(best, solve_seconds=time.perf_counter() - started), proven


def _fallback(m: PlanModel, known: SimplePlan, first: Run, solver: str, objective: str, size: dict) -> Solution:
    """The simple plan presolve found, as the Solution of a run stopped (by its time limit) before
    the solver had a plan of its own: status 'feasible', gap against the solver's bound if it has one."""
    for table in (m.path, m.fraction, m.use):
        for v in table.values():
            v.varValue = 0.0
    m.path[known.path.id].varValue = 1.0
    for stage, option, fraction in known.segments:
        m.fraction[(known.path.id, stage, option.id)].varValue = fraction
        m.use[(known.path.id, stage, option.id)].varValue = 1.0
    plan = _plan(m)
    value = {"cost": plan["total_cost_usd"], "time": plan["end_day"], "quality": plan["loss"]}[objective]
    return Solution("feasible", _gap(value, first.bound), value, solver, objective, **plan,
                    solve_seconds=first.seconds, **size)


def _tie_break(m: PlanModel, best: float, solver: str, time_limit_s: float | None, used_s: float) -> Run:
    """Re-solve for the cheapest plan keeping the objective at `best`; keep the first plan if
    this second solve finds none (reported as 'timeout': its cost is not proven minimal)."""
    first_values = {v: v.varValue for v in m.lp.variables()}
    tie_break_by_cost(m, best)
    remaining = None if time_limit_s is None else max(time_limit_s - used_s, 0.1 * time_limit_s)
    second = run(m.lp, solver, remaining)
    if second.status in ("infeasible", "timeout") or _plan(m) is None:
        for v, value in first_values.items():
            v.varValue = value
        return Run("timeout", None, second.seconds)
    return second


def _gap(value: float, bound: float | None) -> float | None:
    return None if bound is None else max(0.0, value - bound) / max(abs(value), 1e-9)


def _plan(m: PlanModel) -> dict | None:
    """The cleaned plan (see module docstring) as Solution fields; None if the solver's values
    hold no plan (no path chosen, or a stage of it not done), as after some time-limited runs."""
    problem = m.problem
    chosen = chosen_path(m, problem.paths)
    if chosen is None:
        return None
    path, segments, used, day = chosen
    nodes = _new_nodes(problem.capacities, [o for o, _ in used])
    costs = _cost_breakdown(problem, path, used, nodes, day)
    return dict(path_id=path.id, segments=tuple(segments),
                capacities={c: n for c, n in nodes.items() if n > 0},
                cost_breakdown_usd=costs, total_cost_usd=sum(costs.values()), end_day=day,
                loss=path.loss, energy_mwh=sum(s.energy_mwh for s in segments),
                tco2e=sum(s.tco2e for s in segments))


def chosen_path(m: PlanModel, paths) -> tuple[Path, list[Segment], list[tuple[Option, float]], float] | None:
    """The path of `paths` the solver chose (one project's), its cleaned segments (module docstring),
    (option, fraction) pairs and end day; None if its values hold no plan."""
    path = max(paths, key=lambda k: m.path[k.id].varValue or 0.0)
    if (m.path[path.id].varValue or 0.0) < 0.5:
        return None
    segments, used, day = [], [], 0.0
    for stage in path.stages:
        kept = [(option, m.fraction[choice].varValue)
                for block in m.index.sequence[path.id] if block.key[1] == stage.name
                for choice, option in block.choices()
                if (m.fraction[choice].varValue or 0.0) >= MIN_FRACTION and (m.use[choice].varValue or 0.0) >= 0.5]
        done = sum(x for _, x in kept)
        if done <= 0:
            return None
        for position, (option, x) in enumerate(kept, start=1):
            fraction = x / done
            start = max(day, m.index.window(option)[0], stage.ready_day)
            day = start + option.segment_days(fraction)
            segments.append(Segment(stage.name, position, option.id, fraction, start, day,
                                    option.segment_usd(fraction), option.energy_mwh * fraction,
                                    option.tco2e * fraction))
            used.append((option, fraction))
    return path, segments, used, day


def _new_nodes(capacities: tuple[Capacity, ...], options: list[Option]) -> dict[str, int]:
    """B_c = max over used options on c of (nodes − held_nodes)⁺."""
    return {c.id: max([o.nodes - c.held_nodes for o in options if o.capacity == c.id] + [0])
            for c in capacities}


def _cost_breakdown(problem: Problem, path: Path, used: list[tuple[Option, float]], nodes: dict[str, int],
                    end_day: float) -> dict[str, float]:
    capacities = problem.capacities
    return {
        "compute": float(sum(o.rental_usd(f) for o, f in used)),
        "reserved": float(sum(c.unit_cost_usd * nodes[c.id] for c in capacities if c.kind == "reserved")),
        "owned_capex_net": float(sum(o.capex_usd * f for o, f in used)
                                 + sum(c.unit_cost_usd * nodes[c.id] for c in capacities if c.kind != "reserved")),
        "energy": float(sum(o.energy_usd * f for o, f in used)),
        "hosting": float(sum(o.hosting_usd * f for o, f in used)
                         + sum(c.hosting_usd_per_node * nodes[c.id] for c in capacities)),
        "data": path.data_usd,
        "labelling": path.labelling_usd,
        "inference": path.inference_usd,
        "staff": problem.staff_usd(end_day),
    }
