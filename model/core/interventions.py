"""Interventions: small immutable objects that say *when* they act and *how*.

An intervention acts either as a **jump** in the state at its event times (an MSC infusion adds
cells, an HSCT-like reset removes lymphocytes) or as a **time-varying input** over a window
(immunosuppression blocks proliferation, a B-cell depleting drug kills B cells while it lasts, an
antigen trigger adds self-antigen). The simulator integrates piecewise between the event times
(`breakpoints`), applying jumps at the start of a segment and asking every intervention for the
inputs that hold during it.

Every value is checked when the object is built; a bad one raises `InterventionError` naming the
field and its allowed range.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar

import numpy as np

from .equations import STATE_NAMES, Inputs

__all__ = [
    "AntigenTrigger",
    "BCellDepletion",
    "HSCTReset",
    "Immunosuppression",
    "Intervention",
    "InterventionError",
    "MSCInfusion",
    "format_intervention",
    "intervention_from_dict",
    "parse_intervention",
]

_IDX = {name: i for i, name in enumerate(STATE_NAMES)}
MAX_DAY = 36_500.0


class InterventionError(ValueError):
    """An intervention field outside its allowed range; the message names the field."""


def _require(cls_name: str, field: str, value: Any, low: float, high: float, unit: str = "") -> None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or not low <= number <= high:
        errormsg = f"{cls_name}: `{field}` = {value!r} is outside its allowed range [{low:g}, {high:g}]{unit}"
        raise InterventionError(errormsg)


@dataclasses.dataclass(frozen=True)
class Intervention:
    """Base class: no jumps, no inputs. Subclasses override what they need."""

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""

    def breakpoints(self) -> tuple[float, ...]:
        """Days at which the integration must stop and restart (jumps, input on/off)."""
        return ()

    def first_day(self) -> float:
        """The day the intervention starts acting."""
        return min(self.breakpoints())

    def jump(self, day: float, y: np.ndarray) -> np.ndarray:
        """The state just after this intervention's jump on `day` (unchanged if none)."""
        return y

    def jumps_on(self, day: float) -> bool:
        """Whether this intervention makes the state jump on `day`."""
        return False

    def inputs(self, day: float, inputs: Inputs) -> Inputs:
        """The inputs that hold during the segment starting on `day`, given those of the others."""
        return inputs

    def describe(self) -> str:
        """One plain-language sentence for plots, tables and the CLI."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (with `kind`) that `intervention_from_dict` turns back into this object."""
        return {"kind": self.kind, **dataclasses.asdict(self)}


@dataclasses.dataclass(frozen=True)
class MSCInfusion(Intervention):
    """Intravenous infusion of mesenchymal stromal cells: a jump of `dose` in M on each infusion day.

    `dose` is in a.u. where 1.0 stands for a typical clinical dose (about 1 million cells per kg
    body weight in the published Chinese series). With `count` > 1 the infusion is repeated every
    `repeat_every` days.
    """

    day: float
    dose: float = 1.0
    repeat_every: float | None = None
    count: int = 1
    kind: ClassVar[str] = "msc"
    label: ClassVar[str] = "MSC infusion"

    def __post_init__(self) -> None:
        _require("MSCInfusion", "day", self.day, 0.0, MAX_DAY, " days")
        _require("MSCInfusion", "dose", self.dose, 0.0, 10.0, " a.u.")
        if isinstance(self.count, bool) or not isinstance(self.count, int | np.integer) or not 1 <= self.count <= 100:
            raise InterventionError(f"MSCInfusion: `count` = {self.count!r} must be a whole number in [1, 100]")
        if self.count > 1 or self.repeat_every is not None:
            if self.repeat_every is None:
                raise InterventionError("MSCInfusion: `repeat_every` (days) is required when `count` > 1")
            _require("MSCInfusion", "repeat_every", self.repeat_every, 0.5, 3650.0, " days")

    def breakpoints(self) -> tuple[float, ...]:
        step = self.repeat_every or 0.0
        return tuple(float(self.day) + k * step for k in range(self.count))

    def jumps_on(self, day: float) -> bool:
        return any(abs(day - b) < 1e-9 for b in self.breakpoints())

    def jump(self, day: float, y: np.ndarray) -> np.ndarray:
        if not self.jumps_on(day):
            return y
        out = y.copy()
        out[_IDX["M"]] += self.dose
        return out

    def describe(self) -> str:
        times = f" x{self.count} every {self.repeat_every:g} d" if self.count > 1 else ""
        return f"MSC infusion on day {self.day:g} (dose {self.dose:g}{times})"


@dataclasses.dataclass(frozen=True)
class HSCTReset(Intervention):
    """HSCT-like immune reset on `day`: conditioning wipes autoreactive lymphocytes and most plasma cells.

    The fractions that survive conditioning are given per compartment. The immune system then
    rebuilds slowly: lymphocyte proliferation is blocked by 90 % at first, a block that halves every
    `reconstitution_half_life` days (T-cell numbers take months to years to recover after autologous
    HSCT). Drivers such as impaired
    antigen clearance are parameters and stay as they are unless the user changes them, so the
    disease can return.
    """

    day: float
    lymphocyte_survival: float = 0.01
    plasma_cell_survival: float = 0.1
    treg_survival: float = 0.5
    reconstitution_half_life: float = 60.0
    kind: ClassVar[str] = "hsct"
    label: ClassVar[str] = "HSCT-like reset"

    def __post_init__(self) -> None:
        _require("HSCTReset", "day", self.day, 0.0, MAX_DAY, " days")
        for name in ("lymphocyte_survival", "plasma_cell_survival", "treg_survival"):
            _require("HSCTReset", name, getattr(self, name), 0.0, 1.0)
        _require("HSCTReset", "reconstitution_half_life", self.reconstitution_half_life, 1.0, 365.0, " days")

    def inputs(self, day: float, inputs: Inputs) -> Inputs:
        if day < self.day:
            return inputs
        course = (float(self.day), 0.9, float(self.reconstitution_half_life))
        return dataclasses.replace(inputs, reconstitution=(*inputs.reconstitution, course))

    def breakpoints(self) -> tuple[float, ...]:
        return (float(self.day),)

    def jumps_on(self, day: float) -> bool:
        return abs(day - self.day) < 1e-9

    def jump(self, day: float, y: np.ndarray) -> np.ndarray:
        if not self.jumps_on(day):
            return y
        out = y.copy()
        for name in ("E", "B"):
            out[_IDX[name]] *= self.lymphocyte_survival
        for name in ("Ps", "Pl"):
            out[_IDX[name]] *= self.plasma_cell_survival
        out[_IDX["R"]] *= self.treg_survival
        return out

    def describe(self) -> str:
        return f"HSCT-like reset on day {self.day:g}"


@dataclasses.dataclass(frozen=True)
class Immunosuppression(Intervention):
    """Standard immunosuppression (e.g. mycophenolate, cyclophosphamide) from `start` to `stop` (days).

    `strength` is the fraction (0..1) of proliferation of effector T cells and B cells, and of
    plasmablast generation, that the drug blocks. Long-lived plasma cells are spared. Overlapping
    courses combine as independent blocks: 1 - (1 - s1)(1 - s2).
    """

    start: float
    stop: float
    strength: float = 0.6
    kind: ClassVar[str] = "immunosuppression"
    label: ClassVar[str] = "Immunosuppression"

    def __post_init__(self) -> None:
        _require("Immunosuppression", "start", self.start, 0.0, MAX_DAY, " days")
        _require("Immunosuppression", "stop", self.stop, 0.0, MAX_DAY, " days")
        _require("Immunosuppression", "strength", self.strength, 0.0, 0.95)
        if self.stop <= self.start:
            errormsg = f"Immunosuppression: `stop` = {self.stop!r} must be after `start` = {self.start!r}"
            raise InterventionError(errormsg)

    def breakpoints(self) -> tuple[float, ...]:
        return (float(self.start), float(self.stop))

    def inputs(self, day: float, inputs: Inputs) -> Inputs:
        if not self.start <= day < self.stop:
            return inputs
        blocked = 1.0 - (1.0 - inputs.immunosuppression) * (1.0 - self.strength)
        return dataclasses.replace(inputs, immunosuppression=blocked)

    def describe(self) -> str:
        return f"Immunosuppression (strength {self.strength:g}) from day {self.start:g} to {self.stop:g}"


@dataclasses.dataclass(frozen=True)
class BCellDepletion(Intervention):
    """B-cell depletion (e.g. rituximab) on `day`: a kill rate that decays with the drug's half-life.

    Kills autoreactive B cells at `kill_rate` (1/day) at first, falling by half every
    `drug_half_life` days. Long-lived plasma cells do not carry the target and are spared.
    """

    day: float
    kill_rate: float = 3.0
    drug_half_life: float = 21.0
    kind: ClassVar[str] = "bcell_depletion"
    label: ClassVar[str] = "B-cell depletion"

    def __post_init__(self) -> None:
        _require("BCellDepletion", "day", self.day, 0.0, MAX_DAY, " days")
        _require("BCellDepletion", "kill_rate", self.kill_rate, 0.0, 5.0, " 1/day")
        _require("BCellDepletion", "drug_half_life", self.drug_half_life, 1.0, 100.0, " days")

    def breakpoints(self) -> tuple[float, ...]:
        return (float(self.day),)

    def inputs(self, day: float, inputs: Inputs) -> Inputs:
        if day < self.day:
            return inputs
        course = (float(self.day), float(self.kill_rate), float(self.drug_half_life))
        return dataclasses.replace(inputs, depletion=(*inputs.depletion, course))

    def describe(self) -> str:
        return f"B-cell depletion on day {self.day:g}"


@dataclasses.dataclass(frozen=True)
class AntigenTrigger(Intervention):
    """A burst of self-antigen on `day` (e.g. sunburn, an infection): `size` a.u. in all.

    The antigen arrives evenly over `duration` days (0 = all at once, as a jump in G). Whether
    the system returns to health afterwards or tips into lasting disease is the tipping-point lesson.
    """

    day: float
    size: float = 10.0
    duration: float = 14.0
    kind: ClassVar[str] = "antigen"
    label: ClassVar[str] = "Antigen trigger"

    def __post_init__(self) -> None:
        _require("AntigenTrigger", "day", self.day, 0.0, MAX_DAY, " days")
        _require("AntigenTrigger", "size", self.size, 0.0, 1000.0, " a.u.")
        _require("AntigenTrigger", "duration", self.duration, 0.0, 365.0, " days")

    def breakpoints(self) -> tuple[float, ...]:
        if self.duration == 0:
            return (float(self.day),)
        return (float(self.day), float(self.day) + float(self.duration))

    def jumps_on(self, day: float) -> bool:
        return self.duration == 0 and abs(day - self.day) < 1e-9

    def jump(self, day: float, y: np.ndarray) -> np.ndarray:
        if not self.jumps_on(day):
            return y
        out = y.copy()
        out[_IDX["G"]] += self.size
        return out

    def inputs(self, day: float, inputs: Inputs) -> Inputs:
        if self.duration == 0 or not self.day <= day < self.day + self.duration:
            return inputs
        extra = inputs.antigen_input + self.size / self.duration
        return dataclasses.replace(inputs, antigen_input=extra)

    def describe(self) -> str:
        return f"Antigen trigger on day {self.day:g} (size {self.size:g} over {self.duration:g} d)"


INTERVENTION_TYPES: dict[str, type[Intervention]] = {
    cls.kind: cls for cls in (MSCInfusion, HSCTReset, Immunosuppression, BCellDepletion, AntigenTrigger)
}


def intervention_from_dict(data: dict[str, Any]) -> Intervention:
    """Rebuild an intervention from `to_dict` output (or the CLI's `kind:key=value` form)."""
    data = dict(data)
    kind = data.pop("kind", None)
    if kind not in INTERVENTION_TYPES:
        errormsg = f"Unknown intervention kind {kind!r}; valid kinds are {list(INTERVENTION_TYPES)}"
        raise InterventionError(errormsg)
    cls = INTERVENTION_TYPES[kind]
    allowed = [f.name for f in dataclasses.fields(cls)]
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise InterventionError(f"{cls.__name__}: unknown field(s) {unknown}; valid fields are {allowed}")
    try:
        return cls(**data)
    except TypeError as exc:
        raise InterventionError(f"{cls.__name__}: {exc}; fields are {allowed}") from None


def parse_intervention(spec: str) -> Intervention:
    """Build an intervention from the text form used by the CLI and app URLs.

    The form is ``kind:key=value,key=value``, e.g. ``msc:day=30,dose=1`` or
    ``immunosuppression:start=30,stop=210,strength=0.6``. Kinds: msc, hsct, immunosuppression,
    bcell_depletion, antigen.
    """
    kind, _, rest = spec.strip().partition(":")
    fields: dict[str, Any] = {"kind": kind.strip()}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = part.partition("=")
        if not eq:
            raise InterventionError(f"Intervention {spec!r}: `{part}` must look like key=value")
        try:
            number = float(value)
        except ValueError:
            raise InterventionError(f"Intervention {spec!r}: `{key}` = {value!r} is not a number") from None
        fields[key.strip()] = int(number) if key.strip() == "count" and number.is_integer() else number
    return intervention_from_dict(fields)


def format_intervention(item: Intervention) -> str:
    """The text form of an intervention (inverse of `parse_intervention`)."""
    values = {k: v for k, v in item.to_dict().items() if k != "kind" and v is not None}
    return f"{item.kind}:" + ",".join(f"{k}={v:g}" for k, v in values.items())
