"""The study registry behind every trial fact in the docs and the app.

`STUDIES` maps a short key (`deng2017`) to a frozen `Study` record loaded and validated from
`studies.toml`; `CLAIMS` holds the promotional claims with the keys that support and contradict them
(`claims.toml`); `REGISTERED` lists registered trials without published results. Intervals from counts
are computed (`wilson_interval`, `newcombe_interval`), never typed. Illustrative teaching material, not
predictive, not medical advice.

    from model.evidence import STUDIES, format_citation
    format_citation(STUDIES["deng2017"])  # 'Deng et al. 2017'
"""

from __future__ import annotations

from types import MappingProxyType

from model.evidence.provenance import INTERVENTION_PROVENANCE, cited_parameters, is_cited
from model.evidence.registry import (
    CERTAINTIES,
    DESIGNS,
    PRECLINICAL,
    STATUSES,
    Claim,
    Outcome,
    Population,
    RegisteredTrial,
    RegistryError,
    Study,
    load,
    parse_claims,
    parse_studies,
)
from model.evidence.stats import newcombe_interval, wilson_interval
from model.evidence.tables import (
    THERAPIES,
    THERAPY_COLOURS,
    claims_table,
    evidence_map,
    forest_data,
    map_counts,
    proportions_data,
)
from model.evidence.text import (
    difference_text,
    format_citation,
    population_text,
    proportion_text,
    reference,
    study_card,
)

_studies, _claims, _registered = load()
#: Every study of the registry by key (read-only).
STUDIES: MappingProxyType[str, Study] = MappingProxyType(_studies)
#: The promotional claims checked, in the order of the claims page.
CLAIMS: tuple[Claim, ...] = _claims
#: Registered trials without published results (not citable as studies).
REGISTERED: MappingProxyType[str, RegisteredTrial] = MappingProxyType(_registered)

__all__ = [
    "CERTAINTIES",
    "CLAIMS",
    "DESIGNS",
    "INTERVENTION_PROVENANCE",
    "PRECLINICAL",
    "REGISTERED",
    "STATUSES",
    "STUDIES",
    "THERAPIES",
    "THERAPY_COLOURS",
    "Claim",
    "Outcome",
    "Population",
    "RegisteredTrial",
    "RegistryError",
    "Study",
    "cited_parameters",
    "claims_table",
    "difference_text",
    "evidence_map",
    "forest_data",
    "format_citation",
    "is_cited",
    "load",
    "map_counts",
    "newcombe_interval",
    "parse_claims",
    "parse_studies",
    "population_text",
    "proportion_text",
    "proportions_data",
    "reference",
    "study_card",
    "wilson_interval",
]
