"""Jacobians of the model's right-hand side by forward differences, using its sparsity.

A member's 11 x 11 Jacobian df_i/dy_j is mostly zeros: most states act on few others. The pattern
of structural non-zeros is found once, by probing `equations.rhs` at random points with every
input switched on (so it holds for any parameters, inputs and knockouts). Columns whose non-zeros
share no row are then perturbed together (a greedy colouring), so the Jacobian of any number of
members costs 1 + len(`GROUPS`) evaluations of the right-hand side instead of 12.

Used by `attractor` (the Newton matrices of pseudo-transient continuation, one block per member)
and `batch` (for LSODA on many stacked members: each member's diagonal, or its whole block).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator

import numpy as np

from .equations import STATE_NAMES, Inputs, rhs
from .parameters import PARAMETERS

__all__ = ["COLS", "GROUPS", "PATTERN", "ROWS", "blocks", "entries", "replicas"]

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


def _colour(pattern: np.ndarray) -> tuple[np.ndarray, ...]:
    """Greedy colouring: each column joins the first group whose columns share no row with it."""
    groups: list[list[int]] = []
    for j in range(pattern.shape[1]):
        home = next((g for g in groups if not np.any(pattern[:, g].any(axis=1) & pattern[:, j])), None)
        if home is None:
            groups.append([j])
        else:
            home.append(j)
    return tuple(np.array(g) for g in groups)


PATTERN = _probe_pattern()
#: State indices (i, j) of every structural non-zero df_i/dy_j, row by row.
ROWS, COLS = np.nonzero(PATTERN)
#: Sets of states whose Jacobian columns share no row, perturbed together.
GROUPS = _colour(PATTERN)
_IN_GROUP = tuple(np.isin(COLS, g) for g in GROUPS)


#: Most columns in one call of the right-hand side: few members' perturbed states all go in one
#: call (for a few members, a call's cost is the Python around numpy); many members' go group by
#: group, so arrays stay small enough for the processor's caches.
STACKED_COLUMNS = 8192


def _stacked(n: int) -> bool:
    return len(GROUPS) * n <= STACKED_COLUMNS


def replicas(n: int) -> np.ndarray:
    """Member index of each column `entries` hands to `derivative` for n members."""
    return np.tile(np.arange(n), len(GROUPS) if _stacked(n) else 1)


def entries(derivative: Callable[[np.ndarray], np.ndarray], y: np.ndarray, base: np.ndarray) -> np.ndarray:
    """The structural non-zeros df_i/dy_j at (`ROWS`, `COLS`) for every member: shape (pairs, n).

    `base` is the derivative at `y` (11, n). `derivative` evaluates states (11, m) for the members
    at `replicas(n)`: for a few members the perturbed states of every group side by side, in one
    call; otherwise one group at a time.
    """
    step = np.maximum(FD_STEP * np.abs(y), FD_FLOOR)
    values = np.empty((len(ROWS), y.shape[1]))
    for mine, change in zip(_IN_GROUP, _changes(derivative, y, base, step), strict=True):
        values[mine] = change[ROWS[mine]] / step[COLS[mine]]
    return values


def _changes(
    derivative: Callable[[np.ndarray], np.ndarray], y: np.ndarray, base: np.ndarray, step: np.ndarray
) -> Iterator[np.ndarray]:
    """For each of `GROUPS`: how the derivative changes when that group's states move by `step`."""
    n = y.shape[1]
    if _stacked(n):
        moved = np.tile(y, (1, len(GROUPS)))
        for g, group in enumerate(GROUPS):
            moved[group, g * n : (g + 1) * n] += step[group]
        yield from (derivative(moved).reshape(N_STATES, len(GROUPS), n) - base[:, None, :]).transpose(1, 0, 2)
        return
    for group in GROUPS:
        moved = y.copy()
        moved[group] += step[group]
        yield derivative(moved) - base


def blocks(derivative: Callable[[np.ndarray], np.ndarray], y: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Every member's Jacobian as a dense block: shape (n, 11, 11), from `entries`."""
    jac = np.zeros((y.shape[1], N_STATES, N_STATES))
    jac[:, ROWS, COLS] = entries(derivative, y, base).T
    return jac
