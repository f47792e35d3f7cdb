"""Cost terms and the objectives built from them.

Cost (USD) = compute + energy + capacity + path fixed costs + staff:
  Σ_{k,s,j,i} (compute_usd_i + energy_usd_i)·x_{k,s,j,i} + Σ_c (unit_cost_c + hosting_c)·B_c
  + Σ_k (data_k + labelling_k + inference_k)·y_k + staff_usd_per_day·E.
"""

from __future__ import annotations

import pulp

from planner.model.plan_model import PlanModel

# Relative slack kept on the primary objective when ties are broken by cost: about the
# solvers' integrality tolerance, so the first plan always meets it.
TIE_BREAK_SLACK = 1e-6


def cost_terms(m: PlanModel) -> None:
    """Cost terms by breakdown key (USD); capacity fees split into reserved and owned."""
    p, choices = m.problem, m.index.choices()
    m.cost_usd = {
        "compute": pulp.lpSum(o.compute_usd * m.fraction[c] for c, o in choices),
        "reserved": pulp.lpSum(c.unit_cost_usd * m.new_nodes[c.id] for c in p.capacities if c.kind == "reserved"),
        "owned_capex_net": pulp.lpSum(c.unit_cost_usd * m.new_nodes[c.id] for c in p.capacities
                                      if c.kind != "reserved"),
        "energy": pulp.lpSum(o.energy_usd * m.fraction[c] for c, o in choices),
        "hosting": pulp.lpSum(c.hosting_usd_per_node * m.new_nodes[c.id] for c in p.capacities),
        "data": pulp.lpSum(k.data_usd * m.path[k.id] for k in p.paths),
        "labelling": pulp.lpSum(k.labelling_usd * m.path[k.id] for k in p.paths),
        "inference": pulp.lpSum(k.inference_usd * m.path[k.id] for k in p.paths),
        "staff": p.staff_usd_per_day * m.end_day,
    }


def objectives(m: PlanModel) -> None:
    """cost = Σ cost terms;  quality = Σ_k loss_k·y_k;  time = E."""
    m.objectives = {
        "cost": m.total_cost_usd(),
        "quality": pulp.lpSum(k.loss * m.path[k.id] for k in m.problem.paths),
        "time": pulp.lpSum([m.end_day]),
    }


def tie_break_by_cost(m: PlanModel, primary_value: float) -> None:
    """f ≤ f* + ε·max(1, |f*|): keep the primary objective at its optimum f*; minimise cost instead."""
    slack = TIE_BREAK_SLACK * max(1.0, abs(primary_value))
    m.add(m.objectives[m.objective] <= primary_value + slack, "keep_best", m.objective)
    m.lp.setObjective(m.objectives["cost"])
