"""MkDocs hook: fill the `<!-- glossary:terms -->` marker with the glossary (`model/lessons/glossary.toml`).

The terms live once, in the model package: the app shows their short definitions as tooltips and
this hook writes every term, section by section, as a definition list. It runs before the evidence
hook, so the studies a term cites (`[^key]` footnotes) get their references appended there; a
cited key missing from the study registry, or an unknown marker, stops the build naming the page.
"""

from __future__ import annotations

import re
from typing import Any

from mkdocs.exceptions import PluginError

from model.evidence import STUDIES
from model.lessons.glossary import GLOSSARY, SECTIONS

MARKER = re.compile(r"<!--\s*glossary:([a-z-]+)\s*-->")


def terms_markdown() -> str:
    """Every glossary term under a `##` heading per section, as Markdown definition lists."""
    parts = []
    for section in SECTIONS:
        parts.append(f"## {section}\n")
        for entry in (t for t in GLOSSARY.values() if t.section == section):
            parts.append(f"{entry.term}\n:   {entry.definition()}\n")
    return "\n".join(parts)


def render(markdown: str, page_name: str = "page") -> str:
    """`markdown` with the glossary marker filled; raises PluginError naming the page on a bad marker or key."""
    missing = sorted({key for t in GLOSSARY.values() for key in t.studies if key not in STUDIES})
    if missing:
        raise PluginError(f"{page_name}: glossary terms cite {missing}, which are not registry studies")

    def fill(match: re.Match[str]) -> str:
        if match.group(1) != "terms":
            raise PluginError(f"{page_name}: unknown marker `glossary:{match.group(1)}`; the marker is glossary:terms")
        return terms_markdown()

    return MARKER.sub(fill, markdown)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """MkDocs event: fill the glossary marker of one page."""
    return render(markdown, page.file.src_path)
