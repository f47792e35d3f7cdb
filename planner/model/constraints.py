"""Constraint families, one function each; the docstring's first lines state the math.

Index sets: paths k, stages s of k (in order), segment slots j = 1..J, options i of stage s,
capacities c, providers p. A family whose bound is absent adds nothing.
"""

from __future__ import annotations

import pulp

from planner.model.plan_model import PlanModel


def one_path(m: PlanModel) -> None:
    """Σ_k y_k = 1: exactly one path is chosen."""
    m.add(pulp.lpSum(m.path.values()) == 1, "one_path")


def fraction_within_use(m: PlanModel) -> None:
    """∀ k,s,j,i: x_{k,s,j,i} ≤ u_{k,s,j,i}: only a used option does work."""
    for choice, x in m.fraction.items():
        m.add(x <= m.use[choice], "fraction_within_use", *choice)


def one_option_per_segment(m: PlanModel) -> None:
    """∀ k,s,j: Σ_i u_{k,s,j,i} ≤ y_k: a segment runs on at most one option, on the chosen path."""
    for slot in m.index.slots:
        uses = [m.use[c] for c, _ in m.index.choices(slot)]
        m.add(pulp.lpSum(uses) <= m.path[slot[0]], "one_option_per_segment", *slot)


def segments_filled_in_order(m: PlanModel) -> None:
    """∀ k,s,j>1: Σ_i u_{k,s,j,i} ≤ Σ_i u_{k,s,j−1,i}: segment j is used only after j−1 (symmetry)."""
    for slot in m.index.slots:
        k, s, j = slot
        if j > 1:
            here = [m.use[c] for c, _ in m.index.choices(slot)]
            before = [m.use[c] for c, _ in m.index.choices((k, s, j - 1))]
            m.add(pulp.lpSum(here) <= pulp.lpSum(before), "segments_filled_in_order", *slot)


def stage_done_once(m: PlanModel) -> None:
    """∀ k,s: Σ_{j,i} x_{k,s,j,i} = y_k: the chosen path's stages are each done exactly once."""
    for path in m.problem.paths:
        for stage in path.stages:
            fractions = [m.fraction[c] for j in range(1, m.problem.max_segments + 1)
                         for c, _ in m.index.choices((path.id, stage.name, j))]
            m.add(pulp.lpSum(fractions) == m.path[path.id], "stage_done_once", path.id, stage.name)


def segments_in_sequence(m: PlanModel) -> None:
    """∀ consecutive slots a→b of path k: t_b ≥ t_a + Σ_i days_i·x_{a,i}.

    Segments of a stage run one after another, and a stage starts after the previous one ends.
    """
    for slots in m.index.sequence.values():
        for before, after in zip(slots, slots[1:]):
            m.add(m.start_day[after] >= m.start_day[before] + m.duration_days(before),
                  "segments_in_sequence", *after)


def lead_time(m: PlanModel) -> None:
    """∀ k,s,j: t_{k,s,j} ≥ Σ_{i on a capacity} available_day_i · u_{k,s,j,i}.

    A segment on bought or reserved nodes starts once they are delivered (one option per segment,
    so the sum is the lead time of the option used).
    """
    for slot in m.index.slots:
        waits = [m.problem.capacity(o.capacity).available_day * m.use[c]
                 for c, o in m.index.choices(slot)
                 if o.capacity is not None and m.problem.capacity(o.capacity).available_day > 0]
        if waits:
            m.add(m.start_day[slot] >= pulp.lpSum(waits), "lead_time", *slot)


def plan_end(m: PlanModel) -> None:
    """∀ k: E ≥ t_last + Σ_i days_i·x_{last,i}: the plan ends when the last segment ends."""
    for path_id, slots in m.index.sequence.items():
        if slots:
            last = slots[-1]
            m.add(m.end_day >= m.start_day[last] + m.duration_days(last), "plan_end", path_id)


def deadline(m: PlanModel) -> None:
    """E ≤ deadline_days."""
    if m.problem.deadline_days is not None:
        m.add(m.end_day <= m.problem.deadline_days, "deadline")


def capacity_nodes(m: PlanModel) -> None:
    """∀ c,k,s,j: B_c ≥ Σ_{i on c} (nodes_i − held_nodes_c)⁺ · u_{k,s,j,i}.

    Nodes beyond those held must be bought or reserved; the pool is sized for its largest use
    (one option per segment, so the sum is that option's need). B_c ≤ max_new_nodes_c is B's bound.
    """
    for capacity in m.problem.capacities:
        for slot in m.index.slots:
            needs = [(o.nodes - capacity.held_nodes) * m.use[c]
                     for c, o in m.index.choices(slot)
                     if o.capacity == capacity.id and o.nodes > capacity.held_nodes]
            if needs:
                m.add(m.new_nodes[capacity.id] >= pulp.lpSum(needs), "capacity_nodes", capacity.id, *slot)


def budget(m: PlanModel) -> None:
    """Σ cost terms ≤ budget_usd."""
    if m.problem.budget_usd is not None:
        m.add(m.total_cost_usd() <= m.problem.budget_usd, "budget")


def quality_target(m: PlanModel) -> None:
    """Σ_k loss_k · y_k ≤ target_loss."""
    if m.problem.target_loss is not None:
        m.add(m.objectives["quality"] <= m.problem.target_loss, "quality_target")


def carbon_cap(m: PlanModel) -> None:
    """Σ_{k,s,j,i} tco2e_i · x_{k,s,j,i} ≤ carbon_cap_tco2e."""
    if m.problem.carbon_cap_tco2e is not None:
        emitted = pulp.lpSum(o.tco2e * m.fraction[c] for c, o in m.index.choices())
        m.add(emitted <= m.problem.carbon_cap_tco2e, "carbon_cap")


def provider_share(m: PlanModel) -> None:
    """∀ p: Σ_{i of p} compute_usd_i · x_i ≤ max_provider_share · Σ_i compute_usd_i · x_i."""
    share = m.problem.max_provider_share
    if share is None:
        return
    choices = [(c, o) for c, o in m.index.choices() if o.compute_usd > 0]
    for provider in sorted({o.provider for _, o in choices}):
        own = pulp.lpSum(o.compute_usd * m.fraction[c] for c, o in choices if o.provider == provider)
        m.add(own <= share * m.cost_usd["compute"], "provider_share", provider)
