"""Goodput: the share of wall-clock time a synchronous training job spends on useful steps.

A job on n_nodes nodes is interrupted at rate λ = n_nodes·(r_f + r_spot)/24 per hour, where
r_f is the hardware/infrastructure failure rate per node-day and r_spot the spot reclaim rate
per node-day of the offer. Every interruption costs a restart R plus, on average, half a
checkpoint interval τ of lost steps; every checkpoint blocks training for δ. First-order
Young/Daly model (Young 1974; Daly 2006), overhead per hour of useful work:

    W = δ/τ + λ·(R + τ/2) + R/T,   τ = min(√(2δ/λ), T)

with T the job's useful (compute) hours, τ the lost-time-optimal interval √(2δ·MTBF) (capped at
T) and R/T the job's first start, which so costs R once: wall-clock hours = T·(1 + W) = T/goodput.
Where the caller counts the first start itself (a rental segment bills its offer's start-up
minutes, planner.billing), first_start=False leaves R/T out so it is not counted twice.
goodput = 1/(1 + W), in (0, 1]; it falls as n_nodes or r_spot rise, and for jobs of minutes the
first start dominates (a 15-minute job spends 10 of its 25 minutes starting).

Constants:
  r_f = 3.8e-3 per node-day: Llama 3 405B, 419 unexpected interruptions on 2,048 nodes of 8 H100
      over 54 days (Dubey et al. 2024 §3.3.4). Kokolis et al. 2024 ("Revisiting Reliability",
      HPCA 2025) measured 2.34e-3 and 6.5e-3 on two A100 clusters.
  δ = 1 minute: blocking part of a sharded, asynchronous checkpoint (assumed; Llama 3 wrote
      checkpoints to storage sustaining 2 TB/s, so its full 405B state takes seconds).
  R = 10 minutes: detect, reschedule, re-initialise communication, reload (assumed; the order of
      the restart costs in Daly 2006's worked examples).
With these, 16,384 GPUs give goodput 0.86 against Llama 3's reported ">90 % effective training
time", so the model is slightly pessimistic at the largest scale.
Valid for 1 ≤ n_gpus ≤ 131,072, rates 0..10 per node-day and any duration T > 0.
"""

from __future__ import annotations

import math

from planner.compute._checks import check_count, check_range
from planner.compute.chip import MAX_GPUS

FAILURES_PER_NODE_DAY = 3.8e-3
CHECKPOINT_WRITE_HOURS = 1.0 / 60.0
RESTART_HOURS = 10.0 / 60.0
MAX_RATE_PER_NODE_DAY = 10.0


def goodput(
    n_gpus: int,
    gpus_per_node: int,
    useful_hours: float,
    spot_interruptions_per_node_day: float = 0.0,
    *,
    failures_per_node_day: float = FAILURES_PER_NODE_DAY,
    checkpoint_write_hours: float = CHECKPOINT_WRITE_HOURS,
    restart_hours: float = RESTART_HOURS,
    first_start: bool = True,
) -> float:
    """Fraction of wall-clock time spent on useful training steps of a job needing `useful_hours`
    of compute (formula in module doc); first_start=False: without the first start's R/T."""
    check_count("n_gpus", n_gpus, MAX_GPUS)
    check_count("gpus_per_node", gpus_per_node, 1024)
    hours = check_range("useful_hours", useful_hours, 0.0, math.inf, low_open=True)
    spot = check_range("spot_interruptions_per_node_day", spot_interruptions_per_node_day, 0.0, MAX_RATE_PER_NODE_DAY)
    fail = check_range("failures_per_node_day", failures_per_node_day, 0.0, MAX_RATE_PER_NODE_DAY)
    delta = check_range("checkpoint_write_hours", checkpoint_write_hours, 0.0, 24.0)
    restart = check_range("restart_hours", restart_hours, 0.0, 24.0)
    n_nodes = math.ceil(n_gpus / gpus_per_node)
    rate_per_hour = n_nodes * (fail + spot) / 24.0
    interval = hours if rate_per_hour == 0 else min(math.sqrt(2.0 * delta / rate_per_hour), hours)
    checkpoint_share = delta / interval if interval > 0 else 0.0
    overhead = checkpoint_share + rate_per_hour * (restart + interval / 2.0) + (restart / hours if first_start else 0.0)
    return 1.0 / (1.0 + overhead)
