"""One sampler for ensembles, sensitivity and sweeps (model/analysis/sampling.py)."""

import tomllib

import numpy as np
import pytest
from scipy.stats import qmc

import model
from model.analysis import sampling, uncertainty
from model.analysis.sweep_spec import parse_spec

SWEEP = """
scenario = "active_sle"
days = 60
seed = 7
[design]
kind = "{kind}"
n = 8
[design.parameters]
treg_loop = {{ low = 0.1, high = 0.4 }}
antigen_clearance = {{ low = 0.5, high = 1.2 }}
"""


@pytest.mark.parametrize("kind", ["lhs", "sobol"])
def test_a_seed_draws_the_same_points_for_an_ensemble_and_a_sweep(kind):
    box = {"treg_loop": (0.1, 0.4), "antigen_clearance": (0.5, 1.2)}
    ensemble = uncertainty.sample_parameters(8, seed=7, ranges=box, parameters=list(box), method=kind)
    sweep = parse_spec(tomllib.loads(SWEEP.format(kind=kind))).design_points()
    np.testing.assert_allclose(ensemble[list(box)].to_numpy(), sweep[list(box)].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("kind", sampling.KINDS)
def test_unit_samples_lie_in_the_unit_cube_and_repeat_for_a_seed(kind):
    first = sampling.unit_sample(kind, 16, 3, seed=4)
    assert first.shape == (16, 3) and first.min() >= 0.0 and first.max() < 1.0
    np.testing.assert_array_equal(first, sampling.unit_sample(kind, 16, 3, seed=4))
    assert not np.array_equal(first, sampling.unit_sample(kind, 16, 3, seed=5))


def test_the_quasi_random_engines_are_scipys_seeded_through_rng():
    expected = qmc.LatinHypercube(d=2, rng=np.random.default_rng(3)).random(5)
    np.testing.assert_array_equal(sampling.unit_sample("lhs", 5, 2, seed=3), expected)


def test_log_scale_parameters_are_spread_evenly_in_log_space():
    info = model.core.parameters.parameter_info("msc_half_life")
    assert info.log_scale
    values = sampling.from_unit(np.array([0.0, 0.5]), info.low, info.high, log_scale=True)
    assert values[0] == pytest.approx(info.low)
    assert values[1] == pytest.approx(np.sqrt(info.low * info.high))


def test_an_unknown_kind_is_a_parameter_error():
    with pytest.raises(model.ParameterError, match="must be one of lhs, sobol, random"):
        sampling.unit_sample("halton", 4, 2, seed=0)
