"""`plan candidates SCENARIO`: the candidate paths the quality layer offers the planner."""

from __future__ import annotations

import click

from planner.cli.run_cmd import scenario_sets, set_option


@click.command(name="candidates")
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(dir_okay=False))
@click.option("--target-loss", type=float, help="Target loss in nats/token under the planner's law, e.g. 2.05.")
@click.option("--target-like", help="Reach at least the quality of this open model, e.g. llama-2-70b.")
@click.option("--all", "every", is_flag=True,
              help="Every candidate on the size x tokens grid, not only those meeting the target.")
@click.option("--no-prune", is_flag=True, help="Keep candidates another candidate dominates.")
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True, help="Show at most this many (0 = all).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--catalog", "catalog_dir", type=click.Path(file_okay=False), help="Use catalogs from this directory.")
@set_option
def candidates(scenario_path, sets, target_loss, target_like, every, no_prune, limit, fmt, catalog_dir):
    """List candidate paths for SCENARIO with predicted loss, FLOPs, data cost and stages,
    cheapest compute first.

    \b
    Examples:
      plan candidates scenarios/startup_7b.yaml
      plan candidates scenarios/startup_7b.yaml --target-loss 2.2 --limit 0
      plan candidates scenarios/small_lab_finetune.yaml --format json
    """
    from planner.errors import InputError
    from planner.inputs import load_inputs
    from planner.paths import format_count, memory_need_bytes, prune, search_candidates
    from planner.quality import QualityRangeError, laws_for, resolve_target, scenario_domain
    from planner.scenario import with_overrides

    scenario, catalog = load_inputs(scenario_path, catalog_dir, scenario_sets(sets))
    scenario = with_overrides(scenario, target_loss=target_loss, target_like=target_like)
    try:
        target = resolve_target(scenario.target, laws_for(scenario), catalog.models, scenario_domain(scenario))
    except QualityRangeError as exc:
        raise InputError(f"{scenario_path}: target", str(exc), "choose a target the law can reach") from None
    solve_for = None if every or target is None or scenario.objective == "quality" else target.loss
    found, refused = search_candidates(scenario, catalog, solve_for)
    kept = found if no_prune else prune(found)
    kept.sort(key=lambda c: (c.flops, c.data_cost_usd + c.labelling_cost_usd, c.id))
    shown = kept if limit == 0 else kept[:limit]
    if fmt == "json":
        from planner.outputs import CandidatesOutput

        click.echo(CandidatesOutput(
            scenario=scenario.name,
            target=None if target is None else
            {"loss": target.loss, "description": target.description, "notes": list(target.notes)},
            generated=len(found), after_pruning=len(kept),
            candidates=[_as_dict(c, memory_need_bytes(c)) for c in shown], refused=refused,
        ).model_dump_json(indent=2))
        return
    click.echo(f"scenario {scenario.name}: " + (target.description if target else "no target (every candidate)"))
    for note in target.notes if target else ():
        click.echo(f"  note: {note}")
    click.echo(f"{len(found)} candidates, {len(kept)} after pruning dominated ones; "
               f"{len(refused)} options refused by the quality laws (--format json lists why)")
    if not shown:
        return
    click.echo(f"{'id':44} {'kind':9} {'loss':>7} {'FLOPs':>9} {'data $':>10} {'labels $':>10} {'serving $':>10}"
               "  stages")
    for c in shown:
        stages = " -> ".join(
            f"{s.name}[{s.workload.method} {format_count(s.workload.params)} x {format_count(s.workload.tokens)}]"
            for s in c.stages) or "none: the weights as released"
        click.echo(f"{c.id:44} {c.kind:9} {c.predicted_loss:7.4f} {c.flops:9.3g} "
                   f"{c.data_cost_usd:10,.0f} {c.labelling_cost_usd:10,.0f} {c.inference_cost_usd:10,.0f}  {stages}")
    if len(kept) > len(shown):
        click.echo(f"... {len(kept) - len(shown)} more (--limit 0 shows all)")


def _as_dict(c, memory_bytes: float) -> dict:
    from planner.compute import stage_flops

    return {
        "id": c.id, "kind": c.kind, "predicted_loss": c.predicted_loss, "flops": c.flops,
        "data_cost_usd": c.data_cost_usd, "labelling_cost_usd": c.labelling_cost_usd,
        "inference_cost_usd": c.inference_cost_usd, "params": c.params, "tokens": c.tokens,
        "base": c.base, "teacher": c.teacher, "licence": c.licence, "memory_need_bytes": memory_bytes,
        "stages": [
            {"name": s.name, "method": s.workload.method, "params": s.workload.params,
             "active_params": s.workload.active_params, "tokens": s.workload.tokens,
             "teacher_params": s.workload.teacher_params, "seq_len": s.workload.seq_len,
             "flops": stage_flops(s.workload)}
            for s in c.stages
        ],
        "notes": list(c.notes),
    }
