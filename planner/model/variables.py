"""Decision variables, one function per family. Units: days, nodes; fractions are of a stage."""

from __future__ import annotations

import pulp

from planner.model.plan_model import PlanModel


def add_path_choice(m: PlanModel) -> None:
    """y_k ∈ {0,1}: path k is the one chosen."""
    for path in m.problem.paths:
        m.path[path.id] = m.lp.add_variable(m.name("path", path.id), cat=pulp.LpBinary)


def add_option_use(m: PlanModel) -> None:
    """u_{k,s,i} ∈ {0,1}: option i does part of stage s of path k (one contiguous segment);
    x_{k,s,i} ∈ [0,1]: the fraction of the stage it does."""
    for choice, _ in m.index.choices():
        m.use[choice] = m.lp.add_variable(m.name("use", *choice), cat=pulp.LpBinary)
        m.fraction[choice] = m.lp.add_variable(m.name("fraction", *choice), 0, 1)


def add_schedule(m: PlanModel) -> None:
    """t_{k,s,w} ≥ 0: start day of block w (the stage's options with window w, run back to back);
    e_{k,s,w} ≥ 0: its end day, for blocks whose window ends before the stage's horizon;
    E_k ≥ 0: the day path k ends (0 off the chosen path); the plan's end day is E = Σ_k E_k.

    Summing per-path ends, rather than bounding one E by every path's end, keeps the LP relaxation
    honest: a path chosen by a fraction y_k does y_k of its work, and its end counts in E by that
    share instead of shrinking the max.
    """
    for block in m.index.blocks:
        m.start_day[block.key] = m.lp.add_variable(m.name("start_day", *block.key), 0)
        if block.ends_early:
            m.block_end_day[block.key] = m.lp.add_variable(m.name("block_end_day", *block.key), 0)
    for path in m.problem.paths:
        m.path_end_day[path.id] = m.lp.add_variable(m.name("end_day", path.id), 0)
    m.end_day = pulp.LpAffineExpression([(e, 1) for e in m.path_end_day.values()])


def add_billing_top_up(m: PlanModel) -> None:
    """z_{k,s,i} ≥ 0: what a segment on option i is billed beyond start-up and its compute share, to
    reach the minimum billed (only for options whose minimum exceeds their start-up charge)."""
    for choice, o in m.index.choices():
        if o.min_billed_usd > o.setup_usd:
            m.top_up[choice] = m.lp.add_variable(m.name("top_up", *choice), 0)


def add_staffed_days(m: PlanModel) -> None:
    """S_j ≥ staff_min_days_j: the days project j's staff is paid, when it sets a minimum (otherwise
    staff is paid E_j − start_j + later_runs_days_j directly)."""
    for g in m.problem.groups:
        if g.staff_min_days > 0 and g.staff_usd_per_day > 0:
            keys = (g.id,) if m.problem.portfolio else ()
            m.staffed_days[g.id] = m.lp.add_variable(m.name("staffed_days", *keys), g.staff_min_days)


def add_late_days(m: PlanModel) -> None:
    """L_j ∈ [0, deadline_j − due_j]: days project j's first run ends after its due day, when late
    days cost something (the deadline stays the hard limit)."""
    for g in m.problem.groups:
        if g.due_day is not None and g.late_usd_per_day > 0:
            most = None if g.deadline_day is None else max(0.0, g.deadline_day - g.due_day)
            m.late_days[g.id] = m.lp.add_variable(m.name("late_days", g.id), 0, most)


def add_pools(m: PlanModel) -> None:
    """P_c ∈ [0, max_new_nodes_c] (a portfolio only): nodes bought or reserved in capacity c, once, for
    every project; pool_shared_over_time sizes it. Not integer, for the reason B is not."""
    if m.problem.portfolio:
        for capacity in m.problem.capacities:
            if any(c == capacity.id for c, _ in m.new_nodes):
                m.pool[capacity.id] = m.lp.add_variable(m.name("pool", capacity.id), 0, capacity.max_new_nodes)


def add_new_nodes(m: PlanModel) -> None:
    """B_{c,k} ∈ [0, max_new_nodes_c]: nodes bought or reserved in capacity c if path k is chosen
    (0 otherwise); the pool's nodes are B_c = Σ_k B_{c,k}.

    One B per path and pool, rather than one per pool bounded by every path's needs, keeps the LP
    relaxation from sharing one fractional purchase among fractionally chosen paths. B needs no
    integrality: it is bounded below by whole node counts and its cost is non-negative, so an
    optimal B is the largest need, an integer.
    """
    for path in m.problem.paths:
        pools = {o.capacity for stage in path.stages for o in stage.options
                 if o.capacity is not None and o.nodes > m.index.capacities[o.capacity].held_nodes}
        for capacity in m.problem.capacities:
            if capacity.id in pools:
                m.new_nodes[(capacity.id, path.id)] = m.lp.add_variable(
                    m.name("new_nodes", capacity.id, path.id), 0, capacity.max_new_nodes)
