"""The built model: the PuLP problem plus its variables, keyed by readable tuples."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulp

from planner.model.index import Block, BlockKey, Choice, Index
from planner.model.naming import Namer
from planner.problem import Problem


_SENSES = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}


@dataclass
class PlanModel:
    """Variables y (path), u (use), x (fraction), t (start_day of a block), e (block_end_day, for
    blocks whose window ends early), E_k (path_end_day), B_{c,k} (new_nodes), z (top_up, for options
    whose minimum billing can exceed their rental), S_j (staffed_days of project j, with a minimum
    calendar), L_j (late_days of project j, with a penalty), P_c (pool: a portfolio's nodes in capacity c,
    shared by its projects); end_day is the expression E = Σ_k E_k; pool_nodes(c) is P_c in a portfolio,
    else B_c = Σ_k B_{c,k}. A single plan is one project j holding every path (Problem.groups).

    cost_usd holds the cost terms by breakdown key; objectives holds the expressions the planner
    can minimise ('cost', 'quality', 'time'); objective names the one set on `lp`.
    """

    problem: Problem
    objective: str
    index: Index
    lp: pulp.LpProblem
    name: Namer = field(default_factory=Namer)
    path: dict[str, pulp.LpVariable] = field(default_factory=dict)
    use: dict[Choice, pulp.LpVariable] = field(default_factory=dict)
    fraction: dict[Choice, pulp.LpVariable] = field(default_factory=dict)
    start_day: dict[BlockKey, pulp.LpVariable] = field(default_factory=dict)
    block_end_day: dict[BlockKey, pulp.LpVariable] = field(default_factory=dict)
    path_end_day: dict[str, pulp.LpVariable] = field(default_factory=dict)
    end_day: pulp.LpAffineExpression | None = None
    new_nodes: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)  # (capacity, path)
    top_up: dict[Choice, pulp.LpVariable] = field(default_factory=dict)  # minimum billing beyond the rental
    staffed_days: dict[str, pulp.LpVariable] = field(default_factory=dict)  # project: max(E_j − start + later, min)
    late_days: dict[str, pulp.LpVariable] = field(default_factory=dict)  # project: days its first run ends after due
    pool: dict[str, pulp.LpVariable] = field(default_factory=dict)  # portfolio: nodes bought or reserved per capacity
    cost_usd: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)
    objectives: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)

    def add(self, constraint: pulp.LpConstraint, family: str, *keys: object) -> None:
        """Add a constraint named `family__keys`."""
        self.lp += constraint, self.name(family, *keys)

    def add_row(self, terms: list[tuple[pulp.LpVariable, float]], sense: str, rhs: float, family: str,
                *keys: object) -> None:
        """Add Σ coefficient·variable (sense: '<=', '>=' or '==') rhs, named `family__keys`; the
        same as `add` without building expressions operator by operator (large models)."""
        row = pulp.LpConstraint(pulp.LpAffineExpression(terms), _SENSES[sense], rhs=rhs)
        self.lp.addConstraint(row, self.name(family, *keys))

    def duration_days(self, block: Block) -> pulp.LpAffineExpression:
        """D_{k,s,w} = Σ_{i in block w} (days_i · x_{k,s,i} + setup_days_i · u_{k,s,i}): how long the
        block's segments run, each after its start-up."""
        return pulp.LpAffineExpression([(self.fraction[c], o.days) for c, o in block.choices()]
                                       + [(self.use[c], o.setup_days) for c, o in block.choices() if o.setup_days])

    def project_end_day(self, project) -> pulp.LpAffineExpression:
        """E_j = Σ_{k of project j} E_k: the day project j's first run ends (one of its paths is chosen)."""
        return pulp.LpAffineExpression([(self.path_end_day[k], 1) for k in project.path_ids])

    def pool_nodes(self, capacity_id: str) -> pulp.LpAffineExpression:
        """Nodes bought or reserved in capacity c: P_c in a portfolio, else B_c = Σ_k B_{c,k}."""
        if capacity_id in self.pool:
            return pulp.LpAffineExpression([(self.pool[capacity_id], 1)])
        return pulp.LpAffineExpression([(v, 1) for (c, _), v in self.new_nodes.items() if c == capacity_id])

    @staticmethod
    def value(expression: pulp.LpAffineExpression) -> float:
        """The expression at the solver's values; a variable the solver never saw counts as 0."""
        return expression.constant + sum(a * (v.varValue or 0.0) for v, a in expression.items())

    def total_cost_usd(self) -> pulp.LpAffineExpression:
        return pulp.lpSum(self.cost_usd.values())

    @property
    def n_variables(self) -> int:
        return self.lp.numVariables()

    @property
    def n_constraints(self) -> int:
        return self.lp.numConstraints()
