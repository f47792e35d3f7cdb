"""Turn the many spellings of an accelerator name into a chips.csv id."""

from __future__ import annotations

import re
from collections.abc import Mapping

from planner.catalog.rows import Chip
from planner.errors import InputError, did_you_mean

# Spellings that the generic rules below do not cover (written as people type them).
ALIASES = {
    "A100-40GB-SXM4": "A100",
    "Trillium": "tpu-v6e",
    "Trn1": "Trainium",
    "Trainium1": "Trainium",
    "Trn2": "Trainium2",
    "HL-225": "Gaudi2",
    "HL-325L": "Gaudi3",
}

_VENDOR_WORDS = re.compile(r"nvidia|amd|instinct|intel|habana|google|cloud|aws|tesla")
_FORM_FACTOR = re.compile(r"sxm\d?")
_MEMORY_SUFFIX = re.compile(r"^(.*\D)(\d+)\s*gb$", re.IGNORECASE)


def _norm(name: str) -> str:
    """Lower-case letters and digits only, without vendor words or the SXM form factor."""
    text = re.sub(r"[^a-z0-9]", "", name.lower())
    return _FORM_FACTOR.sub("", _VENDOR_WORDS.sub("", text))


def resolve_chip(name: str, chips: Mapping[str, Chip] | None = None) -> str:
    """The chips.csv id for `name`: exact id, any case, common alias, or id plus its memory size.

    'h100', 'H100-80GB', 'NVIDIA H100 SXM5' -> 'H100'; 'A100-40GB' -> 'A100'; 'TPU v5p' -> 'tpu-v5p'.
    A memory suffix must match the chip's memory, so 'V100-32GB' does not resolve to the 16 GB V100.
    `chips` defaults to the bundled catalog. Unknown names raise InputError with a suggestion.
    """
    if chips is None:
        from planner.catalog.loader import load_catalog

        chips = load_catalog().chips
    if name in chips:
        return name
    index = {_norm(chip_id): chip_id for chip_id in chips}
    index.update({_norm(alias): chip_id for alias, chip_id in ALIASES.items() if chip_id in chips})
    key = _norm(name)
    if key in index:
        return index[key]
    match = _MEMORY_SUFFIX.match(name.strip())
    if match and _norm(match.group(1)) in index:
        chip_id = index[_norm(match.group(1))]
        if round(chips[chip_id].memory_gb) == int(match.group(2)):
            return chip_id
    raise InputError(f"accelerator '{name}'", "unknown chip", did_you_mean(name, chips))
