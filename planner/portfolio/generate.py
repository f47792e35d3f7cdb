"""Generated roadmaps for scale tests: n projects over a two-year calendar, drawn from the kinds of
work an AI team plans (benchmarks/portfolio.py). Each project is one of four templates below, with
a start day drawn uniformly so that its window ends by the horizon; figures are illustrative
(assumptions), sized like the bundled roadmap's projects."""

from __future__ import annotations

import random

HORIZON_DAYS = 730.0

# (weight, window days, inline scenario)
TEMPLATES = (
    (2, 120.0, {"name": "base-70b", "target": {"like": "llama-2-70b"}, "deadline_days": 120,
                "data": {"unique_tokens": 3.0e12}, "policy": {"paths": ["scratch"], "spot_allowed": False},
                "staff_usd_per_month": 60000}),
    (3, 60.0, {"name": "domain-adapt", "target": {"loss": 2.018, "max_params": 8.1e9}, "deadline_days": 60,
               "data": {"unique_tokens": 1.0e12}, "policy": {"paths": ["continue"]}, "staff_usd_per_month": 30000}),
    (3, 45.0, {"name": "pretrain-7b", "target": {"like": "llama-2-7b"}, "deadline_days": 45,
               "data": {"unique_tokens": 2.0e12}, "policy": {"paths": ["scratch"], "spot_allowed": False},
               "staff_usd_per_month": 40000}),
    (4, 30.0, {"name": "lora", "target": {"like": "llama-3-8b", "max_params": 3.0e10}, "deadline_days": 30,
               "data": {"unique_tokens": 5.0e9, "labelled_examples_needed": 5000, "labelled_example_usd": 2.5,
                        "tokens_per_example": 800}, "staff_usd_per_month": 10000}),
)


def roadmap(n: int, seed: int = 0, horizon_days: float = HORIZON_DAYS) -> dict:
    """A portfolio of n projects (a mapping `plan portfolio` reads), reproducible from the seed."""
    rng = random.Random(seed)
    weights = [t[0] for t in TEMPLATES]
    projects = []
    for i in range(n):
        _, window, scenario = rng.choices(TEMPLATES, weights)[0]
        start = float(rng.randrange(0, int(horizon_days - window), 15))
        projects.append({"name": f"{scenario['name']}-{i + 1}", "start_day": start,
                         "deadline_day": start + window, "scenario": scenario})
    return {"name": f"generated-{n}-seed{seed}", "description": f"{n} generated projects over {horizon_days:g} days",
            "ownership": {"accounting": "resell", "site": "us-virginia", "horizon_days": horizon_days},
            "providers": ["AWS", "GCP", "Azure", "OCI"], "projects": projects}
