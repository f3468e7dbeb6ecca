"""Command line for class sessions: `sle-immunomod class create|list|delete|export|answer`.

Picked up by `model.cli` (listed in its `_EXTENSIONS`). The store is the SQLite file named by
`SLE_IMMUNOMOD_DB` (or `--db`), else the per-user default of `model.classroom.default_path`.
A refused request (unknown class, wrong token, closed class, bad text) is one line on stderr and
exit code 2, with nothing written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from ..classroom import DEFAULT_HOURS, MAX_ACTIVITY, MAX_CHOICE, ClassroomError, ClassStore
from ..core.disclaimer import DISCLAIMER

__all__ = ["add_commands"]


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `class` and its subcommands to the `sle-immunomod` parser."""
    group = subparsers.add_parser(
        "class",
        help="class sessions: gather students' predictions in the Classroom activities",
        description=f"Class sessions (see docs/teaching-with-a-class.md). {DISCLAIMER}",
    )
    group.add_argument("--db", type=Path, help="the class store (default: $SLE_IMMUNOMOD_DB or the user data folder)")
    sub = group.add_subparsers(dest="class_command", required=True)

    create = sub.add_parser("create", help="create a class; prints JSON with the join code and the teacher token")
    create.add_argument("--title", required=True, help="a title the teacher recognises, e.g. 'Year 12 biology'")
    create.add_argument(
        "--hours", type=float, default=DEFAULT_HOURS, help=f"hours the join code stays open (default {DEFAULT_HOURS:g})"
    )
    create.set_defaults(func=_cmd_create)

    listing = sub.add_parser("list", help="list the classes in the store (no answers, no tokens)")
    listing.set_defaults(func=_cmd_list)

    delete = sub.add_parser("delete", help="delete a class and every answer in it")
    _code_and_token(delete)
    delete.set_defaults(func=_cmd_delete)

    export = sub.add_parser("export", help="write the class's predictions to CSV (led by the disclaimer)")
    _code_and_token(export)
    export.add_argument("--out", type=Path, required=True, help="CSV file to write")
    export.set_defaults(func=_cmd_export)

    answer = sub.add_parser("answer", help="join as a new student and submit one prediction (demos, tests)")
    answer.add_argument("code", help="the class's join code")
    answer.add_argument("--activity", type=int, required=True, help=f"activity number, 1 to {MAX_ACTIVITY}")
    answer.add_argument("--choice", required=True, help=f"option number (1 to {MAX_CHOICE}) or letter (A, B, ...)")
    answer.add_argument("--nickname", help="optional nickname")
    answer.add_argument("--reasoning", help="optional reasoning (at most 500 characters)")
    answer.add_argument("--key", help="submission key: a retry with the same key is stored once")
    answer.set_defaults(func=_cmd_answer)


def _code_and_token(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="the class's join code")
    parser.add_argument("--token", required=True, help="the teacher token printed by `class create`")


def _store(args: argparse.Namespace) -> ClassStore:
    return ClassStore(args.db)


def _when(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _choice(text: str) -> int:
    """An option number from "2" or "B"."""
    text = text.strip()
    letters = "ABCDEFGHIJ"[:MAX_CHOICE]
    if text.upper() in letters and len(text) == 1:
        return letters.index(text.upper()) + 1
    if text.isdigit():
        return int(text)
    raise ClassroomError(f"--choice {text!r}: an option number (1 to {MAX_CHOICE}) or letter (A to {letters[-1]})")


def _cmd_create(args: argparse.Namespace) -> None:
    created = _store(args).create_class(args.title, hours=args.hours)
    record = {
        "code": created.code,
        "token": created.token,
        "title": created.title,
        "expires_at": dt.datetime.fromtimestamp(created.expires_at, dt.UTC).isoformat(timespec="seconds"),
    }
    print(json.dumps(record), flush=True)


def _cmd_list(args: argparse.Namespace) -> None:
    store = _store(args)
    classes = store.list_classes()
    now = store.clock()
    print(f"# {DISCLAIMER}")
    print(f"# store: {store.path}")
    print(f"{'code':<9} {'students':>8} {'answers':>8}  {'open until':<21} title")
    for c in classes:
        until = _when(c.expires_at) if c.is_open(now) else "closed"
        print(f"{c.code:<9} {c.students:>8} {c.answers:>8}  {until:<21} {c.title}")
    if not classes:
        print("(no classes)")


def _cmd_delete(args: argparse.Namespace) -> None:
    deleted = _store(args).delete_class(args.code, args.token)
    print(f"deleted class {args.code.upper()} and its {deleted} answer(s)")


def _cmd_export(args: argparse.Namespace) -> None:
    store = _store(args)
    if not args.out.parent.is_dir():
        raise ClassroomError(f"--out {args.out}: the folder {args.out.parent} does not exist")
    try:
        written = store.export_csv(args.code, args.token, args.out)
    except OSError as exc:
        raise ClassroomError(f"--out {args.out}: cannot write ({exc.strerror})") from None
    print(f"# {DISCLAIMER}")
    print(f"wrote {args.out} ({written} predictions)")


def _cmd_answer(args: argparse.Namespace) -> None:
    stored = _store(args).answer(
        args.code,
        args.activity,
        _choice(args.choice),
        nickname=args.nickname,
        reasoning=args.reasoning,
        key=args.key,
    )
    state = "stored" if stored.recorded else "already stored"
    print(f"{state}: activity {stored.activity}, choice {stored.choice} (student {stored.student}, key {stored.key})")
