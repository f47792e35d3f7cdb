"""Plan how to get a large language model trained at the lowest cost.

Layers, each depending only on the ones before it:
inputs (catalog, scenario) -> quality/compute estimates -> candidate paths -> stage options
-> MIP model -> solve -> Plan -> evaluation and reports.

The Python API (planner.api) is re-exported here and imported on first use, so importing the
package stays light:

    import planner
    result = planner.plan("scenarios/startup_7b.yaml", budget_usd=6e5)
    result.total_cost_usd, result.path.kind, result.model_dump_json()
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = ["plan", "share", "frontier", "estimate", "plan_portfolio", "InputError"]

if TYPE_CHECKING:
    from planner.api import estimate, frontier, plan, plan_portfolio, share
    from planner.errors import InputError


def __getattr__(name: str):
    if name in ("plan", "share", "frontier", "estimate", "plan_portfolio"):
        import planner.api

        return getattr(planner.api, name)
    if name == "InputError":
        from planner.errors import InputError

        return InputError
    raise AttributeError(f"module 'planner' has no attribute {name!r}")
