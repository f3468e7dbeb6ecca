"""Parameters: one registry, validated changes, errors that name the field and range."""

import dataclasses
import math

import pytest

import model
from model.core.parameters import parameter_info


def test_registry_lists_every_field_with_metadata():
    fields = [f.name for f in dataclasses.fields(model.Parameters)]
    assert [p.name for p in model.PARAMETERS] == fields
    for info in model.PARAMETERS:
        assert info.low <= info.default <= info.high
        assert info.symbol and info.unit and info.description and info.provenance
        assert info.provenance.startswith(("order of magnitude", "illustrative"))


def test_defaults_match_registry():
    p = model.Parameters()
    assert all(getattr(p, info.name) == info.default for info in model.PARAMETERS)


def test_replace_validates_and_returns_a_new_frozen_copy():
    p = model.Parameters()
    q = p.replace(msc_half_life=2.0)
    assert q.msc_half_life == 2.0 and p.msc_half_life == 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.msc_half_life = 3.0  # type: ignore[misc]


@pytest.mark.parametrize("bad", [-1.0, 100.0, math.nan, math.inf, "fast", None, True])
def test_out_of_range_value_names_field_and_range(bad):
    with pytest.raises(model.ParameterError, match=r"`msc_half_life` .* allowed range \[0.25, 14\] \(day\)"):
        model.Parameters().replace(msc_half_life=bad)


def test_misspelt_name_suggests_the_nearest():
    with pytest.raises(model.ParameterError, match="Did you mean msc_half_life"):
        model.Parameters().replace(msc_halflife=1.0)
    with pytest.raises(model.ParameterError, match="Unknown parameter"):
        parameter_info("nonsense_xyz")


def test_scenario_and_assumption_overrides_are_inside_the_box():
    for item in [*model.SCENARIOS.values(), *model.ASSUMPTION_SETS.values()]:
        for name, value in item.overrides.items():
            info = parameter_info(name)
            assert info.low <= value <= info.high, (item.name, name)


def test_caller_overrides_win_over_scenario_and_assumptions():
    p = model.resolve_parameters("susceptible", assumptions="durable_treg", params={"antigen_clearance": 0.7})
    assert p.antigen_clearance == 0.7
    assert p.treg_loop == model.ASSUMPTION_SETS["durable_treg"].overrides["treg_loop"]
    q = model.resolve_parameters("susceptible", params={"msc_half_life": 2.0})
    assert q.antigen_clearance == model.SCENARIOS["susceptible"].overrides["antigen_clearance"]
    assert q.msc_half_life == 2.0


def test_at_least_three_named_alternatives_to_baseline_with_explanations():
    assert "baseline" in model.ASSUMPTION_SETS
    assert len(model.ASSUMPTION_SETS) >= 4
    for a in model.ASSUMPTION_SETS.values():
        assert len(a.explanation) > 40 and a.basis
