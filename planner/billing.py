"""Why a rented stage runs on as few nodes as it does: start-up and minimum billing, in numbers.

Each rental segment spends the offer's start-up time on every node, billed, and is billed at least
its minimum (catalogs/offers.csv startup_minutes, min_billed_minutes). A larger cluster finishes
the work sooner but pays start-up on more nodes; these notes compare the chosen cluster with one
twice its size, priced by the same rule as the optimiser (planner.problem.Option.rental_usd).
"""

from __future__ import annotations

from planner import compute
from planner.catalog import Catalog
from planner.compute.chip import MAX_GPUS
from planner.options import failures_per_node_day
from planner.results import Plan
from planner.scenario import Scenario
from planner.workload import Workload

NOTABLE_SHARE = 0.01  # explain when start-up is at least this share of the segment's rental


def rental_usd(gpus: int, hours: float, usd_per_gpu_hour: float, startup_hours: float, min_hours: float) -> float:
    """One segment's rental: start-up on every GPU's node, then the work, at least the minimum billed."""
    return max(gpus * startup_hours * usd_per_gpu_hour + gpus * hours * usd_per_gpu_hour,
               gpus * min_hours * usd_per_gpu_hour)


def cluster_size_notes(plan: Plan, scenario: Scenario, catalog: Catalog) -> list[str]:
    """For each whole stage on a rental where start-up is a notable share of the rental: what it
    costs (all runs), and what twice the nodes would change: hours per run, rental, and staff (paid
    to the last run's end, at least staff_min_days)."""
    notes = []
    runs = scenario.program.runs
    staff_per_day = scenario.staff_usd_per_month * 12 / 365
    for stage in plan.stages:
        if len(stage.segments) != 1 or stage.segments[0].source not in ("on_demand", "spot"):
            continue
        seg = stage.segments[0]
        offer = catalog.offers[seg.offer]
        price = offer.spot_usd_per_gpu_hour if seg.source == "spot" else offer.on_demand_usd_per_gpu_hour
        startup, least = offer.startup_minutes / 60.0, offer.min_billed_minutes / 60.0
        w = Workload(stage.method, stage.params, stage.active_params, stage.tokens, stage.teacher_params, stage.seq_len)

        def at(gpus: int) -> tuple[float, float]:
            est = compute.estimate(
                w, catalog.chips[offer.chip], gpus, precision=_precision(scenario, catalog, offer.chip),
                spot_interruptions_per_node_day=offer.spot_interruptions_per_node_day if seg.source == "spot" else 0.0,
                pue=catalog.sites[offer.site].pue, carbon_g_per_kwh=catalog.sites[offer.site].carbon_g_per_kwh,
                gpus_per_node=offer.gpus_per_node, failures_per_node_day=failures_per_node_day(scenario))
            hours = est.wall_clock_days * 24
            return rental_usd(gpus, hours, price, startup, least) * runs, (startup + hours) / 24

        cost, days = at(seg.gpus)
        startup_usd = seg.gpus * startup * price * runs
        if cost <= 0 or startup_usd < NOTABLE_SHARE * cost:
            continue
        note = (f"{stage.name} on {seg.nodes} x {offer.offer_id} ({seg.source}): start-up of {offer.startup_minutes:g} "
                f"minutes on every node costs {startup_usd:,.0f} USD of its {cost:,.0f} USD rental")
        bigger = 2 * seg.gpus
        if bigger // offer.gpus_per_node <= offer.max_nodes and bigger <= MAX_GPUS:
            cost2, days2 = at(bigger)
            saved = (days - days2) * 24
            staffed = lambda end: staff_per_day * max(end, scenario.staff_min_days)  # noqa: E731
            staff = staffed(plan.end_day - (days - days2)) - staffed(plan.end_day)
            note += (f"; on {2 * seg.nodes} nodes it would end {saved:.2g} hours sooner for {cost2 - cost:+,.0f} USD "
                     f"of rental and {staff:+,.0f} USD of staff")
        notes.append(note + ".")
    return notes


def _precision(scenario: Scenario, catalog: Catalog, chip: str) -> str:
    p = scenario.policy.precision
    return p if p == "bf16" or catalog.chips[chip].fp8_tflops else "bf16"
