"""Stand-ins that let `equations.rhs` evaluate many members at once quickly, and to the same bits.

`model.core.equations` is written for reading: plain arithmetic on parameters, states, inputs and
switches, which works on floats (one run) and on arrays of shape (N,) (many members) alike. The
engine hands it stand-ins instead of the plain objects when speed or bit-for-bit agreement
between the two paths matters:

* `switches(on)`: a mechanism that acts multiplies by `IDENTITY` instead of 1.0, which costs no
  array operation and changes no bit (x * 1.0 == x);
* `inputs(given)`: an input that is off is `ZERO`, a term that costs no array operation and
  changes no value (only the sign of a zero: x + -0.0 == x);
* `parameters(p)`: every parameter the equations raise a power to (found by probing `rhs`, see
  `EXPONENTS`) computes that power with numpy's general `power` loop, for floats and arrays alike.
  Python's `**` and numpy's shortcuts for some exponents (2 and 0.5: a square, a square root) can
  differ in the last bit from that loop, and the attractor search can turn on the last bit near a
  basin boundary, so a member must see the same powers alone (floats) as in a batch (arrays).
"""

from __future__ import annotations

import dataclasses
import types
from typing import Any

import numpy as np

from ..core.equations import STATE_NAMES, Inputs, Switches, rhs
from ..core.parameters import Parameters

__all__ = ["EXPONENTS", "IDENTITY", "ZERO", "NumpyExponent", "inputs", "parameters", "switches"]


class _Identity:
    """A factor that leaves the other factor as it is, array or float, without computing."""

    __array_ufunc__ = None  # numpy hands `array * IDENTITY` to `__rmul__`

    def __mul__(self, other: Any) -> Any:
        return other

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return "IDENTITY"


IDENTITY = _Identity()


class _Zero:
    """A term that is absent: adding it or multiplying by it takes no arithmetic (an input that is off)."""

    __array_ufunc__ = None  # numpy hands `array + ZERO` and `array * ZERO` to the methods below

    def __add__(self, other: Any) -> Any:
        return other

    __radd__ = __add__

    def __mul__(self, other: Any) -> Any:
        return self

    __rmul__ = __mul__

    def __neg__(self) -> Any:
        return self

    def __rsub__(self, other: Any) -> Any:
        return other

    def __repr__(self) -> str:
        return "ZERO"


ZERO = _Zero()


def _nothing(t: Any) -> Any:
    return ZERO


def switches(on: Switches) -> Any:
    """`on` for evaluating many members at once: acting mechanisms are `IDENTITY`, knocked-out ones 0.0."""
    values = {f.name: getattr(on, f.name) for f in dataclasses.fields(on)}
    return types.SimpleNamespace(**{k: IDENTITY if v == 1.0 else v for k, v in values.items()})


class _ArrayInputs:
    """`Inputs` whose absent parts are `ZERO`; every other attribute is the wrapped `Inputs`'s."""

    def __init__(self, given: Inputs) -> None:
        self._given = given
        if not (given.immunosuppression or given.reconstitution):
            self.blocked = _nothing
        if not given.depletion:
            self.depletion_rate = _nothing
        self.antigen_input = given.antigen_input or ZERO

    def __getattr__(self, name: str) -> Any:
        return getattr(self._given, name)


def inputs(given: Inputs) -> Any:
    """`given` for evaluating many members at once: an input that is off is `ZERO` (same values)."""
    return _ArrayInputs(given)


class NumpyExponent:
    """An exponent `n` with which ``x ** n`` is numpy's general `power` loop, x a float or an array.

    For an array x the shared exponent is given as a full array (numpy's shortcuts for a scalar
    exponent are skipped); for a float x, as a one-element array. Only powers are defined: a
    parameter used otherwise as well fails loudly rather than silently.
    """

    __array_ufunc__ = None  # numpy hands `array ** n` to `__rpow__`
    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value

    def __rpow__(self, x: Any) -> Any:
        if isinstance(x, np.ndarray):
            return np.power(x, np.full(x.shape, self.value))
        return float(np.power(np.array([x]), np.array([self.value], dtype=float))[0])

    def __repr__(self) -> str:
        return f"NumpyExponent({self.value!r})"


class _Probe(float):
    """A parameter value that records its name when the equations raise something to its power."""

    seen: set[str]

    def __new__(cls, value: float, name: str, seen: set[str]) -> _Probe:
        probe = super().__new__(cls, value)
        probe.name, probe.seen = name, seen  # type: ignore[attr-defined]
        return probe

    def __rpow__(self, x: Any) -> Any:  # type: ignore[override]
        self.seen.add(self.name)  # type: ignore[attr-defined]
        return float(x) ** float(self)


def _find_exponents() -> tuple[str, ...]:
    """The parameters `rhs` uses as exponents, found by evaluating it once with recording values."""
    seen: set[str] = set()
    probes = {k: _Probe(v, k, seen) for k, v in Parameters().as_dict().items()}
    rhs(1.0, [1.0] * len(STATE_NAMES), types.SimpleNamespace(**probes), Inputs(), Switches())
    return tuple(sorted(seen))


#: Parameters the equations raise a power to (the Hill exponent).
EXPONENTS: tuple[str, ...] = _find_exponents()


def parameters(p: Any) -> types.SimpleNamespace:
    """`p` (a `Parameters`, or a namespace of floats and arrays) with each shared exponent in
    `EXPONENTS` a `NumpyExponent`, so a member's powers have the same bits alone and in a batch.

    An exponent that varies between members is already an array: ``x ** array`` is numpy's
    general loop.
    """
    values = p.as_dict() if isinstance(p, Parameters) else dict(vars(p))
    for name in EXPONENTS:
        if not isinstance(values[name], np.ndarray | NumpyExponent):
            values[name] = NumpyExponent(float(values[name]))
    return types.SimpleNamespace(**values)
