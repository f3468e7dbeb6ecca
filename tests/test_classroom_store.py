"""The class-session store on a real SQLite file: security, limits, expiry, concurrency and crashes.

Every test works on its own file under `tmp_path`; the concurrency and crash tests use real
operating-system processes writing to that file at the same time.
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model
from model import classroom
from model.classroom import ClassStore
from model.cli import main

INJECTIONS = (
    "<script>alert(1)</script>",
    "**bold** _it_ `code`",
    "[link](javascript:alert(1))",
    '<img src=x onerror="alert(1)">',
    '=HYPERLINK("http://evil")',
)


class Clock:
    """A clock the test moves by hand (Unix seconds)."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def store(tmp_path: Path, clock: Clock) -> ClassStore:
    return ClassStore(tmp_path / "classes.db", clock=clock)


def _all_rows(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}


# --- the file ------------------------------------------------------------------------------


def test_store_is_a_wal_file_with_a_schema_version(store: ClassStore) -> None:
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.schema_version() == classroom.SCHEMA_VERSION
    assert (store.path.stat().st_mode & 0o077) == 0, "the store is readable by its owner only"


def test_opening_again_keeps_the_data_and_a_newer_schema_is_refused(store: ClassStore) -> None:
    made = store.create_class("Biology")
    assert [c.code for c in ClassStore(store.path).list_classes()] == [made.code]
    with sqlite3.connect(store.path) as conn:
        conn.execute(f"PRAGMA user_version = {classroom.SCHEMA_VERSION + 1}")
    with pytest.raises(classroom.ClassroomError, match="newer"):
        ClassStore(store.path)


def test_default_path_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLE_IMMUNOMOD_DB", str(tmp_path / "mine.db"))
    assert classroom.default_path() == tmp_path / "mine.db"
    monkeypatch.delenv("SLE_IMMUNOMOD_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    if sys.platform.startswith("linux"):
        assert classroom.default_path() == tmp_path / "data" / "sle-immunomod" / "classes.db"


def test_a_file_that_is_not_a_store_gives_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("not a database", encoding="utf-8")
    with pytest.raises(classroom.ClassroomError, match="SLE_IMMUNOMOD_DB"):
        ClassStore(bad)


# --- security ------------------------------------------------------------------------------


def test_join_codes_are_eight_unambiguous_characters_and_differ(store: ClassStore) -> None:
    codes = {store.create_class(f"class {k}").code for k in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert len(code) == classroom.CODE_LENGTH and set(code) <= set(classroom.ALPHABET)
    assert not set("0O1IL") & set(classroom.ALPHABET)


def test_teacher_token_is_stored_only_as_a_salted_hash(store: ClassStore) -> None:
    made = store.create_class("Biology")
    raw = b"".join(f.read_bytes() for f in store.path.parent.glob(f"{store.path.name}*"))
    assert made.token.encode() not in raw
    assert made.token not in repr(_all_rows(store.path))


def test_viewing_exporting_and_deleting_need_the_teacher_token(store: ClassStore, tmp_path: Path) -> None:
    made = store.create_class("Biology")
    store.answer(made.code, 1, 2, nickname="Ada")
    other = store.create_class("Chemistry")
    out = tmp_path / "answers.csv"
    for token in ("", "wrong", other.token, made.token[:-1]):
        with pytest.raises(classroom.AccessDeniedError):
            store.answers(made.code, token)
        with pytest.raises(classroom.AccessDeniedError):
            store.export_csv(made.code, token, out)
        with pytest.raises(classroom.AccessDeniedError):
            store.delete_class(made.code, token)
    assert not out.exists()
    assert len(store.answers(made.code, made.token)) == 1
    assert store.delete_class(made.code, made.token) == 1
    assert [c.code for c in store.list_classes()] == [other.code]
    assert _all_rows(store.path)["answers"] == []


def test_an_unknown_code_and_a_wrong_token_give_the_same_answer(store: ClassStore) -> None:
    made = store.create_class("Biology")
    messages = set()
    for code, token in ((made.code, "wrong"), ("ABCDEFGH", made.token), ("??", "x")):
        with pytest.raises(classroom.AccessDeniedError) as info:
            store.check_teacher(code, token)
        messages.add(str(info.value))
    assert len(messages) == 1


def test_join_codes_expire(store: ClassStore, clock: Clock) -> None:
    made = store.create_class("Biology", hours=2)
    student = store.join(made.code)
    clock.now += 2 * 3600 - 1
    store.submit(student.session, 1, 1)
    clock.now += 1
    with pytest.raises(classroom.ClassClosedError, match="closed"):
        store.join(made.code)
    with pytest.raises(classroom.ClassClosedError):
        store.submit(student.session, 2, 1)
    with pytest.raises(classroom.ClassClosedError):
        store.answer(made.code, 2, 1)
    assert len(store.answers(made.code, made.token)) == 1, "the teacher still sees the answers after closing"


def test_classes_are_purged_a_retention_period_after_closing(store: ClassStore, clock: Clock) -> None:
    old = store.create_class("Last term", hours=1)
    clock.now += 3600 + classroom.RETENTION_DAYS * 86400 + 1
    new = store.create_class("This term")
    assert [c.code for c in store.list_classes()] == [new.code]
    with pytest.raises(classroom.AccessDeniedError):
        store.answers(old.code, old.token)


def test_submissions_are_rate_limited_per_student_session(store: ClassStore, clock: Clock) -> None:
    made = store.create_class("Biology")
    fast, calm = store.join(made.code), store.join(made.code)
    for activity in range(1, classroom.RATE_LIMIT + 1):
        store.submit(fast.session, activity, 1)
    with pytest.raises(classroom.RateLimitedError, match=f"at most {classroom.RATE_LIMIT}"):
        store.submit(fast.session, classroom.RATE_LIMIT + 1, 1)
    store.submit(calm.session, 1, 1)  # another student is not slowed down
    clock.now += classroom.RATE_WINDOW_S
    store.submit(fast.session, classroom.RATE_LIMIT + 1, 1)
    assert len(store.answers(made.code, made.token)) == classroom.RATE_LIMIT + 2


# --- what is stored -------------------------------------------------------------------------


def test_a_retried_submission_is_stored_once(store: ClassStore) -> None:
    made = store.create_class("Biology")
    student = store.join(made.code, "Ada")
    first = store.submit(student.session, 1, 2, key="ada-1")
    again = store.submit(student.session, 1, 2, key="ada-1")
    assert first.recorded and not again.recorded and again.submitted_at == first.submitted_at
    assert store.answer(made.code, 2, 1, key="demo").recorded
    assert not store.answer(made.code, 2, 1, key="demo").recorded
    assert len(store.answers(made.code, made.token)) == 2
    assert [c.students for c in store.list_classes()] == [2], "a retried scripted answer adds no student"


def test_the_first_prediction_for_an_activity_stands(store: ClassStore) -> None:
    made = store.create_class("Biology")
    student = store.join(made.code)
    store.submit(student.session, 1, 2)
    second = store.submit(student.session, 1, 3)
    assert not second.recorded and second.choice == 2
    assert store.counts(made.code, made.token, 1, 3) == [0, 1, 0]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s, c, st: s.join(c, "x" * (classroom.MAX_NICKNAME + 1)), "nickname"),
        (lambda s, c, st: s.join(c, "tab\x07bell"), "nickname"),
        (lambda s, c, st: s.submit(st.session, 1, 1, reasoning="y" * (classroom.MAX_REASONING + 1)), "reasoning"),
        (lambda s, c, st: s.submit(st.session, 0, 1), "activity"),
        (lambda s, c, st: s.submit(st.session, 1, classroom.MAX_CHOICE + 1), "choice"),
        (lambda s, c, st: s.submit(st.session, 1, True), "choice"),
        (lambda s, c, st: s.submit(st.session, 1, 1, key="k" * 65), "submission key"),
        (lambda s, c, st: s.join("ABC", None), "join code"),
        (lambda s, c, st: s.create_class(""), "title"),
        (lambda s, c, st: s.create_class("t", hours=0), "hours"),
        (lambda s, c, st: s.submit("no-such-session", 1, 1), "student session"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(store: ClassStore, call, field: str) -> None:
    made = store.create_class("Biology")
    student = store.join(made.code)
    before = _all_rows(store.path)
    with pytest.raises(classroom.ClassroomError, match=field):
        call(store, made.code, student)
    assert _all_rows(store.path) == before


def test_a_reason_of_exactly_the_limit_is_kept_whole(store: ClassStore) -> None:
    made = store.create_class("Biology")
    text = "why " * (classroom.MAX_REASONING // 4)
    student = store.join(made.code, "n" * classroom.MAX_NICKNAME)
    store.submit(student.session, 1, 1, reasoning=text)
    assert store.answers(made.code, made.token)[0].reasoning == text.strip()


def test_join_codes_are_read_in_any_case_with_dashes_and_spaces(store: ClassStore) -> None:
    made = store.create_class("Biology")
    typed = f" {made.code[:4].lower()}-{made.code[4:]} "
    assert store.join(typed).code == made.code


def test_export_leads_with_the_disclaimer_and_keeps_text_as_text(store: ClassStore, tmp_path: Path) -> None:
    made = store.create_class("Biology")
    for k, text in enumerate(INJECTIONS, start=1):
        store.answer(made.code, k, 1, nickname=text[: classroom.MAX_NICKNAME], reasoning=f"{text}\nsecond line")
    out = tmp_path / "answers.csv"
    assert store.export_csv(made.code, made.token, out) == len(INJECTIONS)
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"# {model.DISCLAIMER}\n")
    rows = list(csv.DictReader(io.StringIO("".join(text.splitlines(keepends=True)[2:]))))
    assert [r["reasoning"].removeprefix("'") for r in rows] == [f"{t}\nsecond line" for t in INJECTIONS]
    assert not any(r["reasoning"].startswith("=") for r in rows), "no cell starts a spreadsheet formula"


TEXT = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Cf"))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(
        st.tuples(st.text(TEXT, max_size=classroom.MAX_NICKNAME), st.text(TEXT, max_size=classroom.MAX_REASONING)),
        min_size=1,
        max_size=5,
    )
)
def test_any_allowed_text_comes_back_unchanged(store: ClassStore, texts: list[tuple[str, str]]) -> None:
    made = store.create_class("Biology")
    for activity, (nickname, reasoning) in enumerate(texts, start=1):
        store.answer(made.code, activity, 1, nickname=nickname, reasoning=reasoning)
    stored = [(a.nickname, a.reasoning) for a in store.answers(made.code, made.token)]
    assert stored == [(n.strip(), r.strip()) for n, r in texts]


# --- many writers at once, and writers that die -----------------------------------------------

STUDENTS = 30
ACTIVITIES = 4


def _student_process(path: str, code: str, number: int, barrier) -> None:
    """One student's process: waits for every other, then joins and answers each activity twice (a retry)."""
    store = ClassStore(path)
    barrier.wait()
    student = store.join(code, f"student {number}")
    for activity in range(1, ACTIVITIES + 1):
        for _ in range(2):
            store.submit(student.session, activity, 1 + (number + activity) % 3, key=f"s{number}-a{activity}")


@pytest.mark.slow
def test_thirty_students_answering_at_once_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    path = tmp_path / "classes.db"
    made = ClassStore(path).create_class("Busy class")
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    barrier = context.Barrier(STUDENTS)
    workers = [
        context.Process(target=_student_process, args=(str(path), made.code, n, barrier)) for n in range(STUDENTS)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * STUDENTS
    answers = ClassStore(path).answers(made.code, made.token)
    assert len(answers) == STUDENTS * ACTIVITIES
    assert len({(a.nickname, a.activity) for a in answers}) == STUDENTS * ACTIVITIES
    for a in answers:
        number = int(a.nickname.split()[1])
        assert a.choice == 1 + (number + a.activity) % 3 and a.key == f"s{number}-a{a.activity}"


WRITER = """
import sys
from model.classroom import ClassStore
store = ClassStore(sys.argv[1])
for n in range(10_000):
    key = f"w{n}"
    store.answer(sys.argv[2], 1 + n % 5, 1 + n % 3, nickname=key, key=key)
    print(key, flush=True)
"""


@pytest.mark.slow
def test_a_writer_killed_mid_lesson_loses_no_committed_answer(tmp_path: Path) -> None:
    path = tmp_path / "classes.db"
    store = ClassStore(path)
    made = store.create_class("Crashing class", hours=1)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), made.code], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    assert writer.stdout is not None
    confirmed = [writer.stdout.readline().strip() for _ in range(40)]
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    confirmed += [line.strip() for line in writer.stdout if line.strip()]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {a.key for a in store.answers(made.code, made.token)}
    assert set(confirmed) <= stored, "every answer the writer saw committed is in the store"
    assert len(stored) <= len(confirmed) + 1, "at most the one in flight was committed unseen"
    assert store.answer(made.code, 1, 1, key="after the crash").recorded


def test_scripted_cli_answers_with_retries_are_stored_once(tmp_path: Path) -> None:
    path = tmp_path / "classes.db"
    made = ClassStore(path).create_class("Demo")
    for n in range(9):
        for _ in range(2):
            args = ["class", "--db", str(path), "answer", made.code, "--activity", "1", "--choice", "ABC"[n % 3]]
            assert main([*args, "--key", f"demo-{n}"]) == 0
    assert ClassStore(path).counts(made.code, made.token, 1, 3) == [3, 3, 3]


# --- the command line -------------------------------------------------------------------------


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_creates_answers_exports_and_deletes_a_class(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "classes.db")
    code, out, _ = _cli(capsys, "class", "--db", db, "create", "--title", "Year 12 biology")
    made = json.loads(out)
    assert code == 0 and set(made) == {"code", "token", "title", "expires_at"}
    assert _cli(capsys, "class", "--db", db, "answer", made["code"], "--activity", "2", "--choice", "B")[0] == 0
    code, out, _ = _cli(capsys, "class", "--db", db, "list")
    assert made["code"] in out and "Year 12 biology" in out and made["token"] not in out
    csv_path = tmp_path / "answers.csv"
    assert (
        _cli(capsys, "class", "--db", db, "export", made["code"], "--token", made["token"], "--out", str(csv_path))[0]
        == 0
    )
    assert csv_path.read_text(encoding="utf-8").startswith(f"# {model.DISCLAIMER}")
    code, out, _ = _cli(capsys, "class", "--db", db, "delete", made["code"], "--token", made["token"])
    assert code == 0 and "1 answer" in out
    assert ClassStore(db).list_classes() == []


@pytest.mark.parametrize(
    "args",
    [
        ("export", "{code}", "--token", "wrong", "--out", "{out}"),
        ("delete", "{code}", "--token", "wrong"),
        ("answer", "{code}", "--activity", "0", "--choice", "A"),
        ("answer", "{code}", "--activity", "1", "--choice", "Z"),
        ("answer", "{code}", "--activity", "1", "--choice", "A", "--nickname", "x" * 41),
        ("answer", "NOTACODE", "--activity", "1", "--choice", "A"),
        ("export", "{code}", "--token", "{token}", "--out", "{missing}"),
        ("create", "--title", "t", "--hours", "1000"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    db = tmp_path / "classes.db"
    made = ClassStore(db).create_class("Biology")
    before = _all_rows(db)
    out = tmp_path / "answers.csv"
    filled = [a.format(code=made.code, token=made.token, out=out, missing=tmp_path / "no" / "x.csv") for a in args]
    code, _, err = _cli(capsys, "class", "--db", str(db), *filled)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("sle-immunomod: error:")
    assert _all_rows(db) == before
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("classes.db")) == []
