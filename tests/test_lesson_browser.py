"""A guided lesson step walked with the keyboard only, in a real Chromium against the real server.

`streamlit run app.py` on 127.0.0.1 (tests/browser_support.py), Debian's Chromium through Playwright:
open `/?lesson=1&step=1`, reach the prediction with Tab, pick with the arrow keys and Space, type a
reason, lock with Enter; the results and the reveal appear only then, the choice is locked, and
"Next step" (Enter) opens step 2. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import AppServer, new_tab, screenshot, settle
from playwright.sync_api import Browser, Page, expect

from model import lessons

pytestmark = [pytest.mark.browser, pytest.mark.slow]
#: Tab presses allowed to reach a control from where the focus is.
MAX_TABS = 250


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    with new_tab(browser, 1400, 1000) as tab:
        yield tab


def tab_to(page: Page, script: str) -> None:
    """Press Tab until the focused element satisfies the JavaScript predicate `script` (on `el`)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!el && ({script}); }}"):
            return
    pytest.fail(f"the keyboard focus never reached an element with {script}")


def focused_text(script: str) -> str:
    return f"(el.innerText || el.value || el.getAttribute('aria-label') || '').includes({script!r})"


def test_a_guided_step_can_be_done_with_the_keyboard_alone(page: Page, app_server: AppServer) -> None:
    step = lessons.step(1, 1)
    page.goto(f"{app_server.url}/?lesson=1&step=1")
    page.get_by_text(step.setup).wait_for()
    settle(page)
    expect(page.get_by_text("Lock your prediction in the task panel above")).to_be_visible()
    expect(page.get_by_text(step.reveal)).to_have_count(0)
    assert page.locator('[data-testid="stMetric"]').count() == 0, "no results before the prediction"

    tab_to(page, "el.type === 'radio'")
    page.keyboard.press("Space")  # the first option
    settle(page)
    page.keyboard.press("ArrowDown")  # move to option 2 and select it
    settle(page)
    assert page.evaluate("() => document.activeElement.type") == "radio"
    tab_to(page, "el.tagName === 'INPUT' && el.type === 'text'")
    page.keyboard.type("the brakes pull it back")
    tab_to(page, "el.tagName === 'BUTTON' && " + focused_text("Lock my prediction"))
    settle(page)
    page.keyboard.press("Enter")
    page.get_by_text(step.feedback[1]).wait_for()
    settle(page)
    expect(page.get_by_text(step.reveal, exact=False)).to_be_visible()
    radios = page.get_by_role("radio")
    assert all(radios.nth(i).is_disabled() for i in range(len(step.options))), "the prediction is locked"
    assert page.get_by_role("radio", name=step.options[1]).is_checked()
    assert page.locator('[data-testid="stMetric"]').count() >= 4, "the results appear after the prediction"
    screenshot(page, "guided-lesson-1-step-1")

    tab_to(page, "el.tagName === 'BUTTON' && " + focused_text("Next step"))
    page.keyboard.press("Enter")
    page.get_by_text(lessons.step(1, 2).setup).wait_for()
    settle(page)
    assert "lesson=1" in page.url and "step=2" in page.url
