"""Move uncertain inputs by multipliers, by building modified copies of the Catalog and Scenario.

Frontier, sensitivity and risk studies re-plan or re-evaluate with some inputs scaled. The planning
code runs unchanged on the copies:

* cloud_price: an offer's on-demand, spot and reserved prices (per provider, or "*" for all);
* capex: a server type's price and network share (per server id, or "*");
* electricity: every site's USD per kWh (paid on owned and held hardware; cloud prices include it);
* mfu: a chip's speed (per chip id, or "*"): its peak throughput (bf16 and fp8), memory bandwidth,
  scale-up link and scale-out network (the chip's reference figure and every offer's and server's
  per-node figure for it) all scale by m, so every term of the step time, and the hours, scale by
  1/m exactly as if MFU scaled by m (the layout the search picks does not change). The board power is pinned to the unscaled figure, so energy per hour does not
  move, and the scenario's serving MFU is divided by m when the serving chip is scaled, so the
  serving cost (which reads the same peak) does not move either;
* lead_time: every server type's days from order to use;
* failure_rate: the scenario's failures_per_node_day (the compute model's default when unset).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from planner.catalog import Catalog
from planner.compute.goodput import MAX_RATE_PER_NODE_DAY
from planner.errors import InputError
from planner.options import failures_per_node_day
from planner.results import Diagnosis, Plan, ScenarioBounds
from planner.planning import make_plan
from planner.scenario import Scenario

ALL = "*"
KINDS = ("cloud_price", "capex", "electricity", "mfu", "failure_rate", "lead_time")


class Multipliers(BaseModel):
    """How far each input is moved: 1.0 leaves it as the catalog and compute model have it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cloud_price: dict[str, float] = Field(default_factory=dict, description="Provider (or '*') -> multiplier.")
    capex: dict[str, float] = Field(default_factory=dict, description="Server id (or '*') -> multiplier.")
    electricity: float = Field(1.0, gt=0)
    mfu: dict[str, float] = Field(default_factory=dict, description="Chip id (or '*') -> multiplier.")
    failure_rate: float = Field(1.0, ge=0)
    lead_time: float = Field(1.0, ge=0)

    @classmethod
    def single(cls, factor: str, value: float) -> Multipliers:
        """One input moved: factor is 'kind' or 'kind:key' (e.g. 'cloud_price:AWS', 'mfu:*', 'lead_time')."""
        kind, _, key = factor.partition(":")
        if kind not in KINDS:
            raise InputError(f"factor '{factor}'", "unknown input", "use one of " + ", ".join(KINDS))
        if kind in ("cloud_price", "capex", "mfu"):
            return cls(**{kind: {key or ALL: value}})
        return cls(**{kind: value})

    def of(self, kind: str, key: str) -> float:
        """The multiplier on `key` of a per-item input: its own times the one for all items."""
        table = getattr(self, kind)
        return table.get(ALL, 1.0) * (table.get(key, 1.0) if key != ALL else 1.0)

    def times(self, other: Multipliers) -> Multipliers:
        """Both moves at once (multipliers multiply)."""
        def merged(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
            return {k: a.get(k, 1.0) * b.get(k, 1.0) for k in a.keys() | b.keys()}

        return Multipliers(cloud_price=merged(self.cloud_price, other.cloud_price),
                           capex=merged(self.capex, other.capex), electricity=self.electricity * other.electricity,
                           mfu=merged(self.mfu, other.mfu), failure_rate=self.failure_rate * other.failure_rate,
                           lead_time=self.lead_time * other.lead_time)


def apply(scenario: Scenario, catalog: Catalog, m: Multipliers) -> tuple[Scenario, Catalog]:
    """Copies of the scenario and catalog with every input scaled as `m` says (module doc)."""
    offers = {}
    for key, o in catalog.offers.items():
        k = m.of("cloud_price", o.provider)
        offers[key] = o if k == 1.0 else o.model_copy(update={
            name: getattr(o, name) * k for name in ("Price", "SpotPrice", "reserved_1y_usd_per_gpu_hour",
                                                    "reserved_3y_usd_per_gpu_hour") if getattr(o, name)})
        speed = m.of("mfu", o.chip)
        if speed != 1.0 and o.scaleout_gbps_per_node:
            offers[key] = offers[key].model_copy(update={"scaleout_gbps_per_node": o.scaleout_gbps_per_node * speed})
    hardware = {}
    for key, h in catalog.hardware.items():
        k = m.of("capex", key)
        speed = m.of("mfu", h.accelerator)
        hardware[key] = h.model_copy(update={
            "server_usd": h.server_usd * k, "network_usd_per_node": h.network_usd_per_node * k,
            "capex_usd_per_node": h.capex_usd_per_node * k, "lead_time_days": h.lead_time_days * m.lead_time,
            "scaleout_gbps_per_node": h.scaleout_gbps_per_node and h.scaleout_gbps_per_node * speed})
    sites = {key: s.model_copy(update={"electricity_usd_per_kwh": s.electricity_usd_per_kwh * m.electricity})
             for key, s in catalog.sites.items()}
    chips = {}
    for key, c in catalog.chips.items():
        k = m.of("mfu", key)
        chips[key] = c if k == 1.0 else c.model_copy(update=dict(
            bf16_tflops=c.bf16_tflops * k, tdp_w=c.power_w, fp8_tflops=c.fp8_tflops * k if c.fp8_tflops else None,
            memory_bw_tbps=c.memory_bw_tbps * k, scaleup_bw_gbps=c.scaleup_bw_gbps and c.scaleup_bw_gbps * k,
            scaleout_gbps_per_chip=c.scaleout_gbps_per_chip and c.scaleout_gbps_per_chip * k))
    serving = m.of("mfu", scenario.inference.chip) if scenario.inference.chip in catalog.chips else 1.0
    if serving != 1.0:
        inference = scenario.inference.model_copy(update={"mfu": scenario.inference.mfu / serving})
        scenario = scenario.model_copy(update={"inference": inference})
    if m.failure_rate != 1.0:
        rate = failures_per_node_day(scenario) * m.failure_rate
        if rate > MAX_RATE_PER_NODE_DAY:
            raise InputError(f"scenario {scenario.name}: field 'failures_per_node_day'",
                             f"{failures_per_node_day(scenario):g} per node-day times the failure-rate multiplier "
                             f"{m.failure_rate:g} is {rate:g}, above the goodput model's {MAX_RATE_PER_NODE_DAY:g}",
                             "give a failure rate the model covers at the multipliers studied")
        scenario = scenario.model_copy(update={"failures_per_node_day": rate})
    return scenario, catalog.model_copy(update=dict(offers=offers, hardware=hardware, sites=sites, chips=chips))


def solve_under(job: tuple) -> Plan:
    """Plan `scenario` with inputs moved by the multipliers (a run_all job: picklable, top level).

    The job is (scenario, catalog, multipliers, solver, diagnose[, time_limit_s]): diagnose=False
    skips the re-plans that explain an infeasible result; time_limit_s bounds each solve (None: no
    limit). A scenario with nothing left to run on (e.g. every server's lead time now past the
    deadline), or whose solve the time limit stopped before any plan, comes back as an infeasible
    Plan carrying the reason, so one point never aborts a sweep.
    """
    scenario, catalog, m, solver, diagnose, *limit = job
    moved, moved_catalog = apply(scenario, catalog, m)
    try:
        return make_plan(moved, moved_catalog, solver=solver, time_limit_s=limit[0] if limit else None, explain=False,
                         diagnose=diagnose)
    except InputError as exc:
        return no_plan(scenario, solver, exc.message)


def no_plan(scenario: Scenario, solver: str, reason: str) -> Plan:
    """An infeasible Plan whose diagnosis is `reason`."""
    bounds = ScenarioBounds(name=scenario.name, deadline_days=scenario.deadline_days, budget_usd=scenario.budget_usd,
                            target=scenario.target.model_dump(exclude_none=True), target_loss=None,
                            objective=scenario.objective)
    return Plan(status="infeasible", objective=scenario.objective, solver=solver, scenario=bounds,
                diagnosis=Diagnosis(message=reason))
