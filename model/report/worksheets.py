"""Printable worksheets and answer keys of the guided lessons, as standalone HTML files (no site build).

`python -m model.report.worksheets --out DIR` (or `sle-immunomod worksheets --out DIR`) writes, for
each lesson in `model.lessons`, a student worksheet (`lesson-N-worksheet.html`: tasks, the app link
of each step, predict/observe/explain boxes, exit ticket) and a teacher's answer key
(`lesson-N-answer-key.html`: the option the model supports, what it shows, feedback for each option,
exit-ticket answers and the three-level rubric), plus `index.html`. Every file carries the
disclaimer and print CSS (A4, boxes kept whole on a page); files are written whole or not at all.
The text comes from the lesson data, so the sheets and the app's guided mode never disagree.
"""

from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Sequence
from pathlib import Path

from ..core.disclaimer import DISCLAIMER
from ..lessons import LESSONS, Lesson, Step
from .files import write_atomic

__all__ = ["APP_URL", "answer_key_html", "main", "worksheet_html", "write_worksheets"]

#: Where the app runs in class (`python -m streamlit run app.py`); the links on the sheets point here.
APP_URL = "http://localhost:8501"
CSS = """
body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 1.6rem; border-bottom: 1px solid #999; }
.disclaimer { border: 2px solid #0072B2; padding: .5rem .8rem; font-weight: bold; }
.box { border: 1px solid #555; min-height: 4.5rem; margin: .4rem 0 .9rem; padding: .3rem .5rem; color: #555; }
.step { break-inside: avoid; page-break-inside: avoid; }
.right { font-weight: bold; } .meta { color: #444; font-size: .9rem; }
a { color: #0072B2; }
@media print {
  @page { size: A4; margin: 15mm; }
  body { margin: 0; max-width: none; font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: 9pt; word-break: break-all; }
}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def step_links(number: int, index: int, step: Step) -> tuple[str, str]:
    """(guided-mode link, plain page link) of a step in the app at `APP_URL`."""
    guided = f"{APP_URL}/?lesson={number}&step={index}"
    plain = f"{APP_URL}/{step.page}" + (f"?{step.query}" if step.query else "")
    return guided, plain


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>{_e(title)}</h1>\n<p class='disclaimer'>{_e(DISCLAIMER)}</p>\n{body}</body>\n</html>\n"
    )


def _plan(lesson: Lesson) -> str:
    rows = ["<tr><td>0-5 min</td><td>Introduction and the disclaimer</td></tr>"]
    start = 5
    for step in lesson.core_steps():
        rows.append(f"<tr><td>{start}-{start + step.minutes} min</td><td>{_e(step.title)}</td></tr>")
        start += step.minutes
    rows.append(f"<tr><td>{start}-{start + 5} min</td><td>Exit ticket</td></tr>")
    rows.append(f"<tr><td>{start + 5}-45 min</td><td>Wrap-up: what the model can and cannot tell us</td></tr>")
    return f"<h2>Plan (45 minutes)</h2>\n<table>{''.join(rows)}</table>\n"


def _steps(lesson: Lesson, *, key: bool) -> str:
    parts = []
    for index, step in enumerate(lesson.steps, start=1):
        guided, plain = step_links(lesson.number, index, step)
        kind = "" if step.core else " (extension)"
        options = "".join(f"<li>&#9744; {_e(o)}</li>" for o in step.options)
        parts.append(
            f"<section class='step'>\n<h2>Step {index}: {_e(step.title)}{kind}</h2>\n"
            f"<p class='meta'>About {step.minutes} min · <a href='{_e(guided)}'>open this step in the app</a>"
            f" · <a href='{_e(plain)}'>the page only</a></p>\n<p>{_e(step.setup)}</p>\n"
            f"<p><b>Predict.</b> {_e(step.question)}</p>\n<ul>{options}</ul>\n"
        )
        if key:
            parts.append(_key_for(step))
        else:
            parts.append(
                "<div class='box'>Why I think so</div>\n"
                f"<p><b>Observe.</b> {_e(step.look)}</p>\n<div class='box'>What I saw</div>\n"
                f"<p><b>Explain.</b> {_e(step.explain)}</p>\n<div class='box'>My explanation</div>\n"
            )
        parts.append("</section>\n")
    return "".join(parts)


def _key_for(step: Step) -> str:
    feedback = "".join(
        f"<li{' class=right' if i == step.answer else ''}>{_e(o)}: {_e(f)}</li>"
        for i, (o, f) in enumerate(zip(step.options, step.feedback, strict=True))
    )
    return (
        f"<p class='right'>The model: {_e(step.options[step.answer])}</p>\n<p>{_e(step.reveal)}</p>\n"
        f"<p><b>Feedback for each option</b></p>\n<ul>{feedback}</ul>\n"
        f"<p><b>Explain prompt.</b> {_e(step.explain)}</p>\n"
    )


def _exit_ticket(lesson: Lesson, *, key: bool) -> str:
    items = []
    for q in lesson.exit_ticket:
        answer = f"<p><i>A good answer:</i> {_e(q.answer)}</p>" if key else "<div class='box'></div>"
        items.append(f"<li><p>{_e(q.question)} <span class='meta'>(goal {q.goal})</span></p>{answer}</li>")
    return f"<section class='step'>\n<h2>Exit ticket</h2>\n<ol>{''.join(items)}</ol>\n</section>\n"


def _goals(lesson: Lesson) -> str:
    return "<h2>Learning goals</h2>\n<ol>" + "".join(f"<li>{_e(g)}</li>" for g in lesson.goals) + "</ol>\n"


def worksheet_html(lesson: Lesson) -> str:
    """The student worksheet of `lesson`: goals, every step with its app links and boxes, the exit ticket."""
    body = _goals(lesson) + _steps(lesson, key=False) + _exit_ticket(lesson, key=False)
    return _page(f"Lesson {lesson.number}: {lesson.title} (worksheet)", body)


def answer_key_html(lesson: Lesson) -> str:
    """The teacher's answer key of `lesson`: plan, answers, feedback, exit-ticket answers and the rubric."""
    rubric = "".join(f"<tr><th>{_e(level)}</th><td>{_e(text)}</td></tr>" for level, text in lesson.rubric.items())
    body = (
        _plan(lesson)
        + _goals(lesson)
        + _steps(lesson, key=True)
        + _exit_ticket(lesson, key=True)
        + f"<section class='step'>\n<h2>Rubric for the Explain boxes</h2>\n<table>{rubric}</table>\n</section>\n"
    )
    return _page(f"Lesson {lesson.number}: {lesson.title} (answer key)", body)


def write_worksheets(out: str | Path) -> list[Path]:
    """Write every lesson's worksheet and answer key, and an index, into folder `out` (created if needed)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written, links = [], []
    for number, lesson in LESSONS.items():
        for kind, render in (("worksheet", worksheet_html), ("answer-key", answer_key_html)):
            path = folder / f"lesson-{number}-{kind}.html"
            write_atomic(path, render(lesson))
            written.append(path)
            links.append(f"<li><a href='{path.name}'>Lesson {number}: {_e(lesson.title)} ({kind})</a></li>")
    index = folder / "index.html"
    write_atomic(index, _page("sle-immunomod lessons: printable sheets", f"<ul>{''.join(links)}</ul>\n"))
    return [*written, index]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m model.report.worksheets --out DIR`: write the sheets; a bad folder is one line, exit 2."""
    parser = argparse.ArgumentParser(
        prog="python -m model.report.worksheets", description=f"Printable lesson worksheets. {DISCLAIMER}"
    )
    parser.add_argument("--out", required=True, help="folder to write the HTML files into (created if needed)")
    args = parser.parse_args(argv)
    try:
        paths = write_worksheets(args.out)
    except OSError as exc:
        print(f"error: --out {args.out!r}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{DISCLAIMER}\nWrote {len(paths)} files to {args.out} (open index.html; print from the browser).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
