"""SBML Level 3 Version 2 and Antimony export of one run's model (illustrative, not predictive).

The document holds everything `simulate` uses and nothing retyped:

* one species per state (amounts in a.u., a compartment of size 1), its initial amount the state
  `simulate` starts from (the scenario's attractor, or `initial`), its rate a rate rule whose
  maths comes from `model.core.equations.rhs` evaluated on symbols (`model.export.symbolic`);
* every parameter with its value, SBML unit, and notes and an annotation giving its description,
  unit as written in the model, plausible range and provenance; one ``on_<mechanism>`` switch per
  mechanism (0 where knocked out);
* the time-varying inputs of interventions as assignment rules, piecewise over the integration
  segments (``segment`` counts them), and the jumps as events on their days;
* the toy activity index as an assignment rule, and the disclaimer in the model's notes.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import sympy as sp

from ..core.disclaimer import DISCLAIMER, tagged
from ..core.equations import MECHANISMS, STATE_INFO, Switches
from ..core.interventions import Intervention
from ..core.parameters import PARAMETERS, Parameters
from ..core.scenarios import AssumptionSet, Scenario
from ..engine.simulate import simulate
from . import symbolic

__all__ = ["ANNOTATION_NS", "SEGMENT", "input_units", "sbml_unit", "to_antimony", "to_sbml"]

#: Namespace of the project's own annotations (parameter metadata, the run that was exported).
ANNOTATION_NS = "https://sle-immunomod.invalid/sbml-annotation/1"
#: Id of the parameter that counts integration segments (changed only by events).
SEGMENT = "segment"
ACTIVITY = "activity"
COMPARTMENT = "body"

_DAY, _PER_DAY, _NONE = "day", "per_day", "dimensionless"
#: Units and meaning of the time-varying inputs `rhs` reads (see `model.core.equations.Inputs`).
_INPUTS: dict[str, tuple[str, str]] = {
    "blocked": (_NONE, "fraction (0..1) of lymphocyte proliferation blocked (drugs, reconstitution after a reset)"),
    "depletion_rate": (_PER_DAY, "B-cell kill rate of depleting courses (1/day)"),
    "antigen_input": (_PER_DAY, "extra self-antigen supply from a trigger (a.u./day)"),
}


def sbml_unit(unit: str) -> str:
    """The SBML unit id of a model unit string: a.u. is dimensionless, time is in days.

    "a.u./day" and "1/(a.u. day)" are per_day, "day" is day, "a.u.^2" and "1" are dimensionless.
    An unknown token raises `ValueError`, so a new unit is never mislabelled.
    """
    numerator, _, denominator = unit.partition("/")
    for token in unit.replace("(", " ").replace(")", " ").replace("/", " ").split():
        if token not in {"a.u.", "a.u.^2", "1", "day", "days"}:
            raise ValueError(f"unit {unit!r}: no SBML unit for {token!r}")
    power = ("day" in numerator) - ("day" in denominator)
    return {0: _NONE, 1: _DAY, -1: _PER_DAY}[power]


def input_units(name: str) -> str:
    """The SBML unit id of a time-varying input (dimensionless when not listed)."""
    return _INPUTS.get(name, (_NONE, ""))[0]


def _libsbml() -> Any:
    try:
        import libsbml
    except ImportError:  # pragma: no cover - python-libsbml is a dependency
        raise ImportError("SBML export needs python-libsbml: pip install python-libsbml") from None
    return libsbml


def _notes(*paragraphs: str) -> str:
    body = "".join(f"<p>{html.escape(text)}</p>" for text in paragraphs)
    return f'<body xmlns="http://www.w3.org/1999/xhtml">{body}</body>'


def _annotation(tag: str, **attributes: str) -> str:
    attrs = " ".join(f'{key}="{html.escape(str(value), quote=True)}"' for key, value in attributes.items())
    return f'<annotation><sle:{tag} xmlns:sle="{ANNOTATION_NS}" {attrs}/></annotation>'


class _Builder:
    """Adds elements to a libsbml model, turning every failure code into an exception."""

    def __init__(self, libsbml: Any, model: Any) -> None:
        self.libsbml = libsbml
        self.model = model

    def check(self, code: int, what: str) -> None:
        if code != self.libsbml.LIBSBML_OPERATION_SUCCESS:
            raise RuntimeError(f"SBML export: {what}: {self.libsbml.OperationReturnValue_toString(code)}")

    def math(self, expr: Any) -> Any:
        text = symbolic.formula(expr)
        ast = self.libsbml.parseL3Formula(text)
        if ast is None:
            raise RuntimeError(f"SBML export: cannot parse {text!r}: {self.libsbml.getLastParseL3Error()}")
        return ast

    def unit(self, uid: str, exponent: float) -> None:
        definition = self.model.createUnitDefinition()
        self.check(definition.setId(uid), uid)
        unit = definition.createUnit()
        unit.setKind(self.libsbml.UNIT_KIND_SECOND)
        unit.setExponent(exponent)
        unit.setScale(0)
        unit.setMultiplier(86_400.0)

    def parameter(self, pid: str, value: float, units: str, *, constant: bool = True) -> Any:
        parameter = self.model.createParameter()
        self.check(parameter.setId(pid), pid)
        parameter.setValue(float(value))
        parameter.setUnits(units)
        parameter.setConstant(constant)
        return parameter

    def rule(self, kind: str, variable: str, expr: Any) -> None:
        rule = self.model.createRateRule() if kind == "rate" else self.model.createAssignmentRule()
        rule.setVariable(variable)
        self.check(rule.setMath(self.math(expr)), f"{kind} rule of {variable}")

    def event(self, eid: str, day: float, assignments: Mapping[str, Any]) -> None:
        event = self.model.createEvent()
        self.check(event.setId(eid), eid)
        event.setUseValuesFromTriggerTime(True)
        trigger = event.createTrigger()
        trigger.setInitialValue(False)
        trigger.setPersistent(True)
        self.check(trigger.setMath(self.math(sp.Ge(symbolic.TIME, day, evaluate=False))), f"trigger of {eid}")
        for variable, expr in assignments.items():
            assignment = event.createEventAssignment()
            assignment.setVariable(variable)
            self.check(assignment.setMath(self.math(expr)), f"{eid}: {variable}")


def _event_id(segment: int, day: float) -> str:
    """`segment_3_day_30`: unique by segment, readable by day."""
    return f"segment_{segment}_day_" + f"{day:g}".replace(".", "_").replace("-", "m").replace("+", "")


def _piecewise_over_segments(values: Sequence[Any]) -> Any:
    """One expression from one value per segment (the same value needs no piecewise)."""
    if all(value == values[0] for value in values):
        return values[0]
    segment = sp.Symbol(SEGMENT)
    pieces = [(value, sp.Eq(segment, k, evaluate=False)) for k, value in enumerate(values[:-1])]
    return sp.Piecewise(*pieces, (values[-1], True))


def _run_notes(result: Any, days: float) -> tuple[str, ...]:
    return (
        DISCLAIMER,
        f"Exported by sle-immunomod {_version()}: {result.describe()}.",
        f"Time in days; amounts in arbitrary units (a.u.). Simulate from day 0 to day {days:g} to "
        "reproduce `sle-immunomod simulate` with the same options.",
        "Starting state: the scenario's attractor (or the given initial state), as `simulate` starts from "
        "it, after the jumps of interventions on day 0 if any.",
        "Interventions: jumps in the state are events on their days; time-varying inputs (blocked, "
        "depletion_rate, antigen_input) are assignment rules that change with `segment`, which each "
        "event advances.",
    )


def _start(result: Any) -> Any:
    """The state the run integrates from on day 0: after any jumps on day 0 (the last day-0 row of `Result`)."""
    return result.y[int(np.flatnonzero(result.t == result.t[0])[-1])]


def _version() -> str:
    from .. import __version__

    return __version__


def _add_parameters(build: _Builder, params: Parameters, on: Switches) -> None:
    for info in PARAMETERS:
        parameter = build.parameter(info.name, getattr(params, info.name), sbml_unit(info.unit))
        parameter.setName(info.description)
        parameter.setNotes(
            _notes(
                info.description,
                f"Unit: {info.unit}. Plausible range: [{info.low:g}, {info.high:g}]; default {info.default:g}.",
                f"Provenance: {info.provenance}.",
            )
        )
        parameter.setAnnotation(
            _annotation(
                "parameter",
                unit=info.unit,
                low=repr(info.low),
                high=repr(info.high),
                default=repr(info.default),
                provenance=info.provenance,
            )
        )
    for mechanism in MECHANISMS:
        switch = build.parameter(symbolic.SWITCH_PREFIX + mechanism.name, getattr(on, mechanism.name), _NONE)
        switch.setNotes(_notes(f"1 = acts, 0 = knocked out. {mechanism.explanation}"))


def _add_states(build: _Builder, start: Sequence[float], rates: Mapping[str, Any]) -> None:
    compartment = build.model.createCompartment()
    compartment.setId(COMPARTMENT)
    compartment.setSize(1.0)
    compartment.setConstant(True)
    compartment.setUnits(_NONE)
    for info, amount in zip(STATE_INFO, start, strict=True):
        species = build.model.createSpecies()
        build.check(species.setId(info.name), info.name)
        species.setName(info.label)
        species.setCompartment(COMPARTMENT)
        species.setInitialAmount(float(amount))
        species.setSubstanceUnits(_NONE)
        species.setHasOnlySubstanceUnits(True)
        species.setBoundaryCondition(False)
        species.setConstant(False)
        species.setNotes(_notes(f"{info.description} (a.u.)"))
        build.rule("rate", info.name, rates[info.name])


def _add_interventions(build: _Builder, interventions: Sequence[Intervention], inputs: Sequence[str]) -> None:
    timeline = symbolic.timeline(interventions, inputs)
    segment = build.parameter(SEGMENT, 0, _NONE, constant=False)
    segment.setNotes(_notes("Index of the current integration segment (0 before the first event); set by events."))
    for name in inputs:
        units, meaning = _INPUTS.get(name, (_NONE, name))
        build.parameter(name, 0.0, units, constant=False).setNotes(_notes(f"Input from interventions: {meaning}."))
        build.rule("assignment", name, _piecewise_over_segments([s.inputs[name] for s in timeline.segments]))
    for k, seg in enumerate(timeline.segments[1:], start=1):
        assignments = {**timeline.jumps.get(seg.start, {}), SEGMENT: sp.Integer(k)}
        build.event(_event_id(k, seg.start), seg.start, assignments)


def _document(result: Any, days: float) -> Any:
    libsbml = _libsbml()
    document = libsbml.SBMLDocument(3, 2)
    model = document.createModel()
    model.setId(f"sle_immunomod_{result.scenario}")
    model.setName(tagged(f"sle-immunomod toy SLE model: {result.describe()}"))
    model.setNotes(_notes(*_run_notes(result, days)))
    model.setAnnotation(
        _annotation(
            "run",
            version=_version(),
            scenario=result.scenario,
            assumptions=result.assumptions,
            run=result.describe(),
            days=f"{days:g}",
            disclaimer=DISCLAIMER,
        )
    )
    build = _Builder(libsbml, model)
    build.unit(_DAY, 1)
    build.unit(_PER_DAY, -1)
    for attribute in ("setTimeUnits", "setSubstanceUnits", "setExtentUnits", "setVolumeUnits"):
        getattr(model, attribute)(_DAY if attribute == "setTimeUnits" else _NONE)
    equations = symbolic.rates()
    _add_parameters(build, result.params, Switches.without(result.knockouts))
    _add_states(build, _start(result), equations.rates)
    _add_interventions(build, result.interventions, equations.inputs)
    build.parameter(ACTIVITY, 0.0, _NONE, constant=False).setNotes(
        _notes("Toy lupus activity index (dimensionless; not SLEDAI): mean of A, Ci and D over reference levels.")
    )
    build.rule("assignment", ACTIVITY, symbolic.activity())
    return document


def to_sbml(
    scenario: str | Scenario = "active_sle",
    assumptions: str | AssumptionSet | None = None,
    params: Parameters | Mapping[str, float] | None = None,
    interventions: Sequence[Intervention] = (),
    *,
    knockouts: Sequence[str] = (),
    initial: Mapping[str, float] | None = None,
    days: float = 365.0,
) -> str:
    """The model of one run as an SBML Level 3 Version 2 document (XML text).

    Takes the options of `model.simulate` and exports what it would integrate: the resolved
    parameters, the state it starts from, the equations, the interventions (events and
    time-dependent inputs) and the disclaimer. `days` is only recorded (SBML has no run length);
    it is checked as `simulate` checks it, with the interventions' days. Bad input raises the
    errors `simulate` raises (`ParameterError`, `InterventionError`), naming the field.
    Illustrative, not predictive, not medical advice.
    """
    result = simulate(
        scenario,
        assumptions=assumptions,
        params=params,
        interventions=tuple(interventions),
        days=days,
        knockouts=tuple(knockouts),
        initial=initial,
    )
    return _libsbml().writeSBMLToString(_document(result, float(days)))


def to_antimony(
    scenario: str | Scenario = "active_sle",
    assumptions: str | AssumptionSet | None = None,
    params: Parameters | Mapping[str, float] | None = None,
    interventions: Sequence[Intervention] = (),
    *,
    knockouts: Sequence[str] = (),
    initial: Mapping[str, float] | None = None,
    days: float = 365.0,
) -> str:
    """The same model as `to_sbml`, as Antimony text (translated by the antimony package)."""
    try:
        import antimony
    except ImportError:  # pragma: no cover - antimony is a dependency
        raise ImportError("Antimony export needs the antimony package: pip install antimony") from None
    sbml = to_sbml(scenario, assumptions, params, interventions, knockouts=knockouts, initial=initial, days=days)
    antimony.clearPreviousLoads()
    if antimony.loadSBMLString(sbml) < 0:
        raise RuntimeError(f"Antimony could not read the exported SBML: {antimony.getLastError()}")
    text = antimony.getAntimonyString(antimony.getMainModuleName())
    return f"// {DISCLAIMER}\n{text}"
