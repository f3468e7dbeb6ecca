"""The simulator: resolve parameters, start on the scenario's attractor, integrate between events.

`simulate` is the one entry point for a single run. It

1. resolves the parameters (`resolve_parameters`): a mapping of overrides goes on top of the
   defaults, the scenario's overrides and the assumption set's, so the caller's changes always
   win; a `Parameters` is a complete set and is used as given;
2. starts from the scenario's attractor reached from its rough initial state under the same
   parameters and knockouts (`attractor.settle`, cached), or from `initial` when given;
3. integrates piecewise with LSODA between the interventions' event times, applying jumps at the
   start of a segment and recording the state just before and just after each jump as two points
   at the same time;
4. returns a `Result` with named series, outcomes and everything that produced them.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..core.disclaimer import DISCLAIMER
from ..core.equations import STATE_NAMES, TERMS, Inputs, Switches, rhs, term_table
from ..core.errors import ParameterError, SimulationError
from ..core.interventions import Intervention
from ..core.outcomes import Outcomes, activity_index, compute_outcomes
from ..core.parameters import Parameters
from ..core.scenarios import AssumptionSet, Scenario, get_assumption_set, get_scenario
from ..report.tables import parameters_line, write_csv
from . import lsoda, timeline
from .attractor import BURN_IN_DAYS, settle
from .timeline import Segment

__all__ = [
    "AS_GIVEN",
    "DISCLAIMER",
    "Result",
    "SimulationError",
    "initial_state",
    "resolve_parameters",
    "simulate",
]

RTOL, ATOL = 1e-6, 1e-9
N_STATES = len(STATE_NAMES)
_INDEX = {name: i for i, name in enumerate(STATE_NAMES)}


#: `Result.assumptions` of a run given a complete `Parameters` (no assumption set applied).
AS_GIVEN = "as given"


def resolve_parameters(
    scenario: str | Scenario = "active_sle",
    *,
    assumptions: str | AssumptionSet | None = None,
    params: Parameters | Mapping[str, float] | None = None,
) -> Parameters:
    """The parameters a run uses; `params` is read in one of two ways, by its type.

    - a mapping (or None): **overrides**, applied on top of the defaults, then the scenario's
      overrides, then the assumption set's (`assumptions`, default "baseline"); the caller's
      values win.
    - a `Parameters`: a **complete set**, returned as given (fields equal to the defaults stay at
      the defaults; nothing of the scenario or an assumption set is applied). Giving
      `assumptions` as well raises `ParameterError`: it could not apply.
    """
    get_scenario(scenario)  # an unknown name is an error either way
    if isinstance(params, Parameters):
        if assumptions is not None:
            errormsg = (
                "`params` is a complete Parameters set, used as given, so `assumptions` cannot apply to it; "
                "pass the changes as a mapping of overrides instead (e.g. params={'treg_loop': 0.2})"
            )
            raise ParameterError(errormsg)
        return params
    if params is not None and not isinstance(params, Mapping):
        raise ParameterError(f"`params` must be a Parameters or a mapping of overrides, got {type(params).__name__}")
    aset = get_assumption_set("baseline" if assumptions is None else assumptions)
    merged = {**get_scenario(scenario).overrides, **aset.overrides, **(params or {})}
    return Parameters().replace(**merged)


def _integrate(y0: np.ndarray, t: np.ndarray, p: Parameters, inputs: Inputs, on: Switches) -> np.ndarray:
    """LSODA from y0 over the increasing times `t` (t[0] is the start); rows are time points."""

    def f(y: np.ndarray, time: float) -> list[float]:
        return rhs(time, y.tolist(), p, inputs, on)

    try:
        y = lsoda.solve(f, y0, t, RTOL, ATOL)
    except SimulationError as error:
        raise SimulationError(f"{error} Try parameters nearer their defaults.") from None
    return _nonnegative(y, t[0])


def _nonnegative(y: np.ndarray, day: float) -> np.ndarray:
    """Round solver noise below zero up to zero; a real negative excursion is an error."""
    worst = float(np.min(y))
    if worst < -1e-6:
        raise SimulationError(f"A state went negative ({worst:.3g}) after day {day:g}; the solver lost accuracy.")
    return np.maximum(y, 0.0)


def burn_in(y0: np.ndarray, p: Any, on: Switches) -> np.ndarray:
    """One parameter set's states (11,) after `BURN_IN_DAYS` days without interventions from y0 (11,).

    The way to the attractor of a parameter set that neither pseudo-transient continuation nor
    Newton's method can settle (it may oscillate, as a relapsing course does). `p` is a
    `Parameters` or any object with its attribute names holding floats. Raises `SimulationError`
    if the solver fails.
    """
    return _integrate(y0, np.array([0.0, BURN_IN_DAYS]), p, Inputs(), on)[-1]


@functools.lru_cache(maxsize=256)
def _attractor(start: tuple[float, ...], p: Parameters, knockouts: tuple[str, ...]) -> tuple[float, ...]:
    on = Switches.without(knockouts)

    def integrate(members: np.ndarray, y: np.ndarray) -> np.ndarray:
        return burn_in(y[:, 0], p, on)[:, None]

    return tuple(settle(np.array(start, dtype=float)[:, None], p, on, integrate)[:, 0])


def initial_state(
    scenario: str | Scenario = "active_sle",
    params: Parameters | None = None,
    knockouts: Sequence[str] = (),
    initial: Mapping[str, float] | None = None,
) -> np.ndarray:
    """The start state: the scenario's attractor (found once, cached), with `initial` entries replacing it.

    When `initial` gives every state, the attractor is not needed and not computed.
    """
    sc = get_scenario(scenario)
    initial = initial or {}
    if set(STATE_NAMES) <= set(initial):
        y = np.zeros(len(STATE_NAMES))
    else:
        p = params if params is not None else resolve_parameters(sc, assumptions=None)
        start = tuple(sc.initial[name] for name in STATE_NAMES)
        y = np.array(_attractor(start, p, tuple(sorted(knockouts))))
    for name, value in initial.items():
        if name not in _INDEX:
            raise ParameterError(f"Unknown state {name!r} in `initial`; valid names: {', '.join(STATE_NAMES)}")
        number = float(value)
        if not math.isfinite(number) or number < 0:
            raise ParameterError(f"`initial[{name!r}]` = {value!r} must be a finite number >= 0 (a.u.)")
        y[_INDEX[name]] = number
    return y


def _run(
    y0: np.ndarray,
    p: Parameters,
    interventions: Sequence[Intervention],
    days: float,
    on: Switches,
    dt: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[Segment, ...]]:
    """The piecewise run from y0 along `timeline.segments`: output times, states (time, 11), the
    segment of each output point, and the segments."""
    plan = timeline.segments(interventions, timeline.output_grid(days, dt), days)
    states: list[np.ndarray] = []
    y = y0
    for seg in plan:
        if seg.jumps:
            states.append(y[None, :])
        ys = _integrate(timeline.apply_jumps(interventions, seg.start, y), seg.times, p, seg.inputs, on)
        states.append(ys if seg.last else ys[:-1])
        y = ys[-1]
    return timeline.output_times(plan), np.vstack(states), _segment_of_points(plan), plan


def _segment_of_points(plan: Sequence[Segment]) -> np.ndarray:
    """The segment of each output point of `plan` (`timeline.output_times`); a jump's "before"
    point belongs to the segment that ends there."""
    ids = []
    for k, seg in enumerate(plan):
        if seg.jumps:
            ids.append(np.array([max(k - 1, 0)]))
        ids.append(np.full(len(seg.times) if seg.last else len(seg.times) - 1, k))
    return np.concatenate(ids)


@dataclasses.dataclass(frozen=True, eq=False)
class Result:
    """One simulated course: named state series, outcomes, and what produced them.

    Attributes:
        t: time points (days); a time appears twice where an intervention made the state jump
            (just before, then just after).
        y: states, shape (time, state) in `STATE_NAMES` order (a.u.).
        params: the resolved parameters used.
        scenario, assumptions: names of the scenario and the assumption set.
        interventions: the interventions applied.
        knockouts: mechanisms switched off.
    """

    t: np.ndarray
    y: np.ndarray
    params: Parameters
    scenario: str
    assumptions: str
    interventions: tuple[Intervention, ...]
    knockouts: tuple[str, ...]
    segments: tuple[Segment, ...] = dataclasses.field(repr=False)
    segment_of_point: np.ndarray = dataclasses.field(repr=False)

    def __getitem__(self, name: str) -> np.ndarray:
        """The series of a state (or `"activity"`, the toy activity index) over `t`."""
        if name == "activity":
            return self.outcomes.activity
        try:
            return self.y[:, _INDEX[name]]
        except KeyError:
            raise KeyError(f"Unknown state {name!r}; valid names: {', '.join(STATE_NAMES)}, activity") from None

    def until(self, days: float) -> Result:
        """This run cut at `days`: the same numbers as simulating only `days` days.

        The solver's steps do not depend on the output times (LSODA steps on and interpolates to
        them), so the first `days` days of a longer run are those of the shorter run, and the
        outcomes (`Result.outcomes`, e.g. days in remission, which depend on the horizon) are
        computed from the cut trajectory. `days` must be one of the run's output times
        (`ParameterError` otherwise), and every intervention must start before it, as for `simulate`.
        A page can so integrate once for its longest horizon and show any shorter one.
        """
        days = timeline.check_days(days)
        if days > self.t[-1] or not np.any(self.t == days):
            errormsg = f"`days` = {days:g} must be one of the run's output times (days 0 to {self.t[-1]:g})"
            raise ParameterError(errormsg)
        timeline.check_interventions(self.interventions, days)
        plan = timeline.segments(self.interventions, np.unique(self.t[self.t <= days]), days)
        n = len(timeline.output_times(plan))
        return dataclasses.replace(
            self, t=self.t[:n], y=self.y[:n], segments=plan, segment_of_point=_segment_of_points(plan)
        )

    @property
    def final_state(self) -> dict[str, float]:
        """The last state by name: pass it as `initial` to continue a run."""
        return {name: float(v) for name, v in zip(STATE_NAMES, self.y[-1], strict=True)}

    @functools.cached_property
    def outcomes(self) -> Outcomes:
        """Activity series and the scalar outcomes derived from it."""
        return compute_outcomes(self.t, activity_index(self["A"], self["Ci"], self["D"]))

    def describe(self) -> str:
        """One line saying what was run."""
        what = "; ".join(i.describe() for i in self.interventions) or "no intervention"
        ko = f"; knocked out: {', '.join(self.knockouts)}" if self.knockouts else ""
        return f"scenario={self.scenario}; assumptions={self.assumptions}; {what}{ko}"

    def to_frame(self) -> Any:
        """A tidy table: one row per time point, columns `day`, each state, and `activity`."""
        import pandas as pd

        frame = pd.DataFrame(self.y, columns=list(STATE_NAMES))
        frame.insert(0, "day", self.t)
        frame["activity"] = self.outcomes.activity
        frame.attrs.update(disclaimer=DISCLAIMER, run=self.describe(), parameters=self.params.as_dict())
        return frame

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the table as CSV, led by comment lines: the disclaimer, the run and the parameters.

        The file appears complete or not at all (written to a temporary name, then renamed).
        """
        write_csv(path, self.to_frame(), [self.describe(), parameters_line(self.params)])

    def contributions(self, state: str) -> Any:
        """Each mechanism term of d(`state`)/dt over time: "why did it move?".

        Returns a table with `day`, one column per term (a.u./day) and `total`; the terms sum to
        the derivative. Terms of knocked-out mechanisms are zero.
        """
        import pandas as pd

        if state not in TERMS:
            raise KeyError(f"Unknown state {state!r}; valid names: {', '.join(STATE_NAMES)}")
        on = Switches.without(self.knockouts)
        parts = []
        for k, seg in enumerate(self.segments):
            mask = self.segment_of_point == k
            cols = term_table(self.t[mask], list(self.y[mask].T), self.params, state, seg.inputs, on)
            part = pd.DataFrame({name: np.broadcast_to(v, mask.sum()) for name, v in cols.items()})
            part.index = np.flatnonzero(mask)
            parts.append(part)
        table = pd.concat(parts).sort_index().reset_index(drop=True)
        table.insert(0, "day", self.t)
        table["total"] = table.drop(columns="day").sum(axis=1)
        return table


def simulate(
    scenario: str | Scenario = "active_sle",
    *,
    assumptions: str | AssumptionSet | None = None,
    params: Parameters | Mapping[str, float] | None = None,
    interventions: Sequence[Intervention] = (),
    days: float = 365,
    knockouts: Sequence[str] = (),
    initial: Mapping[str, float] | None = None,
    dt: float = 1.0,
) -> Result:
    """Simulate one course of the toy model (illustrative, not predictive).

    Every argument after `scenario` is keyword-only.

    **Main arguments:**
        scenario: a name from `SCENARIOS` (the toy person) or a `Scenario`.
        assumptions: a name from `ASSUMPTION_SETS` (how MSC act) or an `AssumptionSet`;
            default "baseline".
        params: a mapping of parameter overrides, applied after the scenario's and the
            assumption set's; or a complete `Parameters`, used as given (the scenario then gives
            only the start, and `assumptions` must be left out). See `resolve_parameters`.
        interventions: `MSCInfusion`, `HSCTReset`, `Immunosuppression`, `BCellDepletion`,
            `AntigenTrigger` objects.
        days: length of the run (days).

    **Other arguments:**
        knockouts: names from `MECHANISMS` to switch off (also during the burn-in).
        initial: start states by name, replacing the scenario's attractor (e.g. `res.final_state`).
        dt: spacing of the output grid (days); event times are always included.

    Example::

        res = simulate("active_sle", interventions=[MSCInfusion(day=30, dose=1.0)])
        res.outcomes.activity_final, res["E"][-1]
    """
    days = timeline.check_days(days)
    interventions = timeline.check_interventions(interventions, days)
    knockouts = tuple(knockouts)
    on = Switches.without(knockouts)
    sc = get_scenario(scenario)
    p = resolve_parameters(sc, assumptions=assumptions, params=params)
    given = isinstance(params, Parameters)
    assumptions_name = AS_GIVEN if given else get_assumption_set(assumptions or "baseline").name
    y0 = initial_state(sc, p, knockouts, initial)
    t, y, seg_ids, segments = _run(y0, p, interventions, days, on, float(dt))
    return Result(
        t=t,
        y=y,
        params=p,
        scenario=sc.name,
        assumptions=assumptions_name,
        interventions=interventions,
        knockouts=knockouts,
        segments=segments,
        segment_of_point=seg_ids,
    )
