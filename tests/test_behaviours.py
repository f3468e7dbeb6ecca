"""The ten behaviours the core model must show (issue: core model), one test each.

Each test is a specification a student could check in the app. Numbers are illustrative.
"""

import numpy as np
import pytest

import model
from model.analysis.compare import activity_at, tipping_window

TEN_YEARS = 3650
SMALL_TRIGGER = model.AntigenTrigger(day=30, size=10, duration=14)
LARGE_TRIGGER = model.AntigenTrigger(day=30, size=40, duration=14)


def test_healthy_stays_in_remission_for_ten_years():
    res = model.simulate("healthy", days=TEN_YEARS)
    assert res.outcomes.activity_peak < model.REMISSION_THRESHOLD


def test_healthy_small_antigen_pulse_decays_back():
    res = model.simulate("healthy", interventions=[SMALL_TRIGGER], days=730)
    assert res["G"].max() > 1.5 * res["G"][0]  # the pulse is real
    assert res.outcomes.remission_at_end
    assert res["G"][-1] == pytest.approx(res["G"][0], rel=0.01)


def test_susceptible_small_trigger_decays():
    res = model.simulate("susceptible", interventions=[SMALL_TRIGGER], days=730)
    assert res.outcomes.remission_at_end


def test_susceptible_large_trigger_tips_into_lasting_disease():
    res = model.simulate("susceptible", interventions=[LARGE_TRIGGER], days=3 * 365)
    after = res.outcomes.activity[res.t >= 365]
    assert after.min() > model.FLARE_THRESHOLD  # persists long after the 14-day trigger ended


@pytest.mark.slow
def test_tipping_window_is_wide_enough_to_find_with_a_slider():
    susceptible = model.SCENARIOS["susceptible"].overrides["antigen_clearance"]
    low, high = tipping_window(size=40, duration=14)
    assert low < susceptible < high
    assert high - low >= 0.1 * susceptible


def test_active_sle_untreated_stays_active_for_two_years():
    res = model.simulate("active_sle", days=730)
    assert res.outcomes.activity.min() > model.FLARE_THRESHOLD
    assert res.outcomes.days_in_remission == 0


@pytest.mark.parametrize("half_life", [0.25, 1.0, 3.0])
def test_infused_msc_decay_with_their_half_life(half_life):
    res = model.simulate(
        "active_sle",
        params={"msc_half_life": half_life},
        interventions=[model.MSCInfusion(day=10, dose=2.0)],
        days=40,
        dt=0.01,
    )
    window = (res.t >= 10) & (res.t <= 10 + 3 * half_life)
    t, m = res.t[window][1:], res["M"][window][1:]
    slope = np.polyfit(t - 10, np.log(m), 1)[0]
    assert np.log(2) / -slope == pytest.approx(half_life, rel=0.05)


def test_msc_outcome_depends_on_the_assumption_set():
    table = model.compare_assumptions(
        "active_sle", interventions=[model.MSCInfusion(day=30, dose=1.0)], days=730
    ).set_index("assumptions")
    # transient: activity is back to at least 80 % of the pre-treatment level within 6 months
    assert table.loc["transient_only", "follow_up_fraction"] >= 0.8
    assert table.loc["baseline", "follow_up_fraction"] >= 0.8
    # durable Treg induction: the infusion tips the system into lasting remission
    assert table.loc["durable_treg", "remission_at_end"]
    assert not table.loc["baseline", "remission_at_end"]


def test_durable_remission_lasts():
    res = model.simulate(
        "active_sle", assumptions="durable_treg", interventions=[model.MSCInfusion(day=30, dose=1.0)], days=5 * 365
    )
    late = res.outcomes.activity[res.t >= 2 * 365]
    assert late.max() < model.REMISSION_THRESHOLD


def _msc_effect(assumptions, background):
    """Reduction of time-integrated activity by an infusion on day 150, on top of `background`."""
    untreated = model.simulate("active_sle", assumptions=assumptions, interventions=background, days=365)
    treated = model.simulate(
        "active_sle",
        assumptions=assumptions,
        interventions=[*background, model.MSCInfusion(day=150, dose=1.0)],
        days=365,
    )
    return untreated.outcomes.activity_auc - treated.outcomes.activity_auc


def test_licensing_required_effect_shrinks_when_inflammation_is_low():
    low_inflammation = [model.Immunosuppression(start=0, stop=365, strength=0.9)]
    relative_low = _msc_effect("licensing_required", low_inflammation) / _msc_effect("baseline", low_inflammation)
    relative_high = _msc_effect("licensing_required", []) / _msc_effect("baseline", [])
    assert relative_low < 0.5 * relative_high


def test_more_msc_never_raises_time_integrated_activity_under_baseline():
    doses = [0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 7.0, 10.0]
    aucs = [
        model.simulate(
            "active_sle", interventions=[model.MSCInfusion(day=30, dose=d)] if d else [], days=365
        ).outcomes.activity_auc
        for d in doses
    ]
    assert np.all(np.diff(aucs) <= 1e-9)
    gains = -np.diff(aucs) / np.diff(doses)
    assert gains[-1] < gains[0]  # saturating: each extra unit of dose buys less


def test_bcell_depletion_removes_b_cells_but_antibodies_fall_slowly():
    res = model.simulate("active_sle", interventions=[model.BCellDepletion(day=30)], days=365)
    b0, b14 = res["B"][30], res["B"][44]
    a0, a14 = res["A"][30], res["A"][44]
    assert b14 < 0.1 * b0
    assert a14 > 0.8 * a0


def test_knocking_out_long_lived_plasma_cells_speeds_antibody_fall():
    def fall(knockouts):
        res = model.simulate("active_sle", interventions=[model.BCellDepletion(day=30)], days=180, knockouts=knockouts)
        return 1 - res["A"][120] / res["A"][30]

    assert fall(["long_lived_plasma_cells"]) > 2 * fall([])


def test_hsct_reset_removes_lymphocytes_and_plasma_cells_and_the_default_patient_stays_well():
    res = model.simulate("active_sle", interventions=[model.HSCTReset(day=30)], days=5 * 365)
    just_after = np.flatnonzero(res.t == 30)[-1]
    for state in ("E", "B", "Ps", "Pl"):
        assert res[state][just_after] <= 0.1 * res[state][just_after - 1]
    assert res["E"][just_after] < 0.05 and res["B"][just_after] < 0.05
    assert (res.outcomes.activity[res.t > 150] < model.REMISSION_THRESHOLD).all()  # drug-free, to year 5


def test_hsct_relapses_when_the_driver_leaves_no_healthy_steady_state():
    res = model.simulate(
        "active_sle", params={"antigen_clearance": 0.6}, interventions=[model.HSCTReset(day=30)], days=3 * 365
    )
    remission = res.outcomes.activity < model.REMISSION_THRESHOLD
    assert remission[(res.t > 100) & (res.t < 180)].all()  # months of low activity
    assert res.outcomes.activity_final > model.FLARE_THRESHOLD  # the unchanged driver brings it back


@pytest.mark.slow
def test_hsct_remission_in_most_virtual_patients_at_one_year_and_fewer_at_five():
    patients = model.draw_population("active_sle", n=150, seed=0)
    batch = patients.simulate([model.HSCTReset(day=30)], days=30 + 5 * 365, t_eval=[395, 1855], keep_states=True)
    year = {1: np.searchsorted(batch.t, 395), 5: np.searchsorted(batch.t, 1855)}
    remission = {k: batch.activity[:, i] < model.REMISSION_THRESHOLD for k, i in year.items()}
    assert remission[1].mean() > 0.5
    assert remission[5].mean() < remission[1].mean()
    # those who relapse have no healthy steady state: started from health, they fall ill untreated
    from_health = model.simulate_batch(patients.params, scenario="healthy", days=365, keep_states=False)
    healthy_state = from_health.outcomes["activity_final"].to_numpy() < model.REMISSION_THRESHOLD
    assert not healthy_state[~remission[5]].any()


def test_immunosuppression_lowers_activity_while_on_and_it_rebounds_after():
    res = model.simulate(
        "active_sle", interventions=[model.Immunosuppression(start=30, stop=210, strength=0.6)], days=730
    )
    before, on, after = activity_at(res, 29), activity_at(res, 209), activity_at(res, 730)
    assert on < 0.8 * before
    assert after > 0.95 * before
