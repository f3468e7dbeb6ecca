"""The simulator: grid and jumps, contributions, continuation, tables and files."""

import numpy as np
import pandas as pd
import pytest

import model


@pytest.fixture(scope="module")
def msc_run():
    return model.simulate("active_sle", interventions=[model.MSCInfusion(day=30, dose=1.0)], days=365)


def test_daily_grid_with_jump_recorded_before_and_after(msc_run):
    assert msc_run.t[0] == 0 and msc_run.t[-1] == 365
    at30 = np.flatnonzero(msc_run.t == 30)
    assert len(at30) == 2
    before, after = msc_run["M"][at30]
    assert before == 0 and after == pytest.approx(1.0)
    assert len(msc_run.t) == 366 + 1


def test_contributions_sum_to_the_derivative(msc_run):
    for state in model.STATE_NAMES:
        table = msc_run.contributions(state)
        terms = table.drop(columns=["day", "total"]).sum(axis=1)
        np.testing.assert_allclose(terms, table["total"])
        # the total is the derivative: compare with finite differences away from jumps
        after = msc_run.t > 31  # past the infusion: one point per day
        series = msc_run[state][after]
        fd = np.gradient(series, msc_run.t[after])
        total = table["total"][after].to_numpy()
        np.testing.assert_allclose(total[10:-10], fd[10:-10], atol=2e-2 * (np.abs(series).max() + 1e-3))


def test_contributions_show_msc_suppression_only_while_msc_are_present(msc_run):
    table = msc_run.contributions("E")
    assert table.loc[table["day"] < 30, "msc_suppression"].eq(0).all()
    assert table.loc[table["day"].between(30, 32), "msc_suppression"].min() < 0
    assert abs(table["msc_suppression"].iloc[-1]) < 1e-6


def test_knocked_out_mechanism_contributes_nothing():
    res = model.simulate("active_sle", days=60, knockouts=["treg_suppression"])
    assert res.contributions("E")["treg_suppression"].eq(0).all()


def test_unknown_knockout_lists_valid_names():
    with pytest.raises(ValueError, match="valid names are"):
        model.simulate("active_sle", knockouts=["magic"])


def test_continuation_from_final_state_matches_one_long_run():
    whole = model.simulate("active_sle", interventions=[model.MSCInfusion(day=30, dose=1.0)], days=200)
    first = model.simulate("active_sle", interventions=[model.MSCInfusion(day=30, dose=1.0)], days=100)
    second = model.simulate("active_sle", days=100, initial=first.final_state)
    np.testing.assert_allclose(second.y[-1], whole.y[-1], rtol=1e-4, atol=1e-7)


def test_initial_state_rejects_unknown_or_negative_values():
    with pytest.raises(model.ParameterError, match="Unknown state"):
        model.simulate(initial={"X": 1.0})
    with pytest.raises(model.ParameterError, match="finite number >= 0"):
        model.simulate(initial={"E": -1.0})


def test_intervention_after_the_end_is_refused():
    with pytest.raises(model.ParameterError, match="after the end of the simulation"):
        model.simulate(interventions=[model.MSCInfusion(day=400)], days=365)


@pytest.mark.parametrize("days", [0, -5, 1e9, float("nan")])
def test_bad_days_names_the_range(days):
    with pytest.raises(model.ParameterError, match="`days`"):
        model.simulate(days=days)


def test_getitem_names_and_activity(msc_run):
    np.testing.assert_array_equal(msc_run["activity"], msc_run.outcomes.activity)
    with pytest.raises(KeyError, match="valid names"):
        msc_run["nope"]


def test_frame_and_csv_carry_the_disclaimer_and_parameters(msc_run, tmp_path):
    frame = msc_run.to_frame()
    assert list(frame.columns) == ["day", *model.STATE_NAMES, "activity"]
    assert frame.attrs["disclaimer"] == model.DISCLAIMER
    path = tmp_path / "run.csv"
    msc_run.to_csv(path)
    lines = path.read_text().splitlines()
    assert "illustrative" in lines[0] and "not predictive" in lines[0]
    assert lines[2].startswith("# parameters: ") and "msc_half_life=1" in lines[2]
    back = pd.read_csv(path, comment="#")
    np.testing.assert_allclose(back["E"], frame["E"])
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_outcomes_count_flares_and_remission():
    from model.core.outcomes import compute_outcomes

    t = np.arange(6.0)
    out = compute_outcomes(t, np.array([0.1, 0.6, 0.1, 0.7, 0.3, 0.1]))
    assert out.flares == 2
    assert out.days_in_remission == 0  # never two consecutive points below threshold
    assert out.remission_at_end and out.activity_peak == 0.7
    assert out.activity_auc == pytest.approx(np.trapezoid([0.1, 0.6, 0.1, 0.7, 0.3, 0.1], t))


def test_solver_failure_raises_simulation_error(monkeypatch):
    from model.engine import lsoda

    monkeypatch.setattr(lsoda, "MAX_STEPS", 3)
    with pytest.raises(model.SimulationError, match="solver failed"):
        model.simulate("active_sle", params={"ci_clearance": 19.0}, days=365, interventions=[model.MSCInfusion(day=5)])


def test_every_mechanism_has_a_switch_and_every_term_names_a_known_mechanism():
    import dataclasses

    from model.core.equations import TERMS, Switches

    names = [m.name for m in model.MECHANISMS]
    assert [f.name for f in dataclasses.fields(Switches)] == names
    used = {mechanism for terms in TERMS.values() for _, mechanism in terms if mechanism}
    assert used <= set(names)


def test_csv_gets_the_usual_file_mode(msc_run, tmp_path):
    import os

    path = tmp_path / "run.csv"
    msc_run.to_csv(path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize(
    ("interventions", "days"),
    [
        ((), 100),
        (("msc:day=30,dose=1",), 35),
        (("msc:day=30,dose=1,repeat_every=90,count=3",), 120),  # an infusion exactly at the horizon
        (("immunosuppression:start=30,stop=210",), 210),  # a drug stopping exactly at the horizon
        (("immunosuppression:start=30,stop=210",), 150),  # cut while the drug is on
        (("hsct:day=30", "cart:day=60,target=CD19"), 400),
        (("antigen:day=30",), 1825),
    ],
)
def test_a_long_run_cut_at_a_horizon_is_the_run_of_that_horizon(interventions, days):
    items = [model.parse_intervention(text) for text in interventions]
    cut = model.simulate("active_sle", assumptions="durable_treg", interventions=items, days=3650).until(days)
    short = model.simulate("active_sle", assumptions="durable_treg", interventions=items, days=days)
    np.testing.assert_array_equal(cut.t, short.t)
    np.testing.assert_array_equal(cut.y, short.y)
    np.testing.assert_array_equal(cut.segment_of_point, short.segment_of_point)
    for a, b in zip(cut.segments, short.segments, strict=True):
        assert (a.start, a.stop, a.inputs, a.jumps, a.last) == (b.start, b.stop, b.inputs, b.jumps, b.last)
        np.testing.assert_array_equal(a.times, b.times)
    assert len(cut.segments) == len(short.segments)
    assert cut.outcomes.summary() == short.outcomes.summary()
    pd.testing.assert_frame_equal(cut.contributions("E"), short.contributions("E"))


def test_a_run_is_cut_only_at_one_of_its_output_times_and_after_its_interventions_start():
    res = model.simulate("active_sle", interventions=[model.MSCInfusion(day=30)], days=100)
    with pytest.raises(model.ParameterError, match="must be one of the run's output times"):
        res.until(200)
    with pytest.raises(model.ParameterError, match="must be one of the run's output times"):
        res.until(50.5)
    with pytest.raises(model.ParameterError, match="after the end"):
        res.until(30)


def test_the_assumption_comparison_of_cut_long_runs_equals_compare_assumptions():
    from model.analysis.compare import comparison_table

    msc = [model.MSCInfusion(day=30, dose=1.0)]
    pairs = {
        name: (
            model.simulate("active_sle", assumptions=name, days=3650).until(400),
            model.simulate("active_sle", assumptions=name, interventions=msc, days=3650).until(400),
        )
        for name in model.ASSUMPTION_SETS
    }
    expected = model.compare_assumptions("active_sle", interventions=msc, days=400)
    pd.testing.assert_frame_equal(comparison_table(pairs), expected)
