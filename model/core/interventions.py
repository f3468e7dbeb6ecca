"""Interventions: small immutable objects that say *when* they act and *how*.

An intervention acts either as a **jump** in the state at its event times (an MSC infusion adds
cells, an HSCT-like reset removes lymphocytes) or as a **time-varying input** over a window
(immunosuppression blocks proliferation, a B-cell depleting drug kills B cells while it lasts, an
antigen trigger adds self-antigen). The simulator integrates piecewise between the event times
(`breakpoints`), applying jumps at the start of a segment and asking every intervention for the
inputs that hold during it.

Every field carries its label, unit, allowed range, editor default and provenance in one place
(`FieldInfo`, read with `intervention_fields`); validation, the app's editors and the docs are
built from it. A bad value raises `InterventionError` naming the field and its allowed range.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np

from .equations import STATE_NAMES, Inputs
from .errors import InterventionError
from .validation import check_range, check_whole, shown

__all__ = [
    "INTERVENTION_TYPES",
    "AntigenTrigger",
    "BCellDepletion",
    "CARTCellTherapy",
    "FieldInfo",
    "HSCTReset",
    "Immunosuppression",
    "Intervention",
    "InterventionError",
    "MSCInfusion",
    "format_intervention",
    "intervention_fields",
    "intervention_from_dict",
    "parse_intervention",
]

_IDX = {name: i for i, name in enumerate(STATE_NAMES)}
MAX_DAY = 36_500.0
ILLUSTRATIVE_CHOICE = "illustrative"

# Sources quoted by several fields (short form; the evidence registry holds the full references).
_BURT = "Burt et al. 2018, Bone Marrow Transplant (CY + rATG + rituximab, n = 26)"
_ALEXANDER = (
    "Alexander et al. 2009, Blood 113:214 (7 SLE patients, CY + ATG: anti-dsDNA and protective antibodies "
    "disappeared, so plasma cells were depleted)"
)
_STOREK = (
    "Storek et al. 2010 (PMC2956741; 56 MS/SSc patients after lymphoablative conditioning: B cells normal by "
    "6 months, T cells by 2 years, CD4 borderline low)"
)
_MACKENSEN = "Mackensen et al. 2022, Nat Med 28:2124 (5 SLE patients; B cells back after 110 +- 32 days, naive)"


@dataclasses.dataclass(frozen=True)
class FieldInfo:
    """What one intervention field means: the single home of its label, unit, range and source.

    Attributes:
        name: the field name (also the key in the CLI text form).
        label: a short label for editors and tables.
        unit: the unit ("day", "1/day", "a.u.", "fraction"); "" for a choice or a count.
        low, high: the allowed range of a number (None for a choice).
        default: the value an editor starts from (the dataclass default where there is one).
        provenance: where the value comes from, or "illustrative".
        options: the allowed values of a choice (e.g. CAR-T targets); empty for numbers.
        whole: True for a whole number (a count).
        optional: True when None is allowed (the field is then unused).
        help: one sentence on what the field does in the model.
    """

    name: str
    label: str
    unit: str
    low: float | None
    high: float | None
    default: Any
    provenance: str = ILLUSTRATIVE_CHOICE
    options: tuple[str, ...] = ()
    whole: bool = False
    optional: bool = False
    help: str = ""

    def check(self, owner: str, value: Any) -> None:
        """Raise `InterventionError` naming this field and its allowed values when `value` is not one."""
        if value is None and self.optional:
            return
        if self.options:
            if value not in self.options:
                allowed = ", ".join(repr(o) for o in self.options)
                raise InterventionError(f"{owner}: `{self.name}` = {shown(value)} must be one of {allowed}")
        elif self.whole:
            check_whole(self.name, value, int(self.low or 0), int(self.high or 0), owner=owner, error=InterventionError)
        else:
            check_range(self.name, value, self.low, self.high, unit=self.unit, owner=owner, error=InterventionError)


def _field(
    default: Any,
    low: float | None,
    high: float | None,
    label: str,
    unit: str = "",
    *,
    required: bool = False,
    **info: Any,
) -> Any:
    """A dataclass field carrying its `FieldInfo` (name filled in by `intervention_fields`).

    `required` fields (the day a therapy starts) have no dataclass default; `default` is then only
    the value an editor starts from.
    """
    meta = {"info": {"label": label, "unit": unit, "low": low, "high": high, "default": default, **info}}
    if required:
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def _day(label: str = "Day", default: float = 30.0) -> Any:
    return _field(default, 0.0, MAX_DAY, label, "day", required=True, help="Day of the simulation it starts on.")


def intervention_fields(kind: type[Intervention] | Intervention | str) -> tuple[FieldInfo, ...]:
    """The `FieldInfo` of every field of an intervention class (a class, an instance or its `kind`)."""
    cls = INTERVENTION_TYPES[kind] if isinstance(kind, str) else kind if isinstance(kind, type) else type(kind)
    return tuple(FieldInfo(name=f.name, **f.metadata["info"]) for f in dataclasses.fields(cls))


@dataclasses.dataclass(frozen=True)
class Intervention:
    """Base class: no jumps, no inputs. Subclasses override what they need."""

    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    #: The intervention's equations in Markdown with LaTeX (docs/model.md is generated from it).
    maths: ClassVar[str] = ""

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for info in intervention_fields(type(self)):
            info.check(owner, getattr(self, info.name))
        self._check_together()

    def _check_together(self) -> None:
        """Checks that involve several fields (each field's own range is checked from its metadata)."""

    def breakpoints(self) -> tuple[float, ...]:
        """Days at which the integration must stop and restart (jumps, input on/off)."""
        return ()

    def first_day(self) -> float:
        """The day the intervention starts acting."""
        return min(self.breakpoints())

    def jump(self, day: float, y: np.ndarray) -> np.ndarray:
        """The state just after this intervention's jump on `day` (unchanged if none).

        `y` is indexed by state along its first axis: (11,) for one run, (11, N) for a batch.
        """
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


def _scaled(y: np.ndarray, factors: dict[str, float]) -> np.ndarray:
    """A copy of `y` with the named states multiplied by their factors (a jump)."""
    out = y.copy()
    for name, factor in factors.items():
        out[_IDX[name]] *= factor
    return out


def _with_course(inputs: Inputs, name: str, course: tuple[float, float, float]) -> Inputs:
    """`inputs` with one more fading course (start day, initial size, half-life) in field `name`."""
    return dataclasses.replace(inputs, **{name: (*getattr(inputs, name), course)})


@dataclasses.dataclass(frozen=True)
class MSCInfusion(Intervention):
    """Intravenous infusion of mesenchymal stromal cells: a jump of `dose` in M on each infusion day.

    `dose` is in a.u. where 1.0 stands for a typical clinical dose (about 1 million cells per kg
    body weight in the published Chinese series). With `count` > 1 the infusion is repeated every
    `repeat_every` days.
    """

    day: float = _day("Infusion day")
    dose: float = _field(
        1.0,
        0.0,
        10.0,
        "Dose",
        "a.u.",
        provenance="illustrative: 1 a.u. stands for a typical clinical dose, about 1 million cells per kg (the "
        "dose of the Nanjing series, Wang et al. 2013, and of Kamen et al. 2022); no conversion to cells is possible "
        "in the model",
        help="Infused MSC added to M on each infusion day.",
    )
    repeat_every: float | None = _field(
        None,
        0.5,
        3650.0,
        "Repeat every",
        "day",
        optional=True,
        provenance="illustrative: no repeat by default (one infusion, as in most trials)",
        help="Days between infusions when count > 1.",
    )
    count: int = _field(
        1,
        1,
        100,
        "Number of infusions",
        whole=True,
        provenance="illustrative: one infusion, as in most trials",
        help="How many infusions in all.",
    )
    kind: ClassVar[str] = "msc"
    label: ClassVar[str] = "MSC infusion"
    maths: ClassVar[str] = (
        "**Jump** on each infusion day $t_k = t_0 + k\\,\\Delta$ ($k = 0 \\ldots$ `count` $- 1$, "
        "$\\Delta$ = `repeat_every`): $M \\leftarrow M + \\text{dose}$. No input. The infused cells are then "
        "cleared, $dM/dt = -\\ln 2 / t_M \\cdot M$. **Overlap:** doses add in $M$ (cells of several "
        "infusions are present together)."
    )

    def _check_together(self) -> None:
        if self.count > 1 and self.repeat_every is None:
            raise InterventionError("MSCInfusion: `repeat_every` (days) is required when `count` > 1")

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
    """HSCT-like immune reset on `day`: conditioning wipes autoreactive lymphocytes and plasma cells.

    The fractions that survive conditioning are given per compartment (a jump). The immune system
    then rebuilds slowly: lymphocyte proliferation is blocked by `initial_block` at first, a block
    that halves every `reconstitution_half_life` days (T cells take one to two years to recover
    after lymphoablative conditioning). Drivers such as impaired antigen clearance are parameters
    and stay as they are, so the disease returns in patients whose drivers leave no healthy
    steady state.
    """

    day: float = _day("Transplant day")
    lymphocyte_survival: float = _field(
        0.01,
        0.0,
        1.0,
        "Lymphocytes surviving conditioning",
        "fraction",
        provenance=f"illustrative: lymphoablative conditioning removes most lymphocytes ({_BURT}); no measured "
        "fraction used",
        help="Share of effector T cells and autoreactive B cells left after conditioning.",
    )
    plasma_cell_survival: float = _field(
        0.05,
        0.0,
        1.0,
        "Plasma cells surviving conditioning",
        "fraction",
        provenance=f"illustrative, regimen-dependent: {_ALEXANDER}; with other regimens antibody levels "
        f"hardly fell ({_STOREK})",
        help="Share of short- and long-lived plasma cells left after conditioning.",
    )
    treg_survival: float = _field(
        0.5,
        0.0,
        1.0,
        "Tregs surviving conditioning",
        "fraction",
        provenance="illustrative: no measured fraction used",
        help="Share of regulatory T cells left.",
    )
    initial_block: float = _field(
        0.9,
        0.0,
        0.99,
        "Initial block of proliferation",
        "fraction",
        help="Share of lymphocyte proliferation blocked just after the transplant (lymphopenia).",
    )
    reconstitution_half_life: float = _field(
        180.0,
        1.0,
        730.0,
        "Reconstitution half-life",
        "day",
        provenance=f"illustrative, of the order of {_STOREK}",
        help="Days for the block on proliferation to halve while the immune system rebuilds.",
    )
    kind: ClassVar[str] = "hsct"
    label: ClassVar[str] = "HSCT-like reset"
    maths: ClassVar[str] = (
        "**Jump** on day $t_0$: $E, B \\leftarrow$ `lymphocyte_survival` $\\times$; "
        "$P_s, P_l \\leftarrow$ `plasma_cell_survival` $\\times$; $R \\leftarrow$ `treg_survival` $\\times$. "
        "$A$, $C_i$, $G$, $D$ are not touched (antibodies are cleared with their own half-life). "
        "**Input** from $t_0$ on: a block on lymphocyte proliferation (and plasmablast generation) "
        "$b(t) = b_0\\,2^{-(t - t_0)/t_{1/2}}$ with $b_0$ = `initial_block` and $t_{1/2}$ = "
        "`reconstitution_half_life`, entering $u(t)$. **Overlap:** blocks combine independently, "
        "$u = 1 - (1 - u_{drug})\\prod_i (1 - b_i(t))$; jumps on the same day multiply."
    )

    def breakpoints(self) -> tuple[float, ...]:
        return (float(self.day),)

    def jumps_on(self, day: float) -> bool:
        return abs(day - self.day) < 1e-9

    def jump(self, day: float, y: np.ndarray) -> np.ndarray:
        if not self.jumps_on(day):
            return y
        lymph, plasma = self.lymphocyte_survival, self.plasma_cell_survival
        return _scaled(y, {"E": lymph, "B": lymph, "Ps": plasma, "Pl": plasma, "R": self.treg_survival})

    def inputs(self, day: float, inputs: Inputs) -> Inputs:
        if day < self.day:
            return inputs
        course = (float(self.day), float(self.initial_block), float(self.reconstitution_half_life))
        return _with_course(inputs, "reconstitution", course)

    def describe(self) -> str:
        return f"HSCT-like reset on day {self.day:g}"


@dataclasses.dataclass(frozen=True)
class Immunosuppression(Intervention):
    """Standard immunosuppression (e.g. mycophenolate, cyclophosphamide) from `start` to `stop` (days).

    `strength` is the fraction (0..1) of proliferation of effector T cells and B cells, and of
    plasmablast generation, that the drug blocks. Long-lived plasma cells are spared. Overlapping
    courses combine as independent blocks: 1 - (1 - s1)(1 - s2).
    """

    start: float = _day("Start day")
    stop: float = _field(210.0, 0.0, MAX_DAY, "Stop day", "day", required=True, help="Day the drug is stopped.")
    strength: float = _field(
        0.6, 0.0, 0.95, "Strength", "fraction", help="Share of lymphocyte proliferation the drug blocks."
    )
    kind: ClassVar[str] = "immunosuppression"
    label: ClassVar[str] = "Immunosuppression"
    maths: ClassVar[str] = (
        "**Input** $u_{drug} = s$ (`strength`) for `start` $\\le t <$ `stop`, 0 otherwise: a step on and a "
        "step off, no jump. It multiplies proliferation of $E$ and $B$ and plasmablast generation by "
        "$1 - u$; long-lived plasma cells are spared. **Overlap:** courses combine as independent "
        "blocks, $u_{drug} = 1 - \\prod_i (1 - s_i)$."
    )

    def _check_together(self) -> None:
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
    """Rituximab-like B-cell depletion on `day`: a kill rate that decays with the drug's half-life.

    Kills autoreactive B cells at `kill_rate` (1/day) at first, falling by half every
    `drug_half_life` days. Long-lived plasma cells do not carry the target and are spared, so
    autoantibodies stay high for months.
    """

    day: float = _day("Infusion day")
    kill_rate: float = _field(
        3.0,
        0.0,
        5.0,
        "Initial kill rate",
        "1/day",
        provenance="illustrative: chosen so that autoreactive B cells are practically gone within a week",
        help="Rate at which the drug kills B cells at first.",
    )
    drug_half_life: float = _field(
        21.0,
        1.0,
        100.0,
        "Drug half-life",
        "day",
        provenance="order of magnitude: therapeutic IgG antibodies such as rituximab share the about 3-week "
        "half-life of IgG (Sand et al. 2015, review)",
        help="Days for the kill rate to halve.",
    )
    kind: ClassVar[str] = "bcell_depletion"
    label: ClassVar[str] = "B-cell depletion"
    maths: ClassVar[str] = (
        "**Input** from day $t_0$ on: a kill rate $k_{dep}(t) = k_0\\,2^{-(t - t_0)/t_{1/2}}$ (1/day) with $k_0$ = "
        "`kill_rate` and $t_{1/2}$ = `drug_half_life`, in the term $-k_{dep}(t)\\,B$. No jump: the antibody "
        "kills B cells over days; plasma cells carry no target and are spared. **Overlap:** kill rates of "
        "courses (and of CAR-T cells) add."
    )

    def breakpoints(self) -> tuple[float, ...]:
        return (float(self.day),)

    def inputs(self, day: float, inputs: Inputs) -> Inputs:
        if day < self.day:
            return inputs
        return _with_course(inputs, "depletion", (float(self.day), float(self.kill_rate), float(self.drug_half_life)))

    def describe(self) -> str:
        return f"B-cell depletion on day {self.day:g}"


CART_TARGETS: tuple[str, ...] = ("CD19", "BCMA-CD19")


@dataclasses.dataclass(frozen=True)
class CARTCellTherapy(Intervention):
    """CAR-T cell therapy on `day`: lymphodepletion, then deep B-cell depletion until CAR-T cells wane.

    - **Lymphodepleting conditioning** (fludarabine + cyclophosphamide): effector T cells and Tregs
      fall to `t_cell_survival` (a jump), and lymphocyte proliferation is blocked by
      `conditioning_block` at first, a block that halves every `conditioning_half_life` days.
    - **Deep B-cell depletion that reaches tissue**: autoreactive B cells fall to
      `b_cell_survival` at once (unlike `BCellDepletion`, whose antibody kills them over days), and
      the CAR-T cells keep killing B cells at `kill_rate`, a rate that halves every
      `persistence_half_life` days. B cells come back from the bone-marrow supply when the rate
      has faded (about 110 days with the defaults), as new, naive cells: the autoreactive expansion
      has to start again.
    - **Short-lived plasma cells** (CD19-positive plasmablasts) go with their B cells.
    - **Long-lived plasma cells**: CD19 alone removes only their CD19-positive share
      (`cd19_plasma_cell_share`); "BCMA-CD19" also targets BCMA and leaves `bcma_plasma_cell_survival`.
    """

    day: float = _day("Infusion day")
    target: str = _field(
        "CD19",
        None,
        None,
        "Target",
        options=CART_TARGETS,
        provenance="illustrative: the two targets used in lupus so far, CD19 (Mackensen et al. 2022) and "
        "BCMA-CD19 (Wang et al. 2024, Ann Rheum Dis 83:1304)",
        help="CD19 (B cells, plasmablasts) or BCMA-CD19 (also long-lived plasma cells).",
    )
    t_cell_survival: float = _field(
        0.05,
        0.0,
        1.0,
        "T cells surviving lymphodepletion",
        "fraction",
        help="Share of effector T cells and Tregs left after fludarabine + cyclophosphamide.",
    )
    conditioning_block: float = _field(
        0.9, 0.0, 0.99, "Initial block of proliferation", "fraction", help="Lymphopenia just after conditioning."
    )
    conditioning_half_life: float = _field(
        60.0, 1.0, 365.0, "Lymphopenia half-life", "day", help="Days for the block on proliferation to halve."
    )
    b_cell_survival: float = _field(
        0.001,
        0.0,
        1.0,
        "B cells left at once",
        "fraction",
        help="Share of autoreactive B cells left on the infusion day (in blood and tissue).",
    )
    kill_rate: float = _field(
        5.0, 0.0, 20.0, "Initial kill rate", "1/day", help="Rate at which CAR-T cells kill B cells at first."
    )
    persistence_half_life: float = _field(
        25.0,
        1.0,
        365.0,
        "CAR-T persistence half-life",
        "day",
        provenance=f"illustrative, chosen so that B cells return after about 110 days ({_MACKENSEN})",
        help="Days for the CAR-T kill rate to halve.",
    )
    cd19_plasma_cell_share: float = _field(
        0.4,
        0.0,
        1.0,
        "CD19-positive share of long-lived plasma cells",
        "fraction",
        provenance="illustrative; CD19-negative plasma cells are enriched in human bone marrow and resist "
        "B-cell depletion (Mei et al. 2015, Blood 125:1739)",
        help="Share of long-lived plasma cells a CD19 CAR-T removes.",
    )
    bcma_plasma_cell_survival: float = _field(
        0.05,
        0.0,
        1.0,
        "Long-lived plasma cells left by BCMA-CD19",
        "fraction",
        help="Share of long-lived plasma cells left when BCMA is targeted too.",
    )
    kind: ClassVar[str] = "cart"
    label: ClassVar[str] = "CAR-T cell therapy"
    maths: ClassVar[str] = (
        "**Jump** on day $t_0$: $E, R \\leftarrow$ `t_cell_survival` $\\times$ (fludarabine + cyclophosphamide); "
        "$B, P_s \\leftarrow$ `b_cell_survival` $\\times$ (B cells in blood and tissue, and the CD19-positive "
        "plasmablasts); $P_l \\leftarrow (1 -$ `cd19_plasma_cell_share`$)\\times$ for target CD19, "
        "$P_l \\leftarrow$ `bcma_plasma_cell_survival` $\\times$ for BCMA-CD19. **Inputs** from $t_0$ on: the CAR-T "
        "kill rate $k_{dep}(t) = k_0\\,2^{-(t - t_0)/t_{CAR}}$ ($k_0$ = `kill_rate`, $t_{CAR}$ = "
        "`persistence_half_life`) in $-k_{dep}(t)\\,B$, and the lymphopenia block "
        "$b(t) = b_0\\,2^{-(t - t_0)/t_{LD}}$ ($b_0$ = `conditioning_block`, $t_{LD}$ = "
        "`conditioning_half_life`) in $u(t)$. B cells come back from the supply $s_B$ as "
        "$k_{dep}(t)$ fades: new cells that must be activated again (the autoreactive expansion "
        "restarts from the supply). **Overlap:** kill rates add with any `BCellDepletion`; blocks combine "
        "independently, $u = 1 - (1 - u_{drug})\\prod_i (1 - b_i(t))$; jumps on the same day multiply."
    )

    def breakpoints(self) -> tuple[float, ...]:
        return (float(self.day),)

    def jumps_on(self, day: float) -> bool:
        return abs(day - self.day) < 1e-9

    def long_lived_survival(self) -> float:
        """Share of long-lived plasma cells left just after the infusion."""
        if self.target == "BCMA-CD19":
            return float(self.bcma_plasma_cell_survival)
        return 1.0 - float(self.cd19_plasma_cell_share)

    def jump(self, day: float, y: np.ndarray) -> np.ndarray:
        if not self.jumps_on(day):
            return y
        t_cells, b_cells = self.t_cell_survival, self.b_cell_survival
        factors = {"E": t_cells, "R": t_cells, "B": b_cells, "Ps": b_cells, "Pl": self.long_lived_survival()}
        return _scaled(y, factors)

    def inputs(self, day: float, inputs: Inputs) -> Inputs:
        if day < self.day:
            return inputs
        start = float(self.day)
        inputs = _with_course(inputs, "depletion", (start, float(self.kill_rate), float(self.persistence_half_life)))
        block = (start, float(self.conditioning_block), float(self.conditioning_half_life))
        return _with_course(inputs, "reconstitution", block)

    def describe(self) -> str:
        return f"{self.target} CAR-T cell therapy on day {self.day:g}"


@dataclasses.dataclass(frozen=True)
class AntigenTrigger(Intervention):
    """A burst of self-antigen on `day` (e.g. sunburn, an infection): `size` a.u. in all.

    The antigen arrives evenly over `duration` days (0 = all at once, as a jump in G). Whether
    the system returns to health afterwards or tips into lasting disease is the tipping-point lesson.
    """

    day: float = _day("Trigger day")
    size: float = _field(
        10.0,
        0.0,
        1000.0,
        "Size",
        "a.u.",
        provenance="illustrative: a small burst that fades (40 over 14 days tips the susceptible scenario)",
        help="Self-antigen added in all.",
    )
    duration: float = _field(
        14.0,
        0.0,
        365.0,
        "Duration",
        "day",
        provenance="illustrative: a burst lasting two weeks (a bad sunburn, an infection)",
        help="Days over which it arrives (0 = at once).",
    )
    kind: ClassVar[str] = "antigen"
    label: ClassVar[str] = "Antigen trigger"
    maths: ClassVar[str] = (
        "**Input** $I_G = \\text{size}/\\text{duration}$ (a.u./day) for `day` $\\le t <$ `day` + `duration` in "
        "$dG/dt$; with `duration` = 0 a **jump** $G \\leftarrow G + \\text{size}$ instead. **Overlap:** inputs "
        "of overlapping triggers add."
    )

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
    cls.kind: cls
    for cls in (MSCInfusion, HSCTReset, Immunosuppression, BCellDepletion, CARTCellTherapy, AntigenTrigger)
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


def _parse_value(spec: str, info: FieldInfo | None, key: str, value: str) -> Any:
    """One `key=value` of the text form: a choice stays text, a count becomes an int, the rest floats."""
    if info is not None and info.options:
        return value
    try:
        number = float(value)
    except ValueError:
        raise InterventionError(f"Intervention {spec!r}: `{key}` = {value!r} is not a number") from None
    return int(number) if info is not None and info.whole and number.is_integer() else number


def parse_intervention(spec: str) -> Intervention:
    """Build an intervention from the text form used by the CLI and app URLs.

    The form is ``kind:key=value,key=value``, e.g. ``msc:day=30,dose=1``,
    ``immunosuppression:start=30,stop=210,strength=0.6`` or ``cart:day=30,target=CD19``. Kinds:
    msc, hsct, immunosuppression, bcell_depletion, cart, antigen.
    """
    kind, _, rest = spec.strip().partition(":")
    kind = kind.strip()
    infos = {info.name: info for info in intervention_fields(kind)} if kind in INTERVENTION_TYPES else {}
    fields: dict[str, Any] = {"kind": kind}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = part.partition("=")
        if not eq:
            raise InterventionError(f"Intervention {spec!r}: `{part}` must look like key=value")
        key = key.strip()
        fields[key] = _parse_value(spec, infos.get(key), key, value.strip())
    return intervention_from_dict(fields)


def format_intervention(item: Intervention) -> str:
    """The text form of an intervention (inverse of `parse_intervention`)."""
    values = {k: v for k, v in item.to_dict().items() if k != "kind" and v is not None}
    return f"{item.kind}:" + ",".join(f"{k}={v}" if isinstance(v, str) else f"{k}={v:g}" for k, v in values.items())
