"""Why a rented stage runs on as few nodes as it does: start-up and minimum billing, in numbers.

Each rental segment spends the offer's start-up time on every node, billed, and is billed at least
its minimum (catalogs/offers.csv startup_minutes, min_billed_minutes). A larger cluster finishes
the work sooner but pays start-up on more nodes; these notes compare the chosen cluster with one
half and one twice its size, priced by the same rule as the optimiser (planner.problem.Option.rental_usd)
on the evaluator's estimate of the stage (its batch, shape and the offer's network).
"""

from __future__ import annotations

from planner.catalog import Catalog
from planner.compute.chip import MAX_GPUS
from planner.evaluate import segment_estimate, stage_workload
from planner.options import rental_node_limit
from planner.results import Plan
from planner.scenario import Scenario

NOTABLE_SHARE = 0.01  # explain when start-up is at least this share of the segment's rental


def rental_usd(gpus: int, hours: float, usd_per_gpu_hour: float, startup_hours: float, min_hours: float) -> float:
    """One segment's rental: start-up on every GPU's node, then the work, at least the minimum billed."""
    return max(gpus * startup_hours * usd_per_gpu_hour + gpus * hours * usd_per_gpu_hour,
               gpus * min_hours * usd_per_gpu_hour)


def cluster_size_notes(plan: Plan, scenario: Scenario, catalog: Catalog) -> list[str]:
    """For each whole stage on a rental where start-up is a notable share of the rental, or that
    rents as many nodes as it may: what start-up costs (over the runs its schedule stands for), that the capacity limit binds
    and whose limit it is, and what half and twice the nodes would change: hours per run, rental,
    and staff (paid to the last run's end, at least staff_min_days). The half-size line shows why
    the plan did not take fewer nodes (often staff by the day), the double-size line why not more,
    or what the limit costs when it binds."""
    notes = []
    staff_per_day = scenario.staff_usd_per_month * 12 / 365
    for stages, runs in plan.schedules():
        later = stages is plan.later_stages  # runs 2..R's own schedule: it ends the last run
        notes.extend(_stage_notes(plan, stages, runs, later or not plan.later_stages, "runs 2-"
                                  f"{len(plan.runs)} " if later else "", scenario, catalog, staff_per_day))
    return notes


def _stage_notes(plan: Plan, stages, runs: int, ends_last_run: bool, which: str, scenario: Scenario,
                 catalog: Catalog, staff_per_day: float) -> list[str]:
    """cluster_size_notes for the stages of one schedule, standing for `runs` runs; ends_last_run: its
    end moves the last run's (and so staff), else staff does not change (the first run of a program
    whose later runs have their own schedule)."""
    notes = []
    for stage in stages:
        if len(stage.segments) != 1 or stage.segments[0].source not in ("on_demand", "spot"):
            continue
        seg = stage.segments[0]
        offer = catalog.offers[seg.offer]
        price = offer.spot_usd_per_gpu_hour if seg.source == "spot" else offer.on_demand_usd_per_gpu_hour
        startup, least = offer.startup_minutes / 60.0, offer.min_billed_minutes / 60.0
        w = stage_workload(stage)

        def at(nodes: int) -> tuple[float, float] | None:
            """(rental of all runs, days per run) on `nodes` nodes; None when the stage cannot use them."""
            gpus = nodes * offer.gpus_per_node
            try:
                est = segment_estimate(w, seg.model_copy(update={"nodes": nodes, "gpus": gpus}), scenario, catalog,
                                       first_start=offer.startup_minutes == 0)
            except ValueError:
                return None
            hours = est.wall_clock_days * 24
            return rental_usd(gpus, hours, price, startup, least) * runs, (startup + hours) / 24

        cost, days = at(seg.nodes)
        startup_usd = seg.gpus * startup * price * runs
        cap, field = rental_node_limit(offer, scenario, seg.source)
        basis = offer.capacity_basis(field)
        whose = (f"the scenario's {field} for {offer.provider}" if field.startswith("policy.") else
                 f"catalogs/offers.csv {field}, a planner assumption: set it to the capacity your provider confirms"
                 if basis == "assumption" else f"catalogs/offers.csv {field}: {basis}, its capacity_source")
        if cost <= 0 or (startup_usd < NOTABLE_SHARE * cost and seg.nodes < cap):
            continue
        said = []
        if startup_usd >= NOTABLE_SHARE * cost:
            said.append(f"start-up of {offer.startup_minutes:g} minutes on every node costs {startup_usd:,.0f} USD of "
                        f"its {cost:,.0f} USD rental")
        if seg.nodes >= cap:
            said.append(f"{seg.nodes} nodes is the most it may rent at once ({whose})")
        note = f"{which}{stage.name} on {seg.nodes} x {offer.offer_id} ({seg.source}): " + "; ".join(said)
        staffed = lambda end: staff_per_day * max(end, scenario.staff_min_days)  # noqa: E731
        for nodes in (seg.nodes // 2, 2 * seg.nodes):
            other = at(nodes) if 1 <= nodes and nodes * offer.gpus_per_node <= MAX_GPUS else None
            if other is None or nodes == seg.nodes:
                continue
            later = other[1] - days
            staff = round(staffed(plan.end_day + later) - staffed(plan.end_day)) if ends_last_run else 0
            when = f"end {hours_text(abs(later) * 24)} hours {'later' if later > 0 else 'sooner'}"
            beyond = " (beyond that)" if nodes > cap else ""
            note += (f"; on {nodes} node{'s' if nodes > 1 else ''}{beyond} it would {when} for {round(other[0] - cost):+,} USD "
                     f"of rental and {staff:+,} USD of staff")
        notes.append(note + ".")
    return notes


def hours_text(hours: float) -> str:
    """Two significant figures under 99.5 hours, whole hours from there (`.2g` alone prints 99.6 as
    1e+02 and 140 as 1.4e+02)."""
    return f"{hours:.2g}" if hours < 99.5 else f"{hours:.0f}"
