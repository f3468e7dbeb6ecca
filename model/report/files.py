"""Writing files whole or not at all: every output of the project goes through `atomic_path`."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["TEMPORARY_MARK", "atomic_path", "write_atomic"]

#: Temporary files are named ``.<final name>.tmp-<random><suffix>`` beside their final name.
TEMPORARY_MARK = ".tmp-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside `path` to write to; renamed onto `path` when the block succeeds.

    If the block raises (or the process dies), `path` is untouched and the temporary file is
    removed (or, after a kill, left with a name that starts with "." and holds `TEMPORARY_MARK`).
    The temporary name keeps the final suffix, so writers that infer the format from it work.
    """
    target = Path(path)
    fd, name = tempfile.mkstemp(
        dir=target.parent.absolute(), prefix=f".{target.name}{TEMPORARY_MARK}", suffix=target.suffix
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(0o666 & ~_umask())  # mkstemp makes the file private; give it the usual mode
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` (UTF-8) to `path` whole or not at all."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")
