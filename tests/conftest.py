"""Fixtures shared by the test files.

- `cli`: run the command line in-process, returning (exit code, stdout, stderr);
- `app_page`: open a page of the Streamlit app in a fresh `AppTest` session, with a URL query.

Helpers for browser tests live in `browser_support.py`. CI runs every test; `-m "not slow"` skips
those marked `slow` (more than a few seconds) for a quick local check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from model.cli.main import main

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
