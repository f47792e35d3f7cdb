"""Trade-offs and risk of a plan: what a decision-maker needs beyond the one cheapest plan.

* frontier:    Pareto frontiers (cost vs deadline, loss vs budget, cost vs target) by re-solving;
* sensitivity: how far each input can move before the decision changes; break-even utilisation;
* risk:        Monte Carlo of the chosen plan under uncertain inputs, and planning at a percentile;
* perturb:     the input multipliers all three use (modified Catalog / Scenario copies);
* decision:    what counts as the same decision, and one-line summaries of plans.

Each returns a pydantic object; tables, JSON, SVG and HTML are views of it (planner.report).
"""
