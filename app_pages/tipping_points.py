"""Tipping points: phase plane, steady states against a parameter (hysteresis), and a remission map.

All computations are in `model.phaseplane`; this page only caches and draws them. URL state:
`scenario`, `assumptions`, `x`, `y` (phase-plane states), `param` (swept parameter), `mx`, `my`
(remission-map states), `ma` (remission-map assumption set) and `dose` (MSC dose of the remission map).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import model
from app_pages import lesson_panel, plots, url_state, widgets
from model.analysis import phaseplane
from model.report import runcard

P = "tipping."
STATES = tuple(s for s in model.STATE_NAMES if s != "M")
#: Pairs of states with a direct two-way coupling: their planes show a feedback loop.
PRESETS: dict[str, tuple[str, str]] = {
    "Effector T cells vs Tregs (the trigger)": ("E", "R"),
    "Treg memory loop: Tregs vs anti-inflammatory cytokines": ("R", "Ca"),
    "Antigen-damage loop: self-antigen vs tissue damage": ("G", "D"),
    "Antigen-inflammation loop: self-antigen vs pro-inflammatory cytokines": ("G", "Ci"),
}
DEFAULTS: dict[str, Any] = {
    "scenario": "susceptible",
    "assumptions": "baseline",
    "x": "E",
    "y": "R",
    "param": "antigen_clearance",
    "mx": "E",
    "my": "R",
    "ma": "durable_treg",
    "dose": widgets.REMISSION_MAP_DOSE,
}
GRID = 21
PLOT_PX = (1000.0, 320.0)  # approximate width and height (px) of a plot's drawing area, for arrow directions
MAP_GRID = 12
DOSE_RANGE = (0.05, 2.0)
DOSE_STEP = 0.05
#: Every dose the map's slider offers (a.u.): their maps are computed together, once per state pair
#: and assumption set, so moving the dose only redraws.
MAP_DOSES: tuple[float, ...] = tuple(
    round(DOSE_RANGE[0] + k * DOSE_STEP, 2) for k in range(round((DOSE_RANGE[1] - DOSE_RANGE[0]) / DOSE_STEP) + 1)
)


def state_label(state: str) -> str:
    """A state's name in words with its letter, as on the worksheets: "Self-antigen (G)"."""
    return f"{plots.STATE_LABELS[state]} ({state})"


def _initial(query: Mapping[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    warnings: list[str] = []
    values: dict[str, Any] = {}
    choices = {
        "scenario": tuple(model.SCENARIOS),
        "assumptions": tuple(model.ASSUMPTION_SETS),
        "x": STATES,
        "y": STATES,
        "param": tuple(widgets.PARAMETER_INFO),
        "mx": STATES,
        "my": STATES,
        "ma": tuple(model.ASSUMPTION_SETS),
    }
    for field, options in choices.items():
        values[f"{P}{field}"], w = url_state.parse_choice(query, field, options, DEFAULTS[field])
        warnings += w
    values[f"{P}dose"], w = url_state.parse_number(query, "dose", *DOSE_RANGE, DEFAULTS["dose"])
    warnings += w
    for a, b in (("x", "y"), ("mx", "my")):
        if values[f"{P}{a}"] == values[f"{P}{b}"]:
            warnings.append(
                f"URL fields `{a}` and `{b}` must name different states; using {DEFAULTS[a]}, {DEFAULTS[b]}."
            )
            values[f"{P}{a}"], values[f"{P}{b}"] = DEFAULTS[a], DEFAULTS[b]
    return values, warnings


# --- cached computations (model.phaseplane does the maths) -----------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def _plane(x: str, y: str, scenario: str, assumptions: str) -> dict[str, Any]:
    xr, yr = (phaseplane.state_range(s, assumptions=assumptions) for s in (x, y))
    run = {"scenario": scenario, "assumptions": assumptions}
    field = phaseplane.vector_field(x, y, np.linspace(*xr, GRID), np.linspace(*yr, GRID), **run)
    fine = phaseplane.vector_field(x, y, np.linspace(*xr, 120), np.linspace(*yr, 120), **run)
    states = phaseplane.steady_states(scenario, assumptions=assumptions)
    runs, basins = [], []
    for label, state in states.items():
        near = [
            (min(max(state[x] + fx * xr[1], 0.0), xr[1]), min(max(state[y] + fy * yr[1], 0.0), yr[1]))
            for fx in (-0.2, 0.2)
            for fy in (-0.2, 0.2)
        ]
        runs += phaseplane.trajectories(x, y, near, around=state, **run)
        basins += [label] * len(near)
    return {
        "field": field,
        "nullclines": phaseplane.nullclines(fine),
        "runs": runs,
        "basins": basins,
        "states": states,
    }


@st.cache_data(max_entries=64, show_spinner=False)
def _diagram(param: str, scenario: str, assumptions: str) -> pd.DataFrame:
    info = widgets.PARAMETER_INFO[param]
    values = np.linspace(info.low, info.high, 30)
    return phaseplane.steady_state_diagram(param, values, scenario=scenario, assumptions=assumptions)


def _map_grid(x: str, y: str, assumptions: str) -> tuple[np.ndarray, np.ndarray]:
    xr, yr = (phaseplane.state_range(s, assumptions=assumptions, scenarios=("active_sle",), factor=2.0) for s in (x, y))
    return np.linspace(*xr, MAP_GRID), np.linspace(*yr, MAP_GRID)


@st.cache_data(max_entries=16, show_spinner=False)
def _maps(x: str, y: str, assumptions: str) -> dict[float, phaseplane.RemissionMap]:
    maps = phaseplane.remission_maps(
        x, y, *_map_grid(x, y, assumptions), doses=MAP_DOSES, scenario="active_sle", assumptions=assumptions
    )
    return {round(m.dose, 6): m for m in maps}


@st.cache_data(max_entries=16, show_spinner=False)
def _map_at(x: str, y: str, assumptions: str, dose: float) -> phaseplane.RemissionMap:
    xs, ys = _map_grid(x, y, assumptions)
    return phaseplane.remission_map(x, y, xs, ys, scenario="active_sle", assumptions=assumptions, dose=dose)


def _map(x: str, y: str, assumptions: str, dose: float) -> phaseplane.RemissionMap:
    """The remission map at `dose`: from the maps of every slider dose, or alone for a dose between
    the slider's steps (from a URL)."""
    return _maps(x, y, assumptions).get(round(dose, 6)) or _map_at(x, y, assumptions, dose)


def trajectory_table(runs: Sequence[phaseplane.Trajectory], x: str, y: str) -> pd.DataFrame:
    """The full-model runs of the phase plane as one tidy table: run, day, the two states, final TLAI."""
    return pd.concat(
        [
            pd.DataFrame({"run": k + 1, "day": r.t, x: r.x, y: r.y, "final_activity": r.activity_final})
            for k, r in enumerate(runs)
        ],
        ignore_index=True,
    )


# --- figures -------------------------------------------------------------------------------


def add_arrows(fig: go.Figure, field: phaseplane.PlaneField) -> None:
    """Unit-length arrows showing the direction of change at each grid point (lengths equal on screen).

    Directions are taken in approximate screen units (`PLOT_PX`), so arrow heads point the way
    the curves would run whatever the axis scales.
    """
    X, Y = np.meshgrid(field.x, field.y)
    span_x, span_y = (np.ptp(field.x) or 1.0), (np.ptp(field.y) or 1.0)
    px, py = field.dx / span_x * PLOT_PX[0], field.dy / span_y * PLOT_PX[1]
    norm = np.hypot(px, py)
    moving = norm > 1e-12
    ex, ey = np.where(moving, px / np.where(moving, norm, 1), 0), np.where(moving, py / np.where(moving, norm, 1), 0)
    length = 0.4 * PLOT_PX[0] / GRID  # pixels
    ux, uy = ex * length / PLOT_PX[0] * span_x, ey * length / PLOT_PX[1] * span_y
    xs = np.stack([X, X + ux, np.full_like(X, np.nan)], axis=-1).ravel()
    ys = np.stack([Y, Y + uy, np.full_like(Y, np.nan)], axis=-1).ravel()
    grey = {"color": "#A0A0A0", "width": 1.5}
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="direction of change (slice)", line=grey, hoverinfo="skip"))
    heads = {"symbol": "triangle-up", "size": 7, "color": "#A0A0A0", "angle": np.degrees(np.arctan2(ex, ey)).ravel()}
    fig.add_trace(
        go.Scatter(
            x=(X + ux).ravel(), y=(Y + uy).ravel(), mode="markers", marker=heads, showlegend=False, hoverinfo="skip"
        )
    )


def plane_figure(data: dict[str, Any], show_slice: bool = False) -> go.Figure:
    """The stable states (stars), full-model runs started near each, and on request the slice (arrows, nullclines)."""
    field: phaseplane.PlaneField = data["field"]
    fig = go.Figure()
    if show_slice:
        add_slice(fig, data)
    add_runs(fig, data)
    fig.update_xaxes(range=[field.x[0], field.x[-1]])
    fig.update_yaxes(range=[field.y[0], field.y[-1]])
    title = f"Phase plane: {plots.STATE_LABELS[field.x_state]} vs {plots.STATE_LABELS[field.y_state]}"
    return plots.style_figure(
        fig,
        title,
        f"{plots.STATE_LABELS[field.y_state]} ({field.y_state}, a.u.)",
        f"{plots.STATE_LABELS[field.x_state]} ({field.x_state}, a.u.)",
    )


def add_slice(fig: go.Figure, data: dict[str, Any]) -> None:
    """Arrows of the sliced vector field and the two nullclines (where one state is not changing)."""
    field: phaseplane.PlaneField = data["field"]
    add_arrows(fig, field)
    for name, color, dash in (
        (field.x_state, plots.OKABE_ITO["vermillion"], "solid"),
        (field.y_state, plots.OKABE_ITO["blue"], "dash"),
    ):
        for k, line in enumerate(data["nullclines"][name]):
            fig.add_trace(
                go.Scatter(
                    x=line[:, 0],
                    y=line[:, 1],
                    mode="lines",
                    name=f"{plots.STATE_LABELS[name]} ({name}) not changing (slice)",
                    line={"color": color, "width": 4, "dash": dash},
                    legendgroup=name,
                    showlegend=k == 0,
                )
            )


def add_runs(fig: go.Figure, data: dict[str, Any]) -> None:
    """Full-model runs (green: end in remission) and a star at each stable state."""
    field: phaseplane.PlaneField = data["field"]
    for k, run in enumerate(data["runs"]):
        color = (
            plots.OKABE_ITO["bluish_green"]
            if run.activity_final < model.REMISSION_THRESHOLD
            else plots.OKABE_ITO["reddish_purple"]
        )
        fig.add_trace(
            go.Scatter(
                x=run.x,
                y=run.y,
                mode="lines",
                line={"color": color, "width": 2.5},
                name="full-model run",
                legendgroup="runs",
                showlegend=k == 0,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[run.x[0]], y=[run.y[0]], mode="markers", marker={"color": color, "size": 10}, showlegend=False
            )
        )
    for label, state in data["states"].items():
        color = plots.OKABE_ITO["bluish_green" if label == "healthy" else "reddish_purple"]
        fig.add_trace(
            go.Scatter(
                x=[state[field.x_state]],
                y=[state[field.y_state]],
                mode="markers",
                name=f"{label} steady state",
                marker={"symbol": "star", "size": 22, "color": color, "line": {"color": "black", "width": 1.5}},
            )
        )


def diagram_figure(table: pd.DataFrame, param: str, current: float) -> go.Figure:
    """Final activity against the swept parameter, one line per sweep direction."""
    info = widgets.PARAMETER_INFO[param]
    fig = go.Figure()
    styles = {
        "increasing": (plots.OKABE_ITO["vermillion"], "circle", "from active disease, parameter increasing"),
        "decreasing": (plots.OKABE_ITO["blue"], "square", "from health, parameter decreasing"),
    }
    for sweep, (color, symbol, label) in styles.items():
        part = table[table["sweep"] == sweep]
        fig.add_trace(
            go.Scatter(
                x=part["value"],
                y=part["activity"],
                mode="lines+markers",
                name=label,
                line={"color": color, "width": 3},
                marker={"symbol": symbol, "size": 9},
            )
        )
    fig.add_hline(y=model.REMISSION_THRESHOLD, line={"dash": "dot", "color": plots.OKABE_ITO["bluish_green"]})
    fig.add_vline(x=current, line={"dash": "dot", "color": plots.OKABE_ITO["grey"]}, annotation_text="this scenario")
    title = f"Where the model settles as {param.replace('_', ' ')} changes"
    return plots.style_figure(fig, title, "steady toy activity index", f"{param.replace('_', ' ')} ({info.unit})")


def map_table(rmap: phaseplane.RemissionMap) -> pd.DataFrame:
    """The remission map as a long table: one row per starting state."""
    X, Y = np.meshgrid(rmap.x, rmap.y)
    return pd.DataFrame(
        {
            f"{rmap.x_state}_start": X.ravel(),
            f"{rmap.y_state}_start": Y.ravel(),
            "remission_at_end": rmap.remission.ravel(),
            "activity_final": rmap.activity_final.ravel(),
        }
    )


# --- summaries -----------------------------------------------------------------------------


def plane_summary(data: dict[str, Any], show_slice: bool) -> str:
    """One paragraph: the stable states (stars), where the runs from near each end, and what the slice is."""
    states = data["states"]
    parts = [
        f"With these parameters the model has {len(states)} stable state{'s' if len(states) > 1 else ''} "
        f"({' and '.join(states)}), marked by stars."
    ]
    for label in states:
        ends = [r for r, b in zip(data["runs"], data["basins"], strict=True) if b == label]
        healthy = sum(r.activity_final < model.REMISSION_THRESHOLD for r in ends)
        parts.append(f"Of {len(ends)} full-model runs started near the {label} state, {healthy} end in remission.")
    if show_slice:
        field: phaseplane.PlaneField = data["field"]
        parts.append(
            f"Grey arrows: how {plots.STATE_LABELS[field.x_state].lower()} and "
            f"{plots.STATE_LABELS[field.y_state].lower()} would change if the other states stayed frozen at the "
            "scenario's own steady state; the coloured curves are where each of the two is not changing in that slice."
        )
    return " ".join(parts)


def diagram_summary(table: pd.DataFrame, param: str) -> str:
    """One sentence: the range of the parameter where the two sweeps disagree (bistable), if any."""
    wide = table.pivot(index="value", columns="sweep", values="activity")
    both = wide[(wide.max(axis=1) - wide.min(axis=1)) > 0.2]
    if both.empty:
        name = param.replace("_", " ")
        return f"Both sweeps agree everywhere: over this range of {name} the model has one steady state."
    return (
        f"Between {param.replace('_', ' ')} {both.index.min():.3g} and {both.index.max():.3g} the two sweeps end in "
        "different states (healthy and active): the system remembers where it came from. That loop is hysteresis, and "
        "its edges are tipping points."
    )


def page() -> None:
    """Draw the Tipping points page."""
    widgets.page_header(
        "Tipping points",
        "A system with two stable states can be pushed from one to the other, and stays there after the push "
        "ends. Here you can see where those states are and what it takes to tip between them. Illustrative only.",
    )
    widgets.init_from_url(f"{P}scenario", _initial)
    c1, c2 = st.columns(2)
    scenario = c1.selectbox("Scenario", list(model.SCENARIOS), format_func=widgets.scenario_label, key=f"{P}scenario")
    assumptions = c2.selectbox(
        "Assumptions", list(model.ASSUMPTION_SETS), format_func=widgets.assumptions_label, key=f"{P}assumptions"
    )
    if lesson_panel.hold_results():
        return

    st.header("1. Phase plane", help=widgets.glossary_help("Phase plane", "Steady state"))
    st.markdown(
        "*What to try:* choose the antigen-inflammation loop (self-antigen `G` across, pro-inflammatory cytokines "
        "`Ci` up) for the *susceptible* toy person. Where are the stars, and where do the runs that start near "
        "each star end?"
    )
    cx, cy = st.columns(2)
    x = cx.selectbox("Horizontal axis", STATES, format_func=state_label, key=f"{P}x")
    y = cy.selectbox("Vertical axis", STATES, format_func=state_label, key=f"{P}y")
    st.caption("Feedback loops worth a look: " + "; ".join(f"{k} ({a}, {b})" for k, (a, b) in PRESETS.items()) + ".")
    if x == y:
        st.error("Choose two different states for the axes.")
    else:
        with widgets.user_errors():
            data = _plane(x, y, scenario, assumptions)
            show_slice = st.checkbox(
                "Show the slice (grey arrows and 'not changing' curves)",
                key=f"{P}slice",
                help="The arrows show how the two states would change if the nine other states were frozen at the "
                "scenario's own steady state. The full runs let every state move, so they can cross the arrows: "
                "a slice is not the whole story.",
            )
            plots.show_plot(plane_figure(data, show_slice), plane_summary(data, show_slice), key=f"{P}fig.plane")
            widgets.download_table(
                trajectory_table(data["runs"], x, y),
                f"phase-plane trajectories of scenario={scenario}, assumptions={assumptions} in ({x}, {y})",
                f"sle-immunomod-phase-plane-{x}-{y}.csv",
                f"{P}csv.plane",
            )

    st.header("2. Steady states and hysteresis")
    st.markdown(
        "*How to read this plot:* each point is where the toy person settles, without treatment, for one value of "
        "the parameter. The red line comes from active disease, the blue line from health. Find the dotted line "
        "'this scenario': if the two lines are far apart there, the same person has two stable states and their "
        "history decides which one they are in. Where the lines meet, there is only one. *What to try:* which "
        "clearance values give two states?"
    )
    param = st.selectbox(
        "Parameter to sweep", list(widgets.PARAMETER_INFO), key=f"{P}param", format_func=lambda n: n.replace("_", " ")
    )
    values: tuple[float, ...] = ()
    with widgets.user_errors():
        table = _diagram(param, scenario, assumptions)
        values = tuple(table["value"].unique())
        current = model.resolve_parameters(scenario, assumptions=assumptions).as_dict()[param]
        plots.show_plot(diagram_figure(table, param, current), diagram_summary(table, param), key=f"{P}fig.diagram")
        widgets.download_table(
            table,
            f"steady states of scenario={scenario}, assumptions={assumptions} swept in {param} (continuation)",
            f"sle-immunomod-steady-states-{param}.csv",
            f"{P}csv.diagram",
            model.resolve_parameters(scenario, assumptions=assumptions),
        )

    remission_section(scenario, assumptions, x, y, param, values)


@st.fragment
def remission_section(scenario: str, assumptions: str, x: str, y: str, param: str, values: tuple[float, ...]) -> None:
    """Section 3, the remission map; its controls rerun only this section (the page's other choices are arguments,
    for the run card and the URL)."""
    st.header("3. Where does one MSC infusion lead to remission?")
    st.markdown(
        "Start a toy patient with active SLE, but set two of its states by hand, then give one MSC infusion on "
        "day 0. Which starts end in remission two years later?"
    )
    m0, m1, m2, m3 = st.columns(4)
    ma = m0.selectbox(
        "Assumptions for the map", list(model.ASSUMPTION_SETS), format_func=widgets.assumptions_label, key=f"{P}ma"
    )
    mx = m1.selectbox("Horizontal: start of", STATES, format_func=state_label, key=f"{P}mx")
    my = m2.selectbox("Vertical: start of", STATES, format_func=state_label, key=f"{P}my")
    dose = m3.slider(
        f"MSC {widgets.MSC_DOSE.label.lower()} ({widgets.MSC_DOSE.unit})",
        *DOSE_RANGE,
        step=DOSE_STEP,
        key=f"{P}dose",
        help=widgets.MSC_DOSE.help + f" Source: {widgets.MSC_DOSE.provenance}.",
    )
    if mx == my:
        st.error("Choose two different states for the map.")
    else:
        with widgets.user_errors():
            rmap = _map(mx, my, ma, float(dose))
            share = 100 * rmap.remission.mean()
            plots.show_plot(
                plots.remission_map_figure(rmap),
                f"From {share:.0f}% of these starting states (active SLE otherwise, {ma} assumptions) one "
                f"infusion of dose {dose:g} leads to remission two years later (green); the rest stay active (purple).",
                key=f"{P}fig.map",
            )
            widgets.download_table(
                map_table(rmap),
                f"remission map: active_sle, assumptions={ma}, one MSC infusion of dose {dose:g} on day 0, 730 days",
                "sle-immunomod-remission-map.csv",
                f"{P}csv.map",
                model.resolve_parameters("active_sle", assumptions=ma),
            )
            widgets.run_card(
                runcard.tipping_points_card(
                    "Tipping points",
                    scenario=scenario,
                    assumptions=assumptions,
                    parameter=param,
                    values=np.array(values),
                    map_assumptions=ma,
                    map_x=mx,
                    map_y=my,
                    xs=rmap.x,
                    ys=rmap.y,
                    dose=float(dose),
                )
            )
    widgets.write_query(
        {
            "scenario": scenario,
            "assumptions": assumptions,
            "x": x,
            "y": y,
            "param": param,
            "mx": mx,
            "my": my,
            "ma": ma,
            "dose": f"{dose:g}",
        }
    )


page()
