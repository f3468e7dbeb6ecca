"""The one disclaimer every result carries, and the short tag for titles.

Every place a simulation result is shown or written (app pages, plots, CSV/Parquet headers and
metadata, CLI output, figures) takes its wording from here.
"""

from __future__ import annotations

DISCLAIMER = (
    "sle-immunomod: illustrative teaching model, not predictive, not medical advice. "
    "Amounts are in arbitrary units; the activity index is a toy, not SLEDAI."
)

#: The short form for plot titles and headings.
ILLUSTRATIVE = "illustrative, not predictive"


def tagged(title: str) -> str:
    """`title` followed by the short illustrative tag, as every plot title carries it (added once)."""
    return title if ILLUSTRATIVE in title else f"{title} ({ILLUSTRATIVE})"
