"""Guided lessons as data: each lesson's steps, the app view each step opens, and its assessment.

A lesson (`lesson1.toml`, ...) is a list of `Step`s. A step names the app page it opens and that
page's URL state (the same query string as the docs' links), a prediction question with options,
feedback specific to each option, and the reveal (what the model shows and why). The app's guided
mode (`?lesson=N&step=K`, drawn by `app_pages/lesson_panel.py`) and the printable worksheets
(`python -m model.report.worksheets`) both read these records, so a task is written once.

Which option the model supports (`Step.answer`) is a claim about the model: `tests/test_guided_lessons.py`
runs the model for every step and checks it. Loading validates every field and stops with an
error naming the file, the step and the field. Illustrative teaching material, not predictive,
not medical advice.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import urllib.parse
from importlib import resources
from types import MappingProxyType
from typing import Any

from ..core.errors import ModelError
from ..core.parameters import PARAMETERS

__all__ = [
    "LESSONS",
    "PAGES",
    "RUBRIC_LEVELS",
    "ExitQuestion",
    "Lesson",
    "LessonError",
    "Step",
    "load_lesson",
    "step",
]

#: App pages a step may open (url paths of `app.py`'s PAGES).
PAGES: tuple[str, ...] = ("explore", "compare", "tipping_points", "how_sure", "model_evidence", "classroom")
PARAMETER_NAMES = frozenset(p.name for p in PARAMETERS)
#: The three levels of the rubric for the Explain boxes, lowest first.
RUBRIC_LEVELS: tuple[str, ...] = ("beginning", "developing", "secure")


class LessonError(ModelError, ValueError):
    """A lesson file is invalid; the message names the file, the step and the field."""


@dataclasses.dataclass(frozen=True)
class Step:
    """One predict-observe-explain task of a lesson.

    Attributes:
        key: short identifier (letters and underscores), unique in the lesson.
        title: the step's heading.
        core: part of the 45-minute core (False: an extension for fast groups or homework).
        minutes: time the step takes in class.
        page: the app page it opens (one of `PAGES`).
        query: that page's URL state, as a query string (`scenario=susceptible&days=365`).
        setup: what happens in the toy model, in words.
        question: the prediction question.
        options: the answers a student picks from.
        answer: index of the option the model supports (checked by a test of the model).
        feedback: one explanation per option, specific to that choice.
        reveal: what the model shows and why, shown once the prediction is locked.
        look: what to look at on the page after the reveal (legend names with their state letters).
        explain: the Explain prompt.
        controls: parameter names whose sliders the step shows by default (the rest wait under "More
            parameters"); empty for the page's usual set.
    """

    key: str
    title: str
    core: bool
    minutes: int
    page: str
    query: str
    setup: str
    question: str
    options: tuple[str, ...]
    answer: int
    feedback: tuple[str, ...]
    reveal: str
    look: str
    explain: str
    controls: tuple[str, ...] = ()

    def query_params(self) -> dict[str, list[str]]:
        """The step's URL state as key -> list of values (repeated keys keep every value)."""
        return urllib.parse.parse_qs(self.query, keep_blank_values=False)


@dataclasses.dataclass(frozen=True)
class ExitQuestion:
    """One exit-ticket question, the learning goal (1-based) it checks, and what a good answer says."""

    question: str
    goal: int
    answer: str


@dataclasses.dataclass(frozen=True)
class Lesson:
    """A lesson: number, title, the docs page, goals, steps, exit ticket and a three-level rubric.

    `rubric` maps each of `RUBRIC_LEVELS` to what an Explain answer at that level looks like.
    """

    number: int
    title: str
    doc: str
    goals: tuple[str, ...]
    steps: tuple[Step, ...]
    exit_ticket: tuple[ExitQuestion, ...]
    rubric: MappingProxyType[str, str]

    def core_steps(self) -> tuple[Step, ...]:
        """The steps of the 45-minute core, in order."""
        return tuple(s for s in self.steps if s.core)

    def core_minutes(self) -> int:
        """Minutes the core steps take (the rest of the 45 minutes is introduction, exit ticket and wrap-up)."""
        return sum(s.minutes for s in self.core_steps())


def _require(table: dict[str, Any], field: str, kind: type, where: str) -> Any:
    if field not in table:
        raise LessonError(f"{where}: field `{field}` is missing")
    value = table[field]
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise LessonError(f"{where}: field `{field}` must be a non-empty {kind.__name__}, got {value!r}")
    return value


def _strings(table: dict[str, Any], field: str, where: str, *, at_least: int = 1) -> tuple[str, ...]:
    values = _require(table, field, list, where)
    if len(values) < at_least or not all(isinstance(v, str) and v.strip() for v in values):
        raise LessonError(f"{where}: field `{field}` must list at least {at_least} non-empty strings")
    return tuple(values)


def _step(table: dict[str, Any], where: str) -> Step:
    key = _require(table, "key", str, where)
    where = f"{where} `{key}`"
    page = _require(table, "page", str, where)
    if page not in PAGES:
        raise LessonError(f"{where}: field `page` = {page!r} is not one of {', '.join(PAGES)}")
    options = _strings(table, "options", where, at_least=2)
    feedback = _strings(table, "feedback", where, at_least=2)
    if len(feedback) != len(options):
        raise LessonError(f"{where}: field `feedback` needs one entry per option ({len(options)}), has {len(feedback)}")
    answer = _require(table, "answer", int, where)
    if not 0 <= answer < len(options):
        raise LessonError(f"{where}: field `answer` = {answer} must index `options` (0 to {len(options) - 1})")
    controls = tuple(table.get("controls", ()))
    unknown = [c for c in controls if c not in PARAMETER_NAMES]
    if unknown:
        raise LessonError(f"{where}: field `controls` names unknown parameters {unknown}")
    minutes = _require(table, "minutes", int, where)
    if not 1 <= minutes <= 20:
        raise LessonError(f"{where}: field `minutes` = {minutes} must lie in [1, 20]")
    return Step(
        key=key,
        title=_require(table, "title", str, where),
        core=_require(table, "core", bool, where),
        minutes=minutes,
        page=page,
        query=table.get("query", ""),
        setup=_require(table, "setup", str, where),
        question=_require(table, "question", str, where),
        options=options,
        answer=answer,
        feedback=feedback,
        reveal=_require(table, "reveal", str, where),
        look=_require(table, "look", str, where),
        explain=_require(table, "explain", str, where),
        controls=controls,
    )


def _exit_question(table: dict[str, Any], where: str, goals: int) -> ExitQuestion:
    goal = _require(table, "goal", int, where)
    if not 1 <= goal <= goals:
        raise LessonError(f"{where}: field `goal` = {goal} must name a learning goal (1 to {goals})")
    return ExitQuestion(_require(table, "question", str, where), goal, _require(table, "answer", str, where))


def _lesson(data: dict[str, Any], name: str) -> Lesson:
    goals = _strings(data, "goals", name)
    steps = tuple(_step(t, f"{name} step {i + 1}") for i, t in enumerate(_require(data, "steps", list, name)))
    keys = [s.key for s in steps]
    if len(set(keys)) != len(keys):
        raise LessonError(f"{name}: step keys must be unique, got {keys}")
    if not any(s.core for s in steps):
        raise LessonError(f"{name}: at least one step must be `core`")
    exit_ticket = tuple(
        _exit_question(t, f"{name} exit_ticket {i + 1}", len(goals))
        for i, t in enumerate(_require(data, "exit_ticket", list, name))
    )
    rubric = _require(data, "rubric", dict, name)
    if set(rubric) != set(RUBRIC_LEVELS):
        raise LessonError(f"{name}: field `rubric` must have exactly the levels {', '.join(RUBRIC_LEVELS)}")
    return Lesson(
        number=_require(data, "number", int, name),
        title=_require(data, "title", str, name),
        doc=_require(data, "doc", str, name),
        goals=goals,
        steps=steps,
        exit_ticket=exit_ticket,
        rubric=MappingProxyType({level: str(rubric[level]) for level in RUBRIC_LEVELS}),
    )


def load_lesson(text: str, name: str = "lesson") -> Lesson:
    """A `Lesson` from TOML text; raises `LessonError` naming `name`, the step and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(f"{name}: not valid TOML: {exc}") from exc
    return _lesson(data, name)


def _load_all() -> MappingProxyType[int, Lesson]:
    files = sorted(f for f in resources.files(__name__).iterdir() if re.fullmatch(r"lesson\d+\.toml", f.name))
    lessons = [load_lesson(f.read_text(encoding="utf-8"), f.name) for f in files]
    return MappingProxyType({lesson.number: lesson for lesson in sorted(lessons, key=lambda x: x.number)})


#: Every lesson by number (1, 2, 3), loaded and validated at import.
LESSONS: MappingProxyType[int, Lesson] = _load_all()


def step(lesson: int, number: int) -> Step:
    """Step `number` (1-based) of lesson `lesson`; raises `LessonError` naming the allowed range."""
    if lesson not in LESSONS:
        raise LessonError(f"`lesson` = {lesson} is not a lesson; lessons are {', '.join(map(str, LESSONS))}")
    steps = LESSONS[lesson].steps
    if not 1 <= number <= len(steps):
        raise LessonError(f"`step` = {number} is outside lesson {lesson}'s steps [1, {len(steps)}]")
    return steps[number - 1]
