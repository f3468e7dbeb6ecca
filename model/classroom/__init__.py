"""Class sessions: a teacher's class, students' predictions in the Classroom activities, stored safely.

The store is one SQLite file (WAL mode; `SLE_IMMUNOMOD_DB` or a per-user default, see
`default_path`). A class has a short join code that expires and a secret teacher token, kept only
as a salted scrypt hash; viewing, exporting and deleting a class need that token. Students join
with the code and an optional nickname (no other personal data) and submit one prediction per
activity, with an optional reasoning of at most `MAX_REASONING` characters. Submissions carry an
idempotency key (a retried submission is stored once) and are rate limited per student session.
No Streamlit here: the app and the CLI both call this package.
"""

from __future__ import annotations

from .store import (
    ALPHABET,
    CODE_LENGTH,
    DEFAULT_HOURS,
    MAX_ACTIVITY,
    MAX_CHOICE,
    MAX_NICKNAME,
    MAX_REASONING,
    MAX_TITLE,
    RATE_LIMIT,
    RATE_WINDOW_S,
    RETENTION_DAYS,
    SCHEMA_VERSION,
    AccessDeniedError,
    Answer,
    ClassClosedError,
    ClassInfo,
    ClassroomError,
    ClassStore,
    NewClass,
    RateLimitedError,
    Student,
    default_path,
    normalise_code,
)

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "DEFAULT_HOURS",
    "MAX_ACTIVITY",
    "MAX_CHOICE",
    "MAX_NICKNAME",
    "MAX_REASONING",
    "MAX_TITLE",
    "RATE_LIMIT",
    "RATE_WINDOW_S",
    "RETENTION_DAYS",
    "SCHEMA_VERSION",
    "AccessDeniedError",
    "Answer",
    "ClassClosedError",
    "ClassInfo",
    "ClassStore",
    "ClassroomError",
    "NewClass",
    "RateLimitedError",
    "Student",
    "default_path",
    "normalise_code",
]
