"""The one sampler: points in the unit hypercube, mapped onto parameter ranges.

Ensembles (`uncertainty`), global sensitivity (`sensitivity`) and sweeps (`sweep_spec`) all draw
their parameter values here, so a seed means the same thing everywhere:

- `unit_sample`: `n` points in [0, 1)^d by a Latin hypercube ("lhs"), a scrambled Sobol
  sequence ("sobol", `n` a power of two for its balance properties) or plain uniform draws
  ("random"), each from `numpy.random.default_rng(seed)` (SciPy's `rng=` argument, SciPy >= 1.15);
- `from_unit`: [0, 1) onto (low, high), log-uniformly for parameters that span a factor of
  several (`log_scale` in `model.PARAMETERS`), uniformly otherwise;
- `check_ranges`: the (low, high) box of the varied parameters, each inside its plausible range;
- `sample_box`: the three together, as a table with one row per draw.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ..core.errors import ParameterError
from ..core.parameters import PARAMETERS, parameter_info
from ..core.scenarios import ASSUMPTION_SETS, SCENARIOS

__all__ = [
    "KINDS",
    "STREAM",
    "check_ranges",
    "default_parameters",
    "from_unit",
    "sample_box",
    "unit_sample",
]

#: Kinds of sample `unit_sample` draws.
KINDS: tuple[str, ...] = ("lhs", "sobol", "random")
#: Names the random stream behind a seed; part of a sweep's hash, so a folder drawn with another
#: stream is never resumed with this one.
STREAM = "numpy-default-rng/scipy-qmc-rng"


def unit_sample(kind: str, n: int, d: int, seed: int) -> np.ndarray:
    """`n` points (rows) in the unit hypercube [0, 1)^d, the same for the same `seed`."""
    if kind == "lhs":
        return qmc.LatinHypercube(d=d, rng=seed).random(n)
    if kind == "sobol":
        return qmc.Sobol(d=d, scramble=True, rng=seed).random(n)
    if kind == "random":
        return np.random.default_rng(seed).random((n, d))
    raise ParameterError(f"`method` = {kind!r} must be one of {', '.join(KINDS)}")


def from_unit(u: np.ndarray, low: float, high: float, log_scale: bool) -> np.ndarray:
    """Map values in [0, 1) onto (low, high): log-uniformly when `log_scale` and low > 0."""
    if log_scale and low > 0:
        return np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
    return low + u * (high - low)


def default_parameters() -> tuple[str, ...]:
    """Parameters an ensemble varies by default: all, except those a scenario or assumption set fixes."""
    fixed = {name for s in SCENARIOS.values() for name in s.overrides}
    fixed |= {name for a in ASSUMPTION_SETS.values() for name in a.overrides}
    return tuple(info.name for info in PARAMETERS if info.name not in fixed and info.low < info.high)


def check_ranges(
    ranges: Mapping[str, tuple[float, float]] | None, parameters: Sequence[str] | None
) -> dict[str, tuple[float, float]]:
    """The (low, high) box of every varied parameter, checked; user `ranges` win over the plausible ranges.

    `parameters` names what varies (default `default_parameters()`); a parameter named only in
    `ranges` varies too. Each range must lie inside the parameter's plausible range.
    """
    names = list(parameters) if parameters is not None else list(default_parameters())
    ranges = dict(ranges or {})
    names += [name for name in ranges if name not in names]
    if not names:
        raise ParameterError("`parameters` is empty: name at least one parameter to vary")
    box: dict[str, tuple[float, float]] = {}
    for name in names:
        info = parameter_info(name)  # unknown name -> ParameterError with the nearest valid names
        allowed = f"[{info.low:g}, {info.high:g}] ({info.unit})"
        try:
            low, high = (float(v) for v in ranges.get(name, (info.low, info.high)))
        except (TypeError, ValueError):
            raise ParameterError(f"`ranges[{name!r}]` must be a (low, high) pair of numbers within {allowed}") from None
        if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
            raise ParameterError(f"`ranges[{name!r}]` = ({low:g}, {high:g}) needs low < high within {allowed}")
        if low < info.low or high > info.high:
            raise ParameterError(f"`ranges[{name!r}]` = ({low:g}, {high:g}) is outside the allowed range {allowed}")
        box[name] = (low, high)
    return box


def sample_box(box: Mapping[str, tuple[float, float]], n: int, *, seed: int, kind: str = "lhs") -> pd.DataFrame:
    """`n` draws over `box` ({parameter: (low, high)}): one row per draw, one column per parameter."""
    unit = unit_sample(kind, n, len(box), seed)
    columns = {
        name: from_unit(unit[:, k], low, high, parameter_info(name).log_scale)
        for k, (name, (low, high)) in enumerate(box.items())
    }
    return pd.DataFrame(columns, index=pd.RangeIndex(n, name="member"))
