"""The app's figures: the shared Plotly look, activity and state plots, and one-sentence summaries.

Every figure is titled "illustrative", uses the Okabe-Ito palette of `model.report.palette` (the one
palette of the project, shared with the package's own plots), and is shown with `show_plot`, which
puts a one-sentence text summary under it (accessibility). Figures are built from `model.Result`s;
the app holds no model maths.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.basedatatypes import BaseFigure

import model
from app_pages.widgets import presentation_mode, shared_results
from model.core.disclaimer import tagged
from model.report.palette import OKABE_ITO, RUN_COLORS, STATE_COLORS

if TYPE_CHECKING:
    from model.analysis.phaseplane import RemissionMap

__all__ = [
    "AXIS",
    "LOOK",
    "OKABE_ITO",
    "RUN_COLORS",
    "STATE_COLORS",
    "STATE_LABELS",
    "AsGiven",
    "Figure",
    "activity_figure",
    "activity_summary",
    "add_intervention_marks",
    "contributions_figure",
    "contributions_summary",
    "figure",
    "fmt_amount",
    "font_size",
    "kept_figure",
    "remission_map_figure",
    "show_plot",
    "states_figure",
    "style_figure",
]

#: A Plotly figure in its JSON form, `{"data": [trace, ...], "layout": {...}}`: built as plain data
#: (no per-property checks as `plotly.graph_objects` makes), and checked once by `st.plotly_chart`.
Figure: TypeAlias = dict[str, Any]
#: Display name of each state.
STATE_LABELS: dict[str, str] = {s.name: s.label for s in model.STATE_INFO}
#: Text colour, and the white look of Plotly's "plotly_white" template written out: the few layout
#: properties the figures use, instead of the whole template (which costs more than the figure).
INK = "#2a3f5f"
AXIS: dict[str, Any] = {
    "gridcolor": "#EBF0F8",
    "linecolor": "#EBF0F8",
    "zerolinecolor": "#EBF0F8",
    "zerolinewidth": 2,
    "automargin": True,
}
LOOK: dict[str, Any] = {
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "colorway": list(RUN_COLORS),
    "hoverlabel": {"align": "left"},
}


def font_size() -> int:
    """Base font size (px) for figures: larger in presentation mode."""
    return 22 if presentation_mode() else 15


def figure(*traces: Figure) -> Figure:
    """A new figure (its JSON form) holding `traces`, with empty shape and annotation lists."""
    return {"data": list(traces), "layout": {"shapes": [], "annotations": []}}


def style_figure(fig: go.Figure | Figure, title: str, y_title: str = "", x_title: str = "day") -> go.Figure | Figure:
    """Apply the shared look: white background, Okabe-Ito colours, "illustrative" title, readable fonts.

    `fig` is a figure dict (from `figure`) or a `plotly.graph_objects.Figure`; the same object is returned.
    """
    if "illustrative" not in title.lower():
        title = tagged(title)
    size = font_size()
    layout = {
        **LOOK,
        "title": {"text": title, "font": {"size": size + 3}, "x": 0.05},
        "font": {"size": size, "color": INK},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "xanchor": "left", "x": 0},
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
        "height": 560 if presentation_mode() else 430,
        "hovermode": "x unified",
    }
    if isinstance(fig, go.Figure):
        fig.update_layout(layout)
        fig.update_xaxes(AXIS, title_text=x_title)
        fig.update_yaxes(AXIS, title_text=y_title)
        return fig
    fig["layout"].update(layout)
    for axis, text in (("xaxis", x_title), ("yaxis", y_title)):
        fig["layout"][axis] = {**AXIS, **fig["layout"].get(axis, {}), "title": {"text": text, "standoff": 15}}
    return fig


class AsGiven(BaseFigure):
    """A figure dict that `st.plotly_chart` takes as it is: a `BaseFigure` whose `to_dict` is the dict itself.

    Streamlit checks a plain dict property by property and copies a `go.Figure` whole (with Plotly's
    default template added); this wrapper skips both, so a rerun sends only what the figure holds.
    `tests/test_plots.py` runs Plotly's checks on every figure built here instead.
    """

    def __init__(self, fig: Figure) -> None:  # BaseFigure.__init__ (checks, template) skipped on purpose
        object.__setattr__(self, "_given", fig)

    def to_dict(self) -> Figure:
        """The figure dict as given (not copied: build a new one for every rerun)."""
        return self._given


def show_plot(fig: go.Figure | Figure, summary: str, key: str | None = None) -> None:
    """Draw a figure full width with its one-sentence text summary underneath (accessibility).

    A figure dict goes to Streamlit as it is (`AsGiven`), without Plotly's property checks, copies
    and template, which otherwise cost a third of a rerun under a class's load.
    """
    if not isinstance(fig, go.Figure):
        fig = AsGiven(fig)
    st.plotly_chart(fig, theme=None, key=key, config={"displaylogo": False})
    st.markdown(f"*In words:* {summary}")


def kept_figure(key: Hashable, build: Callable[[], go.Figure | Figure]) -> Figure:
    """The figure `build()` makes, kept once per `key` (and font size) for the whole server in its JSON form.

    For figures of results that are themselves kept (ensembles, sensitivity analyses): a rerun then only
    sends the figure. The figure is shared by every session: `show_plot` it, never change it.
    """

    def make() -> Figure:
        fig = build()
        return fig.to_dict() if isinstance(fig, go.Figure) else fig

    return shared_results("figures", 128).get((key, font_size()), make)


def add_intervention_marks(fig: Figure, res: model.Result) -> None:
    """Dotted vertical lines at the interventions' event days, labelled with the kind."""
    layout = fig["layout"]
    for item in res.interventions:
        for day in sorted(set(item.breakpoints()))[:6]:
            layout["shapes"].append(
                {
                    "type": "line",
                    "xref": "x",
                    "yref": "paper",
                    "x0": day,
                    "x1": day,
                    "y0": 0,
                    "y1": 1,
                    "line": {"dash": "dot", "color": OKABE_ITO["grey"], "width": 1},
                }
            )
        layout["annotations"].append(
            {
                "x": item.first_day(),
                "y": 1.0,
                "yref": "paper",
                "text": item.label,
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
            }
        )


def _band(y0: float, y1: float, color: str, opacity: float) -> Figure:
    """A shaded horizontal band from y0 to y1 across the whole plot."""
    return {
        "type": "rect",
        "xref": "paper",
        "yref": "y",
        "x0": 0,
        "x1": 1,
        "y0": y0,
        "y1": y1,
        "fillcolor": color,
        "opacity": opacity,
        "line": {"width": 0},
    }


def activity_figure(runs: Sequence[tuple[str, model.Result]], title: str, dashed: Sequence[str] = ()) -> Figure:
    """The toy activity index of several runs, with the remission and flare zones shaded.

    `runs` are (label, result) pairs drawn in `RUN_COLORS` order; labels in `dashed` are drawn
    grey and dashed (e.g. "untreated").
    """
    top = max(1.3, *(float(np.max(res["activity"])) * 1.1 for _, res in runs))
    colors = iter(RUN_COLORS)
    fig = figure()
    for label, res in runs:
        line = (
            {"color": OKABE_ITO["grey"], "dash": "dash", "width": 3}
            if label in dashed
            else {"color": next(colors), "width": 4}
        )
        fig["data"].append(
            {"type": "scatter", "x": res.t, "y": res["activity"], "name": label, "mode": "lines", "line": line}
        )
    layout = fig["layout"]
    layout["shapes"] += [
        _band(0, model.REMISSION_THRESHOLD, OKABE_ITO["bluish_green"], 0.13),
        _band(model.FLARE_THRESHOLD, top, OKABE_ITO["vermillion"], 0.08),
    ]
    note = {"x": 0, "showarrow": False, "xanchor": "left"}
    layout["annotations"] += [
        {**note, "y": model.REMISSION_THRESHOLD / 2, "text": "remission zone"},
        {**note, "y": top * 0.96, "text": "flare zone", "yanchor": "top"},
    ]
    layout["yaxis"] = {"range": [0, top]}
    return style_figure(fig, title, "toy activity index (TLAI)")


def states_figure(res: model.Result, states: Sequence[str], title: str, log: bool = False) -> Figure:
    """Time series of some states of one run (a.u.), one fixed colour per state."""
    fig = figure()
    dashes = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
    for k, name in enumerate(states):
        y = np.maximum(res[name], 1e-4) if log else res[name]
        line = {"color": STATE_COLORS[name], "width": 3, "dash": dashes[k % len(dashes)]}
        label = f"{STATE_LABELS[name]} ({name})"
        fig["data"].append({"type": "scatter", "x": res.t, "y": y, "name": label, "mode": "lines", "line": line})
    if log:
        fig["layout"]["yaxis"] = {"type": "log"}
    add_intervention_marks(fig, res)
    return style_figure(fig, title, "amount (a.u., log scale)" if log else "amount (a.u.)")


def contributions_figure(table: pd.DataFrame, state: str) -> Figure:
    """Stacked areas of the mechanism terms of d(state)/dt (pushes up above zero, pulls down below) and their total."""
    fig = figure()
    terms = [c for c in table.columns if c not in ("day", "total") and float(table[c].abs().max()) > 1e-9]
    colors = iter(RUN_COLORS * 3)
    day = table["day"].to_numpy()
    for name in terms:
        fig["data"].append(
            {
                "type": "scatter",
                "x": day,
                "y": table[name].to_numpy(),
                "name": name.replace("_", " "),
                "stackgroup": "up" if float(table[name].mean()) >= 0 else "down",
                "mode": "lines",
                "line": {"width": 0.5, "color": next(colors)},
            }
        )
    total = {"color": OKABE_ITO["black"], "width": 3}
    fig["data"].append(
        {"type": "scatter", "x": day, "y": table["total"].to_numpy(), "name": "total rate", "line": total}
    )
    return style_figure(fig, f"Why did {STATE_LABELS[state]} move? Rate split into mechanisms", "rate (a.u./day)")


def contributions_summary(table: pd.DataFrame, state: str) -> str:
    """One sentence naming the strongest push up and pull down on `state` over the run."""
    terms = table.drop(columns=["day", "total"])
    mean = terms.mean()
    up, down = mean.idxmax(), mean.idxmin()
    return (
        f"Over the run, {STATE_LABELS[state].lower()} is pushed up most by *{up.replace('_', ' ')}* "
        f"(average {mean[up]:.3g} a.u./day) and pulled down most by *{down.replace('_', ' ')}* "
        f"(average {mean[down]:.3g} a.u./day); the black line is their sum, the actual rate of change."
    )


def activity_summary(res: model.Result, untreated: model.Result | None = None) -> str:
    """One sentence describing the activity curve of `res` (and how it compares with `untreated`)."""
    act = res["activity"]
    low = int(np.argmin(act))
    text = (
        f"The toy activity index starts at {act[0]:.2f}, is lowest ({act[low]:.2f}) on day {res.t[low]:.0f} "
        f"and ends at {act[-1]:.2f}"
    )
    if untreated is not None and res.interventions:
        text += f" (untreated: {untreated['activity'][-1]:.2f})"
    verdict = "ends in remission" if res.outcomes.remission_at_end else "does not end in remission"
    return f"{text}; the run {verdict}, with {res.outcomes.flares} flare(s)."


def fmt_amount(value: float) -> str:
    """An amount (a.u.) for text: two significant digits, and "about 0" below 0.001."""
    return "about 0" if abs(value) < 1e-3 else f"{value:.2g}"


def remission_grid_figure(flags: pd.DataFrame, title: str) -> Figure:
    """Which virtual patient (column) is in remission (green) or not (purple) under which therapy (row)."""
    grid = flags.astype(float).T
    colours = [[0.0, OKABE_ITO["reddish_purple"]], [1.0, OKABE_ITO["bluish_green"]]]
    trace = {
        "type": "heatmap",
        "z": grid.to_numpy().tolist(),
        "x": [f"patient {i + 1}" for i in range(grid.shape[1])],
        "y": list(grid.index),
        "colorscale": colours,
        "zmin": 0.0,
        "zmax": 1.0,
        "xgap": 1,
        "ygap": 2,
        "showscale": False,
        "hovertemplate": "%{y}, %{x}: %{customdata}<extra></extra>",
        "customdata": [["remission" if v else "active" for v in row] for row in grid.to_numpy()],
    }
    fig = style_figure(figure(trace), title, x_title="virtual patients (same in every row)")
    fig["layout"]["xaxis"]["showticklabels"] = False
    fig["layout"]["hovermode"] = "closest"
    return fig


def remission_map_figure(rmap: RemissionMap) -> Figure:
    """Heat map of remission (green) or not (purple) after one MSC infusion, by starting state (a.u.)."""
    green, purple = OKABE_ITO["bluish_green"], OKABE_ITO["reddish_purple"]
    heat = {
        "type": "heatmap",
        "x": rmap.x,
        "y": rmap.y,
        "z": rmap.remission.astype(float),
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0, purple], [0.5, purple], [0.5, green], [1, green]],
        "text": np.where(rmap.remission, "remission", "still active"),
        "customdata": rmap.activity_final,
        "showscale": False,
        "hovertemplate": "start %{x:.2f}, %{y:.2f}: %{text} (final TLAI %{customdata:.2f})<extra></extra>",
    }
    key = {"type": "scatter", "x": [None], "y": [None], "mode": "markers"}
    keys = [
        {**key, "name": label, "marker": {"symbol": "square", "size": 14, "color": color}}
        for label, color in (("remission", green), ("still active", purple))
    ]
    return style_figure(
        figure(heat, *keys),
        "Which starting states end in remission after one MSC infusion",
        f"{STATE_LABELS[rmap.y_state]} at start (a.u.)",
        f"{STATE_LABELS[rmap.x_state]} at start (a.u.)",
    )
