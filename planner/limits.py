"""Limits on input sizes, checked before any parsing or planning, so no input can make a command run
for minutes or grow without bound (README "Limits"). Each is far above what a real question needs."""

SCENARIO_MAX_BYTES = 1_000_000  # bundled scenarios are 1-3 KB
CATALOG_FILE_MAX_BYTES = 20_000_000  # per catalog CSV; the bundled ones are under 100 KB
IMPORT_FILE_MAX_BYTES = 100_000_000  # a SkyPilot vms.csv (the largest cloud's is about 10 MB)

YAML_MAX_DEPTH = 32  # nesting of mappings and lists; a scenario needs 4
YAML_MAX_NODES = 100_000  # values after expanding YAML aliases (a 'billion laughs' file has ~1e9)
YAML_MAX_LIST = 1_000  # items in any one YAML list

GRID_MAX = 64  # search.params_grid and search.tokens_per_param_grid sizes
MEMBERS_MAX = 50  # consortium members (beyond 12, Shapley values are sampled)
FRONTIER_POINTS_MAX = 200  # plan frontier --points, plan --report-points
DRAWS_MAX = 100_000  # Monte Carlo draws (--draws)
SAMPLES_MAX = 100_000  # sampled permutations (plan share --samples)
COALITION_PLANS_MAX = 20_000  # samples x members, the most coalitions a sampled Shapley may plan (~10 min)
# Scenario numbers: no quantity in a plan is above NUMBER_MAX, and these fields have a tighter
# plausible top (a value past it is a typo or a hostile file, and sends the solvers' arithmetic
# past what they resolve: staff_usd_per_month 1e10 kept CBC proving infeasibility for minutes,
# lifetime_tokens 1e300 crashed it). 1e8 USD a month is a 500-person team ten times over.
NUMBER_MAX = 1e18
FIELD_MAX = {
    "budget_usd": 1e13, "brings_cash_usd": 1e13, "staff_usd_per_month": 1e8,  # USD
    "extra_tokens_usd_per_billion": 1e9, "labelled_example_usd": 1e6, "usd_per_gpu_hour": 1e4,  # USD
    "nodes": 1e6, "labelled_examples_on_hand": 1e12, "carbon_cap_tco2e": 1e9,
}
REPR_MAX_CHARS = 80  # an offending value is shown cut to this many characters
# Largest policy.mfu_factor (a stack twice as fast as the compute model predicts; the fastest held-out
# run was x1.53, docs/fidelity.md); compute.estimate also refuses any estimate above 100 % MFU.
MFU_FACTOR_MAX = 2.0
