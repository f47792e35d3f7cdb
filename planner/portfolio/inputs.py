"""A portfolio: several training projects over one calendar, sharing bought and reserved capacity.

Each project is a scenario as `plan` reads it (a path to its YAML file, relative to the portfolio's
file, or the scenario inline) placed on the portfolio's calendar: it may start on `start_day` and its
first run must end by `deadline_day` (days from the portfolio's day 0). Ownership (how bought servers
are charged, where they are hosted) and the provider filter are the portfolio's, shared by every
project; the organisation's capital budget is per period (a quarter by default).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from planner.errors import InputError, pydantic_errors
from planner.limits import SCENARIO_MAX_BYTES
from planner.scenario import Ownership, Scenario, Strict, last_deadline_day, validate_scenario
from planner.yamlfile import load_yaml_file

PROJECTS_MAX = 200
DAYS_PER_QUARTER = 365.0 / 4


class ProjectInput(Strict):
    name: str = Field(min_length=1, description="Project name, unique in the portfolio (text).")
    scenario: str | dict[str, Any] = Field(
        description="The project's scenario: a YAML file path relative to the portfolio file, or its fields "
                    "inline (text path or mapping). Its deadline_days is replaced by deadline_day − start_day.")
    start_day: float = Field(0.0, ge=0, le=3650, description="First day the project may train, days from the "
                                                             "portfolio's day 0.")
    deadline_day: float | None = Field(
        None, gt=0, le=7300, description="Day its first run must end by, days from the portfolio's day 0 "
                                         "(null: start_day + the scenario's deadline_days).")
    due_day: float | None = Field(
        None, gt=0, le=7300, description="Day after which each day late costs late_usd_per_day, days from day 0 "
                                         "(null: no penalty; deadline_day stays the hard limit).")
    late_usd_per_day: float = Field(0.0, ge=0, description="Penalty per day the first run ends after due_day, "
                                                           "USD per day per run.")
    budget_usd: float | None = Field(None, gt=0, description="Cap on the project's own spend (everything but the "
                                                              "shared capacity), USD (null: the scenario's budget).")

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_or_control(cls, value, info):
        """Strict's checks, except for an inline scenario: the scenario's own fields check it."""
        if info.field_name == "scenario":
            return value
        return Strict._no_bool_or_control.__func__(cls, value, info)


class Portfolio(Strict):
    name: str = Field(description="Portfolio id shown in every output (text).")
    description: str = Field("", description="One-line summary (text).")
    projects: list[ProjectInput] = Field(min_length=1, max_length=PROJECTS_MAX,
                                         description="The projects on the roadmap (list).")
    ownership: Ownership = Field(default_factory=Ownership, description="How bought servers are charged and "
                                 "where they are hosted, for every project; horizon_days: the day they are held "
                                 "to, days from day 0 (null: the last project's last deadline).")
    providers: list[str] | None = Field(None, min_length=1, description="Cloud providers every project may rent "
                                                                        "from (null: each project's own policy).")
    budget_usd: float | None = Field(None, gt=0, description="Cap on the whole portfolio's cost, USD (null = none).")
    capital_budget_usd_per_period: float | None = Field(
        None, gt=0, description="Most list price of servers bought plus reservation fees signed in one period, USD "
                                "per period (null = none).")
    period_days: float = Field(DAYS_PER_QUARTER, gt=0, le=3650,
                               description="Length of a budget period and the grid servers are ordered on, days "
                                           "(default a quarter, 91.25).")

    @model_validator(mode="after")
    def _distinct(self):
        names = [p.name for p in self.projects]
        if len(set(names)) < len(names):
            raise ValueError(f"projects need distinct names (got {names})")
        return self


def load_portfolio(path: str | Path) -> tuple[Portfolio, list[Scenario]]:
    """The portfolio and each project's scenario placed on its calendar; every problem is an InputError
    naming the file, the field and the value."""
    raw = load_yaml_file(path, SCENARIO_MAX_BYTES, "portfolio")
    if not isinstance(raw, dict):
        raise InputError(str(path), "expected a mapping of fields at the top level", "see scenarios/portfolios/roadmap.yaml")
    return validate_portfolio(raw, str(path), Path(path).parent)


def validate_portfolio(raw: Mapping[str, Any], where: str, folder: Path = Path(".")) -> tuple[Portfolio, list[Scenario]]:
    try:
        portfolio = Portfolio.model_validate(raw)
    except ValidationError as exc:
        raise pydantic_errors(where, exc) from None
    return portfolio, [project_scenario(portfolio, p, where, folder) for p in portfolio.projects]


def project_scenario(portfolio: Portfolio, project: ProjectInput, where: str, folder: Path) -> Scenario:
    """The project's scenario on its own clock (day 0 = its start_day): the deadline its window leaves,
    the portfolio's ownership and providers."""
    here = f"{where}: project '{project.name}'"
    if isinstance(project.scenario, str):
        file = folder / project.scenario
        raw = load_yaml_file(file, SCENARIO_MAX_BYTES, "scenario")
        if not isinstance(raw, dict):
            raise InputError(f"{here}: scenario {project.scenario}", "expected a mapping of fields", None)
        scenario = validate_scenario(raw, f"{here}: scenario {file}")
    else:
        scenario = validate_scenario(project.scenario, f"{here}: scenario")
    if scenario.members or scenario.owned_hardware:
        raise InputError(f"{here}: scenario", "has members or owned_hardware",
                         "plan a consortium with `plan share`; hardware already held is not shared by a portfolio yet")
    if scenario.objective != "cost":
        raise InputError(f"{here}: scenario objective", f"'{scenario.objective}'",
                         "give each project a target and the cost objective: the portfolio minimises cost")
    deadline = project.deadline_day if project.deadline_day is not None else project.start_day + scenario.deadline_days
    if deadline <= project.start_day:
        raise InputError(f"{here}: deadline_day", f"{deadline:g} is not after start_day {project.start_day:g}",
                         "give a deadline_day after the start")
    if project.due_day is not None and not project.start_day < project.due_day <= deadline:
        raise InputError(f"{here}: due_day", f"{project.due_day:g} is not within (start_day, deadline_day]",
                         "give a due_day after the start and no later than the deadline_day")
    changes: dict[str, Any] = {"deadline_days": deadline - project.start_day,
                               "ownership": portfolio.ownership.model_copy(update={"horizon_days": None})}
    if project.budget_usd is not None:
        changes["budget_usd"] = project.budget_usd
    if portfolio.providers is not None:
        changes["policy"] = scenario.policy.model_copy(update={"providers": portfolio.providers})
    data = {**scenario.model_dump(), **{k: v.model_dump() if hasattr(v, "model_dump") else v
                                         for k, v in changes.items()}}
    if scenario.program.runs > 1 and scenario.program.every_days is None:  # keep the cadence the file meant
        data["program"] = {**data["program"], "every_days": scenario.deadline_days}
    return validate_scenario(data, here)


def horizon_day(portfolio: Portfolio, scenarios: list[Scenario]) -> float:
    """The day bought servers are held to: ownership.horizon_days, else the last project's last deadline."""
    last = max(p.start_day + last_deadline_day(s) for p, s in zip(portfolio.projects, scenarios))
    h = portfolio.ownership.horizon_days
    if h is not None and h < last - 1e-9:
        raise InputError("portfolio ownership.horizon_days", f"{h:g} comes before the last project's last deadline, "
                         f"day {last:g}", "leave it out, or give a later day")
    return last if h is None else h
