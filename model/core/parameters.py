"""Every number of the model, declared once with its meaning, unit, plausible range and provenance.

`Parameters` is a frozen dataclass whose fields carry metadata. Everything else derives from it:
`PARAMETERS` (the table behind the docs, the app sliders, the CLI and the sampling ranges),
validation in `Parameters.replace`, and the bounds of uncertainty and sensitivity analyses.

Units: time in days, amounts in arbitrary units (a.u.) scaled so that healthy levels are of order 1.
The "plausible range" is the box the project tests over (states stay finite and non-negative there)
and the only values the model accepts.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from typing import Any, NamedTuple

from .errors import ParameterError
from .validation import check_range

__all__ = ["PARAMETERS", "ParameterError", "ParameterInfo", "Parameters", "parameter_info"]

ILLUSTRATIVE = "illustrative choice"


class ParameterInfo(NamedTuple):
    """Metadata of one parameter: the single source of truth for docs, sliders and sampling."""

    name: str
    symbol: str
    description: str
    unit: str
    default: float
    low: float
    high: float
    provenance: str
    log_scale: bool = True
    group: str = ""
    label: str = ""


def _param(
    default: float,
    low: float,
    high: float,
    *,
    symbol: str,
    unit: str,
    description: str,
    provenance: str = ILLUSTRATIVE,
    log_scale: bool = True,
    group: str,
    label: str = "",
) -> Any:
    if not low <= default <= high:
        raise ValueError(f"default {default} of {symbol} is outside its own range [{low}, {high}]")
    meta = {
        "symbol": symbol,
        "unit": unit,
        "description": description,
        "low": low,
        "high": high,
        "provenance": provenance,
        "log_scale": log_scale,
        "group": group,
        "label": label,
    }
    return dataclasses.field(default=default, metadata=meta)


_IGG = (
    "order of magnitude from the serum half-life of IgG in humans, 19-21 days (FcRn recycling; "
    "review: Sand et al. 2015 Front Immunol 5:682)"
)
_MSC = (
    "order of magnitude: viable IV MSC in the lungs up to 24 h and none later in healthy mice given "
    "syngeneic cells (Eggenhofer et al. 2012, mouse, in vivo); in lupus-prone mice human MSC were found "
    "in the kidney 11 weeks later (Gu et al. 2010, mouse, in vivo); lungs first, then liver, spleen and "
    "kidneys across 109 studies (Sanchez-Diaz et al. 2021, review): the range reaches two weeks"
)
_TREG = "order of magnitude from Treg doubling time of about 8 days, Vukmanovic-Stejic et al. 2006 J Clin Invest"
_LLPC = (
    "order of magnitude from Hoyer et al. 2004 J Exp Med 199:1577 "
    "(long-lived plasma cells: half-life > 6 months in lupus mice)"
)
_CYTO = "illustrative: lumped cytokine pools; serum cytokines such as TNF and IL-6 clear within minutes to hours"


@dataclasses.dataclass(frozen=True, slots=True)
class Parameters:
    """All rate constants and scales of the toy SLE model (defaults: a susceptible-but-healthy person).

    Every value is checked against its plausible range in `PARAMETERS` when the object is built,
    whether by `Parameters(...)`, `replace` or `from_dict`; a bad one raises `ParameterError`
    naming the field and its range. Create with defaults, then change fields with `replace`::

        p = Parameters().replace(msc_half_life=2.0)

    A `Parameters` is a complete parameter set: `simulate(params=p)` runs with exactly these
    values (the scenario gives only the start), whereas a mapping of overrides is applied on top
    of the scenario's and the assumption set's (see `model.resolve_parameters`).
    """

    # --- self-antigen (apoptotic debris, nuclear antigen) -------------------------------------
    antigen_supply: float = _param(
        1.0,
        0.5,
        2.0,
        symbol=r"s_G",
        unit="a.u./day",
        group="Self-antigen",
        description="Basal supply of self-antigen from normal cell death (apoptotic debris).",
    )
    antigen_clearance: float = _param(
        1.0,
        0.3,
        2.0,
        label="Self-antigen clearance",
        symbol=r"k_G",
        unit="1/day",
        group="Self-antigen",
        description="Clearance rate of self-antigen by phagocytes; impaired clearance is the "
        "susceptibility parameter (lower = more debris lingers).",
        provenance="illustrative choice; clearance time of a day or two so a trigger lasts long "
        "enough to matter (defective debris clearance in SLE: Biermann et al. 2014 Expert Rev Clin Immunol)",
    )
    damage_antigen_release: float = _param(
        0.3,
        0.1,
        1,
        symbol=r"g_D",
        unit="1/day",
        group="Self-antigen",
        description="Self-antigen released per unit tissue damage (dying tissue exposes nuclear antigen).",
    )
    inflammation_antigen_release: float = _param(
        1.5,
        0.5,
        3.0,
        symbol=r"g_C",
        unit="1/day",
        group="Self-antigen",
        description="Self-antigen released per unit pro-inflammatory cytokine (e.g. NETosis of "
        "neutrophils); stops when inflammation stops.",
    )
    # --- autoreactive effector T cells -----------------------------------------------------------
    effector_activation: float = _param(
        1.5,
        0.5,
        3.0,
        symbol=r"a_E",
        unit="1/day",
        group="Effector T cells",
        description="Maximal antigen-driven proliferation rate of autoreactive effector T cells.",
    )
    activation_threshold: float = _param(
        3.0,
        2.0,
        4.5,
        symbol=r"K_G",
        unit="a.u.",
        group="Effector T cells",
        description="Self-antigen level giving half-maximal activation of T and B cells.",
    )
    activation_hill: float = _param(
        3.0,
        2.0,
        4.0,
        symbol=r"n",
        unit="1",
        group="Effector T cells",
        log_scale=False,
        description="Cooperativity (Hill coefficient) of antigen-driven activation.",
    )
    effector_death: float = _param(
        0.1,
        0.05,
        0.2,
        symbol=r"d_E",
        unit="1/day",
        group="Effector T cells",
        description="Death/contraction rate of activated effector T cells (days to weeks).",
    )
    effector_capacity: float = _param(
        4.0,
        2.0,
        6.0,
        symbol=r"E_{max}",
        unit="a.u.",
        group="Effector T cells",
        description="Carrying capacity of the autoreactive effector compartment.",
    )
    effector_source: float = _param(
        0.001,
        0.0002,
        0.005,
        symbol=r"s_E",
        unit="a.u./day",
        group="Effector T cells",
        description="Trickle of new autoreactive effector cells (thymic escape, bystander activation).",
    )
    treg_suppression: float = _param(
        1.0,
        0.5,
        2.0,
        symbol=r"K_R",
        unit="a.u.",
        group="Effector T cells",
        description="Treg level that halves effector and B-cell proliferation (lower = stronger suppression).",
    )
    ca_suppression: float = _param(
        2.0,
        1.0,
        4.0,
        symbol=r"K_{Ca}",
        unit="a.u.",
        group="Effector T cells",
        description="Anti-inflammatory cytokine level that halves effector and B-cell proliferation.",
    )
    # --- autoreactive B cells, plasma cells, antibodies --------------------------------------
    b_activation: float = _param(
        1.5,
        0.5,
        3.0,
        symbol=r"a_B",
        unit="1/day",
        group="B cells and antibodies",
        description="Maximal antigen- and help-driven proliferation rate of autoreactive B cells.",
    )
    t_help_half: float = _param(
        0.3,
        0.1,
        1.0,
        symbol=r"K_H",
        unit="a.u.",
        group="B cells and antibodies",
        description="Effector T-cell level giving half-maximal help to B cells.",
    )
    b_death: float = _param(
        0.1,
        0.05,
        0.2,
        symbol=r"d_B",
        unit="1/day",
        group="B cells and antibodies",
        description="Death rate of activated autoreactive B cells.",
    )
    b_capacity: float = _param(
        2.0,
        1.0,
        4.0,
        symbol=r"B_{max}",
        unit="a.u.",
        group="B cells and antibodies",
        description="Carrying capacity of the autoreactive B-cell compartment.",
    )
    b_source: float = _param(
        0.001,
        0.0002,
        0.005,
        symbol=r"s_B",
        unit="a.u./day",
        group="B cells and antibodies",
        description="Trickle of new autoreactive B cells from the bone marrow.",
    )
    short_lived_differentiation: float = _param(
        0.2,
        0.05,
        0.5,
        symbol=r"k_{Ps}",
        unit="1/day",
        group="B cells and antibodies",
        description="Rate at which activated B cells become short-lived plasma cells (plasmablasts).",
    )
    long_lived_differentiation: float = _param(
        0.01,
        0.002,
        0.03,
        symbol=r"k_{Pl}",
        unit="1/day",
        group="B cells and antibodies",
        description="Rate at which activated B cells become long-lived plasma cells.",
    )
    short_lived_half_life: float = _param(
        4.0,
        2.0,
        10.0,
        symbol=r"t_{Ps}",
        unit="day",
        group="B cells and antibodies",
        description="Half-life of short-lived plasma cells (plasmablasts).",
    )
    long_lived_half_life: float = _param(
        180.0,
        60.0,
        720.0,
        label="Long-lived plasma cell half-life",
        symbol=r"t_{Pl}",
        unit="day",
        group="B cells and antibodies",
        description="Half-life of long-lived plasma cells (they survive B-cell depletion).",
        provenance=_LLPC,
    )
    antibody_production: float = _param(
        0.017,
        0.005,
        0.05,
        symbol=r"p_A",
        unit="a.u./(a.u. day)",
        group="B cells and antibodies",
        description="Autoantibody secreted per plasma cell per day.",
    )
    antibody_half_life: float = _param(
        21.0,
        14.0,
        28.0,
        label="Antibody half-life",
        symbol=r"t_A",
        unit="day",
        group="B cells and antibodies",
        description="Half-life of autoantibody (IgG) in serum.",
        provenance=_IGG,
    )
    # --- cytokines ---------------------------------------------------------------------------
    ci_basal: float = _param(
        0.5,
        0.1,
        1.0,
        symbol=r"s_{Ci}",
        unit="a.u./day",
        group="Cytokines",
        description="Basal production of pro-inflammatory cytokines.",
    )
    ic_inflammation: float = _param(
        1.5,
        0.5,
        4,
        symbol=r"c_{IC}",
        unit="a.u./day",
        group="Cytokines",
        description="Maximal pro-inflammatory cytokine (IFN-alpha etc.) production driven by immune "
        "complexes (autoantibody x self-antigen) taken up by dendritic cells.",
    )
    ic_saturation: float = _param(
        2.0,
        0.5,
        5.0,
        symbol=r"K_{IC}",
        unit="a.u.^2",
        group="Cytokines",
        description="Immune-complex level at which cytokine production from immune complexes is "
        "half-saturated (dendritic cells have a finite capacity).",
    )
    effector_inflammation: float = _param(
        4.0,
        1.0,
        8.0,
        symbol=r"c_E",
        unit="1/day",
        group="Cytokines",
        description="Pro-inflammatory cytokine (IL-17, IFN-gamma, TNF) made per effector T cell.",
    )
    ci_clearance: float = _param(
        5.0,
        2.0,
        20.0,
        symbol=r"d_{Ci}",
        unit="1/day",
        group="Cytokines",
        description="Clearance rate of pro-inflammatory cytokines.",
        provenance=_CYTO,
    )
    ca_basal: float = _param(
        1.0,
        0.5,
        2.0,
        symbol=r"s_{Ca}",
        unit="a.u./day",
        group="Cytokines",
        description="Basal production of anti-inflammatory cytokines (IL-10, TGF-beta).",
    )
    treg_ca_production: float = _param(
        4.0,
        1.0,
        8.0,
        symbol=r"c_R",
        unit="1/day",
        group="Cytokines",
        description="Anti-inflammatory cytokine made per regulatory T cell.",
    )
    ca_clearance: float = _param(
        5.0,
        2.0,
        20.0,
        symbol=r"d_{Ca}",
        unit="1/day",
        group="Cytokines",
        description="Clearance rate of anti-inflammatory cytokines.",
        provenance=_CYTO,
    )
    ca_ci_inhibition: float = _param(
        2.0,
        1.0,
        4.0,
        symbol=r"K_{CaCi}",
        unit="a.u.",
        group="Cytokines",
        description="Anti-inflammatory cytokine level that halves pro-inflammatory production.",
    )
    # --- regulatory T cells --------------------------------------------------------------------
    treg_source: float = _param(
        0.1,
        0.05,
        0.2,
        symbol=r"s_R",
        unit="a.u./day",
        group="Regulatory T cells",
        description="Thymic and homeostatic supply of regulatory T cells.",
    )
    treg_death: float = _param(
        0.1,
        0.05,
        0.2,
        symbol=r"d_R",
        unit="1/day",
        group="Regulatory T cells",
        description="Turnover rate of regulatory T cells.",
        provenance=_TREG,
    )
    treg_loop: float = _param(
        0.05,
        0.0,
        0.5,
        label="Treg self-sustaining loop",
        symbol=r"\rho",
        unit="1/day",
        group="Regulatory T cells",
        log_scale=False,
        description="Strength of the self-reinforcing Treg loop (TGF-beta/IL-10 inducing more Tregs): "
        "the host memory that could carry an effect beyond the infused cells.",
        provenance="illustrative choice; Treg/Th17 balance (TGF-beta-dependent Treg induction) in "
        "MRL/lpr mice, PMC8466915",
    )
    treg_loop_threshold: float = _param(
        2,
        0.5,
        3,
        symbol=r"K_\rho",
        unit="a.u.",
        group="Regulatory T cells",
        description="Anti-inflammatory cytokine level giving half-maximal Treg self-induction.",
    )
    treg_capacity: float = _param(
        9.5,
        5,
        12,
        symbol=r"R_{max}",
        unit="a.u.",
        group="Regulatory T cells",
        description="Capacity of the regulatory T-cell compartment.",
    )
    ci_treg_inhibition: float = _param(
        0.3,
        0.1,
        1.0,
        symbol=r"K_{CiR}",
        unit="a.u.",
        group="Regulatory T cells",
        description="Pro-inflammatory cytokine level that halves Treg self-induction (IL-6 tilts "
        "the Treg/Th17 balance).",
    )
    # --- tissue damage -------------------------------------------------------------------------
    damage_rate: float = _param(
        0.01,
        0.003,
        0.03,
        symbol=r"k_D",
        unit="1/(a.u. day)",
        group="Tissue damage",
        description="Tissue damage caused per unit immune complex (autoantibody x self-antigen) deposited in tissue.",
    )
    damage_capacity: float = _param(
        3.0,
        1.5,
        5.0,
        symbol=r"D_{max}",
        unit="a.u.",
        group="Tissue damage",
        description="Maximal tissue damage (the damage an organ can accumulate saturates).",
    )
    damage_repair: float = _param(
        0.05,
        0.01,
        0.1,
        symbol=r"d_D",
        unit="1/day",
        group="Tissue damage",
        description="Repair rate of tissue damage (weeks).",
    )
    # --- mesenchymal stromal cells (MSC) -------------------------------------------------------
    msc_half_life: float = _param(
        1.0,
        0.25,
        14.0,
        label="How long infused MSC last (half-life)",
        symbol=r"t_M",
        unit="day",
        group="MSC therapy",
        provenance=_MSC,
        description="Half-life of infused MSC in the body (lungs first; most cleared within days).",
    )
    msc_suppression: float = _param(
        1.0,
        0.1,
        5.0,
        label="MSC suppress effector cells",
        symbol=r"\sigma_M",
        unit="1/a.u.",
        group="MSC therapy",
        description="Suppression of effector and B-cell proliferation per unit active MSC (IDO, PGE2, "
        "TGF-beta; shown in vitro).",
        provenance="illustrative choice; mechanism shown in vitro in rat cells (Zinöcker & Vaage 2012) and "
        "human MSC (PMC3475534)",
    )
    msc_treg_induction: float = _param(
        2.0,
        0.1,
        10.0,
        label="MSC induce regulatory T cells",
        symbol=r"\iota_M",
        unit="1/day",
        group="MSC therapy",
        description="Regulatory T cells induced per unit active MSC per day.",
        provenance="illustrative choice; Treg induction in lupus-prone mice (Chun et al. 2021, mouse, in vivo)",
    )
    msc_ca_secretion: float = _param(
        5.0,
        0.5,
        20.0,
        symbol=r"c_M",
        unit="1/day",
        group="MSC therapy",
        description="Anti-inflammatory cytokine secreted per unit active MSC per day.",
    )
    msc_licensing: float = _param(
        0.0,
        0.0,
        1.0,
        label="MSC need inflammation to act (licensing)",
        symbol=r"\lambda",
        unit="1",
        group="MSC therapy",
        log_scale=False,
        description="How much MSC need licensing by inflammation: 0 = they act whatever the "
        "inflammation, 1 = they act only in proportion to inflammatory licensing.",
        provenance="illustrative choice; licensing by IFN-gamma/TNF shown in vitro (rat cells, Zinöcker & "
        "Vaage 2012; human MSC with lupus-mouse cells, PMC7077055)",
    )
    licensing_threshold: float = _param(
        0.5,
        0.1,
        2.0,
        symbol=r"K_L",
        unit="a.u.",
        group="MSC therapy",
        description="Pro-inflammatory cytokine level giving half-maximal MSC licensing.",
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _check(f.name, getattr(self, f.name)))

    def replace(self, **changes: float) -> Parameters:
        """Return a copy with some fields changed, each checked against its plausible range.

        Raises `ParameterError` naming the field and its allowed range (or the nearest valid
        name for a misspelt one).
        """
        for name, value in changes.items():
            _check(name, value)
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, float]:
        """Field name -> value, in declaration order."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def diff(self, other: Parameters) -> dict[str, tuple[float, float]]:
        """Fields whose values differ: name -> (self's value, other's value)."""
        a, b = self.as_dict(), other.as_dict()
        return {k: (a[k], b[k]) for k in a if a[k] != b[k]}

    @classmethod
    def from_dict(cls, values: Mapping[str, float]) -> Parameters:
        """Defaults overridden by `values` (validated)."""
        return cls().replace(**values)


def _build_table() -> tuple[ParameterInfo, ...]:
    rows = []
    for f in dataclasses.fields(Parameters):
        m = f.metadata
        rows.append(
            ParameterInfo(
                name=f.name,
                symbol=m["symbol"],
                description=m["description"],
                unit=m["unit"],
                default=f.default,
                low=m["low"],
                high=m["high"],
                provenance=m["provenance"],
                log_scale=m["log_scale"] and m["low"] > 0,
                group=m["group"],
                label=m["label"] or f.name.replace("_", " "),
            )
        )
    return tuple(rows)


PARAMETERS: tuple[ParameterInfo, ...] = _build_table()
_BY_NAME = {info.name: info for info in PARAMETERS}


def parameter_info(name: str) -> ParameterInfo:
    """The metadata of one parameter; unknown names raise `ParameterError` with the nearest match."""
    try:
        return _BY_NAME[name]
    except KeyError:
        close = difflib.get_close_matches(name, _BY_NAME, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        errormsg = f"Unknown parameter `{name}`.{hint} Valid names: {', '.join(_BY_NAME)}."
        raise ParameterError(errormsg) from None


def _check(name: str, value: Any) -> float:
    """`value` as a float if `name` is a parameter and `value` lies in its range; else `ParameterError`."""
    info = parameter_info(name)
    return check_range(name, value, info.low, info.high, unit=info.unit)
