"""The model's own equations as sympy expressions: the one home of the maths, read symbolically.

Nothing here restates an equation. The right-hand side (`model.core.equations.rhs`), the
interventions' inputs and jumps and the toy activity index are *evaluated* with sympy symbols in
place of numbers, so an exported model (SBML, Antimony) follows every change to the equations.

* `rates()` gives d(state)/dt for each state, in terms of the parameter symbols, the switch
  symbols ``on_<mechanism>`` and one symbol per time-varying input that `rhs` reads from its
  `Inputs` (``blocked``, ``depletion_rate``, ``antigen_input``: whatever `rhs` asks for).
* `timeline(interventions)` cuts time into the segments the simulator integrates one by one and
  gives, per segment, each input as an expression of ``time`` (from the real `Inputs` methods)
  and, per event day, the state after the interventions' jumps (from their real `jump` methods).
* `formula(expr)` writes an expression in the SBML Level 3 text syntax (`libsbml.parseL3Formula`).

The only adapter is `Time`, the symbol for time: a comparison such as ``t >= start`` in an input
function gives 1 or 0 (as it does for numbers) instead of sympy's logical value.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import sympy as sp

from ..core.equations import MECHANISMS, STATE_NAMES, Inputs, rhs
from ..core.interventions import Intervention
from ..core.outcomes import activity_index
from ..core.parameters import PARAMETERS

__all__ = [
    "SWITCH_PREFIX",
    "TIME",
    "Rates",
    "Segment",
    "Time",
    "Timeline",
    "activity",
    "formula",
    "on_segment",
    "rates",
    "state_symbols",
    "timeline",
]

SWITCH_PREFIX = "on_"


class Time(sp.Symbol):
    """The symbol for time (days) whose comparisons with a number give 1 or 0, as a float's do.

    ``(t >= start) * size`` is how the input functions switch a course on; for a symbol the
    comparison becomes an indicator, ``Piecewise((1, t >= start), (0, True))``, which sympy
    decides at once wherever the comparison is known (see `on_segment`).
    """

    def _indicator(self, relation: Any) -> Any:
        return sp.Piecewise((sp.Integer(1), relation), (sp.Integer(0), True))

    def __ge__(self, other: Any) -> Any:
        return self._indicator(sp.Ge(self, other, evaluate=False))

    def __gt__(self, other: Any) -> Any:
        return self._indicator(sp.Gt(self, other, evaluate=False))

    def __le__(self, other: Any) -> Any:
        return self._indicator(sp.Le(self, other, evaluate=False))

    def __lt__(self, other: Any) -> Any:
        return self._indicator(sp.Lt(self, other, evaluate=False))


TIME = Time("time", real=True)


def state_symbols() -> dict[str, sp.Symbol]:
    """One non-negative symbol per state, named as in `STATE_NAMES`."""
    return {name: sp.Symbol(name, nonnegative=True) for name in STATE_NAMES}


def _parameter_symbols() -> SimpleNamespace:
    return SimpleNamespace(**{p.name: sp.Symbol(p.name, nonnegative=True) for p in PARAMETERS})


def _switch_symbols() -> SimpleNamespace:
    return SimpleNamespace(**{m.name: sp.Symbol(SWITCH_PREFIX + m.name, nonnegative=True) for m in MECHANISMS})


class _InputReader:
    """Stands in for `Inputs` in `rhs`: each input `rhs` reads becomes a symbol, and is recorded."""

    def __init__(self) -> None:
        self.used: dict[str, sp.Symbol] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or not hasattr(Inputs(), name):
            raise AttributeError(name)
        symbol = self.used.setdefault(name, sp.Symbol(name, real=True))
        return (lambda t: symbol) if callable(getattr(Inputs(), name)) else symbol


@dataclasses.dataclass(frozen=True)
class Rates:
    """d(state)/dt by state name, and the inputs (by `Inputs` attribute name) they read."""

    rates: dict[str, sp.Expr]
    inputs: tuple[str, ...]


@functools.cache
def rates() -> Rates:
    """The right-hand side of `model.core.equations.rhs`, evaluated on symbols (computed once)."""
    y = state_symbols()
    reader = _InputReader()
    values = rhs(TIME, list(y.values()), _parameter_symbols(), reader, _switch_symbols())  # type: ignore[arg-type]
    return Rates(dict(zip(STATE_NAMES, values, strict=True)), tuple(reader.used))


def activity() -> sp.Expr:
    """The toy activity index (`model.core.outcomes.activity_index`) in terms of the state symbols."""
    y = state_symbols()
    return activity_index(y["A"], y["Ci"], y["D"])


@dataclasses.dataclass(frozen=True)
class Segment:
    """A stretch of time from `start` (day) up to the next segment, with its inputs as expressions of time."""

    start: float
    inputs: dict[str, sp.Expr]


@dataclasses.dataclass(frozen=True)
class Timeline:
    """What interventions do, symbolically: segments with their inputs, and jumps on event days.

    `jumps[day]` maps each state that jumps on `day` to its value after the jump, an expression of
    the states just before it (all interventions acting that day, applied in order as
    `simulate` applies them).
    """

    segments: tuple[Segment, ...]
    jumps: dict[float, dict[str, sp.Expr]]


def on_segment(expr: Any, start: float) -> sp.Expr:
    """`expr` (a function of `TIME`) simplified for times from `start` on: comparisons with days up
    to `start` are decided (a course that started by then is on)."""
    after = sp.Symbol("after_start", nonnegative=True)
    return sp.sympify(sp.sympify(expr).subs(TIME, start + after).subs(after, TIME - start))


def _inputs_at(day: float, interventions: Sequence[Intervention]) -> Inputs:
    inputs = Inputs()
    for item in interventions:
        inputs = item.inputs(day, inputs)
    return inputs


def _jumps_at(day: float, interventions: Sequence[Intervention]) -> dict[str, sp.Expr]:
    before = np.array(list(state_symbols().values()), dtype=object)
    after = before
    for item in interventions:
        after = item.jump(day, after)
    return {name: sp.sympify(new) for name, old, new in zip(STATE_NAMES, before, after, strict=True) if new != old}


def timeline(interventions: Sequence[Intervention], inputs: Sequence[str]) -> Timeline:
    """The segments and jumps of `interventions`, for the inputs named in `inputs` (see `rates`)."""
    days = sorted({0.0, *(float(b) for item in interventions for b in item.breakpoints())})
    segments = []
    for start in days:
        held = _inputs_at(start, interventions)
        values = {}
        for name in inputs:
            value = getattr(held, name)
            values[name] = on_segment(value(TIME) if callable(value) else value, start)
        segments.append(Segment(start, values))
    jumps = {day: jump for day in days if (jump := _jumps_at(day, interventions))}
    return Timeline(tuple(segments), jumps)


_RELATIONS = {sp.Ge: ">=", sp.Gt: ">", sp.Le: "<=", sp.Lt: "<", sp.Eq: "==", sp.Ne: "!="}
_LOGIC = {sp.And: "&&", sp.Or: "||"}
_FUNCTIONS = {sp.Abs: "abs", sp.exp: "exp", sp.log: "ln", sp.Min: "min", sp.Max: "max"}


def _number(value: Any) -> str:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"cannot write the non-finite number {number!r} as an SBML formula")
    return f"({number!r})" if number < 0 else repr(number)


def formula(expr: Any) -> str:
    """`expr` in the SBML Level 3 text syntax, every operation bracketed, numbers to the last bit."""
    expr = sp.sympify(expr)
    if expr.is_Symbol:
        return expr.name
    if expr.is_Number:
        return _number(expr)
    if expr in (sp.true, sp.false):
        return "true" if expr == sp.true else "false"
    if isinstance(expr, sp.Piecewise):
        return _piecewise(expr)
    if isinstance(expr, sp.Add):
        return _sum(expr)
    if isinstance(expr, sp.Mul | sp.Pow):
        return _product(expr)
    args = [formula(arg) for arg in expr.args]
    if type(expr) in _RELATIONS:
        return f"({args[0]} {_RELATIONS[type(expr)]} {args[1]})"
    if type(expr) in _LOGIC:
        return "(" + f" {_LOGIC[type(expr)]} ".join(args) + ")"
    for kind, name in _FUNCTIONS.items():
        if isinstance(expr, kind):
            return f"{name}({', '.join(args)})"
    raise ValueError(f"no SBML formula for {type(expr).__name__}: {expr}")


def _negative(term: Any) -> bool:
    return bool(term.as_coeff_Mul()[0].is_negative)


def _sum(expr: sp.Add) -> str:
    """a + b - c: a term with a negative coefficient is subtracted."""
    text = ""
    for term in sorted(expr.as_ordered_terms(), key=_negative):
        negative = _negative(term)
        part = formula(-term if negative else term)
        text = part if not text and not negative else f"{text} {'-' if negative else '+'} {part}".strip()
    return f"({text})"


def _below(factor: Any) -> bool:
    """Whether a factor is a negative numeric power, written below a division line."""
    return isinstance(factor, sp.Pow) and factor.exp.is_Number and factor.exp < 0


def _product(expr: Any) -> str:
    """c * a * b / (d * e): factors with a negative numeric power go below the line."""
    if isinstance(expr, sp.Pow) and not _below(expr):
        return f"({formula(expr.base)} ^ {formula(expr.exp)})"
    coefficient, factors = expr.as_coeff_mul()
    if coefficient.is_negative:
        return f"(- {_product(-expr)})"
    above = [formula(f) for f in factors if not _below(f)]
    below = [formula(f.base if float(f.exp) == -1.0 else sp.Pow(f.base, -f.exp)) for f in factors if _below(f)]
    if coefficient != 1 or not above:
        above.insert(0, _number(coefficient))
    text = " * ".join(above)
    if below:
        text += " / " + (below[0] if len(below) == 1 else f"({' * '.join(below)})")
    return f"({text})"


def _piecewise(expr: sp.Piecewise) -> str:
    parts: list[str] = []
    for value, condition in expr.args:
        if condition == sp.true:
            return f"piecewise({', '.join([*parts, formula(value)])})"
        parts += [formula(value), formula(condition)]
    return f"piecewise({', '.join(parts)})"
