"""The class-session store: one SQLite file in WAL mode, a versioned schema, one transaction per write.

Why SQLite: the app's sessions run in threads of one server process, the CLI and tests in other
processes; SQLite's WAL mode lets them all read while one writes, and a committed transaction
survives the writer being killed (`synchronous=FULL`: the commit is on disk before it returns).
Every connection waits up to `busy_timeout_s` for another writer instead of failing.

Times are Unix seconds (UTC). The schema version is SQLite's `PRAGMA user_version`; `MIGRATIONS`
brings an older file up to date on open, inside one transaction.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

from ..core.errors import ModelError
from ..report.files import write_atomic
from ..report.tables import csv_text

#: Join-code characters: capitals and digits without look-alikes (no 0/O, 1/I/L).
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: Join-code length: 31**8 (about 8.5e11) codes, with expiry, make guessing hopeless.
CODE_LENGTH = 8
#: Hours a join code stays open by default (a school day).
DEFAULT_HOURS = 12.0
#: Longest allowed join-code lifetime (hours).
MAX_HOURS = 24.0 * 7
#: Days after its code expires that a class (with its answers) is deleted automatically.
RETENTION_DAYS = 30
MAX_TITLE = 80
MAX_NICKNAME = 40
MAX_REASONING = 500
MAX_KEY = 64
#: Activities are numbered 1..MAX_ACTIVITY, options within an activity 1..MAX_CHOICE.
MAX_ACTIVITY = 50
MAX_CHOICE = 10
#: Students one class accepts (a flood of joins cannot fill the disk).
MAX_STUDENTS = 500
#: At most RATE_LIMIT submissions per student session in any RATE_WINDOW_S seconds.
RATE_LIMIT = 10
RATE_WINDOW_S = 60.0
#: scrypt cost (RFC 7914): 16 MiB and a few tens of milliseconds per teacher-token check.
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}

SCHEMA_VERSION = 1
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE classes (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            token_salt BLOB NOT NULL,
            token_hash BLOB NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL)""",
        """CREATE TABLE students (
            id INTEGER PRIMARY KEY,
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            session TEXT NOT NULL UNIQUE,
            nickname TEXT NOT NULL DEFAULT '',
            joined_at REAL NOT NULL)""",
        "CREATE INDEX students_class ON students(class_id)",
        """CREATE TABLE answers (
            id INTEGER PRIMARY KEY,
            class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
            student_id INTEGER NOT NULL REFERENCES students(id) ON DELETE CASCADE,
            activity INTEGER NOT NULL CHECK (activity >= 1),
            choice INTEGER NOT NULL CHECK (choice >= 1),
            reasoning TEXT NOT NULL DEFAULT '',
            submission_key TEXT NOT NULL,
            submitted_at REAL NOT NULL,
            UNIQUE (class_id, submission_key),
            UNIQUE (student_id, activity))""",
        """CREATE TABLE attempts (
            student_id INTEGER NOT NULL REFERENCES students(id) ON DELETE CASCADE,
            at REAL NOT NULL)""",
        "CREATE INDEX attempts_student ON attempts(student_id, at)",
    ),
)
assert len(MIGRATIONS) == SCHEMA_VERSION


class ClassroomError(ModelError, ValueError):
    """Bad input or a request the store refuses; the message names the field and what is allowed.

    A `ModelError`, so the app and the command line show it as one line, not a traceback.
    """


class AccessDeniedError(ClassroomError):
    """No class with this code, or the teacher token is wrong (one message for both)."""


class ClassClosedError(ClassroomError):
    """The class's join code has expired: no more joins or submissions."""


class RateLimitedError(ClassroomError):
    """Too many submissions from one student session in a short time."""


@dataclasses.dataclass(frozen=True)
class NewClass:
    """A class just created: give `code` to students, keep `token` secret (it is shown only once)."""

    code: str
    token: str
    title: str
    expires_at: float


@dataclasses.dataclass(frozen=True)
class ClassInfo:
    """A class as listed: no token, no answers."""

    code: str
    title: str
    created_at: float
    expires_at: float
    students: int
    answers: int

    def is_open(self, now: float) -> bool:
        """Whether students can still join and submit at time `now`."""
        return now < self.expires_at


@dataclasses.dataclass(frozen=True)
class Student:
    """A student's session in a class: `session` is the secret that lets this browser submit."""

    session: str
    code: str
    nickname: str


@dataclasses.dataclass(frozen=True)
class Answer:
    """One stored prediction. `student` numbers the class's students 1, 2, ... in joining order.

    `recorded` is False when the submission was not stored anew: a retry with the same key, or a
    second prediction for an activity the student already answered (the first one stands).
    """

    student: int
    nickname: str
    activity: int
    choice: int
    reasoning: str
    submitted_at: float
    key: str
    recorded: bool = True


def default_path() -> Path:
    """Where the store lives: `SLE_IMMUNOMOD_DB`, else the user's data directory for this platform.

    Linux and others: `$XDG_DATA_HOME/sle-immunomod/classes.db` (default `~/.local/share/...`);
    macOS: `~/Library/Application Support/sle-immunomod/classes.db`; Windows: `%LOCALAPPDATA%`.
    """
    env = os.environ.get("SLE_IMMUNOMOD_DB")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".local" / "share"
    return base / "sle-immunomod" / "classes.db"


def normalise_code(code: str) -> str:
    """A join code in canonical form (capitals, spaces and dashes dropped), or ClassroomError."""
    text = re.sub(r"[\s-]", "", str(code)).upper()
    if len(text) != CODE_LENGTH or any(ch not in ALPHABET for ch in text):
        raise ClassroomError(
            f"join code {str(code)[:20]!r}: expected {CODE_LENGTH} characters from {ALPHABET} (e.g. 'K7QW-M3XD')"
        )
    return text


def _text(value: str | None, field: str, limit: int, *, required: bool = False, newlines: bool = False) -> str:
    """Free text checked for length and control characters (stripped; None counts as empty)."""
    text = "" if value is None else str(value).replace("\r\n", "\n").strip()
    if required and not text:
        raise ClassroomError(f"{field}: must not be empty")
    if len(text) > limit:
        raise ClassroomError(f"{field}: at most {limit} characters, got {len(text)}")
    allowed = {"\n", "\t"} if newlines else set()
    if any(unicodedata.category(ch).startswith("C") and ch not in allowed for ch in text):
        raise ClassroomError(f"{field}: control characters are not allowed")
    return text


def _whole(value: int, field: str, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise ClassroomError(f"{field}: a whole number from 1 to {high}, got {value!r}")
    return value


def _key(key: str | None) -> str:
    text = secrets.token_urlsafe(16) if key is None else str(key)
    if not 1 <= len(text) <= MAX_KEY or not text.isascii() or not text.isprintable():
        raise ClassroomError(f"submission key: 1 to {MAX_KEY} printable ASCII characters, got {text[:20]!r}")
    return text


def _hash(token: str, salt: bytes) -> bytes:
    return hashlib.scrypt(token.encode("utf-8"), salt=salt, **SCRYPT)


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat(timespec="seconds")


def _cell(text: str) -> str:
    """A text cell that a spreadsheet will not run as a formula (a leading = + - @ gets a quote)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class ClassStore:
    """The class-session store at `path` (default `default_path()`), created and migrated on first use.

    Safe to share between threads and processes: each call opens its own connection, and each
    write is one `BEGIN IMMEDIATE` transaction (all of it or none of it is stored). `clock` gives
    the time in Unix seconds (tests move it to check expiry and the rate limit).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        clock: Callable[[], float] = time.time,
        busy_timeout_s: float = 30.0,
    ) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.clock = clock
        self.busy_timeout_s = busy_timeout_s
        try:
            self._prepare_file()
            self._migrate()
        except (OSError, sqlite3.DatabaseError) as exc:
            raise ClassroomError(
                f"class store {self.path}: cannot open ({exc}); set SLE_IMMUNOMOD_DB to a writable file"
            ) from None

    # --- connections ---------------------------------------------------------------------

    def _prepare_file(self) -> None:
        """The folder (private to the user) and an empty private file, before SQLite opens it."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA secure_delete = ON")  # deleted answers are overwritten, not left in free pages
        return conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed when the block ends normally, rolled back if it raises."""
        with self._read() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _migrate(self) -> None:
        with self._read() as conn:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ClassroomError(
                    f"class store {self.path}: schema version {version} is newer than this sle-immunomod "
                    f"understands ({SCHEMA_VERSION}); upgrade sle-immunomod"
                )
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def schema_version(self) -> int:
        """The schema version of the file (`PRAGMA user_version`)."""
        with self._read() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    # --- teacher -------------------------------------------------------------------------

    def create_class(self, title: str, *, hours: float = DEFAULT_HOURS) -> NewClass:
        """A new class whose join code stays open `hours` hours; classes expired long ago are purged."""
        title = _text(title, "title", MAX_TITLE, required=True)
        if not isinstance(hours, int | float) or not 0 < hours <= MAX_HOURS:
            raise ClassroomError(
                f"hours: join codes stay open more than 0 and at most {MAX_HOURS:g} hours, got {hours!r}"
            )
        token = secrets.token_urlsafe(24)
        salt = secrets.token_bytes(16)
        digest = _hash(token, salt)
        now = self.clock()
        with self._write() as conn:
            conn.execute("DELETE FROM classes WHERE expires_at < ?", (now - RETENTION_DAYS * 86400,))
            while True:
                code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
                if conn.execute("SELECT 1 FROM classes WHERE code = ?", (code,)).fetchone() is None:
                    break
            conn.execute(
                "INSERT INTO classes (code, title, token_salt, token_hash, created_at, expires_at) "
                "VALUES (?,?,?,?,?,?)",
                (code, title, salt, digest, now, now + hours * 3600),
            )
        return NewClass(code, token, title, now + hours * 3600)

    def list_classes(self) -> list[ClassInfo]:
        """Every class in the store, newest first, with its numbers of students and answers."""
        with self._read() as conn:
            rows = conn.execute(
                """SELECT c.code, c.title, c.created_at, c.expires_at,
                          (SELECT COUNT(*) FROM students s WHERE s.class_id = c.id) AS students,
                          (SELECT COUNT(*) FROM answers a WHERE a.class_id = c.id) AS answers
                   FROM classes c ORDER BY c.created_at DESC, c.id DESC"""
            ).fetchall()
        return [ClassInfo(**dict(row)) for row in rows]

    def _authorised(self, conn: sqlite3.Connection, code: str, token: str) -> sqlite3.Row:
        """The class row if `token` is its teacher token; AccessDeniedError otherwise (same work either way)."""
        try:
            code = normalise_code(code)
        except ClassroomError:
            code = ""
        row = conn.execute("SELECT * FROM classes WHERE code = ?", (code,)).fetchone()
        salt, digest = (row["token_salt"], row["token_hash"]) if row else (b"\0" * 16, b"\0" * 32)
        given = _hash(str(token), salt)
        if row is None or not hmac.compare_digest(given, digest):
            raise AccessDeniedError("class code or teacher token: no class with this code, or the token is wrong")
        return row

    def check_teacher(self, code: str, token: str) -> ClassInfo:
        """The class, if `token` is its teacher token (else AccessDeniedError)."""
        with self._read() as conn:
            code = self._authorised(conn, code, token)["code"]
        return next(c for c in self.list_classes() if c.code == code)

    def answers(self, code: str, token: str) -> list[Answer]:
        """Every prediction of the class, oldest first (teacher token required)."""
        with self._read() as conn:
            return self._class_answers(conn, self._authorised(conn, code, token))

    def _class_answers(self, conn: sqlite3.Connection, row: sqlite3.Row) -> list[Answer]:
        rows = conn.execute(
            """SELECT s.id AS sid, s.nickname, a.activity, a.choice, a.reasoning, a.submitted_at, a.submission_key
               FROM answers a JOIN students s ON s.id = a.student_id
               WHERE a.class_id = ? ORDER BY a.submitted_at, a.id""",
            (row["id"],),
        ).fetchall()
        ids = [r[0] for r in conn.execute("SELECT id FROM students WHERE class_id = ? ORDER BY id", (row["id"],))]
        number = {sid: k for k, sid in enumerate(ids, start=1)}
        return [
            Answer(
                number[r["sid"]],
                r["nickname"],
                r["activity"],
                r["choice"],
                r["reasoning"],
                r["submitted_at"],
                r["submission_key"],
            )
            for r in rows
        ]

    def counts(self, code: str, token: str, activity: int, options: int) -> list[int]:
        """How many students chose each option (1..options) of `activity` (teacher token required)."""
        activity = _whole(activity, "activity", MAX_ACTIVITY)
        tally = [0] * _whole(options, "options", MAX_CHOICE)
        for answer in self.answers(code, token):
            if answer.activity == activity and answer.choice <= options:
                tally[answer.choice - 1] += 1
        return tally

    def csv_text(self, code: str, token: str) -> str:
        """The class's predictions as CSV, led by the disclaimer and a line saying what they are."""
        return self._csv(code, token)[0]

    def _csv(self, code: str, token: str) -> tuple[str, int]:
        with self._read() as conn:
            row = self._authorised(conn, code, token)
            answers = self._class_answers(conn, row)
        import pandas as pd

        about = (
            f"class {row['title']!r} (code {row['code']}): students' predictions in the Classroom activities, "
            f"not model results; exported {_iso(self.clock())}"
        )
        table = pd.DataFrame(
            [
                [a.student, _cell(a.nickname), a.activity, a.choice, _cell(a.reasoning), _iso(a.submitted_at)]
                for a in answers
            ],
            columns=["student", "nickname", "activity", "choice", "reasoning", "submitted_at_utc"],
        )
        return csv_text(table, [about]), len(answers)

    def export_csv(self, code: str, token: str, path: str | os.PathLike[str]) -> int:
        """Write `csv_text` to `path` whole or not at all; returns the number of predictions written."""
        text, count = self._csv(code, token)
        write_atomic(path, text)
        return count

    def delete_class(self, code: str, token: str) -> int:
        """Delete the class, its students and their answers (teacher token required); returns answers deleted."""
        with self._write() as conn:
            row = self._authorised(conn, code, token)
            deleted = conn.execute("SELECT COUNT(*) FROM answers WHERE class_id = ?", (row["id"],)).fetchone()[0]
            conn.execute("DELETE FROM classes WHERE id = ?", (row["id"],))
        return int(deleted)

    # --- students ------------------------------------------------------------------------

    def _open_class(self, conn: sqlite3.Connection, code: str) -> sqlite3.Row:
        code = normalise_code(code)
        row = conn.execute("SELECT * FROM classes WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise ClassroomError(f"join code {code}: no class with this code; check it with your teacher")
        if self.clock() >= row["expires_at"]:
            raise ClassClosedError(f"join code {code}: the class closed at {_iso(row['expires_at'])} (UTC)")
        return row

    def _new_student(self, conn: sqlite3.Connection, row: sqlite3.Row, nickname: str) -> tuple[int, str]:
        joined = conn.execute("SELECT COUNT(*) FROM students WHERE class_id = ?", (row["id"],)).fetchone()[0]
        if joined >= MAX_STUDENTS:
            raise ClassroomError(f"join code {row['code']}: the class is full ({MAX_STUDENTS} students)")
        session = secrets.token_urlsafe(16)
        cursor = conn.execute(
            "INSERT INTO students (class_id, session, nickname, joined_at) VALUES (?,?,?,?)",
            (row["id"], session, nickname, self.clock()),
        )
        return int(cursor.lastrowid), session

    def join(self, code: str, nickname: str | None = None) -> Student:
        """Join an open class with an optional nickname (at most MAX_NICKNAME characters)."""
        nickname = _text(nickname, "nickname", MAX_NICKNAME)
        with self._write() as conn:
            row = self._open_class(conn, code)
            _, session = self._new_student(conn, row, nickname)
        return Student(session, row["code"], nickname)

    def submit(
        self, session: str, activity: int, choice: int, *, reasoning: str | None = None, key: str | None = None
    ) -> Answer:
        """Store a student's prediction (option `choice`, 1-based) for `activity`, once.

        A retry with the same `key` returns the stored answer; a second prediction for the same
        activity keeps the first (the answer comes back with `recorded=False`). Refused when the
        class has closed (ClassClosedError) or the session submits too fast (RateLimitedError).
        """
        activity = _whole(activity, "activity", MAX_ACTIVITY)
        choice = _whole(choice, "choice", MAX_CHOICE)
        reasoning = _text(reasoning, "reasoning", MAX_REASONING, newlines=True)
        key = _key(key)
        with self._write() as conn:
            student = conn.execute("SELECT * FROM students WHERE session = ?", (str(session),)).fetchone()
            if student is None:
                raise ClassroomError("student session: unknown (the class may have been deleted); join again")
            row = conn.execute("SELECT * FROM classes WHERE id = ?", (student["class_id"],)).fetchone()
            self._open_class(conn, row["code"])
            return self._store_answer(conn, row, student["id"], activity, choice, reasoning, key)

    def answer(
        self,
        code: str,
        activity: int,
        choice: int,
        *,
        nickname: str | None = None,
        reasoning: str | None = None,
        key: str | None = None,
    ) -> Answer:
        """Join as a new student and submit one prediction, in one transaction (scripted demos, tests).

        With a `key` that the class already holds, nothing new is stored and the stored answer comes back.
        """
        activity = _whole(activity, "activity", MAX_ACTIVITY)
        choice = _whole(choice, "choice", MAX_CHOICE)
        nickname = _text(nickname, "nickname", MAX_NICKNAME)
        reasoning = _text(reasoning, "reasoning", MAX_REASONING, newlines=True)
        key = _key(key)
        with self._write() as conn:
            row = self._open_class(conn, code)
            previous = self._by_key(conn, row, key)
            if previous is not None:
                return previous
            student_id, _ = self._new_student(conn, row, nickname)
            return self._store_answer(conn, row, student_id, activity, choice, reasoning, key)

    def _by_key(self, conn: sqlite3.Connection, row: sqlite3.Row, key: str) -> Answer | None:
        found = conn.execute(
            "SELECT * FROM answers WHERE class_id = ? AND submission_key = ?", (row["id"], key)
        ).fetchone()
        return None if found is None else self._answer(conn, found, recorded=False)

    def _answer(self, conn: sqlite3.Connection, found: sqlite3.Row, *, recorded: bool) -> Answer:
        student = conn.execute("SELECT * FROM students WHERE id = ?", (found["student_id"],)).fetchone()
        number = conn.execute(
            "SELECT COUNT(*) FROM students WHERE class_id = ? AND id <= ?", (student["class_id"], student["id"])
        ).fetchone()[0]
        return Answer(
            number,
            student["nickname"],
            found["activity"],
            found["choice"],
            found["reasoning"],
            found["submitted_at"],
            found["submission_key"],
            recorded,
        )

    def _store_answer(
        self,
        conn: sqlite3.Connection,
        row: sqlite3.Row,
        student_id: int,
        activity: int,
        choice: int,
        reasoning: str,
        key: str,
    ) -> Answer:
        previous = self._by_key(conn, row, key)
        if previous is not None:
            if previous.activity != activity or previous.choice != choice:
                raise ClassroomError("submission key: already used for a different prediction")
            return previous
        now = self.clock()
        recent = conn.execute(
            "SELECT COUNT(*) FROM attempts WHERE student_id = ? AND at > ?", (student_id, now - RATE_WINDOW_S)
        ).fetchone()[0]
        if recent >= RATE_LIMIT:
            raise RateLimitedError(
                f"submissions: at most {RATE_LIMIT} per {RATE_WINDOW_S:g} seconds from one student; wait a moment"
            )
        conn.execute("DELETE FROM attempts WHERE student_id = ? AND at <= ?", (student_id, now - RATE_WINDOW_S))
        conn.execute("INSERT INTO attempts (student_id, at) VALUES (?, ?)", (student_id, now))
        same = conn.execute(
            "SELECT * FROM answers WHERE student_id = ? AND activity = ?", (student_id, activity)
        ).fetchone()
        if same is not None:
            return self._answer(conn, same, recorded=False)
        cursor = conn.execute(
            """INSERT INTO answers (class_id, student_id, activity, choice, reasoning, submission_key, submitted_at)
               VALUES (?,?,?,?,?,?,?)""",
            (row["id"], student_id, activity, choice, reasoning, key, now),
        )
        found = conn.execute("SELECT * FROM answers WHERE id = ?", (cursor.lastrowid,)).fetchone()
        return self._answer(conn, found, recorded=True)
