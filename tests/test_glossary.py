"""The glossary has one home (`model/lessons/glossary.toml`): the app's tooltips and the docs' Glossary page read it.

Every term the app uses as a tooltip is in it, the docs page lists every term, no name is defined twice,
and the studies a term cites are registry studies. Illustrative teaching material, not medical advice.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from model.evidence import STUDIES
from model.lessons import glossary
from model.lessons.glossary import GLOSSARY, GlossaryError, load_glossary

ROOT = Path(__file__).resolve().parent.parent
APP_FILES = [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]
GLOSSARY_PAGE = ROOT / "docs" / "glossary.md"


def tooltip_terms() -> list[tuple[str, str]]:
    """(file, term) for every `glossary_help("term", ...)` call written in the app's source."""
    found = []
    for path in APP_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "glossary_help":
                assert node.args, f"{path.name}: glossary_help needs at least one term"
                for arg in node.args:
                    assert isinstance(arg, ast.Constant), f"{path.name}: glossary_help terms must be written out"
                    found.append((path.name, arg.value))
    return found


def load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("glossary_hook", ROOT / "docs" / "_hooks" / "glossary.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_app_uses_glossary_tooltips_on_several_pages() -> None:
    files = {name for name, _ in tooltip_terms()}
    pages = {"explore.py", "compare.py", "tipping_points.py", "how_sure.py", "model_evidence.py", "virtual_trial.py"}
    assert {"widgets.py", *pages} <= files


@pytest.mark.parametrize(("file", "term"), tooltip_terms())
def test_every_term_the_app_uses_as_a_tooltip_is_in_the_glossary(file: str, term: str) -> None:
    assert glossary.lookup(term).short, f"{file}: {term!r}"


def test_an_unknown_tooltip_term_is_a_clear_error() -> None:
    with pytest.raises(GlossaryError, match=r"'Flux capacitor' is not in the glossary"):
        glossary.lookup("Flux capacitor")


def test_no_term_or_alias_is_defined_twice() -> None:
    names = [name.casefold() for entry in GLOSSARY.values() for name in entry.names]
    assert len(names) == len(set(names))


def test_a_glossary_file_defining_a_name_twice_is_refused() -> None:
    text = """sections = ["S"]
[[terms]]
term = "Surrogate marker"
section = "S"
short = "One."
[[terms]]
term = "Biomarker"
also = ["surrogate marker"]
section = "S"
short = "Two."
"""
    with pytest.raises(GlossaryError, match=r"'surrogate marker' is defined twice"):
        load_glossary(text, "bad.toml")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ('short = "See[^gu2010]."', r"bad.toml term 1 `T`: field `short` is a tooltip"),
        ('short = "One."\ntext = "Cited[^gu2010]."', r"field `studies` \[\] must list the footnotes"),
        ('short = ""', r"field `short` must be a non-empty string"),
        ('short = "One."\nsection = "Elsewhere"', None),
    ],
)
def test_a_broken_glossary_entry_is_refused_naming_term_and_field(fields: str, message: str | None) -> None:
    section = "" if "section" in fields else 'section = "S"\n'
    text = f'sections = ["S"]\n[[terms]]\nterm = "T"\n{section}{fields}\n'
    with pytest.raises(GlossaryError, match=message or r"field `section` = 'Elsewhere' is not one of S"):
        load_glossary(text, "bad.toml")


def test_every_study_a_term_cites_is_in_the_registry() -> None:
    cited = {key for entry in GLOSSARY.values() for key in entry.studies}
    assert cited, "the MSC and surrogate-marker entries cite studies"
    assert cited <= set(STUDIES)


def test_short_definitions_are_short_enough_for_a_tooltip() -> None:
    long = [entry.term for entry in GLOSSARY.values() if len(entry.short) > 240]
    assert not long


def test_the_docs_glossary_lists_every_term_under_its_section() -> None:
    rendered = load_hook().render(GLOSSARY_PAGE.read_text(encoding="utf-8"), "glossary.md")
    assert "<!-- glossary:" not in rendered
    for section in glossary.SECTIONS:
        assert f"\n## {section}\n" in rendered
    for entry in GLOSSARY.values():
        assert f"\n{entry.term}\n:   {entry.definition()}\n" in rendered


def test_the_docs_glossary_types_no_term_of_its_own() -> None:
    """The page holds only the marker, not definitions that could drift from the data."""
    text = GLOSSARY_PAGE.read_text(encoding="utf-8")
    assert "<!-- glossary:terms -->" in text
    assert "\n:   " not in text


def test_the_glossary_hook_stops_the_build_on_an_unknown_marker() -> None:
    hook = load_hook()
    with pytest.raises(hook.PluginError, match=r"x\.md: unknown marker `glossary:nonsense`"):
        hook.render("<!-- glossary:nonsense -->", "x.md")
