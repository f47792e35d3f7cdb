"""What a plan decides, in a form two plans can be compared by: the path, and which chips, sourced how.

Two plans make the same decision when they take the same candidate path and use the same chips
sourced the same way (rented, bought, already owned). Cluster sizes, offers within a provider and
the split between on-demand and spot are tactics, not decisions, and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.results import Plan

SOURCE_WORD = {"on_demand": "on-demand", "spot": "spot", "reserved": "reserved", "owned": "bought", "held": "held"}
SOURCING = {"on_demand": "rented", "spot": "rented", "reserved": "rented", "owned": "bought", "held": "already owned"}


@dataclass(frozen=True)
class Decision:
    """path is None when there is no plan; uses holds sorted (sourcing, chip) pairs."""

    path: str | None
    uses: tuple[tuple[str, str], ...] = ()

    @property
    def headline(self) -> str:
        if self.path is None:
            return "no plan"
        return f"path {self.path} on " + " + ".join(f"{how} {chip}" for how, chip in self.uses)


def decision(plan: Plan) -> Decision:
    if plan.status == "infeasible":
        return Decision(None)
    uses = sorted({(SOURCING[s.source], s.chip) for _, s, _ in plan.all_segments()})
    return Decision(plan.path.id, tuple(uses))


def change(a: Decision, b: Decision) -> str:
    """What differs from a to b, e.g. 'bought → rented; Gaudi3 → H100'."""
    if a.path is None or b.path is None:
        return f"{a.headline} → {b.headline}"
    parts = []
    for i in (0, 1):  # sourcing, then chips
        old, new = sorted({u[i] for u in a.uses}), sorted({u[i] for u in b.uses})
        if old != new:
            parts.append(f"{' + '.join(old)} → {' + '.join(new)}")
    if a.path != b.path:
        parts.append(f"path {a.path} → {b.path}")
    return "; ".join(parts) or "same decision"


def summary(plan: Plan) -> str:
    """One line: path kind/id, then each distinct cluster (nodes × GPUs chip, source, provider or server)."""
    if plan.status == "infeasible":
        return plan.diagnosis.message if plan.diagnosis else "No plan meets every bound."
    clusters = []
    for st in plan.stages + plan.later_stages:
        for s in st.segments:
            where = s.offer.split(":", 1)[1].split("@")[0] if s.source in ("owned", "held") else s.provider
            text = f"{s.nodes} nodes × {s.gpus // max(s.nodes, 1)} {s.chip} {SOURCE_WORD[s.source]} ({where})"
            if text not in clusters:
                clusters.append(text)
    return f"{plan.path.kind}/{plan.path.id}: " + " + ".join(clusters)
