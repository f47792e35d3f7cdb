"""A scenario: one team's question, read from YAML and validated.

Units live in the field names (`deadline_days`, `budget_usd`, `unique_tokens`, ...). Models are
strict (unknown fields are errors) so a typo never silently falls back to a default.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, ConfigDict, Field, NonNegativeInt, PositiveFloat, ValidationError, field_validator,
                      model_validator)

from planner.errors import CONTROL_CHARACTERS, InputError, pydantic_errors
from planner.limits import FIELD_MAX, GRID_MAX, MEMBERS_MAX, MFU_FACTOR_MAX, NUMBER_MAX, SCENARIO_MAX_BYTES
from planner.yamlfile import load_yaml_file

# A labelled example is typically about 1,000 tokens; 1e9 examples of at most 1e6 tokens each stay
# within the compute model's 1e15-token range.
MAX_LABELLED_EXAMPLES = 1_000_000_000

PathKindName = Literal["scratch", "continue", "distill", "finetune", "lora", "adopt"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_or_control(cls, value, info):
        """Refuse true/false where a number or text is expected (YAML reads `yes` as true, which
        pydantic would take as 1), anything but true/false for a yes/no field, and control characters in text (they would reach the terminal)."""
        annotation = cls.model_fields[info.field_name].annotation
        if annotation is bool and not isinstance(value, bool):
            raise ValueError("give true or false")
        for item in _leaves(value, nested=not _holds_model(annotation)):
            if isinstance(item, bool) and not _mentions(annotation, bool):
                raise ValueError(f"{str(item).lower()} where a number or text is expected; give the value itself")
            if isinstance(item, str) and CONTROL_CHARACTERS.search(item.replace("\n", "").replace("\t", "")):
                raise ValueError("text contains a control character; remove it")
            number = _as_number(item) if _mentions(annotation, float) or _mentions(annotation, int) else None
            most = FIELD_MAX.get(info.field_name, NUMBER_MAX)
            if number is not None and most < abs(number) < math.inf:  # inf and nan: pydantic's finite check
                raise ValueError(f"{number:g} is above the most this field can plausibly be ({most:g}); check the unit")
        return value


def _as_number(item) -> float | None:
    if isinstance(item, bool) or not isinstance(item, (int, float, str)):
        return None
    try:
        return float(item)
    except (ValueError, OverflowError):
        return None


def _leaves(value, nested: bool) -> list:
    """value, and when `nested` the items of its lists and the keys and values of its mappings."""
    if not nested or not isinstance(value, (list, tuple, dict)):
        return [value]
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else list(value)
    return [leaf for item in items for leaf in _leaves(item, True)]


def _mentions(annotation, kind) -> bool:
    return annotation is kind or any(_mentions(arg, kind) for arg in typing.get_args(annotation))


def _holds_model(annotation) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_model(arg) for arg in typing.get_args(annotation))


class Benchmark(Strict):
    name: str = Field(description="Benchmark whose score is mapped from loss (see docs/quality.md).")
    score: float = Field(description="Required score (accuracy, 0-1).", gt=0, lt=1)


class Target(Strict):
    """Exactly one of: a loss, 'at least as good as' an open model, or a benchmark score."""

    loss: float | None = Field(None, gt=0, lt=20, description="Target loss, nats/token on the law's reference data.")
    like: str | None = Field(None, description="Open model id from catalogs/models.csv to match.")
    benchmark: Benchmark | None = Field(None, description="A benchmark score to reach, mapped to a loss (docs/quality.md).")
    max_params: float | None = Field(
        None, ge=1e6, description="Largest finished model allowed, total parameters (e.g. what the serving "
                                  "hardware holds); null = any size.")
    min_params: float | None = Field(None, ge=1e6, description="Smallest finished model allowed, total parameters.")
    domain: str | None = Field(
        None, description="Text the target is stated on: a domain of catalogs/scaling_laws.yaml 'domains' "
                          "(web, legal, medical, code); the loss is then that domain's loss, nats/token on the "
                          "pretraining law's scale (docs/quality.md); null = the law's own text.")
    domain_gap_nats: float | None = Field(
        None, ge=0, le=2, description="Excess domain loss of a model trained on general text over one trained on "
                                      "as many domain tokens, nats/token; null = the catalog's value for the domain.")

    @field_validator("domain")
    @classmethod
    def _known_domain(cls, v: str | None) -> str | None:
        from planner.quality.domain import domain_names  # the catalog's domains (scaling_laws.yaml)

        if v is not None and v not in domain_names():
            raise ValueError(f"unknown domain '{v}': give one of {', '.join(domain_names())}")
        return v

    @model_validator(mode="after")
    def _one(self):
        given = [k for k in ("loss", "like", "benchmark") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give exactly one of loss, like, benchmark (got {', '.join(given)})")
        if self.domain_gap_nats is not None and self.domain is None:
            raise ValueError("domain_gap_nats needs a domain (e.g. domain: legal)")
        if self.max_params is not None and self.min_params is not None and self.min_params > self.max_params:
            raise ValueError(f"min_params {self.min_params:g} is above max_params {self.max_params:g}")
        return self

    def kept_fields(self) -> dict[str, object]:
        """max_params, min_params and the domain as given (kept when the target value is replaced)."""
        return self.model_dump(include={"max_params", "min_params", "domain", "domain_gap_nats"}, exclude_none=True)

    def fits(self, params: float) -> bool:
        """Whether a finished model of `params` total parameters is within max_params / min_params."""
        return ((self.max_params is None or params <= self.max_params)
                and (self.min_params is None or params >= self.min_params))

    @property
    def empty(self) -> bool:
        return self.loss is None and self.like is None and self.benchmark is None


def _plausible_tokens(v: float) -> float:
    if 0 < v < 1e6:
        raise ValueError(f"{v:g} tokens is implausibly few; did you mean {v:g}e9?")
    return v


class Data(Strict):
    unique_tokens: float = Field(0.0, ge=0, description="Unique pretraining-quality tokens on hand.")
    extra_tokens_usd_per_billion: float | None = Field(
        None, ge=0, description="Price to buy or clean one billion more unique tokens; null = cannot buy."
    )
    max_extra_tokens: float | None = Field(None, ge=0, description="Most extra unique tokens that can be bought.")
    labelled_examples_on_hand: int = Field(0, ge=0, description="Labelled examples already owned.")
    labelled_examples_needed: int = Field(0, ge=0, le=MAX_LABELLED_EXAMPLES,
                                          description="Labelled examples the task tuning needs (0 = none).")
    labelled_example_usd: float = Field(0.0, ge=0, description="Price per labelled example bought, USD.")
    tokens_per_example: float = Field(1000.0, ge=1, le=1e6, description="Average tokens per labelled example.")
    labelling_examples_per_day: float | None = Field(
        None, gt=0, description="Labelling throughput once started, examples per day (null = no time).")
    labelling_lead_time_days: float = Field(
        0.0, ge=0, le=3650, description="Days before labelling starts (vendor contracting, guidelines), days.")
    preparation_tokens_per_day: float | None = Field(
        None, gt=0, description="Rate at which bought or cleaned tokens are prepared (filtered, deduplicated, "
                                "tokenised), tokens per day (null = no time).")

    _tokens = field_validator("unique_tokens")(_plausible_tokens)


def chip_factor(factors: dict[str, float], chip_id: str) -> float:
    """The factor of `chip_id` in a per-chip mapping: its own entry, else '*', else 1."""
    return factors.get(chip_id, factors.get("*", 1.0))


class Policy(Strict):
    providers: list[str] | None = Field(None, min_length=1, description="Allowed cloud providers (null = all).")
    regions: list[str] | None = Field(None, min_length=1, description="Allowed regions / sites (null = all).")
    chips: list[str] | None = Field(None, min_length=1, description="Allowed chip ids (null = all).")
    spot_allowed: bool = Field(True, description="May the plan rent interruptible spot capacity?")
    reserved_allowed: bool = Field(True, description="May the plan reserve cloud capacity for a term (fee per node)?")
    buy_allowed: bool = Field(True, description="May the plan buy hardware?")
    cloud_allowed: bool = Field(True, description="May the plan rent cloud capacity?")
    commercial_use: bool = Field(True, description="The model will be used commercially: licences must allow it.")
    carbon_cap_tco2e: float | None = Field(None, gt=0, description="Cap on training emissions, tonnes CO2e.")
    max_provider_share: float | None = Field(None, gt=0, le=1, description="Cap on any one provider's share of "
                                                                         "compute spend (rental; reserved nodes at "
                                                                         "their reservation price per GPU-hour "
                                                                         "used), fraction 0-1.")
    max_nodes_per_provider: dict[str, NonNegativeInt] | None = Field(None, description="Quota: most nodes per provider.")
    paths: list[PathKindName] | None = Field(None, min_length=1, description="Path kinds to consider (null = all).")
    precision: Literal["bf16", "fp8"] = Field("bf16", description="Training number format: bf16, or fp8 on chips "
                                                                  "that support it.")
    global_batch_tokens: float | None = Field(
        None, gt=0, le=1e9, description="Global batch per optimiser step, tokens, for every stage; it caps data "
        "parallelism (null: each stage's DeepSeek 2024 B_opt, planner.compute.batch).")
    allow_uncalibrated_chips: bool = Field(
        False, description="May plans use chips with no measured training throughput (GEMM efficiency "
        "borrowed from other families; planner.compute.mfu)? Default no.")
    mfu_factor: dict[str, Annotated[float, Field(gt=0, le=MFU_FACTOR_MAX)]] | None = Field(
        None, description=f"Your stack's measured training throughput over the compute model's, per chip id "
        f"(a chip's own entry wins over '*', which covers the others), a ratio in (0, {MFU_FACTOR_MAX:g}]: 0.7 "
        "means 70 % of the failure-free tokens/s `plan estimate` predicts for the same model, chip and GPU count, "
        "so the failure-free hours on that chip are divided by 0.7 (goodput is recomputed on the longer job). "
        "Get it with `plan estimate ... --gpus N --measured-tokens-per-s X` (null: 1).")

    def speed(self, chip_id: str) -> float:
        """mfu_factor of `chip_id` (chip_factor)."""
        return chip_factor(self.mfu_factor or {}, chip_id)

    def sets_speed(self, chip_id: str) -> bool:
        """Whether mfu_factor names `chip_id` or '*' (a factor of exactly 1 is still a stated speed)."""
        return bool(self.mfu_factor) and (chip_id in self.mfu_factor or "*" in self.mfu_factor)


class HeldHardware(Strict):
    hardware: str = Field(description="Server type id from catalogs/hardware.csv.")
    nodes: int = Field(gt=0, description="Nodes already owned (sunk cost, free to use).")
    site: str | None = Field(None, description="Site id where they run (default: ownership.site).")


class OtherUse(Strict):
    """What idle node-days of bought servers earn (other teams' jobs, leasing out)."""

    share: float = Field(ge=0, le=1, description="Share of idle node-days put to other use (fraction, 0-1).")
    usd_per_node_day: float = Field(ge=0, description="What one such node-day is worth, USD per node-day.")


class Ownership(Strict):
    accounting: Literal["amortise", "resell"] = Field(
        "amortise",
        description="Both hold bought servers from delivery to the horizon end (the last run's deadline), idle "
        "or not. amortise: kept afterwards, charged capex x days held / useful life (days); resell: sold on the "
        "horizon's last day, charged capex minus resale proceeds (USD).",
    )
    site: str = Field("us-virginia", description="Site id where bought hardware is hosted.")
    financing_rate_per_year: float = Field(
        0.0, ge=0, le=1,
        description="Cost of capital on the purchase price, fraction per year (simple interest from the catalog "
        "row's payment day to the horizon end; 0 = paid from cash with no cost).",
    )
    horizon_days: float | None = Field(
        None, gt=0, le=7300,
        description="Day bought servers are sold (resell) or valued at book value (amortise), days from today; "
                    "null = the last run's deadline. Must not come before it.")
    other_use: OtherUse | None = Field(
        None, description="Declared use of idle node-days (share, USD per node-day); none = idle days earn nothing.")


class Program(Strict):
    """Training repeated on a cadence: run r (r = 0..runs-1) starts no earlier than day r x every_days and must
    end by day deadline_days + r x every_days; bought servers are held through the last run."""

    runs: int = Field(1, ge=1, le=100, description="Number of training runs (count).")
    every_days: float | None = Field(
        None, gt=0, le=3650,
        description="Days between the starts of successive runs' windows (null = deadline_days: back to back).")


class Inference(Strict):
    lifetime_tokens: float = Field(0.0, ge=0, description="Tokens the model will serve over its life (0 = ignore).")
    usd_per_gpu_hour: float = Field(2.5, gt=0, description="Serving price, USD per GPU-hour.")
    chip: str = Field("H100", description="Serving chip id.")
    mfu: float = Field(0.3, gt=0, le=1, description="Serving utilisation, fraction 0-1 (decode is well below "
                                                     "training MFU).")


class QualityLaw(Strict):
    pretrain: Literal["epoch", "hoffmann"] = Field(
        "epoch", description="Pretraining loss law: epoch (Besiroglu et al. 2024 refit of Chinchilla) or hoffmann "
                             "(Hoffmann et al. 2022 as printed); docs/quality.md.")
    overrides: dict[str, PositiveFloat] = Field(default_factory=dict,
                                                description="Replace law constants (each > 0), e.g. {E: 1.8}: "
                                                            "the law's units (loss terms in nats per token, exponents unitless).")


class Search(Strict):
    params_grid: list[PositiveFloat] | None = Field(None, min_length=1, max_length=GRID_MAX,
                                                    description="Model sizes, parameters, to consider for "
                                                                "scratch/distill paths.")
    tokens_per_param_grid: list[PositiveFloat] | None = Field(
        None, min_length=1, max_length=GRID_MAX, description="Training tokens per parameter to consider for scratch/distill paths.")

    @field_validator("params_grid")
    @classmethod
    def _plausible(cls, v):
        for p in v or []:
            if p < 1e6:
                raise ValueError(f"{p:g} parameters is implausibly small; did you mean {p:g}e9?")
        return v


class Member(Strict):
    """A consortium member: its own target, deadline, budget and what it brings."""

    name: str = Field(description="Member name, unique in the consortium (text).")
    target: Target = Field(default_factory=Target, description="The member's own quality target (empty: the "
                                                                "consortium's target).")
    deadline_days: float | None = Field(None, gt=0, le=3650, description="The member's deadline, days from today "
                                                                          "(null = the scenario's).")
    budget_usd: float | None = Field(None, gt=0, description="The member's budget, USD (null = no cap); the "
                                                              "consortium's budget is the members' sum.")
    labelled_examples_needed: int = Field(0, ge=0, le=MAX_LABELLED_EXAMPLES,
                                          description="Labelled examples this member's task tuning needs (count).")
    brings_tokens: float = Field(0.0, ge=0, description="Unique tokens contributed to the pool.")
    brings_hardware: list[HeldHardware] = Field(default_factory=list,
                                                description="Servers the member contributes to the pool.")
    brings_cash_usd: float = Field(0.0, ge=0, description="Cash contributed, USD: added to the consortium's budget.")
    cap_share_at_budget: bool = Field(False, description="Ask that the allocated share not exceed budget_usd.")

    _tokens = field_validator("brings_tokens")(_plausible_tokens)


class Scenario(Strict):
    name: str = Field(description="Scenario id shown in every output (text).")
    description: str = Field("", description="One-line summary shown in reports (text).")
    target: Target = Field(default_factory=Target, description="Quality to reach: one of loss, like or benchmark "
                                                                "(empty: best quality within the budget).")
    deadline_days: float = Field(gt=0, le=3650, description="Days from today by which training must end.")
    budget_usd: float | None = Field(None, gt=0, description="Most the plan may cost, USD (null = no cap).")
    objective: Literal["cost", "quality", "time"] = Field(
        "cost", description="cost: cheapest plan meeting target and deadline; quality: lowest loss within budget "
                            "and deadline; time: earliest end within budget.")
    data: Data = Field(default_factory=Data, description="Training data on hand, and what more costs.")
    policy: Policy = Field(default_factory=Policy, description="What the plan may use: providers, regions, chips, "
                                                                "sourcing, paths, caps.")
    owned_hardware: list[HeldHardware] = Field(default_factory=list,
                                               description="Servers already owned: sunk cost, free to use.")
    ownership: Ownership = Field(default_factory=Ownership, description="How bought hardware is charged, and "
                                                                         "where it is hosted.")
    staff_usd_per_month: float = Field(0.0, ge=0, description="Team cost, USD per month, from day 0 to the plan's end.")
    staff_min_days: float = Field(
        0.0, ge=0, le=7300, description="Shortest calendar the team is paid for, days (a team hired for a fixed term).")
    failures_per_node_day: float | None = Field(
        None, ge=0, le=10,
        description="Job-interrupting hardware failures per node-day (null = the compute model's 3.8e-3, from "
                    "Llama 3's 54-day run on 16,384 H100; Kokolis et al. 2024 measured 2.3e-3 and 6.5e-3 on A100).",
    )
    program: Program = Field(
        default_factory=Program,
        description="Runs on a cadence: {runs: count, every_days: days between run windows}; deadline_days is "
                    "each run's deadline from its window's start.")
    inference: Inference = Field(default_factory=Inference, description="Serving after training: lifetime tokens "
                                                                         "add serving cost, favouring smaller models.")
    quality_law: QualityLaw = Field(default_factory=QualityLaw, description="Which scaling law predicts loss, and "
                                                                            "overrides of its constants.")
    search: Search = Field(default_factory=Search, description="Model sizes and tokens per parameter tried for "
                                                               "scratch and distill paths.")
    members: list[Member] = Field(default_factory=list, max_length=MEMBERS_MAX, description="Consortium members training one model "
                                                                    "together (`plan share` splits its cost).")

    @model_validator(mode="after")
    def _consistent(self):
        p = self.policy
        if not p.cloud_allowed and not p.buy_allowed and not self.owned_hardware:
            raise ValueError("policy forbids both cloud and buying, and no hardware is owned: nothing can run")
        names = [m.name for m in self.members]
        if len(set(names)) < len(names) or not all(n.strip() for n in names):
            raise ValueError(f"members need distinct, non-empty names (got {names})")
        if self.members and self.target.empty and any(m.target.empty for m in self.members):
            nameless = next(m.name for m in self.members if m.target.empty)
            raise ValueError(f"member '{nameless}' has no target: give each member a target, or one target for "
                             "the whole consortium (a cost split needs a quality every coalition must reach)")
        if self.target.empty and self.budget_usd is None and not self.members:
            raise ValueError("give a target (loss, like or benchmark) or a budget to maximise quality within")
        if self.program.every_days is not None and self.program.every_days < self.deadline_days \
                and self.program.runs > 1:
            raise ValueError(f"program.every_days {self.program.every_days:g} is shorter than deadline_days "
                             f"{self.deadline_days:g}: runs would overlap; set deadline_days to at most every_days")
        h = self.ownership.horizon_days
        if h is not None and h < last_deadline_day(self) - 1e-9:
            raise ValueError(f"ownership.horizon_days {h:g} comes before the last run's deadline, day "
                             f"{last_deadline_day(self):g}: bought servers are held through every run")
        if self.objective == "cost" and self.target.empty and not self.members:
            # `plan x.yaml --budget B` with no target maximises quality within the budget.
            object.__setattr__(self, "objective", "quality")
        return self


def load_scenario(path: str | Path, sets: Mapping[str, Any] | None = None) -> Scenario:
    """Read and validate a scenario YAML file, with `--set` changes (planner.overrides) applied
    before validation; every problem becomes an InputError naming the file."""
    raw = load_yaml_file(path, SCENARIO_MAX_BYTES, "scenario")
    if not isinstance(raw, dict):
        raise InputError(str(path), "expected a mapping of fields at the top level", "see scenarios/ for examples")
    return validate_scenario(raw, str(path), sets)


def validate_scenario(raw: Mapping[str, Any], where: str, sets: Mapping[str, Any] | None = None) -> Scenario:
    """A Scenario from a mapping (a YAML file's, or a Python dict) with `sets` applied first; a bad
    field names `where`, or the `--set` that gave the value."""
    from planner.overrides import apply_sets

    data = apply_sets(raw, sets, Scenario) if sets else raw
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        loc = ".".join(str(p) for p in exc.errors()[0].get("loc", ()))
        given = [k for k in sets or {} if loc == k or loc.startswith(k + ".")]
        raise pydantic_errors(f"{where} with --set {given[0]}" if given else where, exc) from None


def with_overrides(scenario: Scenario, **changes) -> Scenario:
    """A copy with CLI overrides applied (None values are ignored) and validated again."""
    if changes.get("target_loss") is not None and changes.get("target_like") is not None:
        raise InputError("--target-loss, --target-like", "give one target, not both",
                         "keep the one you mean (the scenario's own target is replaced by it)")
    data = scenario.model_dump()
    program = {"program_runs": "runs", "every_days": "every_days"}
    for key, value in changes.items():
        if key in program and value is not None:
            data["program"] = {**data["program"], program[key]: value}
            continue
        if value is None:
            continue
        if key == "target_loss":
            data["target"] = {**scenario.target.kept_fields(), "loss": value}
        elif key == "target_like":
            data["target"] = {**scenario.target.kept_fields(), "like": value}
        else:
            data[key] = value
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise pydantic_errors("command line", exc) from None


def every_days(scenario: Scenario) -> float:
    """Days between the starts of successive runs' windows."""
    p = scenario.program
    return scenario.deadline_days if p.every_days is None else p.every_days


def last_deadline_day(scenario: Scenario) -> float:
    """The last run's deadline, days from today."""
    return scenario.deadline_days + (scenario.program.runs - 1) * every_days(scenario)


def horizon_day(scenario: Scenario) -> float:
    """The day bought servers are held to: ownership.horizon_days, else the last run's deadline."""
    h = scenario.ownership.horizon_days
    return last_deadline_day(scenario) if h is None else h
