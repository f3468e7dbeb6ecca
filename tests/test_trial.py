"""Virtual trials (`model.trial`): the statistics are honest, and the lesson's claims hold in the model.

Every trial here recruits from one virtual population (active SLE under `durable_treg`, the
module's default size and seed), simulated once under standard therapy and once under standard
therapy plus MSC, so the whole file costs two batches of the model. Tolerances on shares of trials
are at least three binomial standard errors. Illustrative teaching model, not predictive.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import model
import model.trial
from model.evidence import STUDIES
from model.trial import (
    ALPHA,
    MSC_ON_STANDARD_CARE,
    STANDARD_CARE,
    TrialDesign,
    power,
    preset,
    replicate,
    run,
    study_like,
    summarise,
)

TRUTH = "durable_treg"  # the assumption set under which MSC have a real effect in the model


def design(**changes: object) -> TrialDesign:
    return TrialDesign(**{"assumptions": TRUTH, **changes})


IDENTICAL_MEANS = design(treatment=STANDARD_CARE, n_control=50, n_treatment=50, endpoint="activity_change")


# ----------------------------------------------------------------------------- done-when statistics


@pytest.mark.slow
def test_identical_arms_are_significant_in_3_to_7_percent_of_2000_trials():
    """With no difference between the arms, Welch's test at alpha 0.05 is a 5 % false-positive rate."""
    table = replicate(IDENTICAL_MEANS, 4000, seed=11)
    assert table.attrs["true_difference"] == 0.0
    assert 0.03 <= table["significant"].mean() <= 0.07


@pytest.mark.slow
def test_fisher_exact_test_is_conservative_with_identical_arms():
    """Fisher's exact test on small arms is significant less often than alpha, never more."""
    for n in (6, 50):
        table = replicate(design(treatment=STANDARD_CARE, n_control=n, n_treatment=n), 2000, seed=n)
        assert table["significant"].mean() <= ALPHA + 0.01


@pytest.mark.slow
@pytest.mark.parametrize(
    "changes",
    [
        {"n_control": 50, "n_treatment": 50},  # Newcombe on remission, a real effect
        {"n_control": 50, "n_treatment": 50, "endpoint": "activity_change", "noise": 0.1},  # Welch on the change
        {"n_control": 12, "n_treatment": 24, "endpoint": "activity_change"},  # Welch, unequal small arms
    ],
    ids=["remission", "change-with-noise", "change-unequal-arms"],
)
def test_95_percent_intervals_cover_the_true_difference_in_93_to_97_percent_of_trials(changes):
    table = replicate(design(**changes), 2000, seed=5)
    assert table.attrs["true_difference"] != 0.0
    assert 0.93 <= summarise(table)["coverage"] <= 0.97


@pytest.mark.slow
def test_power_grows_with_the_number_of_patients():
    curve = power(design(), [12, 48, 200], n_trials=1000, seed=3)
    assert list(curve["n_patients"]) == [12, 48, 200]
    assert np.all(np.diff(curve["power"]) > 0.05)
    assert (curve["true_difference"] > 0.05).all()


# ----------------------------------------------------------------------------- the lesson's claims


@pytest.mark.slow
def test_a_deng_like_trial_usually_misses_a_real_effect_in_the_model():
    """Lesson 4, step 2: under durable_treg MSC add remission in the model, yet most Deng-like trials
    (the registry's arm sizes) are not significant and their intervals are wide."""
    deng = study_like("deng2017", assumptions=TRUTH)
    table = replicate(deng, 1000, seed=2)
    assert table.attrs["true_difference"] >= 0.10
    assert table["significant"].mean() < 0.25
    assert ((table["ci_high"] - table["ci_low"]) > 0.5).mean() > 0.9


@pytest.mark.slow
def test_even_200_patients_are_well_short_of_80_percent_power_for_the_effect():
    """Lesson 4, step 3: with the Deng-like 2:1 allocation, even 200 patients in all (the largest size
    on the page's curve for its default population) are significant in well under 80 % of trials."""
    curve = power(study_like("deng2017", assumptions=TRUTH), [200], n_trials=1000, seed=4)
    assert curve["power"].iloc[0] < 0.7


@pytest.mark.slow
def test_some_deng_like_trials_point_the_wrong_way():
    """Lesson 4, step 3: a real benefit in the model, yet a sizeable share of small trials estimate harm."""
    table = replicate(study_like("deng2017", assumptions=TRUTH), 1000, seed=2)
    assert table["difference"].lt(0).mean() > 0.1


def test_untreated_patients_enrolled_on_a_high_noisy_index_improve_without_any_effect():
    """Lesson 4, step 4: regression to the mean. Nobody is treated, the truth is zero, yet a
    before/after series reports a significant fall of the index in most runs."""
    nothing = preset("before_after", assumptions=TRUTH, control=(), treatment=())
    table = replicate(nothing, 500, seed=4)
    s = summarise(table)
    assert s["true_difference"] == 0.0
    assert s["mean_difference"] < -0.05
    assert s["share_significant"] > 0.5 and s["coverage"] < 0.5


def test_without_measurement_noise_untreated_patients_do_not_change():
    """Lesson 4, answer key: in the model untreated active disease sits at its steady state, so the
    before/after fall above comes from the noisy enrolment measurement alone."""
    nothing = preset("before_after", assumptions=TRUTH, control=(), treatment=(), noise=0.0)
    table = replicate(nothing, 50, seed=4)
    assert np.allclose(table["difference"], 0.0, atol=1e-6)
    assert not table["significant"].any()


@pytest.mark.slow
def test_a_control_arm_removes_regression_to_the_mean():
    """Lesson 4, step 5: the before/after series' enrolment and noise, but randomised against a control
    arm (the page's 2 x 50 design): the false-positive rate is back near 5 %."""
    series = preset("before_after")
    controlled = preset(
        "two_by_fifty",
        assumptions=TRUTH,
        treatment=STANDARD_CARE,
        endpoint="activity_change",
        noise=series.noise,
        enrol_above=series.enrol_above,
    )
    table = replicate(controlled, 2000, seed=6)
    assert 0.03 <= table["significant"].mean() <= 0.07


def test_a_before_after_series_finds_an_inert_msc_effective():
    """Lesson 4, step 4: MSC inert (both arms standard therapy), yet the before/after series of
    standard therapy plus "MSC" reports a significant fall of the index in nearly every run."""
    inert = preset("before_after", assumptions=TRUTH, treatment=STANDARD_CARE)
    s = summarise(replicate(inert, 300, seed=7))
    assert s["true_difference"] == 0.0
    assert s["share_significant"] > 0.9


def test_a_before_after_series_credits_standard_therapy_to_msc():
    """Lesson 4, step 4: with MSC on standard therapy, the before/after change is far larger than the
    true MSC effect, because standard therapy lowers the index too."""
    table = replicate(preset("before_after", assumptions=TRUTH), 300, seed=8)
    s = summarise(table)
    assert s["mean_difference"] < 2 * s["true_difference"] < 0  # more than twice the true fall


# ----------------------------------------------------------------------------- the public API


def test_model_trial_is_importable_every_way():
    from model.trial import run as imported

    assert model.trial.run is imported is model.analysis.trial.run


def test_a_trial_is_reproducible_and_is_the_first_of_its_replicates():
    deng = study_like("deng2017", assumptions=TRUTH)
    one, again = run(deng, 9), run(deng, 9)
    assert one.patients.equals(again.patients)
    first = replicate(deng, 1, 9).iloc[0]
    assert (one.difference, one.ci_low, one.ci_high, one.p_value) == tuple(
        first[["difference", "ci_low", "ci_high", "p_value"]]
    )
    assert not replicate(deng, 20, 9).equals(replicate(deng, 20, 10))


def test_a_trial_has_one_row_per_patient_and_says_it_is_illustrative():
    result = run(study_like("deng2017", assumptions=TRUTH), 1)
    arms = STUDIES["deng2017"].arms
    counts = result.patients["arm"].value_counts()
    assert sorted(counts) == sorted(arms.values())
    assert result.patients["patient"].is_unique
    assert "illustrative" in result.describe() and "not predictive" in result.patients.attrs["disclaimer"]
    assert result.test == "Fisher's exact test"


def test_study_like_takes_the_arm_sizes_from_the_registry():
    deng = study_like("deng2017")
    arms = STUDIES["deng2017"].arms
    assert {deng.n_treatment, deng.n_control} == set(arms.values())
    assert deng.n_control == next(n for name, n in arms.items() if "placebo" in name)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), endpoint=st.sampled_from(["remission_at_end", "activity_change"]))
def test_every_interval_holds_its_estimate_and_every_p_value_is_a_probability(seed, endpoint):
    table = replicate(design(n_control=6, n_treatment=12, endpoint=endpoint), 30, seed)
    assert (table["ci_low"] <= table["difference"] + 1e-12).all()
    assert (table["difference"] <= table["ci_high"] + 1e-12).all()
    assert table["p_value"].between(0, 1).all()
    assert (table["significant"] == (table["p_value"] < ALPHA)).all()


@pytest.mark.slow
def test_fresh_patients_give_the_same_picture_and_an_executor_the_same_numbers():
    """`fresh=True` simulates new patients for every trial; with an executor the numbers are identical."""
    nothing = preset("before_after", assumptions=TRUTH, control=(), treatment=(), n_treatment=10)
    fresh = replicate(nothing, 60, seed=1, fresh=True)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        assert fresh.equals(replicate(nothing, 60, seed=1, fresh=True, executor=pool))
    pooled = replicate(nothing, 600, seed=1)
    assert abs(fresh["difference"].mean() - pooled["difference"].mean()) < 0.05
    assert fresh["difference"].lt(0).mean() > 0.7


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"n_control": 1}, "`n_control`"),
        ({"n_treatment": 5000}, "`n_treatment`"),
        ({"n_control": 150, "n_treatment": 150}, "a tenth of `population_size`"),
        ({"endpoint": "survival"}, "`endpoint`"),
        ({"noise": -0.1}, "`noise`"),
        ({"enrol_above": 9.0}, "`enrol_above`"),
        ({"days": 0}, "`days`"),
        ({"kind": "crossover"}, "`kind`"),
        ({"kind": "before_after"}, "`n_control`"),
        ({"kind": "before_after", "n_control": 0}, "'activity_change'"),
        ({"treatment": ["msc"]}, "`treatment`"),
        ({"spread": 3.0}, "`spread`"),
        ({"population_size": 50}, "`population_size`"),
        ({"assumptions": "magic"}, "magic"),
    ],
)
def test_a_bad_design_is_refused_with_the_field_and_its_range(changes, field):
    with pytest.raises(model.ParameterError, match=field.replace("`", "`").replace("(", r"\(")):
        TrialDesign(**changes)


def test_bad_trial_counts_and_sizes_are_refused():
    with pytest.raises(model.ParameterError, match="`n_trials`"):
        replicate(design(), 0)
    with pytest.raises(model.ParameterError, match="`n_patients`"):
        design().with_patients(2)
    assert dataclasses.replace(design(), n_control=3).n_patients == 23
    assert MSC_ON_STANDARD_CARE[: len(STANDARD_CARE)] == STANDARD_CARE
