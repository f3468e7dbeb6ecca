"""The Streamlit app, page by page, through `streamlit.testing.v1.AppTest` (no browser).

Every page renders without exception and carries the disclaimer; its main control changes what
is shown; a malformed or out-of-range URL falls back to defaults with a warning naming the field.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import model

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGES = ("explore", "compare", "tipping_points", "model_evidence", "classroom")
TIMEOUT = 60


def texts(elements) -> str:
    """All values of a list of AppTest elements, joined (for `in` checks)."""
    return "\n".join(str(e.value) for e in elements)


def query(at: AppTest, key: str) -> list[str]:
    """The values the app wrote to the URL for `key` (a list, repeated keys included)."""
    value = at.query_params.get(key, [])
    return list(value) if isinstance(value, list | tuple) else [value]


def metric_values(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_the_disclaimer_and_no_error(app_page, page: str) -> None:
    at = app_page(page)
    assert not at.exception
    assert not at.error
    assert model.DISCLAIMER in texts(at.info)
    assert not at.warning


def test_root_url_forwards_to_explore_keeping_the_query() -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["assumptions"] = "durable_treg"
    at.run()
    assert at.selectbox(key="explore.assumptions").value == "durable_treg"


def test_explore_slider_changes_the_outcome_cards_and_the_url(app_page) -> None:
    at = app_page("explore")
    before = metric_values(at)
    at.slider(key="explore.p.antigen_clearance").set_value(1.3).run()
    assert not at.exception
    assert metric_values(at) != before
    assert query(at, "p.antigen_clearance") == ["1.3"]


def test_explore_outcome_cards_compare_with_the_untreated_run(app_page) -> None:
    at = app_page("explore", {"scenario": "active_sle", "assumptions": "durable_treg", "iv": "msc:day=30,dose=1"})
    cards = {m.label: m for m in at.metric}
    assert cards["Remission at end"].value == "yes"
    assert "untreated: no" in cards["Remission at end"].delta
    assert cards["Days in remission"].delta.startswith("+")


def test_explore_url_reproduces_the_view(app_page) -> None:
    url = {
        "scenario": "susceptible",
        "assumptions": "transient_only",
        "days": "730",
        "iv": ["antigen:day=30,size=40,duration=14", "msc:day=100,dose=2"],
        "ko": "msc_treg_induction",
        "p.msc_half_life": "2",
    }
    at = app_page("explore", url)
    assert not at.warning
    assert at.selectbox(key="explore.scenario").value == "susceptible"
    assert at.selectbox(key="explore.assumptions").value == "transient_only"
    assert at.slider(key="explore.days").value == 730
    assert at.slider(key="explore.p.msc_half_life").value == 2.0
    assert at.multiselect(key="explore.ko").value == ["msc_treg_induction"]
    assert len(at.session_state["explore.ivs"]) == 2
    assert query(at, "p.msc_half_life") == ["2"]
    assert query(at, "iv")[0].startswith("antigen:day=30")


@pytest.mark.parametrize(
    ("query", "field", "check"),
    [
        (
            {"p.antigen_clearance": "99"},
            "antigen_clearance",
            ("explore.p.antigen_clearance", model.SCENARIOS["active_sle"].overrides["antigen_clearance"]),
        ),
        ({"scenario": "nope"}, "scenario", ("explore.scenario", "active_sle")),
        ({"assumptions": "magic"}, "assumptions", ("explore.assumptions", "baseline")),
        ({"days": "-3"}, "days", ("explore.days", 365)),
        ({"iv": "msc:day=-5"}, "day", ("explore.ivs", [])),
        ({"ko": "telepathy"}, "ko", ("explore.ko", [])),
        ({"p.no_such_thing": "1"}, "no_such_thing", ("explore.scenario", "active_sle")),
    ],
)
def test_explore_bad_url_falls_back_with_a_warning(app_page, query: dict[str, str], field: str, check: tuple) -> None:
    at = app_page("explore", query)
    assert not at.exception
    assert field in texts(at.warning)
    key, value = check
    assert at.session_state[key] == value


def test_explore_out_of_range_warning_names_the_allowed_range(app_page) -> None:
    at = app_page("explore", {"p.antigen_clearance": "99"})
    assert "[0.3, 2]" in texts(at.warning)


@pytest.mark.parametrize(
    ("page", "query", "field"),
    [
        ("compare", {"run": ["nope/baseline/none", "active_sle/baseline/none"]}, "run"),
        ("compare", {"days": "1e9"}, "days"),
        ("tipping_points", {"dose": "99"}, "dose"),
        ("tipping_points", {"x": "Z"}, "x"),
        ("model_evidence", {"assumptions": "nope"}, "assumptions"),
        ("classroom", {"activity": "nope"}, "activity"),
    ],
)
def test_other_pages_bad_url_falls_back_with_a_warning(app_page, page: str, query: dict, field: str) -> None:
    at = app_page(page, query)
    assert not at.exception
    assert not at.error
    assert f"`{field}`" in texts(at.warning)


def test_explore_reset_restores_the_defaults(app_page) -> None:
    at = app_page("explore")
    at.slider(key="explore.p.treg_loop").set_value(0.4).run()
    at.selectbox(key="explore.scenario").set_value("healthy").run()
    at.button[[b.label for b in at.button].index("Reset to defaults")].click().run()
    assert at.session_state["explore.scenario"] == "active_sle"
    assert at.slider(key="explore.p.treg_loop").value == pytest.approx(0.05)
    assert "p.treg_loop" not in at.query_params


def test_explore_unmoved_sliders_follow_the_assumption_set(app_page) -> None:
    at = app_page("explore")
    at.selectbox(key="explore.assumptions").set_value("durable_treg").run()
    resolved = model.resolve_parameters("active_sle", assumptions="durable_treg")
    assert at.slider(key="explore.p.treg_loop").value == pytest.approx(resolved.treg_loop)
    assert not any(k.startswith("p.") for k in at.query_params)


def test_explore_adds_an_intervention_and_rejects_an_impossible_one(app_page) -> None:
    at = app_page("explore")
    assert "explore.new_kind" not in [s.key for s in at.selectbox], "the editor is built only when opened"
    at.session_state["explore.adding"] = True
    at.run()
    at.selectbox(key="explore.new_kind").set_value("hsct").run()
    at.button[[b.label for b in at.button].index("Add to timeline")].click().run()
    assert at.session_state["explore.ivs"][-1].startswith("hsct:day=30")
    at.selectbox(key="explore.new_kind").set_value("immunosuppression").run()
    at.number_input(key="explore.new.immunosuppression.stop").set_value(10).run()
    at.button[[b.label for b in at.button].index("Add to timeline")].click().run()
    assert not at.exception
    assert "stop" in texts(at.error)
    assert len(at.session_state["explore.ivs"]) == 2


def test_explore_editor_offers_every_intervention_kind_with_fields_from_the_metadata(app_page) -> None:
    at = app_page("explore")
    at.session_state["explore.adding"] = True
    at.run()
    assert at.selectbox(key="explore.new_kind").options == [cls.label for cls in model.INTERVENTION_TYPES.values()]
    at.selectbox(key="explore.new_kind").set_value("cart").run()
    target = at.selectbox(key="explore.new.cart.target")
    assert target.options == list(model.CARTCellTherapy.__dataclass_fields__["target"].metadata["info"]["options"])
    target.set_value("BCMA-CD19").run()
    for info in model.intervention_fields("cart"):
        if not info.options:
            box = at.number_input(key=f"explore.new.cart.{info.name}")
            assert (box.min, box.max, box.value) == (info.low, info.high, info.default)
    at.button[[b.label for b in at.button].index("Add to timeline")].click().run()
    added = model.parse_intervention(at.session_state["explore.ivs"][-1])
    assert added == model.CARTCellTherapy(day=30, target="BCMA-CD19")


def test_compare_treatment_editor_appends_a_car_t_course_to_a_run(app_page) -> None:
    at = app_page("compare")
    assert "compare.new.1_kind" not in [s.key for s in at.selectbox], "the editor is built only when opened"
    at.session_state["compare.adding.1"] = True
    at.run()
    at.selectbox(key="compare.new.1_kind").set_value("cart").run()
    at.button(key="compare.add.1").click().run()
    assert not at.exception
    added = at.text_input(key="compare.ivs.1").value.split("; ")[-1]
    assert model.parse_intervention(added) == model.CARTCellTherapy(day=30, target="CD19")


def test_explore_why_panel_is_computed_only_when_opened(app_page) -> None:
    at = app_page("explore")
    assert "explore.why" not in [s.key for s in at.selectbox]
    at.session_state["explore.why_open"] = True
    at.run()
    assert at.selectbox(key="explore.why").value == "E"


def test_explore_why_panel_explains_the_chosen_state(app_page) -> None:
    at = app_page("explore")
    at.session_state["explore.why_open"] = True
    at.run()
    at.selectbox(key="explore.why").set_value("R").run()
    assert "regulatory t cells is pushed up most by" in texts(at.markdown).lower()


def test_compare_slider_changes_the_outcome_table_and_headline_names_assumptions(app_page) -> None:
    at = app_page("compare")
    before = at.dataframe[0].value.copy()
    assert "durable_treg: remission" in texts(at.info)
    at.slider(key="compare.days").set_value(100).run()
    assert not at.exception
    assert not at.dataframe[0].value.equals(before)
    assert query(at, "days") == ["100"]


def test_compare_days_cut_from_the_long_runs_give_simulates_numbers_for_that_horizon(app_page) -> None:
    at = app_page("compare")
    at.slider(key="compare.days").set_value(400).run()
    msc = [model.MSCInfusion(day=30, dose=1.0)]
    finals = [
        round(model.simulate("active_sle", assumptions=a, interventions=msc, days=400).outcomes.activity_final, 2)
        for a in model.ASSUMPTION_SETS
    ]
    assert at.dataframe[0].value["final activity"].tolist() == finals
    expected = model.compare_assumptions("active_sle", interventions=msc, days=400).round(2)
    assert at.dataframe[1].value["days in remission"].tolist() == expected["days_in_remission"].tolist()


def test_compare_bad_treatment_text_shows_an_error_not_a_traceback(app_page) -> None:
    at = app_page("compare")
    at.text_input(key="compare.ivs.1").input("msc:day=-1").run()
    assert not at.exception
    assert "Run 2" in texts(at.error)
    assert "day" in texts(at.error)


def test_tipping_points_dose_slider_changes_the_remission_map(app_page) -> None:
    at = app_page("tipping_points")
    summary = [m.value for m in at.markdown if "of these starting states" in m.value]
    at.slider(key="tipping.dose").set_value(1.0).run()
    assert not at.exception
    after = [m.value for m in at.markdown if "of these starting states" in m.value]
    assert summary and after and summary != after


def test_tipping_points_shows_hysteresis_for_clearance(app_page) -> None:
    at = app_page("tipping_points", {"scenario": "susceptible", "assumptions": "baseline"})
    assert "two sweeps end in different states" in texts(at.markdown)


def test_model_evidence_lists_every_parameter_with_provenance(app_page) -> None:
    at = app_page("model_evidence")
    table = at.dataframe[0].value
    assert list(table["name"]) == [p.name for p in model.PARAMETERS]
    assert "provenance" in table.columns
    assert len(at.latex) >= len(model.STATE_NAMES)
    at.selectbox(key="evidence.assumptions").set_value("transient_only").run()
    opened = [e.label for e in at.expander if e.proto.expanded]
    assert opened == [model.ASSUMPTION_SETS["transient_only"].title]
    assert model.ASSUMPTION_SETS["transient_only"].explanation in texts(at.markdown)
    assert query(at, "assumptions") == ["transient_only"]


@pytest.mark.parametrize("activity", ["tipping_point", "msc_assumptions", "bcell_antibodies", "hsct_relapse"])
def test_classroom_reveal_shows_the_model_next_to_the_prediction(app_page, activity: str) -> None:
    at = app_page("classroom", {"activity": activity})
    assert at.button(key=f"classroom.reveal.{activity}").disabled, "no reveal before a prediction"
    at.radio(key=f"classroom.guess.{activity}").set_value(0).run()
    at.button(key=f"classroom.reveal.{activity}").click().run()
    assert not at.exception
    shown = texts(at.markdown)
    assert "**Your prediction**" in shown
    assert "**The toy model shows**" in shown
    assert at.success or at.warning


def test_presentation_mode_is_kept_in_the_url(app_page) -> None:
    at = app_page("explore", {"present": "1"})
    assert at.toggle(key="presentation").value is True
    assert query(at, "present") == ["1"]


def test_csv_of_one_run_is_what_result_to_csv_writes(tmp_path: Path) -> None:
    from app_pages import widgets

    res = model.simulate("active_sle", interventions=[model.MSCInfusion(day=30)], days=60)
    path = tmp_path / "run.csv"
    res.to_csv(path)
    assert widgets.csv_text([("MSC", res)]) == path.read_text(encoding="utf-8")


def test_csv_of_several_runs_labels_rows_and_keeps_the_disclaimer() -> None:
    from app_pages import widgets

    runs = [(name, model.simulate("active_sle", assumptions=name, days=40)) for name in ("baseline", "durable_treg")]
    text = widgets.csv_text(runs)
    assert text.startswith("# " + model.DISCLAIMER)
    assert "# durable_treg: parameters: " in text and "treg_loop=0.37" in text
    header = next(line for line in text.splitlines() if not line.startswith("#"))
    assert header.startswith("run,day,")


def test_a_model_error_is_shown_on_the_page_not_raised() -> None:
    script = """
import sys
sys.path.insert(0, {root!r})
import streamlit as st
from app_pages import url_state, widgets
result = widgets.run_spec(url_state.RunSpec(interventions=("msc:day=400,dose=1",), days=100))
st.write(f"result: {{result}}")
"""
    at = AppTest.from_string(script.format(root=str(Path(APP).parent)), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert "starts after the end of the simulation" in texts(at.error)
    assert "result: None" in texts(at.markdown)


def test_explore_url_override_of_a_further_parameter_adds_its_slider(app_page) -> None:
    at = app_page("explore", {"p.effector_death": "0.15"})
    assert at.multiselect(key="explore.extra").value == ["effector_death"]
    assert at.slider(key="explore.p.effector_death").value == pytest.approx(0.15)
    assert query(at, "p.effector_death") == ["0.15"]


def test_compare_without_runs_puts_the_shared_treatment_under_every_assumption_set(app_page) -> None:
    at = app_page("compare", {"scenario": "susceptible", "iv": "hsct:day=30", "days": "400"})
    assert not at.warning
    assert at.session_state["compare.n"] == len(model.ASSUMPTION_SETS)
    assert [at.session_state[f"compare.assumptions.{i}"] for i in range(4)] == list(model.ASSUMPTION_SETS)
    runs = query(at, "run")
    assert len(runs) == 4 and all(r.startswith("susceptible/") and "/hsct:day=30" in r for r in runs)


def test_phase_plane_trajectories_download_as_one_tidy_table() -> None:
    from app_pages.tipping_points import trajectory_table
    from model.analysis import phaseplane

    runs = phaseplane.trajectories("E", "R", [(0.1, 1.0), (3.0, 0.5)], scenario="susceptible", assumptions="baseline")
    table = trajectory_table(runs, "E", "R")
    assert list(table.columns) == ["run", "day", "E", "R", "final_activity"]
    assert sorted(table["run"].unique()) == [1, 2]
    assert len(table) == sum(len(r.t) for r in runs)
