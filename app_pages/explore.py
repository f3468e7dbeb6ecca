"""Explore: one toy patient, a treatment timeline, and what the model does with it.

Scenario and assumption set, sliders for the parameters that matter for teaching (ranges from
`model.PARAMETERS`), an intervention timeline, grouped time series, outcome cards against the
untreated run, mechanism knock-outs and a "why did it move?" panel. The whole state is in the URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

import model
from app_pages import lesson_panel, plots, url_state, widgets

P = "explore."  # Session State key prefix of this page
DEFAULT = url_state.RunSpec("active_sle", "baseline", ("msc:day=30,dose=1",), 365)
GROUPS: dict[str, tuple[str, ...]] = {
    "Cells": ("E", "R", "B", "Ps", "Pl", "M"),
    "Cytokines and antibodies": ("Ci", "Ca", "A"),
    "Antigen and damage": ("G", "D"),
}


def _param_key(name: str) -> str:
    return f"{P}p.{name}"


def _resolved(scenario: str, assumptions: str) -> dict[str, float]:
    return model.resolve_parameters(scenario, assumptions=assumptions).as_dict()


def _shown_parameters() -> tuple[str, ...]:
    """The sliders shown without opening "More parameters": the guided step's, else the first-time few."""
    return lesson_panel.task_parameters(widgets.TEACHING_PARAMETERS, widgets.FIRST_PARAMETERS)


def _state_from_spec(spec: url_state.RunSpec) -> dict[str, Any]:
    """Session State values that show `spec` in the widgets ("More parameters" open when it sets one of those)."""
    values = _resolved(spec.scenario, spec.assumptions) | dict(spec.overrides)
    state: dict[str, Any] = {
        f"{P}scenario": spec.scenario,
        f"{P}assumptions": spec.assumptions,
        f"{P}days": int(spec.days),
        f"{P}ko": list(spec.knockouts),
        f"{P}ivs": list(spec.interventions),
        f"{P}extra": [name for name, _ in spec.overrides if name not in widgets.TEACHING_PARAMETERS],
        f"{P}more_open": any(name not in _shown_parameters() for name, _ in spec.overrides),
    }
    state.update({_param_key(name): float(v) for name, v in values.items()})
    return state


def _initial(query: Mapping[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    spec, warnings = url_state.parse_run_spec(query, DEFAULT)
    return _state_from_spec(spec), warnings


def _reset() -> None:
    """Button callback: everything back to the page defaults."""
    st.session_state.update(_state_from_spec(DEFAULT))
    st.session_state[f"{P}log"] = False
    st.session_state[f"{P}group"] = next(iter(GROUPS))


def _on_basis_change() -> None:
    """Scenario/assumptions callback: sliders the user did not move follow the new resolved values."""
    old = st.session_state.get(f"{P}basis", (DEFAULT.scenario, DEFAULT.assumptions))
    new = (st.session_state[f"{P}scenario"], st.session_state[f"{P}assumptions"])
    before, after = _resolved(*old), _resolved(*new)
    for name in before:
        key = _param_key(name)
        if abs(st.session_state.get(key, before[name]) - before[name]) < 1e-12:
            st.session_state[key] = after[name]


def _remove(index: int) -> None:
    ivs = st.session_state[f"{P}ivs"]
    st.session_state[f"{P}ivs"] = ivs[:index] + ivs[index + 1 :]


def _add() -> None:
    """Button callback: build the intervention from the editor fields; a bad one leaves an error message."""
    text = widgets.edited_intervention(f"{P}new")
    try:
        item = model.parse_intervention(text)
        if item.first_day() >= st.session_state[f"{P}days"]:
            raise model.InterventionError(f"{item.describe()} starts after the end of the run")
    except model.InterventionError as exc:
        st.session_state[f"{P}add_error"] = str(exc)
        return
    st.session_state[f"{P}add_error"] = ""
    st.session_state[f"{P}ivs"] = [*st.session_state[f"{P}ivs"], model.format_intervention(item)]


def _slider(name: str, default: float) -> None:
    """A parameter slider starting at `default` unless the user (or the URL) set it."""
    st.session_state.setdefault(_param_key(name), default)
    widgets.parameter_slider(name, _param_key(name))


def sidebar() -> Any:
    """Scenario, assumptions, run length, the sliders under "More parameters", knock-outs, reset; returns the
    sidebar's place for the sliders shown first, which `live` draws (moving one reruns only that fragment)."""
    sb = st.sidebar
    sb.header("Set up the toy patient")
    sb.selectbox(
        "Scenario",
        list(model.SCENARIOS),
        format_func=widgets.scenario_label,
        key=f"{P}scenario",
        on_change=_on_basis_change,
        help=widgets.glossary_help(
            "Scenario", before="\n\n".join(f"**{s.title}**: {s.description}" for s in model.SCENARIOS.values())
        ),
    )
    sb.selectbox(
        "How MSC work (assumption set)",
        list(model.ASSUMPTION_SETS),
        format_func=widgets.assumptions_label,
        key=f"{P}assumptions",
        on_change=_on_basis_change,
        help=widgets.glossary_help(
            "Assumption set",
            before="\n\n".join(f"**{a.title}**: {a.explanation}" for a in model.ASSUMPTION_SETS.values()),
        ),
    )
    sb.slider("Days to simulate", *url_state.DAYS_RANGE, step=5, key=f"{P}days")
    sb.subheader("Parameters", help=widgets.glossary_help("Parameter"))
    sb.caption("Defaults are the values for the chosen scenario and assumptions.")
    slot = sb.container()
    resolved = _resolved(st.session_state[f"{P}scenario"], st.session_state[f"{P}assumptions"])
    shown = _shown_parameters()
    with sb:
        _hidden_changes(shown, resolved)
        with st.expander("More parameters", expanded=st.session_state.get(f"{P}more_open", False)):
            for name in (n for n in widgets.TEACHING_PARAMETERS if n not in shown):
                _slider(name, resolved[name])
            others = [p.name for p in model.PARAMETERS if p.name not in widgets.TEACHING_PARAMETERS]
            st.multiselect("Add sliders for", others, key=f"{P}extra")
            for name in st.session_state[f"{P}extra"]:
                _slider(name, resolved[name])
    sb.multiselect(
        "Knock out mechanisms ('what if MSC did not induce Tregs?')",
        list(url_state.MECHANISM_TEXT),
        key=f"{P}ko",
        format_func=lambda n: n.replace("_", " "),
        help=widgets.glossary_help(
            "Knockout",
            before="\n\n".join(f"**{k.replace('_', ' ')}**: {v}" for k, v in url_state.MECHANISM_TEXT.items()),
        ),
    )
    sb.button("Reset to defaults", on_click=_reset, icon=":material/restart_alt:", width="stretch")
    return slot


def parameter_sliders() -> None:
    """The sliders shown first: the first few parameters, or the guided step's."""
    resolved = _resolved(st.session_state[f"{P}scenario"], st.session_state[f"{P}assumptions"])
    for name in _shown_parameters():
        _slider(name, resolved[name])


def _hidden_changes(shown: tuple[str, ...], resolved: Mapping[str, float]) -> None:
    """A caption naming the parameters under "More parameters" that differ from the scenario's values."""
    changed = [
        f"{widgets.PARAMETER_INFO[n].label} {st.session_state[_param_key(n)]:g}"
        for n in (*widgets.TEACHING_PARAMETERS, *st.session_state[f"{P}extra"])
        if n not in shown and abs(st.session_state.get(_param_key(n), resolved[n]) - resolved[n]) > 1e-12
    ]
    if changed:
        st.caption("Also set, under More parameters: " + "; ".join(changed) + ".")


def current_spec() -> url_state.RunSpec:
    """The run the widgets describe."""
    ss = st.session_state
    scenario, assumptions = ss[f"{P}scenario"], ss[f"{P}assumptions"]
    resolved = _resolved(scenario, assumptions)
    shown = [*widgets.TEACHING_PARAMETERS, *ss[f"{P}extra"]]
    overrides = {n: float(ss[_param_key(n)]) for n in shown if abs(ss[_param_key(n)] - resolved[n]) > 1e-12}
    return url_state.RunSpec(
        scenario,
        assumptions,
        tuple(ss[f"{P}ivs"]),
        float(ss[f"{P}days"]),
        tuple(ss[f"{P}ko"]),
        tuple(sorted(overrides.items())),
    )


def timeline_editor() -> None:
    """The list of interventions with remove buttons, and a small form to add one."""
    st.header("Treatment timeline")
    ivs = st.session_state[f"{P}ivs"]
    if not ivs:
        st.markdown("No treatment yet: the run shows the untreated course.")
    for i, text in enumerate(ivs):
        left, right = st.columns([6, 1])
        left.markdown(f"**{i + 1}.** {model.parse_intervention(text).describe()}  `{text}`")
        right.button("Remove", key=f"{P}remove.{i}.{text}", on_click=_remove, args=(i,))
    with widgets.lazy_expander("Add a treatment or trigger", f"{P}adding", expanded=not ivs) as opened:
        if opened:
            widgets.intervention_editor(f"{P}new")
            st.button("Add to timeline", on_click=_add, icon=":material/add:")
            if st.session_state.get(f"{P}add_error"):
                st.error(st.session_state[f"{P}add_error"])


def results(spec: url_state.RunSpec) -> None:
    """Outcome cards, plots, "why did it move?" and the CSV download for `spec`."""
    if lesson_panel.hold_results():
        return
    res, untreated = widgets.run_spec(spec), widgets.run_spec(spec.untreated())
    if res is None or untreated is None:
        return
    what = spec.describe_interventions()
    aset = widgets.assumptions_label(spec.assumptions)
    st.header("Outcomes (against the run without the timeline)")
    st.markdown(
        "*What to try:* read the cards, then hover on the curve. Which card changes most when you move a "
        "slider in the sidebar?"
    )
    widgets.outcome_cards(res, untreated)
    runs = [(what, res), ("untreated", untreated)] if spec.interventions else [("untreated", res)]
    fig = plots.activity_figure(
        runs,
        f"Toy activity index: {widgets.scenario_label(spec.scenario)}, {aset}",
        ["untreated"] if spec.interventions else [],
    )
    plots.add_intervention_marks(fig, res)
    plots.show_plot(fig, plots.activity_summary(res, untreated), key=f"{P}fig.activity")

    inside_the_model(spec)
    why_did_it_move(spec)
    widgets.download_csv([(what, res)], "sle-immunomod-explore.csv", key=f"{P}csv")
    widgets.reproduce_runs(f"Explore, {spec.scenario} under {spec.assumptions}: {what}", runs, "sle-immunomod-explore")


@st.fragment
def inside_the_model(spec: url_state.RunSpec) -> None:
    """Time series of one group of states; choosing the group or the scale reruns only this part."""
    st.header("Inside the model")
    res = widgets.run_spec(spec)
    if res is None:
        return
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    st.session_state.setdefault(f"{P}group", next(iter(GROUPS)))
    group = left.segmented_control("States to show", list(GROUPS), key=f"{P}group", required=True)
    log = right.checkbox("Log scale", key=f"{P}log", help="Shows small and large amounts together.")
    states = GROUPS[group]
    fig = plots.states_figure(res, states, f"{group} over time", log)
    ends = ", ".join(f"{plots.STATE_LABELS[s].lower()} {plots.fmt_amount(res[s][-1])}" for s in states)
    plots.show_plot(fig, f"At the end of the run (a.u.): {ends}.", key=f"{P}fig.states")


@st.fragment
def why_did_it_move(spec: url_state.RunSpec) -> None:
    """The mechanism terms of one state's rate, on request: computed and drawn only while the panel is open.

    It is the costliest part of a slider move after the runs themselves, and most moves do not look
    at it; opening the panel or choosing a state reruns only this part.
    """
    st.header("Why did it move?", help=widgets.glossary_help("Mechanism term"))
    with st.expander("Split one state's rate into the mechanisms behind it", key=f"{P}why_open", on_change="rerun"):
        if not st.session_state.get(f"{P}why_open"):
            return
        state = st.selectbox(
            "State to explain",
            list(model.STATE_NAMES),
            index=0,
            format_func=lambda s: f"{plots.STATE_LABELS[s]} ({s})",
            key=f"{P}why",
        )
        with widgets.user_errors():
            table = widgets.contributions_cached(spec, state)
            plots.show_plot(
                plots.contributions_figure(table, state), plots.contributions_summary(table, state), key=f"{P}fig.why"
            )


widgets.page_header(
    "Explore the toy model",
    "Pick a toy patient and a belief about how MSC work, put treatments on the timeline, and watch what "
    "the model does. Every number here is illustrative.",
)


@st.fragment
def live(slider_slot: Any) -> None:
    """The sliders shown first (drawn in the sidebar's `slider_slot`) and everything they change: the results
    and the URL. Moving one of them reruns only this part, not the page's other controls; the sliders under
    "More parameters" belong to the whole page, and this part reads their values."""
    with slider_slot:
        parameter_sliders()
    spec = current_spec()
    st.session_state[f"{P}basis"] = (spec.scenario, spec.assumptions)
    results(spec)
    widgets.write_query(url_state.run_spec_query(spec))


widgets.init_from_url(f"{P}scenario", _initial)
slot = sidebar()
timeline_editor()
live(slot)
