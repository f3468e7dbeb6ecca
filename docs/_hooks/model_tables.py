"""MkDocs hook: fill `<!-- model:NAME [ARG] -->` markers with text generated from the model.

The text comes from the package (`model.report.docs_tables.MARKERS`, the same generators that
write the tables of `docs/model.md`), so it never drifts from the code; this hook only finds the
markers. Every page also gets the model's disclaimer box at the top (unless it already has one).
An unknown marker stops the build with a message naming the page and the valid markers.

Markers:
    assumption-sets        one section per `model.ASSUMPTION_SETS` entry with its overrides
    assumption-comparison  `model.compare_assumptions()` for one MSC infusion, as a table
    scenarios              table of `model.SCENARIOS`
    mechanisms             table of `model.MECHANISMS` (the names used as knockouts, `ko=`)
    states                 table of `model.STATE_INFO`
    parameter-glossary     every parameter name with symbol, unit and meaning
    screenshot NAME        docs/images/NAME.png if it exists, else a note on how it is made
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

import model
from model.core.disclaimer import tagged
from model.report import docs_tables

MARKER = re.compile(r"<!--\s*model:([a-z-]+)(?:[ \t]+([\w.-]+))?\s*-->")


def screenshot(name: str | None, docs_dir: Path) -> str:
    """The app screenshot `images/NAME.png` if the browser tests have made it, else a note."""
    if not name:
        raise PluginError("`<!-- model:screenshot NAME -->` needs a NAME, e.g. explore")
    if (docs_dir / "images" / f"{name}.png").is_file():
        return f"![{tagged(f'The {name} page of the app')}](images/{name}.png)\n"
    return (
        f'!!! note "Screenshot"\n    The screenshot `images/{name}.png` is taken by the browser tests '
        "(`python -m pytest -m browser`); it appears here once they have run.\n"
    )


def _from_package(generate: Callable[[], str]) -> Callable[[str | None, Path], str]:
    return lambda _arg, _docs_dir: generate()


RENDERERS: dict[str, Callable[[str | None, Path], str]] = {
    **{name: _from_package(generate) for name, generate in docs_tables.MARKERS.items()},
    "screenshot": screenshot,
}

DISCLAIMER_BOX = f'!!! warning "Illustrative teaching model"\n    {model.DISCLAIMER}\n'
#: A page that already opens with such a box (any title starting like this) gets no second one.
HAS_DISCLAIMER_BOX = re.compile(r'^!!! warning "Illustrative teaching model', flags=re.MULTILINE)


def _with_disclaimer(markdown: str) -> str:
    """Insert the disclaimer box after the first top-level heading (or at the top), unless the page has such a box."""
    if HAS_DISCLAIMER_BOX.search(markdown):
        return markdown
    match = re.search(r"^# .*$", markdown, flags=re.MULTILINE)
    if match is None:
        return DISCLAIMER_BOX + "\n" + markdown
    end = match.end()
    return markdown[:end] + "\n\n" + DISCLAIMER_BOX + markdown[end:]


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """MkDocs event: replace the markers, then add the disclaimer."""
    docs_dir = Path(config["docs_dir"])

    def replace(match: re.Match[str]) -> str:
        kind, arg = match.group(1), match.group(2)
        if kind not in RENDERERS:
            errormsg = f"{page.file.src_path}: unknown marker `model:{kind}`; valid markers are {', '.join(RENDERERS)}"
            raise PluginError(errormsg)
        return RENDERERS[kind](arg, docs_dir)

    return _with_disclaimer(MARKER.sub(replace, markdown))
