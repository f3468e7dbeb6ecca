"""The Virtual trial page: predict first, then one trial, then 1,000, then the power curve (illustrative)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from model.evidence import STUDIES

PAGE = str(Path(__file__).resolve().parents[1] / "app_pages" / "virtual_trial.py")


def _app(**query: str) -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=300)
    for name, value in {"pop": "1000", **query}.items():
        app.query_params[name] = value
    return app


@pytest.fixture(scope="module")
def fresh_page():
    return _app().run()


def test_page_carries_the_disclaimer_and_names_the_deng_like_sizes_from_the_registry(fresh_page):
    assert not fresh_page.exception and not fresh_page.error
    assert fresh_page.title[0].value == "Virtual trial"
    assert any("not predictive" in info.value for info in fresh_page.info)
    intro = " ".join(m.value for m in fresh_page.markdown)
    for name, n in STUDIES["deng2017"].arms.items():
        assert f"{n} ({name})" in intro
    assert "Illustrative only" in intro


def test_nothing_is_revealed_before_a_prediction(fresh_page):
    assert fresh_page.button(key="virtual_trial.once").disabled
    assert not fresh_page.metric
    assert [h.value for h in fresh_page.header] == ["1. Predict", "2. Run it once", f"3. Run it {1000:,} times"]


@pytest.mark.slow
def test_predict_then_reveal_one_trial_then_a_thousand_and_the_power_curve():
    app = _app().run()
    app.radio(key=next(r.key for r in app.radio if r.key.startswith("virtual_trial.guess."))).set_value(
        "No statistically significant difference"
    ).run()
    app.button(key="virtual_trial.once").click().run()
    assert not app.exception and not app.error
    labels = [m.label for m in app.metric]
    assert labels == ["Estimated difference", "p-value", "True difference in the model's population"]
    app.button(key="virtual_trial.many").click().run()
    assert not app.exception and not app.error
    labels = [m.label for m in app.metric]
    assert "Trials that were significant" in labels and "Intervals that contain the truth" in labels
    assert [h.value for h in app.header][-1] == "4. How many patients would it take?"
    assert len(app.get("plotly_chart")) == 2  # distribution of estimates, power curve
    words = " ".join(m.value for m in app.markdown)
    assert "Virtual trial (illustrative, not predictive)" in words and "In words:" in words
    assert app.query_params["design"] == "deng_like"


def test_bad_url_values_give_a_warning_naming_the_field_not_a_traceback():
    app = _app(design="huge", noise="7", seed="-3").run()
    assert not app.exception
    warnings = " ".join(w.value for w in app.warning)
    assert "`design`" in warnings and "`noise`" in warnings and "`seed`" in warnings
    assert app.radio(key="virtual_trial.design").value == "deng_like"


@pytest.mark.slow
def test_the_before_after_design_uses_its_own_endpoint_and_explains_regression_to_the_mean():
    app = _app(design="before_after", inert="1").run()
    assert app.radio(key="virtual_trial.endpoint").disabled
    assert app.select_slider(key="virtual_trial.noise").disabled
    guess = next(r.key for r in app.radio if r.key.startswith("virtual_trial.guess."))
    app.radio(key=guess).set_value("MSC clearly better (statistically significant)").run()
    app.button(key="virtual_trial.once").click().run()
    app.button(key="virtual_trial.many").click().run()
    assert not app.exception and not app.error
    words = " ".join(m.value for m in app.markdown)
    assert "mean change from baseline" in words and "regression to the mean" in words
    assert any("before/after" in c.value for c in app.caption)
