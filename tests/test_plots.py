"""The app's shared figures (`app_pages.plots`): valid Plotly, titled illustrative, in the one palette.

The pages hand these figures to Streamlit without Plotly's per-property checks (they cost a third
of a rerun), so the checks run here instead, on every kind of figure the module builds.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

import model
from app_pages import plots
from model.analysis import phaseplane
from model.core.disclaimer import ILLUSTRATIVE, tagged
from model.report.palette import OKABE_ITO


@pytest.fixture(scope="module")
def runs() -> dict[str, model.Result]:
    treated = model.simulate("active_sle", interventions=[model.MSCInfusion(day=30), model.HSCTReset(day=90)], days=200)
    return {"treated": treated, "untreated": model.simulate("active_sle", days=200)}


@pytest.fixture(scope="module")
def figures(runs: dict[str, model.Result]) -> dict[str, plots.Figure]:
    treated, untreated = runs["treated"], runs["untreated"]
    activity = plots.activity_figure([("MSC", treated), ("untreated", untreated)], "Activity", ["untreated"])
    plots.add_intervention_marks(activity, treated)
    return {
        "activity": activity,
        "states": plots.states_figure(treated, ("E", "R", "B", "Ps", "Pl", "M"), "Cells"),
        "states_log": plots.states_figure(treated, ("Ci", "Ca", "A"), "Cytokines", log=True),
        "contributions": plots.contributions_figure(treated.contributions("E"), "E"),
        "remission_map": plots.remission_map_figure(
            phaseplane.remission_map("E", "R", np.linspace(0, 3, 3), np.linspace(0, 8, 3))
        ),
    }


def test_every_shared_figure_passes_plotlys_property_checks(figures: dict[str, plots.Figure]) -> None:
    for name, fig in figures.items():
        checked = go.Figure(fig)  # raises ValueError naming any invalid property
        assert checked.data, name


def test_every_shared_figure_is_titled_illustrative(figures: dict[str, plots.Figure]) -> None:
    for fig in figures.values():
        assert f"({ILLUSTRATIVE})" in fig["layout"]["title"]["text"]


def test_shared_figures_draw_runs_and_states_in_the_one_palette(figures: dict[str, plots.Figure]) -> None:
    palette = {color.lower() for color in OKABE_ITO.values()}
    for fig in figures.values():
        for trace in fig["data"]:
            if trace["type"] == "heatmap":
                assert {color.lower() for _, color in trace["colorscale"]} <= palette
            else:
                assert (trace.get("line") or trace["marker"])["color"].lower() in palette


def test_style_figure_gives_a_graph_objects_figure_the_same_look() -> None:
    fig = plots.style_figure(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])), "A line", "a.u.")
    assert fig.layout.title.text == tagged("A line")
    assert fig.layout.plot_bgcolor == "white"
    assert fig.layout.yaxis.title.text == "a.u."
    assert list(fig.layout.colorway) == list(plots.RUN_COLORS)


def test_a_figure_dict_reaches_streamlit_as_it_is_without_a_copy_or_template(figures: dict[str, plots.Figure]) -> None:
    import plotly.io
    import plotly.tools

    for fig in figures.values():
        # what st.plotly_chart does with the figure it is given
        handed = plotly.tools.return_figure_from_figure_or_data(plots.AsGiven(fig), validate_figure=True)
        assert handed is fig and "template" not in handed["layout"]
        assert plotly.io.to_json(handed, validate=False)
