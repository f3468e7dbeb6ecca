"""The glossary as data: each term's plain short definition, optional longer text and cited studies.

One home for every term the project explains (`glossary.toml`): the app's tooltips
(`app_pages.widgets.glossary_help`) show the short definitions, and the docs' Glossary page is
rendered from the same records (`docs/_hooks/glossary.py`). Loading validates every field and
stops with an error naming the file, the term and the field; a name (term or alias) defined twice
is refused. Illustrative teaching material, not medical advice.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from importlib import resources
from types import MappingProxyType
from typing import Any

from ..core.errors import ModelError

__all__ = ["GLOSSARY", "SECTIONS", "GlossaryError", "Term", "load_glossary", "lookup"]

FOOTNOTE = re.compile(r"\[\^([\w-]+)\]")
#: What a tooltip cannot show: footnotes and docs-only markers belong in `text`.
NOT_IN_SHORT = re.compile(r"\[\^|<!--")


class GlossaryError(ModelError, ValueError):
    """The glossary file is invalid, or a name is not in it; the message names the term and the field."""


@dataclasses.dataclass(frozen=True)
class Term:
    """One glossary entry.

    Attributes:
        term: the heading, as the docs show it ("Regulatory T cell (Treg)").
        section: the docs section it is listed under (one of `SECTIONS`).
        short: one plain sentence or two: the app's tooltip and the start of the docs entry.
        text: what the docs add after `short` (may cite studies with footnotes `[^key]`).
        also: other names the app looks the term up by ("Treg").
        studies: registry keys (`model.evidence.STUDIES`) the text cites.
    """

    term: str
    section: str
    short: str
    text: str = ""
    also: tuple[str, ...] = ()
    studies: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the term is found by: the heading and its aliases."""
        return (self.term, *self.also)

    def definition(self) -> str:
        """The full definition the docs show: `short`, then `text`."""
        return f"{self.short} {self.text}".strip()


def _string(table: dict[str, Any], field: str, where: str, *, required: bool = True) -> str:
    value = table.get(field, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise GlossaryError(f"{where}: field `{field}` must be a non-empty string, got {value!r}")
    return value.strip()


def _strings(table: dict[str, Any], field: str, where: str) -> tuple[str, ...]:
    values = table.get(field, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise GlossaryError(f"{where}: field `{field}` must be a list of non-empty strings, got {values!r}")
    return tuple(v.strip() for v in values)


def _term(table: dict[str, Any], where: str, sections: tuple[str, ...]) -> Term:
    term = _string(table, "term", where)
    where = f"{where} `{term}`"
    section = _string(table, "section", where)
    if section not in sections:
        raise GlossaryError(f"{where}: field `section` = {section!r} is not one of {', '.join(sections)}")
    short = _string(table, "short", where)
    if NOT_IN_SHORT.search(short):
        raise GlossaryError(f"{where}: field `short` is a tooltip: footnotes and markers go in `text`")
    text = _string(table, "text", where, required=False)
    studies = _strings(table, "studies", where)
    cited = set(FOOTNOTE.findall(text))
    if cited != set(studies):
        raise GlossaryError(
            f"{where}: field `studies` {sorted(studies)} must list the footnotes of `text` {sorted(cited)}"
        )
    return Term(term, section, short, text, _strings(table, "also", where), studies)


def load_glossary(text: str, name: str = "glossary") -> tuple[tuple[str, ...], tuple[Term, ...]]:
    """The sections and terms of glossary TOML `text`; raises `GlossaryError` naming `name`, the term and field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GlossaryError(f"{name}: not valid TOML: {exc}") from exc
    sections = _strings(data, "sections", name)
    terms = tuple(_term(t, f"{name} term {i + 1}", sections) for i, t in enumerate(data.get("terms", [])))
    seen: dict[str, str] = {}
    for entry in terms:
        for alias in entry.names:
            if alias.casefold() in seen:
                raise GlossaryError(
                    f"{name}: {alias!r} is defined twice (by {seen[alias.casefold()]!r} and {entry.term!r})"
                )
            seen[alias.casefold()] = entry.term
    return sections, terms


def _load() -> tuple[tuple[str, ...], MappingProxyType[str, Term]]:
    sections, terms = load_glossary(
        resources.files(__package__).joinpath("glossary.toml").read_text("utf-8"), "glossary.toml"
    )
    return sections, MappingProxyType({t.term: t for t in terms})


#: The docs' sections, in order, and every term by its heading, in the order of the file.
SECTIONS, GLOSSARY = _load()
_BY_NAME: dict[str, Term] = {alias.casefold(): t for t in GLOSSARY.values() for alias in t.names}


def lookup(name: str) -> Term:
    """The term called `name` (its heading or an alias, any case); raises `GlossaryError` if there is none."""
    try:
        return _BY_NAME[name.casefold()]
    except KeyError:
        raise GlossaryError(f"{name!r} is not in the glossary (model/lessons/glossary.toml)") from None
