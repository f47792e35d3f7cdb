"""Typed JSON outputs of `plan candidates` and `plan catalog list` (the other commands' outputs are
Plan, Frontier, ShareResult and RunEstimate). Each carries `schema_version`; docs/schema/ holds
their JSON Schemas (planner.schemas)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from planner.catalog.rows import Chip, CloudOffer, OpenModel, OwnedHardware, Site
from planner.workload import PathKind

SCHEMA_VERSION = 1


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CandidateStage(_Out):
    name: str
    method: Literal["full", "lora", "qlora"]
    params: float = Field(description="Parameters of the model trained, count.")
    active_params: float = Field(description="Parameters used per token (mixture-of-experts), count.")
    tokens: float = Field(description="Training tokens of the stage.")
    teacher_params: float = Field(description="Teacher parameters for distillation (0 = none), count.")
    seq_len: int = Field(description="Tokens per training sequence.")
    flops: float = Field(description="Training FLOPs of the stage.")


class CandidateOut(_Out):
    id: str
    kind: PathKind
    predicted_loss: float = Field(description="Predicted loss of the finished model, nats/token.")
    flops: float = Field(description="Training FLOPs of all stages.")
    data_cost_usd: float = Field(description="Unique tokens bought or cleaned, USD.")
    labelling_cost_usd: float = Field(description="Labelled examples bought, USD.")
    inference_cost_usd: float = Field(description="Lifetime serving cost, USD (0 when the scenario states none).")
    params: float = Field(description="Parameters of the finished model, count.")
    tokens: float = Field(description="Tokens of the main training stage.")
    base: str | None = Field(description="Open model continued or tuned (null for scratch).")
    teacher: str | None = Field(description="Teacher model distilled from (null = none).")
    licence: str | None
    memory_need_bytes: float = Field(description="Training memory of the largest stage, bytes.")
    stages: list[CandidateStage]
    notes: list[str]


class CandidateTarget(_Out):
    loss: float = Field(description="Target loss, nats/token under the planner's law.")
    description: str
    notes: list[str]


class CandidatesOutput(_Out):
    schema_version: int = SCHEMA_VERSION
    scenario: str
    target: CandidateTarget | None
    generated: int = Field(description="Candidates generated before pruning.")
    after_pruning: int = Field(description="Candidates left after dropping dominated ones.")
    candidates: list[CandidateOut] = Field(description="Cheapest compute first, at most --limit.")
    refused: list[str] = Field(description="Options the quality laws refused, and why.")


class CatalogListing(_Out):
    schema_version: int = SCHEMA_VERSION
    table: Literal["chips", "offers", "hardware", "sites", "models"] | None = Field(
        description="The table listed (null: only the row counts).")
    counts: dict[str, int] = Field(description="Rows in each catalog table.")
    rows: list[Chip] | list[CloudOffer] | list[OwnedHardware] | list[Site] | list[OpenModel] = Field(
        description="The table's rows as in its CSV file (empty without a table).")
