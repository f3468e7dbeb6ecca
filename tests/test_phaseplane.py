"""Tipping-point computations (`model.phaseplane`): hysteresis, phase-plane slices, remission maps."""

from __future__ import annotations

import numpy as np
import pytest

import model
from model.analysis import phaseplane

WINDOW = (0.75, 1.15)  # antigen_clearance values inside the bistable range of the default model


@pytest.fixture(scope="module")
def clearance_diagram():
    """Steady states of `susceptible` swept over the whole allowed antigen_clearance range."""
    info = next(p for p in model.PARAMETERS if p.name == "antigen_clearance")
    return phaseplane.steady_state_diagram("antigen_clearance", np.linspace(info.low, info.high, 18))


def test_steady_state_diagram_has_two_branches_inside_the_clearance_window(clearance_diagram) -> None:
    wide = clearance_diagram.pivot(index="value", columns="sweep", values="activity")
    inside = wide[(wide.index >= WINDOW[0]) & (wide.index <= WINDOW[1])]
    assert len(inside) >= 3
    assert (inside["increasing"] > model.FLARE_THRESHOLD).all(), "coming from disease, the system stays active"
    assert (inside["decreasing"] < model.REMISSION_THRESHOLD).all(), "coming from health, the system stays healthy"


def test_steady_state_diagram_branches_meet_outside_the_window(clearance_diagram) -> None:
    wide = clearance_diagram.pivot(index="value", columns="sweep", values="activity")
    lowest, highest = wide.iloc[0], wide.iloc[-1]
    assert lowest["increasing"] == pytest.approx(lowest["decreasing"], abs=0.02)
    assert lowest["increasing"] > model.FLARE_THRESHOLD
    assert highest["increasing"] == pytest.approx(highest["decreasing"], abs=0.02)
    assert highest["increasing"] < model.REMISSION_THRESHOLD


def test_steady_state_diagram_reports_settled_states(clearance_diagram) -> None:
    assert clearance_diagram["settled"].mean() > 0.9
    assert set(model.STATE_NAMES) <= set(clearance_diagram.columns)


def test_steady_state_diagram_refuses_values_outside_the_parameter_range() -> None:
    with pytest.raises(model.ParameterError, match=r"antigen_clearance.*\[0.3, 2\]"):
        phaseplane.steady_state_diagram("antigen_clearance", [0.1, 1.0])


@pytest.mark.parametrize(
    ("scenario", "assumptions", "x", "y"),
    [
        ("active_sle", "baseline", "G", "D"),
        ("susceptible", "durable_treg", "R", "Ca"),
        ("healthy", "baseline", "E", "R"),
        ("active_sle", "licensing_required", "G", "Ci"),
    ],
)
def test_vector_field_vanishes_at_the_attractor(scenario: str, assumptions: str, x: str, y: str) -> None:
    held = phaseplane.attractor(scenario, assumptions=assumptions)
    xs = np.array([0.5, 1.0, 1.5]) * held[x]
    ys = np.array([0.5, 1.0, 1.5]) * held[y]
    field = phaseplane.vector_field(x, y, xs, ys, scenario=scenario, assumptions=assumptions)
    assert field.dx.shape == field.dy.shape == (3, 3)
    scale_x = np.max(np.abs(field.dx)) + 1e-12
    scale_y = np.max(np.abs(field.dy)) + 1e-12
    assert abs(field.dx[1, 1]) < 1e-4 * max(scale_x, 1.0)
    assert abs(field.dy[1, 1]) < 1e-4 * max(scale_y, 1.0)


def test_vector_field_points_back_to_the_attractor_along_a_decaying_state() -> None:
    held = phaseplane.attractor("active_sle", assumptions="baseline")
    field = phaseplane.vector_field("A", "D", [0.5 * held["A"], 1.5 * held["A"]], [held["D"]], scenario="active_sle")
    assert field.dx[0, 0] > 0 > field.dx[0, 1], "too little antibody grows back, too much decays"


def test_nullclines_cross_near_the_attractor() -> None:
    held = phaseplane.attractor("susceptible", assumptions="durable_treg")
    field = phaseplane.vector_field(
        "R",
        "Ca",
        np.linspace(0, 2 * held["R"], 80),
        np.linspace(0, 2 * held["Ca"], 80),
        scenario="susceptible",
        assumptions="durable_treg",
    )
    lines = phaseplane.nullclines(field)
    point = np.array([held["R"], held["Ca"]])
    for name in ("R", "Ca"):
        nearest = min(np.min(np.hypot(*(line - point).T)) for line in lines[name])
        assert nearest < 0.05 * np.hypot(*point), f"the {name} nullcline passes through the attractor"


def test_vector_field_refuses_a_repeated_state() -> None:
    with pytest.raises(model.ParameterError, match="must differ"):
        phaseplane.vector_field("R", "R", [1.0], [1.0])


def test_remission_map_under_durable_treg_has_both_outcomes_and_more_tregs_help() -> None:
    rmap = phaseplane.remission_map("E", "R", np.linspace(0, 6, 6), np.linspace(0, 4, 6), assumptions="durable_treg")
    assert rmap.remission.any() and not rmap.remission.all()
    assert np.all(np.diff(rmap.remission.astype(int), axis=0) >= 0), "starting with more Tregs never loses remission"
    assert np.array_equal(rmap.remission, rmap.activity_final < model.REMISSION_THRESHOLD)


def test_remission_map_under_baseline_never_reaches_remission() -> None:
    rmap = phaseplane.remission_map(
        "E", "R", np.linspace(0, 6, 4), np.linspace(0, 4, 4), assumptions="baseline", dose=1.0
    )
    assert not rmap.remission.any(), "without a strong regulatory loop one infusion does not last"


def test_trajectories_start_at_the_given_points_and_return_to_the_attractor() -> None:
    held = phaseplane.attractor("active_sle", assumptions="baseline")
    starts = [(0.5 * held["G"], 0.5 * held["D"]), (1.5 * held["G"], 1.2 * held["D"])]
    runs = phaseplane.trajectories("G", "D", starts, scenario="active_sle", days=1500)
    for run, start in zip(runs, starts, strict=True):
        assert (run.x[0], run.y[0]) == pytest.approx(start)
        assert run.x[-1] == pytest.approx(held["G"], rel=0.02)
        assert run.y[-1] == pytest.approx(held["D"], rel=0.02)


def test_state_range_covers_healthy_and_active_values() -> None:
    low, high = phaseplane.state_range("A")
    assert low == 0
    assert high > phaseplane.attractor("active_sle")["A"] > phaseplane.attractor("healthy")["A"]


def test_remission_maps_of_several_doses_classify_every_start_as_a_loop_of_simulate_does() -> None:
    xs, ys = np.linspace(0, 3, 4), np.linspace(0, 8, 4)
    maps = phaseplane.remission_maps("E", "R", xs, ys, doses=[0.2, 1.0], assumptions="durable_treg")
    assert [m.dose for m in maps] == [0.2, 1.0]
    for rmap in maps:
        final = np.array(
            [
                [
                    model.simulate(
                        "active_sle",
                        assumptions="durable_treg",
                        interventions=[model.MSCInfusion(day=0.0, dose=rmap.dose)],
                        days=730,
                        initial={"E": x0, "R": y0},
                        dt=10,
                    ).outcomes.activity_final
                    for x0 in xs
                ]
                for y0 in ys
            ]
        )
        np.testing.assert_array_equal(rmap.remission, final < model.REMISSION_THRESHOLD)
        np.testing.assert_allclose(rmap.activity_final, final, rtol=1e-4)
    assert maps[0].remission.any() and not maps[0].remission.all(), "the grid holds both outcomes"
