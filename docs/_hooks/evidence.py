"""MkDocs hook: fill `<!-- evidence:KIND [KEY [NAME]] -->` markers with text from the study registry.

No trial number is typed into a page: outcomes, populations, adverse events, intervals and the evidence
map all come from `model.evidence` (`model/evidence/studies.toml`). Footnotes `[^KEY]` whose key is a
registry study get their reference appended automatically; an unknown footnote key, study, outcome or
marker stops the build with a message naming the page.

Markers:
    study KEY            the full record of one study (heading with anchor `study-KEY`)
    registry [THERAPY]   the records of every study (of one therapy), grouped by therapy
    outcome KEY NAME     the outcome's text as published (inline)
    diff KEY NAME        difference between the two arms with its Newcombe 95 % interval (inline)
    prop KEY NAME        a single-arm proportion with its Wilson 95 % interval (inline)
    field KEY FIELD      one field: population, arms, intervention, comparator, follow_up,
                         adverse_events, funding, certainty, design (inline)
    cite KEY             short citation with its footnote, e.g. `Deng et al. 2017[^deng2017]` (inline)
    map                  the evidence map: studies by therapy, design and certainty, with links
    forest               differences between randomised arms with intervals (plot and table)
    proportions          single-arm proportions with Wilson intervals (plot and table)
    claims               the claims check: keys that support and contradict, certainty, population
    claim KEY            one claim's supporting and contradicting studies, certainty and population
    registered           registered trials without published results
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from mkdocs.exceptions import PluginError

from model import evidence
from model.evidence import STUDIES

MARKER = re.compile(r"<!--\s*evidence:([a-z-]+)((?:[ \t]+[^\s>]+)*)\s*-->")
FOOTNOTE_USE = re.compile(r"(^)?\[\^([\w-]+)\](:)?", flags=re.MULTILINE)
FOOTNOTE_DEF = re.compile(r"^\[\^([\w-]+)\]:", flags=re.MULTILINE)
EVIDENCE_PAGE = "evidence.md"
#: Inline markers whose text starts with a capital letter at the start of a sentence or list item.
SENTENCE_KINDS = frozenset({"outcome", "field"})
FIELDS = (
    "population",
    "arms",
    "intervention",
    "comparator",
    "follow_up",
    "adverse_events",
    "funding",
    "certainty",
    "design",
)


class Context:
    """The page being built (for error messages and relative links)."""

    def __init__(self, src_path: str) -> None:
        self.src_path = src_path

    def fail(self, message: str) -> PluginError:
        return PluginError(f"{self.src_path}: {message}")

    def study(self, args: Sequence[str]) -> evidence.Study:
        if not args:
            raise self.fail("this evidence marker needs a study key")
        if args[0] not in STUDIES:
            raise self.fail(f"unknown study key {args[0]!r} (see model/evidence/studies.toml)")
        return STUDIES[args[0]]

    def outcome(self, args: Sequence[str]) -> evidence.Outcome:
        study = self.study(args)
        name = " ".join(args[1:])
        try:
            return study.outcome(name)
        except KeyError as err:
            raise self.fail(str(err)) from None

    def link(self, key: str) -> str:
        """Relative link to the study's record on the Evidence page."""
        if self.src_path == EVIDENCE_PAGE:
            return f"#study-{key}"
        here = posixpath.dirname(self.src_path) or "."
        return f"{posixpath.relpath(EVIDENCE_PAGE, here)}#study-{key}"


def _table(frame: pd.DataFrame) -> str:
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    lines = [header, "|" + "---|" * len(frame.columns)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(cell).replace("|", r"\|") for cell in row) + " |")
    return "\n".join(lines) + "\n"


def study(ctx: Context, args: Sequence[str]) -> str:
    return evidence.study_card(ctx.study(args))


def registry(ctx: Context, args: Sequence[str]) -> str:
    therapies = [" ".join(args)] if args else list(evidence.THERAPIES)
    parts = []
    for therapy in therapies:
        chosen = [s for s in STUDIES.values() if s.therapy == therapy]
        if not chosen:
            raise ctx.fail(f"no study with therapy {therapy!r}")
        if not args:
            parts.append(f"### {therapy}\n")
        parts += [evidence.study_card(s) for s in sorted(chosen, key=lambda s: (s.year, s.key))]
    return "\n".join(parts)


def outcome(ctx: Context, args: Sequence[str]) -> str:
    return ctx.outcome(args).text


def diff(ctx: Context, args: Sequence[str]) -> str:
    found = ctx.outcome(args)
    if len(found.totals) != 2:
        raise ctx.fail(f"{args[0]} / {found.name}: `diff` needs two arms of counts")
    return evidence.difference_text(found)


def prop(ctx: Context, args: Sequence[str]) -> str:
    found = ctx.outcome(args)
    if len(found.totals) != 1:
        raise ctx.fail(f"{args[0]} / {found.name}: `prop` needs a single-arm count")
    return evidence.proportion_text(found)


def field(ctx: Context, args: Sequence[str]) -> str:
    found = ctx.study(args)
    name = args[1] if len(args) > 1 else ""
    if name not in FIELDS:
        raise ctx.fail(f"unknown field {name!r}; fields are {', '.join(FIELDS)}")
    if name == "population":
        return evidence.population_text(found)
    if name == "arms":
        return evidence.text.arms_text(found.arms)
    if name == "certainty":
        return f"{found.certainty} ({found.certainty_reason})"
    return str(getattr(found, name))


def cite(ctx: Context, args: Sequence[str]) -> str:
    found = ctx.study(args)
    return f"{evidence.format_citation(found)}[^{found.key}]"


def evidence_map(ctx: Context, _: Sequence[str]) -> str:
    counts = evidence.map_counts(STUDIES).reset_index()
    table = evidence.evidence_map(STUDIES)
    rows = pd.DataFrame(
        {
            "therapy": table["therapy"],
            "design": table["design"],
            "certainty": table["certainty"],
            "study": [f"[{c}]({ctx.link(k)})" for c, k in zip(table["citation"], table["key"], strict=True)],
            "key": [f"`{k}`" for k in table["key"]],
            "population": table["population"],
            "n": [f"{n:,}" if n else "not stated" for n in table["n"]],
        }
    )
    return (
        "**Number of studies by therapy and design**\n\n"
        + _table(counts)
        + "\n**Every study, by therapy, design and certainty**\n\n"
        + _table(rows)
        + "\n*Made from the study registry (`model/evidence/studies.toml`) when this site was built.*\n"
    )


def _svg_rows(
    labels: Sequence[str],
    values: Sequence[tuple[float, float, float]],
    colours: Sequence[str],
    axis: tuple[float, float],
    reference: float | None,
    axis_title: str,
    title: str,
) -> str:
    """A horizontal interval plot as inline SVG: one row per label, point with its interval."""
    left, width, row, top = 300, 360, 28, 30
    height = top + row * len(labels) + 50
    lo, hi = axis

    def x(value: float) -> float:
        return left + (value - lo) / (hi - lo) * width

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{left + width + 20}" height="{height}" '
        f'viewBox="0 0 {left + width + 20} {height}" style="max-width:100%;height:auto;font:12px sans-serif">',
        f"<title>{html.escape(title)}</title>",
    ]
    if reference is not None:
        parts.append(
            f'<line x1="{x(reference):.1f}" y1="{top - 10}" x2="{x(reference):.1f}" '
            f'y2="{top + row * len(labels)}" stroke="#000" stroke-dasharray="4 3"/>'
        )
    for i, (label, (mid, low, high), colour) in enumerate(zip(labels, values, colours, strict=True)):
        y = top + row * i + row / 2
        parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{html.escape(label)}</text>')
        parts.append(
            f'<line x1="{x(low):.1f}" y1="{y:.1f}" x2="{x(high):.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="3"/>'
        )
        parts.append(f'<rect x="{x(mid) - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" fill="{colour}"/>')
    base = top + row * len(labels) + 5
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + width}" y2="{base}" stroke="#000"/>')
    step = 25 if hi - lo > 60 else 10
    tick = lo - lo % step + (step if lo % step else 0)
    while tick <= hi:
        parts.append(f'<text x="{x(tick):.1f}" y="{base + 15}" text-anchor="middle">{tick:g}</text>')
        tick += step
    parts.append(f'<text x="{left + width / 2}" y="{base + 35}" text-anchor="middle">{html.escape(axis_title)}</text>')
    parts.append("</svg>")
    return "".join(parts) + "\n"


def forest(ctx: Context, _: Sequence[str]) -> str:
    data = evidence.forest_data(STUDIES)
    labels = [f"{c}: {o}" for c, o in zip(data["citation"], data["outcome"], strict=True)]
    values = list(zip(data["difference"], data["low"], data["high"], strict=True))
    colours = [evidence.THERAPY_COLOURS[t] for t in data["therapy"]]
    lo = min(-50.0, float(data["low"].min()) - 5)
    hi = max(50.0, float(data["high"].max()) + 5)
    svg = _svg_rows(
        labels,
        values,
        colours,
        (lo, hi),
        0.0,
        "difference, treatment minus control (percentage points); right of the dashed line favours treatment",
        "Randomised trials: differences in response with 95 % intervals (illustrative summary of the registry)",
    )
    table = pd.DataFrame(
        {
            "study": [f"[{c}]({ctx.link(k)})" for c, k in zip(data["citation"], data["key"], strict=True)],
            "outcome": data["outcome"],
            "comparison": data["comparison"],
            "difference (points)": [f"{v:+.1f}".replace("-", "−") for v in data["difference"]],
            "95 % interval": [
                f"{a:+.1f} to {b:+.1f}".replace("-", "−") for a, b in zip(data["low"], data["high"], strict=True)
            ],
            "interval": data["source"],
            "population": data["population"],
        }
    )
    return (
        svg
        + "\n"
        + _table(table)
        + "\n*Each outcome is defined differently in each trial (renal remission, renal response, complete renal "
        "response), so the rows share a scale, not a definition. Intervals marked `computed here` are Newcombe "
        "hybrid score intervals from the published counts (`model.evidence.newcombe_interval`).*\n"
    )


def proportions(ctx: Context, _: Sequence[str]) -> str:
    data = evidence.proportions_data(STUDIES)
    labels = [f"{c}: {o}" for c, o in zip(data["citation"], data["outcome"], strict=True)]
    values = list(zip(data["percent"], data["low"], data["high"], strict=True))
    colours = [evidence.THERAPY_COLOURS[t] for t in data["therapy"]]
    svg = _svg_rows(
        labels,
        values,
        colours,
        (0.0, 100.0),
        None,
        "per cent of patients (no comparison group)",
        "Single-arm studies: proportions with Wilson 95 % intervals (illustrative summary of the registry)",
    )
    table = pd.DataFrame(
        {
            "study": [f"[{c}]({ctx.link(k)})" for c, k in zip(data["citation"], data["key"], strict=True)],
            "outcome": data["outcome"],
            "patients": [f"{e} of {n}" for e, n in zip(data["events"], data["total"], strict=True)],
            "95 % interval (Wilson, computed here)": [
                f"{lo_:.0f} % to {hi_:.0f} %" for lo_, hi_ in zip(data["low"], data["high"], strict=True)
            ],
            "population": data["population"],
        }
    )
    return (
        svg
        + "\n"
        + _table(table)
        + "\n*No comparison group: these proportions say how often the outcome followed treatment, not how often "
        "it was caused by it.*\n"
    )


def claims(ctx: Context, _: Sequence[str]) -> str:
    def keys(found: Sequence[str]) -> str:
        return ", ".join(f"[`{k}`]({ctx.link(k)})" for k in found) or "none found"

    rows = pd.DataFrame(
        {
            "claim": [f"[{c.claim}](#{c.key})" for c in evidence.CLAIMS],
            "what the evidence shows": [c.verdict for c in evidence.CLAIMS],
            "supports": [keys(c.supports) for c in evidence.CLAIMS],
            "contradicts or limits": [keys(c.contradicts) for c in evidence.CLAIMS],
            "certainty": [c.certainty for c in evidence.CLAIMS],
            "population the evidence comes from": [c.population for c in evidence.CLAIMS],
        }
    )
    return _table(rows)


def claim(ctx: Context, args: Sequence[str]) -> str:
    found = {c.key: c for c in evidence.CLAIMS}.get(args[0] if args else "")
    if found is None:
        raise ctx.fail(f"unknown claim {args[:1]}; claims are {', '.join(c.key for c in evidence.CLAIMS)}")

    def keys(chosen: Sequence[str]) -> str:
        return "; ".join(f"[{evidence.format_citation(STUDIES[k])}]({ctx.link(k)}) (`{k}`)" for k in chosen)

    return (
        f"- **What supports it:** {keys(found.supports)}\n"
        f"- **What contradicts or limits it:** {keys(found.contradicts)}\n"
        f"- **How certain:** {found.certainty}; **population the evidence comes from:** {found.population}\n"
    )


def registered(ctx: Context, _: Sequence[str]) -> str:
    lines = [
        f"- **{t.name}** ({t.registration}; {t.design}, {t.planned} patients planned): {t.population}; "
        f"{t.intervention}. Status: {t.status}."
        for t in evidence.REGISTERED.values()
    ]
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[Context, Sequence[str]], str]] = {
    "study": study,
    "registry": registry,
    "outcome": outcome,
    "diff": diff,
    "prop": prop,
    "field": field,
    "cite": cite,
    "map": evidence_map,
    "forest": forest,
    "proportions": proportions,
    "claims": claims,
    "claim": claim,
    "registered": registered,
}


def render(markdown: str, src_path: str) -> str:
    """Replace the markers of one page and append the references of the registry keys it cites."""
    ctx = Context(src_path)

    def replace(match: re.Match[str]) -> str:
        kind, args = match.group(1), match.group(2).split()
        if kind not in RENDERERS:
            raise ctx.fail(f"unknown marker `evidence:{kind}`; valid markers are {', '.join(RENDERERS)}")
        out = RENDERERS[kind](ctx, args)
        before = markdown[: match.start()].rstrip(" ")
        if kind in SENTENCE_KINDS and (not before or before.endswith(("\n", "-", ".", ":"))):
            out = out[:1].upper() + out[1:]
        return out

    text = MARKER.sub(replace, markdown)
    defined = set(FOOTNOTE_DEF.findall(text))
    uses = (m for m in FOOTNOTE_USE.finditer(text) if not (m.group(1) is not None and m.group(3)))
    used = list(dict.fromkeys(m.group(2) for m in uses))
    unknown = [k for k in used if k not in STUDIES and k not in defined]
    if unknown:
        raise ctx.fail(f"footnote keys {unknown} are not registry studies (model/evidence/studies.toml)")
    missing = [k for k in used if k in STUDIES and k not in defined]
    if missing:
        text = text.rstrip("\n") + "\n\n" + "\n".join(f"[^{k}]: {evidence.reference(STUDIES[k])}" for k in missing)
        text += "\n"
    return text


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """MkDocs event: render the evidence markers and references."""
    return render(markdown, page.file.src_path)
