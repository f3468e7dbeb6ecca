"""How sure are we? Ensembles over uncertain parameters, every assumption set, and what matters most.

All computations are in `model.uncertainty` and `model.sensitivity`; this page keeps the sizes
small (answers in seconds), shows a progress bar while it computes, keeps results for the whole
server (`widgets.computed_once`: a class asking for the same view computes it once), and explains
what the bands mean and do not mean. URL state: the shared run keys
(`scenario`, `assumptions`, `days`, `iv`) plus `n` (members), `spread` (share of the plausible
ranges sampled), `seed`, `outcome` and `method` (sensitivity).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import plotly.graph_objects as go
import streamlit as st

import model
from app_pages import plots, url_state, widgets
from model.analysis import sensitivity, uncertainty
from model.report import runcard

P = "how_sure."
DEFAULT = url_state.RunSpec("active_sle", "baseline", ("msc:day=30,dose=1",), 365)
SIZES: tuple[int, ...] = (16, 32, 64, 128)
DAYS: tuple[int, int] = (60, 730)  # a shorter range than other pages: ensembles of long runs take longer
SPREADS: dict[str, float] = {
    "a quarter of the way to the plausible bounds": 0.25,
    "half way": 0.5,
    "the whole plausible range": 1.0,
}
METHODS: dict[str, str] = {"morris": "Morris screening (fast ranking)", "sobol": "Sobol indices (variance shares)"}
#: Morris trajectories / Sobol base sample of the sensitivity section.
SENSITIVITY_N: dict[str, int] = {"morris": 8, "sobol": 32}
#: Parameters a student can analyse here (teaching ones first); scenario-defining ones included.
SENSITIVITY_PARAMETERS: tuple[str, ...] = (
    "antigen_clearance",
    "treg_loop",
    "msc_treg_induction",
    "msc_half_life",
    "msc_suppression",
    "long_lived_half_life",
    "treg_death",
    "ci_treg_inhibition",
)
OUTCOMES: tuple[str, ...] = ("activity_final", "days_in_remission", "activity_mean", "activity_peak")
DEFAULTS: dict[str, Any] = {"n": 32, "spread": 0.25, "seed": 1, "outcome": "activity_final", "method": "morris"}


def _initial(query: Mapping[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    spec, warnings = url_state.parse_run_spec(query, DEFAULT)
    days = int(min(max(spec.days, DAYS[0]), DAYS[1]))
    if days != spec.days:
        warnings.append(
            f"URL field `days` = {spec.days:g} is outside this page's range [{DAYS[0]}, {DAYS[1]}]; using {days}."
        )
    values: dict[str, Any] = {
        f"{P}scenario": spec.scenario,
        f"{P}assumptions": spec.assumptions,
        f"{P}iv": "\n".join(spec.interventions),
        f"{P}days": days,
    }
    n, w1 = url_state.parse_choice(query, "n", tuple(str(s) for s in SIZES), str(DEFAULTS["n"]))
    spread, w2 = url_state.parse_choice(query, "spread", tuple(f"{v:g}" for v in SPREADS.values()), "0.25")
    seed, w3 = url_state.parse_number(query, "seed", 0, 10_000, DEFAULTS["seed"])
    outcome, w4 = url_state.parse_choice(query, "outcome", OUTCOMES, DEFAULTS["outcome"])
    method, w5 = url_state.parse_choice(query, "method", tuple(METHODS), DEFAULTS["method"])
    values.update(
        {
            f"{P}n": int(n),
            f"{P}spread": next(k for k, v in SPREADS.items() if f"{v:g}" == spread),
            f"{P}seed": int(seed),
            f"{P}outcome": outcome,
            f"{P}method": method,
        }
    )
    return values, warnings + w1 + w2 + w3 + w4 + w5


# --- computations with a progress bar, shared by every session ------------------------------------


def _memo(key: tuple[Any, ...], label: str, compute: Callable[[Callable[[int, int], None]], Any]) -> Any:
    """`compute(progress)` once per `key` for the whole server (a class shares it), with a progress bar."""
    return widgets.computed_once("how_sure", key, label, compute)


def _interventions(texts: tuple[str, ...]) -> list[model.Intervention]:
    return [model.parse_intervention(text) for text in texts]


# --- figures ---------------------------------------------------------------------------------


def fan_figure(ens: uncertainty.EnsembleResult, untreated: uncertainty.EnsembleResult) -> go.Figure:
    """The ensemble's activity bands, with the untreated median dashed for comparison."""
    fig = uncertainty.fan_chart(ens)
    base = untreated.quantiles("activity", (0.5,))
    fig.add_trace(
        go.Scatter(
            x=base.index,
            y=base[0.5],
            name="untreated median",
            mode="lines",
            line={"color": plots.OKABE_ITO["grey"], "dash": "dash", "width": 3},
        )
    )
    return plots.style_figure(fig, "Spread of the toy activity index over parameter sets", "toy activity index (TLAI)")


def probability_figure(summary: Any) -> go.Figure:
    """Bar chart: probability of remission at the end per assumption set, with Wilson error bars."""
    fig = go.Figure(
        go.Bar(
            x=[a.replace("_", " ") for a in summary["assumptions"]],
            y=100 * summary["p_remission"],
            error_y={
                "type": "data",
                "symmetric": False,
                "array": 100 * (summary["p_high"] - summary["p_remission"]),
                "arrayminus": 100 * (summary["p_remission"] - summary["p_low"]),
            },
            marker_color=[plots.RUN_COLORS[k % len(plots.RUN_COLORS)] for k in range(len(summary))],
        )
    )
    fig.update_yaxes(range=[0, 100])
    fig.update_layout(hovermode="closest")
    return plots.style_figure(
        fig, "Share of parameter sets in remission at the end, per assumption set", "% of parameter sets", ""
    )


# --- page --------------------------------------------------------------------------------------


def _controls() -> tuple[url_state.RunSpec, int, float, int]:
    c1, c2, c3 = st.columns(3)
    scenario = c1.selectbox("Scenario", list(model.SCENARIOS), format_func=widgets.scenario_label, key=f"{P}scenario")
    assumptions = c2.selectbox(
        "Assumptions (how MSC act)",
        list(model.ASSUMPTION_SETS),
        format_func=widgets.assumptions_label,
        key=f"{P}assumptions",
    )
    days = c3.slider("Days", *DAYS, step=5, key=f"{P}days")
    text = st.text_area(
        "Treatments, one per line (text form, e.g. msc:day=30,dose=1)",
        key=f"{P}iv",
        height=70,
        help="Kinds: msc, hsct, immunosuppression, bcell_depletion, antigen; see the Explore page.",
    )
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    interventions, warnings = url_state.parse_interventions(lines, days)
    for message in warnings:
        st.warning(message.replace("URL field `iv`", "Treatment"), icon=":material/warning:")
    d1, d2, d3 = st.columns(3)
    n = d1.select_slider("Parameter sets (members)", SIZES, key=f"{P}n")
    spread_label = d2.selectbox("Uncertainty: parameters vary", list(SPREADS), key=f"{P}spread")
    seed = d3.number_input("Random seed", 0, 10_000, step=1, key=f"{P}seed")
    spec = url_state.RunSpec(scenario, assumptions, interventions, days)
    return spec, int(n), SPREADS[spread_label], int(seed)


def _explain_bands() -> None:
    st.markdown(
        "**What the bands mean.** Each parameter set is one equally plausible version of this toy model. "
        "The dark band holds the middle half of them at each day, the light band 90 %. A wide band says: "
        "with numbers this uncertain, the model alone cannot tell what happens.\n\n"
        "**What they do not mean.** They are *not* the chance that a patient improves, not a clinical "
        "prediction interval, and not evidence that MSC work: every member shares the same assumptions "
        "and the same simplified biology. Different assumptions (section 2) can move the answer more than "
        "any band shows."
    )


def _section_ensemble(spec: url_state.RunSpec, n: int, spread: float, seed: int) -> None:
    st.header("1. One story, uncertain numbers", help=widgets.glossary_help("Ensemble", "Uncertainty interval"))
    ranges = uncertainty.ranges_around(spec.scenario, assumptions=spec.assumptions, spread=spread)
    args = (spec.scenario, spec.assumptions, spec.days, n, seed, spread)
    run = {"assumptions": spec.assumptions, "days": spec.days, "n": n, "seed": seed, "ranges": ranges}
    run["chunk_size"] = max(4, n // 4)
    therapy = _interventions(spec.interventions)
    with widgets.user_errors():
        ens = _memo(
            ("ensemble", spec.interventions, *args),
            "Running the ensemble",
            lambda bar: uncertainty.ensemble(spec.scenario, interventions=therapy, **run, progress=bar),
        )
        untreated = _memo(
            ("ensemble", (), *args),
            "Running the untreated ensemble",
            lambda bar: uncertainty.ensemble(spec.scenario, **run, progress=bar),
        )
        treated, base = ens.probability_of_remission(), untreated.probability_of_remission()
        m1, m2 = st.columns(2)
        m1.metric(
            "In remission at the end, with treatment",
            f"{treated.value:.0%}",
            f"{100 * (treated.value - base.value):+.0f} points vs untreated",
            **widgets.delta_style(treated.value - base.value, 0.005, "normal"),
            help="Share of parameter sets with the toy activity index below the remission threshold on the last "
            "day; the 95 % interval reflects only how many sets were run.",
        )
        m1.caption(f"95 % interval {treated.low:.0%} to {treated.high:.0%} (n = {treated.n})")
        m2.metric("Without treatment", f"{base.value:.0%}", help="The same parameter sets, no treatment.")
        m2.caption(f"95 % interval {base.low:.0%} to {base.high:.0%}")
        bands = ens.quantiles("activity")
        plots.show_plot(
            fan_figure(ens, untreated),
            f"At the end of day {spec.days:g}, half of the {n} parameter sets have a toy activity index between "
            f"{bands[0.25].iloc[-1]:.2f} and {bands[0.75].iloc[-1]:.2f} (median {bands[0.5].iloc[-1]:.2f}; "
            f"untreated median {untreated.quantiles('activity', (0.5,))[0.5].iloc[-1]:.2f}).",
            key=f"{P}fig.fan",
        )
        _explain_bands()


def _section_assumptions(spec: url_state.RunSpec, n: int, spread: float, seed: int) -> None:
    st.header("2. Same numbers, different stories")
    st.markdown(
        "The same parameter sets, run under every assumption set about how MSC act. If the bars differ more "
        "than their error bars, the *assumption* matters more than the uncertain numbers."
    )
    ranges = uncertainty.ranges_around(spec.scenario, assumptions="baseline", spread=spread)
    with widgets.user_errors():
        table = _memo(
            ("across", spec.scenario, spec.interventions, spec.days, n, seed, spread),
            "Running every assumption set",
            lambda bar: uncertainty.across_assumptions(
                spec.scenario,
                interventions=_interventions(spec.interventions),
                days=spec.days,
                n=n,
                seed=seed,
                ranges=ranges,
                progress=bar,
                chunk_size=max(4, n // 2),
            ),
        )
        summary = uncertainty.summarize_across(table)
        best = summary.loc[summary["p_remission"].idxmax()]
        worst = summary.loc[summary["p_remission"].idxmin()]
        plots.show_plot(
            probability_figure(summary),
            f"Under '{widgets.assumptions_label(best['assumptions'])}' {best['p_remission']:.0%} of parameter sets "
            f"end in remission; under '{widgets.assumptions_label(worst['assumptions'])}' {worst['p_remission']:.0%}. "
            "Error bars are 95 % Wilson intervals (sampling noise only).",
            key=f"{P}fig.prob",
        )
        hist = uncertainty.outcome_histogram(table, "activity_final", "Toy activity index at the end")
        plots.show_plot(
            plots.style_figure(hist, "Toy activity index at the end, per assumption set", "parameter sets", "TLAI"),
            "Each colour is one assumption set; bars to the left of the remission threshold "
            f"({model.REMISSION_THRESHOLD:g}) are parameter sets in remission.",
            key=f"{P}fig.hist",
        )


@st.fragment
def _section_sensitivity(spec: url_state.RunSpec, n: int, spread: float, seed: int) -> None:
    """Section 3 with the run card and the URL: changing its outcome or method reruns only this part."""
    st.header("3. Which numbers matter most?", help=widgets.glossary_help("Sensitivity analysis"))
    c1, c2 = st.columns(2)
    outcome = c1.selectbox("Outcome", OUTCOMES, key=f"{P}outcome", format_func=lambda s: s.replace("_", " "))
    method = c2.radio("Method", list(METHODS), format_func=METHODS.get, key=f"{P}method", horizontal=True)
    base_runs = SENSITIVITY_N[method]
    ranges = uncertainty.ranges_around(
        spec.scenario, assumptions=spec.assumptions, spread=spread, parameters=SENSITIVITY_PARAMETERS
    )
    analysis = ("sensitivity", outcome, method, spec.scenario, spec.assumptions, spec.interventions, spec.days, seed)
    with widgets.user_errors():
        table = _memo(
            analysis,
            f"Running {method}",
            lambda bar: sensitivity.analyze(
                outcome,
                method=method,
                scenario=spec.scenario,
                assumptions=spec.assumptions,
                interventions=_interventions(spec.interventions),
                days=spec.days,
                n=base_runs,
                seed=seed,
                parameters=list(SENSITIVITY_PARAMETERS),
                ranges=ranges,
                progress=bar,
                chunk_size=64,
            ),
        )
        key = "ST" if method == "sobol" else "mu_star"
        top = table.iloc[0]
        figure = plots.kept_figure(
            analysis,
            lambda: plots.style_figure(sensitivity.indices_figure(table), f"What moves {outcome}?", "", "index"),
        )
        plots.show_plot(
            figure,
            f"Of the {len(table)} parameters varied, {top['name'].replace('_', ' ')} moves "
            f"{outcome.replace('_', ' ')} most ({key} = {top[key]:.3g}); {table.attrs['runs']} runs.",
            key=f"{P}fig.sens",
        )
        st.caption(
            "Morris: mu* is how much the outcome changes, on average, when one parameter steps across its range; "
            "sigma large next to mu* means the effect depends on the others. Sobol: S1 is the share of the "
            "outcome's variance due to one parameter alone, ST the share it takes part in (with interactions). "
            "Indices rank parameters *within this model and these ranges*; they say nothing about real patients."
        )
    _reproduce_and_link(spec, n, spread, seed, outcome, method)


def _reproduce_and_link(spec: url_state.RunSpec, n: int, spread: float, seed: int, outcome: str, method: str) -> None:
    """The run card of the whole view, and the view written to the URL."""
    widgets.run_card(
        runcard.uncertainty_card(
            "How sure are we?",
            scenario=spec.scenario,
            assumptions=spec.assumptions,
            interventions=spec.interventions,
            days=spec.days,
            n=n,
            seed=seed,
            spread=spread,
            outcome=outcome,
            method=method,
            sensitivity_n=SENSITIVITY_N[method],
            sensitivity_parameters=SENSITIVITY_PARAMETERS,
        )
    )
    query = url_state.run_spec_query(spec)
    query.pop("ko", None)
    query.update(
        {"n": [str(n)], "spread": [f"{spread:g}"], "seed": [str(seed)], "outcome": [outcome], "method": [method]}
    )
    widgets.write_query(query)


def page() -> None:
    """Draw the "How sure are we?" page."""
    widgets.page_header(
        "How sure are we?",
        "Every number in the model is uncertain. Here the same treatment is run for many plausible versions "
        "of the model at once, under each story of how MSC might work, to see how much the answer depends "
        "on the numbers and how much on the assumptions. Illustrative only.",
    )
    widgets.init_from_url(f"{P}scenario", _initial)
    spec, n, spread, seed = _controls()
    st.markdown(
        "*What to try:* first predict whether the band in section 1 or the spread between stories in section 2 "
        "will be wider; then compare them."
    )
    _section_ensemble(spec, n, spread, seed)
    _section_assumptions(spec, n, spread, seed)
    st.divider()
    st.markdown(
        "**For modellers.** The next section ranks the uncertain numbers by how much each moves the outcome "
        "(Morris screening and Sobol indices, both explained in the glossary of the docs). The lessons do not need it."
    )
    _section_sensitivity(spec, n, spread, seed)


page()
