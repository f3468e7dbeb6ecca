"""The equations in LaTeX have one home (model/core/latex.py), shown by the docs and the app."""

from pathlib import Path

import model
from model.core import latex
from model.report import docs_tables

DOCS = Path(__file__).parents[1] / "docs"


def test_there_is_one_equation_per_state_in_state_order():
    assert [state for state, _ in latex.EQUATIONS] == list(model.STATE_NAMES)


def test_every_parameter_symbol_appears_in_the_equations():
    text = " ".join(tex for _, tex in (*latex.EQUATIONS, *latex.HELPERS))
    assert [p.name for p in model.PARAMETERS if p.symbol not in text] == []


def test_the_model_page_shows_the_generated_equations():
    page = (DOCS / "model.md").read_text(encoding="utf-8")
    assert docs_tables.equations_tex() in page and docs_tables.helpers_tex() in page


def test_the_app_types_no_equation_of_its_own():
    from app_pages import model_evidence

    source = Path(model_evidence.__file__).read_text(encoding="utf-8")
    assert "latex.EQUATIONS" in source and r"\frac{d" not in source  # no equation typed in the app
