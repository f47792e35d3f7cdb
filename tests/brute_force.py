"""An independent reference for the planner's MIP; shares no code with planner.model or planner.solve.

`brute_force(problem, objective)` enumerates every path and, per stage, every ordered sequence of
1..max_segments distinct options, in every order (each option does one contiguous segment). The
capacity bought is then fixed (largest need per pool), and what is left is continuous: the
fraction of each stage per segment, the start days and the end day, with every segment inside its
capacity's window [available_day, available_until_day]. With one segment per stage it is solved by
hand (whole stages, each as early as possible); otherwise by a small LP (scipy linprog).

`check_solution(problem, solution)` recomputes a Solution's dates, ordering, windows, capacity
use, costs and bounds from the Problem and returns what disagrees.

A program's later-runs stages (StageOptions.later) are stages like the others here, run after the
first run's; the first run ends by the deadline, the path (the later schedule, in run 2's window)
by the deadline plus every_days.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

TIE_SLACK = 1e-6  # relative slack kept on the first objective when breaking ties by cost


@dataclass(frozen=True)
class Optimum:
    value: float  # of the objective asked for: USD, loss or days
    cost_usd: float


@dataclass(frozen=True)
class Candidate:
    """A path with an ordered sequence of options per stage and its fixed costs."""

    path: object
    sequences: tuple  # per stage: tuple of Option
    fixed_usd: float  # data + labelling + inference + per-node capacity fees and hosting


def brute_force(problem, objective: str = "cost", repeats: bool = False) -> Optimum | None:
    """The optimum of `objective` (ties broken by cost), or None if no plan exists. repeats=True
    also lets an option return in a stage after another one (never twice in a row), up to
    max_segments segments: the planner's claim is that this never helps."""
    candidates = list(_candidates(problem, repeats))
    if objective == "cost":
        best = _best(problem, candidates, "cost")
        return None if best is None else Optimum(best, best)
    if objective == "time":
        end = _best(problem, candidates, "time")
        if end is None:
            return None
        cost = _best(problem, candidates, "cost", end_limit=end + TIE_SLACK * max(1.0, end))
        return Optimum(end, cost)
    feasible_losses = [c.path.loss for c in candidates if _solve_continuous(problem, c, "time") is not None]
    if not feasible_losses:
        return None
    loss = min(feasible_losses)
    chosen = [c for c in candidates if c.path.loss <= loss + TIE_SLACK * max(1.0, abs(loss))]
    return Optimum(loss, _best(problem, chosen, "cost"))


def _best(problem, candidates, minimise, end_limit=None):
    values = [_solve_continuous(problem, c, minimise, end_limit) for c in candidates]
    values = [v for v in values if v is not None]
    return min(values) if values else None


def _candidates(problem, repeats=False):
    for path in problem.paths:
        if problem.target_loss is not None and path.loss > problem.target_loss:
            continue
        per_stage = [list(_sequences(stage.options, problem.max_segments, repeats)) for stage in path.stages]
        for sequences in itertools.product(*per_stage):
            used = [o for seq in sequences for o in seq]
            fixed = path.data_usd + path.labelling_usd + path.inference_usd
            for cap in problem.capacities:
                need = max([o.nodes - cap.held_nodes for o in used if o.capacity == cap.id] + [0])
                if need > cap.max_new_nodes:
                    break
                fixed += (cap.unit_cost_usd + cap.hosting_usd_per_node) * need
            else:
                yield Candidate(path, sequences, fixed)


def _sequences(options, max_segments, repeats=False):
    for length in range(1, max_segments + 1):
        if repeats:
            yield from (seq for seq in itertools.product(options, repeat=length)
                        if all(a.id != b.id for a, b in zip(seq, seq[1:])))
        else:
            yield from itertools.permutations(options, length)


def _window(problem, option):
    """(first day, last day) the option may run."""
    if option.capacity is None:
        return 0.0, math.inf
    cap = next(c for c in problem.capacities if c.id == option.capacity)
    return cap.available_day, math.inf if cap.available_until_day is None else cap.available_until_day


def _ready(problem, option):
    return _window(problem, option)[0]


def _spend(o):
    """USD in proportion to the fraction done: rental, energy, capital and hosting charges."""
    return o.compute_usd + o.energy_usd + o.capex_usd + o.hosting_usd


def _rental(o, fraction):
    """A segment's rental: start-up plus its share of compute, at least the minimum billed."""
    return max(o.setup_usd + o.compute_usd * fraction, o.min_billed_usd)


def _share_spend(o, fraction):
    """Spend counted by the provider-share cap: rental (or reserved nodes at their reservation price)
    for the work done, no per-segment charges."""
    return (o.compute_usd + o.reserved_usd) * fraction


def _segment_cost(o, fraction):
    return _rental(o, fraction) + (o.energy_usd + o.capex_usd + o.hosting_usd) * fraction


def _solve_continuous(problem, cand, minimise, end_limit=None):
    """Min cost (USD) or min end (days) of one candidate, or None if it cannot meet the bounds."""
    if all(len(seq) == 1 for seq in cand.sequences):
        return _whole_stages(problem, cand, minimise, end_limit)
    return _linear_program(problem, cand, minimise, end_limit)


def _whole_stages(problem, cand, minimise, end_limit):
    day, first_end = 0.0, None
    options = [seq[0] for seq in cand.sequences]
    for stage, o in zip(cand.path.stages, options):
        if stage.later and first_end is None:
            first_end = day
        first, last = _window(problem, o)
        day = max(day, first, stage.ready_day) + o.setup_days + o.days
        if day > last + 1e-9:
            return None
    fractions = [1.0] * len(options)
    if not _bounds_met(problem, options, fractions, day, end_limit, first_end):
        return None
    cost = cand.fixed_usd + sum(_segment_cost(o, 1.0) for o in options) + _staff(problem, day)
    if problem.budget_usd is not None and cost > problem.budget_usd * (1 + 1e-9) + 1e-6:
        return None
    return cost if minimise == "cost" else day


def _staff(problem, day):
    """Staff from day 0 to the last run's end (the first run's end plus later runs), at least the minimum."""
    return problem.staff_usd_per_day * max(day + problem.later_runs_days, problem.staff_min_days)


def _end_limit(problem, later):
    """The deadline of the path's end: the first run's, or run 2's when the path ends on later stages."""
    if problem.deadline_days is None:
        return None
    return problem.deadline_days + (problem.every_days if later else 0.0)


def _bounds_met(problem, options, fractions, end, end_limit, first_end=None):
    """first_end: the first run's end when later-runs stages follow it (None: there are none)."""
    limit = _end_limit(problem, first_end is not None)
    if limit is not None and end > limit + 1e-9:
        return False
    if first_end is not None and problem.deadline_days is not None and first_end > problem.deadline_days + 1e-9:
        return False
    if end_limit is not None and end > end_limit + 1e-9:
        return False
    if problem.carbon_cap_tco2e is not None:
        if sum(o.tco2e * f for o, f in zip(options, fractions)) > problem.carbon_cap_tco2e + 1e-9:
            return False
    if problem.max_provider_share is not None:
        total = sum(_share_spend(o, f) for o, f in zip(options, fractions))
        for provider in {o.provider for o in options}:
            own = sum(_share_spend(o, f) for o, f in zip(options, fractions) if o.provider == provider)
            if own > problem.max_provider_share * total + 1e-6:
                return False
    return True


def _linear_program(problem, cand, minimise, end_limit):
    """Variables: fraction f_q, start t_q and minimum-billing top-up z_q of each segment q (in execution
    order), end E. Every segment is used, so its start-up time and charge are constants."""
    segments = [(stage, o) for stage, seq in enumerate(cand.sequences) for o in seq]
    n = len(segments)
    f, t, end, z = (lambda q: q), (lambda q: n + q), 2 * n, (lambda q: 2 * n + 1 + q)
    staffed = 3 * n + 1  # S ≥ E + later runs, S ≥ minimum: the days staff is paid
    size = 3 * n + 2
    setup_usd = sum(o.setup_usd for _, o in segments)
    rows, rhs = [], []

    def at_most(coefficients: dict, bound: float):
        row = np.zeros(size)
        for column, value in coefficients.items():
            row[column] += value
        rows.append(row)
        rhs.append(bound)

    for q in range(n - 1):  # t_{q+1} ≥ t_q + setup_q + days_q f_q
        at_most({t(q): 1, f(q): segments[q][1].days, t(q + 1): -1}, -segments[q][1].setup_days)
    stages = cand.path.stages
    later = any(s.later for s in stages)
    first_run = [q for q, (stage, _) in enumerate(segments) if not stages[stage].later]
    if later and first_run and problem.deadline_days is not None:  # the first run ends by its deadline
        q = first_run[-1]
        at_most({t(q): 1, f(q): segments[q][1].days}, problem.deadline_days - segments[q][1].setup_days)
    at_most({t(n - 1): 1, f(n - 1): segments[-1][1].days, end: -1}, -segments[-1][1].setup_days)
    at_most({end: 1, staffed: -1}, -problem.later_runs_days)
    for q, (_, o) in enumerate(segments):  # t_q + setup_q + days_q f_q ≤ last day of the window
        last = _window(problem, o)[1]
        if math.isfinite(last):
            at_most({t(q): 1, f(q): o.days}, last - o.setup_days)
        at_most({z(q): -1, f(q): -o.compute_usd}, o.setup_usd - o.min_billed_usd)  # z_q ≥ min − setup − compute f_q
    spend = {f(q): _spend(o) for q, (_, o) in enumerate(segments)} | {z(q): 1 for q in range(n)}
    if problem.budget_usd is not None:
        at_most({**spend, staffed: problem.staff_usd_per_day}, problem.budget_usd - cand.fixed_usd - setup_usd)
    if problem.carbon_cap_tco2e is not None:
        at_most({f(q): o.tco2e for q, (_, o) in enumerate(segments)}, problem.carbon_cap_tco2e)
    if problem.max_provider_share is not None:
        for provider in {o.provider for _, o in segments}:
            at_most({f(q): _share_spend(o, 1.0) * ((o.provider == provider) - problem.max_provider_share)
                     for q, (_, o) in enumerate(segments)}, 0)
    equal = np.zeros((len(cand.sequences), size))
    for q, (stage, _) in enumerate(segments):
        equal[stage, f(q)] = 1
    end_bound = min([b for b in (_end_limit(problem, later), end_limit) if b is not None], default=None)
    bounds = ([(0, 1)] * n + [(max(_ready(problem, o), cand.path.stages[stage].ready_day), None)
                              for stage, o in segments] + [(0, end_bound)] + [(0, None)] * n
              + [(problem.staff_min_days, None)])
    objective = np.zeros(size)
    if minimise == "cost":
        for column, value in spend.items():
            objective[column] = value
        objective[staffed] = problem.staff_usd_per_day
    else:
        objective[end] = 1
    result = linprog(objective, A_ub=np.array(rows), b_ub=rhs, A_eq=equal, b_eq=np.ones(len(equal)),
                     bounds=bounds, method="highs")
    if result.status == 2:
        return None
    assert result.status == 0, result.message
    return result.fun + (cand.fixed_usd + setup_usd if minimise == "cost" else 0.0)


def check_solution(problem, solution, tol: float = 1e-6) -> list[str]:
    """Everything in `solution` that disagrees with `problem`, recomputed from scratch."""
    errors = []

    def near(a, b, what):
        if not math.isclose(a, b, rel_tol=tol, abs_tol=1e-4):
            errors.append(f"{what}: {a} != {b}")

    path = next(p for p in problem.paths if p.id == solution.path_id)
    near(solution.loss, path.loss, "loss")
    if problem.target_loss is not None and path.loss > problem.target_loss:
        errors.append("loss above target")
    stage_rank = {s.name: r for r, s in enumerate(path.stages)}
    options = {(s.name, o.id): o for s in path.stages for o in s.options}
    order = [(stage_rank[s.stage], s.slot) for s in solution.segments]
    if order != sorted(order) or len(set(order)) != len(order):
        errors.append(f"segments out of order: {order}")
    per_stage = [(s.stage, s.option) for s in solution.segments]
    if len(set(per_stage)) != len(per_stage):
        errors.append(f"an option runs twice in a stage: {per_stage}")
    done = {s.name: 0.0 for s in path.stages}
    later = {s.name for s in path.stages if s.later}
    day, used, first_end = 0.0, [], None
    for seg in solution.segments:
        if seg.stage in later and first_end is None:
            first_end = day
        o = options[(seg.stage, seg.option)]
        used.append((o, seg.fraction))
        done[seg.stage] += seg.fraction
        if not 0 < seg.fraction <= 1 + tol or not 1 <= seg.slot <= problem.max_segments:
            errors.append(f"bad fraction or slot {seg}")
        slack = tol * max(1.0, day)
        first, last = _window(problem, o)
        ready = next(s.ready_day for s in path.stages if s.name == seg.stage)
        if seg.start_day < day - slack or seg.start_day < first - slack or seg.start_day < ready - slack:
            errors.append(f"segment starts too early: {seg}")
        if seg.end_day > last + tol * max(1.0, last):
            errors.append(f"segment ends after its window: {seg}")
        near(seg.end_day - seg.start_day, o.setup_days + o.days * seg.fraction, f"duration of {seg.option}")
        near(seg.cost_usd, _segment_cost(o, seg.fraction), f"cost of {seg.option}")
        near(seg.energy_mwh, o.energy_mwh * seg.fraction, "segment energy")
        near(seg.tco2e, o.tco2e * seg.fraction, "segment carbon")
        day = seg.end_day
    for stage, fraction in done.items():
        near(fraction, 1.0, f"stage {stage} done")
    near(solution.end_day, day, "end day")
    limit = _end_limit(problem, bool(later))
    if limit is not None and day > limit + tol * max(1.0, day):
        errors.append("deadline missed")
    if first_end is not None and problem.deadline_days is not None \
            and first_end > problem.deadline_days + tol * max(1.0, first_end):
        errors.append("the first run misses its deadline")
    bought = solution.capacities
    hardware = {}
    for cap in problem.capacities:
        nodes = bought.get(cap.id, 0)
        need = max([o.nodes - cap.held_nodes for o, _ in used if o.capacity == cap.id] + [0])
        if not need <= nodes <= cap.max_new_nodes:
            errors.append(f"capacity {cap.id}: {nodes} nodes, need {need}, max {cap.max_new_nodes}")
        hardware[cap.kind] = hardware.get(cap.kind, 0.0) + cap.unit_cost_usd * nodes
        hardware["hosting"] = hardware.get("hosting", 0.0) + cap.hosting_usd_per_node * nodes
    expected = {
        "compute": sum(_rental(o, f) for o, f in used),
        "reserved": hardware.get("reserved", 0.0),
        "owned_capex_net": hardware.get("owned", 0.0) + hardware.get("held", 0.0)
        + sum(o.capex_usd * f for o, f in used),
        "energy": sum(o.energy_usd * f for o, f in used),
        "hosting": hardware.get("hosting", 0.0) + sum(o.hosting_usd * f for o, f in used),
        "data": path.data_usd,
        "labelling": path.labelling_usd,
        "inference": path.inference_usd,
        "staff": _staff(problem, day),
    }
    if set(solution.cost_breakdown_usd) != set(expected):
        errors.append(f"cost keys {sorted(solution.cost_breakdown_usd)}")
    for key, value in expected.items():
        near(solution.cost_breakdown_usd.get(key, math.nan), value, f"cost {key}")
    total = sum(expected.values())
    near(solution.total_cost_usd, total, "total cost")
    if problem.budget_usd is not None and total > problem.budget_usd * (1 + tol) + 1e-4:
        errors.append("over budget")
    near(solution.energy_mwh, sum(o.energy_mwh * f for o, f in used), "energy")
    carbon = sum(o.tco2e * f for o, f in used)
    near(solution.tco2e, carbon, "carbon")
    if problem.carbon_cap_tco2e is not None and carbon > problem.carbon_cap_tco2e * (1 + tol) + 1e-6:
        errors.append("over carbon cap")
    if problem.max_provider_share is not None:
        spend = sum(_share_spend(o, f) for o, f in used)
        for provider in {o.provider for o, _ in used}:
            own = sum(_share_spend(o, f) for o, f in used if o.provider == provider)
            if own > problem.max_provider_share * spend * (1 + tol) + 1e-4:
                errors.append(f"provider {provider} above its share")
    return errors


def brute_force_portfolio(problem):
    """The cheapest portfolio plan, or None: every combination of one candidate (path and option
    sequences) per project, each scheduled at its own cheapest (the single-plan reference on the
    project's paths, deadline and staff, without per-node charges), plus the shared pools sized by
    the largest total need of projects whose windows [start, deadline + later runs) overlap, each
    node charged once."""
    import dataclasses as dc

    free = tuple(dc.replace(c, unit_cost_usd=0.0, hosting_usd_per_node=0.0) for c in problem.capacities)
    choices = []
    for g in problem.projects:
        paths = [p for p in problem.paths if p.id in g.path_ids]
        sub = dc.replace(problem, paths=tuple(paths), capacities=free, projects=(), deadline_days=g.deadline_day,
                         budget_usd=None, staff_usd_per_day=g.staff_usd_per_day, later_runs_days=g.later_runs_days,
                         staff_min_days=g.staff_min_days)
        assert g.start_day == 0 or not g.staff_usd_per_day, "the reference pays staff from day 0"
        found = []
        for cand in _candidates(sub):
            cost = _solve_continuous(sub, cand, "cost")
            if cost is not None:
                used = [o for seq in cand.sequences for o in seq]
                needs = {c.id: max([o.nodes - c.held_nodes for o in used if o.capacity == c.id] + [0])
                         for c in problem.capacities}
                found.append((cost, needs))
        if not found:
            return None
        choices.append((g, found))
    overlaps = []
    for t in sorted({g.start_day for g, _ in choices}):
        overlaps.append([i for i, (g, _) in enumerate(choices)
                         if g.start_day <= t < (g.deadline_day + g.later_runs_days if g.deadline_day is not None
                                                else math.inf)])
    best = None
    for combo in itertools.product(*(found for _, found in choices)):
        total = sum(cost for cost, _ in combo)
        for cap in problem.capacities:
            nodes = max(sum(combo[i][1][cap.id] for i in group) for group in overlaps)
            if nodes > cap.max_new_nodes:
                break
            total += (cap.unit_cost_usd + cap.hosting_usd_per_node) * nodes
        else:
            if problem.budget_usd is None or total <= problem.budget_usd * (1 + 1e-9) + 1e-6:
                best = total if best is None else min(best, total)
    return best
