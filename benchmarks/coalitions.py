"""Coalition sweep time for the consortium scenarios (run on demand).

    .venv/bin/python benchmarks/coalitions.py [--workers 2] [--method shapley]

Solves every coalition (2^n - 1 plans) for each consortium scenario and prints the wall-clock
seconds, the number of coalitions and the grand coalition's cost.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from planner.consortium.share import share
from planner.inputs import load_inputs

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--method", default="shapley")
    ap.add_argument("--solver", default="cbc")
    args = ap.parse_args()
    print(f"{'scenario':<22} {'members':>7} {'coalitions':>10} {'seconds':>8}  grand cost USD")
    for name in ("consortium_health", "consortium_10"):
        scenario, catalog = load_inputs(ROOT / "scenarios" / f"{name}.yaml")
        t = time.perf_counter()
        result = share(scenario, catalog, method=args.method, solver=args.solver, workers=args.workers)
        print(f"{name:<22} {len(scenario.members):>7} {result.coalitions_solved:>10} "
              f"{time.perf_counter() - t:8.1f}  {result.grand_coalition_cost_usd:,.0f}")


if __name__ == "__main__":
    main()
