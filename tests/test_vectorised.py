"""Engine tests of `model.engine.vectorised`: the stand-ins that evaluate many members quickly change no bit."""

import numpy as np

import model
from model.core.equations import Inputs, Switches
from model.engine import vectorised


def test_the_hill_exponent_is_the_only_parameter_raised_to_a_power():
    assert vectorised.EXPONENTS == ("activation_hill",)


def test_a_numpy_exponent_gives_numpy_general_power_loop_bits_for_floats_and_arrays():
    x = np.random.default_rng(0).uniform(0.01, 5.0, 1000)
    for n in (0.5, 2.0, 3.3):
        general = np.power(x, np.full(x.shape, n))
        np.testing.assert_array_equal(x ** vectorised.NumpyExponent(n), general)
        assert [float(v) ** vectorised.NumpyExponent(n) for v in x[:50]] == list(general[:50])


def test_parameters_wrap_shared_exponents_once_and_leave_varying_ones_as_arrays():
    once = vectorised.parameters(vectorised.parameters(model.Parameters()))
    assert isinstance(once.activation_hill, vectorised.NumpyExponent)
    varying = vectorised.parameters(type(once)(**{**vars(once), "activation_hill": np.array([2.0, 3.0])}))
    assert isinstance(varying.activation_hill, np.ndarray)


def test_absent_inputs_and_acting_switches_cost_no_arithmetic():
    given = vectorised.inputs(Inputs())
    assert given.blocked(3.0) is vectorised.ZERO
    assert given.depletion_rate(3.0) is vectorised.ZERO
    assert given.antigen_input is vectorised.ZERO
    x = np.arange(3.0)
    assert x + vectorised.ZERO is x and x * vectorised.IDENTITY is x
    on = vectorised.switches(Switches.without(["t_cell_help"]))
    assert on.antigen_activation is vectorised.IDENTITY and on.t_cell_help == 0.0


def test_inputs_that_are_on_are_the_inputs_own():
    given = Inputs(0.3, ((0.0, 1.0, 10.0),), 1.0, ((0.0, 0.5, 30.0),))
    stand_in = vectorised.inputs(given)
    assert stand_in.blocked(4.0) == given.blocked(4.0)
    assert stand_in.depletion_rate(4.0) == given.depletion_rate(4.0)
    assert stand_in.antigen_input == 1.0
    assert stand_in.reconstitution == given.reconstitution
