"""Tables made from the registry: the evidence map, forest-plot data, single-arm proportions, the claims check.

All intervals from counts are computed here (`model.evidence.stats`); published intervals are passed
through and marked `as published`. Illustrative teaching material, not medical advice.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from model.evidence.registry import CERTAINTIES, DESIGNS, Claim, Study
from model.evidence.stats import wilson_interval
from model.evidence.text import difference, format_citation, population_text

#: Order of therapies in the map and plots.
THERAPIES: tuple[str, ...] = ("MSC", "HSCT", "CAR-T", "B-cell depletion", "belimumab", "biology")
#: One Okabe-Ito colour (colour-blind safe, as in the app) per therapy.
THERAPY_COLOURS: dict[str, str] = {
    "MSC": "#E69F00",
    "HSCT": "#56B4E9",
    "CAR-T": "#009E73",
    "B-cell depletion": "#0072B2",
    "belimumab": "#D55E00",
    "biology": "#CC79A7",
}


def _order(values: pd.Series, order: tuple[str, ...]) -> pd.Series:
    return values.map({v: i for i, v in enumerate(order)}).fillna(len(order))


def evidence_map(studies: Mapping[str, Study]) -> pd.DataFrame:
    """One row per study: therapy, design, certainty, key, citation, species, setting, population, n, year."""
    rows = [
        {
            "therapy": s.therapy,
            "design": s.design,
            "certainty": s.certainty,
            "key": s.key,
            "citation": format_citation(s),
            "species": s.species,
            "setting": s.setting,
            "population": population_text(s),
            "status": s.population.status,
            "n": s.n_total,
            "year": s.year,
            "certainty reason": s.certainty_reason,
        }
        for s in studies.values()
    ]
    table = pd.DataFrame(rows)
    table = table.sort_values(
        ["therapy", "design", "year"],
        key=lambda col: (
            _order(col, THERAPIES) if col.name == "therapy" else _order(col, DESIGNS) if col.name == "design" else col
        ),
    )
    return table.reset_index(drop=True)


def map_counts(studies: Mapping[str, Study]) -> pd.DataFrame:
    """Number of studies by therapy (rows) and design (columns)."""
    table = evidence_map(studies)
    counts = pd.crosstab(table["therapy"], table["design"])
    counts = counts.reindex(index=[t for t in THERAPIES if t in counts.index])
    return counts.reindex(columns=[d for d in DESIGNS if d in counts.columns])


def forest_data(studies: Mapping[str, Study]) -> pd.DataFrame:
    """Differences between randomised arms with 95 % intervals, in percentage points (one row per outcome).

    Counts give a Newcombe interval computed here; otherwise the published estimate and interval are used.
    Outcome definitions differ between trials (the `outcome` column), so the rows are comparable in scale,
    not in what was measured.
    """
    rows = []
    for s in studies.values():
        for o in s.outcomes:
            if not o.forest:
                continue
            if len(o.totals) == 2:
                diff, low, high = (100 * v for v in difference(o))
                comparison = f"{o.arm_labels[0]} vs {o.arm_labels[1]}"
                source = "computed here from counts (Newcombe)"
            else:
                diff, low, high = o.estimate, o.ci_low, o.ci_high
                comparison = "treatment vs placebo"
                source = "as published"
            rows.append(
                {
                    "key": s.key,
                    "citation": format_citation(s),
                    "therapy": s.therapy,
                    "outcome": o.name,
                    "comparison": comparison,
                    "difference": float(diff),  # type: ignore[arg-type]
                    "low": float(low),  # type: ignore[arg-type]
                    "high": float(high),  # type: ignore[arg-type]
                    "n": s.n_total,
                    "source": source,
                    "population": population_text(s),
                    "certainty": s.certainty,
                }
            )
    return pd.DataFrame(rows)


def proportions_data(studies: Mapping[str, Study]) -> pd.DataFrame:
    """Single-arm proportions (no comparison group) with Wilson 95 % intervals computed here, in per cent."""
    rows = []
    for s in studies.values():
        for o in s.outcomes:
            if len(o.totals) != 1:
                continue
            (e,), (n,) = o.events, o.totals
            low, high = wilson_interval(e, n)
            rows.append(
                {
                    "key": s.key,
                    "citation": format_citation(s),
                    "therapy": s.therapy,
                    "outcome": o.arm_labels[0],
                    "events": e,
                    "total": n,
                    "percent": 100 * e / n,
                    "low": 100 * low,
                    "high": 100 * high,
                    "population": population_text(s),
                }
            )
    return pd.DataFrame(rows)


def claims_table(claims: tuple[Claim, ...]) -> pd.DataFrame:
    """The claims check: claim, verdict, supporting and contradicting keys, certainty, population."""
    rows = [
        {
            "claim": c.claim,
            "verdict": c.verdict,
            "supports": ", ".join(c.supports),
            "contradicts or limits": ", ".join(c.contradicts),
            "certainty": c.certainty,
            "population the evidence comes from": c.population,
        }
        for c in claims
    ]
    return pd.DataFrame(rows)


def certainty_rank(certainty: str) -> int:
    """0 for high ... 3 for very low."""
    return CERTAINTIES.index(certainty)
