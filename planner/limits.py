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
REPR_MAX_CHARS = 80  # an offending value is shown cut to this many characters
