"""Decision variables, one function per family. Units: days, nodes; fractions are of a stage."""

from __future__ import annotations

import pulp

from planner.model.plan_model import PlanModel


def add_path_choice(m: PlanModel) -> None:
    """y_k ∈ {0,1}: path k is the one chosen."""
    for path in m.problem.paths:
        m.path[path.id] = m.lp.add_variable(m.name("path", path.id), cat=pulp.LpBinary)


def add_option_use(m: PlanModel) -> None:
    """u_{k,s,j,i} ∈ {0,1}: option i fills segment j of stage s of path k;
    x_{k,s,j,i} ∈ [0,1]: the fraction of the stage that segment does on it."""
    for choice, _ in m.index.choices():
        m.use[choice] = m.lp.add_variable(m.name("use", *choice), cat=pulp.LpBinary)
        m.fraction[choice] = m.lp.add_variable(m.name("fraction", *choice), 0, 1)


def add_schedule(m: PlanModel) -> None:
    """t_{k,s,j} ≥ 0: start day of segment j of stage s of path k;  E ≥ 0: the plan's end day."""
    for slot in m.index.slots:
        m.start_day[slot] = m.lp.add_variable(m.name("start_day", *slot), 0)
    m.end_day = m.lp.add_variable(m.name("end_day"), 0)


def add_new_nodes(m: PlanModel) -> None:
    """B_c ∈ ℤ, 0 ≤ B_c ≤ max_new_nodes_c: nodes bought or reserved in capacity c."""
    for capacity in m.problem.capacities:
        m.new_nodes[capacity.id] = m.lp.add_variable(
            m.name("new_nodes", capacity.id), 0, capacity.max_new_nodes, cat=pulp.LpInteger)
