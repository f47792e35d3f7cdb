"""Before the MIP: a simple feasible plan found greedily, and dropping the paths and options that
can never be in an optimal plan.

best_simple_plan finds the plan (each stage on one option, or bridged from hardware on hand to
hardware delivered later); its cost is the upper bound below, CBC's cutoff, and the answer when a
time limit stops the solver before it has a plan (planner.solve).

Every bound rule compares a lower bound on what any plan using the item must cost with an upper
bound on the optimum, so the optimum is never lost (tests/test_solve_properties.py compares with
brute force on the whole problem). Write use(o) = variable cost + staff_usd_per_day·days of option
o, and new(o) = (unit cost + hosting) of its capacity × its nodes beyond those held (0 off capacity).

* UB: the cost of the cheapest simple plan found (best_simple_plan), capped by the budget; for
  the quality and time objectives only the budget bounds cost.
* LB of a path with K stages: fixed costs + Σ_stages min_o (use(o) + new(o)/K). A plan pays use for
  the fractions it runs (the path ends no earlier than the sum of its stages' durations) and buys
  at least the largest new(o) of the options it uses, which is at least the mean over stages. A
  path with a program's later-runs stages also pays staff for the later runs' calendar and the wait
  for run 2's window (_later_staff_floor).
* LB of an option on a capacity: fixed costs + Σ_stages min use + new(o).

One rule is an exchange argument instead: in a stage whose options are all cloud options (no
capacity, so no window, no node count shared with other stages) and where a stage may be split
over J ≥ 2 options, only options on the lower convex hull of (days, variable cost) are kept,
unless a carbon cap or provider-share cap looks at other figures of the option, or the options pay
per segment (start-up, minimum billing), which the exchange would pay twice. Any mix of the
stage's options lasting T days costs at least the hull's value at T, reached by at most two
adjacent hull options lasting T days in total; swapping the stage's segments for those keeps every
date, and so every bound, and costs no more.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass

from planner.problem import TIE_BREAK_SLACK, Option, Path, Problem, StageOptions

SLACK = 1e-9
GREEDY_CHOICES = 6  # per stage, the options cheapest to run alone that best_simple_plan combines
BRIDGE_CHOICES = 3  # per stage, options available now and delivered later that the bridging greedy pairs


def presolve(problem: Problem, objective: str = "cost") -> Problem:
    """The same problem without paths and options that cannot be optimal (never empties it)."""
    if objective == "time":
        problem = _presolve_time(problem)
    ub = problem.budget_usd if problem.budget_usd is not None else math.inf
    if objective == "cost":
        ub = min(ub, greedy_upper_bound(problem))
    if math.isfinite(ub):
        problem = _prune_by_cost(problem, ub * (1 + SLACK) + SLACK)
    if problem.max_segments >= 2 and problem.carbon_cap_tco2e is None and problem.max_provider_share is None:
        problem = _keep_cloud_hulls(problem)
    return problem


def _prune_by_cost(problem: Problem, limit: float) -> Problem:
    paths = []
    for path in _runnable(problem):
        k = len(path.stages)
        uses = [min(_use(problem, o) for o in s.options) for s in path.stages]
        fixed = path.fixed_usd + _later_staff_floor(problem, path)
        floor = fixed + sum(min(_use(problem, o) + _new(problem, o) / k for o in s.options) for s in path.stages)
        if floor > limit:
            continue
        base = fixed + sum(uses)
        stages = tuple(_keep(s, tuple(o for o in s.options if not o.capacity or base + _new(problem, o) <= limit))
                       for s in path.stages)
        if all(s.options for s in stages):
            paths.append(_keep(path, stages))
    if not paths:
        return problem  # nothing fits the bounds: leave it to the MIP (and diagnosis) to say so
    return _with_paths(problem, paths)


def _later_staff_floor(problem: Problem, path: Path) -> float:
    """Staff a path with later-runs stages pays beyond Σ_stages staff_usd_per_day·days (what _use
    counts): the later runs' calendar L = later_runs_days, and the wait from the first run's end to
    run 2's window when its stages cannot fill it. E ≥ Σ_later durations + max(r, Σ_first durations),
    r the first later stage's ready day, and a first-run stage lasts at most its longest option plus J
    start-ups; 0 without later stages (one-run and repeating models are unchanged)."""
    later = [s for s in path.stages if s.later]
    if not later or not problem.staff_usd_per_day:
        return 0.0
    first = sum(max(o.days for o in s.options) + problem.max_segments * max(o.setup_days for o in s.options)
                for s in path.stages if not s.later)
    return problem.staff_usd_per_day * (problem.later_runs_days + max(0.0, later[0].ready_day - first))


def _keep_cloud_hulls(problem: Problem) -> Problem:
    return dataclasses.replace(problem, paths=tuple(_keep(p, tuple(
        _keep(s, cloud_hull(s.options)) if _hull_exact(s.options) else s for s in p.stages)) for p in problem.paths))


def _keep(item: Path | StageOptions, parts: tuple) -> Path | StageOptions:
    """The path with these stages, or the stage with these options: the same object when nothing
    was dropped (so what is memoised for it, e.g. _PATH_BEST, still applies)."""
    field = "stages" if isinstance(item, Path) else "options"
    old = getattr(item, field)
    if len(parts) == len(old) and all(a is b for a, b in zip(parts, old)):
        return item
    return dataclasses.replace(item, **{field: parts})


def _hull_exact(options: tuple[Option, ...]) -> bool:
    """The hull rule's exchange holds for cloud options whose cost and time are in proportion to the
    fraction done: none on a capacity, none with a per-segment start-up or minimum billing (two
    hull options would pay two start-ups where the mix they replace may have paid one)."""
    return not any(o.capacity or o.setup_days or o.setup_usd or o.min_billed_usd for o in options)


def _with_paths(problem: Problem, paths: list[Path]) -> Problem:
    used = {o.capacity for p in paths for s in p.stages for o in s.options if o.capacity}
    return dataclasses.replace(problem, paths=tuple(paths),
                               capacities=tuple(c for c in problem.capacities if c.id in used))


def _runnable(problem: Problem) -> list[Path]:
    """The paths every stage of which has an option (a stage without one can never be done)."""
    return [p for p in problem.paths if all(s.options for s in p.stages)]


def _use(problem: Problem, o: Option) -> float:
    return o.variable_usd + problem.staff_usd_per_day * o.days


def _new(problem: Problem, o: Option) -> float:
    if o.capacity is None:
        return 0.0
    c = problem.capacity(o.capacity)
    return (c.unit_cost_usd + c.hosting_usd_per_node) * max(0, o.nodes - c.held_nodes)


def _standalone(problem: Problem, o: Option) -> float:
    """What running a whole stage on o alone costs at least: its use, its new nodes and staff while
    waiting for its window to open."""
    return _use(problem, o) + _new(problem, o) + problem.staff_usd_per_day * problem.window(o)[0]


def cloud_hull(options: tuple[Option, ...]) -> tuple[Option, ...]:
    """The options on the lower convex hull of (days, variable cost), from the fastest (cheapest
    among the fastest) to the cheapest (fastest among the cheapest); options on a hull edge between
    two others are dropped, as a mix of those two does as well."""
    ranked = sorted(options, key=lambda o: (o.days, _var(o)))
    hull: list[Option] = []
    for o in ranked:
        if hull and _var(o) >= _var(hull[-1]):
            continue  # no cheaper than a faster option: never on the falling part of the hull
        while len(hull) >= 2 and _cross(hull[-2], hull[-1], o) <= 0:
            hull.pop()  # hull[-1] lies on or above the segment from hull[-2] to o
        hull.append(o)
    return tuple(hull)


def _cross(a: Option, b: Option, c: Option) -> float:
    """> 0 when b lies strictly below the line from a to c (a, b, c sorted by days)."""
    return (b.days - a.days) * (_var(c) - _var(a)) - (_var(b) - _var(a)) * (c.days - a.days)


def _presolve_time(problem: Problem) -> Problem:
    """Under the time objective: a path whose stages cannot finish before a known feasible end day, and
    options on capacity delivered only after it, cannot be in the earliest plan, nor in the plans
    the cost tie-break chooses among (those within TIE_BREAK_SLACK of the earliest end)."""
    end = greedy_earliest_end(problem)
    if not math.isfinite(end):
        return problem
    limit = end + TIE_BREAK_SLACK * max(1.0, end) + SLACK
    paths = []
    for path in _runnable(problem):
        if sum(min(o.days for o in s.options) for s in path.stages) > limit:
            continue
        stages = tuple(dataclasses.replace(s, options=tuple(
            o for o in s.options if not o.capacity or problem.capacity(o.capacity).available_day < limit)) for s in path.stages)
        if all(s.options for s in stages):
            paths.append(dataclasses.replace(path, stages=stages))
    return _with_paths(problem, paths) if paths else problem


def greedy_earliest_end(problem: Problem) -> float:
    """End day of the fastest simple plan found that meets every bound (inf if none): per path, the
    greedy cloud plan, the fastest cloud option per stage and the fastest option per stage."""
    best = math.inf
    for path in _runnable(problem):
        if problem.target_loss is not None and path.loss > problem.target_loss:
            continue
        cloud = [[o for o in s.options if o.capacity is None] for s in path.stages]
        plans = [_greedy_path(path, problem), [min(s.options, key=lambda o: (o.days, _var(o))) for s in path.stages]]
        if all(cloud):
            plans.append([min(opts, key=lambda o: (o.days, _var(o))) for opts in cloud])
        for plan in filter(None, plans):
            best = min(best, _simple_plan(problem, path, [(o,) for o in plan])[1])
    return best


def _var(o: Option) -> float:
    return o.variable_usd


@dataclass(frozen=True)
class SimplePlan:
    """A plan found without the MIP: segments are (stage name, option, fraction of the stage) in run order."""

    path: Path
    segments: tuple[tuple[str, Option, float], ...]
    cost_usd: float


def greedy_upper_bound(problem: Problem) -> float:
    """The cost of best_simple_plan (inf if it finds none)."""
    plan = best_simple_plan(problem)
    return math.inf if plan is None else plan.cost_usd


def best_simple_plan(problem: Problem) -> SimplePlan | None:
    """The cheapest simple plan found that meets every bound: each stage on one option, or bridged
    (below), each stage as early as the previous one and the windows allow (simple_plan_cost).

    Per path it tries the greedy cloud plan (each stage gets a share of the deadline in proportion
    to its fastest cloud option and takes the cloud option, of those fitting that share, cheapest
    in rental plus staff for its days); every combination of each stage's GREEDY_CHOICES options
    cheapest to run alone (_standalone) and its fastest option; and, when a stage may use two
    options, a stage-by-stage greedy that may also bridge: start a stage on an option available
    now and move it to one delivered later (bought or reserved nodes) on their delivery day.
    """
    best, found = math.inf, None
    settings = tuple(getattr(problem, f.name) for f in dataclasses.fields(problem) if f.name != "paths")
    for path in _runnable(problem):
        if problem.target_loss is not None and path.loss > problem.target_loss:
            continue
        cost, plan = _path_best(problem, path, settings)
        if cost < best:
            best, found = cost, (path, plan)
    if found is None:
        return None
    path, plan = found
    segments, end = [], 0.0
    for stage, move in zip(path.stages, plan):
        end = max(end, stage.ready_day)
        for o, fraction in _segments(problem, move, end):
            end = max(end, problem.window(o)[0]) + o.segment_days(fraction)
            segments.append((stage.name, o, fraction))
    return SimplePlan(path, tuple(segments), best)


# The best simple plan of one path, by (path, every other field of its Problem): the same path is
# asked again by build_problem, presolve, the runner-up guess and solve (enterprise_70b: 32 calls,
# 0.14 s). The path is kept in the entry, so its id is not reused while the entry lives.
_PATH_BEST: dict[tuple, tuple[Path, tuple[float, list | None]]] = {}
_PATH_BEST_ENTRIES = 4096


def _path_best(problem: Problem, path: Path, settings: tuple) -> tuple[float, list | None]:
    """(cost, plan) of the cheapest simple plan of one path that best_simple_plan tries ((inf, None)
    if none meets every bound); memoised in _PATH_BEST."""
    key = (id(path), settings)
    hit = _PATH_BEST.get(key)
    if hit is not None and hit[0] is path:
        return hit[1]
    short = [sorted(s.options, key=lambda o: _standalone(problem, o))[:GREEDY_CHOICES]
             + [min(s.options, key=lambda o: (o.days, _var(o)))] for s in path.stages]
    plans = [[(o,) for o in plan] for plan in _combinations(problem, path, short)]
    cloud = _greedy_path(path, problem)
    if cloud:
        plans.append([(o,) for o in cloud])
    if problem.max_segments >= 2:
        plans.append(_bridging_greedy(problem, path, short))
    best: tuple[float, list | None] = (math.inf, None)
    for plan in plans:
        cost = simple_plan_cost(problem, path, plan)
        if cost < best[0]:
            best = (cost, plan)
    if len(_PATH_BEST) >= _PATH_BEST_ENTRIES:
        _PATH_BEST.clear()
    _PATH_BEST[key] = (path, best)
    return best


def _combinations(problem: Problem, path: Path, short: list[list[Option]]):
    """Every combination of the stages' shortlisted options; with later-runs stages, each first-run
    combination with the later runs repeating it (the same options, where presolve kept them), and the
    cheapest first-run combination with every later-runs combination (not all pairs: their number
    grows as the square)."""
    n = sum(not s.later for s in path.stages)
    if n == len(path.stages):
        yield from itertools.product(*short)
        return
    kept = [{o.id: o for o in s.options} for s in path.stages[n:]]
    heads = list(itertools.product(*short[:n]))
    for head in heads:
        repeat = tuple(ids.get(o.id) for ids, o in zip(kept, head))
        if all(repeat):
            yield head + repeat
    best = min(heads, key=lambda head: _simple_plan(problem, path, [(o,) for o in head], partial=True)[0])
    for tail in itertools.product(*short[n:]):
        yield best + tail


def _bridging_greedy(problem: Problem, path: Path, short: list[list[Option]]) -> list[tuple[Option, ...]]:
    """Stage by stage, the move (one option, or a bridge from one of the stage's options to one of
    its shortlisted options delivered later) with the cheapest plan so far."""
    plan: list[tuple[Option, ...]] = []
    for stage, options in zip(path.stages, short):
        now = sorted((o for o in stage.options if problem.window(o)[0] == 0.0), key=lambda o: _standalone(problem, o))
        later = [o for o in options if problem.window(o)[0] > 0.0]
        moves = [(o,) for o in options] + [(a, b) for a in now[:BRIDGE_CHOICES] for b in later[:BRIDGE_CHOICES]]
        plan.append(min(moves, key=lambda move: _simple_plan(problem, path, plan + [move], partial=True)[0]))
    return plan


def simple_plan_cost(problem: Problem, path: Path, plan) -> float:
    """Cost of a simple plan of `path`: per stage, one option doing all of it, or a bridge (a, b)
    where a runs from the stage's start until b's window opens (or the stage is done) and b does
    the rest; each stage as early as the previous one and the windows allow, buying the new nodes
    each capacity needs at most. inf when that misses a window, the deadline, a node quota, the
    budget, the carbon cap or the provider share."""
    return _simple_plan(problem, path, plan)[0]


def _simple_plan(problem: Problem, path: Path, plan, partial: bool = False) -> tuple[float, float]:
    """(cost, end day) of simple_plan_cost's plan; (inf, inf) when it breaks a bound. partial: the
    plan covers the first stages only (fixed costs, staff to its end and bounds on what it has)."""
    miss = (math.inf, math.inf)
    end, variable, tco2e, nodes, spend = 0.0, 0.0, 0.0, {}, {}
    first_end = None  # the first run's end, once the later runs' stages begin
    for stage, move in zip(path.stages, plan):
        if stage.later and first_end is None:
            first_end = end
        end = max(end, stage.ready_day)
        for o, fraction in _segments(problem, move, end):
            first, last = problem.window(o)
            end = max(end, first) + o.segment_days(fraction)
            if end > last:
                return miss
            variable += o.segment_usd(fraction)
            tco2e += fraction * o.tco2e
            spend[o.provider] = spend.get(o.provider, 0.0) + fraction * o.share_usd
            if o.capacity:
                nodes[o.capacity] = max(nodes.get(o.capacity, 0), o.nodes)
    charges = 0.0
    for capacity_id, used in nodes.items():
        c = problem.capacity(capacity_id)
        new = max(0, used - c.held_nodes)
        if new > c.max_new_nodes:
            return miss
        charges += (c.unit_cost_usd + c.hosting_usd_per_node) * new
    cost = path.fixed_usd + variable + charges + problem.staff_usd(end)
    if problem.deadline_days is not None and (
            end > problem.deadline_days + (problem.every_days if first_end is not None else 0.0)
            or (first_end or 0.0) > problem.deadline_days):
        return miss
    if problem.budget_usd is not None and cost > problem.budget_usd:
        return miss
    if problem.carbon_cap_tco2e is not None and tco2e > problem.carbon_cap_tco2e:
        return miss
    if problem.max_provider_share is not None and not partial:
        total = sum(spend.values())
        if any(usd > problem.max_provider_share * total for usd in spend.values()):
            return miss
    return cost, end


def _segments(problem: Problem, move: tuple[Option, ...], start: float) -> list[tuple[Option, float]]:
    """(option, fraction of the stage) in run order for a move begun on day `start`."""
    if len(move) == 1:
        return [(move[0], 1.0)]
    a, b = move
    begin = max(start, problem.window(a)[0])
    share = min(1.0, max(0.0, (problem.window(b)[0] - begin - a.setup_days) / a.days)) if a.days > 0 else 1.0
    return [(o, f) for o, f in ((a, share), (b, 1.0 - share)) if f > 0.0]


def _greedy_path(path: Path, problem: Problem) -> list[Option] | None:
    """Each stage on the cloud option cheapest in rental plus staff among those fitting its share of the
    deadline (in proportion to its fastest cloud option; the first run's stages and the later runs'
    each share their own run's deadline)."""
    cloud = [[o for o in s.options if o.capacity is None] for s in path.stages]
    if not all(cloud):
        return None
    fastest = [min(o.days for o in opts) for opts in cloud]
    deadline = problem.deadline_days if problem.deadline_days is not None else math.inf
    totals = {later: sum(f for s, f in zip(path.stages, fastest) if s.later == later) for later in (False, True)}
    if max(totals.values()) > deadline:
        return None
    chosen = []
    for stage, opts, fast in zip(path.stages, cloud, fastest):
        total = totals[stage.later]
        share = deadline * fast / total if total > 0 and math.isfinite(deadline) else math.inf
        fits = [o for o in opts if o.days <= share * (1 + 1e-12)] or [min(opts, key=lambda o: o.days)]
        chosen.append(min(fits, key=lambda o: _var(o) + problem.staff_usd_per_day * o.days))
    return chosen
