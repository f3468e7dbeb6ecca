"""Every statement the lessons (docs/lessons/*.md) make about the model's behaviour, as a test.

Each test is named after the claim and its docstring says which lesson and step makes it, so a
lesson fails loudly when the model changes under it. Thresholds are the model's own
(`REMISSION_THRESHOLD`, `FLARE_THRESHOLD`); tolerances are generous because the lessons make
qualitative claims. Illustrative teaching model, not predictive, not medical advice.
"""

from __future__ import annotations

import numpy as np
import pytest

import model
from model.analysis.compare import activity_at

REMISSION, FLARE = model.REMISSION_THRESHOLD, model.FLARE_THRESHOLD
INFUSION_DAY = 30


def trigger(size: float, duration: float = 14.0, **kwargs: object) -> model.Result:
    """The susceptible toy person with a burst of self-antigen on day 30."""
    return model.simulate(
        "susceptible", interventions=[model.AntigenTrigger(day=30, size=size, duration=duration)], **kwargs
    )


def msc(assumptions: str = "baseline", days: float = 730, dose: float = 1.0, **kwargs: object) -> model.Result:
    """Active SLE with one MSC infusion on day 30."""
    return model.simulate(
        "active_sle",
        assumptions=assumptions,
        interventions=[model.MSCInfusion(day=INFUSION_DAY, dose=dose)],
        days=days,
        **kwargs,
    )


def value_at(res: model.Result, state: str, day: float) -> float:
    """A state (or "activity") at `day`, just after any jump on that day."""
    i = int(np.searchsorted(res.t, day, side="right")) - 1
    return float(res[state][i])


def after(res: model.Result, day: float) -> np.ndarray:
    return res.t > day


# --- Lesson 1: feedback loops and tipping points --------------------------------------------------


def test_small_trigger_fades_back_to_health() -> None:
    """Lesson 1, step 1: a small burst (size 10) barely moves activity, and it returns to health."""
    res = trigger(10)
    assert res.outcomes.activity_peak < REMISSION
    assert res.outcomes.activity_final == pytest.approx(res.outcomes.activity[0], abs=0.01)


def test_large_trigger_tips_into_disease_that_outlasts_the_trigger() -> None:
    """Lesson 1, step 2: a large burst (size 40) tips the susceptible person into lasting disease,
    still above the flare threshold a year later, long after the trigger ended on day 44."""
    res = trigger(40)
    assert res.outcomes.activity_final > FLARE
    assert np.all(res["activity"][res.t >= 100] > REMISSION)


def test_tipping_threshold_of_trigger_size_lies_between_30_and_35() -> None:
    """Lesson 1, answer key to step 2: the smallest trigger that tips lies between 30 and 35."""
    assert trigger(30).outcomes.activity_final < REMISSION
    assert trigger(35).outcomes.activity_final > FLARE


def test_knocking_out_inflammation_driven_antigen_release_prevents_tipping() -> None:
    """Lesson 1, step 3: with inflammation-driven release of self-antigen switched off, the large trigger fades."""
    assert trigger(40, knockouts=["inflammation_antigen_release"]).outcomes.activity_final < REMISSION


def test_knocking_out_damage_driven_antigen_release_does_not_prevent_tipping() -> None:
    """Lesson 1, answer key to step 3: knocking out damage-driven release does not prevent tipping."""
    assert trigger(40, knockouts=["damage_antigen_release"]).outcomes.activity_final > FLARE


@pytest.mark.parametrize(("duration", "tips"), [(0, False), (14, True), (60, False)])
def test_same_trigger_amount_tips_only_at_intermediate_speed(duration: float, tips: bool) -> None:
    """Lesson 1, step 4: 40 units all at once or over 60 days fade; over 14 days they tip."""
    final = trigger(40, duration=duration).outcomes.activity_final
    assert (final > FLARE) if tips else (final < REMISSION)


def test_same_parameters_have_two_stable_states_depending_on_history() -> None:
    """Lesson 1, step 5: with clearance 0.9, a person starting healthy stays healthy, one starting ill stays ill."""
    params = {"antigen_clearance": 0.9}
    healthy = model.simulate("healthy", params=params, days=365)
    ill = model.simulate("active_sle", params=params, days=365)
    assert healthy.params == ill.params
    assert np.all(healthy["activity"] < REMISSION)
    assert np.all(ill["activity"] > FLARE)


@pytest.mark.parametrize(("clearance", "bistable"), [(0.6, False), (0.75, True), (1.15, True), (1.4, False)])
def test_bistability_window_in_clearance_is_about_0_7_to_1_2(clearance: float, bistable: bool) -> None:
    """Lesson 1, answer key to step 5: two stable states between a clearance of about 0.7 and 1.2, one outside."""
    params = {"antigen_clearance": clearance}
    from_health = model.simulate("healthy", params=params, days=1).outcomes.activity[0]
    from_disease = model.simulate("active_sle", params=params, days=1).outcomes.activity[0]
    assert bool(abs(from_disease - from_health) > 0.3) == bistable


# --- Lesson 2: timescales ------------------------------------------------------------------------------


def test_infused_msc_are_practically_gone_within_a_week() -> None:
    """Lesson 2, step 1: infused MSC halve every day; below 1 % of the dose a week after infusion."""
    res = msc(days=120)
    assert value_at(res, "M", INFUSION_DAY) == pytest.approx(1.0)
    assert value_at(res, "M", INFUSION_DAY + 7) < 0.01


def test_msc_effect_under_baseline_dips_then_fades_within_about_two_months() -> None:
    """Lesson 2, step 1 (and the claims check): activity is lowest about a week after the infusion,
    roughly 15 % lower, back close to its old level within about two months, invisible by day 120."""
    res = msc(days=365)
    before = value_at(res, "activity", INFUSION_DAY - 1)
    window = after(res, INFUSION_DAY)
    low_day = res.t[window][np.argmin(res["activity"][window])]
    assert 3 <= low_day - INFUSION_DAY <= 14
    assert 0.08 < 1 - res["activity"][window].min() / before < 0.25
    assert value_at(res, "activity", INFUSION_DAY + 60) == pytest.approx(before, rel=0.10)
    assert value_at(res, "activity", 120) == pytest.approx(before, rel=0.03)


def test_msc_induced_tregs_triple_then_return_within_about_two_months() -> None:
    """Lesson 2, step 1 (and claims check, immune rebalancing): Tregs rise about threefold, then fall back."""
    res = msc(days=365)
    before = value_at(res, "R", INFUSION_DAY - 1)
    assert 2.0 < res["R"][after(res, INFUSION_DAY)].max() / before < 4.0
    assert value_at(res, "R", INFUSION_DAY + 60) == pytest.approx(before, rel=0.05)


def test_msc_lowers_inflammatory_cytokines_for_weeks_only() -> None:
    """Claims check, reduced inflammatory cytokines: `Ci` dips after an infusion under baseline, then returns."""
    res = msc(days=365)
    before = value_at(res, "Ci", INFUSION_DAY - 1)
    assert value_at(res, "Ci", INFUSION_DAY + 5) < 0.7 * before
    assert value_at(res, "Ci", 120) == pytest.approx(before, rel=0.03)


def test_repeated_msc_effect_lasts_only_while_infusions_continue() -> None:
    """Lesson 2, step 2: six monthly infusions keep activity lower; about six months after the last one it is back."""
    repeated = model.MSCInfusion(day=30, dose=1.0, repeat_every=30, count=6)
    res = model.simulate("active_sle", interventions=[repeated], days=450)
    untreated = model.simulate("active_sle", days=450)
    assert activity_at(res, 180) < 0.95 * activity_at(untreated, 180)
    assert activity_at(res, 360) == pytest.approx(activity_at(untreated, 360), rel=0.05)


def test_immunosuppression_lowers_activity_only_while_taken() -> None:
    """Lesson 2, step 2: activity is lower while the drug is taken and rebounds, gradually, after it stops."""
    res = model.simulate("active_sle", interventions=[model.Immunosuppression(start=30, stop=210)], days=450)
    untreated = model.simulate("active_sle", days=450)
    assert activity_at(res, 209) < 0.75 * activity_at(untreated, 209)
    assert activity_at(res, 300) > activity_at(res, 209) * 1.2
    assert activity_at(res, 450) == pytest.approx(activity_at(untreated, 450), rel=0.10)


def test_msc_as_immunosuppression_stops_does_not_prevent_the_rebound_under_baseline() -> None:
    """Claims check, reduced dependence on medication: MSC on day 200 do not prevent the rebound after day 210."""
    drug = model.Immunosuppression(start=30, stop=210)
    with_msc = model.simulate("active_sle", interventions=[drug, model.MSCInfusion(day=200)], days=450)
    drug_only = model.simulate("active_sle", interventions=[drug], days=450)
    assert activity_at(with_msc, 360) == pytest.approx(activity_at(drug_only, 360), rel=0.05)
    assert activity_at(with_msc, 360) > FLARE


def test_bcell_depletion_empties_b_cells_within_a_week_but_antibodies_fall_slowly() -> None:
    """Lesson 2, step 3: B cells below 1 % within a week; autoantibody still above half a month later;
    long-lived plasma cells survive; B cells come back when the drug wears off."""
    res = model.simulate("active_sle", interventions=[model.BCellDepletion(day=30)], days=365)
    before = {s: value_at(res, s, 29) for s in ("B", "A", "Pl")}
    assert value_at(res, "B", 37) < 0.01 * before["B"]
    assert value_at(res, "A", 60) > 0.5 * before["A"]
    assert value_at(res, "Pl", 90) > 0.5 * before["Pl"]
    assert value_at(res, "B", 365) > 0.5 * before["B"]


def test_hsct_reset_gives_lasting_drug_free_remission_to_the_default_toy_person() -> None:
    """Lesson 2, step 4: after the reset activity falls below the remission line within a few months
    and stays there for the whole five years; the cause (slow clearance) is unchanged."""
    res = model.simulate("active_sle", interventions=[model.HSCTReset(day=30)], days=5 * 365)
    assert value_at(res, "activity", 150) < REMISSION
    assert np.all(res["activity"][res.t >= 150] < REMISSION)
    assert res.params.antigen_clearance == model.SCENARIOS["active_sle"].overrides["antigen_clearance"]


def test_hsct_reset_relapses_when_clearance_is_below_the_bistable_window() -> None:
    """Lesson 2, step 4 (second link): with clearance 0.6 health is not a steady state; remission lasts
    months, then the disease returns above the flare line within two years."""
    res = model.simulate(
        "active_sle", params={"antigen_clearance": 0.6}, interventions=[model.HSCTReset(day=30)], days=730
    )
    assert value_at(res, "activity", 150) < REMISSION
    assert 60 <= res.outcomes.days_in_remission <= 600
    assert res.outcomes.activity_final > FLARE


def test_durable_treg_msc_gives_lasting_remission_within_about_a_year() -> None:
    """Lesson 2, step 5 (and Lesson 3, step 1): under durable_treg one infusion tips into lasting remission."""
    res = msc("durable_treg", days=730)
    assert activity_at(res, 365) < REMISSION
    assert np.all(res["activity"][res.t >= 365] < REMISSION)
    assert res.outcomes.remission_at_end


# --- Lesson 3: assumptions and uncertainty -----------------------------------------------------------


def test_same_infusion_ends_in_remission_only_under_durable_treg() -> None:
    """Lesson 3, step 1: of the four assumption sets only durable_treg ends in remission."""
    table = model.compare_assumptions()
    ends = dict(zip(table["assumptions"], table["remission_at_end"], strict=True))
    assert ends == {name: name == "durable_treg" for name in model.ASSUMPTION_SETS}


def test_transient_only_msc_barely_change_activity() -> None:
    """Lesson 3, step 1: under transient_only the infusion lowers activity by less than 5 %."""
    res = msc("transient_only", days=365)
    before = value_at(res, "activity", INFUSION_DAY - 1)
    assert res["activity"][after(res, INFUSION_DAY)].min() > 0.95 * before


def test_licensing_required_looks_like_baseline_in_active_disease() -> None:
    """Lesson 3 background and Assumptions page: in active disease (high inflammation) licensing_required ~ baseline."""
    base, licensed = msc("baseline", days=365), msc("licensing_required", days=365)
    window = after(base, INFUSION_DAY)
    assert licensed["activity"][window].min() == pytest.approx(base["activity"][window].min(), rel=0.05)


@pytest.mark.parametrize(
    ("loop", "treated", "untreated"), [(0.25, False, False), (0.35, True, False), (0.45, True, True)]
)
def test_durable_remission_needs_treg_loop_in_a_narrow_window(loop: float, treated: bool, untreated: bool) -> None:
    """Lesson 3, step 3: under durable_treg, treg_loop 0.25 -> the effect fades; 0.35 -> remission;
    0.45 -> the untreated toy person is already well (nothing to treat)."""
    params = {"treg_loop": loop}
    assert msc("durable_treg", params=params).outcomes.remission_at_end is treated
    assert (
        model.simulate("active_sle", assumptions="durable_treg", params=params, days=730).outcomes.remission_at_end
        is untreated
    )


def test_a_bigger_dose_does_not_make_the_baseline_effect_last() -> None:
    """Lesson 3, step 4: under baseline, doubling the dose still ends back in active disease."""
    assert msc("baseline", dose=2.0).outcomes.activity_final > FLARE


@pytest.mark.parametrize(("dose", "remission"), [(0.1, False), (0.5, True), (1.0, True)])
def test_under_durable_treg_dose_matters_only_up_to_a_threshold(dose: float, remission: bool) -> None:
    """Lesson 3, step 4: under durable_treg a tenth of a dose is not enough, half a dose already tips the system."""
    assert msc("durable_treg", dose=dose).outcomes.remission_at_end is remission


def test_licensed_msc_induce_far_fewer_tregs_when_inflammation_is_low() -> None:
    """Lesson 3, step 5 (and Assumptions page): during strong immunosuppression (low inflammation),
    MSC on day 200 induce far fewer Tregs under licensing_required than under baseline."""
    interventions = [model.Immunosuppression(start=0, stop=400, strength=0.9), model.MSCInfusion(day=200)]
    rises = {}
    for name in ("baseline", "licensing_required"):
        res = model.simulate("active_sle", assumptions=name, interventions=interventions, days=400)
        rises[name] = res["R"][after(res, 200)].max() - value_at(res, "R", 199)
    assert value_at(res, "Ci", 199) < 0.5 * model.Parameters().licensing_threshold
    assert rises["licensing_required"] < 0.25 * rises["baseline"]


# --- Guided lessons and Classroom activities added by issue 19 ------------------------------------


def test_removing_the_treg_brake_lets_a_medium_trigger_tip() -> None:
    """Lesson 1, extension 'remove a brake' (and Classroom activity 5): size 20 fades with Treg suppression,
    tips into lasting disease without it; the untreated person is well until the trigger."""
    assert trigger(20, days=730).outcomes.activity_final < REMISSION
    res = trigger(20, days=730, knockouts=["treg_suppression"])
    assert res.outcomes.activity_final > FLARE
    assert np.all(res["activity"][res.t < 30] < REMISSION)


def test_with_both_brakes_off_even_the_small_trigger_tips() -> None:
    """Classroom activity 5, teacher note: with Treg and anti-inflammatory suppression both off, size 10 tips."""
    res = trigger(10, days=730, knockouts=["treg_suppression", "anti_inflammatory_suppression"])
    assert res.outcomes.activity_final > FLARE


def test_large_trigger_is_still_high_two_years_later_and_not_fading() -> None:
    """Lesson 1, step 2 (two years): activity is above the flare line at two years and no lower than at one year."""
    res = trigger(40, days=730)
    assert res.outcomes.activity_final > FLARE
    assert res.outcomes.activity_final >= value_at(res, "activity", 365) - 0.02


def test_durable_treg_changes_the_untreated_host_and_transient_only_barely_does() -> None:
    """Assumption-set descriptions, Lesson 2 extension, Lesson 3 step 1 and the Classroom: durable_treg lowers the
    untreated toy person's activity (it changes the host, not only the MSC); transient_only barely changes it."""
    untreated = {
        name: model.simulate("active_sle", assumptions=name, days=30).outcomes.activity[0]
        for name in ("baseline", "durable_treg", "transient_only")
    }
    assert untreated["durable_treg"] < untreated["baseline"] - 0.05
    assert abs(untreated["transient_only"] - untreated["baseline"]) < 0.03


def test_why_did_it_move_shows_two_negative_feedbacks_holding_effector_t_cells_down() -> None:
    """Lesson 1, step 1 (goal 1): during the small trigger, suppression by Tregs and by anti-inflammatory
    cytokines pull effector T cells down (negative terms of dE/dt in 'Why did it move?')."""
    terms = trigger(10).contributions("E")
    during = terms[(terms["day"] >= 30) & (terms["day"] <= 44)]
    assert (during["treg_suppression"] < 0).all()
    assert (during["anti_inflammatory_suppression"] < 0).all()


@pytest.mark.parametrize(
    ("size", "duration", "tips"), [(30, 14, False), (35, 14, True), (40, 0, False), (40, 60, False)]
)
def test_trigger_outcomes_hold_over_the_two_years_the_lesson_now_runs(size: float, duration: float, tips: bool) -> None:
    """Lesson 1, step 2 and extension B (730-day links): the same sizes and speeds tip or fade over two years."""
    final = trigger(size, duration=duration, days=730).outcomes.activity_final
    assert (final > FLARE) if tips else (final < REMISSION)


def test_car_t_reaches_deeper_than_rituximab_like_depletion_and_bcma_deepest() -> None:
    """Lesson 2, step 3 (going further): CAR-T keeps B cells away for months, then they come back; with BCMA
    also targeted most long-lived plasma cells go and the activity index falls furthest."""

    def run(therapy: model.Intervention) -> model.Result:
        return model.simulate("active_sle", interventions=[therapy], days=400)

    ritux, cd19 = run(model.BCellDepletion(day=30)), run(model.CARTCellTherapy(day=30, target="CD19"))
    bcma = run(model.CARTCellTherapy(day=30, target="BCMA-CD19"))
    healthy_b = model.Parameters().b_source / model.Parameters().b_death
    assert value_at(cd19, "B", 90) < 0.5 * healthy_b < value_at(cd19, "B", 250)
    assert value_at(bcma, "Pl", 60) < 0.1 * value_at(bcma, "Pl", 29) < value_at(cd19, "Pl", 60)
    at = {name: value_at(r, "activity", 200) for name, r in (("ritux", ritux), ("cd19", cd19), ("bcma", bcma))}
    assert at["bcma"] < at["cd19"] < at["ritux"]
