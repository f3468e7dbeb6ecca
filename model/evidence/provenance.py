"""Provenance of the intervention defaults, and which parameter values carry a cited order of magnitude.

Every default of every intervention says where it comes from or that it is illustrative (most are).
A parameter counts as having a *cited order of magnitude* only if its provenance says so and names a
source (author and year); "illustrative" values never count. Illustrative, not medical advice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

#: kind of intervention -> field -> where its default comes from.
INTERVENTION_PROVENANCE: dict[str, dict[str, str]] = {
    "msc": {
        "dose": "illustrative: 1 a.u. stands for a typical clinical dose, about 1 million cells per kg "
        "(the dose of Kamen et al. 2022); no conversion to cells is possible in the model",
        "repeat_every": "illustrative: no repeat by default (one infusion, as in most trials)",
        "count": "illustrative: one infusion, as in most trials",
    },
    "hsct": {
        "lymphocyte_survival": "illustrative: conditioning removes most lymphocytes; no measured fraction used",
        "plasma_cell_survival": "illustrative: long-lived plasma cells resist antiproliferative drugs "
        "(Hoyer et al. 2004, mouse, in vivo); no measured fraction used",
        "treg_survival": "illustrative: no measured fraction used",
        "reconstitution_half_life": "illustrative: T-cell numbers take months to years to recover after "
        "autologous HSCT; no measured half-life used",
    },
    "immunosuppression": {
        "strength": "illustrative: fraction of proliferation blocked; no measured value used",
    },
    "bcell_depletion": {
        "kill_rate": "illustrative: chosen so that autoreactive B cells are practically gone within a week",
        "drug_half_life": "order of magnitude: therapeutic IgG antibodies share the about 3-week half-life of "
        "IgG (Sand et al. 2015, review)",
    },
    "antigen": {
        "size": "illustrative: a trigger size near the model's tipping point",
        "duration": "illustrative: a burst lasting two weeks (a bad sunburn, an infection)",
    },
}

_CITATION = re.compile(r"[A-ZÀ-Ý][\w'-]+(?: et al\.| & [A-ZÀ-Ý][\w'-]+)? (?:19|20)\d\d")


def is_cited(provenance: str) -> bool:
    """True if the provenance gives an order of magnitude *and* names a source (author and year)."""
    return provenance.startswith("order of magnitude") and bool(_CITATION.search(provenance))


def cited_parameters(parameters: Iterable[Any]) -> list[str]:
    """Names of the parameters (objects with `name` and `provenance`) with a cited order of magnitude."""
    return [p.name for p in parameters if is_cited(p.provenance)]
