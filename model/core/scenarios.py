"""Named starting points (scenarios) and named beliefs about how MSC act (assumption sets).

A `Scenario` is a kind of (toy) person: parameter overrides (chiefly how well self-antigen is
cleared) and a rough initial state from which the simulator runs a burn-in to the scenario's own
attractor. An `AssumptionSet` is a named, explained set of parameter overrides for *how MSC
therapy works*: the same infusion gives different outcomes under different sets, which is the
project's headline lesson.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from types import MappingProxyType

from .parameters import ParameterError, Parameters

__all__ = ["ASSUMPTION_SETS", "SCENARIOS", "AssumptionSet", "Scenario", "get_assumption_set", "get_scenario"]

_HEALTHY_START = {
    "E": 0.02,
    "R": 1.1,
    "B": 0.01,
    "Ps": 0.0,
    "Pl": 0.0,
    "A": 0.0,
    "Ci": 0.07,
    "Ca": 1.1,
    "G": 1.0,
    "D": 0.0,
    "M": 0.0,
}
_ACTIVE_START = {
    "E": 3.0,
    "R": 1.0,
    "B": 1.5,
    "Ps": 1.0,
    "Pl": 3.0,
    "A": 2.0,
    "Ci": 1.5,
    "Ca": 1.0,
    "G": 8.0,
    "D": 2.0,
    "M": 0.0,
}


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A toy person: parameter overrides plus a rough start that a burn-in brings to its attractor."""

    name: str
    title: str
    description: str
    overrides: Mapping[str, float]
    initial: Mapping[str, float]

    def __post_init__(self) -> None:
        Parameters().replace(**self.overrides)
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))
        object.__setattr__(self, "initial", MappingProxyType(dict(self.initial)))


@dataclasses.dataclass(frozen=True)
class AssumptionSet:
    """A named belief about how MSC act, as parameter overrides with an explanation and its source."""

    name: str
    title: str
    explanation: str
    overrides: Mapping[str, float]
    basis: str

    def __post_init__(self) -> None:
        Parameters().replace(**self.overrides)
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "healthy",
            "Healthy",
            "Normal clearance of self-antigen. Autoreactive cells exist but stay quiet; small "
            "bursts of self-antigen fade.",
            {"antigen_clearance": 1.4},
            _HEALTHY_START,
        ),
        Scenario(
            "susceptible",
            "Susceptible (impaired clearance)",
            "Clearance of apoptotic debris is impaired. The person is well, but a large enough "
            "burst of self-antigen (sunburn, infection) can tip the immune system into lasting "
            "autoimmunity.",
            {"antigen_clearance": 0.9},
            _HEALTHY_START,
        ),
        Scenario(
            "active_sle",
            "Active SLE",
            "Impaired clearance with established disease: autoantibodies, inflammation and tissue "
            "damage feed each other. Without treatment the disease stays active. Clearance sits inside "
            "the range where health is also stable (bistable window), so a reset deep enough to "
            "remove the disease's memory (plasma cells, autoantibodies) can leave this toy person "
            "well, while six months of immunosuppression cannot.",
            {"antigen_clearance": 0.76},
            _ACTIVE_START,
        ),
    )
}

ASSUMPTION_SETS: dict[str, AssumptionSet] = {
    a.name: a
    for a in (
        AssumptionSet(
            "baseline",
            "Baseline: MSC act briefly through the host",
            "MSC suppress effector and B-cell proliferation, induce Tregs and secrete IL-10/TGF-beta "
            "while they are in the body (about a day). The Tregs they induce fade over weeks "
            "because the regulatory loop that could sustain them is weak.",
            {},
            "Mechanisms shown in rat cells in vitro (Zinöcker & Vaage 2012) and in lupus-prone mice (Chun "
            "et al. 2021); viable MSC gone from the lungs of healthy mice within about a day (Eggenhofer et "
            "al. 2012), some cells in the kidneys of lupus-prone mice weeks later (Gu et al. 2010).",
        ),
        AssumptionSet(
            "transient_only",
            "Transient effect only",
            "MSC only suppress proliferation while they are present and induce almost no Tregs: "
            "nothing outlives the cells, so the effect is gone within weeks. It also removes the host's own "
            "(weak) regulatory loop, which barely changes the untreated course.",
            {"msc_treg_induction": 0.1, "msc_ca_secretion": 0.5, "treg_loop": 0.0},
            "Viable MSC gone from the lungs of healthy mice within about 24 h (Eggenhofer et al. 2012, "
            "mouse); in pooled small randomised trials the 12-month differences were not statistically "
            "significant, with intervals that include benefit (Zhou et al. 2020).",
        ),
        AssumptionSet(
            "durable_treg",
            "Durable Treg induction",
            "The regulatory loop (TGF-beta inducing Tregs that make more TGF-beta) is strong, so "
            "Tregs induced by MSC can sustain themselves once inflammation falls: the infusion "
            "can tip the system into lasting remission. This is the 'reset' claim, as an assumption. "
            "It changes the host as well as the MSC: the stronger loop also acts without treatment, so the "
            "untreated toy person's activity is lower under this set than under baseline; compare a treated "
            "run with its own untreated run.",
            {"treg_loop": 0.37, "ci_treg_inhibition": 0.8},
            "Treg/Th17 rebalancing dependent on MSC TGF-beta in MRL/lpr mice (Chun et al. 2021, mouse); in "
            "patients only surrogate markers in small uncontrolled series, and Tregs rose without a "
            "clinical change in two patients (Carrion et al. 2010).",
        ),
        AssumptionSet(
            "licensing_required",
            "Licensing required",
            "MSC become suppressive only when licensed by inflammatory cytokines (IFN-gamma, TNF): "
            "given when inflammation is low, they do little.",
            {"msc_licensing": 1.0},
            "Licensing by IFN-gamma and TNF shown in vitro (rat cells, Zinöcker & Vaage 2012; human MSC "
            "with lupus-mouse cells, PMC7077055; Dazzi & Trento 2010 Swiss Med Wkly).",
        ),
    )
}


def _lookup(kind: str, name: str, table: Mapping[str, object]) -> object:
    try:
        return table[name]
    except KeyError:
        close = difflib.get_close_matches(str(name), table, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ParameterError(f"Unknown {kind} {name!r}.{hint} Valid names: {', '.join(table)}.") from None


def get_scenario(name: str | Scenario) -> Scenario:
    """The scenario of that name (a `Scenario` passes through)."""
    if isinstance(name, Scenario):
        return name
    return _lookup("scenario", name, SCENARIOS)  # type: ignore[return-value]


def get_assumption_set(name: str | AssumptionSet) -> AssumptionSet:
    """The assumption set of that name (an `AssumptionSet` passes through)."""
    if isinstance(name, AssumptionSet):
        return name
    return _lookup("assumption set", name, ASSUMPTION_SETS)  # type: ignore[return-value]
