"""Model & evidence: the equations, the parameter table with provenance, the assumption sets, and what trials found.

URL state: `assumptions` (the assumption set explained in detail).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

import model
from app_pages import url_state, widgets
from model.core.outcomes import ACTIVITY_REFERENCE

P = "evidence."

#: One equation per state, written from `model/core/equations.py` (terms grouped; see that module).
EQUATIONS: tuple[tuple[str, str], ...] = (
    ("Effector T cells", r"\frac{dE}{dt} = s_E + \frac{(1-u)\,a_E H(G)\,E\,(1 - E/E_{max})}{S} - d_E E"),
    (
        "Regulatory T cells",
        r"\frac{dR}{dt} = s_R + \frac{\rho\,\frac{C_a^2}{C_a^2 + K_\rho^2}\,R\,(1 - R/R_{max})}{1 + C_i/K_{CiR}}"
        r" + \iota_M M_{eff} - d_R R",
    ),
    (
        "Autoreactive B cells",
        r"\frac{dB}{dt} = s_B + \frac{(1-u)\,a_B H(G)\,\frac{E}{E+K_H}\,B\,(1 - B/B_{max})}{S} - \delta(t)\,B - d_B B",
    ),
    (
        "Short-lived plasma cells",
        r"\frac{dP_s}{dt} = (1-u)\,k_{Ps} H(G)\,\frac{E}{E+K_H}\,B - \frac{\ln 2}{t_{Ps}} P_s",
    ),
    ("Long-lived plasma cells", r"\frac{dP_l}{dt} = k_{Pl} H(G)\,\frac{E}{E+K_H}\,B - \frac{\ln 2}{t_{Pl}} P_l"),
    ("Autoantibodies", r"\frac{dA}{dt} = p_A\,(P_s + P_l) - \frac{\ln 2}{t_A} A"),
    (
        "Pro-inflammatory cytokines",
        r"\frac{dC_i}{dt} = \frac{s_{Ci} + c_{IC}\frac{A G}{A G + K_{IC}} + c_E E}{1 + C_a/K_{CaCi}} - d_{Ci} C_i",
    ),
    ("Anti-inflammatory cytokines", r"\frac{dC_a}{dt} = s_{Ca} + c_R R + c_M M_{eff} - d_{Ca} C_a"),
    ("Self-antigen", r"\frac{dG}{dt} = s_G + s_{trigger}(t) + g_D D + g_C C_i - k_G G"),
    ("Tissue damage", r"\frac{dD}{dt} = k_D\,A G\,(1 - D/D_{max}) - d_D D"),
    ("Infused MSC", r"\frac{dM}{dt} = -\frac{\ln 2}{t_M} M \quad\text{(plus a jump of the dose at each infusion)}"),
)
HELPERS = (
    r"H(G) = \frac{G^n}{G^n + K_G^n},\qquad M_{eff} = M\left(1 - \lambda + \lambda\frac{C_i^2}{C_i^2 + K_L^2}\right),"
    r"\qquad S = 1 + \frac{R}{K_R} + \frac{C_a}{K_{Ca}} + \sigma_M M_{eff}"
)
_REF = ACTIVITY_REFERENCE
ACTIVITY = (
    rf"\mathrm{{TLAI}} = \tfrac13\left(\frac{{A}}{{{_REF['A']:g}}} + \frac{{C_i}}{{{_REF['Ci']:g}}}"
    rf" + \frac{{D}}{{{_REF['D']:g}}}\right)"
)

#: Promotional claims checked against the evidence: (claim, verdict, why).
CLAIMS: tuple[tuple[str, str, str], ...] = (
    (
        "Rebalances T and B cells",
        "partly",
        "Shown in mice and in vitro; in patients only surrogate markers, uncontrolled.",
    ),
    (
        "Reduces inflammatory cytokines",
        "not shown in patients",
        "In vitro and mouse data; no controlled human outcome.",
    ),
    (
        "Protects organs",
        "not shown",
        "Only double-blind RCT: no added renal benefit (Deng 2017); pooled gain gone by 12 mo.",
    ),
    ("Less need for medication", "not shown", "MSC series kept immunosuppression; no controlled steroid-sparing data."),
    (
        "Considered safe",
        "partly (short term)",
        "Fever the main infusion event in RCTs; long-term and clinic data limited.",
    ),
    ("Remarkable improvements", "not shown", "Similar rates with standard therapy alone (83% on placebo, Deng 2017)."),
)

EVIDENCE = """
**MSC in lupus: what trials found** (summary in our own words; see the project's reference notes)

- *Uncontrolled series* from one group in Nanjing report remission in roughly a third to a half of
  patients with refractory SLE after MSC infusion, with relapses over 1-5 years and shrinking numbers
  followed up (Wang et al. 2013 Cell Transplant, 87 patients; Wang et al. 2014 Arthritis Res Ther,
  40 patients; Wang et al. 2018 Stem Cell Reports, 5-year follow-up). Patients stayed on their usual
  immunosuppression and there was no control group, so the MSC share of any improvement is unknown.
- *The one double-blind placebo-controlled trial found* (Deng et al. 2017 Ann Rheum Dis, lupus
  nephritis, 18 patients, all on standard immunosuppression) saw remission in 75% with MSC and 83%
  with placebo, and was stopped for lack of added effect.
- *Pooled randomised trials* (Zhou et al. 2020 Stem Cells Int, 4 RCTs) show lower proteinuria and
  disease activity at 3-6 months, but no significant difference at 12 months.
- *Safety*: across many diseases, RCT meta-analyses find transient fever the main infusion-related
  event (Lalu et al. 2012 PLoS One; Wang et al. 2021 Stem Cell Res Ther); serious infections did occur
  in heavily immunosuppressed lupus patients, and clinic products outside trials are not covered.
- *For comparison*: autologous HSCT (Burt et al. 2006 JAMA) and CD19 CAR-T cells (Mackensen et al.
  2022 Nat Med; Müller et al. 2024 NEJM) have produced deeper, sometimes drug-free remissions, in
  small, selected, uncontrolled groups, with real toxicity (HSCT) and unknown long-term durability.

The toy model cannot settle any of this: under `durable_treg` it *assumes* the lasting effect the
claims describe; under the other assumption sets the same infusion fades. Only controlled trials
can tell which assumption is closer to patients.
"""


def _initial(query: Mapping[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    value, warnings = url_state.parse_choice(query, "assumptions", tuple(model.ASSUMPTION_SETS), "durable_treg")
    return {f"{P}assumptions": value}, warnings


def parameter_table() -> pd.DataFrame:
    """Every parameter with symbol, meaning, unit, default, range and provenance (from `model.PARAMETERS`)."""
    rows = [
        {
            "group": p.group,
            "name": p.name,
            "symbol": p.symbol,
            "meaning": p.description,
            "unit": p.unit,
            "default": p.default,
            "range": f"{p.low:g} - {p.high:g}",
            "provenance": p.provenance,
        }
        for p in model.PARAMETERS
    ]
    return pd.DataFrame(rows)


def page() -> None:
    """Draw the Model & evidence page."""
    widgets.page_header(
        "The model and the evidence",
        "What the toy model is made of, where its numbers come from, and what real trials of MSC in lupus found.",
    )
    widgets.init_from_url(f"{P}assumptions", _initial)
    st.header("Equations")
    st.markdown(
        "Eleven states, in arbitrary units (a.u.), time in days. $u$ is the fraction of proliferation "
        "blocked by immunosuppression (or by the fading block after an HSCT-like reset), $\\delta(t)$ the "
        "B-cell kill rate of a depleting drug, $s_{trigger}(t)$ extra self-antigen from a trigger."
    )
    for label, tex in EQUATIONS:
        st.markdown(f"**{label}**")
        st.latex(tex)
    st.markdown("**Helpers**: activation switch, licensed MSC, suppression index")
    st.latex(HELPERS)
    st.markdown(
        f"**Toy lupus activity index** (not SLEDAI): remission below {model.REMISSION_THRESHOLD:g}, "
        f"a flare is a rise above {model.FLARE_THRESHOLD:g}."
    )
    st.latex(ACTIVITY)

    st.header("Parameters")
    table = parameter_table()
    st.dataframe(table, hide_index=True)
    widgets.download_table(table, "parameter table of the toy model", "sle-immunomod-parameters.csv", f"{P}csv")
    st.markdown(
        f"*In words:* {len(table)} parameters; "
        f"{sum(p.provenance != 'illustrative choice' for p in model.PARAMETERS)} have a cited order of magnitude, "
        "the rest are illustrative choices that make the toy behave like the stylised facts."
    )

    st.header("Assumption sets: beliefs about how MSC work")
    chosen = st.selectbox(
        "Assumption set to open",
        list(model.ASSUMPTION_SETS),
        format_func=widgets.assumptions_label,
        key=f"{P}assumptions",
    )
    for name, aset in model.ASSUMPTION_SETS.items():
        with st.expander(aset.title, expanded=name == chosen):
            st.markdown(aset.explanation)
            changes = ", ".join(f"`{k}` = {v:g}" for k, v in aset.overrides.items()) or "none (the defaults)"
            st.markdown(f"Parameter changes: {changes}.  \nBasis: {aset.basis}")
    st.subheader("Mechanisms you can knock out")
    st.dataframe(
        pd.DataFrame([{"mechanism": m.name, "what it does": m.explanation} for m in model.MECHANISMS]), hide_index=True
    )

    st.header("What trials found")
    st.markdown(EVIDENCE)
    st.subheader("Promotional claims checked")
    st.dataframe(pd.DataFrame(CLAIMS, columns=["claim", "verdict", "why"]), hide_index=True)
    widgets.write_query({"assumptions": chosen})


page()
