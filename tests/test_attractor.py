"""Finding each scenario's attractor by pseudo-transient continuation (model/engine/attractor.py)."""

import numpy as np
import pytest

import model
from model.core.equations import Inputs, Switches
from model.engine import attractor
from model.engine.simulate import _integrate, burn_in, initial_state, resolve_parameters

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
    monkeypatch.setattr(attractor, "NEWTON_ITERATIONS", 0)
    handed = []

    def integrate(members, states):
        handed.append(members.tolist())
        return states + 1.0

    start = np.ones((len(model.STATE_NAMES), 1))
    out = attractor.settle(start, resolve_parameters(), Switches(), integrate)
    assert handed == [[0]] * attractor.BURN_IN_ROUNDS  # each burn-in goes on from where the last ended
    np.testing.assert_array_equal(out, start + attractor.BURN_IN_ROUNDS)


def test_a_singular_newton_matrix_stops_only_its_own_member():
    matrices = np.stack([2.0 * np.eye(3), np.zeros((3, 3)), np.eye(3)])
    steps = attractor._newton_steps(matrices, np.ones((3, 3)))
    np.testing.assert_array_equal(steps[:, 0], 0.5)
    assert np.isnan(steps[:, 1]).all()
    np.testing.assert_array_equal(steps[:, 2], 1.0)


def _never_integrated(members, states):
    raise AssertionError(f"members {members.tolist()} were integrated")


def test_where_continuation_stops_short_newton_finds_the_same_stable_state(monkeypatch):
    p = resolve_parameters("active_sle")
    start = np.array([model.SCENARIOS["active_sle"].initial[name] for name in model.STATE_NAMES])[:, None]
    settled = attractor.settle(start, p, Switches(), _never_integrated)
    monkeypatch.setattr(attractor, "MAX_ITERATIONS", 8)
    found = attractor.settle(start, p, Switches(), _never_integrated)
    np.testing.assert_allclose(found, settled, rtol=1e-9, atol=1e-12)


#: A parameter set (drawn within 30 % of the susceptible scenario's values) whose steady state is
#: approached so slowly that a 3000-day integration ends 60 % away from it (relative).
SLOW = {
    "antigen_supply": 0.973459, "antigen_clearance": 0.9, "damage_antigen_release": 0.364615,
    "inflammation_antigen_release": 1.194961, "effector_activation": 1.8758, "activation_threshold": 2.913528,
    "activation_hill": 2.939635, "effector_death": 0.079554, "effector_capacity": 3.66458,
    "effector_source": 0.000819, "treg_suppression": 1.064999, "ca_suppression": 2.574418,
    "b_activation": 1.132241, "t_help_half": 0.239196, "b_death": 0.099601, "b_capacity": 1.549999,
    "b_source": 0.000775, "short_lived_differentiation": 0.167292, "long_lived_differentiation": 0.011052,
    "short_lived_half_life": 3.260142, "long_lived_half_life": 181.906077, "antibody_production": 0.021581,
    "antibody_half_life": 18.264332, "ci_basal": 0.541098, "ic_inflammation": 1.383548, "ic_saturation": 2.154933,
    "effector_inflammation": 4.808248, "ci_clearance": 4.60864, "ca_basal": 1.012546,
    "treg_ca_production": 2.881567, "ca_clearance": 5.972816, "ca_ci_inhibition": 1.937726,
    "treg_source": 0.093721, "treg_death": 0.098918, "treg_loop": 0.05, "treg_loop_threshold": 1.746715,
    "treg_capacity": 7.007825, "ci_treg_inhibition": 0.3, "damage_rate": 0.007154, "damage_capacity": 3.610876,
    "damage_repair": 0.061886, "msc_half_life": 0.749717, "msc_suppression": 0.710757,
    "msc_treg_induction": 2.0, "msc_ca_secretion": 5.0, "msc_licensing": 0.0, "licensing_threshold": 0.483713,
}  # fmt: skip
SLOW_START = np.array([0.02, 1.1, 0.01, 0.0, 0.0, 0.0, 0.07, 1.1, 1.0, 0.0, 0.0])


def test_a_slowly_approached_steady_state_is_found_rather_than_left_mid_course():
    p, on = model.Parameters(**SLOW), Switches()
    burnt = burn_in(SLOW_START, p, on)
    rates = attractor.evaluator(p, 1, Inputs(), on)(burnt[:, None], 0.0)[:, 0]
    assert np.max(np.abs(rates) / (burnt + 1e-3)) > 1e-3  # still drifting after the burn-in
    settled = attractor.settle(SLOW_START[:, None], p, on, lambda members, y: burn_in(y[:, 0], p, on)[:, None])
    long_run = _integrate(SLOW_START, np.array([0.0, LONG_RUN]), p, Inputs(), on)[-1]
    np.testing.assert_allclose(settled[:, 0], long_run, rtol=1e-6, atol=1e-9)
    assert np.max(np.abs(burnt - long_run) / (long_run + 1e-3)) > 0.1


def test_newton_accepts_only_stable_steady_states():
    p = resolve_parameters("active_sle")
    stable = initial_state("active_sle", p)[:, None]
    found, ok = attractor._newton(stable * 1.01, p, Switches())
    assert ok.tolist() == [True]
    np.testing.assert_allclose(found, stable, rtol=1e-9, atol=1e-12)
    blowing_up = np.full_like(stable, np.nan)
    assert attractor._newton(blowing_up, p, Switches())[1].tolist() == [False]


def test_newton_rejects_the_saddle_between_health_and_disease():
    p, on = resolve_parameters("susceptible"), Switches()
    healthy, active = (initial_state(s, p) for s in ("healthy", "active_sle"))
    assert active[0] > 10 * healthy[0]  # bistable: two attractors under the same parameters
    rates = attractor.evaluator(p, 1, Inputs(), on)
    copies = attractor._jacobian_evaluator(p, 1, on)
    saddles = []
    for w in np.linspace(0.05, 0.95, 19):
        y = ((1 - w) * healthy + w * active)[:, None]
        for _ in range(40):  # Newton's method without any check
            f = rates(y, 0.0)
            y = np.maximum(
                y + attractor._newton_steps(attractor._newton_matrices(y, f, copies, np.array([np.inf])), f), 0
            )
        if (
            np.max(np.abs(rates(y, 0.0))) < 1e-10
            and not attractor._stable(y, p, on, rates(y, 0.0), np.array([True]))[0]
        ):
            saddles.append(y)
    assert saddles
    for saddle in saddles:
        found, ok = attractor._newton(saddle, p, on)
        assert ok.tolist() == [False]
        np.testing.assert_array_equal(found, saddle)
