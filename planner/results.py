"""The Plan: a typed result, built from a solver solution plus the inputs that explain it.

Tables, JSON, Markdown and HTML are views of this object (planner.report). The JSON form is the
stable schema procurement systems read; its version is `schema_version`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class _Out(BaseModel):
    # protected_namespaces=(): pydantic < 2.10 warns on every run about the field `model_size`
    model_config = ConfigDict(extra="forbid", protected_namespaces=())


class Layout(_Out):
    """The parallel layout the compute model chose for a stage on a cluster (planner.compute.layout)."""

    tp: int = Field(description="Tensor-parallel degree.")
    pp: int = Field(description="Pipeline-parallel degree.")
    dp: int = Field(description="Data-parallel degree.")
    ep: int = Field(description="Expert-parallel degree (1 for dense models).")
    cp: int = Field(1, description="Context-parallel degree: devices splitting each sequence (1: none).")
    micro_batch: int = Field(description="Sequences per micro-batch.")
    grad_accum: int = Field(description="Micro-batches accumulated per optimiser step.")
    zero: int = Field(description="ZeRO stage (1: optimiser state sharded; 3: weights too).")
    recompute: bool = Field(description="Full activation recomputation.")
    global_batch_tokens: float = Field(description="Tokens per optimiser step.")
    steps: float = Field(description="Optimiser steps.")


class Segment(_Out):
    offer: str = Field(description="Cloud offer id, or the server pool (buy:/held:) id.")
    provider: str
    chip: str
    source: Literal["on_demand", "spot", "reserved", "owned", "held"]
    nodes: int
    gpus: int
    fraction: float = Field(description="Share of the stage's work done in this segment.")
    start_day: float
    end_day: float
    cost_usd: float = Field(description="USD for one run: rental (cloud); electricity and any other-use income "
                                        "forgone (bought servers; their capital, financing and hosting are "
                                        "procurement lines); 0 on reservations (the fee is a procurement line).")
    energy_mwh: float = Field(description="Energy of one run, MWh.")
    tco2e: float = Field(description="Emissions of one run, tCO2e.")
    gpu_hours: float = Field(0.0, description="Accelerator-hours of this segment in one run (its fraction of the stage), "
                                              "failures and restarts included.")
    mfu: float = Field(0.0, description="Model FLOPs utilisation of the stage on this cluster (fraction of peak).")
    goodput: float = Field(0.0, description="Share of wall-clock time spent on useful steps (fraction).")
    layout: Layout | None = Field(None, description="Parallel layout the compute model chose (none for a stage "
                                                    "priced without a step-time estimate).")


class StagePlan(_Out):
    name: str
    method: Literal["full", "lora", "qlora"]
    params: float
    active_params: float
    teacher_params: float
    seq_len: int
    tokens: float
    flops: float
    segments: list[Segment]
    batch_tokens: float = Field(0.0, description="Global batch per step stated by the scenario, tokens (0: the "
                                                 "compute model's law).")
    shape: list[int] | None = Field(None, description="Catalog config of the model trained: n_layers, d_model, "
                                                      "n_heads, d_ff, experts, top_k (counts); null: derived.")


class DataStep(_Out):
    """Data work a training stage waits on (first run), started on day 0."""

    name: Literal["data preparation", "labelling"]
    start_day: float = Field(description="Day it starts (days from today).")
    end_day: float = Field(description="Day its output is ready.")
    feeds: str = Field(description="The stage that cannot start before end_day.")


class RunPlan(_Out):
    """One run of the program in its own window: run 1 on the plan's stages; runs 2..R on its
    later_stages (run 2's dates there, moved every_days on per further run), or, when the plan has
    none, on the first run's schedule moved to their windows."""

    run: int = Field(description="Run number, 1 = first.")
    window_start_day: float = Field(description="Day the run's window opens (days from today).")
    deadline_day: float = Field(description="Day by which the run must end.")
    start_day: float = Field(description="Day its first segment starts.")
    end_day: float = Field(description="Day its last segment ends.")
    flops: float = Field(description="Training FLOPs of the run.")
    energy_mwh: float = Field(description="Energy of the run, MWh.")
    tco2e: float = Field(description="Emissions of the run, tCO2e.")
    cost_usd: float = Field(description="Rental and electricity of the run, USD (procurement lines are separate).")


class Procurement(_Out):
    action: Literal["buy", "reserve"]
    item: str = Field(description="Server type or cloud offer reserved.")
    chip: str
    quantity_nodes: int
    unit_price_usd: float = Field(description="List price per node (buy) or whole-term fee per node (reserve), USD.")
    vendor: str
    order_by_day: float = Field(description="Day the order is placed (buy: today, as priced); reserve: term start.")
    delivery_day: float = Field(description="Day the nodes can run (buy: order + lead time).")
    payment_day: float = Field(description="Day the list price (buy) or the whole-term fee (reserve) is paid.")
    first_use_day: float = Field(description="Day the plan first runs on them.")
    end_day: float = Field(description="Buy: the horizon end (the last run's deadline), resale day under resell, "
                                        "valuation day under amortise; reserve: the term's end.")
    end_value_usd: float = Field(description="Buy: resale proceeds (resell) or book value kept (amortise) on "
                                             "end_day, all nodes, USD; reserve: 0.")
    capital_usd: float = Field(description="Paid minus end_value_usd, all nodes, USD (the reservation fee).")
    financing_usd: float = Field(description="Interest on the purchase price from payment to end_day, USD.")
    hosting_usd: float = Field(description="Colocation from delivery to end_day (at least the commitment), USD.")
    other_use_usd: float = Field(description="Income (negative) if the nodes did other work on every day held, USD; "
                                             "the days the plan uses them forgo it in the segments' costs.")
    charged_usd: float = Field(description="Net cost: capital + financing + hosting + other_use, USD.")


class PathSummary(_Out):
    id: str
    kind: Literal["scratch", "continue", "distill", "finetune", "lora", "adopt"]
    base: str | None
    teacher: str | None
    params: float
    tokens: float = Field(description="Tokens of the main training stage (real tokens, repeats included).")
    unique_tokens_bought: float = Field(description="Unique tokens bought or cleaned beyond those on hand.")
    licence: str | None


class ScenarioBounds(_Out):
    name: str
    deadline_days: float
    budget_usd: float | None
    target: dict
    target_loss: float | None = Field(description="The target as a loss under the planner's law (null = none).")
    objective: str
    program: dict = Field(default_factory=lambda: {"runs": 1, "every_days": None},
                          description="Runs on a cadence: runs (count), every_days (days between run windows).")


class Diagnosis(_Out):
    extra_budget_usd: float | None = None
    extra_days: float | None = None
    looser_target_loss: float | None = None
    more_quota: str | None = None
    quota_nodes: int | None = Field(None, description="Nodes every capped provider's quota must reach for a plan.")
    carbon_cap_tco2e: float | None = Field(None, description="The carbon cap, tCO2e, that would let a plan exist.")
    provider_share: float | None = Field(None, description="The largest provider's share of rental spend, fraction "
                                                           "0-1, in the plan found without the share cap.")
    message: str


# The same choices as PathSummary.kind and Segment.source (one list each to keep in step).
PathKindOut = PathSummary.model_fields["kind"].annotation
SourceOut = Segment.model_fields["source"].annotation


class Alternative(_Out):
    """One plan in the alternatives table: the chosen plan, the best on another path, or the best
    sourced the other way (cloud-only / owned hardware). Cluster fields describe its costliest
    segment; `segments` says how many it has."""

    kind: Literal["chosen", "other_path", "other_sourcing"]
    path_id: str
    path_kind: PathKindOut
    chip: str
    provider: str
    region: str = Field(description="Cloud region, or the site of owned/held servers.")
    source: SourceOut | None = Field(description="null: nothing to run (open weights adopted as released).")
    nodes: int = Field(description="Nodes of the costliest segment (0: nothing to run).")
    gpus_per_node: int
    segments: int = Field(description="Segments in the plan, all stages.")
    end_day: float = Field(description="Day the plan's last stage ends.")
    total_cost_usd: float
    delta_usd: float = Field(description="Cost minus the chosen plan's cost, USD.")


class Plan(_Out):
    schema_version: int = SCHEMA_VERSION
    status: Literal["optimal", "feasible", "infeasible"] = Field(
        description="optimal: proven (relative gap 1e-9); feasible: a time limit stopped the search (see gap; "
                    "null when the solver had no bound yet and the plan is the planner's simple plan); "
                    "infeasible: no plan meets every bound (see diagnosis).")
    gap: float | None = Field(None, description="(plan − best bound) / plan when status is feasible.")
    objective: str
    solver: str
    scenario: ScenarioBounds
    total_cost_usd: float | None = None
    cost_breakdown_usd: dict[str, float] = Field(default_factory=dict)
    predicted_loss: float | None = None
    end_day: float | None = Field(None, description="Day the last run ends.")
    energy_mwh: float | None = None
    tco2e: float | None = None
    path: PathSummary | None = None
    stages: list[StagePlan] = Field(default_factory=list, description="The first run's stages and segments.")
    later_stages: list[StagePlan] = Field(default_factory=list, description=(
        "A program's runs 2..R share this schedule (its own rent/own choices: e.g. on servers delivered "
        "after run 1 began), dated in run 2's window, days from today; run r is (r − 2) × every_days later. "
        "Segment costs, energy and GPU-hours are per run. Empty: every run repeats the first run's stages."))
    runs: list[RunPlan] = Field(default_factory=list, description="Every run of the program with its own dates.")
    data_steps: list[DataStep] = Field(default_factory=list,
                                       description="Data preparation and labelling the first run's stages wait on.")
    procurement: list[Procurement] = Field(default_factory=list)
    explanations: list[str] = Field(default_factory=list)
    alternatives: list[Alternative] = Field(default_factory=list, description=(
        "The chosen plan and the best plans on other paths and sourced the other way, cheapest first "
        "(from the explanation re-plans; more with --alternatives N; empty with --no-explain)."))
    diagnosis: Diagnosis | None = None
    model_size: dict[str, int] = Field(default_factory=dict, description="MIP variables and constraints.")

    def schedules(self) -> list[tuple[list[StagePlan], int]]:
        """(stages, how many runs they stand for): the first run's, and the later runs' when they have a
        schedule of their own (otherwise the first run's stands for every run)."""
        runs = int(self.scenario.program.get("runs") or 1)
        if self.later_stages:
            return [(self.stages, 1), (self.later_stages, runs - 1)]
        return [(self.stages, runs)]

    def all_segments(self) -> list[tuple[StagePlan, Segment, int]]:
        """Every segment of every schedule, with its stage and how many runs it stands for."""
        return [(st, seg, runs) for stages, runs in self.schedules() for st in stages for seg in st.segments]

