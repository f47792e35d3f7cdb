"""Constraint families, one function each; the docstring's first lines state the math.

Index sets: projects j (a single plan is one project holding every path), paths k of j, stages s of k
(in order), options i of stage s, blocks w of stage s (its options grouped by availability window
[a_w, b_w], in window order), capacities c, providers p. A project's deadline and start are its own
(Problem.groups); E_j = Σ_{k of j} E_k.
D_{k,s,w} = Σ_{i∈w} days_i·x_{k,s,i} is the time block w runs. A family whose bound is absent adds
nothing.
"""

from __future__ import annotations

import math

import pulp

from planner.model.plan_model import PlanModel


def one_path(m: PlanModel) -> None:
    """∀ j: Σ_{k of j} y_k = 1: each project chooses exactly one path."""
    for g in m.problem.groups:
        keys = (g.id,) if m.problem.portfolio else ()
        m.add(pulp.lpSum(m.path[k] for k in g.path_ids) == 1, "one_path", *keys)


def fraction_within_use(m: PlanModel) -> None:
    """∀ k,s,i: x_{k,s,i} ≤ f̄_i·u_{k,s,i}: only a used option does work, and at most f̄_i of the
    stage, f̄_i = min(1, (min(b_i, deadline_s) − max(a_i, r_s) − setup_i) / days_i): what fits in its
    window after the stage's ready day r_s and the segment's start-up (deadline_s: the first run's,
    or for a later-runs stage run 2's).

    f̄_i < 1 only tightens the LP relaxation (a stage cannot do more on option i anyway); f̄_i ≤ 0
    means the option can do no work (x_i = 0).
    """
    ready = {(k.id, s.name): s.ready_day for k in m.problem.paths for s in k.stages}
    for (choice, o) in m.index.choices():
        first, last = m.index.window(o)
        most = _most_share(o, min(last, _deadline(m, choice[0], choice[1])) - max(first, ready[choice[:2]]))
        m.add_row([(m.fraction[choice], 1), (m.use[choice], -most)], "<=", 0, "fraction_within_use", *choice)


def _most_share(o, span_days: float) -> float:
    """f̄: the most of its stage option o can do in span_days after its start-up, in [0, 1]."""
    room = span_days - o.setup_days
    return 1.0 if o.days <= 0 or room >= o.days else max(0.0, room / o.days)


def options_per_stage(m: PlanModel) -> None:
    """∀ k,s: Σ_i u_{k,s,i} ≤ J·y_k: at most J = max_segments options (segments) per stage, and
    none off the chosen path."""
    J = m.problem.max_segments
    for (k, s) in m.index.stages:
        uses = [(m.use[c], 1) for c, _ in m.index.choices((k, s))]
        m.add(pulp.LpAffineExpression(uses + [(m.path[k], -J)]) <= 0, "options_per_stage", k, s)


def stage_done_once(m: PlanModel) -> None:
    """∀ k,s: Σ_i x_{k,s,i} = y_k: the chosen path's stages are each done exactly once."""
    for (k, s) in m.index.stages:
        fractions = [(m.fraction[c], 1) for c, _ in m.index.choices((k, s))]
        m.add(pulp.LpAffineExpression(fractions + [(m.path[k], -1)]) == 0, "stage_done_once", k, s)


def blocks_in_sequence(m: PlanModel) -> None:
    """∀ consecutive blocks v→w of path k: t_w ≥ t_v + D_v.

    A stage's blocks run one after another in window order, and a stage starts after the
    previous one ends.
    """
    for blocks in m.index.sequence.values():
        for before, after in zip(blocks, blocks[1:]):
            m.add(m.start_day[after.key] >= m.start_day[before.key] + m.duration_days(before),
                  "blocks_in_sequence", *after.key)


def lead_time(m: PlanModel) -> None:
    """∀ k,s,w with a_w > 0, ∀ i∈w: t_{k,s,w} ≥ a_w·u_{k,s,i} (a later-runs block's a_w: 0 when its
    window opens by the stage's ready day r_s, which stage_ready then enforces).

    A block on bought or reserved nodes starts once they are available, if any option of it is used.
    (A later-runs block opening on its stage's ready day needs no row: stage_ready starts it then.)
    """
    for block in m.index.blocks:
        if block.lead_time_day > 0:
            start = m.start_day[block.key]
            for choice, _ in block.choices():
                m.add_row([(start, 1), (m.use[choice], -block.lead_time_day)], ">=", 0, "lead_time", *choice)


def lead_time_by_fraction(m: PlanModel) -> None:
    """∀ k,s,w with a_w > 0: t_{k,s,w} ≥ a_w·Σ_{i∈w} x_{k,s,i}.

    Implied by lead_time in every integer solution (Σ x ≤ 1, and Σ x > 0 means some u = 1), and
    stronger in the LP relaxation, where u can be as small as x and a stage split over several
    options of one pool would otherwise start its delayed part early.
    """
    for block in m.index.blocks:
        if block.lead_time_day > 0:
            fractions = pulp.LpAffineExpression([(m.fraction[c], -block.lead_time_day) for c, _ in block.choices()])
            m.add(m.start_day[block.key] + fractions >= 0, "lead_time_by_fraction", *block.key)


def block_fits_window(m: PlanModel) -> None:
    """∀ k with later-runs stages, ∀ blocks w of k with first day α_w = max(a_w, r_s) > 0:
    Σ_{i∈w} (days_i·x_{k,s,i} + setup_i·u_{k,s,i}) ≤ (min(b_w, T_w) − α_w)·y_k, T_w the deadline of
    w's run (the first run's, or run 2's for a later-runs stage).

    A used block's segments run back to back inside [α_w, min(b_w, T_w)]. Implied in every integer
    solution (y_k = 1 on the chosen path, nothing used off it), and stronger in the LP relaxation,
    where lead_time lets a block on servers delivered on day a_w start before a_w in proportion to
    its fractional use (enterprise program, one path: LP bound 20.47 M against a 22.80 M optimum).
    """
    for path in m.problem.paths:
        blocks = m.index.sequence[path.id]
        if not any(b.key[:2] in m.index.later for b in blocks):
            continue
        ready = {s.name: s.ready_day for s in path.stages}
        for block in blocks:
            first = max(block.first_day, ready[block.key[1]])
            last = min(block.last_day, _deadline(m, path.id, block.key[1]))
            if first > 0 and math.isfinite(last):
                terms = [(m.fraction[c], o.days) for c, o in block.choices()]
                terms += [(m.use[c], o.setup_days) for c, o in block.choices() if o.setup_days]
                m.add_row(terms + [(m.path[path.id], -max(0.0, last - first))], "<=", 0, "block_fits_window",
                          *block.key)


def stage_ready(m: PlanModel) -> None:
    """∀ k,s with r_{k,s} > 0: t_{k,s,w₁} ≥ r_{k,s}·y_k, w₁ the stage's first block.

    A stage starts once the data it trains on is prepared or labelled (ready day r); its later
    blocks follow the first (blocks_in_sequence).
    """
    for path in m.problem.paths:
        blocks = m.index.sequence[path.id]
        for stage in path.stages:
            if stage.ready_day > 0:
                first = next((b for b in blocks if b.key[1] == stage.name), None)
                if first is not None:  # a stage without options has no block (and no plan)
                    m.add_row([(m.start_day[first.key], 1), (m.path[path.id], -stage.ready_day)], ">=", 0,
                              "stage_ready", path.id, stage.name)


def minimum_billing(m: PlanModel) -> None:
    """∀ k,s,i with z: z_{k,s,i} ≥ (min_billed_i − setup_i)·u_{k,s,i} − compute_i·x_{k,s,i}.

    A used segment's rental setup·u + compute·x + z is at least its minimum billed; z ≥ 0 and its
    cost make it exactly the shortfall at an optimum.
    """
    for choice, o in m.index.choices():
        z = m.top_up.get(choice)
        if z is not None:
                m.add_row([(z, 1), (m.use[choice], -(o.min_billed_usd - o.setup_usd)),
                       (m.fraction[choice], o.compute_usd)], ">=", 0, "minimum_billing", *choice)


def window_end(m: PlanModel) -> None:
    """∀ k,s,w with b_w < T_{k,s}: e_{k,s,w} = t_{k,s,w} + D_{k,s,w};
    ∀ i∈w: e_{k,s,w} ≤ b_w + (T_{k,s} − b_w)·(1 − u_{k,s,i}).

    A used block ends by the last day b_w of its window. T_{k,s} is the horizon of the stage:
    min(deadline, the latest lead time in stages 1..s + Σ_{s'≤s} max_i days_i), a day by which
    stage s has ended in every plan whose segments start as early as they can (docs/model.md), so
    b_w ≥ T_{k,s} needs no row. The block's end e has a variable of its own so that each option's
    row has two terms (e and u) instead of the whole block.
    """
    for block in m.index.blocks:
        if not block.ends_early:
            continue
        end = m.block_end_day[block.key]
        m.add(end == m.start_day[block.key] + m.duration_days(block), "block_end", *block.key)
        slack = block.horizon_day - block.last_day
        for choice, _ in block.choices():
            m.add_row([(end, 1), (m.use[choice], slack)], "<=", block.last_day + slack, "window_end", *choice)


def plan_end(m: PlanModel) -> None:
    """∀ k: E_k ≥ t_last + D_last: path k ends when its last block ends (E = Σ_k E_k)."""
    for path_id, blocks in m.index.sequence.items():
        if blocks:
            last = blocks[-1]
            m.add(m.path_end_day[path_id] >= m.start_day[last.key] + m.duration_days(last), "plan_end", path_id)


def staffed_calendar(m: PlanModel) -> None:
    """∀ j with S_j: S_j ≥ E_j − start_j + later_runs_days_j: staff is paid from the project's start to
    its last run's end, at least the minimum."""
    for g in m.problem.groups:
        if g.id in m.staffed_days:
            keys = (g.id,) if m.problem.portfolio else ()
            m.add(m.staffed_days[g.id] >= m.project_end_day(g) + g.later_runs_days - g.start_day,
                  "staffed_calendar", *keys)


def deadline(m: PlanModel) -> None:
    """∀ j with a deadline: E_j ≤ deadline_j (+ every_days_j when its paths end on the later runs'
    schedule, which runs in run 2's window)."""
    for g in m.problem.groups:
        if g.deadline_day is not None:
            keys = (g.id,) if m.problem.portfolio else ()
            m.add(m.project_end_day(g) <= g.end_limit_day(g.every_days > 0), "deadline", *keys)


def first_run_deadline(m: PlanModel) -> None:
    """∀ k with later-runs stages and a deadline: t_v + D_v ≤ deadline_j, v the last block of the first
    run's stages: the first run ends by its deadline (the path's end E_k is the later schedule's)."""
    for k, blocks in m.index.sequence.items():
        first = [b for b in blocks if b.key[:2] not in m.index.later]
        if len(first) < len(blocks) and first and m.problem.project_of(k).deadline_day is not None:
            last = first[-1]
            m.add(m.start_day[last.key] + m.duration_days(last) <= m.problem.project_of(k).deadline_day,
                  "first_run_deadline", k)


def due_day(m: PlanModel) -> None:
    """∀ j with L_j: E_j − L_j ≤ due_j: each day past the due day is a late day (paid in the objective)."""
    for g in m.problem.groups:
        if g.id in m.late_days:
            m.add(m.project_end_day(g) - m.late_days[g.id] <= g.due_day, "due_day", g.id)


def _deadline(m: PlanModel, path_id: str, stage: str) -> float:
    """The day stage s of path k must end by: its project's deadline, moved to run 2's for a later-runs
    stage (∞ if none)."""
    return m.problem.project_of(path_id).end_limit_day((path_id, stage) in m.index.later)


def capacity_nodes(m: PlanModel) -> None:
    """∀ c, ∀ k,s,i on c with nodes_i > H_c: B_{c,k} ≥ (nodes_i − H_c)·u_{k,s,i}.

    Nodes beyond those held must be bought or reserved; the pool is sized for its largest use.
    """
    for choice, o in m.index.choices():
        if o.capacity is not None:
            held = m.index.capacities[o.capacity].held_nodes
            if o.nodes > held:
                m.add_row([(m.new_nodes[(o.capacity, choice[0])], 1), (m.use[choice], -(o.nodes - held))], ">=", 0,
                          "capacity_nodes", o.capacity, *choice)


def capacity_nodes_by_fraction(m: PlanModel) -> None:
    """∀ c,k,s: B_{c,k} ≥ Σ_{i of stage s on c} (nodes_i − H_c)⁺·x_{k,s,i}.

    Implied by capacity_nodes in every integer solution (each used option's need is at most B and
    the fractions sum to at most 1), and stronger in the LP relaxation, which would otherwise pay
    for a pool split over several cluster sizes only by its largest fractional use.
    """
    for (k, s) in m.index.stages:
        needs: dict[str, list] = {}
        for choice, o in m.index.choices((k, s)):
            if o.capacity is not None:
                need = o.nodes - m.index.capacities[o.capacity].held_nodes
                if need > 0:
                    needs.setdefault(o.capacity, []).append((m.fraction[choice], -need))
        for capacity_id, terms in needs.items():
            if len(terms) > 1:
                m.add(pulp.LpAffineExpression(terms + [(m.new_nodes[(capacity_id, k)], 1)]) >= 0,
                      "capacity_nodes_by_fraction", capacity_id, k, s)


def capacity_reach(m: PlanModel) -> None:
    """∀ k,s, ∀ set G of capacities with new nodes (each one alone; all of stage s's together), ∀ piece
    (b_p, φ_p)→(b_q, φ_q) of the upper concave envelope of φ_G:
    Σ_{i of s on G} x_{k,s,i} ≤ φ_p·y_k + (φ_q − φ_p)/(b_q − b_p)·(Σ_{c∈G} B_{c,k} − b_p·y_k), and
    Σ_{i of s on G} x_{k,s,i} ≤ φ_max·y_k when φ_max < 1, where φ_G(b) = max{f̄ᴳ_i : i of s on G,
    (nodes_i − H_c)⁺ ≤ b} (0 if none) at b = 0 and each option's need, f̄ᴳ_i = f̄_i in the union of G's
    windows.

    Implied in every integer solution: a stage's segments on G run one after another in that union
    after the stage's ready day, so together they do at most what the fastest of them (fewest days)
    could do alone there, its start-up counted once; and only options of at most H_c + B_{c,k} ≤
    H_c + Σ_G B nodes run. The envelope of that step function bounds it at every B. Without it the LP
    relaxation buys a pool between two cluster sizes (19.6 DGX H100 for enterprise's 100B path, whose
    12-node option cannot finish a later run in its window and whose plan buys 24) and mixes the two
    sizes' options to fit the window. Single plans only: on the roadmap portfolio (21,750 variables)
    the rows made CBC's search 6× slower (33 → 200 s, same plan).
    """
    if m.problem.portfolio:
        return
    pools: dict[str, list[str]] = {}
    for (capacity_id, k) in m.new_nodes:
        pools.setdefault(k, []).append(capacity_id)
    for k, ids in pools.items():
        for stage in m.problem.path(k).stages:
            groups = [(c,) for c in ids] + ([tuple(ids)] if len(ids) > 1 else [])
            for group in groups:
                on_g = [o for o in stage.options if o.capacity in group]
                if on_g:
                    _reach_rows(m, k, stage, group, on_g)


def _reach_rows(m: PlanModel, k: str, stage, group: tuple[str, ...], on_g: list) -> None:
    windows = [m.index.capacities[c].window for c in group]
    first, last = min(w[0] for w in windows), max(w[1] for w in windows)
    end = min(last, _deadline(m, k, stage.name)) - max(first, stage.ready_day)
    steps = [(max(0.0, o.nodes - m.index.capacities[o.capacity].held_nodes), _most_share(o, end)) for o in on_g]
    points, reach = [(0.0, 0.0)], 0.0
    for need, f in sorted(steps):
        if f > reach:
            reach = f
            points = [p for p in points if p[0] < need] + [(need, f)]
    hull = _upper_hull(points)
    terms = [(m.fraction[(k, stage.name, o.id)], 1) for o in on_g]
    nodes = [(m.new_nodes[(c, k)], 1) for c in group]
    y = m.path[k]
    keys = ("_".join(group), k, stage.name)
    for n, ((b0, f0), (b1, f1)) in enumerate(zip(hull, hull[1:])):
        slope = (f1 - f0) / (b1 - b0)
        at_zero = [(y, slope * b0 - f0)] if slope * b0 != f0 else []
        m.add_row(terms + at_zero + [(v, -slope) for v, _ in nodes], "<=", 0, "capacity_reach", *keys, n)
    if hull[-1][1] < 1:
        m.add_row(terms + [(y, -hull[-1][1])], "<=", 0, "capacity_reach", *keys, "most")


def _upper_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The vertices of the upper concave envelope of points sorted by x with rising y."""
    hull: list[tuple[float, float]] = []
    for p in points:
        while len(hull) >= 2 and (hull[-1][1] - hull[-2][1]) * (p[0] - hull[-2][0]) \
                <= (p[1] - hull[-2][1]) * (hull[-1][0] - hull[-2][0]):
            hull.pop()
        hull.append(p)
    return hull


def capacity_node_days(m: PlanModel) -> None:
    """∀ c with new nodes, ∀ k, ∀ schedule ρ of k (the first run's; the later runs', if any):
    (H_c + B_{c,k})·W_{c,ρ} ≥ Σ_{s of ρ, i on c} nodes_i·(days_i·x_{k,s,i} + σ_i·u_{k,s,i}),
    W_{c,ρ} = min(b_c, deadline_ρ) − max(a_c, window_start_ρ): the first run's window is [start_j,
    deadline_j], the later schedule's run 2's, every_days_j later.

    A schedule runs one segment at a time, each inside the pool's window, so the node-days its
    segments use on c fit in the pool's nodes times the window. Implied in every integer solution;
    without it the LP relaxation buys a fraction of a large pool and runs it as if bigger (enterprise
    program: LP bound 17.8 M against a 19.8 M optimum).
    """
    for (capacity_id, k), b in m.new_nodes.items():
        project = m.problem.project_of(k)
        if project.deadline_day is None:
            continue
        capacity = m.index.capacities[capacity_id]
        first, last = capacity.window
        for later in (False, True):
            span = min(last, project.end_limit_day(later)) - max(first, project.start_day
                                                                  + (project.every_days if later else 0.0))
            stages = [s for s in m.problem.path(k).stages if s.later == later]
            if span <= 0 or not stages:
                continue
            terms = [(b, -span)]
            for stage in stages:
                for o in stage.options:
                    if o.capacity == capacity_id:
                        terms.append((m.fraction[(k, stage.name, o.id)], o.nodes * o.days))
                        if o.setup_days:
                            terms.append((m.use[(k, stage.name, o.id)], o.nodes * o.setup_days))
            if len(terms) > 1:
                m.add_row(terms, "<=", capacity.held_nodes * span, "later_capacity_node_days" if later
                          else "capacity_node_days", capacity_id, k)


def capacity_quota(m: PlanModel) -> None:
    """∀ c: Σ_k B_{c,k} ≤ max_new_nodes_c (each B_{c,k} is also bounded by it)."""
    for capacity in m.problem.capacities:
        nodes = m.pool_nodes(capacity.id)
        if len(nodes) > 1:
            m.add(nodes <= capacity.max_new_nodes, "capacity_quota", capacity.id)


def pool_shared_over_time(m: PlanModel) -> None:
    """∀ c, ∀ t ∈ {start_j}: P_c ≥ Σ_{j: start_j ≤ t < busy_j} Σ_{k of j} B_{c,k} (a portfolio only).

    A shared pool is bought once; projects whose windows [start_j, deadline_j + later runs) overlap
    use separate nodes of it, projects one after another reuse them; one row per largest set of
    overlapping windows (Problem.overlapping_groups).
    """
    if not m.pool:
        return
    cliques = m.problem.overlapping_groups()
    for capacity_id, pool in m.pool.items():
        for n, clique in enumerate(cliques):
            needs = [(v, -1) for (c, k), v in m.new_nodes.items()
                     if c == capacity_id and m.problem.project_of(k).id in clique]
            if needs:
                m.add_row([(pool, 1), *needs], ">=", 0, "pool_shared_over_time", capacity_id, n)


def capital_budget_per_period(m: PlanModel) -> None:
    """∀ periods q: Σ_{c ordered in q} unit_price_c·P_c ≤ capital_budget_usd_per_period (a portfolio
    only): the list price of the servers bought, and the whole-term fees of the reservations signed,
    in each period (order day ÷ period_days, rounded down)."""
    p = m.problem
    if p.capital_budget_usd_per_period is None or not m.pool:
        return
    by_period: dict[int, list] = {}
    for capacity_id, pool in m.pool.items():
        capacity = m.index.capacities[capacity_id]
        by_period.setdefault(int(capacity.order_day // p.period_days), []).append((pool, capacity.unit_price_usd))
    for period, terms in sorted(by_period.items()):
        m.add_row(terms, "<=", p.capital_budget_usd_per_period, "capital_budget_per_period", period)


def project_budget(m: PlanModel) -> None:
    """∀ j with a budget (a portfolio): its own spend ≤ budget_j, everything but the shared pools'
    per-node charges (objective.project_cost_usd)."""
    if not m.problem.portfolio:
        return
    from planner.model.objective import project_cost_usd
    for g in m.problem.groups:
        if g.budget_usd is not None:
            m.add(project_cost_usd(m, g) <= g.budget_usd, "project_budget", g.id)


def budget(m: PlanModel) -> None:
    """Σ cost terms ≤ budget_usd."""
    if m.problem.budget_usd is not None:
        m.add(m.total_cost_usd() <= m.problem.budget_usd, "budget")


def quality_target(m: PlanModel) -> None:
    """Σ_k loss_k · y_k ≤ target_loss."""
    if m.problem.target_loss is not None:
        m.add(m.objectives["quality"] <= m.problem.target_loss, "quality_target")


def carbon_cap(m: PlanModel) -> None:
    """Σ_{k,s,i} tco2e_i · x_{k,s,i} ≤ carbon_cap_tco2e."""
    if m.problem.carbon_cap_tco2e is not None:
        emitted = pulp.LpAffineExpression([(m.fraction[c], o.tco2e) for c, o in m.index.choices()])
        m.add(emitted <= m.problem.carbon_cap_tco2e, "carbon_cap")


def provider_share_per_stage(m: PlanModel) -> None:
    """∀ k,s when J·σ < 1: Σ_{i of s} compute_i·x_{k,s,i} ≤ J·σ·Σ_{i of k} compute_i·x_{k,·,i}.

    Implied in every integer solution: a stage's rental spend comes from at most J options, so
    from at most J providers, each holding at most σ of the plan's rental spend. It stops the LP
    relaxation from meeting a tight share cap by spreading a stage over many providers.
    """
    share = m.problem.max_provider_share
    J = m.problem.max_segments
    if share is None or J * share >= 1:
        return
    for path in m.problem.paths:
        spend = [(v, c, st.name) for st in path.stages for o in st.options
                 for v, c in _rental_terms(m, (path.id, st.name, o.id), o)]
        for stage in path.stages:
            terms = [(v, c * ((1 if name == stage.name else 0) - J * share)) for v, c, name in spend]
            if any(name == stage.name for _, _, name in spend):
                m.add(pulp.LpAffineExpression(terms) <= 0, "provider_share_per_stage", path.id, stage.name)


def _rental_terms(m: PlanModel, choice, o) -> list[tuple[pulp.LpVariable, float]]:
    """Option i's spend with its provider on work, compute_i·x, where compute_i is Option.share_usd
    (rental, or the reservation's price for the GPU-hours used on reserved nodes). Per-segment
    charges (start-up g·u, top-up z) are left out: counted, they could be paid for a segment doing no
    work (u = 1, x = 0), or padded, just to meet the share cap. Reservation fees are counted per
    GPU-hour used, not per node reserved, so reserving nodes never used cannot dilute a share."""
    return [(m.fraction[choice], o.share_usd)] if o.share_usd else []


def provider_share(m: PlanModel) -> None:
    """∀ p: Σ_{i of p} compute_i·x_i ≤ max_provider_share · Σ_i compute_i·x_i.

    Spend on work only (_rental_terms: rental, reserved nodes at their reservation price per GPU-hour):
    per-segment charges, energy, capital and hosting charges of owned hardware do not count.
    """
    share = m.problem.max_provider_share
    if share is None:
        return
    choices = [(c, o) for c, o in m.index.choices() if o.share_usd > 0]
    total = pulp.LpAffineExpression([t for c, o in choices for t in _rental_terms(m, c, o)])
    for provider in sorted({o.provider for _, o in choices}):
        own = pulp.LpAffineExpression([t for c, o in choices if o.provider == provider for t in _rental_terms(m, c, o)])
        m.add(own <= share * total, "provider_share", provider)


def release_day(m: PlanModel) -> None:
    """∀ k,s: F_{k,s} ≥ A·y_k − Σ_{i: 0 < a_i < A} (A − a_i)/φ·x_{k,s,i} + Σ_{i: a_i ≥ A} days_i·x_{k,s,i},
    A = the latest first day a_i of stage s's options with min_i a_i < A < d₀ (no row if none),
    d₀ = min days_i of its day-0 options (∞ if none), φ = 1 − A/d₀, F_{k,s} = the next stage's first
    block start (E_k after the last stage).

    Valid in every integer solution: using any option released on or after A, the stage ends after
    A plus that work; using none, either the day-0 options do more than 1 − φ of the stage (they
    alone then run past A) or the options released before A do at least φ, and the latest used one
    starts on or after the right-hand side (docs/model.md, Tightness). It stops the LP relaxation
    from starting a delivery early in proportion to the share done on it: with slow hardware on
    hand bridging until servers arrive, the bound rose from 300 k to the 349.5 k optimum
    (consortium_health, owned hardware only).
    """
    for path in m.problem.paths:
        first_block: dict[str, pulp.LpVariable] = {}
        for block in m.index.sequence[path.id]:
            first_block.setdefault(block.key[1], m.start_day[block.key])
        for n, stage in enumerate(path.stages):
            first_day = {o.id: m.index.window(o)[0] for o in stage.options}
            if stage.later and all(a <= stage.ready_day for a in first_day.values()):
                continue  # every option is there when the stage may start: nothing is released later
            d0 = min((o.days for o in stage.options if first_day[o.id] == 0), default=math.inf)
            earliest = min(first_day.values(), default=0.0)
            release = max((a for a in first_day.values() if earliest < a < d0), default=None)
            if release is None:
                continue
            phi = 1 - release / d0
            following = path.stages[n + 1].name if n + 1 < len(path.stages) else None
            terms = [(first_block.get(following, m.path_end_day[path.id]), 1), (m.path[path.id], -release)]
            for o in stage.options:
                if 0 < first_day[o.id] < release:
                    terms.append((m.fraction[(path.id, stage.name, o.id)], (release - first_day[o.id]) / phi))
                elif first_day[o.id] >= release:
                    terms.append((m.fraction[(path.id, stage.name, o.id)], -o.days))
            m.add_row(terms, ">=", 0, "release_day", path.id, stage.name)
