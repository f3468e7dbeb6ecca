"""Property tests over the whole plausible parameter box (hypothesis)."""

import types

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model
from model.core.equations import MECHANISMS, Inputs, Switches, rhs, term_table
from model.engine import vectorised

PARAMETER_BOX = st.fixed_dictionaries({p.name: st.floats(p.low, p.high, allow_nan=False) for p in model.PARAMETERS})
EVERYTHING = [
    model.MSCInfusion(day=20, dose=3.0),
    model.AntigenTrigger(day=40, size=60, duration=10),
    model.Immunosuppression(start=60, stop=120, strength=0.8),
    model.BCellDepletion(day=130),
    model.HSCTReset(day=200),
]


@pytest.mark.slow
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    params=PARAMETER_BOX,
    scenario=st.sampled_from(sorted(model.SCENARIOS)),
    assumptions=st.sampled_from(sorted(model.ASSUMPTION_SETS)),
)
def test_states_stay_finite_and_non_negative_over_the_whole_box(params, scenario, assumptions):
    res = model.simulate(scenario, assumptions=assumptions, params=params, interventions=EVERYTHING, days=300)
    assert np.all(np.isfinite(res.y))
    assert res.y.min() >= 0
    assert np.isfinite(res.outcomes.activity_auc)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(params=PARAMETER_BOX, low=st.floats(0.0, 5.0), extra=st.floats(0.1, 5.0))
def test_more_msc_never_raises_activity_integral_under_baseline(params, low, extra):
    """Monotone dose response under the baseline assumptions, across the parameter box."""

    def auc(dose):
        ivs = [model.MSCInfusion(day=20, dose=dose)] if dose > 0 else []
        return model.simulate("active_sle", params=params, interventions=ivs, days=200).outcomes.activity_auc

    assert auc(low + extra) <= auc(low) * (1 + 1e-6) + 1e-9


STATES = st.lists(
    st.floats(0.0, 50.0, allow_nan=False), min_size=len(model.STATE_NAMES), max_size=len(model.STATE_NAMES)
)
ALL_INPUTS = Inputs(0.4, ((0.0, 1.5, 7.0),), 2.0, ((-10.0, 0.6, 60.0),))


@pytest.mark.slow
@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    params=PARAMETER_BOX,
    y=STATES,
    inputs=st.sampled_from([Inputs(), ALL_INPUTS]),
    knockouts=st.lists(st.sampled_from([m.name for m in MECHANISMS]), unique=True, max_size=4),
)
def test_each_rate_is_the_sum_of_its_mechanism_terms(params, y, inputs, knockouts):
    """`rhs` writes each equation compactly; `term_table` takes it apart: they must agree."""
    p = model.Parameters().replace(**params)
    on = Switches.without(knockouts)
    rates = rhs(3.0, y, p, inputs, on)
    for state, rate in zip(model.STATE_NAMES, rates, strict=True):
        terms = term_table(3.0, y, p, state, inputs, on)
        scale = sum(abs(v) for v in terms.values()) + 1e-300
        assert abs(rate - sum(terms.values())) <= 1e-12 * scale, state


@settings(max_examples=100, deadline=None, derandomize=True)
@given(params=PARAMETER_BOX, y=STATES, inputs=st.sampled_from([Inputs(), ALL_INPUTS]))
def test_many_members_at_once_give_the_same_bits_as_one_at_a_time(params, y, inputs):
    """The array path (`vectorised`: no work for absent inputs and acting switches) changes no value."""
    p = model.Parameters().replace(**params)
    one = rhs(3.0, y, vectorised.parameters(p), inputs, Switches())  # powers as numpy computes them for arrays
    arrays = types.SimpleNamespace(**{k: np.full(3, v) for k, v in p.as_dict().items()})
    many = rhs(3.0, [np.full(3, v) for v in y], arrays, vectorised.inputs(inputs), vectorised.switches(Switches()))
    for a, b in zip(one, many, strict=True):
        assert np.all(np.asarray(b) == a) or abs(a) == 0.0
