"""The app in a real browser: `streamlit run app.py` on 127.0.0.1, driven by Debian's Chromium via Playwright.

Each page loads and reacts to its controls, the CSV download carries the disclaimer, and
screenshots go to `test-artifacts/` (the Explore one also to `docs/images/explore.png` for the README).
Without Chromium the tests skip with the install command, except under `CI=true`, where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

import model

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
README_SHOT = ROOT / "docs" / "images" / "explore.png"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: JavaScript: true once the outcome-card values differ from `old` (their texts joined by "|").
CARDS_CHANGED = (
    "(old) => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')].map(e => e.innerText).join('|') != old"
)
STARTUP_TIMEOUT = 60.0
UI_TIMEOUT_MS = 30_000


def _chromium() -> str:
    """Path of the system Chromium, or skip (fail under CI) with how to install it."""
    path = shutil.which("chromium")
    if path:
        return path
    message = "Debian Chromium not found; install with: apt-get install -y chromium"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The app served by `streamlit run` on a free port of 127.0.0.1; terminated afterwards."""
    _chromium()
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        waited = 0.0
        while not _healthy(url):
            try:
                proc.wait(timeout=0.25)  # returns only if the server died
            except subprocess.TimeoutExpired:
                waited += 0.25
                if waited > STARTUP_TIMEOUT:
                    pytest.fail(f"streamlit did not become healthy within {STARTUP_TIMEOUT:g} s")
                continue
            pytest.fail(f"streamlit exited early:\n{proc.stdout.read() if proc.stdout else ''}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium (the system one) for the module."""
    executable = _chromium()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: Browser, server: str) -> Iterator[Page]:
    """A fresh tab at projector size that accepts downloads."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(UI_TIMEOUT_MS)
    yield tab
    context.close()


def _open(page: Page, server: str, path: str) -> None:
    """Load a page and wait until the script has finished (the disclaimer is there, nothing is running)."""
    page.goto(f"{server}/{path}")
    page.get_by_text("not medical advice").first.wait_for()
    _settle(page)


def _settle(page: Page) -> None:
    """Wait until Streamlit reports that no script is running and no element is still a placeholder."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"], .stSkeleton')")


def _shot(page: Page, name: str) -> Path:
    """Screenshot of the whole page into test-artifacts/ (the viewport is stretched to the app's height)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 8000)})
    _settle(page)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    return path


def _move_slider(page: Page, label: str, key: str) -> None:
    """Focus the slider thumb whose label contains `label` and press `key` (e.g. "End")."""
    thumb = page.locator('[data-testid="stSlider"]').filter(has_text=label).get_by_role("slider")
    thumb.focus()
    thumb.press(key)


def test_explore_slider_changes_outcomes_and_csv_has_disclaimer(page: Page, server: str) -> None:
    _open(page, server, "explore")
    cards = page.locator('[data-testid="stMetricValue"]')
    before = cards.all_inner_texts()
    README_SHOT.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1600, "height": 1250})  # sidebar, cards and the whole activity plot
    _settle(page)
    page.screenshot(path=str(README_SHOT))
    _shot(page, "explore")
    _move_slider(page, "antigen clearance", "End")
    page.wait_for_function(CARDS_CHANGED, arg="|".join(before))
    page.wait_for_function("() => location.search.includes('p.antigen_clearance=2')")
    _settle(page)
    assert cards.all_inner_texts() != before
    _shot(page, "explore-after-slider")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# " + model.DISCLAIMER)
    assert "antigen_clearance=2" in text


def test_explore_url_reproduces_the_view(page: Page, server: str) -> None:
    _open(page, server, "explore?scenario=active_sle&assumptions=durable_treg&iv=msc:day=30,dose=1&days=730&present=1")
    assert page.get_by_text("Remission at end").count() == 1
    assert page.locator('[data-testid="stMetricValue"]').last.inner_text() == "yes"
    assert page.get_by_role("switch", name="Presentation mode").is_checked()
    _shot(page, "explore-durable-treg-presentation")


def test_compare_days_slider_changes_plot(page: Page, server: str) -> None:
    _open(page, server, "compare")
    summary = page.get_by_text("runs end in remission")
    before = summary.inner_text()
    _shot(page, "compare")
    _move_slider(page, "Days", "End")
    page.wait_for_function("() => location.search.includes('days=3650')")
    _settle(page)
    assert summary.inner_text() != before


def test_tipping_points_dose_slider_changes_map(page: Page, server: str) -> None:
    _open(page, server, "tipping_points")
    summary = page.get_by_text("of these starting states")
    before = summary.inner_text()
    _shot(page, "tipping_points")
    _move_slider(page, "MSC dose", "End")
    page.wait_for_function("() => location.search.includes('dose=2')")
    _settle(page)
    assert summary.inner_text() != before


def test_model_evidence_shows_equations_and_parameters(page: Page, server: str) -> None:
    _open(page, server, "model_evidence")
    page.get_by_text("The equations: eleven states").click()  # under "For modellers", after the loop diagram
    page.locator(".katex").nth(len(model.STATE_NAMES)).wait_for()  # one equation per state, plus the helpers
    assert page.get_by_role("heading", name="What studies found").count() == 1
    _shot(page, "model_evidence")


def test_classroom_reveal_shows_model_next_to_prediction(page: Page, server: str) -> None:
    _open(page, server, "classroom")
    page.get_by_text("Lasting disease").click()
    page.get_by_role("button", name="Reveal what the model does").click()
    page.get_by_text("The toy model shows").wait_for()
    _settle(page)
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 1
    _shot(page, "classroom")


@pytest.mark.parametrize("path", ["explore", "compare", "tipping_points", "how_sure", "model_evidence", "classroom"])
def test_every_page_loads_without_an_exception(page: Page, server: str, path: str) -> None:
    if not (ROOT / "app_pages" / f"{path}.py").exists():
        pytest.skip(f"app_pages/{path}.py is not part of this checkout")
    _open(page, server, path)
    assert page.url.split("?")[0].endswith(f"/{path}")
    assert page.locator('[data-testid="stException"]').count() == 0
    content = '[data-testid="stPlotlyChart"], [data-testid="stDataFrame"], [data-testid="stRadio"]'
    assert page.locator(content).count() >= 1, "the page shows a plot, a table or an activity"
