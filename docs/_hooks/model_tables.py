"""MkDocs hook: fill `<!-- model:NAME [ARG] -->` markers with text generated from the model.

Generated text never drifts from the code: the assumption sets, scenarios, mechanisms, states and
parameter names come from `model`, and the comparison table is computed at build time. Every page
also gets the model's disclaimer box at the top (unless it already has one). An unknown marker stops
the build with a message naming the page and the valid markers.

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
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

import model

MARKER = re.compile(r"<!--\s*model:([a-z-]+)(?:[ \t]+([\w.-]+))?\s*-->")


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table; pipes inside cells are escaped."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(str(cell).replace("|", r"\|") for cell in row) + " |")
    return "\n".join(lines)


def _number(value: float) -> str:
    return f"{value:g}"


def assumption_sets(_: str | None, __: Path) -> str:
    """One subsection per assumption set: title, explanation, basis and parameter overrides."""
    defaults = model.Parameters()
    info = {p.name: p for p in model.PARAMETERS}
    parts = []
    for name, aset in model.ASSUMPTION_SETS.items():
        rows = [
            (f"`{key}`", _number(getattr(defaults, key)), _number(value), info[key].unit, info[key].description)
            for key, value in aset.overrides.items()
        ]
        changes = (
            _table(("parameter", "default", "in this set", "unit", "meaning"), rows)
            if rows
            else "*No overrides: this set uses the default parameters.*"
        )
        parts.append(
            f"### `{name}`: {aset.title}\n\n{aset.explanation}\n\n**Basis:** {aset.basis}\n\n"
            f"**What it changes:**\n\n{changes}\n"
        )
    return "\n".join(parts)


def assumption_comparison(_: str | None, __: Path) -> str:
    """`compare_assumptions()` for one MSC infusion on day 30 in active SLE, formatted."""
    table = model.compare_assumptions()
    follow = table.attrs.get("follow_up_days", 180)
    rows = [
        (
            f"`{r.assumptions}`",
            f"{r.activity_before:.2f}",
            f"{r.activity_lowest:.2f}",
            f"{r.activity_follow_up:.2f}",
            f"{r.auc_reduction_percent:.0f} %",
            f"{r.days_in_remission:.0f}",
            "yes" if r.remission_at_end else "no",
        )
        for r in table.itertuples()
    ]
    header = (
        "assumption set",
        "TLAI before",
        "lowest TLAI",
        f"TLAI {follow:g} days after",
        "less disease over 2 years",
        "days in remission",
        "remission at 2 years",
    )
    return (
        _table(header, rows) + "\n\n*Computed from the model when this site was built (`model.compare_assumptions()`: "
        "active SLE, one MSC infusion of dose 1 on day 30, 730 days). "
        '"Less disease" is the reduction of the time-integrated TLAI against no treatment under the same set. '
        f"{model.DISCLAIMER}*\n"
    )


def scenarios(_: str | None, __: Path) -> str:
    """Table of the scenarios (toy persons)."""
    rows = (
        (f"`{name}`", s.title, ", ".join(f"`{k}` = {_number(v)}" for k, v in s.overrides.items()), s.description)
        for name, s in model.SCENARIOS.items()
    )
    return _table(("scenario", "title", "overrides", "what it is"), rows)


def mechanisms(_: str | None, __: Path) -> str:
    """Table of the mechanisms that can be switched off."""
    return _table(
        ("mechanism (`ko=` name)", "what it does"), ((f"`{m.name}`", m.explanation) for m in model.MECHANISMS)
    )


def states(_: str | None, __: Path) -> str:
    """Table of the state variables."""
    rows = ((f"`{s.name}`", s.label, s.description) for s in model.STATE_INFO)
    return _table(("state", "label in the app", "what it lumps together"), rows)


def parameter_glossary(_: str | None, __: Path) -> str:
    """Every parameter name with symbol, unit and meaning (ranges and provenance are on the model page)."""
    rows = ((f"`{p.name}`", f"\\({p.symbol}\\)", p.unit, p.description) for p in model.PARAMETERS)
    return _table(("parameter", "symbol", "unit", "meaning"), rows)


def screenshot(name: str | None, docs_dir: Path) -> str:
    """The app screenshot `images/NAME.png` if the browser tests have made it, else a note."""
    if not name:
        raise PluginError("`<!-- model:screenshot NAME -->` needs a NAME, e.g. explore")
    if (docs_dir / "images" / f"{name}.png").is_file():
        return f"![The {name} page of the app (illustrative, not predictive)](images/{name}.png)\n"
    return (
        f'!!! note "Screenshot"\n    The screenshot `images/{name}.png` is taken by the browser tests '
        "(`python -m pytest -m browser`); it appears here once they have run.\n"
    )


RENDERERS: dict[str, Callable[[str | None, Path], str]] = {
    "assumption-sets": assumption_sets,
    "assumption-comparison": assumption_comparison,
    "scenarios": scenarios,
    "mechanisms": mechanisms,
    "states": states,
    "parameter-glossary": parameter_glossary,
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
