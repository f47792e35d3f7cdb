"""Constants of the quality laws, loaded from catalogs/scaling_laws.yaml.

:func:`load_laws` returns one :class:`QualityLaws` bundle: the pretraining law the scenario
chose ('epoch' by default, 'hoffmann', or 'sardana') plus the repetition, distillation,
benchmark and task-tuning constants. A scenario may override any constant, either nested by
section (``{"distillation": {"d1": 1.3}}``) or flat for the chosen pretraining law
(``{"E": 1.80}``); an override is recorded in the law's ``source``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from planner.errors import InputError, did_you_mean
from planner.quality.validity import Box

LAWS_FILE = "scaling_laws.yaml"


@dataclass(frozen=True)
class Law:
    """A named set of constants with its source, reference distribution and validity box."""

    name: str
    constants: Mapping[str, float]
    source: str
    reference: str
    box: Box
    title: str = ""  # spelled out for readers, e.g. "Epoch AI refit of Chinchilla (Besiroglu et al. 2024)"

    def __getattr__(self, item: str) -> float:
        try:
            return self.__dict__["constants"][item]
        except KeyError:
            raise AttributeError(item) from None


@dataclass(frozen=True)
class QualityLaws:
    """Everything the quality layer needs for one scenario."""

    pretrain: Law
    repetition: Law
    distillation: Law
    benchmarks: Mapping[str, Law]
    finetune: Law


def laws_path() -> Path:
    """The scaling-law catalog: the repository's catalogs/ or the copy installed with the package."""
    package = Path(__file__).resolve().parent.parent
    for folder in (package.parent / "catalogs", package / "_catalogs"):
        if (folder / LAWS_FILE).exists():
            return folder / LAWS_FILE
    raise FileNotFoundError(f"{LAWS_FILE} not found next to the planner package")


@lru_cache(maxsize=1)
def _raw() -> dict:
    with laws_path().open() as fh:
        return yaml.safe_load(fh)


def _ranges(entry: dict) -> dict[str, tuple[float, float]]:
    # float(): YAML 1.1 reads exponents without a sign (1.0e7) as strings
    return {k: (float(low), float(high)) for k, (low, high) in entry.items()}


def _law(name: str, entry: dict, overrides: Mapping[str, float]) -> Law:
    constants = {k: float(v) for k, v in entry["constants"].items()}
    unknown = set(overrides) - set(constants)
    if unknown:
        bad = sorted(unknown)[0]
        raise InputError(
            f"quality_law.overrides ({name})",
            f"unknown constant '{bad}'",
            did_you_mean(bad, constants),
        )
    constants.update({k: float(v) for k, v in overrides.items()})
    source = " ".join(entry["source"].split())
    if overrides:
        shown = ", ".join(f"{k}={v:g}" for k, v in sorted(overrides.items()))
        source += f" [overridden by the scenario: {shown}]"
    title = " ".join(entry.get("title", name).split())
    box = Box(
        law=title,
        fitted=_ranges(entry.get("fitted", {})),
        refuse=_ranges(entry.get("refuse", {})),
    )
    reference = " ".join(entry.get("reference", "").split())
    return Law(name, constants, source, reference, box, title)


def load_laws(pretrain: str = "epoch", overrides: Mapping[str, float] | None = None) -> QualityLaws:
    """Build the law bundle for a scenario.

    pretrain: name of the pretraining law in scaling_laws.yaml ('epoch', 'hoffmann', 'sardana').
    overrides: ``{constant: value}`` for the chosen pretraining law (e.g. ``{"E": 1.80}``), or
    ``{"section.constant": value}`` for any other law (e.g. ``{"distillation.d1": 1.3}``,
    ``{"finetune.sft_epochs": 2}``). Unknown names raise InputError.
    """
    raw = _raw()
    if pretrain not in raw["pretrain"]:
        raise InputError("quality_law.pretrain", f"unknown law '{pretrain}'", did_you_mean(pretrain, raw["pretrain"]))
    sections = {"repetition", "distillation", "finetune", "domains", *raw["pretrain"], *raw["benchmarks"]}  # domains: quality.domain
    nested: dict[str, dict[str, float]] = {}
    for key, value in (overrides or {}).items():
        section, _, constant = key.rpartition(".")
        section = section or pretrain
        if section not in sections:
            raise InputError(
                f"quality_law.overrides.{key}", f"unknown law '{section}'", did_you_mean(section, sections)
            )
        nested.setdefault(section, {})[constant] = value
    return QualityLaws(
        pretrain=_law(pretrain, raw["pretrain"][pretrain], nested.get(pretrain, {})),
        repetition=_law("repetition", raw["repetition"], nested.get("repetition", {})),
        distillation=_law("distillation", raw["distillation"], nested.get("distillation", {})),
        benchmarks={name: _law(name, entry, nested.get(name, {})) for name, entry in raw["benchmarks"].items()},
        finetune=_law("finetune", raw["finetune"], nested.get("finetune", {})),
    )


def laws_for(scenario) -> QualityLaws:
    """The law bundle a scenario asks for (its quality_law.pretrain and .overrides)."""
    chosen = scenario.quality_law
    return load_laws(chosen.pretrain, chosen.overrides)


def pretrain_law(name: str = "epoch", overrides: Mapping[str, float] | None = None) -> Law:
    """One pretraining law (Chinchilla form) by name, optionally with constants overridden."""
    return load_laws(name, overrides).pretrain


@lru_cache(maxsize=1)
def default_laws() -> QualityLaws:
    """The bundle with no overrides and the default pretraining law (Epoch AI refit)."""
    return load_laws()


def default_law() -> Law:
    """The default pretraining law: the Epoch AI refit of the Chinchilla law."""
    return default_laws().pretrain
