"""Many runs at once: one vectorised solve per chunk of parameter sets (an *ensemble*).

`simulate_batch` runs the same scenario, assumption set and interventions for many parameter sets
("members"). Instead of calling `simulate` in a Python loop, it stacks the members of a chunk into
one system of ``N x 11`` equations for LSODA, state by state, so the model's own `equations.rhs`
is evaluated once per solver call on arrays of shape ``(N,)``. Every member couples only to its own
11 states; the solver's Newton iteration is given the diagonal of the Jacobian (see `_Stacked`),
built by finite differences that perturb a state of every member at once (`jacobian.diagonal`).

Each member follows the same recipe as `simulate`: parameters resolved as `resolve_parameters`
does (a mapping of overrides on top of defaults <- scenario <- assumption set; a `Parameters` as
given); the scenario's attractor found member by member with
`attractor.settle` (pseudo-transient continuation, vectorised over members, each with its own step
length, so a member starts exactly where `simulate` starts), or the member's own starting state
given in `initial` (as `simulate`'s `initial`); then piecewise integration between
the interventions' event times on the same output grid, with a jump time recorded twice (just
before and just after). Outcomes therefore match `simulate` of the same parameters within 4e-5
relative in every case measured (tests check 1e-4; see `RUN_TOL`).

Chunks bound memory; `iter_batch` yields one chunk at a time (optionally without trajectories) so
100,000 members can stream through, and `workers=2` spreads chunks over processes.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import functools
import hashlib
import math
import threading
import types
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.disclaimer import DISCLAIMER
from ..core.equations import STATE_NAMES, Inputs, Switches
from ..core.errors import ParameterError, SimulationError
from ..core.interventions import Intervention
from ..core.outcomes import OUTCOME_NAMES, activity_index, outcome_columns
from ..core.parameters import PARAMETERS, Parameters, parameter_info
from ..core.scenarios import get_assumption_set, get_scenario
from ..core.validation import check_column, check_whole
from . import jacobian, lsoda, timeline
from .attractor import BURN_IN_DAYS, Derivative, evaluator, member, settle, subset
from .simulate import AS_GIVEN, burn_in
from .simulate import resolve_parameters as _resolve_one
from .timeline import Segment

if TYPE_CHECKING:  # pandas is imported on first use, so `import model` stays fast
    import pandas as pd

__all__ = ["DEFAULT_CHUNK_SIZE", "BatchResult", "iter_batch", "resolve_batch", "simulate_batch"]

#: Members per vectorised solve: large enough to amortise Python overhead per solver call, small
#: enough that the slowest member does not set the step size for too many others (measured in
#: `benchmarks/ensemble.py`).
DEFAULT_CHUNK_SIZE = 2000
MAX_CHUNK_SIZE = 1_000_000
N_STATES = len(STATE_NAMES)
PARAMETER_NAMES: tuple[str, ...] = tuple(info.name for info in PARAMETERS)
_INDEX = {name: i for i, name in enumerate(STATE_NAMES)}
#: (rtol, atol) of the run and of a stacked burn-in (more than `BURN_IN_ONE_BY_ONE` members). A little
#: looser than `simulate`'s (1e-6, 1e-9), as LSODA holds every one of the N x 11 equations to it
#: (max norm); `tests/test_batch.py` checks every intervention kind against `simulate` within 1e-4
#: relative (an HSCT reset, where tiny surviving cell numbers regrow, is the most sensitive).
RUN_TOL = (3e-6, 1e-9)
#: Band widths below and above the diagonal of one member's full 11 x 11 Jacobian block.
_LOWER = int(np.max(jacobian.ROWS - jacobian.COLS))
_UPPER = int(np.max(jacobian.COLS - jacobian.ROWS))


class _Stacked:
    """The members of one chunk as a single ODE system of N x 11 equations, state by state.

    y[k * N + m] is state `STATE_NAMES[k]` of member m, so ``y.reshape(11, N)`` gives the model's
    states as contiguous rows without copying. `p` holds each parameter as a float (same for every
    member) or an array of shape (N,).

    LSODA is given only the diagonal of the Jacobian, df_i/dy_i of every equation (a band of
    width one). It uses the Jacobian only in the Newton iteration of its implicit steps, where an
    approximation is enough (LSODE offers the diagonal as `MF = 23`). On a one-year run of 2,000
    members drawn over the plausible box it took 6 % more steps and 15 % more right-hand side calls
    than with a band holding each member's full 11 x 11 block, yet 40 % less time, as the banded LU
    of so narrow a band is trivial. Where the approximation is poor (slow oscillations in a long
    burn-in: twice the time), `_StackedBlocks` gives the blocks.
    """

    band = (0, 0)

    def __init__(self, p: types.SimpleNamespace, n: int, inputs: Inputs, on: Switches) -> None:
        self.p, self.n, self.inputs, self.on = p, n, inputs, on
        self.derivative = evaluator(p, n, inputs, on)
        self._copies: Derivative | None = None
        self._last: tuple[float, np.ndarray] | None = None  # time and states (11, N) of the last `f`

    def pack(self, states: np.ndarray) -> np.ndarray:
        """States (11, N) as the flat vector the solver integrates."""
        return np.ravel(states)

    def unpack(self, y: np.ndarray) -> np.ndarray:
        """The solver's output (time, N x 11) as states (time, 11, N)."""
        return y.reshape(len(y), N_STATES, self.n)

    def f(self, y: np.ndarray, t: float) -> np.ndarray:
        """odeint's right-hand side on the flat stacked state."""
        return self.pack(self._derivative(y.reshape(N_STATES, self.n), t))

    def _derivative(self, states: np.ndarray, t: float) -> np.ndarray:
        self._last = (t, self.derivative(states, t))
        return self._last[1]

    def _base(self, states: np.ndarray, t: float) -> np.ndarray:
        """The derivative at the point where the Jacobian is wanted: LSODA always asks for the
        Jacobian right after evaluating `f` at the same (t, y), so that value is reused."""
        if self._last is not None and self._last[0] == t:
            return self._last[1]
        return self.derivative(states, t)

    def _copies_at(self, t: float, groups: tuple[np.ndarray, ...]) -> Any:
        """The right-hand side at time t of the members' copies `jacobian` perturbs side by side."""
        if self._copies is None:
            replicas = jacobian.replicas(self.n, groups)
            self._copies = evaluator(subset(self.p, replicas), replicas.size, self.inputs, self.on)
        copies = self._copies
        return lambda states: copies(states, t)

    def jac(self, y: np.ndarray, t: float) -> np.ndarray:
        """df_i/dy_i of every equation, in odeint's banded layout (one row)."""
        states = y.reshape(N_STATES, self.n)
        derivative = self._copies_at(t, jacobian.DIAGONAL_GROUPS)
        return jacobian.diagonal(derivative, states, self._base(states, t)).reshape(1, -1)


class _StackedBlocks(_Stacked):
    """The same system member by member (y[m * 11 + k]), with each member's full Jacobian block as a band."""

    band = (_LOWER, _UPPER)

    def pack(self, states: np.ndarray) -> np.ndarray:
        return np.ravel(states.T)

    def unpack(self, y: np.ndarray) -> np.ndarray:
        return y.reshape(len(y), self.n, N_STATES).transpose(0, 2, 1)

    def f(self, y: np.ndarray, t: float) -> np.ndarray:
        return self.pack(self._derivative(y.reshape(self.n, N_STATES).T, t))

    def jac(self, y: np.ndarray, t: float) -> np.ndarray:
        """The blocks in odeint's banded layout: jac[r - c + upper, c] = df_r/dy_c."""
        states = y.reshape(self.n, N_STATES).T
        entries = jacobian.entries(self._copies_at(t, jacobian.GROUPS), states, self._base(states, t))
        out = np.zeros((_LOWER + _UPPER + 1, self.n * N_STATES))
        out.flat[_band_index(self.n)] = entries.ravel()
        return out


def _band_index(n: int) -> np.ndarray:
    """Flat positions in the band matrix of every structural non-zero [pair, member]."""
    r = jacobian.ROWS[:, None]
    c = jacobian.COLS[:, None]
    column = np.arange(n)[None, :] * N_STATES + c
    return ((r - c + _UPPER) * (n * N_STATES) + column).ravel()


class _ChunkError(RuntimeError):
    """The stacked solve of a chunk failed; the chunk is split to find the member(s) at fault."""


def _integrate(system: _Stacked, y0: np.ndarray, t: np.ndarray, tol: tuple[float, float]) -> np.ndarray:
    """LSODA on the stacked system from y0 (11, N) over increasing times `t`; returns (time, 11, N).

    `tol` is (rtol, atol). LSODA controls the error in the max norm over all equations, so every
    member is held to the tolerance, as in a run of its own. Its non-stiff (Adams) order is capped
    at 5 instead of 12: the one-year run spends most steps in the stiff (BDF, order <= 5) method,
    and the cap made the stacked solve about 7 % faster (no difference for a single run). Times
    may repeat the start: those rows hold y0.
    """
    try:
        band = {"ml": system.band[0], "mu": system.band[1]}
        y = lsoda.solve(system.f, system.pack(y0), t, *tol, Dfun=system.jac, mxordn=5, **band)
    except SimulationError as error:
        raise _ChunkError(str(error)) from None
    return _nonnegative(system.unpack(y), t[0])


#: Output times checked and clamped at a time by `_nonnegative`: the block stays in the processor's
#: cache between the check and the clamp (a chunk's output is some 60 MB).
_ROWS_AT_ONCE = 8


def _nonnegative(y: np.ndarray, day: float) -> np.ndarray:
    """`y` with solver noise below zero rounded up to zero, in place; a real negative excursion
    fails the chunk."""
    for a in range(0, len(y), _ROWS_AT_ONCE):
        block = y[a : a + _ROWS_AT_ONCE]
        if float(np.min(block)) < -1e-6:
            raise _ChunkError(f"a state went negative after day {day:g}")
        np.maximum(block, 0.0, out=block)
    return y


def _namespace(table: pd.DataFrame) -> types.SimpleNamespace:
    """Parameter columns as attributes: a float when every member shares the value, else an array."""
    values: dict[str, Any] = {}
    for name in PARAMETER_NAMES:
        column = table[name].to_numpy(dtype=float)
        values[name] = float(column[0]) if np.all(column == column[0]) else column
    return types.SimpleNamespace(**values)


_BURN_INS: collections.OrderedDict[bytes, np.ndarray] = collections.OrderedDict()
_BURN_IN_LOCK = threading.Lock()
#: Burn-ins remembered (one per block of parameters): a treated and an untreated ensemble of the
#: same members, or a rerun in the app, then share the burn-in, as `simulate` caches its own.
BURN_IN_CACHE_SIZE = 64
#: Most members whose attractors are searched together. Part of the search costs about the same
#: whatever the number of members: a tail of continuation steps for the few members that settle
#: late (and a stacked burn-in grows slowly with its members). For 10,000 members drawn over the
#: plausible box, one block took 0.87 s against 0.92 s in blocks of 2,000; attractors take 88
#: bytes per member.
ATTRACTOR_BLOCK = 10_000


def _attractors(table: pd.DataFrame, start: np.ndarray, on: Switches) -> np.ndarray:
    """Every member's state after the burn-in from `start`, shape (11, N), vectorised and remembered.

    A member whose burn-in fails gets NaN states (and is then reported as failed).
    """
    key = hashlib.sha1(
        b"".join((np.ascontiguousarray(table.to_numpy(dtype=float)).tobytes(), start.tobytes(), repr(on).encode()))
    ).digest()
    with _BURN_IN_LOCK:
        if key in _BURN_INS:
            _BURN_INS.move_to_end(key)
            return _BURN_INS[key]
    p = _namespace(table)
    final = settle(np.tile(start[:, None], (1, len(table))), p, on, functools.partial(_burn_in, p, on))
    final.flags.writeable = False  # shared between runs: nothing may change it in place
    with _BURN_IN_LOCK:
        _BURN_INS[key] = final
        while len(_BURN_INS) > BURN_IN_CACHE_SIZE:
            _BURN_INS.popitem(last=False)
    return final


#: Up to this many members, the burn-in integrates them one by one, exactly as `simulate` does;
#: above it, stacked (the members then share every step any of them needs, but a stacked burn-in
#: grows more slowly with its members). Where the two cross: `benchmarks/ensemble.py`.
BURN_IN_ONE_BY_ONE = 48


def _burn_in(p: types.SimpleNamespace, on: Switches, members: np.ndarray, y: np.ndarray) -> np.ndarray:
    """States (11, n) after `BURN_IN_DAYS` from y (11, n) for `members`; NaN for those that fail."""
    if len(members) <= max(BURN_IN_ONE_BY_ONE, 1):
        return np.column_stack([_burn_in_one(member(p, m), on, y[:, k]) for k, m in enumerate(members)])
    try:
        system = _StackedBlocks(subset(p, members), len(members), Inputs(), on)
        return _integrate(system, y, np.array([0.0, BURN_IN_DAYS]), RUN_TOL)[-1]
    except _ChunkError:
        half = len(members) // 2
        return np.hstack([_burn_in(p, on, members[:half], y[:, :half]), _burn_in(p, on, members[half:], y[:, half:])])


def _burn_in_one(p: types.SimpleNamespace, on: Switches, y0: np.ndarray) -> np.ndarray:
    """`simulate.burn_in` of one member, NaN states if it fails."""
    try:
        return burn_in(y0, p, on)
    except SimulationError:
        return np.full(y0.shape, np.nan)


def _run_chunk(
    table: pd.DataFrame,
    y: np.ndarray,
    interventions: tuple[Intervention, ...],
    segments: tuple[Segment, ...],
    on: Switches,
) -> np.ndarray:
    """The piecewise run of `simulate` (`timeline.segments`) from starting states y (11, N), for all members at once.

    Returns the states (T, 11, N) at `timeline.output_times(segments)`. A segment's last row, the next
    segment's start, is kept only as the state before a jump (or at the end). The last segment's
    solver output holds the whole chunk (its first rows are filled in from the earlier segments),
    so the largest array of a chunk is allocated once.
    """
    p = _namespace(table)
    last = segments[-1]
    head = len(timeline.output_times(segments)) - len(last.times)  # rows before the last segment
    early = np.empty((head + 1, N_STATES, y.shape[1]))
    row = 0
    for seg in segments:
        # jumps index the state by its first axis: (11, N) moves every member at once
        jumped = timeline.apply_jumps(interventions, seg.start, y)
        if seg.jumps:
            early[row] = y
            row += 1
        if seg is last:
            break
        early[row : row + len(seg.times)] = _segment(p, jumped, seg, on)
        row += len(seg.times) - 1
        y = early[row].copy()  # the next segment overwrites this row
    states = _segment(p, jumped, last, on, head)
    states[:head] = early[:head]
    return states


#: A member rests at a steady state when every |d(state)/dt| is below this fraction of the state
#: per day (plus `REST_FLOOR`): found by continuation, it drifts less than 1e-6 in a year.
REST = 1e-9
REST_FLOOR = 1e-12  # a.u./day


def _segment(p: types.SimpleNamespace, y: np.ndarray, seg: Segment, on: Switches, head: int = 0) -> np.ndarray:
    """The states over one segment from y (11, N), shape (head + T, 11, N): its T output times
    after `head` rows left for the caller to fill.

    When nothing varies in time during the segment (no fading drug or reconstitution), a member
    resting at a steady state stays there exactly; it is held instead of integrated. That is every
    settled member before the first intervention, and every one of them in an untreated run.
    """
    n = y.shape[1]
    system = _Stacked(p, n, seg.inputs, on)
    moving = np.ones(n, dtype=bool)
    if not seg.inputs.depletion and not seg.inputs.reconstitution:
        moving = np.any(np.abs(system.derivative(y, seg.start)) > REST * np.abs(y) + REST_FLOOR, axis=0)
    if moving.all():  # the solver's output, with `head` repeats of the start time in front
        return _integrate(system, y, np.concatenate((np.full(head, seg.start), seg.times)), RUN_TOL)
    out = np.empty((head + len(seg.times), N_STATES, n))
    out[head:] = y[None]
    if moving.any():
        members = np.flatnonzero(moving)
        system = _Stacked(subset(p, members), members.size, seg.inputs, on)
        out[head:, :, members] = _integrate(system, y[:, members], seg.times, RUN_TOL)
    return out


def _solve(
    table: pd.DataFrame,
    y0: np.ndarray,
    interventions: tuple[Intervention, ...],
    segments: tuple[Segment, ...],
    on: Switches,
) -> tuple[np.ndarray, np.ndarray]:
    """`_run_chunk`, splitting a failing chunk in halves until the failing members are isolated.

    Members without a starting state (NaN: their burn-in failed) fail without a run. Returns
    states (T, 11, N) with NaN for failed members, and a boolean `failed` mask.
    """
    if not np.all(np.isfinite(y0)):
        ok = np.all(np.isfinite(y0), axis=0)
        states = np.full((len(timeline.output_times(segments)), N_STATES, len(table)), np.nan)
        failed = ~ok
        if ok.any():
            states[:, :, ok], failed[ok] = _solve(table.iloc[ok], y0[:, ok], interventions, segments, on)
        return states, failed
    try:
        return _run_chunk(table, y0, interventions, segments, on), np.zeros(len(table), dtype=bool)
    except _ChunkError:
        if len(table) == 1:
            return np.full((len(timeline.output_times(segments)), N_STATES, 1), np.nan), np.ones(1, dtype=bool)
    half = len(table) // 2
    first, bad1 = _solve(table.iloc[:half], y0[:, :half], interventions, segments, on)
    second, bad2 = _solve(table.iloc[half:], y0[:, half:], interventions, segments, on)
    return np.concatenate([first, second], axis=2), np.concatenate([bad1, bad2])


def _outcome_table(t: np.ndarray, activity: np.ndarray, index: pd.Index, failed: np.ndarray) -> pd.DataFrame:
    """One row of scalar outcomes per member (same names as `Outcomes.summary()`), NaN if failed."""
    import pandas as pd

    table = pd.DataFrame(outcome_columns(t, activity), index=index, columns=list(OUTCOME_NAMES))
    if failed.any():
        table = table.astype({"flares": float, "remission_at_end": object})
        table.loc[failed] = math.nan
    table.index.name = "member"
    return table


@dataclasses.dataclass(frozen=True, eq=False)
class BatchResult:
    """Many simulated courses of the toy model (illustrative, not predictive).

    Attributes:
        t: output times (days), shared by every member; a jump time appears twice.
        states: states, shape (member, time, state) in `STATE_NAMES` order (a.u.), or None when the
            run was asked to keep outcomes only.
        outcomes: one row per member (index `member`), the columns of `Outcomes.summary()`.
        params: the resolved parameters, one row per member (index `member`).
        failed: True for members whose solve failed (their states and outcomes are NaN).
        scenario, assumptions, interventions, knockouts: what was run.
    """

    t: np.ndarray
    states: np.ndarray | None
    outcomes: pd.DataFrame
    params: pd.DataFrame
    failed: np.ndarray
    scenario: str
    assumptions: str
    interventions: tuple[Intervention, ...]
    knockouts: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.params)

    @property
    def activity(self) -> np.ndarray:
        """The toy activity index, shape (member, time)."""
        y = self._require_states()
        return activity_index(y[:, :, _INDEX["A"]], y[:, :, _INDEX["Ci"]], y[:, :, _INDEX["D"]])

    def series(self, name: str) -> np.ndarray:
        """One state (or `"activity"`) over time for every member, shape (member, time)."""
        if name == "activity":
            return self.activity
        if name not in _INDEX:
            raise KeyError(f"Unknown state {name!r}; valid names: {', '.join(STATE_NAMES)}, activity")
        return self._require_states()[:, :, _INDEX[name]]

    def _require_states(self) -> np.ndarray:
        if self.states is None:
            raise ValueError("This batch kept outcomes only (keep_states=False); rerun with keep_states=True")
        return self.states

    def describe(self) -> str:
        """One line saying what was run."""
        what = "; ".join(i.describe() for i in self.interventions) or "no intervention"
        ko = f"; knocked out: {', '.join(self.knockouts)}" if self.knockouts else ""
        return f"{len(self)} members; scenario={self.scenario}; assumptions={self.assumptions}; {what}{ko}"

    def to_frame(self) -> pd.DataFrame:
        """A tidy long table: one row per (member, time point), columns `member`, `day`, states, `activity`."""
        import pandas as pd

        y = self._require_states()
        n, n_t, _ = y.shape
        frame = pd.DataFrame(y.reshape(n * n_t, N_STATES), columns=list(STATE_NAMES))
        frame.insert(0, "day", np.tile(self.t, n))
        frame.insert(0, "member", np.repeat(self.params.index.to_numpy(), n_t))
        frame["activity"] = self.activity.ravel()
        frame.attrs.update(disclaimer=DISCLAIMER, run=self.describe())
        return frame

    @classmethod
    def concat(cls, parts: Sequence[BatchResult]) -> BatchResult:
        """Join chunk results (same run, consecutive members) into one."""
        import pandas as pd

        first = parts[0]
        states = None if first.states is None else np.concatenate([p.states for p in parts])  # type: ignore[misc]
        return dataclasses.replace(
            first,
            states=states,
            outcomes=pd.concat([p.outcomes for p in parts]),
            params=pd.concat([p.params for p in parts]),
            failed=np.concatenate([p.failed for p in parts]),
        )


# ----------------------------------------------------------------------------- parameter tables


def resolve_batch(
    params: Any,
    *,
    scenario: str = "active_sle",
    assumptions: str | None = None,
    names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The effective parameters of every member, each read as `resolve_parameters` reads it.

    `params` is either overrides (a sequence of mappings, a pandas DataFrame with one column per
    parameter and NaN = keep, or a 2-D array with column `names`), applied on top of defaults <-
    scenario <- assumption set (default "baseline"); or a sequence of complete `Parameters`,
    used as given (then `assumptions` must be left out). The two forms cannot be mixed. Values
    are checked against the plausible ranges of `PARAMETERS`; a bad one raises `ParameterError`
    naming the parameter, the allowed range and the member.
    """
    import pandas as pd

    if _given_sets(params):
        _resolve_one(scenario, assumptions=assumptions, params=Parameters())  # refuses `assumptions`
        base = Parameters().as_dict()
    else:
        base = _resolve_one(scenario, assumptions=assumptions).as_dict()
    overrides = _overrides_table(params, names)
    for name in overrides.columns:
        _check_column(name, overrides[name].to_numpy())
    columns = {name: np.full(len(overrides), float(value)) for name, value in base.items()}
    for name in overrides.columns:
        given = overrides[name].to_numpy(dtype=float)
        columns[name] = np.where(np.isnan(given), columns[name], given)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(overrides), name="member"))


def _overrides_table(params: Any, names: Sequence[str] | None) -> pd.DataFrame:
    """Overrides as a table (NaN = not overridden) from any of the accepted forms."""
    import pandas as pd

    if isinstance(params, pd.DataFrame):  # without its attrs, which pandas deep-copies at every step
        return pd.DataFrame(params.to_numpy(dtype=float), columns=params.columns)
    if isinstance(params, np.ndarray):
        if params.ndim != 2 or names is None or len(names) != params.shape[1]:
            raise ParameterError("`params` as an array must be 2-D (member x parameter) with one name per column")
        return pd.DataFrame(params.astype(float), columns=list(names))
    rows: list[Mapping[str, float]] = []
    for item in params:
        if isinstance(item, Parameters):
            rows.append(item.as_dict())
        elif isinstance(item, Mapping):
            rows.append(item)
        else:
            raise ParameterError(f"`params` entries must be Parameters or mappings, got {type(item).__name__}")
    if not rows:
        raise ParameterError("`params` is empty: give at least one member")
    return pd.DataFrame(rows).astype(float)


def _is_table(params: Any) -> bool:
    import pandas as pd

    return isinstance(params, pd.DataFrame | np.ndarray)


def _given_sets(params: Any) -> bool:
    """True when `params` is a sequence of complete `Parameters`, False for any form of overrides."""
    if _is_table(params) or isinstance(params, Mapping):
        return False
    kinds = {isinstance(item, Parameters) for item in params}
    if len(kinds) > 1:
        errormsg = (
            "`params` mixes complete Parameters sets (used as given) with mappings of overrides; "
            "give one form (e.g. p.as_dict() for each Parameters p)"
        )
        raise ParameterError(errormsg)
    return kinds == {True}


def _check_column(name: str, values: np.ndarray) -> None:
    info = parameter_info(name)  # unknown names raise ParameterError with the nearest match
    check_column(name, values, info.low, info.high, unit=info.unit)


# ----------------------------------------------------------------------------- starting states

InitialStates = Mapping[str, Any] | np.ndarray


def _initial_rows(initial: InitialStates | None, n: int) -> dict[int, np.ndarray]:
    """`initial` as {state index: one start value (a.u.) per member}, checked; {} when None.

    A mapping gives a state's start for every member (one number) or member by member (n
    numbers); a 2-D array (member x state, `STATE_NAMES` order) gives every state of every member.
    """
    if initial is None:
        return {}
    if isinstance(initial, np.ndarray):
        if initial.ndim != 2 or initial.shape != (n, N_STATES):
            raise ParameterError(
                f"`initial` as an array must have shape (members, states) = ({n}, {N_STATES}), got {initial.shape}"
            )
        initial = {name: initial[:, k] for k, name in enumerate(STATE_NAMES)}
    rows = {}
    for name, value in initial.items():
        if name not in _INDEX:
            raise ParameterError(f"Unknown state {name!r} in `initial`; valid names: {', '.join(STATE_NAMES)}")
        try:
            column = np.broadcast_to(np.asarray(value, dtype=float), (n,))
        except (TypeError, ValueError):
            raise ParameterError(
                f"`initial[{name!r}]` must be one number or {n} numbers (one per member), got {value!r}"
            ) from None
        bad = ~(np.isfinite(column) & (column >= 0))
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            errormsg = f"`initial[{name!r}]` = {column[k]:g} (member {k}) must be a finite number >= 0 (a.u.)"
            raise ParameterError(errormsg)
        rows[_INDEX[name]] = column
    return rows


def _with_initial(starts: np.ndarray | None, rows: Mapping[int, np.ndarray], first: int, n: int) -> np.ndarray:
    """Starting states (11, n) of members first..first+n: the attractors `starts` with the `rows` of
    `initial` put in (`starts` may be None when `initial` names every state)."""
    y = np.empty((N_STATES, n)) if starts is None else starts.copy()
    for k, column in rows.items():
        y[k] = column[first : first + n]
    return y


# ----------------------------------------------------------------------------- entry points


@dataclasses.dataclass(frozen=True)
class _Plan:
    """Everything a chunk needs besides its parameters (picklable for worker processes)."""

    scenario: str
    assumptions: str
    interventions: tuple[Intervention, ...]
    knockouts: tuple[str, ...]
    days: float
    grid: np.ndarray
    keep_states: bool

    def attractors(self, table: pd.DataFrame) -> np.ndarray:
        """Where each member of `table` (rows of resolved parameters) settles untreated: states (11, N)."""
        scenario = get_scenario(self.scenario)
        start = np.array([scenario.initial[name] for name in STATE_NAMES])
        return _attractors(table, start, Switches.without(self.knockouts))

    def starts(self, table: pd.DataFrame, rows: Mapping[int, np.ndarray], first: int) -> np.ndarray:
        """Where each member of `table` (members first, first + 1, ...) starts: its attractor with the
        states given in `initial` (`rows`) replaced; the attractors are not searched when every state is given."""
        found = None if len(rows) == N_STATES else self.attractors(table)
        return _with_initial(found, rows, first, len(table))

    def run(self, table: pd.DataFrame, y0: np.ndarray) -> BatchResult:
        """Solve one chunk of members (rows of resolved parameters) from their starting states y0 (11, N)."""
        segments = timeline.segments(self.interventions, self.grid, self.days)
        t = timeline.output_times(segments)
        stacked, failed = _solve(table, y0, self.interventions, segments, Switches.without(self.knockouts))
        column = {name: stacked[:, _INDEX[name]].T for name in ("A", "Ci", "D")}
        activity = activity_index(column["A"], column["Ci"], column["D"])
        return BatchResult(
            t=t,
            states=stacked.transpose(2, 0, 1) if self.keep_states else None,
            outcomes=_outcome_table(t, activity, table.index, failed),
            params=table,
            failed=failed,
            scenario=self.scenario,
            assumptions=self.assumptions,
            interventions=self.interventions,
            knockouts=self.knockouts,
        )


def _make_plan(
    scenario: str,
    assumptions: str,
    interventions: Sequence[Intervention],
    days: float,
    t_eval: Sequence[float] | None,
    knockouts: Sequence[str],
    keep_states: bool,
) -> _Plan:
    days = timeline.check_days(days)
    interventions = timeline.check_interventions(interventions, days)
    Switches.without(tuple(knockouts))  # validates the names
    if t_eval is None:
        grid = timeline.output_grid(days, 1.0)
    else:
        grid = np.unique(np.asarray(t_eval, dtype=float))
        if grid.size == 0 or grid[0] < 0.0 or grid[-1] > days or not np.all(np.isfinite(grid)):
            raise ParameterError(f"`t_eval` must hold finite times within [0, days] = [0, {days:g}] (days)")
    return _Plan(
        scenario=get_scenario(scenario).name,
        assumptions=assumptions,
        interventions=interventions,
        knockouts=tuple(sorted(knockouts)),
        days=days,
        grid=grid,
        keep_states=keep_states,
    )


def iter_batch(
    params: Any,
    *,
    scenario: str = "active_sle",
    assumptions: str | None = None,
    interventions: Sequence[Intervention] = (),
    days: float = 365,
    t_eval: Sequence[float] | None = None,
    knockouts: Sequence[str] = (),
    initial: InitialStates | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    names: Sequence[str] | None = None,
    keep_states: bool = True,
    workers: int = 1,
) -> Iterator[BatchResult]:
    """Like `simulate_batch`, but yields one `BatchResult` per chunk of members, in order.

    With `keep_states=False` the chunks carry outcomes and parameters only, so any number of
    members can stream through in bounded memory. `workers` > 1 solves chunks in that many processes.
    """
    check_whole("chunk_size", chunk_size, 1, MAX_CHUNK_SIZE)
    check_whole("workers", workers, 1, 64)
    if not _is_table(params):
        params = list(params)  # a generator is read once
    label = AS_GIVEN if _given_sets(params) else get_assumption_set(assumptions or "baseline").name
    plan = _make_plan(scenario, label, interventions, days, t_eval, knockouts, keep_states)
    table = resolve_batch(params, scenario=scenario, assumptions=assumptions, names=names)
    rows = _initial_rows(initial, len(table))
    if workers == 1 or len(table) <= chunk_size:
        block = chunk_size * max(1, ATTRACTOR_BLOCK // chunk_size)  # whole chunks per block
        for first in range(0, len(table), block):
            part = table.iloc[first : first + block]
            starts = plan.starts(part, rows, first)
            for i in range(0, len(part), chunk_size):
                yield plan.run(part.iloc[i : i + chunk_size], starts[:, i : i + chunk_size])
        return
    block = min(ATTRACTOR_BLOCK, -(-len(table) // workers))  # every worker gets a block
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        blocks = range(0, len(table), block)
        if len(rows) == N_STATES:
            found: list[np.ndarray | None] = [None for _ in blocks]
        else:
            found = list(pool.map(plan.attractors, [table.iloc[i : i + block] for i in blocks]))
        parts = [_with_initial(f, rows, i, min(block, len(table) - i)) for f, i in zip(found, blocks, strict=True)]
        starts = np.concatenate(parts, axis=1)
        firsts = range(0, len(table), chunk_size)
        chunks = [table.iloc[i : i + chunk_size] for i in firsts]
        yield from pool.map(plan.run, chunks, [starts[:, i : i + chunk_size] for i in firsts])


def simulate_batch(
    params: Any,
    *,
    scenario: str = "active_sle",
    assumptions: str | None = None,
    interventions: Sequence[Intervention] = (),
    days: float = 365,
    t_eval: Sequence[float] | None = None,
    knockouts: Sequence[str] = (),
    initial: InitialStates | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    names: Sequence[str] | None = None,
    keep_states: bool = True,
    workers: int = 1,
) -> BatchResult:
    """Simulate many parameter sets ("members") of the toy model at once (illustrative, not predictive).

    **Main arguments:**
        params: the members: a sequence of `Parameters` or of mappings of overrides, a pandas
            DataFrame of overrides (one column per parameter, NaN = keep), or a 2-D array with
            column `names`. Each member's parameters resolve like `resolve_parameters`.
        scenario, assumptions, interventions, days, knockouts: as in `simulate`, shared by all.

    **Other arguments:**
        t_eval: output times (days) instead of every day; event times are always included.
        initial: start states replacing each member's attractor, as `simulate`'s `initial`: a
            mapping of state name to one value for every member or an array of one value per
            member (a.u.); states not named start at the member's attractor. A 2-D array (member
            x state, `STATE_NAMES` order) gives every state, and no attractor is searched. A
            member started this way matches `simulate(..., initial=...)` of its own start.
        chunk_size: members per vectorised solve (bounds memory; see `benchmarks/ensemble.py`).
        keep_states: False keeps outcomes only (`states` is None).
        workers: processes to spread the chunks over.

    Members whose solve fails get NaN states and outcomes and `failed` True, instead of stopping
    the whole batch.

    Example::

        batch = simulate_batch([{"treg_loop": 0.1}, {"treg_loop": 0.4}], interventions=[MSCInfusion(30)])
        batch.outcomes["activity_final"]
    """
    return BatchResult.concat(
        list(
            iter_batch(
                params,
                scenario=scenario,
                assumptions=assumptions,
                interventions=interventions,
                days=days,
                t_eval=t_eval,
                knockouts=knockouts,
                initial=initial,
                chunk_size=chunk_size,
                names=names,
                keep_states=keep_states,
                workers=workers,
            )
        )
    )
