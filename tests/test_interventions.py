"""Interventions: validated when built, round-trip through text and dicts, act when they say."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import model
from model.core.equations import Inputs
from model.core.interventions import intervention_from_dict

EXAMPLES = [
    model.MSCInfusion(day=30, dose=1.5, repeat_every=7, count=3),
    model.HSCTReset(day=60),
    model.Immunosuppression(start=10, stop=100, strength=0.5),
    model.BCellDepletion(day=20),
    model.AntigenTrigger(day=5, size=20, duration=7),
]


@pytest.mark.parametrize("item", EXAMPLES, ids=lambda i: i.kind)
def test_text_and_dict_forms_round_trip(item):
    assert model.parse_intervention(model.format_intervention(item)) == item
    assert intervention_from_dict(item.to_dict()) == item
    assert item.describe()


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: model.MSCInfusion(day=-1), "day"),
        (lambda: model.MSCInfusion(day=1, dose=50), "dose"),
        (lambda: model.MSCInfusion(day=1, count=3), "repeat_every"),
        (lambda: model.MSCInfusion(day=1, count=0), "count"),
        (lambda: model.Immunosuppression(start=50, stop=10), "stop"),
        (lambda: model.Immunosuppression(start=0, stop=10, strength=1.5), "strength"),
        (lambda: model.HSCTReset(day=1, lymphocyte_survival=2), "lymphocyte_survival"),
        (lambda: model.BCellDepletion(day=1, kill_rate=-1), "kill_rate"),
        (lambda: model.AntigenTrigger(day=1, size=float("nan")), "size"),
    ],
)
def test_bad_field_is_named_in_the_error(build, field):
    with pytest.raises(model.InterventionError, match=f"`{field}`"):
        build()


@pytest.mark.parametrize("spec", ["pill:day=3", "msc:day", "msc:day=abc", "msc:day=3,colour=2"])
def test_bad_text_form_is_refused_clearly(spec):
    with pytest.raises(model.InterventionError):
        model.parse_intervention(spec)


def test_repeated_infusions_jump_on_each_day():
    item = EXAMPLES[0]
    assert item.breakpoints() == (30.0, 37.0, 44.0)
    res = model.simulate("active_sle", interventions=[item], days=60)
    for day in item.breakpoints():
        before, after = res["M"][res.t == day]
        assert after - before == pytest.approx(1.5)


def test_overlapping_immunosuppression_combines_as_independent_blocks():
    inputs = Inputs()
    for course in (model.Immunosuppression(0, 10, 0.5), model.Immunosuppression(5, 20, 0.5)):
        inputs = course.inputs(6.0, inputs)
    assert inputs.immunosuppression == pytest.approx(0.75)


def test_depletion_kill_rate_halves_with_the_drug_half_life():
    inputs = model.BCellDepletion(day=10, kill_rate=2.0, drug_half_life=20).inputs(10.0, Inputs())
    assert inputs.depletion_rate(10.0) == pytest.approx(2.0)
    assert inputs.depletion_rate(30.0) == pytest.approx(1.0)
    assert inputs.depletion_rate(5.0) == 0.0


def test_antigen_trigger_delivers_its_size_over_its_duration():
    res = model.simulate("healthy", interventions=[model.AntigenTrigger(day=10, size=20, duration=5)], days=30)
    extra = res.contributions("G")["antigen_trigger"].to_numpy()
    assert np.trapezoid(extra, res.t) == pytest.approx(20, rel=0.1)


def test_instant_trigger_is_a_jump_in_antigen():
    res = model.simulate("healthy", interventions=[model.AntigenTrigger(day=10, size=5, duration=0)], days=20)
    before, after = res["G"][res.t == 10]
    assert after - before == pytest.approx(5)


_course = st.tuples(st.floats(0, 100), st.floats(0, 0.99), st.floats(1, 730))


@given(
    strength=st.floats(0, 0.95),
    courses=st.lists(_course, max_size=4),
    t=st.floats(0, 1000),
)
def test_overlapping_blocks_on_proliferation_never_block_more_than_all_of_it(strength, courses, t) -> None:
    """A reset, a CAR-T lymphodepletion and a drug at once: each block acts on what the others leave."""
    blocked = Inputs(immunosuppression=strength, reconstitution=tuple(courses)).blocked(t)
    assert 0.0 <= blocked <= 1.0
    assert blocked >= strength - 1e-12
