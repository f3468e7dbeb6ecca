"""MkDocs hook: fill `<!-- lesson:KIND N -->` markers with the guided lessons' data (`model.lessons`).

The steps, exit tickets and rubrics live once, in `model/lessons/lessonN.toml`; the app's guided mode,
the printable sheets (`python -m model.report.worksheets`) and these pages all read them. A marker
keeps its indentation (so it works inside an admonition); an unknown kind or lesson stops the build
with a message naming the page.

Markers:
    guided N   the lesson's steps as a table: guided-mode link, core or extension, minutes
    exit N     the exit ticket: one question per line, with the learning goal it checks
    rubric N   the three-level rubric for the Explain boxes
    answers N  the exit ticket's good answers (for the teacher's copy)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mkdocs.exceptions import PluginError

from model.lessons import LESSONS, Lesson

MARKER = re.compile(r"^([ \t]*)<!--\s*lesson:([a-z]+)\s+(\d+)\s*-->[ \t]*$", flags=re.MULTILINE)
APP_URL = "http://localhost:8501"


def _guided(lesson: Lesson) -> str:
    rows = ["| step | in the app | part | minutes |", "|---|---|---|---|"]
    for index, step in enumerate(lesson.steps, start=1):
        url = f"{APP_URL}/?lesson={lesson.number}&step={index}"
        part = "core" if step.core else "extension"
        rows.append(f"| {index}. {step.title} | [open step {index}]({url}) | {part} | {step.minutes} |")
    return "\n".join(rows)


def _exit(lesson: Lesson) -> str:
    return "\n".join(f"{i}. {q.question} *(goal {q.goal})*" for i, q in enumerate(lesson.exit_ticket, start=1))


def _answers(lesson: Lesson) -> str:
    return "\n".join(f"{i}. {q.answer}" for i, q in enumerate(lesson.exit_ticket, start=1))


def _rubric(lesson: Lesson) -> str:
    rows = ["| level | an Explain answer at this level |", "|---|---|"]
    rows += [f"| **{level}** | {text} |" for level, text in lesson.rubric.items()]
    return "\n".join(rows)


KINDS: dict[str, Callable[[Lesson], str]] = {"guided": _guided, "exit": _exit, "rubric": _rubric, "answers": _answers}


def render(markdown: str, page_name: str = "page") -> str:
    """`markdown` with every lesson marker replaced; raises PluginError naming the page on a bad marker."""

    def fill(match: re.Match[str]) -> str:
        indent, kind, number = match.group(1), match.group(2), int(match.group(3))
        if kind not in KINDS:
            raise PluginError(f"{page_name}: unknown lesson marker kind {kind!r}; known: {', '.join(KINDS)}")
        if number not in LESSONS:
            raise PluginError(f"{page_name}: lesson marker names lesson {number}; lessons are {list(LESSONS)}")
        return "\n".join(indent + line if line else line for line in KINDS[kind](LESSONS[number]).splitlines())

    return MARKER.sub(fill, markdown)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """MkDocs event: fill the markers of one page."""
    return render(markdown, page.file.src_path)
