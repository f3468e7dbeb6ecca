"""The app in a real browser: `streamlit run app.py` on 127.0.0.1, driven by Debian's Chromium via Playwright.

Each page loads and reacts to its controls, the CSV download carries the disclaimer, and
screenshots go to `test-artifacts/` (the Explore one also to `docs/images/explore.png` for the README).
Without Chromium the tests skip with the install command, except under `CI=true`, where they fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import ROOT, AppServer, new_tab, open_page, screenshot, settle
from playwright.sync_api import Browser, Page

import model

pytestmark = pytest.mark.browser

README_SHOT = ROOT / "docs" / "images" / "explore.png"
#: JavaScript: true once the outcome-card values differ from `old` (their texts joined by "|").
CARDS_CHANGED = (
    "(old) => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')].map(e => e.innerText).join('|') != old"
)


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab at projector size that accepts downloads."""
    with new_tab(browser, 1600, 1000) as tab:
        yield tab


def _move_slider(page: Page, label: str, key: str) -> None:
    """Focus the slider thumb whose label contains `label` and press `key` (e.g. "End")."""
    thumb = page.locator('[data-testid="stSlider"]').filter(has_text=label).get_by_role("slider")
    thumb.focus()
    thumb.press(key)


def test_explore_slider_changes_outcomes_and_csv_has_disclaimer(page: Page, app_server: AppServer) -> None:
    open_page(page, app_server.url, "explore")
    cards = page.locator('[data-testid="stMetricValue"]')
    before = cards.all_inner_texts()
    README_SHOT.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1600, "height": 1250})  # sidebar, cards and the whole activity plot
    settle(page)
    page.screenshot(path=str(README_SHOT))
    screenshot(page, "explore")
    _move_slider(page, "antigen clearance", "End")
    page.wait_for_function(CARDS_CHANGED, arg="|".join(before))
    page.wait_for_function("() => location.search.includes('p.antigen_clearance=2')")
    settle(page)
    assert cards.all_inner_texts() != before
    screenshot(page, "explore-after-slider")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# " + model.DISCLAIMER)
    assert "antigen_clearance=2" in text


def test_explore_url_reproduces_the_view(page: Page, app_server: AppServer) -> None:
    open_page(
        page,
        app_server.url,
        "explore?scenario=active_sle&assumptions=durable_treg&iv=msc:day=30,dose=1&days=730&present=1",
    )
    assert page.get_by_text("Remission at end").count() == 1
    assert page.locator('[data-testid="stMetricValue"]').last.inner_text() == "yes"
    assert page.get_by_role("switch", name="Presentation mode").is_checked()
    screenshot(page, "explore-durable-treg-presentation")


def test_compare_days_slider_changes_plot(page: Page, app_server: AppServer) -> None:
    open_page(page, app_server.url, "compare")
    summary = page.get_by_text("runs end in remission")
    before = summary.inner_text()
    screenshot(page, "compare")
    _move_slider(page, "Days", "End")
    page.wait_for_function("() => location.search.includes('days=3650')")
    settle(page)
    assert summary.inner_text() != before


def test_tipping_points_dose_slider_changes_map(page: Page, app_server: AppServer) -> None:
    open_page(page, app_server.url, "tipping_points")
    summary = page.get_by_text("of these starting states")
    before = summary.inner_text()
    screenshot(page, "tipping_points")
    _move_slider(page, "MSC dose", "End")
    page.wait_for_function("() => location.search.includes('dose=2')")
    settle(page)
    assert summary.inner_text() != before


def test_model_evidence_shows_equations_and_parameters(page: Page, app_server: AppServer) -> None:
    open_page(page, app_server.url, "model_evidence")
    page.get_by_text("The equations: eleven states").click()  # under "For modellers", after the loop diagram
    page.locator(".katex").nth(len(model.STATE_NAMES)).wait_for()  # one equation per state, plus the helpers
    assert page.get_by_role("heading", name="What studies found").count() == 1
    screenshot(page, "model_evidence")


def test_classroom_reveal_shows_model_next_to_prediction(page: Page, app_server: AppServer) -> None:
    open_page(page, app_server.url, "classroom")
    page.get_by_text("Lasting disease").click()
    page.get_by_role("button", name="Reveal what the model does").click()
    page.get_by_text("The toy model shows").wait_for()
    settle(page)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 1
    screenshot(page, "classroom")


@pytest.mark.parametrize("path", ["explore", "compare", "tipping_points", "how_sure", "model_evidence", "classroom"])
def test_every_page_loads_without_an_exception(page: Page, app_server: AppServer, path: str) -> None:
    if not (ROOT / "app_pages" / f"{path}.py").exists():
        pytest.skip(f"app_pages/{path}.py is not part of this checkout")
    open_page(page, app_server.url, path)
    assert page.url.split("?")[0].endswith(f"/{path}")
    assert page.locator('[data-testid="stException"]').count() == 0
    content = '[data-testid="stPlotlyChart"], [data-testid="stDataFrame"], [data-testid="stRadio"]'
    assert page.locator(content).count() >= 1, "the page shows a plot, a table or an activity"
