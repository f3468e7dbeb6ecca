"""Accessibility of the app in real Chromium: axe-core on every page, charts with their text, keyboard only.

axe-core (bundled by `axe-playwright-python`) scans each page, and the Classroom page with a
class session open, for WCAG 2.1 A/AA problems: none may be serious or critical. Every chart is
followed directly by its text summary ("In words: ..."), which a screen reader reads next. One
Classroom activity is walked with the keyboard alone: focus the options, choose, reveal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from browser_support import ROOT, AppServer, new_tab, open_page, settle, teacher_view
from playwright.sync_api import Browser, Page

from model.classroom import ClassStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = ("explore", "compare", "tipping_points", "how_sure", "model_evidence", "classroom")
BLOCKING = ("serious", "critical")
#: WCAG 2.1 A and AA rules and axe's best practices. The two duplicate-id rules test SC 4.1.1 Parsing, which
#: the W3C's 2023 errata to WCAG 2.0 and 2.1 declare always satisfied for HTML (axe-core 4.7 and later no
#: longer run them); they flag the internal cell ids of Streamlit's data grid when a page has two tables.
WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "rules": {"duplicate-id": {"enabled": False}, "duplicate-id-active": {"enabled": False}},
}
#: JavaScript: for each chart on the page, the text of the element right after it.
TEXT_AFTER_CHARTS = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].map(chart => {
    const box = chart.closest('[data-testid="stElementContainer"]');
    const next = box && box.nextElementSibling;
    return next ? next.innerText.trim() : '';
})"""


@pytest.fixture()
def tab(browser: Browser) -> Iterator[Page]:
    with new_tab(browser, 1280, 900) as page:
        yield page


def _blocking_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each (rule, impact, where)."""
    settle(page)
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("options => axe.run(document, options)", WCAG)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes'][:3]]}"
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(tab: Page, app_server: AppServer, path: str) -> None:
    if not (ROOT / "app_pages" / f"{path}.py").exists():
        pytest.skip(f"app_pages/{path}.py is not part of this checkout")
    open_page(tab, app_server.url, path)
    assert _blocking_violations(tab) == []


@pytest.mark.parametrize("path", PAGES)
def test_every_chart_is_followed_by_its_text_summary(tab: Page, app_server: AppServer, path: str) -> None:
    if not (ROOT / "app_pages" / f"{path}.py").exists():
        pytest.skip(f"app_pages/{path}.py is not part of this checkout")
    open_page(tab, app_server.url, path)
    after = tab.evaluate(TEXT_AFTER_CHARTS)
    assert all(text.startswith("In words:") and len(text) > 30 for text in after), after


def test_class_session_views_pass_axe(tab: Page, browser: Browser, app_server: AppServer, class_db: Path) -> None:
    made = ClassStore(class_db).create_class("Accessible class")
    ClassStore(class_db).answer(made.code, 1, 2, nickname="Ada", reasoning="The loop keeps itself going.")
    open_page(tab, app_server.url, f"classroom?class={made.code}")
    assert _blocking_violations(tab) == [], "join form"
    tab.get_by_role("button", name="Join the class").click()
    tab.get_by_text("You are in a class").wait_for()
    tab.get_by_text("Lasting disease").click()
    settle(tab)
    assert _blocking_violations(tab) == [], "a student in a class, with the reason box"
    with new_tab(browser, 1280, 900) as teacher:
        teacher_view(teacher, app_server.url, made.code, made.token)
        teacher.get_by_text("1 student(s) predicted").wait_for()
        teacher.get_by_text("Show the model's answer next to the class").click()
        teacher.get_by_text("The toy model shows option B").wait_for()
        assert _blocking_violations(teacher) == [], "the teacher's view"
        assert all(t.startswith("In words:") for t in teacher.evaluate(TEXT_AFTER_CHARTS))


def _tab_to(page: Page, javascript: str, limit: int = 80) -> None:
    """Press Tab until `javascript` (about `document.activeElement`) is true; fail after `limit` presses."""
    for _ in range(limit):
        if page.evaluate(javascript):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached: {javascript}")


def test_a_classroom_activity_can_be_done_with_the_keyboard_alone(tab: Page, app_server: AppServer) -> None:
    open_page(tab, app_server.url, "classroom")
    tab.locator("body").focus()
    _tab_to(tab, "() => document.activeElement.matches('input[type=radio]')")
    tab.keyboard.press("ArrowDown")  # the second option: lasting disease
    settle(tab)
    assert tab.get_by_role("radio", name="Lasting disease", exact=False).is_checked()
    _tab_to(
        tab, "() => document.activeElement.matches('button') && document.activeElement.innerText.includes('Reveal')"
    )
    tab.keyboard.press("Enter")
    tab.get_by_text("The toy model shows").wait_for()
    settle(tab)
    assert tab.get_by_text("Your prediction matches the toy model").count() == 1
    assert tab.locator('[data-testid="stPlotlyChart"]').count() >= 1
