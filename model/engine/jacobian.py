"""Jacobians of the model's right-hand side by forward differences, using its sparsity.

A member's 11 x 11 Jacobian df_i/dy_j is mostly zeros: most states act on few others. The pattern
of structural non-zeros is found once, by probing `equations.rhs` at random points with every
input switched on (so it holds for any parameters, inputs and knockouts). Columns whose non-zeros
share no row are then perturbed together (a greedy colouring), so the Jacobian of any number of
members costs 1 + len(`GROUPS`) evaluations of the right-hand side instead of 12. Only the
diagonal df_i/dy_i takes fewer (`DIAGONAL_GROUPS`): there, states go together when neither's
derivative depends on the other.

Used by `attractor` (the Newton matrices of pseudo-transient continuation, one block per member)
and `batch` (for LSODA on many stacked members: each member's diagonal, or its whole block).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator

import numpy as np

from ..core.equations import STATE_NAMES, Inputs, rhs
from ..core.parameters import PARAMETERS

__all__ = ["COLS", "DIAGONAL_GROUPS", "GROUPS", "PATTERN", "ROWS", "blocks", "diagonal", "entries", "replicas"]

N_STATES = len(STATE_NAMES)
FD_STEP = 1e-7  # relative finite-difference step
FD_FLOOR = 1e-9  # absolute floor of that step (a.u.), for states at or near zero


def _probe_pattern(probes: int = 4, seed: int = 0) -> np.ndarray:
    """Which states each derivative depends on: (11, 11) booleans, [i, j] for df_i/dy_j."""
    rng = np.random.default_rng(seed)
    inputs = Inputs(0.3, ((0.0, 1.0, 10.0),), 1.0, ((0.0, 0.5, 30.0),))
    pattern = np.eye(N_STATES, dtype=bool)
    for _ in range(probes):
        p = types.SimpleNamespace(**{i.name: rng.uniform(max(i.low, 1e-3 * i.high), i.high) for i in PARAMETERS})
        y = rng.uniform(0.5, 2.0, N_STATES)
        base = np.array(rhs(1.0, list(y), p, inputs))
        for j in range(N_STATES):
            moved = y.copy()
            moved[j] *= 1.0 + 1e-6
            pattern[:, j] |= np.array(rhs(1.0, list(moved), p, inputs)) != base
    return pattern


def _colour(conflicts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Greedy colouring: each state joins the first group holding none it conflicts with."""
    groups: list[list[int]] = []
    for j in range(conflicts.shape[1]):
        home = next((g for g in groups if not np.any(conflicts[g, j])), None)
        if home is None:
            groups.append([j])
        else:
            home.append(j)
    return tuple(np.array(g) for g in groups)


PATTERN = _probe_pattern()
#: State indices (i, j) of every structural non-zero df_i/dy_j, row by row.
ROWS, COLS = np.nonzero(PATTERN)
#: Sets of states whose Jacobian columns share no row, perturbed together.
GROUPS = _colour(PATTERN.T.astype(int) @ PATTERN.astype(int) > 0)
#: Sets of states perturbed together for the diagonal alone: no state's derivative in a set
#: depends on another's (5 sets instead of 7; no 4 will do).
DIAGONAL_GROUPS = _colour(PATTERN | PATTERN.T)
_IN_GROUP = tuple(np.isin(COLS, g) for g in GROUPS)


#: Most columns in one call of the right-hand side: few members' perturbed states all go in one
#: call (for a few members, a call's cost is the Python around numpy); many members' go group by
#: group, so arrays stay small enough for the processor's caches.
STACKED_COLUMNS = 8192


def _stacked(n: int, groups: tuple[np.ndarray, ...]) -> bool:
    return len(groups) * n <= STACKED_COLUMNS


def replicas(n: int, groups: tuple[np.ndarray, ...] = GROUPS) -> np.ndarray:
    """Member index of each column `entries` (or `diagonal`, given its groups) hands to `derivative` for n members."""
    return np.tile(np.arange(n), len(groups) if _stacked(n, groups) else 1)


def _step(y: np.ndarray) -> np.ndarray:
    return np.maximum(FD_STEP * np.abs(y), FD_FLOOR)


def entries(derivative: Callable[[np.ndarray], np.ndarray], y: np.ndarray, base: np.ndarray) -> np.ndarray:
    """The structural non-zeros df_i/dy_j at (`ROWS`, `COLS`) for every member: shape (pairs, n).

    `base` is the derivative at `y` (11, n). `derivative` evaluates states (11, m) for the members
    at `replicas(n)`: for a few members the perturbed states of every group side by side, in one
    call; otherwise one group at a time.
    """
    step = _step(y)
    values = np.empty((len(ROWS), y.shape[1]))
    for mine, change in zip(_IN_GROUP, _changes(derivative, y, base, step, GROUPS), strict=True):
        values[mine] = change[ROWS[mine]] / step[COLS[mine]]
    return values


def diagonal(derivative: Callable[[np.ndarray], np.ndarray], y: np.ndarray, base: np.ndarray) -> np.ndarray:
    """df_i/dy_i of every state and member, shape (11, n); `derivative` as for `entries`, with the
    members at `replicas(n, DIAGONAL_GROUPS)`."""
    step = _step(y)
    values = np.empty(y.shape)
    for group, change in zip(DIAGONAL_GROUPS, _changes(derivative, y, base, step, DIAGONAL_GROUPS), strict=True):
        values[group] = change[group] / step[group]
    return values


def _changes(
    derivative: Callable[[np.ndarray], np.ndarray],
    y: np.ndarray,
    base: np.ndarray,
    step: np.ndarray,
    groups: tuple[np.ndarray, ...],
) -> Iterator[np.ndarray]:
    """For each of `groups`: how the derivative changes when that group's states move by `step`."""
    n = y.shape[1]
    if _stacked(n, groups):
        moved = np.tile(y, (1, len(groups)))
        for g, group in enumerate(groups):
            moved[group, g * n : (g + 1) * n] += step[group]
        yield from (derivative(moved).reshape(N_STATES, len(groups), n) - base[:, None, :]).transpose(1, 0, 2)
        return
    for group in groups:
        moved = y.copy()
        moved[group] += step[group]
        yield derivative(moved) - base


def blocks(derivative: Callable[[np.ndarray], np.ndarray], y: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Every member's Jacobian as a dense block: shape (n, 11, 11), from `entries`."""
    jac = np.zeros((y.shape[1], N_STATES, N_STATES))
    jac[:, ROWS, COLS] = entries(derivative, y, base).T
    return jac
