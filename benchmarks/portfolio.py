"""How portfolio planning scales: the bundled roadmap and generated roadmaps (planner.portfolio.generate)
of 20 projects (one MIP, 60 s limit) and 100 projects (decomposed, 5-minute budget).

    .venv/bin/python benchmarks/portfolio.py                    # roadmap, 20 and 100 projects
    .venv/bin/python benchmarks/portfolio.py --projects 20 --seeds 0 1 2
    .venv/bin/python benchmarks/portfolio.py --projects 100 --method decompose

Prints per instance: projects, paths, options, MIP variables, seconds to build the options, seconds to
solve (the solver, or the whole decomposition), status, gap (plan − best bound) / plan, the plan's cost
and what it buys. Run on demand; figures move with machine load (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from planner.catalog import load_catalog  # noqa: E402
from planner.portfolio.build import build  # noqa: E402
from planner.portfolio.generate import roadmap  # noqa: E402
from planner.portfolio.inputs import load_portfolio, validate_portfolio  # noqa: E402
from planner.portfolio.plan import solve_built  # noqa: E402

DEFAULTS = ((None, "auto", 60.0), (20, "auto", 60.0), (100, "decompose", 300.0))


def measure(n: int | None, seed: int, method: str, limit: float, catalog) -> str:
    started = time.perf_counter()
    if n is None:
        portfolio, scenarios = load_portfolio(ROOT / "scenarios" / "portfolios" / "roadmap.yaml")
    else:
        portfolio, scenarios = validate_portfolio(roadmap(n, seed), f"generated {n}")
    built = build(portfolio, scenarios, catalog)
    built_s = time.perf_counter() - started
    sol = solve_built(built, "cbc", max(limit - built_s, 1.0), method)
    total = time.perf_counter() - started
    options = sum(len(s.options) for k in built.problem.paths for s in k.stages)
    gap = "-" if sol.gap is None else f"{sol.gap:.2%}"
    cost = f"{sol.total_cost_usd:,.0f}" if sol.has_plan else "-"
    pools = ", ".join(f"{n} {c}" for c, n in (sol.pools or {}).items()) or "nothing"
    name = "roadmap" if n is None else f"{n} projects seed {seed}"
    return (f"{name:<22} {len(built.problem.groups):>4} {len(built.problem.paths):>5} {options:>7} {sol.n_variables:>8} "
            f"{built_s:>7.1f} {sol.seconds:>7.1f} {total:>7.1f}  {method:<15} {sol.status:<9} {gap:>7}  {cost:>12}  {pools}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, nargs="*", help="generated sizes (default: roadmap, 20, 100)")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0])
    parser.add_argument("--method", choices=("auto", "mip", "decompose"))
    parser.add_argument("--time-limit", type=float, help="seconds per instance, building included")
    args = parser.parse_args()
    catalog = load_catalog()
    runs = DEFAULTS if args.projects is None else [(n, "auto", 60.0 if n <= 20 else 300.0) for n in args.projects]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'instance':<22} {'proj':>4} {'paths':>5} {'options':>7} {'vars':>8} {'build s':>7} {'solve s':>7} "
          f"{'total s':>7}  {'method':<15} {'status':<9} {'gap':>7}  {'cost USD':>12}  buys")
    for n, method, limit in runs:
        for seed in (args.seeds if n is not None else [0]):
            print(measure(n, seed, args.method or method, args.time_limit or limit, catalog), flush=True)


if __name__ == "__main__":
    main()
