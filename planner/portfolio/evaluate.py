"""An independent check of a portfolio plan, from the inputs alone.

Each project's plan is recomputed by the single-plan evaluator (planner.evaluate) on the project's
own clock, without per-node pool charges. The pools are then recomputed from the catalog's hardware
rows and offers: a bought node ordered on its order day is delivered after the lead time and held to
the horizon (capital less resale or book value, financing, hosting at least the colocation
commitment); a reservation costs its whole-term fee. Every use of a pool must come after its
delivery (and within a reservation's term), and the pool must hold at least the nodes in use on any
day by all projects together. The total is the projects' own costs plus the pools'.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.catalog import Catalog
from planner.evaluate import TOLERANCE, bought_node_figures, evaluate
from planner.portfolio.inputs import Portfolio
from planner.portfolio.results import PortfolioPlan
from planner.scenario import Scenario


@dataclass
class PortfolioEvaluation:
    total_cost_usd: float
    pool_cost_usd: dict[str, float]
    violations: list[str] = field(default_factory=list)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b), 1.0)


def evaluate_portfolio(result: PortfolioPlan, portfolio: Portfolio, scenarios: list[Scenario],
                       catalog: Catalog) -> PortfolioEvaluation:
    bad: list[str] = []
    by_name = dict(zip((p.name for p in portfolio.projects), scenarios))
    inputs = {p.name: p for p in portfolio.projects}
    total = 0.0
    for pr in result.projects:
        ev = evaluate(pr.plan, by_name[pr.name], catalog, capacities=False)
        bad += [f"{pr.name}: {v}" for v in ev.violations]
        late = 0.0
        due = inputs[pr.name].due_day
        if due is not None:
            first_end = pr.start_day + max((s.end_day for st in pr.plan.stages for s in st.segments), default=0.0)
            late = inputs[pr.name].late_usd_per_day * by_name[pr.name].program.runs * max(0.0, first_end - due)
        if not _close(ev.total_cost_usd + late, pr.own_cost_usd):
            bad.append(f"{pr.name}: own cost {pr.own_cost_usd:,.2f}, recomputed {ev.total_cost_usd + late:,.2f}")
        total += ev.total_cost_usd + late
    pools = {}
    for line in result.procurement:
        pools[line.item] = _pool_cost(line, portfolio, result.horizon_day, catalog, bad)
        uses = [u for u in result.pool_use if u.item == line.item]
        for u in uses:
            if u.start_day < line.delivery_day - 1e-6 or u.end_day > line.end_day + 1e-6:
                bad.append(f"{line.item}: {u.project} run {u.run} uses it days {u.start_day:.2f}-{u.end_day:.2f}, "
                           f"outside days {line.delivery_day:g}-{line.end_day:g}")
        for day in sorted({u.start_day for u in uses}):
            busy = sum(u.nodes for u in uses if u.start_day <= day < u.end_day)
            if busy > line.quantity_nodes:
                bad.append(f"{line.item}: {busy} nodes in use on day {day:.2f}, {line.quantity_nodes} held")
    used = {u.item for u in result.pool_use} - set(pools)
    bad += [f"{item}: used but not procured" for item in sorted(used)]
    total += sum(pools.values())
    if result.total_cost_usd is not None and not _close(total, result.total_cost_usd):
        bad.append(f"total cost: plan {result.total_cost_usd:,.2f}, recomputed {total:,.2f}")
    return PortfolioEvaluation(total, pools, bad)


def _pool_cost(line, portfolio: Portfolio, horizon: float, catalog: Catalog, bad: list[str]) -> float:
    n = line.quantity_nodes
    if line.action == "reserve":
        years, offer_id = line.item.split("-", 1)[1].split("y:", 1)
        offer = catalog.offers[offer_id]
        price = offer.reserved_1y_usd_per_gpu_hour if years == "1" else offer.reserved_3y_usd_per_gpu_hour
        cost = n * price * offer.gpus_per_node * 8760.0 * int(years)
    else:
        hw = catalog.hardware[line.what]
        own = portfolio.ownership
        other = own.other_use.share * own.other_use.usd_per_node_day if own.other_use else 0.0
        delivery, _, figures = bought_node_figures(hw, own, line.order_day, horizon, other, n)
        cost = figures["capital_usd"] + figures["financing_usd"] + figures["hosting_usd"] + figures["other_use_usd"]
        if abs(line.delivery_day - delivery) > 1e-6:
            bad.append(f"{line.item}: delivery day {line.delivery_day:g}, recomputed {delivery:g}")
    if not _close(cost, line.charged_usd):
        bad.append(f"{line.item}: charged {line.charged_usd:,.2f}, recomputed {cost:,.2f}")
    return cost
