"""End-to-end CLI time per bundled scenario: process start to printed plan (run on demand).

    .venv/bin/python benchmarks/e2e.py [--repeat 3] [--solver cbc]

Prints one row per scenario: best and median wall-clock seconds of `plan SCENARIO --format json`
(with its explanations: the runner-up path and the other way of sourcing, two more plans), the
best of the same with --no-explain, and the plan's status and cost. Consortium scenarios are
planned jointly (all members).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = Path(sys.executable).with_name("plan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--solver", default="cbc")
    args = ap.parse_args()
    print(f"{'scenario':<26} {'best s':>7} {'median s':>9} {'no-explain s':>12}  status    cost USD")
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        command = [str(PLAN), str(path), "--format", "json", "--solver", args.solver]
        times, out = timed(command, args.repeat)
        bare, _ = timed(command + ["--no-explain"], args.repeat)
        plan = json.loads(out.stdout) if out.returncode in (0, 3) else {}
        cost = plan.get("total_cost_usd")
        print(f"{path.stem:<26} {min(times):7.2f} {statistics.median(times):9.2f} {min(bare):12.2f}  "
              f"{plan.get('status', 'error'):<9} " + (f"{cost:,.0f}" if cost is not None else out.stderr.strip()[:60]))


def timed(command: list[str], repeat: int) -> tuple[list[float], subprocess.CompletedProcess]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - t)
    return times, out


if __name__ == "__main__":
    main()
