"""The public API without traps: each trap found in issue 13 is a test here.

- a `Parameters` is checked when built, and a huge number is a `ParameterError`, not an `OverflowError`;
- a `Parameters` is a complete set used as given; a mapping is overrides on the scenario and the
  assumption set; the other reading (and mixing the two) is refused;
- options after the first argument are keyword-only, in one order across the entry points;
- only the project's own errors (`model.ModelError`) count as user errors.
"""

import inspect
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import model
from model.analysis import compare, phaseplane, population, sensitivity, sweep, uncertainty
from model.engine import batch

MSC = model.MSCInfusion(day=30.0, dose=1.0)


def test_parameters_are_validated_when_built():
    with pytest.raises(model.ParameterError, match=r"`antigen_clearance` = 9 is outside its allowed range \[0.3, 2\]"):
        model.Parameters(antigen_clearance=9)
    with pytest.raises(model.ParameterError, match="treg_loop"):
        model.Parameters(treg_loop=float("nan"))
    assert model.Parameters(antigen_clearance=1).antigen_clearance == 1.0  # stored as a float


def test_a_huge_value_is_a_parameter_error_not_an_overflow():
    with pytest.raises(model.ParameterError, match=r"`ic_saturation` = 1000+\.\.\. is outside its allowed range"):
        model.Parameters().replace(ic_saturation=10**400)


def test_a_parameters_equal_to_the_defaults_is_used_as_given_not_lost_to_the_scenario():
    given = model.Parameters().replace(antigen_clearance=1.0)  # 1.0 is the default; active_sle has 0.6
    res = model.simulate(params=given, scenario="active_sle", days=5)
    assert res.params == given and res.params.antigen_clearance == 1.0
    assert res.assumptions == "as given"
    assert model.resolve_parameters("active_sle", params=given) is given


def test_a_mapping_is_overrides_on_top_of_scenario_and_assumption_set():
    res = model.simulate("active_sle", assumptions="durable_treg", params={"msc_half_life": 2.0}, days=5)
    assert res.params.antigen_clearance == model.SCENARIOS["active_sle"].overrides["antigen_clearance"]
    assert res.params.treg_loop == model.ASSUMPTION_SETS["durable_treg"].overrides["treg_loop"]
    assert res.params.msc_half_life == 2.0


def test_a_run_reproduces_from_its_own_resolved_parameters():
    first = model.simulate("active_sle", assumptions="durable_treg", interventions=[MSC], days=60)
    again = model.simulate("active_sle", params=first.params, interventions=[MSC], days=60)
    assert again.outcomes.summary() == first.outcomes.summary()


def test_a_parameters_with_an_assumption_set_is_refused():
    with pytest.raises(model.ParameterError, match="used as given"):
        model.simulate("active_sle", assumptions="durable_treg", params=model.Parameters(), days=5)
    with pytest.raises(model.ParameterError, match="used as given"):
        model.simulate_batch([model.Parameters()], assumptions="durable_treg", days=5)


def test_a_batch_reads_parameters_and_mappings_as_simulate_does():
    given = model.Parameters().replace(antigen_clearance=1.0)
    table = batch.resolve_batch([given, given.replace(treg_loop=0.2)], scenario="active_sle")
    assert table["antigen_clearance"].tolist() == [1.0, 1.0]
    assert table["treg_loop"].tolist() == [given.treg_loop, 0.2]
    overrides = batch.resolve_batch([{"treg_loop": 0.2}], scenario="active_sle", assumptions="durable_treg")
    assert overrides["antigen_clearance"].tolist() == [model.SCENARIOS["active_sle"].overrides["antigen_clearance"]]
    with pytest.raises(model.ParameterError, match="mixes"):
        batch.resolve_batch([given, {"treg_loop": 0.2}])


ENTRY_POINTS = [
    model.simulate,
    model.resolve_parameters,
    model.simulate_batch,
    batch.iter_batch,
    batch.resolve_batch,
    model.compare_assumptions,
    compare.tips,
    compare.tipping_window,
    uncertainty.ensemble,
    uncertainty.across_assumptions,
    uncertainty.ranges_around,
    uncertainty.sample_parameters,
    sensitivity.analyze,
    sensitivity.sobol,
    sensitivity.morris,
    sweep.run,
    sweep.estimate,
    sweep.plot,
    population.draw_population,
    phaseplane.attractor,
    phaseplane.state_range,
    phaseplane.vector_field,
    phaseplane.trajectories,
    phaseplane.steady_state_diagram,
    phaseplane.remission_map,
]


@pytest.mark.parametrize("function", ENTRY_POINTS, ids=lambda f: f"{f.__module__}.{f.__qualname__}")
def test_options_after_the_first_argument_are_keyword_only(function):
    """Only the first argument, and arguments without a default (the data: axes, a function), are positional."""
    options = list(inspect.signature(function).parameters.values())[1:]
    positional = [p.name for p in options if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is not p.empty]
    assert positional == []


def test_run_options_come_in_one_order_across_entry_points():
    order = ["scenario", "assumptions", "params", "interventions", "days"]
    entry_points = (model.simulate, model.simulate_batch, batch.iter_batch, uncertainty.ensemble, sensitivity.analyze)
    for function in entry_points:
        options = list(inspect.signature(function).parameters)[1:]
        names = [n for n in options if n in order]
        assert names == [n for n in order if n in names], function.__qualname__


def test_the_projects_errors_share_one_base_and_nothing_else_does():
    for error in (model.ParameterError, model.InterventionError, model.SimulationError, model.SpecError):
        assert issubclass(error, model.ModelError)
    assert not issubclass(ValueError, model.ModelError) and not issubclass(KeyError, model.ModelError)


def test_a_bad_knockout_is_a_model_error():
    with pytest.raises(model.ModelError, match="valid names are"):
        model.simulate(knockouts=["magic"], days=5)


def test_an_ensemble_table_of_overrides_still_resolves_on_the_scenario():
    table = pd.DataFrame({"treg_loop": [0.1, 0.2]})
    resolved = batch.resolve_batch(table, scenario="healthy")
    assert resolved["antigen_clearance"].tolist() == [1.4, 1.4]


def test_the_app_shows_only_model_errors_as_messages():
    from app_pages import widgets

    assert set(widgets.USER_ERRORS) == {model.ModelError}
    with pytest.raises(KeyError), widgets.user_errors():
        raise KeyError("a bug keeps its traceback")


def test_the_scipy_floor_covers_the_rng_argument_of_the_quasi_random_engines():
    """`scipy.stats.qmc` engines take `rng=` from SciPy 1.15 on (model/analysis/sampling.py)."""
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
    floors = {
        m["name"]: tuple(int(x) for x in m["version"].split("."))
        for m in (re.match(r"(?P<name>[\w-]+)>=(?P<version>[\d.]+)", d) for d in project["dependencies"])
        if m
    }
    assert floors["scipy"] >= (1, 15)


@pytest.mark.parametrize(
    "error",
    [
        "model.lessons.LessonError",
        "model.lessons.glossary.GlossaryError",
        "model.evidence.RegistryError",
        "model.classroom.ClassroomError",
    ],
)
def test_every_error_a_user_can_act_on_is_a_model_error(error):
    import importlib

    module, _, name = error.rpartition(".")
    assert issubclass(getattr(importlib.import_module(module), name), model.ModelError)
