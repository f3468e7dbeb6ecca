"""Helpers for tests that drive the real app: `streamlit run app.py` on 127.0.0.1 and Debian's Chromium.

`AppServer` starts the server on a free port with chosen environment variables (e.g. the class
store `SLE_IMMUNOMOD_DB`), waits until it is healthy, and can be killed with SIGKILL and started
again on the same port. The page helpers wait for Streamlit to finish a run. The shared fixtures
(`class_db`, `app_server`, `browser`) are in `conftest.py`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_TIMEOUT_S = 60.0
#: Generous: the test machine may be busy (two cores shared with the rest of the suite).
UI_TIMEOUT_MS = 90_000


def chromium_path() -> str:
    """Path of the system Chromium, or skip (fail under CI) with how to install it."""
    path = shutil.which("chromium")
    if path:
        return path
    message = "Debian Chromium not found; install with: apt-get install -y chromium"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium launched headless through Playwright (skips, or fails under CI, when it is missing)."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextlib.contextmanager
def new_tab(browser: Browser, width: int, height: int) -> Iterator[Page]:
    """A tab of `width` x `height` CSS pixels in a fresh browser context (own cookies), accepting downloads.

    Its actions wait up to `UI_TIMEOUT_MS`; the context is closed on leaving, even after a failure.
    """
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    try:
        page = context.new_page()
        page.set_default_timeout(UI_TIMEOUT_MS)
        yield page
    finally:
        context.close()


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


class AppServer:
    """`streamlit run app.py` bound to 127.0.0.1 with extra environment variables `env`."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> AppServer:
        """Start the server and wait until its health check answers (fails the test if it dies)."""
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1"]
        cmd += ["--server.port", str(self.port), "--server.headless", "true", "--server.fileWatcherType", "none"]
        cmd += ["--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(self.url):
            if self.proc.poll() is not None:
                pytest.fail(f"streamlit exited early:\n{self.proc.stdout.read() if self.proc.stdout else ''}")
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not become healthy within {STARTUP_TIMEOUT_S:g} s")
            time.sleep(0.25)
        return self

    def kill(self) -> None:
        """SIGKILL: the server gets no chance to clean up (as when a laptop's power goes)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        """Terminate the server (kill it if it does not stop within 10 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def settle(page: Page) -> None:
    """Wait until Streamlit reports that no script is running and no element is still a placeholder."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stSkeleton\"], .stSkeleton')")


def open_page(page: Page, url: str, path: str) -> None:
    """Load an app page and wait until its script has finished (the disclaimer is there)."""
    page.goto(f"{url}/{path}")
    page.get_by_text("not medical advice").first.wait_for()
    settle(page)


def teacher_view(page: Page, url: str, code: str, token: str) -> None:
    """Open the Classroom page and the teacher's view of class `code` with its teacher `token`."""
    open_page(page, url, "classroom")
    page.get_by_text("Class session").first.click()
    page.get_by_role("tab", name="Teacher").click()
    page.get_by_label("Join code").last.fill(code)
    page.get_by_label("Teacher token").fill(token)
    page.get_by_role("button", name="Open the teacher view").click()
    settle(page)


def screenshot(page: Page, name: str) -> Path:
    """The whole app into test-artifacts/NAME.png (for looking at what the tests saw).

    Streamlit scrolls inside its main element, so the viewport is stretched to the app's height
    (at most 8000 px) for the shot and set back afterwards.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 8000)})
    settle(page)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    return path
