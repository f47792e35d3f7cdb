"""The built model: the PuLP problem plus its variables, keyed by readable tuples."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulp

from planner.model.index import Choice, Index, Slot
from planner.model.naming import Namer
from planner.problem import Problem


@dataclass
class PlanModel:
    """Variables y (path), u (use), x (fraction), t (start_day), E (end_day), B (new_nodes).

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
    start_day: dict[Slot, pulp.LpVariable] = field(default_factory=dict)
    end_day: pulp.LpVariable | None = None
    new_nodes: dict[str, pulp.LpVariable] = field(default_factory=dict)
    cost_usd: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)
    objectives: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)

    def add(self, constraint: pulp.LpConstraint, family: str, *keys: object) -> None:
        """Add a constraint named `family__keys`."""
        self.lp += constraint, self.name(family, *keys)

    def duration_days(self, slot: Slot) -> pulp.LpAffineExpression:
        """d_{k,s,j} = Σ_i days_i · x_{k,s,j,i}: how long the segment runs."""
        return pulp.lpSum(o.days * self.fraction[c] for c, o in self.index.choices(slot))

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
