"""The event timeline of a run: where integration stops and restarts, and which times are output.

A run is integrated piecewise between the interventions' breakpoints (a jump such as an infusion
or a reset, or an input switching on or off). Within a segment the inputs (`Inputs`) are fixed or
fade smoothly; at a segment's start the interventions may make the state jump. The output holds
every time of the grid, every breakpoint, and a jump time twice: the state just before the jump,
then just after. `simulate` (one run) and `simulate_batch` (many members at once) both follow
this one plan, so their outputs have the same times.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ..core.equations import Inputs
from ..core.errors import ParameterError
from ..core.interventions import Intervention
from ..core.validation import check_range

__all__ = [
    "MAX_DAYS",
    "Segment",
    "apply_jumps",
    "check_days",
    "check_interventions",
    "output_grid",
    "output_times",
    "segments",
]

#: Longest run (days): a hundred years.
MAX_DAYS = 36_500.0


class Segment(NamedTuple):
    """One stretch of integration between event times.

    `times` are the output times from `start` to `stop`, both included; `inputs` hold during the
    whole segment; `jumps` says whether an intervention makes the state jump at `start`; `last`
    marks the run's final segment.
    """

    start: float
    stop: float
    times: np.ndarray
    inputs: Inputs
    jumps: bool
    last: bool


def check_days(days: Any) -> float:
    """`days` as a float within [1, `MAX_DAYS`]; otherwise `ParameterError` naming the range."""
    return check_range("days", days, 1.0, MAX_DAYS, unit="days")


def check_interventions(interventions: Sequence[Any], days: float) -> tuple[Intervention, ...]:
    """The interventions as a tuple, each an `Intervention` that starts before the run ends."""
    for item in interventions:
        if not isinstance(item, Intervention):
            raise ParameterError(f"`interventions` must hold Intervention objects, got {item!r}")
        if item.first_day() >= days:
            errormsg = f"{item.describe()} starts after the end of the simulation (`days` = {days:g})"
            raise ParameterError(errormsg)
    return tuple(interventions)


def output_grid(days: float, dt: Any) -> np.ndarray:
    """Output times every `dt` days from 0, with `days` itself last; `dt` within [0.01, days]."""
    dt = check_range("dt", dt, 0.01, days, unit="days")
    return np.append(np.arange(0.0, days, dt), days)


def segments(interventions: Sequence[Intervention], grid: np.ndarray, days: float) -> tuple[Segment, ...]:
    """The segments between the interventions' breakpoints, with their output times (from `grid`)
    and the inputs and jumps of each."""
    breaks = {b for item in interventions for b in item.breakpoints() if 0.0 <= b < days}
    bounds = sorted({0.0, *breaks, days})
    plan = []
    for k, (a, b) in enumerate(itertools.pairwise(bounds)):
        inputs = Inputs()
        for item in interventions:
            inputs = item.inputs(a, inputs)
        times = np.concatenate(([a], grid[(grid > a) & (grid < b)], [b]))
        jumps = any(item.jumps_on(a) for item in interventions)
        plan.append(Segment(a, b, times, inputs, jumps, k == len(bounds) - 2))
    return tuple(plan)


def apply_jumps(interventions: Sequence[Intervention], day: float, y: np.ndarray) -> np.ndarray:
    """The state just after every jump on `day`; y is (11,) or (11, N) (states on the first axis)."""
    for item in interventions:
        y = item.jump(day, y)
    return y


def output_times(plan: Sequence[Segment]) -> np.ndarray:
    """The output times of a run: every segment's times, a segment's end only as the next one's
    start (or at the end of the run), and a jump time twice (before and after)."""
    parts = []
    for seg in plan:
        if seg.jumps:
            parts.append(seg.times[:1])
        parts.append(seg.times if seg.last else seg.times[:-1])
    return np.concatenate(parts)
