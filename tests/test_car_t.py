"""CAR-T cell therapy, rituximab-like depletion and HSCT on the same virtual patients (issue 14).

Each test is a behaviour a student can check in the app. Illustrative teaching model, not
predictive, not medical advice.
"""

from __future__ import annotations

import numpy as np
import pytest

import model
from model.analysis.population import draw_population

REMISSION = model.REMISSION_THRESHOLD
DAY = 30
#: B cells count as back when they reach half their healthy level (supply / death rate).
B_BACK = 0.5 * model.Parameters().b_source / model.Parameters().b_death


@pytest.fixture(scope="module")
def patients():
    return draw_population("active_sle", n=80, seed=1)


def value_at(res: model.Result, state: str, day: float) -> float:
    return float(res[state][int(np.searchsorted(res.t, day, side="right")) - 1])


def b_cell_return_days(batch) -> np.ndarray:
    """Days from the infusion until B cells are back (NaN if never), one per patient."""
    t, later = batch.t, batch.t > DAY + 5
    back = (batch.series("B") > B_BACK) & later
    return np.where(back.any(axis=1), t[np.argmax(back, axis=1)] - DAY, np.nan)


def remission_at_b_cell_return(patients, target: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per patient: days until B cells are back, remission on that day, remission two years on."""
    batch = patients.simulate([model.CARTCellTherapy(day=DAY, target=target)], days=DAY + 730, keep_states=True)
    back = b_cell_return_days(batch)
    activity = batch.activity
    at_return = np.array(
        [np.isfinite(d) and activity[i, np.searchsorted(batch.t, DAY + d)] < REMISSION for i, d in enumerate(back)]
    )
    return back, at_return, activity[:, -1] < REMISSION


def test_car_t_remission_outlasts_the_return_of_b_cells_in_most_virtual_patients(patients) -> None:
    """BCMA-CD19 CAR-T: B cells come back after about 3-4 months as naive cells; most virtual patients
    (of all, not only responders) are in remission then and still two years after the infusion."""
    back, at_return, still = remission_at_b_cell_return(patients, "BCMA-CD19")
    assert 80 <= np.nanmedian(back) <= 160
    assert (at_return & still).mean() > 0.5


def test_cd19_car_t_remission_outlasts_b_cell_return_in_most_of_those_in_remission_then(patients) -> None:
    """CD19 CAR-T spares the CD19-negative long-lived plasma cells, whose autoantibodies keep the loop
    going in some patients: fewer are in lasting remission than with BCMA-CD19 (about half of all), but
    most of those in remission when B cells return stay in remission."""
    back, at_return, still = remission_at_b_cell_return(patients, "CD19")
    assert 80 <= np.nanmedian(back) <= 160
    assert at_return.mean() > 0.5
    assert (at_return & still).sum() > 0.7 * at_return.sum()
    _, bcma_at_return, bcma_still = remission_at_b_cell_return(patients, "BCMA-CD19")
    assert (at_return & still).mean() < (bcma_at_return & bcma_still).mean()


def test_rituximab_like_depletion_leaves_autoantibodies_high_because_long_lived_plasma_cells_persist() -> None:
    res = model.simulate("active_sle", interventions=[model.BCellDepletion(day=DAY)], days=400)
    before = {s: value_at(res, s, DAY - 1) for s in ("A", "Pl")}
    assert value_at(res, "B", DAY + 7) < 0.01 * value_at(res, "B", DAY - 1)
    assert res["Pl"][res.t >= DAY].min() > 0.5 * before["Pl"]
    assert value_at(res, "A", DAY + 90) > 0.5 * before["A"]
    assert not res.outcomes.remission_at_end


def test_bcma_cd19_removes_most_long_lived_plasma_cells_while_cd19_spares_most() -> None:
    def plasma_cells(target: str) -> tuple[float, float, float]:
        res = model.simulate("active_sle", interventions=[model.CARTCellTherapy(day=DAY, target=target)], days=400)
        before = value_at(res, "Pl", DAY - 1)
        return before, value_at(res, "Pl", DAY), res["Pl"][res.t >= DAY].min()

    before, just_after, _ = plasma_cells("CD19")
    assert just_after > 0.5 * before
    before, _, nadir = plasma_cells("BCMA-CD19")
    assert nadir <= 0.1 * before


def test_car_t_runs_the_same_in_a_batch_as_alone() -> None:
    therapy = [model.CARTCellTherapy(day=DAY, target="BCMA-CD19")]
    alone = model.simulate("active_sle", interventions=therapy, days=200)
    batch = model.simulate_batch([{}], scenario="active_sle", interventions=therapy, days=200, keep_states=True)
    assert batch.activity[0, -1] == pytest.approx(alone.outcomes.activity_final, rel=1e-3)


def test_car_t_text_form_round_trips() -> None:
    therapy = model.parse_intervention("cart:day=30,target=BCMA-CD19")
    assert therapy == model.CARTCellTherapy(day=30, target="BCMA-CD19")
    assert model.parse_intervention(model.format_intervention(therapy)) == therapy


def test_car_t_unknown_target_is_refused_naming_the_choices() -> None:
    with pytest.raises(model.InterventionError, match=r"target.*CD19.*BCMA-CD19"):
        model.parse_intervention("cart:day=30,target=CD20")
