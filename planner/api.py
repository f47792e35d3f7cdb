"""The Python API: the CLI's commands as functions returning typed, versioned results.

Each takes a scenario as a YAML path, a mapping of the same fields, or a Scenario, and runs the
checks the CLI runs (field validation, then every catalog id with a "did you mean"); bad input
raises planner.errors.InputError, whose `.message` is the CLI's one-line error.

    import planner
    result = planner.plan("scenarios/small_lab_finetune.yaml", budget_usd=3e4, set={"policy.spot_allowed": False})
    print(result.total_cost_usd, result.path.kind)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from planner.cli.run_cmd import joint_scenario
from planner.consortium.share import ShareResult
from planner.run_estimate import RunEstimate, estimate_run
from planner.inputs import CatalogLike, ScenarioLike, load_inputs
from planner.results import Plan
from planner.tradeoffs.frontier import Frontier


def plan(scenario: ScenarioLike, catalog: CatalogLike = None, *, set: Mapping[str, Any] | None = None,
         solver: Literal["cbc", "highs", "ortools"] = "cbc", time_limit_s: float | None = None,
         explain: bool = True, alternatives: int = 1, robust: float | None = None,
         budget_usd: float | None = None, deadline_days: float | None = None, target_loss: float | None = None,
         target_like: str | None = None, program_runs: int | None = None, every_days: float | None = None,
         objective: Literal["cost", "quality", "time"] | None = None) -> Plan:
    """The cheapest plan (as `plan SCENARIO --format json`); status 'infeasible' with a diagnosis
    when no plan meets every bound.

    set: dotted-key changes, as `--set` ({"policy.spot_allowed": False}); budget_usd ...
    objective: the CLI's override flags; robust: plan against this percentile of the uncertain
    inputs (`--robust`); alternatives: other paths in plan.alternatives (`--alternatives`).
    """
    from planner.planning import make_plan
    from planner.scenario import with_overrides

    sc, cat = load_inputs(scenario, catalog, set)
    sc = joint_scenario(with_overrides(sc, budget_usd=budget_usd, deadline_days=deadline_days, target_loss=target_loss,
                              target_like=target_like, program_runs=program_runs, every_days=every_days,
                              objective=objective), cat)
    options = dict(solver=solver, time_limit_s=time_limit_s, explain=explain, alternatives=alternatives)
    if robust is not None:
        from planner.tradeoffs.risk import robust_plan

        return robust_plan(sc, cat, robust, **options)
    return make_plan(sc, cat, **options)


def share(scenario: ScenarioLike, catalog: CatalogLike = None, *, set: Mapping[str, Any] | None = None,
          method: Literal["shapley", "nucleolus", "least-core"] = "shapley",
          solver: Literal["cbc", "highs", "ortools"] = "cbc", samples: int = 200, seed: int = 0,
          executor: Literal["local", "ray"] = "local", workers: int | None = None,
          ray_address: str | None = None) -> ShareResult:
    """Split a consortium's joint cost among its members (as `plan share SCENARIO --format json`)."""
    from planner.consortium.share import share as run_share

    sc, cat = load_inputs(scenario, catalog, set)
    return run_share(sc, cat, method=method, solver=solver, executor=executor, workers=workers,
                     ray_address=ray_address, samples=samples, seed=seed)


def frontier(scenario: ScenarioLike, vary: Literal["deadline", "budget", "target"], catalog: CatalogLike = None, *,
             set: Mapping[str, Any] | None = None, points: int = 7, lo: float | None = None,
             hi: float | None = None, solver: Literal["cbc", "highs", "ortools"] = "cbc",
             executor: Literal["local", "ray"] = "local", workers: int | None = None,
             ray_address: str | None = None) -> Frontier:
    """Re-plan over `points` values of one bound, lo..hi (as `plan frontier SCENARIO --vary VARY`);
    each point's full Plan is in `.plan` (left out of the JSON)."""
    from planner.tradeoffs.frontier import frontier as sweep

    sc, cat = load_inputs(scenario, catalog, set)
    return sweep(joint_scenario(sc, cat), cat, vary, points=points, lo=lo, hi=hi, solver=solver, executor=executor,
                 workers=workers, ray_address=ray_address)


def estimate(params: float, tokens: float, chip: str, catalog: CatalogLike = None, *, gpus: int | None = None,
             active_params: float | None = None, precision: Literal["bf16", "fp8"] = "bf16",
             method: Literal["full", "lora", "qlora"] = "full", seq_len: int = 4096,
             pick: Literal["cheapest", "fastest"] = "cheapest") -> RunEstimate:
    """One training run on one chip, priced at the cheapest on-demand offer (as `plan estimate`)."""
    from planner.catalog import Catalog, load_catalog
    from planner.cli.estimate_cmd import MIN_PLAUSIBLE_PARAMS, MIN_PLAUSIBLE_TOKENS
    from planner.errors import InputError

    for name, value, least in (("params", params, MIN_PLAUSIBLE_PARAMS), ("tokens", tokens, MIN_PLAUSIBLE_TOKENS),
                               ("active_params", active_params, MIN_PLAUSIBLE_PARAMS),
                               ("gpus", gpus, 1), ("seq_len", seq_len, 1)):
        if value is not None and not (isinstance(value, (int, float)) and least <= value < float("inf")):
            raise InputError(f"estimate: {name}", f"{value!r} is not a number of at least {least:g}",
                             "give a finite number (parameters and tokens in full, e.g. 7e9)")
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    return estimate_run(cat, params, tokens, chip, gpus=gpus, active_params=active_params, precision=precision,
                         method=method, seq_len=seq_len, pick=pick)


def plan_portfolio(source: str | Mapping[str, Any], catalog: CatalogLike = None, *,
                   solver: Literal["cbc", "highs", "ortools"] = "cbc", time_limit_s: float | None = None,
                   method: Literal["auto", "mip", "decompose"] = "auto", compare: bool = True,
                   what_if: bool = False, server_price_factors: tuple[float, ...] = ()):
    """The procurement schedule and each project's plan for a roadmap (as `plan portfolio --format json`):
    a portfolio YAML path or a mapping of its fields (scenario paths relative to the working folder)."""
    from pathlib import Path

    from planner.catalog import Catalog, load_catalog
    from planner.portfolio.plan import plan_portfolio as run

    if not isinstance(catalog, Catalog):
        catalog = load_catalog(Path(catalog) if catalog else None)
    return run(source, catalog, solver=solver, time_limit_s=time_limit_s, compare=compare, method=method,
               with_what_if=what_if, server_price_factors=tuple(server_price_factors))
