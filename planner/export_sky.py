"""A plan as SkyPilot tasks: one task YAML per rented segment, owned hardware as a hand-off.

Each rented segment already names its offer (instance type, region), node count and spot or
on-demand; the catalog row gives SkyPilot's accelerator name and count (offers.csv keeps
SkyPilot's vms.csv columns). The `run:` section is a placeholder the user replaces with the
training command. Reserved segments need the reservation bought first (SkyPilot uses it through
its config, e.g. `aws.specific_reservations`); bought and held servers are not SkyPilot's to launch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from planner.catalog import Catalog
from planner.errors import InputError
from planner.results import Plan, Segment
from planner.units import duration, ends

# catalog provider -> SkyPilot cloud; CoreWeave is reached through SkyPilot's Kubernetes cloud.
SKY_CLOUDS = {"AWS": "aws", "GCP": "gcp", "Azure": "azure", "Lambda": "lambda", "OCI": "oci", "RunPod": "runpod",
              "CoreWeave": "kubernetes"}
RENTED = ("on_demand", "spot", "reserved")


@dataclass(frozen=True)
class SkyTask:
    filename: str
    text: str
    config: dict


def export(plan: Plan, catalog: Catalog) -> tuple[list[SkyTask], list[str]]:
    """(one task per rented segment, hand-off lines for what SkyPilot cannot launch)."""
    if plan.status == "infeasible":
        raise InputError(f"plan {plan.scenario.name}", "has no plan to export (status infeasible)",
                         "export a plan that was found (exit code 0)")
    tasks, handoff = [], []
    if not plan.stages:
        handoff.append(f"nothing to train: the plan adopts {plan.path.base or plan.path.id} as released.")
    n = 0
    # a program's later runs share a schedule of their own (dated in run 2's window): its tasks follow run 1's
    later = [(f"runs 2-{len(plan.runs)} {st.name}", st) for st in plan.later_stages]
    for name, stage in [(st.name, st) for st in plan.stages] + later:
        for seg in stage.segments:
            when = span(seg.start_day, seg.end_day)
            if seg.source not in RENTED:
                handoff.append(f"{name}: {seg.nodes} × {seg.gpus // max(seg.nodes, 1)} {seg.chip} on "
                               f"{seg.source} servers {seg.offer}, {when}, {seg.fraction:.0%} of the stage: run "
                               "it on your own cluster (SkyPilot does not launch bought or held hardware).")
                continue
            cloud = SKY_CLOUDS.get(seg.provider)
            if cloud is None:
                handoff.append(f"{name}: {seg.offer} ({seg.provider}) is not a SkyPilot cloud: "
                               f"rent {seg.nodes} nodes there by hand, {when}.")
                continue
            n += 1
            config = task_config(plan, name, n, seg, cloud, catalog)
            filename = f"{n:02d}-{_slug(name)}-{cloud}-{seg.source.replace('_', '-')}.yaml"
            tasks.append(SkyTask(filename, _header(plan, name, seg, when) + yaml.dump(
                config, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True), config))
    return tasks, handoff


def task_config(plan: Plan, stage: str, n: int, seg: Segment, cloud: str, catalog: Catalog) -> dict:
    offer = catalog.offers.get(seg.offer.split(":", 1)[-1])  # 'reserved-1y:OFFER' names the offer reserved
    if offer is None:
        raise InputError(f"plan segment {seg.offer}", "offer not in the catalog",
                         "export with --catalog set to the catalog the plan was made with")
    resources: dict = {"cloud": cloud}
    if cloud == "kubernetes":  # the cluster's context decides where; instance types are node pools
        resources["accelerators"] = f"{offer.AcceleratorName}:{offer.AcceleratorCount}"
    elif offer.InstanceType.startswith("tpu-"):  # a TPU VM slice is one accelerator in SkyPilot
        resources["region"] = offer.Region
        resources["accelerators"] = f"{offer.InstanceType}:1"
    else:
        resources["region"] = offer.Region
        resources["instance_type"] = offer.InstanceType
        resources["accelerators"] = f"{offer.AcceleratorName}:{offer.AcceleratorCount}"
    resources["use_spot"] = seg.source == "spot"
    return {
        "name": _slug(f"{plan.scenario.name}-{stage}-{n}"),
        "num_nodes": seg.nodes,
        "resources": resources,
        "envs": {"PLANNER_STAGE": stage, "PLANNER_STAGE_FRACTION": f"{seg.fraction:.6g}"},
        "run": (f'echo "Replace this run: section with the training command for stage {stage} '
                f'({seg.fraction:.0%} of it on this cluster)." >&2\nexit 1\n'),
    }


def _header(plan: Plan, stage: str, seg: Segment, when: str) -> str:
    lines = [f"SkyPilot task exported by llm-train-planner from plan '{plan.scenario.name}' (path {plan.path.id}).",
             f"Stage {stage}: {seg.fraction:.0%} of it on {seg.nodes} × {seg.gpus // max(seg.nodes, 1)} {seg.chip}, "
             f"{seg.source.replace('_', '-')} at {seg.offer}, {when}; planned cost {seg.cost_usd:,.0f} USD.",
             "Fill in run: (and setup:, file_mounts: for data), then: sky launch THIS_FILE"]
    if seg.source == "reserved":
        lines.append("Reserved capacity: buy the reservation first and name it in ~/.sky/config.yaml "
                     "(e.g. aws.specific_reservations), so SkyPilot launches into it.")
    if seg.provider == "CoreWeave":
        lines.append("CoreWeave: SkyPilot reaches it as a Kubernetes cluster; point your kubeconfig at it.")
    return "".join(f"# {line}\n" for line in lines)


def span(start: float, end: float) -> str:
    """'13 minutes from the start', '465.4 days from day 84.0'."""
    begin = "the start" if start < 1 / 1440 else ends(start).removeprefix("after ") + " in"
    return f"{duration(end - start)} from {begin}"


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (run:) as literal blocks, as SkyPilot's examples write them."""


_Dumper.add_representer(str, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
