"""Model & evidence: the equations, the parameter table with provenance, the assumption sets, and what trials found.

URL state: `assumptions` (the assumption set explained in detail).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import model
from app_pages import plots, url_state, widgets
from model import evidence
from model.core import latex
from model.report import runcard

P = "evidence."
STATE_LABELS = {info.name: info.label for info in model.STATE_INFO}


def _cite(key: str) -> str:
    return evidence.format_citation(evidence.STUDIES[key])


def _outcome(key: str, name: str) -> str:
    return evidence.STUDIES[key].outcome(name).text


def evidence_markdown() -> str:
    """What studies found, in words, with every trial fact read from the study registry."""
    deng = evidence.STUDIES["deng2017"]
    remission = deng.outcome("remission")
    return "\n".join(
        [
            "**What studies found** (from the project's study registry, `model.evidence.STUDIES`; the full "
            "records are on the Evidence page of the docs)",
            "",
            f"- *Uncontrolled series of refractory SLE* ({_cite('wang2014')}; {_cite('wang2018')}): "
            f"{_outcome('wang2014', 'major response')}; {_outcome('wang2018', 'remission')}. Patients stayed on "
            "their usual immunosuppression and there was no control group.",
            f"- *A marker moved; did the disease?* ({_cite('carrion2010')}): {_outcome('carrion2010', 'marker')}.",
            f"- *The one double-blind placebo-controlled trial with published results* ({_cite('deng2017')}; "
            f"population: {evidence.population_text(deng)}): {remission.text}; {evidence.difference_text(remission)}. "
            "Too small to rule out a moderate effect either way, and not in refractory patients.",
            f"- *Pooled randomised trials* ({_cite('zhou2020')}): {_outcome('zhou2020', 'early')}; "
            f"{_outcome('zhou2020', 'proteinuria 12 months')}.",
            f"- *Safety* ({_cite('lalu2012')}; {_cite('wang2021')}): {_outcome('wang2021', 'safety')}. In the lupus "
            f"trial: {deng.adverse_events}.",
            f"- *For comparison, other treatments*: HSCT ({_cite('burt2018')}): {_outcome('burt2018', 'remission')}; "
            f"CD19 CAR-T ({_cite('mackensen2022')}): {_outcome('mackensen2022', 'DORIS')}. Small, selected, "
            "uncontrolled groups; durability and long-term safety unknown.",
            "",
            "The toy model cannot settle any of this: in the model, under `durable_treg` the lasting effect the "
            "claims describe is *assumed*; under the other assumption sets the same infusion fades. Only "
            "controlled trials can tell which assumption is closer to patients.",
        ]
    )


def forest_summary() -> str:
    """The forest plot in one sentence, for readers who cannot see it (shown directly under the plot)."""
    data = evidence.forest_data(evidence.STUDIES)
    spans_zero = int(((data["low"] <= 0) & (data["high"] >= 0)).sum())
    return (
        f"*In words:* {len(data)} differences between randomised arms (percentage points, with 95 % intervals); "
        f"{spans_zero} of the intervals include zero, so those trials did not show a difference, which is not the "
        "same as showing that there is none."
    )


def forest_figure() -> go.Figure:
    """Differences between randomised arms with 95 % intervals (Okabe-Ito colours by therapy)."""
    data = evidence.forest_data(evidence.STUDIES)
    fig = go.Figure()
    for row in data.itertuples():
        label = f"{row.citation}: {row.outcome}"
        fig.add_trace(
            go.Scatter(
                x=[row.difference],
                y=[label],
                mode="markers",
                marker={"symbol": "square", "size": 11, "color": evidence.THERAPY_COLOURS[row.therapy]},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [row.high - row.difference],
                    "arrayminus": [row.difference - row.low],
                    "color": evidence.THERAPY_COLOURS[row.therapy],
                },
                name=row.therapy,
                hovertemplate=f"{label}<br>%{{x:.1f}} points ({row.low:.1f} to {row.high:.1f}); {row.source}"
                "<extra></extra>",
            )
        )
    fig.add_vline(x=0, line_dash="dash", line_color="#000000")
    fig.update_layout(
        title="Randomised trials: difference in response, treatment minus control (illustrative summary)",
        xaxis_title="percentage points (95 % interval); right of 0 favours treatment",
        showlegend=False,
        height=120 + 60 * len(data),
    )
    return fig


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


#: The model's loops in words and a diagram: what a reader needs before the equations.
LOOP = """
```text
   self-antigen (G) ──► T and B cells (E, B) ──► autoantibodies (A) ──► immune complexes
        ▲                                                                    │
        │                                                                    ▼
        └── dying cells, damaged tissue (D) ◄── inflammation (Ci), tissue damage (D)
   brakes: clearance of self-antigen, regulatory T cells (R), anti-inflammatory cytokines (Ca)
   infused MSC (M): suppress E and B, induce R, make Ca, while they are in the body
```

The positive loop keeps lupus going once it has started; the brakes pull the other way. Each
assumption set below is a belief about how strongly MSC push on the brakes, and for how long.
*What to try:* knock out one link of the loop on Explore and watch whether a large trigger still
tips the toy person into disease.
"""


def page() -> None:
    """Draw the Model & evidence page."""
    widgets.page_header(
        "The model and the evidence",
        "What the toy model is made of, where its numbers come from, and what real trials of MSC in lupus found.",
    )
    widgets.init_from_url(f"{P}assumptions", _initial)
    st.header("The model in one loop")
    st.markdown(LOOP)
    st.header("For modellers")
    with st.expander("The equations: eleven states"):
        st.markdown(
            "Eleven states, in arbitrary units (a.u.), time in days. "
            + " ".join(f"${symbol}$: {meaning}." for symbol, meaning in latex.INPUTS)
            + f" {latex.JUMPS}"
        )
        for state, tex in latex.EQUATIONS:
            st.markdown(f"**{STATE_LABELS[state]} ({state})**")
            st.latex(tex)
        st.markdown("**Helpers**: " + ", ".join(what for what, _ in latex.HELPERS))
        st.latex(r",\qquad ".join(tex for _, tex in latex.HELPERS))
        st.markdown(
            f"**Toy lupus activity index** (not SLEDAI): remission below {model.REMISSION_THRESHOLD:g}, "
            f"a flare is a rise above {model.FLARE_THRESHOLD:g}."
        )
        st.latex(latex.ACTIVITY)

    st.subheader("Parameters")
    table = parameter_table()
    st.dataframe(table, hide_index=True)
    widgets.download_table(table, "parameter table of the toy model", "sle-immunomod-parameters.csv", f"{P}csv")
    st.markdown(
        f"*In words:* {len(table)} parameters; "
        f"{len(evidence.cited_parameters(model.PARAMETERS))} have a cited order of magnitude (a source named in "
        "their provenance), "
        "the rest are illustrative choices that make the toy behave like the stylised facts."
    )

    st.header("Assumption sets: beliefs about how MSC work", help=widgets.glossary_help("Assumption set"))
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
    st.subheader("Mechanisms you can knock out", help=widgets.glossary_help("Knockout", "Mechanism term"))
    st.dataframe(
        pd.DataFrame([{"mechanism": m.name, "what it does": m.explanation} for m in model.MECHANISMS]), hide_index=True
    )

    st.header("What studies found")
    st.markdown(evidence_markdown())
    st.subheader(
        "Evidence map: studies by therapy, design and certainty", help=widgets.glossary_help("Certainty of evidence")
    )
    st.dataframe(
        evidence.evidence_map(evidence.STUDIES)[
            ["therapy", "design", "certainty", "key", "citation", "population", "n"]
        ],
        hide_index=True,
    )
    st.plotly_chart(plots.AsGiven(plots.kept_figure("evidence.forest", forest_figure)), key=f"{P}forest")
    st.markdown(forest_summary())
    st.caption(
        "Outcome definitions differ between trials; intervals from counts are Newcombe intervals computed here, "
        "the others as published. Illustrative summary, not medical advice."
    )
    st.subheader("Promotional claims checked")
    st.dataframe(evidence.claims_table(evidence.CLAIMS), hide_index=True)
    widgets.run_card(runcard.parameters_card("Model & evidence: the parameter table", chosen))
    widgets.write_query({"assumptions": chosen})


page()
