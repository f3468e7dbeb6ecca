"""Tables as files: the one writer of CSV led by comment lines, and of Parquet with metadata.

Every CSV the project writes (a run, a comparison, an ensemble, a sweep, an app download) starts
with ``# <disclaimer>`` (added here, once, so no caller can leave it out), then one ``# `` line per
thing that produced the table (the run, its parameters, the seed). Parquet files carry the same
in their key-value metadata. Files appear whole or not at all (`model.report.files`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.disclaimer import DISCLAIMER
from ..core.errors import ParameterError
from .files import atomic_path, write_atomic

if TYPE_CHECKING:
    import pandas as pd

    from ..core.parameters import Parameters

__all__ = ["FORMATS", "csv_text", "parameters_line", "table_format", "write_csv", "write_table"]

#: File kinds `write_table` writes, by extension.
FORMATS: tuple[str, ...] = (".csv", ".parquet")


def parameters_line(params: Parameters) -> str:
    """``parameters: name=value, ...`` for a CSV header (every parameter, in declaration order)."""
    return "parameters: " + ", ".join(f"{k}={v:g}" for k, v in params.as_dict().items())


def csv_text(frame: pd.DataFrame, lines: Iterable[str] = (), *, seed: int | None = None) -> str:
    """`frame` as CSV text led by ``# `` comment lines: the disclaimer (with ``seed=`` when given), then `lines`."""
    first = DISCLAIMER if seed is None else f"{DISCLAIMER} seed={seed}"
    header = "".join(f"# {line}\n" for line in (first, *lines))
    return header + frame.to_csv(index=False)


def write_csv(
    path: str | os.PathLike[str], frame: pd.DataFrame, lines: Iterable[str] = (), *, seed: int | None = None
) -> None:
    """Write `csv_text(frame, lines, seed=seed)` to `path`, whole or not at all."""
    write_atomic(path, csv_text(frame, lines, seed=seed))


def table_format(path: str | os.PathLike[str]) -> str:
    """The lower-case extension of `path` if `write_table` can write it; else `ParameterError`."""
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise ParameterError(f"{str(path)!r}: the file name must end in {' or '.join(FORMATS)}")
    return ext


def write_table(table: pd.DataFrame, path: str | os.PathLike[str], meta: Mapping[str, Any]) -> None:
    """Write `table` as CSV or Parquet (by extension) with the disclaimer and `meta` (e.g. the seed).

    CSV starts with ``# <disclaimer> seed=<seed>`` and one ``# key: value`` line per other entry;
    Parquet stores them in the file's key-value metadata.
    """
    if table_format(path) == ".csv":
        extra = [f"{k}: {v}" for k, v in meta.items() if k != "seed"]
        write_csv(path, table, extra, seed=meta.get("seed"))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(table, preserve_index=False)
    info = {b"disclaimer": DISCLAIMER.encode(), **{str(k).encode(): str(v).encode() for k, v in meta.items()}}
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), **info})
    with atomic_path(path) as tmp:
        pq.write_table(arrow, tmp)
