r"""The right-hand side of the toy SLE model, written as named mechanism terms.

Every state's rate of change is a sum of terms; each term stands for one mechanism and belongs to
one entry of `MECHANISMS` (switchable off by name) or to basic turnover (supply, death, clearance,
which cannot be switched off). The same function serves three purposes:

* `rhs` sums the terms for the solver,
* `term_table` lists them one by one for "why did it move?" (`Result.contributions`),
* both accept states and parameters as floats (one run) or as arrays (many runs at once), because
  the code uses only arithmetic that broadcasts.

Notation (all times in days, amounts in a.u.):

.. math::

   H(G) = \frac{G^n}{G^n + K_G^n}, \qquad
   L = 1 - \lambda + \lambda \frac{C_i^2}{C_i^2 + K_L^2}, \qquad
   M_{eff} = L\,M

Proliferation of effector T cells and B cells is divided by the suppression index
:math:`S = 1 + R/K_R + C_a/K_{Ca} + \sigma_M M_{eff}` and multiplied by :math:`1-u` where
:math:`u` is the strength of standard immunosuppression. The suppression terms below are that
division written as subtractions, so the contributions of Tregs, anti-inflammatory cytokines and
MSC can be shown one by one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from .errors import ParameterError

__all__ = [
    "MECHANISMS",
    "STATE_INFO",
    "STATE_NAMES",
    "TERMS",
    "Inputs",
    "Mechanism",
    "StateInfo",
    "Switches",
    "rhs",
    "term_table",
]


class StateInfo(NamedTuple):
    """One state variable: its API name, a label for plots and what it lumps together."""

    name: str
    label: str
    description: str
    group: str


STATE_INFO: tuple[StateInfo, ...] = (
    StateInfo("E", "Effector T cells", "autoreactive effector T cells (Th1/Th17/Tfh lumped)", "cells"),
    StateInfo("R", "Regulatory T cells", "regulatory T cells (Treg)", "cells"),
    StateInfo("B", "Autoreactive B cells", "autoreactive B cells", "cells"),
    StateInfo("Ps", "Short-lived plasma cells", "plasmablasts; need ongoing B-cell input", "cells"),
    StateInfo("Pl", "Long-lived plasma cells", "bone-marrow plasma cells; survive B-cell depletion", "cells"),
    StateInfo("A", "Autoantibodies", "autoantibodies / immune complexes (e.g. anti-dsDNA)", "molecules"),
    StateInfo("Ci", "Pro-inflammatory cytokines", "IFN-alpha, IL-6, TNF, IL-17 lumped", "molecules"),
    StateInfo("Ca", "Anti-inflammatory cytokines", "IL-10, TGF-beta lumped", "molecules"),
    StateInfo("G", "Self-antigen", "apoptotic debris, nuclear antigen", "tissue"),
    StateInfo("D", "Tissue damage", "organ damage (e.g. kidney), repairable over weeks", "tissue"),
    StateInfo("M", "Infused MSC", "mesenchymal stromal cells from an infusion", "therapy"),
)
STATE_NAMES: tuple[str, ...] = tuple(s.name for s in STATE_INFO)
_INDEX = {name: i for i, name in enumerate(STATE_NAMES)}


class Mechanism(NamedTuple):
    """A mechanism that can be switched off (knocked out) by name."""

    name: str
    explanation: str


MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("antigen_activation", "Self-antigen activates autoreactive T and B cells (saturating, cooperative)."),
    Mechanism("t_cell_help", "Effector T cells help autoreactive B cells to proliferate and differentiate."),
    Mechanism("short_lived_plasma_cells", "Activated B cells become short-lived plasma cells that secrete antibody."),
    Mechanism("long_lived_plasma_cells", "Activated B cells become long-lived plasma cells that secrete antibody."),
    Mechanism(
        "immune_complex_inflammation", "Immune complexes (antibody x antigen) drive IFN-alpha and other cytokines."
    ),
    Mechanism("effector_inflammation", "Effector T cells secrete pro-inflammatory cytokines."),
    Mechanism("immune_complex_damage", "Immune complexes deposit in tissue and damage it."),
    Mechanism("damage_antigen_release", "Damaged tissue releases self-antigen (the feedback loop that can tip)."),
    Mechanism("inflammation_antigen_release", "Inflammation releases self-antigen (e.g. from dying neutrophils)."),
    Mechanism("treg_suppression", "Regulatory T cells suppress effector T and B-cell proliferation."),
    Mechanism("anti_inflammatory_suppression", "IL-10/TGF-beta suppress proliferation and cytokine production."),
    Mechanism("treg_self_induction", "Anti-inflammatory cytokines induce more Tregs (the regulatory memory loop)."),
    Mechanism("inflammation_blocks_treg", "Pro-inflammatory cytokines block Treg induction (Treg/Th17 balance)."),
    Mechanism("msc_suppression", "Infused MSC suppress effector T and B-cell proliferation."),
    Mechanism("msc_treg_induction", "Infused MSC induce regulatory T cells."),
    Mechanism("msc_anti_inflammatory", "Infused MSC secrete anti-inflammatory cytokines."),
    Mechanism("msc_licensing", "MSC act only when licensed by inflammation (strength set by `msc_licensing`)."),
)
_MECHANISM_NAMES = tuple(m.name for m in MECHANISMS)


@dataclass(frozen=True, slots=True)
class Switches:
    """1.0 for a mechanism that acts, 0.0 for one knocked out; one field per `MECHANISMS` entry."""

    antigen_activation: float = 1.0
    t_cell_help: float = 1.0
    short_lived_plasma_cells: float = 1.0
    long_lived_plasma_cells: float = 1.0
    immune_complex_inflammation: float = 1.0
    effector_inflammation: float = 1.0
    immune_complex_damage: float = 1.0
    damage_antigen_release: float = 1.0
    inflammation_antigen_release: float = 1.0
    treg_suppression: float = 1.0
    anti_inflammatory_suppression: float = 1.0
    treg_self_induction: float = 1.0
    inflammation_blocks_treg: float = 1.0
    msc_suppression: float = 1.0
    msc_treg_induction: float = 1.0
    msc_anti_inflammatory: float = 1.0
    msc_licensing: float = 1.0

    @classmethod
    def without(cls, knockouts: tuple[str, ...] | list[str] = ()) -> Switches:
        """Switches with the named mechanisms off; an unknown name raises `ParameterError` listing valid ones."""
        unknown = [k for k in knockouts if k not in _MECHANISM_NAMES]
        if unknown:
            errormsg = f"Unknown mechanism(s) in `knockouts`: {unknown}; valid names are {list(_MECHANISM_NAMES)}"
            raise ParameterError(errormsg)
        return cls(**{k: 0.0 for k in knockouts})


@dataclass(frozen=True, slots=True)
class Inputs:
    """Time-varying inputs from interventions, constant or smooth within one integration segment.

    `immunosuppression` is the fraction (0..1) of proliferation blocked by standard
    immunosuppression. `reconstitution` holds (start day, initial block, half-life days) of the
    fading block on proliferation while the immune system rebuilds after a reset.
    `antigen_input` is extra self-antigen supply (a.u./day) from a trigger such as UV light or an
    infection. `depletion` holds (start day, initial kill rate 1/day, drug half-life days) for each
    B-cell depleting course; its kill rate decays with the drug's half-life.
    """

    immunosuppression: float = 0.0
    depletion: tuple[tuple[float, float, float], ...] = ()
    antigen_input: float = 0.0
    reconstitution: tuple[tuple[float, float, float], ...] = ()

    def depletion_rate(self, t: Any) -> Any:
        """B-cell kill rate (1/day) at time `t` (days): sum over courses started by `t`."""
        return _fading(self.depletion, t)

    def blocked(self, t: Any) -> Any:
        """Fraction (0..1) of lymphocyte proliferation blocked at time `t`: drugs, and the slow
        reconstitution of the immune system after a reset or lymphodepletion (blocks that fade).

        Every block acts independently on what the others leave: 1 - (1 - u)(1 - b1(t))(1 - b2(t))...,
        so overlapping courses never block more than all of it.
        """
        kept = 1.0 - self.immunosuppression + 0.0 * t
        for course in self.reconstitution:
            kept = kept * (1.0 - _fading((course,), t))
        return 1.0 - kept


def _fading(courses: tuple[tuple[float, float, float], ...], t: Any) -> Any:
    """Sum of effects (start day, initial size, half-life in days) that halve every half-life."""
    total = 0.0 * t
    for start, size, half_life in courses:
        total = total + (t >= start) * size * 2.0 ** (-abs(t - start) / half_life)
    return total


def _hill(x: Any, k: Any, n: Any) -> Any:
    """Hill function x^n / (x^n + k^n), written with one power: r / (1 + r), r = (x / k)^n."""
    r = (abs(x) / k) ** n
    return r / (1.0 + r)


def _hill2(x: Any, k: Any) -> Any:
    """Hill function with exponent 2, x^2 / (x^2 + k^2), by multiplication alone."""
    xx = x * x
    return xx / (xx + k * k)


class _Drives(NamedTuple):
    """The quantities several equations share, computed once per evaluation (see the module docs)."""

    u: Any  # fraction of proliferation blocked (immunosuppression, reconstitution)
    act: Any  # antigen-driven activation H(G)
    meff: Any  # effective (licensed) MSC
    s_r: Any  # suppression by Tregs
    s_ca: Any  # suppression by anti-inflammatory cytokines
    s_m: Any  # suppression by MSC
    s_all: Any  # the suppression index S
    grow_e: Any  # gross proliferation of effector T cells
    grow_b: Any  # gross proliferation of B cells (with T-cell help)
    to_ps: Any  # B cells becoming short-lived plasma cells
    to_pl: Any  # B cells becoming long-lived plasma cells
    complexes: Any  # immune complexes, autoantibody x self-antigen
    ci_made: Any  # pro-inflammatory cytokine production before damping
    ca_damp: Any  # damping of cytokine production by anti-inflammatory cytokines
    loop: Any  # Treg self-induction by anti-inflammatory cytokines
    ci_block: Any  # block of Treg induction by pro-inflammatory cytokines


def _drives(y: Any, p: Any, inputs: Inputs, on: Switches, t: Any) -> _Drives:
    E, R, B, _, _, A, Ci, Ca, G, _, M = y
    # Antigen-driven activation, the same saturating, cooperative switch for T and B cells.
    act = on.antigen_activation * _hill(G, p.activation_threshold, p.activation_hill)
    # T-cell help to B cells (saturating in effector cells); without help B cells cannot expand.
    help_ = on.t_cell_help * E / (E + p.t_help_half)
    # MSC act in proportion to licensing by inflammation when `msc_licensing` > 0.
    lic = p.msc_licensing * on.msc_licensing
    meff = M * (1.0 - lic + lic * _hill2(Ci, p.licensing_threshold))
    # Suppression index S = 1 + (Treg) + (anti-inflammatory cytokines) + (MSC).
    s_r = on.treg_suppression * R / p.treg_suppression
    s_ca = on.anti_inflammatory_suppression * Ca / p.ca_suppression
    s_m = on.msc_suppression * p.msc_suppression * meff
    # Differentiation of activated B cells into plasma cells (antigen- and help-driven).
    diff_b = act * help_ * B
    # Immune complexes form in proportion to autoantibody times self-antigen.
    complexes = A * G
    return _Drives(
        u=inputs.blocked(t),
        act=act,
        meff=meff,
        s_r=s_r,
        s_ca=s_ca,
        s_m=s_m,
        s_all=1.0 + s_r + s_ca + s_m,
        # Gross (unsuppressed) proliferation of effector and B cells, limited by capacity.
        grow_e=p.effector_activation * act * E * (1.0 - E / p.effector_capacity),
        grow_b=p.b_activation * act * help_ * B * (1.0 - B / p.b_capacity),
        to_ps=on.short_lived_plasma_cells * p.short_lived_differentiation * diff_b,
        to_pl=on.long_lived_plasma_cells * p.long_lived_differentiation * diff_b,
        complexes=complexes,
        # Pro-inflammatory cytokine production (basal, immune complexes, effector T cells).
        ci_made=p.ci_basal
        + on.immune_complex_inflammation * p.ic_inflammation * complexes / (complexes + p.ic_saturation)
        + on.effector_inflammation * p.effector_inflammation * E,
        ca_damp=on.anti_inflammatory_suppression * Ca / p.ca_ci_inhibition,
        # Treg self-induction by anti-inflammatory cytokines, limited by capacity.
        loop=on.treg_self_induction * p.treg_loop * _hill2(Ca, p.treg_loop_threshold) * R * (1.0 - R / p.treg_capacity),
        ci_block=on.inflammation_blocks_treg * Ci / p.ci_treg_inhibition,
    )


def _terms(y: Any, p: Any, inputs: Inputs, on: Switches, t: Any) -> tuple[tuple[Any, ...], ...]:
    """Every mechanism term, grouped by state in `STATE_NAMES` order (order must match `TERMS`).

    The equations of `rhs` taken apart: a division by the suppression index S is shown as the
    share of proliferation each suppressor takes, and a damping 1 / (1 + x) as what it removes.
    """
    E, R, B, Ps, Pl, A, Ci, Ca, G, D, M = y
    ln2 = math.log(2.0)
    d = _drives(y, p, inputs, on, t)
    kept = 1.0 - d.u
    # What suppression takes from proliferation is shared out in proportion to each suppressor.
    taken_e = -kept * d.grow_e / d.s_all
    taken_b = -kept * d.grow_b / d.s_all
    return (
        (  # E
            p.effector_source,
            d.grow_e,
            -d.u * d.grow_e,
            taken_e * d.s_r,
            taken_e * d.s_ca,
            taken_e * d.s_m,
            -p.effector_death * E,
        ),
        (  # R
            p.treg_source,
            d.loop,
            -d.loop * d.ci_block / (1.0 + d.ci_block),
            on.msc_treg_induction * p.msc_treg_induction * d.meff,
            -p.treg_death * R,
        ),
        (  # B
            p.b_source,
            d.grow_b,
            -d.u * d.grow_b,
            taken_b * d.s_r,
            taken_b * d.s_ca,
            taken_b * d.s_m,
            -inputs.depletion_rate(t) * B,
            -p.b_death * B,
        ),
        (  # Ps: immunosuppression blocks plasmablast generation (antiproliferative drugs)
            d.to_ps,
            -d.u * d.to_ps,
            -ln2 / p.short_lived_half_life * Ps,
        ),
        (  # Pl: long-lived plasma cells are spared by immunosuppression and B-cell depletion
            d.to_pl,
            -ln2 / p.long_lived_half_life * Pl,
        ),
        (  # A
            on.short_lived_plasma_cells * p.antibody_production * Ps,
            on.long_lived_plasma_cells * p.antibody_production * Pl,
            -ln2 / p.antibody_half_life * A,
        ),
        (  # Ci
            d.ci_made,
            -d.ci_made * d.ca_damp / (1.0 + d.ca_damp),
            -p.ci_clearance * Ci,
        ),
        (  # Ca
            p.ca_basal,
            p.treg_ca_production * R,
            on.msc_anti_inflammatory * p.msc_ca_secretion * d.meff,
            -p.ca_clearance * Ca,
        ),
        (  # G
            p.antigen_supply,
            inputs.antigen_input,
            on.damage_antigen_release * p.damage_antigen_release * D,
            on.inflammation_antigen_release * p.inflammation_antigen_release * Ci,
            -p.antigen_clearance * G,
        ),
        (  # D
            on.immune_complex_damage * p.damage_rate * d.complexes * (1.0 - D / p.damage_capacity),
            -p.damage_repair * D,
        ),
        (  # M: infused MSC are cleared with half-life `msc_half_life`
            -ln2 / p.msc_half_life * M,
        ),
    )


#: For each state, the names of its terms in the order `_terms` returns them: (term, mechanism).
#: A mechanism of "" marks basic turnover that cannot be knocked out.
TERMS: dict[str, tuple[tuple[str, str], ...]] = {
    "E": (
        ("supply", ""),
        ("antigen_activation", "antigen_activation"),
        ("immunosuppression", ""),
        ("treg_suppression", "treg_suppression"),
        ("anti_inflammatory_suppression", "anti_inflammatory_suppression"),
        ("msc_suppression", "msc_suppression"),
        ("death", ""),
    ),
    "R": (
        ("supply", ""),
        ("treg_self_induction", "treg_self_induction"),
        ("inflammation_blocks_treg", "inflammation_blocks_treg"),
        ("msc_treg_induction", "msc_treg_induction"),
        ("death", ""),
    ),
    "B": (
        ("supply", ""),
        ("antigen_activation_with_help", "antigen_activation"),
        ("immunosuppression", ""),
        ("treg_suppression", "treg_suppression"),
        ("anti_inflammatory_suppression", "anti_inflammatory_suppression"),
        ("msc_suppression", "msc_suppression"),
        ("b_cell_depletion", ""),
        ("death", ""),
    ),
    "Ps": (
        ("differentiation", "short_lived_plasma_cells"),
        ("immunosuppression", ""),
        ("death", ""),
    ),
    "Pl": (
        ("differentiation", "long_lived_plasma_cells"),
        ("death", ""),
    ),
    "A": (
        ("from_short_lived_plasma_cells", "short_lived_plasma_cells"),
        ("from_long_lived_plasma_cells", "long_lived_plasma_cells"),
        ("clearance", ""),
    ),
    "Ci": (
        ("production", ""),
        ("anti_inflammatory_suppression", "anti_inflammatory_suppression"),
        ("clearance", ""),
    ),
    "Ca": (
        ("supply", ""),
        ("from_tregs", ""),
        ("msc_anti_inflammatory", "msc_anti_inflammatory"),
        ("clearance", ""),
    ),
    "G": (
        ("supply", ""),
        ("antigen_trigger", ""),
        ("damage_antigen_release", "damage_antigen_release"),
        ("inflammation_antigen_release", "inflammation_antigen_release"),
        ("clearance", ""),
    ),
    "D": (
        ("immune_complex_damage", "immune_complex_damage"),
        ("repair", ""),
    ),
    "M": (("clearance", ""),),
}


def rhs(t: Any, y: Any, p: Any, inputs: Inputs = Inputs(), on: Switches = Switches()) -> list[Any]:
    """d(state)/dt in `STATE_NAMES` order: the equations of the model documentation.

    `y` is a sequence of 11 floats (one run) or 11 arrays of equal shape (many runs); `p` is a
    `Parameters` or any object with the same attribute names holding floats or arrays; `inputs`
    and `on` are `Inputs` and `Switches` (or stand-ins with the same attributes:
    `model.engine.vectorised` makes cheaper ones for many members).

    Each rate equals the sum of its mechanism terms (`term_table`, a test checks it), written here
    with the fewest operations, as it is evaluated at every solver step: proliferation divided by
    the suppression index S rather than minus each suppressor's share.
    """
    E, R, B, Ps, Pl, A, Ci, Ca, G, D, M = y
    ln2 = math.log(2.0)
    d = _drives(y, p, inputs, on, t)
    return [
        # supply + (proliferation not blocked by drugs) / S - death
        p.effector_source + (d.grow_e - d.u * d.grow_e) / d.s_all - p.effector_death * E,
        # supply + self-induction (blocked by inflammation) + induction by MSC - death
        p.treg_source
        + d.loop / (1.0 + d.ci_block)
        + on.msc_treg_induction * p.msc_treg_induction * d.meff
        - p.treg_death * R,
        # supply + (proliferation not blocked by drugs) / S - depletion - death
        p.b_source + (d.grow_b - d.u * d.grow_b) / d.s_all - inputs.depletion_rate(t) * B - p.b_death * B,
        # differentiation (not blocked by drugs) - death
        d.to_ps - d.u * d.to_ps - ln2 / p.short_lived_half_life * Ps,
        # differentiation - death
        d.to_pl - ln2 / p.long_lived_half_life * Pl,
        # secretion by both kinds of plasma cell - clearance
        on.short_lived_plasma_cells * p.antibody_production * Ps
        + on.long_lived_plasma_cells * p.antibody_production * Pl
        - ln2 / p.antibody_half_life * A,
        # production damped by anti-inflammatory cytokines - clearance
        d.ci_made / (1.0 + d.ca_damp) - p.ci_clearance * Ci,
        # supply + from Tregs + from MSC - clearance
        p.ca_basal
        + p.treg_ca_production * R
        + on.msc_anti_inflammatory * p.msc_ca_secretion * d.meff
        - p.ca_clearance * Ca,
        # supply + trigger + release from damage and from inflammation - clearance
        p.antigen_supply
        + inputs.antigen_input
        + on.damage_antigen_release * p.damage_antigen_release * D
        + on.inflammation_antigen_release * p.inflammation_antigen_release * Ci
        - p.antigen_clearance * G,
        # immune-complex damage (up to capacity) - repair
        on.immune_complex_damage * p.damage_rate * d.complexes * (1.0 - D / p.damage_capacity) - p.damage_repair * D,
        # clearance of infused MSC
        -ln2 / p.msc_half_life * M,
    ]


def term_table(
    t: Any, y: Any, p: Any, state: str, inputs: Inputs = Inputs(), on: Switches = Switches()
) -> dict[str, Any]:
    """Each term of d(`state`)/dt by name (arrays over `t` when `y` holds arrays; constant terms
    such as a basal supply stay scalars)."""
    values = _terms(y, p, inputs, on, t)[_INDEX[state]]
    return {name: value for (name, _), value in zip(TERMS[state], values, strict=True)}
