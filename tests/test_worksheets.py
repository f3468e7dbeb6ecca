"""Printable worksheets and answer keys (`python -m model.report.worksheets`, `sle-immunomod worksheets`).

One command writes standalone HTML files (no site build) with the disclaimer, print CSS and app links
of every guided step; the worksheet does not give the answers away, the answer key has them, the exit
ticket answers and the rubric. A bad folder is one line and exit code 2, with nothing half-written.
"""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import model
from model import lessons
from model.report import worksheets


def test_one_command_writes_a_worksheet_and_an_answer_key_per_lesson(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "model.report.worksheets", "--out", str(tmp_path / "sheets")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in (tmp_path / "sheets").iterdir())
    expected = [f"lesson-{n}-{kind}.html" for n in lessons.LESSONS for kind in ("answer-key", "worksheet")]
    assert names == sorted([*expected, "index.html"])
    for name in names:
        text = (tmp_path / "sheets" / name).read_text(encoding="utf-8")
        assert model.DISCLAIMER in text and "@media print" in text


def test_the_worksheet_links_each_guided_step_and_keeps_the_answers_back() -> None:
    lesson = lessons.LESSONS[1]
    sheet = worksheets.worksheet_html(lesson)
    for index, step in enumerate(lesson.steps, start=1):
        assert f"{worksheets.APP_URL}/?lesson=1&amp;step={index}" in sheet
        assert step.reveal not in sheet
    assert "Exit ticket" in sheet and lesson.exit_ticket[0].answer not in sheet


def test_the_answer_key_has_answers_feedback_exit_ticket_answers_and_a_three_level_rubric() -> None:
    lesson = lessons.LESSONS[1]
    key = worksheets.answer_key_html(lesson)
    assert all(html.escape(step.reveal) in key for step in lesson.steps)
    assert all(html.escape(q.answer) in key for q in lesson.exit_ticket)
    assert all(level in key for level in lessons.RUBRIC_LEVELS)
    assert "Plan (45 minutes)" in key


def test_cli_refuses_an_unwritable_folder_in_one_line_with_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = subprocess.run(
        [sys.executable, "-m", "model", "worksheets", "--out", str(blocker / "sheets")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
