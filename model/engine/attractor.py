"""Finding a scenario's attractor: pseudo-transient continuation, member by member.

Every run starts where its toy person "lives": the stable steady state reached from the
scenario's rough start. Integrating the dynamics for years to get there is accurate but slow when
many parameter sets are solved together, because the stacked members share one step size. This
module finds that state with **pseudo-transient continuation** (backward-Euler steps whose
length doubles at each step while the residual does not blow up, ending in Newton's method):

.. math:: \\left(\\frac{I}{\\Delta t_k} - J(y_k)\\right)(y_{k+1} - y_k) = f(y_k)

Small first steps (0.1 day) follow the dynamics away from the start; the steps then grow until
the update is a Newton step on :math:`f(y) = 0`. Each member has its own step length, so a single
run and the same parameters in a batch of thousands give the same state, bit for bit: the
arithmetic is elementwise, and powers are computed with numpy for floats and arrays alike
(`vectorised.parameters`; for a few parameter sets in a thousand, near a basin boundary, whether
continuation settles turns on the last bit).

A member continuation cannot settle within `MAX_ITERATIONS` is nearly always one whose steady
state is approached slowly: its slowest eigenvalue is near the decay rate of long-lived plasma
cells, or it passes slowly near a steady state that has just vanished. Newton's method from where
continuation stopped finds that state; it is accepted only if it is stable (every eigenvalue of
the Jacobian in the left half-plane). The rest are handed to the caller's integrator (a burn-in of
`BURN_IN_DAYS`), and Newton's method is tried again where the burn-in ends (up to
`BURN_IN_ROUNDS` burn-ins); a member that truly oscillates keeps its last burn-in's end.

Checked against a 30,000-day integration: for 9,000 parameter sets drawn over the whole plausible
box (three scenarios), continuation reached the long-run state where a 3000-day integration had
not yet, and chose a different attractor than the long integration once (a member near a basin
boundary). Of the members continuation could not settle (among 12,000 drawn over the box and
around two scenarios' values), every one that Newton's method accepted matched the long
integration within 1e-6, while most of their 3000-day burn-ins had ended visibly short of it
(`python benchmarks/attractors.py --check` repeats this).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.equations import Inputs, Switches, rhs
from ..core.parameters import Parameters
from . import jacobian, vectorised

__all__ = [
    "BURN_IN_DAYS",
    "BURN_IN_ROUNDS",
    "FEW_MEMBERS",
    "MAX_ITERATIONS",
    "NEWTON_ITERATIONS",
    "evaluator",
    "member",
    "settle",
    "subset",
]

#: Days of integration for members that pseudo-transient continuation cannot settle.
BURN_IN_DAYS = 3000.0
#: Iterations of continuation before a member is handed to Newton's method (then the integrator).
MAX_ITERATIONS = 150
#: Iterations of Newton's method from where continuation (or a burn-in) stopped.
NEWTON_ITERATIONS = 30
#: Most burn-ins, one after the other, for a member Newton's method cannot settle: the second
#: settles members approached more slowly still (a few in 10,000 drawn around the scenarios'
#: values); a member that oscillates pays for both.
BURN_IN_ROUNDS = 2
_NEWTON_DT = np.inf  # an infinite pseudo-time step: I / dt - J is -J, a Newton step
_FIRST_STEP = 0.1  # days: the first backward-Euler step follows the dynamics closely
_MAX_GROWTH = 2.0  # at most doubling the step keeps early steps close to the dynamics
_LONGEST_STEP = 1e8  # days: effectively Newton's method
#: Integrate(members, states (11, n)) -> states (11, n) after the burn-in.
Integrator = Callable[[np.ndarray, np.ndarray], np.ndarray]


def subset(p: Any, members: np.ndarray) -> Any:
    """Parameters of some members: per-member arrays are indexed, shared floats stay as they are.

    A `Parameters` (one member, floats) is returned as it is.
    """
    if isinstance(p, Parameters):
        return p
    values = vars(p)
    return types.SimpleNamespace(**{k: v[members] if isinstance(v, np.ndarray) else v for k, v in values.items()})


def member(p: Any, m: int) -> Any:
    """The parameters of member m as floats (a `Parameters` stands for every member)."""
    if isinstance(p, Parameters):
        return p
    return types.SimpleNamespace(**{k: float(v[m]) if isinstance(v, np.ndarray) else v for k, v in vars(p).items()})


#: Up to this many members, `evaluator` computes the right-hand side member by member with Python
#: floats: for so few numbers numpy's overhead per operation costs more than the arithmetic (one
#: member: 5 instead of 50 microseconds), and the bits are the same (`vectorised.parameters`).
FEW_MEMBERS = 8
#: derivative(states (11, n), t) -> d(state)/dt (11, n), for fixed members, inputs and switches.
Derivative = Callable[[np.ndarray, float], np.ndarray]


def evaluator(p: Any, n: int, inputs: Inputs, on: Switches) -> Derivative:
    """The model's right-hand side for n members whose parameters `p` hold floats or arrays (n,).

    A `Parameters` is one member's: it stands for every one of the n (copies of one member).
    """
    if n > FEW_MEMBERS:
        q, given, acting = vectorised.parameters(p), vectorised.inputs(inputs), vectorised.switches(on)
        return lambda states, t: np.array(rhs(t, list(states), q, given, acting))
    singles = [vectorised.parameters(member(p, m)) for m in range(n)]

    def one_by_one(states: np.ndarray, t: float) -> np.ndarray:
        columns = states.T.tolist()
        return np.array([rhs(t, column, q, inputs, on) for column, q in zip(columns, singles, strict=True)]).T

    return one_by_one


def _jacobian_evaluator(p: Any, n: int, on: Switches) -> Derivative:
    """The right-hand side at rest (no inputs) of the member copies `jacobian.entries` evaluates."""
    replicas = jacobian.replicas(n)
    return evaluator(subset(p, replicas), replicas.size, Inputs(), on)


def _jacobians(y: np.ndarray, base: np.ndarray, copies: Derivative) -> np.ndarray:
    """df_i/dy_j of every member, shape (n, 11, 11), by forward differences (`_jacobian_evaluator`)."""
    return jacobian.blocks(lambda states: copies(states, 0.0), y, base)


_DIAGONAL = np.arange(len(jacobian.PATTERN))


def _newton_matrices(y: np.ndarray, base: np.ndarray, copies: Derivative, dt: np.ndarray) -> np.ndarray:
    """I / dt - J of every member, shape (n, 11, 11), built from the Jacobian's structural entries."""
    matrices = np.zeros((y.shape[1], len(_DIAGONAL), len(_DIAGONAL)))
    matrices[:, jacobian.ROWS, jacobian.COLS] = -jacobian.entries(lambda states: copies(states, 0.0), y, base).T
    matrices[:, _DIAGONAL, _DIAGONAL] += (1.0 / dt)[:, None]
    return matrices


def _continuation(start: np.ndarray, p: Any, on: Switches) -> tuple[np.ndarray, np.ndarray]:
    """Pseudo-transient continuation from `start` (11, n); returns the states and which settled."""
    y = start.copy()
    n = y.shape[1]
    dt = np.full(n, _FIRST_STEP)
    settled = np.zeros(n, dtype=bool)
    live = np.arange(n)
    derivative, copies = evaluator(p, n, Inputs(), on), _jacobian_evaluator(p, n, on)
    f = derivative(y, 0.0)
    for _ in range(MAX_ITERATIONS):
        if not live.size:
            break
        yl, fl = y[:, live], f[:, live]
        step = _newton_steps(_newton_matrices(yl, fl, copies, dt[live]), fl)
        new = np.maximum(yl + step, 0.0)  # NaN where the matrix was singular: not ok below
        new_f = derivative(new, 0.0)
        ok = np.all(np.isfinite(new_f), axis=0)
        before = np.max(np.abs(fl) / (np.abs(yl) + 1e-3), axis=0)
        after = np.max(np.abs(new_f) / (np.abs(new) + 1e-3), axis=0)
        # lengthen the step while the residual does not blow up; retry shorter if it does
        ok &= after <= 10.0 * before
        dt[live] = np.where(ok, np.minimum(dt[live] * _MAX_GROWTH, _LONGEST_STEP), dt[live] * 0.25)
        y[:, live] = np.where(ok, new, yl)
        f[:, live] = np.where(ok, new_f, fl)
        small = np.all(np.abs(step) <= 1e-11 + 1e-9 * np.abs(new), axis=0)
        done = ok & small & (dt[live] >= 1e4)
        if done.any():  # members only ever settle: the rest's parameters are gathered once
            settled[live] = done
            live = np.flatnonzero(~settled)
            pl = subset(p, live)
            derivative, copies = evaluator(pl, live.size, Inputs(), on), _jacobian_evaluator(pl, live.size, on)
    return y, settled & _stable(y, p, on, f, settled)


def _newton_steps(matrices: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Solve matrices[m] @ step[:, m] = f[:, m] for every member; NaN steps where a matrix is singular.

    Members are solved together; only if one matrix is singular are they solved one by one, so a
    single member cannot stop the others (the same LAPACK call either way: same bits).
    """
    try:
        return np.linalg.solve(matrices, f.T[:, :, None])[:, :, 0].T
    except np.linalg.LinAlgError:
        steps = np.full(f.shape, np.nan)
        for m in range(f.shape[1]):
            try:
                steps[:, m] = np.linalg.solve(matrices[m], f[:, m])
            except np.linalg.LinAlgError:
                continue
        return steps


def _stable(y: np.ndarray, p: Any, on: Switches, f: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Whether each member in `which` sits on a stable steady state (every eigenvalue in the left half-plane)."""
    stable = np.zeros(y.shape[1], dtype=bool)
    idx = np.flatnonzero(which)
    if idx.size:
        eig = np.linalg.eigvals(_jacobians(y[:, idx], f[:, idx], _jacobian_evaluator(subset(p, idx), idx.size, on)))
        stable[idx] = np.max(eig.real, axis=1) < 0
    return stable


def _newton(y: np.ndarray, p: Any, on: Switches) -> tuple[np.ndarray, np.ndarray]:
    """Newton's method on f(y) = 0 from y (11, n), member by member (vectorised).

    Returns the states and which members reached a stable steady state (every eigenvalue of the
    Jacobian in the left half-plane); the others keep their states from `y`. A state that would
    go negative is held at zero, as in continuation.
    """
    out = y.copy()
    live = np.flatnonzero(np.all(np.isfinite(y), axis=0))
    found = np.zeros(y.shape[1], dtype=bool)
    yl = y[:, live]
    derivative, copies = evaluator(subset(p, live), live.size, Inputs(), on), None
    for _ in range(NEWTON_ITERATIONS):
        if not live.size:
            break
        if copies is None:
            copies = _jacobian_evaluator(subset(p, live), live.size, on)
        f = derivative(yl, 0.0)
        step = _newton_steps(_newton_matrices(yl, f, copies, np.full(live.size, _NEWTON_DT)), f)
        yl = np.maximum(yl + step, 0.0)
        going = np.all(np.isfinite(yl), axis=0)
        done = going & np.all(np.abs(step) <= 1e-11 + 1e-9 * np.abs(yl), axis=0)
        if done.any():
            members = live[done]
            at = yl[:, done]
            stable = _stable(
                at, subset(p, members), on, derivative(yl, 0.0)[:, done], np.ones(members.size, dtype=bool)
            )
            out[:, members[stable]] = at[:, stable]
            found[members[stable]] = True
        if not going.all() or done.any():  # the rest's parameters are gathered again only when some leave
            live, yl = live[going & ~done], yl[:, going & ~done]
            derivative, copies = evaluator(subset(p, live), live.size, Inputs(), on), None
    return out, found


def settle(start: np.ndarray, p: Any, on: Switches, integrate: Integrator) -> np.ndarray:
    """Every member's attractor (11, n) from `start` (11, n).

    `p` holds floats or arrays of shape (n,); `integrate(members, states)` runs the burn-in of the
    given members (indices) from the given states. A member continuation cannot settle is most
    often approaching a stable steady state slowly (its slowest eigenvalue near the long-lived
    plasma cells' decay, or passing near a steady state that has just vanished): Newton's method
    from where continuation stopped finds it. Only members for which Newton finds no stable
    steady state there are integrated (`BURN_IN_DAYS` from `start`), and Newton's method is tried
    again where the burn-in ends; a member still unsettled is integrated on from there (up to
    `BURN_IN_ROUNDS` burn-ins in all). A member that oscillates keeps its last burn-in's end.
    """
    y, settled = _continuation(start, p, on)
    rest = np.flatnonzero(~settled)
    if rest.size:
        y[:, rest], found = _newton(y[:, rest], subset(p, rest), on)
        rest = rest[~found]
    y[:, rest] = start[:, rest]
    for _ in range(BURN_IN_ROUNDS):
        if not rest.size:
            break
        y[:, rest], found = _newton(integrate(rest, y[:, rest]), subset(p, rest), on)
        rest = rest[~found]
    return y
