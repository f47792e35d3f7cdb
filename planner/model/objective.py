"""Cost terms and the objectives built from them.

Cost (USD) = usage-based charges + segment charges + capacity charges + path fixed costs + staff:
  Σ_{k,s,i} (compute_i + energy_i + capex_i + hosting_i)·x_{k,s,i} + Σ_{k,s,i} (setup_i·u_{k,s,i} + z_{k,s,i})
  + Σ_{c,k} (unit_cost_c + hosting_c)·B_{c,k}
  + Σ_k (data_k + labelling_k + inference_k)·y_k + Σ_j staff_usd_per_day_j·(E_j − start_j + later_runs_days_j),
  or ·S_j when a minimum staffed calendar is set (S_j ≥ E_j − start_j + later_runs_days_j, S_j ≥ staff_min_days_j)
  + Σ_j late_usd_per_day_j·runs_j·L_j.
Each option's figures count the runs of its stage (StageOptions.runs: 1 for the first run's stage and
R − 1 for the later runs' schedule of a program, or R when the first run's schedule is repeated), and
E_j is the path's last scheduled end (the later schedule's, in run 2's window, when there is one).
A single plan is one project j (start 0) holding every path. In a portfolio the per-node charges are on
the shared pools P_c instead of the per-path B_{c,k}.
"""

from __future__ import annotations

import pulp

from planner.model.plan_model import PlanModel
from planner.problem import TIE_BREAK_SLACK


def cost_terms(m: PlanModel) -> None:
    """Cost terms by breakdown key (USD): per-use charges scale with x, start-up and minimum billing
    come with each used segment (u, z; rental, so 'compute'), per-node charges scale with B (capacity
    fees go to reserved or owned_capex_net by the pool's kind)."""
    p, choices = m.problem, m.index.choices()

    def per_use(field: str) -> pulp.LpAffineExpression:
        return pulp.LpAffineExpression([(m.fraction[c], getattr(o, field)) for c, o in choices
                                        if getattr(o, field)])

    def per_node(charges) -> pulp.LpAffineExpression:
        usd_by_pool = {c.id: usd for c, usd in charges if usd}
        if p.portfolio:
            return pulp.LpAffineExpression([(v, usd_by_pool[c]) for c, v in m.pool.items() if c in usd_by_pool])
        return pulp.LpAffineExpression([(v, usd_by_pool[c]) for (c, _), v in m.new_nodes.items()
                                        if c in usd_by_pool])

    segments = pulp.LpAffineExpression([(m.use[c], o.setup_usd) for c, o in choices if o.setup_usd]
                                       + [(z, 1) for z in m.top_up.values()])
    m.cost_usd = {
        "compute": per_use("compute_usd") + segments,
        "reserved": per_node((c, c.unit_cost_usd) for c in p.capacities if c.kind == "reserved"),
        "owned_capex_net": per_use("capex_usd")
        + per_node((c, c.unit_cost_usd) for c in p.capacities if c.kind != "reserved"),
        "energy": per_use("energy_usd"),
        "hosting": per_use("hosting_usd") + per_node((c, c.hosting_usd_per_node) for c in p.capacities),
        "data": pulp.LpAffineExpression([(m.path[k.id], k.data_usd) for k in p.paths]),
        "labelling": pulp.LpAffineExpression([(m.path[k.id], k.labelling_usd) for k in p.paths]),
        "inference": pulp.LpAffineExpression([(m.path[k.id], k.inference_usd) for k in p.paths]),
        "staff": pulp.lpSum(staff_days(m, g) * g.staff_usd_per_day for g in p.groups if g.staff_usd_per_day),
    }
    if m.late_days:
        m.cost_usd["late"] = pulp.LpAffineExpression(
            [(v, g.late_usd_per_day * g.runs) for g in p.groups for v in [m.late_days.get(g.id)] if v is not None])


def staff_days(m: PlanModel, g) -> pulp.LpAffineExpression:
    """The days project g's staff is paid: S_g, or E_g − start_g + later_runs_days_g."""
    if g.id in m.staffed_days:
        return pulp.LpAffineExpression([(m.staffed_days[g.id], 1)])
    return m.project_end_day(g) + (g.later_runs_days - g.start_day)


def objectives(m: PlanModel) -> None:
    """cost = Σ cost terms;  quality = Σ_k loss_k·y_k;  time = E (for a program: its last scheduled end,
    so the last run's end less a constant)."""
    m.objectives = {
        "cost": m.total_cost_usd(),
        "quality": pulp.LpAffineExpression([(m.path[k.id], k.loss) for k in m.problem.paths]),
        "time": m.end_day,
    }


def tie_break_by_cost(m: PlanModel, primary_value: float) -> None:
    """f ≤ f* + ε·max(1, |f*|): keep the primary objective at its optimum f*; minimise cost instead."""
    slack = TIE_BREAK_SLACK * max(1.0, abs(primary_value))
    m.add(m.objectives[m.objective] <= primary_value + slack, "keep_best", m.objective)
    m.lp.setObjective(m.objectives["cost"])


def project_cost_usd(m: PlanModel, g) -> pulp.LpAffineExpression:
    """Project g's own spend: its options' per-use charges, start-ups and top-ups, its paths' fixed costs,
    its staff and late days (everything but the shared capacities' per-node charges)."""
    paths = set(g.path_ids)
    terms = []
    for c, o in m.index.choices():
        if c[0] in paths:
            terms += [(m.fraction[c], o.variable_usd)] + ([(m.use[c], o.setup_usd)] if o.setup_usd else [])
            if c in m.top_up:
                terms.append((m.top_up[c], 1))
    terms += [(m.path[k.id], k.fixed_usd) for k in m.problem.paths if k.id in paths]
    if g.id in m.late_days:
        terms.append((m.late_days[g.id], g.late_usd_per_day * g.runs))
    return pulp.LpAffineExpression(terms) + staff_days(m, g) * g.staff_usd_per_day
