"""The one range check: is a value a real number inside [low, high]? Used for parameters,
intervention fields, run options (`days`, `dt`, `n`, ...) and columns of parameter tables.

Each failure raises the caller's error type (`ParameterError` unless told otherwise) with a
message that names the field, the value and the allowed range, and the unit when there is one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import ModelError, ParameterError

__all__ = ["as_number", "check_column", "check_range", "check_whole", "in_range", "shown"]

_MAX_SHOWN = 24


def shown(value: Any) -> str:
    """`repr(value)`, shortened for an error message (a 400-digit integer is not worth printing)."""
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def as_number(value: Any) -> float:
    """`value` as a float, or NaN when it is not a real number (a bool, a string, None, too large)."""
    if isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def in_range(value: Any, low: float, high: float) -> bool:
    """True when `value` is a finite real number with low <= value <= high."""
    number = as_number(value)
    return math.isfinite(number) and low <= number <= high


def _range_text(low: float, high: float, unit: str) -> str:
    return f"[{low:g}, {high:g}]" + (f" ({unit})" if unit else "")


def check_range(
    field: str,
    value: Any,
    low: float,
    high: float,
    *,
    unit: str = "",
    owner: str = "",
    error: type[ModelError] = ParameterError,
) -> float:
    """`value` as a float when it lies in [low, high]; otherwise `error` naming field and range.

    `owner` prefixes the message (e.g. "MSCInfusion: "); `unit` follows the range in brackets.
    """
    if not in_range(value, low, high):
        prefix = f"{owner}: " if owner else ""
        raise error(f"{prefix}`{field}` = {shown(value)} is outside its allowed range {_range_text(low, high, unit)}")
    return float(value)


def check_whole(
    field: str,
    value: Any,
    low: int,
    high: int,
    *,
    owner: str = "",
    error: type[ModelError] = ParameterError,
) -> int:
    """`value` as an int when it is a whole number in [low, high]; otherwise `error` naming the range."""
    whole = isinstance(value, int | np.integer) and not isinstance(value, bool)
    if not whole or not low <= value <= high:
        prefix = f"{owner}: " if owner else ""
        raise error(f"{prefix}`{field}` = {shown(value)} must be a whole number in [{low:,}, {high:,}]")
    return int(value)


def check_column(field: str, values: np.ndarray, low: float, high: float, *, unit: str = "") -> None:
    """Every non-NaN entry of `values` in [low, high]; otherwise `ParameterError` naming the first bad row."""
    values = np.asarray(values, dtype=float)
    bad = ~np.isnan(values) & ~((values >= low) & (values <= high))
    if np.any(bad):
        member = int(np.flatnonzero(bad)[0])
        raise ParameterError(
            f"`{field}` = {float(values[member]):g} (member {member}) is outside its allowed range "
            f"{_range_text(low, high, unit)}"
        )
