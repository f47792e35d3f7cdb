"""What a bought server costs over the calendar: one cost function for the optimiser's prices and for
every explanation (break-even, "pays off above X% utilisation").

A server is ordered on day 0 and delivered after its lead time a; it is held from delivery to the
horizon end H (ownership.horizon_days, by default the last run's deadline) whether or not it runs:
  resell:   sold on day H for recovery × capex × (1 − f)^((H − a)/365) (f: market value lost per year);
  amortise: kept after H; the remainder of its life is worth its book value capex × (1 − (H − a)/life),
            so the plan is charged capex × min(1, (H − a)/life).
Hosting is paid for every day held, at least for the colocation commitment (hosting_min_months);
financing is simple interest at the scenario's rate on capex from the payment day (order: day 0,
delivery: day a) to H. Electricity is paid only while the server runs. Declared other use of idle
node-days (ownership.other_use) earns share × value for each node-day held and not used by the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.catalog import OwnedHardware

DAYS_PER_YEAR = 365.0
DAYS_PER_MONTH = DAYS_PER_YEAR / 12


@dataclass(frozen=True)
class Holding:
    """One bought node over its holding period, USD (except days): the charges a plan pays for it."""

    order_day: float
    delivery_day: float
    payment_day: float
    end_day: float  # resale day (resell) or horizon end (amortise)
    end_value_usd: float  # resale proceeds (resell) or book value kept (amortise)
    capital_usd: float  # capex − end value
    financing_usd: float
    hosting_usd: float
    other_use_usd_per_idle_node_day: float

    @property
    def held_days(self) -> float:
        return self.end_day - self.delivery_day

    @property
    def other_use_credit_usd(self) -> float:
        """Income if the node were idle for its whole holding period."""
        return self.other_use_usd_per_idle_node_day * self.held_days

    @property
    def net_usd(self) -> float:
        """Capital + financing + hosting − other-use income of a node never used by the plan."""
        return self.capital_usd + self.financing_usd + self.hosting_usd - self.other_use_credit_usd


def holding(hw: OwnedHardware, accounting: str, horizon_day: float, financing_rate_per_year: float = 0.0,
            other_use_usd_per_idle_node_day: float = 0.0, order_day: float = 0.0) -> Holding:
    """The charges for one node of `hw` ordered on `order_day` (a portfolio orders later for later
    projects) and held until `horizon_day` (see module doc, with day 0 read as the order day for
    delivery and payment)."""
    delivery = float(order_day + hw.lead_time_days)
    held = max(horizon_day - delivery, 0.0)
    if accounting == "resell":
        end_value = hw.capex_usd_per_node * hw.resale_value_fraction(held / DAYS_PER_YEAR)
    else:
        end_value = hw.capex_usd_per_node * max(0.0, 1.0 - held / (hw.life_years * DAYS_PER_YEAR))
    payment = float(order_day) if hw.paid_on == "order" else delivery
    financing = hw.capex_usd_per_node * financing_rate_per_year * (horizon_day - payment) / DAYS_PER_YEAR
    hosted_days = max(held, hw.hosting_min_months * DAYS_PER_MONTH)
    return Holding(order_day=float(order_day), delivery_day=delivery, payment_day=payment, end_day=delivery + held,
                   end_value_usd=end_value, capital_usd=hw.capex_usd_per_node - end_value,
                   financing_usd=financing, hosting_usd=hw.hosting_usd_per_node_month * hosted_days / DAYS_PER_MONTH,
                   other_use_usd_per_idle_node_day=other_use_usd_per_idle_node_day)


def owned_node_usd(h: Holding, busy_days: float, power_usd_per_day: float) -> float:
    """What one node costs the plan when it runs `busy_days` of its holding period: holding charges,
    electricity for the busy days, minus other-use income on the idle days."""
    return h.net_usd + busy_days * (power_usd_per_day + h.other_use_usd_per_idle_node_day)


def breakeven_utilisation(h: Holding, power_usd_per_day: float, rent_usd_per_node_day: float) -> float | None:
    """The share of the holding period a node must run for owning it to cost no more than renting the
    same node-days: the root of owned_node_usd(b) − rent·b, a straight line in b, found from the
    cost function at b = 0 and b = held days. None when owning never pays off in this period."""
    days = h.held_days
    if days <= 0:
        return None
    idle = owned_node_usd(h, 0.0, power_usd_per_day)
    busy = owned_node_usd(h, days, power_usd_per_day) - rent_usd_per_node_day * days
    if busy >= 0:
        return None
    return max(0.0, idle / (idle - busy))
