"""Jacobians by sparse finite differences (model/engine/jacobian.py) and how the batch hands them to LSODA."""

import numpy as np

from model.analysis.uncertainty import sample_parameters
from model.core.equations import Inputs, Switches
from model.engine import attractor, batch, jacobian

N = 30  # members: few enough that `jacobian` perturbs every group side by side in one call


def _members() -> tuple[object, np.ndarray]:
    table = batch.resolve_batch(sample_parameters(N, seed=2), scenario="active_sle", assumptions="baseline")
    y = np.random.default_rng(0).uniform(0.01, 3.0, (len(jacobian.PATTERN), N))
    return batch._namespace(table), y


def test_states_perturbed_together_never_touch_each_others_derivative():
    for group in jacobian.DIAGONAL_GROUPS:
        coupled = jacobian.PATTERN[np.ix_(group, group)]
        np.testing.assert_array_equal(coupled, np.eye(len(group), dtype=bool))
    for group in jacobian.GROUPS:  # columns of one group share no row
        assert np.all(jacobian.PATTERN[:, group].sum(axis=1) <= 1)


def test_the_diagonal_from_five_evaluations_is_the_full_jacobians_diagonal():
    p, y = _members()
    inputs = Inputs(0.3, ((0.0, 1.0, 10.0),), 1.0)
    f = attractor.evaluator(p, N, inputs, Switches())
    base = f(y, 2.0)

    def copies_for(groups: tuple[np.ndarray, ...]) -> object:
        replicas = jacobian.replicas(N, groups)
        copies = attractor.evaluator(attractor.subset(p, replicas), replicas.size, inputs, Switches())
        return lambda states: copies(states, 2.0)

    full = jacobian.blocks(copies_for(jacobian.GROUPS), y, base)
    diagonal = jacobian.diagonal(copies_for(jacobian.DIAGONAL_GROUPS), y, base)
    assert len(jacobian.DIAGONAL_GROUPS) < len(jacobian.GROUPS)
    np.testing.assert_array_equal(diagonal, np.diagonal(full, axis1=1, axis2=2).T)


def test_the_jacobian_reuses_the_derivative_just_evaluated_at_the_same_point_and_only_there():
    p, y = _members()
    system = batch._Stacked(p, N, Inputs(), Switches())
    fresh = batch._Stacked(p, N, Inputs(), Switches()).jac(system.pack(y), 5.0)
    system.f(system.pack(y), 5.0)  # LSODA evaluates f, then asks for the Jacobian at the same (t, y)
    np.testing.assert_array_equal(system.jac(system.pack(y), 5.0), fresh)
    system.f(system.pack(2.0 * y), 6.0)  # a derivative at another time is not reused
    np.testing.assert_array_equal(system.jac(system.pack(y), 5.0), fresh)
