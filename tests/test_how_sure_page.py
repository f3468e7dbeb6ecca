"""The "How sure are we?" page: runs small ensembles, shows bands, P(remission) per assumption set and indices."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import model

pytestmark = pytest.mark.slow  # each test takes more than a few seconds

PAGE = str(Path(__file__).resolve().parents[1] / "app_pages" / "how_sure.py")


@pytest.fixture(scope="module")
def page():
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.query_params["n"] = "16"
    app.query_params["days"] = "120"
    app.query_params["iv"] = "msc:day=30,dose=1"
    app.query_params["assumptions"] = "durable_treg"
    return app.run()


def test_page_runs_without_errors_and_carries_the_disclaimer(page):
    assert not page.exception
    assert not page.error
    assert page.title[0].value == "How sure are we?"
    assert any("not predictive" in info.value for info in page.info)


def test_page_reads_its_state_from_the_url(page):
    assert page.selectbox(key="how_sure.assumptions").value == "durable_treg"
    assert page.select_slider(key="how_sure.n").value == 16
    assert model.parse_intervention(page.text_area(key="how_sure.iv").value) == model.MSCInfusion(day=30, dose=1)


def test_page_shows_probabilities_with_intervals_and_explains_the_bands(page):
    labels = [m.label for m in page.metric]
    assert "In remission at the end, with treatment" in labels and "Without treatment" in labels
    assert any("95 % interval" in c.value for c in page.caption)
    text = " ".join(m.value for m in page.markdown)
    assert "What the bands mean" in text and "What they do not mean" in text
    assert [h.value for h in page.header] == [
        "1. One story, uncertain numbers",
        "2. Same numbers, different stories",
        "3. Which numbers matter most?",
    ]
    assert len(page.get("plotly_chart")) == 4  # fan chart, P(remission) bars, histogram, indices


def test_bad_url_values_give_a_warning_naming_the_field_not_a_traceback():
    app = AppTest.from_file(PAGE, default_timeout=120)
    app.query_params["n"] = "5000"
    app.query_params["days"] = "3000"
    app.query_params["iv"] = "msc:day=30,dose=99"
    app.run()
    assert not app.exception
    warnings = " ".join(w.value for w in app.warning)
    assert "`n`" in warnings and "dose" in warnings and "`days` = 3000" in warnings
    assert app.slider(key="how_sure.days").value == 730
    assert app.select_slider(key="how_sure.n").value == 32


def test_a_bad_treatment_typed_on_the_page_is_a_warning(page):
    page.text_area(key="how_sure.iv").set_value("msc:day=30,dose=1\nmsc:day=abc").run()
    assert not page.exception
    assert any("Treatment" in w.value for w in page.warning)
