"""Tipping points: phase planes, steady-state continuation and remission maps of the toy model.

Pure functions behind the app's "Tipping points" page (the app only draws what they return):

* `vector_field`: d/dt of two chosen states over a grid, every other state held at the
  scenario's attractor (a two-dimensional *slice* of the eleven-dimensional model);
* `nullclines`: the curves where one of those two rates is zero;
* `steady_states`: the stable states one set of parameters allows, found from a healthy and from
  an active-disease start (two where the model is bistable);
* `trajectories`: full-model runs from a few starting points, projected onto the two states;
* `steady_state_diagram`: where the model settles as one parameter is swept up and then down,
  each run continuing from the previous end state, so that a bistable range shows as a hysteresis
  loop (two branches);
* `remission_map`: which starting states end in remission after one MSC infusion;
  `remission_maps` the same for several doses at once (every start and dose one member of one
  vectorised batch, `simulate_batch`).

Units: time in days, states in arbitrary units (a.u.), rates in a.u./day; the activity index
(TLAI) is dimensionless. Illustrative teaching model, not predictive, not medical advice.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..core.equations import STATE_NAMES, Inputs, Switches, rhs
from ..core.errors import SimulationError
from ..core.interventions import MSCInfusion
from ..core.outcomes import REMISSION_THRESHOLD, activity_index
from ..core.parameters import ParameterError, Parameters, parameter_info
from ..core.scenarios import SCENARIOS
from ..engine.batch import simulate_batch
from ..engine.simulate import initial_state, resolve_parameters, simulate

__all__ = [
    "PlaneField",
    "RemissionMap",
    "Trajectory",
    "attractor",
    "nullclines",
    "remission_map",
    "remission_maps",
    "state_range",
    "steady_state_diagram",
    "steady_states",
    "trajectories",
    "vector_field",
]

_INDEX = {name: i for i, name in enumerate(STATE_NAMES)}
Overrides = Parameters | Mapping[str, float] | None


@dataclasses.dataclass(frozen=True)
class PlaneField:
    """The rates of two states over a grid, the other nine held at `held`.

    Attributes:
        x_state, y_state: the two state names (from `STATE_NAMES`).
        x, y: grid values (a.u.), 1-D.
        dx, dy: d(x_state)/dt and d(y_state)/dt (a.u./day), shape (len(y), len(x)).
        held: the full state (by name) the other states are held at: the scenario's attractor.
    """

    x_state: str
    y_state: str
    x: np.ndarray
    y: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    held: dict[str, float]


@dataclasses.dataclass(frozen=True)
class Trajectory:
    """One full-model run projected on two states: `t` (days), `x`, `y` (a.u.) and the final TLAI."""

    start: tuple[float, float]
    t: np.ndarray
    x: np.ndarray
    y: np.ndarray
    activity_final: float


@dataclasses.dataclass(frozen=True)
class RemissionMap:
    """Outcome of one MSC infusion from each start on a grid of two states.

    Attributes:
        x_state, y_state, x, y: as in `PlaneField` (a.u.).
        remission: bool array (len(y), len(x)): the run ends with TLAI below the remission threshold.
        activity_final: TLAI at the end of each run (dimensionless).
        dose: the infusion's dose (a.u.).
    """

    x_state: str
    y_state: str
    x: np.ndarray
    y: np.ndarray
    remission: np.ndarray
    activity_final: np.ndarray
    dose: float


def _check_state(name: str, field: str) -> None:
    if name not in _INDEX:
        raise ParameterError(f"`{field}` = {name!r} is not a state; valid names: {', '.join(STATE_NAMES)}")


def _check_pair(x_state: str, y_state: str) -> None:
    _check_state(x_state, "x_state")
    _check_state(y_state, "y_state")
    if x_state == y_state:
        raise ParameterError(f"`x_state` and `y_state` must differ (both are {x_state!r})")


def attractor(
    scenario: str = "active_sle",
    *,
    assumptions: str | None = None,
    params: Overrides = None,
    knockouts: Sequence[str] = (),
) -> dict[str, float]:
    """The state (a.u., by name) the scenario settles on without treatment: its burn-in attractor."""
    p = resolve_parameters(scenario, assumptions=assumptions, params=params)
    y = initial_state(scenario, p, tuple(knockouts))
    return {name: float(v) for name, v in zip(STATE_NAMES, y, strict=True)}


def steady_states(
    scenario: str = "susceptible",
    *,
    assumptions: str | None = None,
    params: Overrides = None,
    knockouts: Sequence[str] = (),
) -> dict[str, dict[str, float]]:
    """The stable states (a.u., by name) of the scenario's parameters: one, or two where the model is bistable.

    The model is settled from the rough start of `healthy` and from that of `active_sle`, both with
    the parameters of `scenario` (and `assumptions`, `params`), so the two runs differ only in their
    history. Returns {"healthy": state} and/or {"active disease": state}, named by whether the
    state's activity index is below the remission threshold; a start that settles on a state
    already found is left out.
    """
    p = resolve_parameters(scenario, assumptions=assumptions, params=params)
    found: dict[str, dict[str, float]] = {}
    for start in ("healthy", "active_sle"):
        y = initial_state(start, p, tuple(knockouts))
        level = float(activity_index(y[_INDEX["A"]], y[_INDEX["Ci"]], y[_INDEX["D"]]))
        label = "healthy" if level < REMISSION_THRESHOLD else "active disease"
        found.setdefault(label, {name: float(v) for name, v in zip(STATE_NAMES, y, strict=True)})
    return found


def state_range(
    state: str,
    *,
    assumptions: str | None = None,
    params: Overrides = None,
    scenarios: Sequence[str] = ("healthy", "active_sle"),
    factor: float = 1.5,
) -> tuple[float, float]:
    """A plotting range (a.u.) for `state`: 0 to `factor` x its largest value on the scenarios' attractors.

    By default the range covers both the healthy and the diseased state, so a phase plane over it
    shows the two outcomes.
    """
    _check_state(state, "state")
    top = max(attractor(name, assumptions=assumptions, params=params)[state] for name in scenarios)
    return 0.0, factor * max(top, 0.2)


def vector_field(
    x_state: str,
    y_state: str,
    x_values: Sequence[float] | np.ndarray,
    y_values: Sequence[float] | np.ndarray,
    *,
    scenario: str = "active_sle",
    assumptions: str | None = None,
    params: Overrides = None,
    knockouts: Sequence[str] = (),
) -> PlaneField:
    """d/dt of `x_state` and `y_state` (a.u./day) over the grid `x_values` x `y_values`.

    The nine other states are held at the scenario's attractor (no treatment), so the field is a
    slice through the full model: where both rates are zero at the attractor's own (x, y), the
    arrows vanish. The right-hand side is evaluated once on arrays (it broadcasts).

    Example::

        f = vector_field("R", "Ca", np.linspace(0, 9, 20), np.linspace(0, 8, 20), assumptions="durable_treg")
    """
    _check_pair(x_state, y_state)
    p = resolve_parameters(scenario, assumptions=assumptions, params=params)
    held = attractor(scenario, params=p, knockouts=knockouts)
    xs, ys = np.asarray(x_values, dtype=float), np.asarray(y_values, dtype=float)
    X, Y = np.meshgrid(xs, ys)
    grid = [np.full_like(X, held[name]) for name in STATE_NAMES]
    grid[_INDEX[x_state]], grid[_INDEX[y_state]] = X, Y
    rates = rhs(0.0, grid, p, Inputs(), Switches.without(tuple(knockouts)))
    return PlaneField(
        x_state, y_state, xs, ys, np.asarray(rates[_INDEX[x_state]]), np.asarray(rates[_INDEX[y_state]]), held
    )


def nullclines(field: PlaneField) -> dict[str, list[np.ndarray]]:
    """The zero contours of a `PlaneField`: {x_state: [lines], y_state: [lines]}.

    Each line is an (n, 2) array of (x, y) points (a.u.) where that state's rate is zero. Where an
    x-nullcline crosses a y-nullcline, the two-state slice is at rest.
    """
    import contourpy

    lines: dict[str, list[np.ndarray]] = {}
    for name, rate in ((field.x_state, field.dx), (field.y_state, field.dy)):
        gen = contourpy.contour_generator(field.x, field.y, rate, line_type=contourpy.LineType.Separate)
        lines[name] = [np.asarray(line) for line in gen.lines(0.0)]
    return lines


def trajectories(
    x_state: str,
    y_state: str,
    starts: Sequence[tuple[float, float]],
    *,
    scenario: str = "active_sle",
    assumptions: str | None = None,
    params: Overrides = None,
    knockouts: Sequence[str] = (),
    days: float = 730,
    around: Mapping[str, float] | None = None,
) -> list[Trajectory]:
    """Full-model runs without treatment from each (x, y) start, the other states starting at the attractor.

    With `around` (a full state by name, such as one of `steady_states`), the other states start
    there instead, so runs can start in either basin of a bistable model. Unlike the slice in
    `vector_field`, every state moves here, so a trajectory can cross the slice's arrows: the
    plane is a projection.
    """
    _check_pair(x_state, y_state)
    runs = []
    for x0, y0 in starts:
        res = simulate(
            scenario,
            assumptions=assumptions,
            params=params,
            days=days,
            knockouts=knockouts,
            initial={**(around or {}), x_state: x0, y_state: y0},
            dt=0.5,
        )
        runs.append(Trajectory((x0, y0), res.t, res[x_state], res[y_state], res.outcomes.activity_final))
    return runs


def steady_state_diagram(
    parameter: str,
    values: Sequence[float] | np.ndarray,
    *,
    scenario: str = "susceptible",
    assumptions: str | None = None,
    params: Overrides = None,
    knockouts: Sequence[str] = (),
    days: float = 1500,
) -> Any:
    """Where the model settles as `parameter` is swept up from an active start and down from a healthy start.

    Numerical continuation: the increasing sweep starts at the lowest value from the rough state
    of `active_sle`, the decreasing sweep at the highest value from that of `healthy`; each
    further value starts from the previous run's end state and runs `days` days. Where the
    model is bistable the two sweeps disagree: a hysteresis loop. The other parameters are
    those of `scenario` and `assumptions` with `params` overrides.

    Returns a table: `value` (the parameter's unit), `sweep` ("increasing" or "decreasing"),
    `activity` (final TLAI, dimensionless), `settled` (TLAI changed by less than 1 % of its value
    plus 0.001 over the last 50 days) and the final value of every state (a.u.).
    """
    import pandas as pd

    info = parameter_info(parameter)
    grid = np.sort(np.asarray(values, dtype=float))
    if grid.size == 0 or grid[0] < info.low or grid[-1] > info.high:
        errormsg = f"`values` of {parameter} must lie in its allowed range [{info.low:g}, {info.high:g}] ({info.unit})"
        raise ParameterError(errormsg)
    base = resolve_parameters(scenario, assumptions=assumptions, params=params)
    rows = []
    for sweep, order, start in (("increasing", grid, "active_sle"), ("decreasing", grid[::-1], "healthy")):
        state: Mapping[str, float] = dict(SCENARIOS[start].initial)
        for value in order:
            point = base.replace(**{parameter: value})
            res = simulate(scenario, params=point, days=days, knockouts=knockouts, initial=state, dt=50)
            state = res.final_state
            act = res.outcomes.activity
            settled = bool(abs(act[-1] - act[-2]) <= 0.01 * abs(act[-1]) + 1e-3)
            rows.append(
                {"value": float(value), "sweep": sweep, "activity": float(act[-1]), "settled": settled, **state}
            )
    return pd.DataFrame(rows)


def remission_map(
    x_state: str,
    y_state: str,
    x_values: Sequence[float] | np.ndarray,
    y_values: Sequence[float] | np.ndarray,
    *,
    scenario: str = "active_sle",
    assumptions: str | None = "durable_treg",
    params: Overrides = None,
    knockouts: Sequence[str] = (),
    dose: float = 0.2,
    days: float = 730,
) -> RemissionMap:
    """Whether one MSC infusion of `dose` (a.u.) on day 0 leads to remission at `days`, from each start.

    Each run starts with (`x_state`, `y_state`) set to a grid point and the other states at the
    scenario's untreated attractor. Under an assumption set with a strong regulatory loop
    (`durable_treg`), starts with enough Tregs tip into remission and others do not. The runs
    are made together (`remission_maps`).
    """
    (rmap,) = remission_maps(
        x_state,
        y_state,
        x_values,
        y_values,
        doses=[dose],
        scenario=scenario,
        assumptions=assumptions,
        params=params,
        knockouts=knockouts,
        days=days,
    )
    return rmap


def remission_maps(
    x_state: str,
    y_state: str,
    x_values: Sequence[float] | np.ndarray,
    y_values: Sequence[float] | np.ndarray,
    *,
    doses: Sequence[float] | np.ndarray,
    scenario: str = "active_sle",
    assumptions: str | None = "durable_treg",
    params: Overrides = None,
    knockouts: Sequence[str] = (),
    days: float = 730,
) -> list[RemissionMap]:
    """`remission_map` for each of `doses` (a.u.), all runs in one vectorised batch: one map per dose.

    Every (dose, start) pair is one member of `simulate_batch`: the member starts at the
    scenario's untreated attractor (the start `simulate` uses) with (`x_state`, `y_state`) set to
    its grid point, and its infusion on day 0 is applied to that start (`MSCInfusion.jump`: the
    dose is added to the MSC state M), so members with different doses run together. Each
    member's final activity matches `simulate` of the same start and infusion within the batch
    engine's tolerance (1e-4 relative; `tests/test_phaseplane.py` checks the classification
    against such a loop). Raises `SimulationError` naming a start whose run fails.
    """
    _check_pair(x_state, y_state)
    xs, ys = np.asarray(x_values, dtype=float), np.asarray(y_values, dtype=float)
    infusions = [MSCInfusion(day=0.0, dose=float(d)) for d in doses]  # checks each dose
    held = attractor(scenario, assumptions=assumptions, params=params, knockouts=knockouts)
    X, Y = np.meshgrid(xs, ys)
    grid = np.array([np.full(X.size, held[name]) for name in STATE_NAMES])
    grid[_INDEX[x_state]], grid[_INDEX[y_state]] = X.ravel(), Y.ravel()
    starts = np.hstack([infusion.jump(0.0, grid) for infusion in infusions])
    members = [params if params is not None else {}] * starts.shape[1]
    batch = simulate_batch(
        members,
        scenario=scenario,
        assumptions=assumptions,
        days=days,
        t_eval=(0.0, days),
        knockouts=knockouts,
        initial=starts.T,
        keep_states=False,
    )
    if batch.failed.any():
        k = int(np.flatnonzero(batch.failed)[0]) % X.size
        errormsg = f"The run from {x_state} = {X.flat[k]:g}, {y_state} = {Y.flat[k]:g} failed"
        raise SimulationError(errormsg)
    final = batch.outcomes["activity_final"].to_numpy(dtype=float).reshape(len(infusions), *X.shape)
    return [
        RemissionMap(x_state, y_state, xs, ys, values < REMISSION_THRESHOLD, values, infusion.dose)
        for values, infusion in zip(final, infusions, strict=True)
    ]
