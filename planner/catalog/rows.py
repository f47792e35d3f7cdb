"""One pydantic model per catalog file row, plus the Catalog that holds them.

Field names are the CSV column names. Types and simple bounds are checked by pydantic; checks that
look at plausibility (units) or at several fields are in each row's `problems()`, which the loader
runs so that a bad row is reported with its file, line, field and value.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

# A problem found by `problems()`: (field, value, what is wrong, how to fix it).
Problem = tuple[str, object, str, str]

AS_OF = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
MAX_USD_PER_GPU_HOUR = 200.0
# Power fallback for chips whose vendor publishes no TDP: BF16 TFLOPS per watt of the H100 SXM
# (989.4 TFLOPS at 700 W). See docs/catalogs.md.
FALLBACK_TFLOPS_PER_W = 989.4 / 700.0

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]


class Row(BaseModel):
    """Columns every catalog file shares: where a figure comes from and when it was true."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    id_field: ClassVar[str] = "id"

    notes: str | None = Field(None, description="Free-text caveats (optional column).")
    source: Text = Field(description="Paper, datasheet or price page of the figures; says so when derived or assumed.")
    as_of: str = Field(description="Date the figures were true or read: YYYY-MM or YYYY-MM-DD.")

    @field_validator("as_of")
    @classmethod
    def _date(cls, value: str) -> str:
        value = value.strip()
        if not AS_OF.match(value):
            raise ValueError("must be a date YYYY-MM or YYYY-MM-DD")
        return value

    @property
    def key(self) -> str:
        """The row's id (the value of its id column)."""
        return getattr(self, self.id_field)

    def problems(self) -> list[Problem]:
        """Plausibility and cross-field problems; empty when the row looks right."""
        return []


class Chip(Row):
    """An accelerator: peak dense throughput, memory, power and interconnect."""

    id: Text = Field(description="Chip id, SkyPilot naming (e.g. 'H100', 'A100-80GB', 'tpu-v5p').")
    vendor: Text = Field(description="Manufacturer.")
    bf16_tflops: Positive = Field(description="Peak dense BF16 tensor throughput, TFLOPS (V100: FP16).")
    fp8_tflops: Positive | None = Field(None, description="Peak dense FP8 throughput, TFLOPS; None when unsupported.")
    memory_gb: Positive = Field(description="Accelerator memory, GB (10^9 bytes).")
    memory_bw_tbps: Positive = Field(description="Memory bandwidth, TB/s.")
    tdp_w: Positive | None = Field(None, description="Board power (TDP), W; None where the vendor publishes none.")
    interconnect: Text = Field(description="Scale-up fabric between chips of a node.")
    scaleup_bw_gbps: Positive | None = Field(None, description="Scale-up bandwidth per chip, bidirectional, GB/s.")
    gpus_per_node: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Chips in a typical node or scale-up domain.")
    scaleup_domain: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Chips that share the scale-up link (NVLink/ICI domain), count; blank = the node.")
    scaleout_gbps_per_chip: Positive | None = Field(
        None, description="Scale-out network (InfiniBand/RoCE/EFA/DCN) per chip in the vendor's reference "
        "cluster, Gbit/s per direction; offers and servers may state their own per node.")
    network_source: str | None = Field(None, description="Where scaleup_domain and scaleout_gbps_per_chip come from.")

    @property
    def power_w(self) -> float:
        """TDP in W, or, where none is published, bf16_tflops / FALLBACK_TFLOPS_PER_W (an estimate)."""
        return self.tdp_w if self.tdp_w is not None else self.bf16_tflops / FALLBACK_TFLOPS_PER_W

    @property
    def power_is_estimate(self) -> bool:
        """True when power_w comes from the fallback rather than a published figure."""
        return self.tdp_w is None

    def problems(self) -> list[Problem]:
        found = []
        if self.bf16_tflops > 20_000:
            found.append(("bf16_tflops", self.bf16_tflops, "is above 20,000 TFLOPS",
                          "give TFLOPS (10^12 FLOP/s), dense, not FLOP/s or GFLOPS"))
        if self.fp8_tflops is not None and self.fp8_tflops < self.bf16_tflops:
            found.append(("fp8_tflops", self.fp8_tflops, f"is below bf16_tflops ({self.bf16_tflops})",
                          "check the FP8 peak, or leave it blank when the chip has no FP8"))
        if not 1 <= self.memory_gb <= 2_000:
            found.append(("memory_gb", self.memory_gb, "is outside 1-2,000 GB per chip",
                          "give GB per chip (not MB, not per node)"))
        if self.memory_bw_tbps > 100:
            found.append(("memory_bw_tbps", self.memory_bw_tbps, "is above 100 TB/s",
                          f"give TB/s: did you mean {self.memory_bw_tbps / 1000:g}?"))
        if self.tdp_w is not None and not 10 <= self.tdp_w <= 5_000:
            found.append(("tdp_w", self.tdp_w, "is outside 10-5,000 W per chip", "give watts per chip (not kW)"))
        return found


class CloudOffer(Row):
    """A cloud instance type in one region, in SkyPilot's vms.csv terms plus planning fields."""

    id_field: ClassVar[str] = "offer_id"

    offer_id: Text = Field(description="Unique id, e.g. 'aws-p5.48xlarge-us-east-1'.")
    provider: Text = Field(description="Cloud provider, e.g. 'AWS', 'GCP', 'Lambda'.")
    Region: Text = Field(description="Provider's region name ('unspecified' when the source gives none).")
    InstanceType: Text = Field(description="Provider's instance type name.")
    AcceleratorName: Text = Field(description="Chip id from chips.csv.")
    AcceleratorCount: Annotated[int, Field(ge=1)] = Field(description="Accelerators per instance (= per node).")
    Price: Positive = Field(description="On-demand price, USD per instance-hour.")
    SpotPrice: Positive | None = Field(None, description="Spot price, USD per instance-hour; None = no spot.")
    reserved_1y_usd_per_gpu_hour: Positive | None = Field(None, description="1-year commitment, USD per GPU-hour.")
    reserved_3y_usd_per_gpu_hour: Positive | None = Field(None, description="3-year commitment, USD per GPU-hour.")
    max_nodes: Annotated[int, Field(ge=1)] = Field(
        description="Instances a plan may rent at once; capacity_source says whose limit it is or labels it an assumption.")
    spot_interruptions_per_node_day: NonNegative | None = Field(
        None, description="Spot preemptions per instance per day (planner assumption); needed when SpotPrice is set.")
    site: Text = Field(description="Site id from sites.csv (electricity, carbon, PUE).")
    scaleout_gbps_per_node: Positive | None = Field(
        None, description="Scale-out network (EFA/InfiniBand/RoCE) per node, Gbit/s per direction; "
        "blank = the chip's reference figure per chip times the node size.")
    network_source: str | None = Field(None, description="Where scaleout_gbps_per_node comes from.")
    startup_minutes: NonNegative = Field(
        description="Provisioning and start-up before each segment trains (boot, image, checkpoint, rendezvous), "
                    "minutes; every node is billed for it.")
    min_billed_minutes: NonNegative = Field(description="Least time billed per node for a segment, minutes.")
    spot_max_nodes: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Spot instances one can expect to obtain at once (see capacity_source); None = no spot.")
    billing_source: Text = Field(description="Source of startup_minutes and min_billed_minutes, or 'assumption: ...'.")
    capacity_source: str | None = Field(
        None, description="Why max_nodes and spot_max_nodes are what they are: '<limit>: <source, page, date read>' "
                          "or 'assumption: <what the number stands for and why>', with 'spot_max_nodes: assumption' "
                          "when only max_nodes is sourced; blank = an unlabelled assumption.")

    def capacity_basis(self, field: str = "max_nodes") -> str:
        """What sets `field` (max_nodes or spot_max_nodes) in a few words: capacity_source up to its
        first colon, or 'assumption' when capacity_source is blank, says so, or says
        'spot_max_nodes: assumption' for the spot figure."""
        text = self.capacity_source or "assumption"
        if field == "spot_max_nodes" and "spot_max_nodes: assumption" in text:
            return "assumption"
        return text.split(":", 1)[0].strip()

    @property
    def chip(self) -> str:
        """Chip id of the accelerators."""
        return self.AcceleratorName

    @property
    def gpus_per_node(self) -> int:
        """Accelerators per instance."""
        return self.AcceleratorCount

    @property
    def on_demand_usd_per_gpu_hour(self) -> float:
        """On-demand USD per GPU-hour."""
        return self.Price / self.AcceleratorCount

    @property
    def spot_usd_per_gpu_hour(self) -> float | None:
        """Spot USD per GPU-hour, or None when the offer has no spot price."""
        return None if self.SpotPrice is None else self.SpotPrice / self.AcceleratorCount

    def problems(self) -> list[Problem]:
        found = []
        per_gpu = {"Price": self.on_demand_usd_per_gpu_hour, "SpotPrice": self.spot_usd_per_gpu_hour,
                   "reserved_1y_usd_per_gpu_hour": self.reserved_1y_usd_per_gpu_hour,
                   "reserved_3y_usd_per_gpu_hour": self.reserved_3y_usd_per_gpu_hour}
        for field, price in per_gpu.items():
            if price is not None and price > MAX_USD_PER_GPU_HOUR:
                found.append((field, getattr(self, field),
                              f"is {price:,.2f} USD per GPU-hour, above {MAX_USD_PER_GPU_HOUR:g}",
                              "Price and SpotPrice are USD per instance-hour, reserved prices USD per GPU-hour; "
                              "check the units and AcceleratorCount"))
        on_demand = self.on_demand_usd_per_gpu_hour
        for field, price in list(per_gpu.items())[1:]:
            if price is not None and price > on_demand:
                found.append((field, getattr(self, field),
                              f"is {price:.4g} USD per GPU-hour, above on-demand ({on_demand:.4g})",
                              "check the value, or leave it blank when there is no discount"))
        if self.SpotPrice is not None and self.spot_max_nodes is None:
            found.append(("spot_max_nodes", None, "is empty but the offer has a SpotPrice",
                          "give the spot nodes one can expect at once (docs/catalogs.md gives the default assumption)"))
        if self.SpotPrice is not None and self.spot_interruptions_per_node_day is None:
            found.append(("spot_interruptions_per_node_day", None, "is empty but the offer has a SpotPrice",
                          "give an interruption rate per node-day (docs/catalogs.md gives the default assumption)"))
        return found


class OwnedHardware(Row):
    """A server type that can be bought: price, power and how long it lasts."""

    id: Text = Field(description="Server id, e.g. 'dgx-h100', 'hgx-a100-80gb'.")
    accelerator: Text = Field(description="Chip id from chips.csv.")
    gpus_per_node: Annotated[int, Field(ge=1)] = Field(description="Accelerators per server (node).")
    server_usd: Positive = Field(description="Server purchase price, USD per node.")
    network_usd_per_node: NonNegative = Field(description="Share of the cluster interconnect, USD per node.")
    capex_usd_per_node: Positive = Field(description="server_usd + network_usd_per_node, USD per node.")
    power_kw_per_node: Positive = Field(description="Server power at full load, kW per node (before PUE).")
    lead_time_days: NonNegative = Field(description="Days from order to a running node.")
    life_years: Annotated[float, Field(gt=0, le=20)] = Field(description="Useful life for amortisation, years.")
    resale_fraction_per_year: Annotated[float, Field(gt=0, lt=1)] = Field(
        description="Fraction of the server's market value LOST per year (0.2756 = 28%/yr); "
                    "value after t years = (1 - f)^t.")
    resale_recovery_fraction: Annotated[float, Field(gt=0, le=1)] = Field(
        description="Share of the market value a seller realises (broker margin, de-installation, shipping).")
    hosting_usd_per_node_month: NonNegative = Field(
        description="Colocation / hosting, USD per node-month, electricity excluded.")
    vendor: Text = Field(description="Who sells it.")
    scaleout_gbps_per_node: Positive | None = Field(
        None, description="Scale-out network (EFA/InfiniBand/RoCE) per node, Gbit/s per direction; "
        "blank = the chip's reference figure per chip times the node size.")
    network_source: str | None = Field(None, description="Where scaleout_gbps_per_node comes from.")
    paid_on: Literal["order", "delivery"] = Field(
        description="When the purchase price is paid: on order (day 0) or on delivery (after lead_time_days); "
                    "financing runs from that day.")
    hosting_min_months: NonNegative = Field(
        description="Colocation commitment, months: hosting is paid for at least this long per bought node.")
    terms_source: Text = Field(description="Source of paid_on and hosting_min_months, or 'assumption: ...'.")

    def resale_value_fraction(self, years: float) -> float:
        """Fraction of the purchase price a sale realises after `years`: market value × recovery."""
        return self.resale_recovery_fraction * (1.0 - self.resale_fraction_per_year) ** years

    def problems(self) -> list[Problem]:
        found = []
        expected = self.server_usd + self.network_usd_per_node
        if abs(self.capex_usd_per_node - expected) > 1.0:
            found.append(("capex_usd_per_node", self.capex_usd_per_node,
                          f"is not server_usd + network_usd_per_node = {expected:,.2f}",
                          "make capex_usd_per_node the sum of the two"))
        if not 0.05 <= self.power_kw_per_node <= 500:
            found.append(("power_kw_per_node", self.power_kw_per_node, "is outside 0.05-500 kW per node",
                          "give kW per node (not W)"))
        if self.server_usd / self.gpus_per_node < 500:
            found.append(("server_usd", self.server_usd, "is under 500 USD per GPU",
                          "give USD per node (not thousands of USD)"))
        return found


class Site(Row):
    """Where hardware runs: what electricity costs, how clean it is, and the facility overhead."""

    id: Text = Field(description="Site id, e.g. 'us-virginia', 'de-frankfurt'.")
    country: Text = Field(description="ISO 3166 country code.")
    electricity_usd_per_kwh: Positive = Field(description="Electricity price, USD per kWh.")
    carbon_g_per_kwh: NonNegative = Field(description="Grid carbon intensity, g CO2 per kWh.")
    pue: Annotated[float, Field(ge=1.0, le=3.0)] = Field(description="Power usage effectiveness (facility / IT power).")

    def problems(self) -> list[Problem]:
        found = []
        if self.electricity_usd_per_kwh > 2:
            found.append(("electricity_usd_per_kwh", self.electricity_usd_per_kwh, "is above 2 USD per kWh",
                          f"give USD per kWh, not cents: did you mean {self.electricity_usd_per_kwh / 100:g}?"))
        if self.carbon_g_per_kwh > 1_500:
            found.append(("carbon_g_per_kwh", self.carbon_g_per_kwh, "is above 1,500 g per kWh", "give grams per kWh"))
        elif 0 < self.carbon_g_per_kwh < 1.5:
            found.append(("carbon_g_per_kwh", self.carbon_g_per_kwh, "is below 1.5 g per kWh",
                          f"give grams, not kg: did you mean {self.carbon_g_per_kwh * 1000:g}?"))
        return found


class OpenModel(Row):
    """An open-weights base model that can be fine-tuned, continued or used as a teacher."""

    id: Text = Field(description="Model id, e.g. 'llama-3-8b'.")
    params_total: Positive = Field(description="All parameters (sets memory), count.")
    params_active: Positive = Field(description="Parameters used per token (sets FLOPs); = params_total if dense.")
    training_tokens: Positive | None = Field(None, description="Pretraining tokens; None when undisclosed.")
    licence: Text = Field(description="Licence of the weights.")
    commercial_use: bool = Field(description="Whether the licence allows commercial use.")
    n_layers: Annotated[int, Field(ge=1)] | None = Field(None, description="Transformer layers, count (config).")
    d_model: Annotated[int, Field(ge=1)] | None = Field(None, description="Hidden width, count (config).")
    n_heads: Annotated[int, Field(ge=1)] | None = Field(None, description="Attention heads, count (config).")
    d_ff: Annotated[int, Field(ge=1)] | None = Field(None, description="FFN (or expert) width, count (config).")
    experts: Annotated[int, Field(ge=1)] | None = Field(None, description="Routed experts per MoE layer, count; 1 = dense.")
    top_k: Annotated[int, Field(ge=1)] | None = Field(None, description="Experts per token, count; 1 = dense.")
    config_source: str | None = Field(None, description="Where the shape columns come from (config.json).")

    @property
    def shape(self) -> tuple[int, int, int, int, int, int] | None:
        """(n_layers, d_model, n_heads, d_ff, experts, top_k) when the config is in the catalog."""
        values = (self.n_layers, self.d_model, self.n_heads, self.d_ff, self.experts or 1, self.top_k or 1)
        return None if None in values else values

    def problems(self) -> list[Problem]:
        found = []
        for field in ("params_total", "params_active"):
            value = getattr(self, field)
            if value < 1e6:
                found.append((field, value, "is below 1e6 parameters",
                              f"give a count of parameters: did you mean {value:g}e9?"))
        if self.training_tokens is not None and self.training_tokens < 1e6:
            found.append(("training_tokens", self.training_tokens, "is below 1e6 tokens",
                          f"give a count of tokens: did you mean {self.training_tokens:g}e12?"))
        if self.params_active > self.params_total:
            found.append(("params_active", self.params_active, f"is above params_total ({self.params_total:g})",
                          "params_active is at most params_total (equal for dense models)"))
        return found


class Catalog(BaseModel):
    """Every catalog table, keyed by id. Treat it as read-only: the default load is shared."""

    model_config = ConfigDict(frozen=True)

    chips: dict[str, Chip]
    offers: dict[str, CloudOffer]
    hardware: dict[str, OwnedHardware]
    sites: dict[str, Site]
    models: dict[str, OpenModel]
