"""Property tests over the whole plausible parameter box (hypothesis)."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model

PARAMETER_BOX = st.fixed_dictionaries({p.name: st.floats(p.low, p.high, allow_nan=False) for p in model.PARAMETERS})
EVERYTHING = [
    model.MSCInfusion(day=20, dose=3.0),
    model.AntigenTrigger(day=40, size=60, duration=10),
    model.Immunosuppression(start=60, stop=120, strength=0.8),
    model.BCellDepletion(day=130),
    model.HSCTReset(day=200),
]


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    params=PARAMETER_BOX,
    scenario=st.sampled_from(sorted(model.SCENARIOS)),
    assumptions=st.sampled_from(sorted(model.ASSUMPTION_SETS)),
)
def test_states_stay_finite_and_non_negative_over_the_whole_box(params, scenario, assumptions):
    res = model.simulate(scenario, params, assumptions, EVERYTHING, days=300)
    assert np.all(np.isfinite(res.y))
    assert res.y.min() >= 0
    assert np.isfinite(res.outcomes.activity_auc)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(params=PARAMETER_BOX, low=st.floats(0.0, 5.0), extra=st.floats(0.1, 5.0))
def test_more_msc_never_raises_activity_integral_under_baseline(params, low, extra):
    """Monotone dose response under the baseline assumptions, across the parameter box."""

    def auc(dose):
        ivs = [model.MSCInfusion(day=20, dose=dose)] if dose > 0 else []
        return model.simulate("active_sle", params, "baseline", ivs, days=200).outcomes.activity_auc

    assert auc(low + extra) <= auc(low) * (1 + 1e-6) + 1e-9
