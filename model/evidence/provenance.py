"""Provenance of the intervention defaults, and which parameter values carry a cited order of magnitude.

Every default of every intervention says where it comes from or that it is illustrative (most are).
A parameter counts as having a *cited order of magnitude* only if its provenance says so and names a
source (author and year); "illustrative" values never count. Illustrative, not medical advice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from model.core.interventions import INTERVENTION_TYPES, intervention_fields

#: kind of intervention -> field -> where its default comes from, read from each field's metadata
#: (`model.intervention_fields`, the one home of intervention provenance; the start day is the user's choice).
INTERVENTION_PROVENANCE: dict[str, dict[str, str]] = {
    kind: {f.name: f.provenance for f in intervention_fields(kind) if f.name not in ("day", "start", "stop")}
    for kind in INTERVENTION_TYPES
}

_CITATION = re.compile(r"[A-ZÀ-Ý][\w'-]+(?: et al\.| & [A-ZÀ-Ý][\w'-]+)? (?:19|20)\d\d")


def is_cited(provenance: str) -> bool:
    """True if the provenance gives an order of magnitude *and* names a source (author and year)."""
    return provenance.startswith("order of magnitude") and bool(_CITATION.search(provenance))


def cited_parameters(parameters: Iterable[Any]) -> list[str]:
    """Names of the parameters (objects with `name` and `provenance`) with a cited order of magnitude."""
    return [p.name for p in parameters if is_cited(p.provenance)]
