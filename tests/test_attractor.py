"""Finding each scenario's attractor by pseudo-transient continuation (model/engine/attractor.py)."""

import numpy as np
import pytest

import model
from model.core.equations import Inputs, Switches
from model.engine import attractor
from model.engine.simulate import _integrate, initial_state, resolve_parameters

LONG_RUN = 30_000.0  # days: long enough for the slowest compartment to settle


@pytest.mark.parametrize("scenario", sorted(model.SCENARIOS))
@pytest.mark.parametrize("assumptions", sorted(model.ASSUMPTION_SETS))
def test_continuation_lands_where_a_long_integration_ends(scenario, assumptions):
    p = resolve_parameters(scenario, assumptions=assumptions)
    start = np.array([model.SCENARIOS[scenario].initial[name] for name in model.STATE_NAMES])
    settled = initial_state(scenario, p)
    long_run = _integrate(start, np.array([0.0, LONG_RUN]), p, Inputs(), Switches())[-1]
    np.testing.assert_allclose(settled, long_run, rtol=1e-5, atol=1e-8)


def test_settled_state_is_a_stable_steady_state():
    p = resolve_parameters("active_sle", assumptions="baseline")
    y = initial_state("active_sle", p)[:, None]
    rates = attractor.evaluator(p, 1, Inputs(), Switches())(y, 0.0)
    assert np.max(np.abs(rates)) < 1e-8
    eigenvalues = np.linalg.eigvals(attractor._jacobians(y, rates, attractor._jacobian_evaluator(p, 1, Switches()))[0])
    assert eigenvalues.real.max() < 0


def test_a_member_starts_from_the_same_state_alone_and_in_a_batch():
    members = [{"effector_death": 0.07}, {"long_lived_half_life": 600.0}, {"treg_loop": 0.3}]
    batch = model.simulate_batch(members, days=5)
    for k, member in enumerate(members):
        alone = model.simulate(params=member, days=5)
        np.testing.assert_allclose(batch.states[k, 0], alone.y[0], rtol=1e-9, atol=1e-12)


def test_members_that_do_not_settle_are_integrated_instead(monkeypatch):
    monkeypatch.setattr(attractor, "MAX_ITERATIONS", 2)
    handed = []

    def integrate(members, states):
        handed.append(members.tolist())
        return states + 1.0

    start = np.ones((len(model.STATE_NAMES), 1))
    out = attractor.settle(start, resolve_parameters(), Switches(), integrate)
    assert handed == [[0]]
    np.testing.assert_array_equal(out, start + 1.0)


def test_a_singular_newton_matrix_stops_only_its_own_member():
    matrices = np.stack([2.0 * np.eye(3), np.zeros((3, 3)), np.eye(3)])
    steps = attractor._newton_steps(matrices, np.ones((3, 3)))
    np.testing.assert_array_equal(steps[:, 0], 0.5)
    assert np.isnan(steps[:, 1]).all()
    np.testing.assert_array_equal(steps[:, 2], 1.0)
