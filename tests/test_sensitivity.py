"""Global sensitivity: Sobol and Morris through SALib, checked on functions with known answers, then the model."""

import math

import numpy as np
import pandas as pd
import pytest

import model
from model.analysis import sensitivity
from model.cli import main

PI = math.pi
MSC = model.MSCInfusion(day=30.0, dose=1.0)


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_recovers_the_analytic_ishigami_indices():
    table = sensitivity.sobol(ishigami, [(-PI, PI)] * 3, n=2048, seed=1, names=["x1", "x2", "x3"])
    assert list(table.columns) == ["name", "S1", "S1_conf", "ST", "ST_conf"]
    assert table["name"].tolist() == ["x1", "x2", "x3"]
    np.testing.assert_allclose(table["S1"], [0.314, 0.442, 0.0], atol=0.05)
    np.testing.assert_allclose(table["ST"], [0.558, 0.442, 0.244], atol=0.05)
    assert (table["S1_conf"] > 0).all() and (table["ST_conf"] > 0).all()


def test_morris_elementary_effects_of_a_linear_function_are_its_slopes():
    def linear(x: np.ndarray) -> np.ndarray:
        return 3.0 * x[:, 0] - 0.5 * x[:, 1] + 0.0 * x[:, 2]

    table = sensitivity.morris(linear, [(0, 1), (0, 2), (5, 6)], n_trajectories=20, seed=2).set_index("name")
    # An elementary effect is a change in output per step of one input, with inputs scaled to [0, 1].
    np.testing.assert_allclose(table["mu_star"], [3.0, 1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(table["mu"], [3.0, -1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(table["sigma"], 0.0, atol=1e-9)


def test_morris_ranks_ishigami_inputs_with_x3_acting_only_through_interaction():
    table = sensitivity.morris(ishigami, [(-PI, PI)] * 3, n_trajectories=40, seed=3).set_index("name")
    assert list(table.columns) == ["mu_star", "mu_star_conf", "sigma", "mu"]
    assert table.loc["x3", "mu_star"] > 0  # no first-order effect, but it matters through x1


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: sensitivity.sobol(ishigami, [(-PI, PI)] * 3, n=1000), "power of two.*512 or 1024"),
        (lambda: sensitivity.sobol(ishigami, [(1, 1), (0, 1), (0, 1)], n=8), r"bounds of `x1` = \(1, 1\)"),
        (lambda: sensitivity.morris(ishigami, [(0, 1)] * 3, n_trajectories=10, names=["a", "b"]), "3 distinct names"),
        (lambda: sensitivity.morris(ishigami, [(0, 1)] * 3, n_trajectories=1), "n_trajectories"),
    ],
)
def test_bad_requests_name_the_field_and_what_is_allowed(call, needle):
    with pytest.raises(model.ParameterError, match=needle):
        call()


def test_a_function_returning_the_wrong_shape_is_reported():
    with pytest.raises(ValueError, match="n outputs"):
        sensitivity.sobol(lambda x: x, [(0, 1), (0, 1)], n=8)


def test_without_an_infusion_msc_parameters_have_no_effect_on_the_model():
    table = sensitivity.analyze(
        "activity_final",
        method="morris",
        scenario="active_sle",
        assumptions="baseline",
        interventions=(),
        n=4,
        seed=1,
        parameters=["antigen_clearance", "msc_half_life", "msc_suppression"],
        days=60,
    )
    by_name = table.set_index("name")
    # Zero up to rounding: members share one solver, so their step sizes differ run to run.
    assert by_name.loc["msc_half_life", "mu_star"] < 1e-9
    assert by_name.loc["msc_suppression", "mu_star"] < 1e-9
    assert by_name.loc["antigen_clearance", "mu_star"] > 0.1
    assert table["name"].iloc[0] == "antigen_clearance"  # sorted by importance
    assert table.attrs["runs"] == 4 * 4 and "not predictive" in table.attrs["disclaimer"]


def test_sobol_on_the_model_returns_tidy_indices_sorted_by_total_effect():
    table = sensitivity.analyze(
        "days_in_remission",
        method="sobol",
        assumptions="durable_treg",
        interventions=[MSC],
        n=16,
        seed=1,
        parameters=["treg_loop", "msc_half_life"],
        ranges={"treg_loop": (0.2, 0.45)},
    )
    assert list(table.columns) == ["name", "S1", "S1_conf", "ST", "ST_conf"]
    assert set(table["name"]) == {"treg_loop", "msc_half_life"}
    assert table["ST"].is_monotonic_decreasing
    assert table.attrs["runs"] == 16 * 4


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"outcome": "happiness"}, "Unknown outcome 'happiness'; valid names: activity_peak"),
        ({"outcome": "activity_final", "parameters": ["treg_lop"]}, "Did you mean treg_loop"),
        ({"outcome": "activity_final", "method": "fast"}, "sobol, morris"),
        ({"outcome": "activity_final", "n": 12}, "power of two"),
    ],
)
def test_analyze_rejects_unknown_outcomes_parameters_and_methods(kwargs, needle):
    args = {"n": 4, "parameters": ["treg_loop"], "days": 30, **kwargs}
    with pytest.raises(model.ParameterError, match=needle):
        sensitivity.analyze(**args)


def test_indices_figure_is_a_titled_illustrative_tornado_with_error_bars():
    table = sensitivity.sobol(ishigami, [(-PI, PI)] * 3, n=64, seed=0)
    fig = sensitivity.indices_figure(table)
    assert "illustrative" in fig.layout.title.text
    assert [trace.orientation for trace in fig.data] == ["h", "h"]
    assert fig.data[0].error_x.array is not None


def test_cli_sensitivity_prints_a_ranked_table_and_writes_csv_with_disclaimer_and_seed(capsys, tmp_path):
    out = tmp_path / "s.csv"
    argv = ["sensitivity", "--method", "morris", "--outcome", "activity_final", "--n", "4", "--seed", "3"]
    argv += ["--parameters", "antigen_clearance,msc_half_life", "--days", "60", "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "not predictive" in printed and "ranked by mu_star" in printed
    assert printed.index("antigen_clearance") < printed.index("msc_half_life")
    first = out.read_text().splitlines()[0]
    assert first.startswith("# sle-immunomod: illustrative") and first.endswith("seed=3")
    assert pd.read_csv(out, comment="#")["name"].tolist() == ["antigen_clearance", "msc_half_life"]


def test_cli_sensitivity_bad_n_is_one_line_and_exit_2(capsys):
    assert main(["sensitivity", "--n", "100", "--parameters", "treg_loop"]) == 2
    assert "power of two" in capsys.readouterr().err
