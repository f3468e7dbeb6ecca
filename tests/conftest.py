"""Fixtures shared by the test files.

- `cli`: run the command line in-process, returning (exit code, stdout, stderr);
- `app_page`: open a page of the Streamlit app in a fresh `AppTest` session, with a URL query;
- `class_db`, `app_server`, `browser` (one per test module): a class store file in a temporary
  folder, the real app server (`streamlit run app.py` on 127.0.0.1) using it, and Debian's
  Chromium through Playwright. Both skip (fail under CI) without Chromium.

Helpers for browser tests (opening a page, waiting for a run, tabs, screenshots) live in
`browser_support.py`. CI runs every test; `-m "not slow"` skips those marked `slow` (more than a few
seconds) for a quick local check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from model.cli.main import main

if TYPE_CHECKING:
    from browser_support import AppServer
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """`cli("simulate", "--days", "30")` -> (exit code, stdout, stderr) of `sle-immunomod simulate --days 30`."""

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def app_page() -> Callable[..., object]:
    """`app_page("compare", {"days": "400"})`: a fresh app session opened at a page (a file in app_pages/).

    The root URL forwards to Explore; other pages are reached by switching page, as a link would,
    and then get `query` as their URL.
    """
    from streamlit.testing.v1 import AppTest

    def open_page(page: str, query: Mapping[str, str | Sequence[str]] | None = None, timeout: float = 60) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=timeout)
        if page == "explore":
            at.query_params.update(query or {})
            return at.run()
        at.run()
        at.query_params.clear()
        at.query_params.update(query or {})
        return at.switch_page(f"app_pages/{page}.py").run()

    return open_page


@pytest.fixture(scope="module")
def class_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The class store file (`SLE_IMMUNOMOD_DB`) of the module's app server, in a fresh temporary folder."""
    return tmp_path_factory.mktemp("class-store") / "classes.db"


@pytest.fixture(scope="module")
def app_server(class_db: Path) -> Iterator[AppServer]:
    """The real app (`streamlit run app.py` on a free port of 127.0.0.1) with its own class store, for one module.

    Skips (fails under CI) before starting when Debian's Chromium is missing; stopped afterwards.
    """
    from browser_support import AppServer, chromium_path

    chromium_path()
    server = AppServer({"SLE_IMMUNOMOD_DB": str(class_db)}).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless through Playwright, for one module (tabs come from `browser_support.new_tab`)."""
    from browser_support import chromium

    with chromium() as launched:
        yield launched
