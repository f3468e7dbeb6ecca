"""Virtual patient populations (`model.draw_population`) as a specification.

Illustrative teaching model, not predictive, not medical advice.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import model
from model.analysis.population import HOST_PARAMETERS


@pytest.fixture(scope="module")
def active():
    return model.draw_population("active_sle", n=40, seed=3)


def test_same_spec_size_and_seed_give_the_same_patients(active) -> None:
    again = model.draw_population("active_sle", n=40, seed=3)
    pd.testing.assert_frame_equal(active.params, again.params)
    other = model.draw_population("active_sle", n=40, seed=4)
    assert not active.params.equals(other.params)


def test_kept_patients_have_the_scenarios_character(active) -> None:
    untreated = active.simulate(days=365)
    assert (untreated.outcomes["activity_final"] >= model.FLARE_THRESHOLD).all()
    assert active.screened >= len(active) == 40
    quiet = model.draw_population(model.PopulationSpec("susceptible"), n=20, seed=0)
    assert (quiet.simulate(days=365).outcomes["activity_final"] < model.REMISSION_THRESHOLD).all()


def test_parameters_spread_around_the_scenario_and_stay_in_range(active) -> None:
    centre = active.spec.centre()
    assert list(active.params.columns) == list(HOST_PARAMETERS)
    for name in ("antigen_clearance", "b_death"):
        info = next(p for p in model.PARAMETERS if p.name == name)
        values = active.params[name]
        assert values.between(info.low, info.high).all()
        assert values.std() > 0
        assert np.exp(np.log(values).median()) == pytest.approx(centre[name], rel=0.35)


def test_zero_spread_gives_the_scenario_itself() -> None:
    pop = model.draw_population(model.PopulationSpec("active_sle", spread=0.0), n=3, seed=0)
    assert (pop.params["antigen_clearance"] == model.SCENARIOS["active_sle"].overrides["antigen_clearance"]).all()


@pytest.mark.parametrize(("field", "value"), [("spread", 1.5), ("spread", -0.1), ("character", "sleepy")])
def test_bad_spec_is_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(model.ParameterError, match=field):
        model.PopulationSpec("active_sle", **{field: value})


def test_outcome_share_gives_the_wilson_interval() -> None:
    share, low, high = model.outcome_share([True] * 8 + [False] * 2)
    assert share == pytest.approx(0.8)
    # Wilson score interval for 8/10 at 95 % (Newcombe 1998): 0.490 to 0.943
    assert (low, high) == pytest.approx((0.4902, 0.9433), abs=1e-3)
    assert np.isnan(model.outcome_share([])[0])


def test_ranking_puts_the_separating_parameter_first_with_a_short_plain_sentence() -> None:
    rng = np.random.default_rng(0)
    params = pd.DataFrame({"antigen_clearance": rng.uniform(0.5, 0.9, 200), "b_death": rng.uniform(0.05, 0.2, 200)})
    responded = params["antigen_clearance"].to_numpy() > 0.7
    table = model.separating_parameters(params, responded)
    assert table["parameter"].iloc[0] == "antigen_clearance"
    assert table["effect_size"].iloc[0] > 1.0
    sentence = table["sentence"].iloc[0]
    assert sentence.startswith("Responders had higher") and len(sentence) < 120
    assert model.separating_parameters(params, np.ones(200, bool)).empty


def test_therapies_are_contrasted_on_the_same_virtual_patients(active) -> None:
    """Classroom activity: on the same patients, a deep reset helps most, rituximab-like depletion least."""
    flags = model.remission_by_therapy(active)
    assert flags.index.equals(active.params.index)
    shares = model.remission_shares(flags).set_index(["therapy", "years"])["share"]
    assert shares[("HSCT-like reset", 1.0)] > shares[("CD19 CAR-T", 1.0)] > shares[("MSC infusion", 1.0)]
    assert shares[("BCMA-CD19 CAR-T", 1.0)] >= shares[("CD19 CAR-T", 1.0)]
    assert shares[("Rituximab-like B-cell depletion", 1.0)] <= 0.1
    healthy = model.healthy_steady_state(active)
    assert not flags[("HSCT-like reset", 5.0)][~healthy].any()  # lasting remission needs a healthy steady state
