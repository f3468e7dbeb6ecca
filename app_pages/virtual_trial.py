"""Virtual trial: predict, run one trial, run it 1,000 times, and see how many patients it would take.

All statistics are in `model.trial`; this page picks a ready-made design (`model.trial.PRESETS`),
asks for a prediction before it reveals anything, and caches every computation on a small
hashable key. URL state: `design`, `assumptions`, `endpoint`, `noise`, `inert`, `enrol`, `seed`, `pop`.
Illustrative teaching model, not predictive, not medical advice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import model
from app_pages import plots, url_state, widgets
from model import trial
from model.evidence import STUDIES, format_citation
from model.report import runcard

P = "virtual_trial."
N_TRIALS = 1000
NOISES: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3)
POPULATIONS: tuple[int, ...] = (1000, 2000, 4000)
#: Total patients on the power curve (those above a tenth of the population are left out).
CURVE_SIZES: tuple[int, ...] = (8, 12, 18, 24, 36, 50, 72, 100, 150, 200, 300, 400)
PREDICTIONS: tuple[str, ...] = (
    "MSC clearly better (statistically significant)",
    "No statistically significant difference",
    "MSC clearly worse (statistically significant)",
)
DEFAULTS: dict[str, Any] = {
    "design": "deng_like",
    "assumptions": "durable_treg",
    "endpoint": "remission_at_end",
    "noise": 0.0,
    "inert": False,
    "seed": 1,
    "pop": 2000,
    "enrol": False,
}
#: The before/after design's enrolment rule, offered to randomised designs too (same patients, with a control arm).
HIGH_INDEX = trial.preset("before_after").enrol_above


class Key(NamedTuple):
    """Everything that defines the design on this page (small and hashable, for the caches)."""

    design: str
    assumptions: str
    endpoint: str
    noise: float
    inert: bool
    pop: int
    enrol: bool = False


def design_for(key: Key) -> trial.TrialDesign:
    """The `model.trial` design the page's choices stand for."""
    changes: dict[str, Any] = {"assumptions": key.assumptions, "population_size": key.pop}
    if key.design != "before_after":
        changes.update(endpoint=key.endpoint, noise=key.noise)
        if key.enrol:
            changes["enrol_above"] = HIGH_INDEX
    if key.inert:
        changes["treatment"] = trial.STANDARD_CARE
    return trial.preset(key.design, **changes)


@st.cache_data(max_entries=64, show_spinner=False)
def run_once(key: Key, seed: int) -> dict[str, Any]:
    """One trial: its result fields and its per-patient table."""
    result = trial.run(design_for(key), seed)
    fields = {name: getattr(result, name) for name in ("difference", "ci_low", "ci_high", "p_value")}
    return {
        **fields,
        "significant": result.significant,
        "true_difference": result.true_difference,
        "test": result.test,
        "text": result.describe(),
        "patients": result.patients,
    }


@st.cache_data(max_entries=32, show_spinner=False)
def run_many(key: Key, seed: int) -> pd.DataFrame:
    """`N_TRIALS` replicate trials (one row each)."""
    return trial.replicate(design_for(key), N_TRIALS, seed)


@st.cache_data(max_entries=32, show_spinner=False)
def power_curve(key: Key, seed: int) -> pd.DataFrame:
    """Share of significant trials against the total number of patients."""
    design = design_for(key)
    sizes = [n for n in CURVE_SIZES if n <= design.max_patients]
    return trial.power(design, sizes, N_TRIALS, seed)


# --- state from the URL ------------------------------------------------------------------------


def _initial(query: Mapping[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    design, w1 = url_state.parse_choice(query, "design", tuple(trial.PRESETS), DEFAULTS["design"])
    sets = tuple(model.ASSUMPTION_SETS)
    assumptions, w2 = url_state.parse_choice(query, "assumptions", sets, DEFAULTS["assumptions"])
    endpoint, w3 = url_state.parse_choice(query, "endpoint", tuple(trial.ENDPOINTS), DEFAULTS["endpoint"])
    noise, w4 = url_state.parse_choice(query, "noise", tuple(f"{v:g}" for v in NOISES), "0")
    inert, w5 = url_state.parse_choice(query, "inert", ("0", "1"), "0")
    seed, w6 = url_state.parse_number(query, "seed", 0, 10_000, DEFAULTS["seed"])
    pop, w7 = url_state.parse_choice(query, "pop", tuple(map(str, POPULATIONS)), str(DEFAULTS["pop"]))
    enrol, w8 = url_state.parse_choice(query, "enrol", ("0", "1"), "0")
    values = {
        f"{P}design": design,
        f"{P}assumptions": assumptions,
        f"{P}endpoint": endpoint,
        f"{P}noise": float(noise),
        f"{P}inert": inert == "1",
        f"{P}seed": int(seed),
        f"{P}pop": int(pop),
        f"{P}enrol": enrol == "1",
    }
    return values, w1 + w2 + w3 + w4 + w5 + w6 + w7 + w8


def _query(key: Key, seed: int) -> dict[str, str]:
    return {
        "design": key.design,
        "assumptions": key.assumptions,
        "endpoint": key.endpoint,
        "noise": f"{key.noise:g}",
        "inert": "1" if key.inert else "0",
        "seed": str(seed),
        "pop": str(key.pop),
        "enrol": "1" if key.enrol else "0",
    }


# --- wording -----------------------------------------------------------------------------------


def _deng_sizes() -> str:
    arms = STUDIES["deng2017"].arms
    return " versus ".join(f"{n} ({name})" for name, n in arms.items())


def _scaled(key: Key, value: float) -> str:
    """A difference as the page shows it: percentage points for remission, index units for the change."""
    if key.design != "before_after" and key.endpoint == "remission_at_end":
        return f"{100 * value:+.0f} points"
    return f"{value:+.2f}"


def _outcome_label(key: Key) -> str:
    if key.design == "before_after":
        return "mean change in the toy activity index, end minus baseline (treated patients)"
    if key.endpoint == "remission_at_end":
        return "difference in the share in remission, MSC arm minus control arm"
    return "difference in the mean change of the toy activity index, MSC arm minus control arm"


# --- figures -----------------------------------------------------------------------------------


def distribution_figure(key: Key, table: pd.DataFrame) -> go.Figure:
    """Histogram of the estimates of every replicate trial, split by significance, with the truth and zero."""
    scale = 100.0 if key.design != "before_after" and key.endpoint == "remission_at_end" else 1.0
    fig = go.Figure()
    for flag, name, colour in ((False, "not significant", "grey"), (True, "significant (p < 0.05)", "vermillion")):
        part = table[table["significant"] == flag]
        fig.add_trace(
            go.Histogram(x=scale * part["difference"], name=name, marker_color=plots.OKABE_ITO[colour], nbinsx=40)
        )
    truth = scale * float(table.attrs["true_difference"])
    fig.add_vline(x=truth, line={"color": plots.OKABE_ITO["blue"], "width": 3})
    fig.add_annotation(x=truth, y=1.0, yref="paper", text="true difference", showarrow=False, yanchor="bottom")
    fig.add_vline(x=0.0, line={"color": "black", "dash": "dot", "width": 1})
    fig.update_layout(barmode="stack", hovermode="closest")
    x_title = "percentage points" if scale == 100.0 else "toy activity index units"
    return plots.style_figure(fig, f"What {N_TRIALS:,} runs of the same trial estimate", "trials", x_title)


def power_figure(curve: pd.DataFrame, current: int) -> go.Figure:
    """Share of significant trials against the total number of patients, with Wilson 95 % intervals."""
    fig = go.Figure(
        go.Scatter(
            x=curve["n_patients"],
            y=100 * curve["power"],
            mode="lines+markers",
            name="share significant",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": 100 * (curve["power_high"] - curve["power"]),
                "arrayminus": 100 * (curve["power"] - curve["power_low"]),
            },
        )
    )
    fig.add_hline(y=80, line={"dash": "dash", "color": plots.OKABE_ITO["grey"]}, annotation_text="80 %")
    mark = {"dash": "dot", "color": plots.OKABE_ITO["vermillion"]}
    fig.add_vline(x=current, line=mark, annotation_text="this design")
    fig.update_yaxes(range=[0, 100])
    fig.update_xaxes(type="log")
    fig.update_layout(hovermode="closest")
    return plots.style_figure(fig, "How often a trial of each size is significant", "% of trials", "patients in all")


# --- page sections -----------------------------------------------------------------------------


def _controls() -> tuple[Key, int]:
    c1, c2, c3 = st.columns(3)
    design = c1.radio(
        "Design",
        list(trial.PRESETS),
        format_func=lambda k: trial.PRESETS[k],
        key=f"{P}design",
        help=widgets.glossary_help("Randomised controlled trial", "Before/after series"),
    )
    assumptions = c2.selectbox(
        "Truth in the model (how MSC act)",
        list(model.ASSUMPTION_SETS),
        format_func=widgets.assumptions_label,
        key=f"{P}assumptions",
        help=widgets.glossary_help(
            "Assumption set", before="What MSC really do in the model's patients: a real trial never knows this."
        ),
    )
    inert = c2.checkbox("Make MSC inert (the MSC arm gets standard therapy only)", key=f"{P}inert")
    endpoint = c3.radio(
        "Endpoint",
        list(trial.ENDPOINTS),
        format_func=lambda k: trial.ENDPOINTS[k].split(" (")[0],
        key=f"{P}endpoint",
        disabled=design == "before_after",
        help=widgets.glossary_help(
            "Endpoint",
            before="; ".join(f"**{k.replace('_', ' ')}**: {v}" for k, v in trial.ENDPOINTS.items())
            + ". A before/after series always measures the change from baseline.",
        ),
    )
    noise = c3.select_slider(
        "Measurement noise on the index (SD)",
        NOISES,
        key=f"{P}noise",
        disabled=design == "before_after",
        help="How far a measured index may lie from the patient's true index (a standard deviation in index units): "
        "real measurements are never exact. The before/after design has its own noise and enrolment rule (see the "
        "design line below).",
    )
    enrol = c3.checkbox(
        f"Enrol only patients whose measured index is at least {HIGH_INDEX:g}",
        key=f"{P}enrol",
        disabled=design == "before_after",
        help="The before/after design always enrols this way.",
    )
    d1, d2 = st.columns(2)
    seed = d1.number_input("Random seed", 0, 10_000, step=1, key=f"{P}seed", help=widgets.glossary_help("Random seed"))
    pop = d2.selectbox(
        "Virtual population to recruit from (patients)",
        POPULATIONS,
        key=f"{P}pop",
        help=widgets.glossary_help("Virtual population"),
    )
    return Key(design, assumptions, endpoint, float(noise), bool(inert), int(pop), bool(enrol)), int(seed)


def _predict(key: Key) -> str | None:
    st.header("1. Predict")
    st.markdown(
        "Before anything runs: if this trial were run once, what would it find? And if it were run "
        f"{N_TRIALS:,} times with new patients each time, in how many would the difference be statistically "
        "significant?"
    )
    choice = st.radio("One run of this trial will show", PREDICTIONS, index=None, key=f"{P}guess.{key}")
    st.slider("My guess: % of the repeated trials that are significant", 0, 100, 50, key=f"{P}share.{key}")
    return choice


def _revealed(clicked: bool, step: str, key: Key, seed: int) -> bool:
    """Whether a step's result is shown: once its button was clicked for this design and seed, it stays."""
    flag = f"{P}shown.{step}.{key}.{seed}"
    if clicked:
        st.session_state[flag] = True
    return bool(st.session_state.get(flag))


def _reveal_once(key: Key, seed: int, prediction: str) -> None:
    st.header("2. Run it once")
    if not _revealed(st.button("Run the trial", key=f"{P}once", disabled=prediction is None), "once", key, seed):
        st.caption("Make a prediction first; the result is revealed when you run the trial.")
        return
    with st.spinner("Simulating the virtual population under both arms (once per design)..."):
        result = run_once(key, seed)
    m1, m2, m3 = st.columns(3)
    m1.metric(
        "Estimated difference",
        _scaled(key, result["difference"]),
        help=widgets.glossary_help("Confidence interval", before=_outcome_label(key)),
    )
    m1.caption(f"95 % interval {_scaled(key, result['ci_low'])} to {_scaled(key, result['ci_high'])}")
    m2.metric("p-value", f"{result['p_value']:.3f}", help=widgets.glossary_help("p-value", before=result["test"]))
    m2.caption("statistically significant" if result["significant"] else "not statistically significant")
    m3.metric("True difference in the model's population", _scaled(key, result["true_difference"]))
    m3.caption("known here, never known in a real trial")
    st.markdown(result["text"])
    if not result["significant"]:
        st.markdown("Not significant does **not** mean no effect: look at how wide the interval is.")
    with st.expander("Every patient of this trial"):
        st.dataframe(result["patients"], hide_index=True)
        widgets.download_table(
            result["patients"], "virtual trial, one row per patient", "virtual-trial.csv", key=f"{P}download"
        )
    widgets.run_card(runcard.trial_card("Virtual trial, run once", design_for(key), seed))


def _reveal_many(key: Key, seed: int, design: trial.TrialDesign) -> None:
    st.header(f"3. Run it {N_TRIALS:,} times")
    if not _revealed(st.button(f"Run {N_TRIALS:,} trials", key=f"{P}many"), "many", key, seed):
        st.caption("Each repeat recruits new patients from the same virtual population.")
        return
    table = run_many(key, seed)
    summary = trial.summarise(table)
    guess = st.session_state.get(f"{P}share.{key}", 50)
    m1, m2, m3 = st.columns(3)
    m1.metric(
        "Trials that were significant",
        f"{summary['share_significant']:.1%}",
        f"{100 * summary['share_significant'] - guess:+.0f} points vs my guess",
        delta_color="off",
    )
    m2.metric(
        "Intervals that contain the truth",
        f"{summary['coverage']:.1%}",
        help=widgets.glossary_help("Confidence interval", before="95 % intervals should: 95 %"),
    )
    m3.metric("Average estimate", _scaled(key, summary["mean_difference"]))
    plots.show_plot(
        distribution_figure(key, table),
        f"Of {N_TRIALS:,} identical trials, {summary['share_significant']:.0%} were significant; the estimates "
        f"spread around the true difference ({_scaled(key, summary['true_difference'])}), and "
        f"{summary['coverage']:.0%} of the 95 % intervals contained it.",
        key=f"{P}fig.many",
    )
    if design.kind == "before_after":
        st.markdown(
            "Every patient here improved on *standard therapy* as well, and patients were enrolled when a noisy "
            "measurement was high, so the next measurement tends to be lower anyway (regression to the mean). "
            "Without a control arm, both look like an effect of MSC."
        )
    _power(key, seed, design)


def _power(key: Key, seed: int, design: trial.TrialDesign) -> None:
    st.header("4. How many patients would it take?", help=widgets.glossary_help("Statistical power"))
    with st.spinner("Repeating trials of every size..."):
        curve = power_curve(key, seed)
    best = curve.iloc[-1]
    plots.show_plot(
        power_figure(curve, design.n_patients),
        f"With {int(best['n_patients'])} patients in all, {best['power']:.0%} of trials are significant; with "
        f"{design.n_patients}, {curve.loc[curve['n_patients'] <= design.n_patients, 'power'].max():.0%}. When the "
        "true difference is zero, every point should sit near 5 % (false positives).",
        key=f"{P}fig.power",
    )


def page() -> None:
    """Draw the Virtual trial page."""
    widgets.page_header(
        "Virtual trial",
        "In the model the truth is known. Here virtual patients are randomised to standard therapy with or "
        "without MSC, to feel what a small trial can and cannot tell, and why uncontrolled before/after series "
        f"mislead. The Deng-like design uses the arm sizes of {format_citation(STUDIES['deng2017'])}: "
        f"{_deng_sizes()}. Illustrative only: these are toy patients, not a prediction for any real trial.",
    )
    widgets.init_from_url(f"{P}design", _initial)
    st.markdown(
        "*What to try:* keep the Deng-like design and make your prediction in section 1 before anything runs. "
        "Then change one thing at a time (the design, *Make MSC inert*, the noise) and predict again before each "
        "run: which change alters what a single trial can tell you?"
    )
    with st.expander("The words on this page, in plain language"):
        st.markdown(
            widgets.glossary_help(
                "Randomised controlled trial",
                "Before/after series",
                "Endpoint",
                "p-value",
                "Confidence interval",
                "Statistical power",
                "Virtual population",
            )
        )
    key, seed = _controls()
    with widgets.user_errors("This design cannot run"):
        design = design_for(key)
        st.caption(f"Design: {design.describe()}")
        prediction = _predict(key)
        _reveal_once(key, seed, prediction)
        _reveal_many(key, seed, design)
    widgets.write_query(_query(key, seed))


page()
