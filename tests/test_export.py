"""SBML and Antimony export (`model.export`), checked by libsbml and by simulating the file in libRoadRunner.

Illustrative, not predictive: the tests say the exported model *is the same model*, not that it is right.
"""

from __future__ import annotations

import html
import math
import subprocess
import sys

import hypothesis.strategies as st
import libsbml
import numpy as np
import pytest
import roadrunner
from hypothesis import given, settings

import model
from model.core.equations import MECHANISMS, STATE_NAMES, Inputs, Switches, rhs
from model.core.interventions import INTERVENTION_TYPES, CARTCellTherapy
from model.export import to_antimony, to_sbml
from model.export.sbml import sbml_unit
from model.export.symbolic import TIME, formula, on_segment

roadrunner.Config.setValue(roadrunner.Config.LLJIT_OPTIMIZATION_LEVEL, roadrunner.Config.NONE)

RTOL, FLOOR = 1e-3, 1e-5

#: One example of every intervention kind, acting within the first year.
EXAMPLES: dict[str, model.Intervention] = {
    "msc": model.MSCInfusion(day=30, dose=1.0),
    "hsct": model.HSCTReset(day=30),
    "immunosuppression": model.Immunosuppression(start=30, stop=210, strength=0.6),
    "bcell_depletion": model.BCellDepletion(day=30),
    "antigen": model.AntigenTrigger(day=30, size=40, duration=14),
    "cart": CARTCellTherapy(day=30),
}
CASES = {"untreated": (), **{kind: (item,) for kind, item in EXAMPLES.items()}}


def load(xml: str) -> roadrunner.RoadRunner:
    """The exported model in libRoadRunner, CVODE with tight tolerances."""
    rr = roadrunner.RoadRunner(xml)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    rr.integrator.maximum_num_steps = 200_000
    return rr


def roadrunner_course(xml: str, days: np.ndarray) -> np.ndarray:
    """States (rows: `days`, columns: STATE_NAMES, then activity) of the exported model from day 0."""
    rr = load(xml)
    rr.timeCourseSelections = ["time", *STATE_NAMES, "activity"]
    return np.array(rr.simulate(times=[0.0, *days[days > 0]]))[:, 1:]


def simulate_course(result: model.Result) -> tuple[np.ndarray, np.ndarray]:
    """`simulate`'s days (each once; after the jump where a day appears twice) and states with activity."""
    last = np.r_[np.diff(result.t) > 0, True]
    return result.t[last], np.column_stack([result.y, result.outcomes.activity])[last]


def assert_same_course(rr: np.ndarray, sim: np.ndarray, what: str) -> None:
    allowed = np.maximum(RTOL * np.abs(sim), FLOOR)
    excess = np.abs(rr - sim) / allowed
    if excess.max() > 1.0:
        row, col = np.unravel_index(excess.argmax(), excess.shape)
        name = [*STATE_NAMES, "activity"][col]
        pytest.fail(f"{what}: {name} at row {row}: roadrunner {rr[row, col]:.6g}, simulate {sim[row, col]:.6g}")


def check_against_simulate(scenario: str, assumptions: str, interventions=(), days: float = 365, **options) -> None:
    result = model.simulate(scenario, assumptions=assumptions, interventions=interventions, days=days, **options)
    xml = to_sbml(scenario, assumptions, None, interventions, days=days, **options)
    when, sim = simulate_course(result)
    assert_same_course(roadrunner_course(xml, when), sim, f"{scenario}/{assumptions}/{result.describe()}")


def consistency_errors(xml: str) -> list[str]:
    document = libsbml.readSBMLFromString(xml)
    document.checkConsistency()
    errors = [document.getError(i) for i in range(document.getNumErrors())]
    return [f"{e.getErrorId()}: {e.getMessage()}" for e in errors if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR]


def test_every_intervention_kind_has_an_export_example():
    assert set(EXAMPLES) == set(INTERVENTION_TYPES)


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("assumptions", list(model.ASSUMPTION_SETS))
@pytest.mark.parametrize("scenario", list(model.SCENARIOS))
def test_roadrunner_runs_the_exported_model_as_simulate_does(scenario, assumptions, case):
    check_against_simulate(scenario, assumptions, CASES[case])


def test_repeated_infusions_from_day_zero_and_combined_courses_match_simulate():
    courses = (
        model.MSCInfusion(day=0, dose=2.0, repeat_every=45, count=4),
        model.Immunosuppression(start=20, stop=120, strength=0.5),
        model.Immunosuppression(start=60, stop=200, strength=0.3),
        model.BCellDepletion(day=40),
        model.BCellDepletion(day=100, kill_rate=1.0, drug_half_life=10),
        model.HSCTReset(day=150),
        model.AntigenTrigger(day=250, size=30, duration=0),
        CARTCellTherapy(day=300, target="BCMA-CD19"),
    )
    check_against_simulate("active_sle", "durable_treg", courses, days=400)


def test_knockouts_and_a_given_start_are_exported():
    check_against_simulate(
        "susceptible",
        "licensing_required",
        (model.MSCInfusion(day=10),),
        days=200,
        knockouts=("treg_self_induction", "damage_antigen_release"),
        initial={"G": 6.0, "E": 1.0},
    )


@pytest.mark.parametrize(
    "interventions",
    [(), tuple(EXAMPLES.values()), (model.AntigenTrigger(day=0, size=5, duration=0),)],
    ids=["untreated", "every kind", "jump on day 0"],
)
def test_libsbml_finds_no_errors_in_the_export(interventions):
    xml = to_sbml("active_sle", "baseline", {"treg_loop": 0.2}, interventions, knockouts=("msc_licensing",))
    assert xml.startswith("<?xml")
    document = libsbml.readSBMLFromString(xml)
    assert (document.getLevel(), document.getVersion()) == (3, 2)
    assert consistency_errors(xml) == []


def test_every_parameter_carries_its_value_unit_provenance_and_the_disclaimer():
    params = model.resolve_parameters("active_sle", assumptions="durable_treg")
    sbml_model = libsbml.readSBMLFromString(to_sbml("active_sle", "durable_treg")).getModel()
    assert model.DISCLAIMER in sbml_model.getNotesString()
    assert model.DISCLAIMER in sbml_model.getAnnotationString()
    for info in model.PARAMETERS:
        parameter = sbml_model.getParameter(info.name)
        assert parameter.getValue() == getattr(params, info.name)
        assert parameter.getUnits() == sbml_unit(info.unit)
        assert html.escape(f"Provenance: {info.provenance}.", quote=False) in parameter.getNotesString()
        assert html.escape(f"Unit: {info.unit}.", quote=False) in parameter.getNotesString()
        metadata = parameter.getAnnotation().getChild(0)
        assert (metadata.getAttrValue("unit"), metadata.getAttrValue("provenance")) == (info.unit, info.provenance)
    for mechanism in MECHANISMS:
        assert sbml_model.getParameter(f"on_{mechanism.name}").getValue() == 1.0


def test_the_start_is_the_state_simulate_starts_from():
    result = model.simulate("healthy", assumptions="transient_only", days=10)
    sbml_model = libsbml.readSBMLFromString(to_sbml("healthy", "transient_only", days=10)).getModel()
    start = [sbml_model.getSpecies(name).getInitialAmount() for name in STATE_NAMES]
    np.testing.assert_allclose(start, result.y[0], rtol=1e-14, atol=0)  # libsbml writes 15 significant digits


def test_interventions_are_events_and_time_dependent_inputs():
    xml = to_sbml("active_sle", "baseline", None, [EXAMPLES["msc"], EXAMPLES["bcell_depletion"]])
    sbml_model = libsbml.readSBMLFromString(xml).getModel()
    event = sbml_model.getEvent("segment_1_day_30")
    assert {a.getVariable() for a in event.getListOfEventAssignments()} == {"M", "segment"}
    assert libsbml.formulaToL3String(event.getEventAssignment("M").getMath()) == "M + 1"
    depletion = libsbml.formulaToL3String(sbml_model.getAssignmentRuleByVariable("depletion_rate").getMath())
    assert "piecewise" in depletion and "time" in depletion


@settings(max_examples=25, deadline=None)
@given(
    state=st.lists(st.floats(0.0, 20.0), min_size=len(STATE_NAMES), max_size=len(STATE_NAMES)),
    shares=st.lists(st.floats(0.0, 1.0), min_size=len(model.PARAMETERS), max_size=len(model.PARAMETERS)),
    knocked=st.sets(st.sampled_from([m.name for m in MECHANISMS])),
)
def test_exported_rates_equal_the_right_hand_side_anywhere_in_the_parameter_box(rate_model, state, shares, knocked):
    values = {p.name: p.low + share * (p.high - p.low) for p, share in zip(model.PARAMETERS, shares, strict=True)}
    on = Switches.without(sorted(knocked))
    settings_ = {**dict(zip(STATE_NAMES, state, strict=True)), **values}
    settings_.update({f"on_{m.name}": getattr(on, m.name) for m in MECHANISMS})
    for name, value in settings_.items():
        rate_model.setValue(name, value)
    got = dict(zip(rate_model.model.getFloatingSpeciesIds(), rate_model.getRatesOfChange(), strict=True))
    want = rhs(0.0, state, model.Parameters(**values), Inputs(), on)
    for name, expected in zip(STATE_NAMES, want, strict=True):
        assert math.isclose(got[name], expected, rel_tol=1e-9, abs_tol=1e-12), name


@pytest.fixture(scope="module")
def rate_model() -> roadrunner.RoadRunner:
    return load(to_sbml("active_sle", "baseline"))


def test_time_comparisons_in_input_functions_become_indicators_decided_on_their_segment():
    step = 2.0 * (TIME >= 30.0)
    assert formula(step) == "(2.0 * piecewise(1.0, (time >= 30.0), 0.0))"
    assert on_segment(step, 30.0) == 2.0
    assert on_segment(Inputs(depletion=((30.0, 3.0, 21.0),)).depletion_rate(TIME), 45.0).free_symbols == {TIME}


def test_antimony_text_is_the_same_model():
    text = to_antimony("active_sle", "baseline", None, [EXAMPLES["hsct"]])
    assert text.startswith(f"// {model.DISCLAIMER}")
    assert "E' =" in text and "at time >= 30" in text


def test_cli_writes_an_sbml_file_that_libsbml_accepts(tmp_path):
    out = tmp_path / "model.xml"
    command = [sys.executable, "-m", "model", "export", "--format", "sbml", "--out", str(out)]
    done = subprocess.run(
        [*command, "--intervention", "msc:day=30", "--assumptions", "durable_treg", "--set", "treg_loop=0.3"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert model.DISCLAIMER in done.stdout and f"wrote {out}" in done.stdout
    assert consistency_errors(out.read_text()) == []
    sbml_model = libsbml.readSBMLFromString(out.read_text()).getModel()
    assert sbml_model.getParameter("treg_loop").getValue() == 0.3


def test_cli_refuses_a_bad_value_in_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "model.ant"
    command = [sys.executable, "-m", "model", "export", "--format", "antimony", "--out", str(out)]
    done = subprocess.run([*command, "--set", "treg_loop=9"], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "treg_loop" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_export_is_reachable_from_the_package_as_the_issue_names_it():
    assert model.export.to_sbml is to_sbml and model.export.to_antimony is to_antimony
