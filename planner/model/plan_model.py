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
    whose minimum billing can exceed their rental), S (staffed_days, with a minimum calendar); end_day is the
    expression E = Σ_k E_k, pool_nodes(c) is B_c = Σ_k B_{c,k}.

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
    staffed_days: pulp.LpVariable | None = None  # with a minimum staffed calendar: max(E + later runs, minimum)
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

    def pool_nodes(self, capacity_id: str) -> pulp.LpAffineExpression:
        """B_c = Σ_k B_{c,k}: nodes bought or reserved in capacity c."""
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
