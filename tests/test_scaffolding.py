"""Scaffolding for a first-time student: few controls by default, glossary tooltips, a "what to try" line per page.

Explore shows the scenario, the assumption set, the timeline and a few key sliders; the other teaching
sliders wait under "More parameters", which a URL setting one of them opens (and the sidebar says
what is set). Tooltips come from the glossary (`model/lessons/glossary.toml`). Illustrative teaching
model, not predictive, not medical advice.
"""

from __future__ import annotations

import pytest

import model
from app_pages import widgets
from model.lessons import glossary


def more_parameters(at):
    return next(e for e in at.sidebar.expander if e.label == "More parameters")


def test_explore_shows_a_first_time_student_only_the_key_sliders(app_page) -> None:
    at = app_page("explore")
    more = more_parameters(at)
    hidden = {s.key for s in more.slider}
    outside = {s.key for s in at.sidebar.slider} - hidden
    assert outside == {"explore.days", *(f"explore.p.{n}" for n in widgets.FIRST_PARAMETERS)}
    assert hidden == {f"explore.p.{n}" for n in widgets.TEACHING_PARAMETERS if n not in widgets.FIRST_PARAMETERS}
    assert not more.proto.expanded
    assert not [c for c in at.sidebar.caption if "Also set" in c.value]


def test_a_url_setting_a_hidden_parameter_applies_it_opens_more_parameters_and_says_so(app_page) -> None:
    at = app_page("explore", {"p.treg_loop": "0.3"})
    assert at.slider(key="explore.p.treg_loop").value == pytest.approx(0.3)
    assert at.query_params["p.treg_loop"] == "0.3"
    assert more_parameters(at).proto.expanded
    label = widgets.PARAMETER_INFO["treg_loop"].label
    assert any(f"Also set, under More parameters: {label} 0.3" in c.value for c in at.sidebar.caption)


def test_a_url_setting_only_a_shown_slider_leaves_more_parameters_closed(app_page) -> None:
    at = app_page("explore", {"p.antigen_clearance": "1.3"})
    assert not more_parameters(at).proto.expanded


def test_explore_controls_and_cards_carry_glossary_tooltips(app_page) -> None:
    at = app_page("explore")
    assert glossary.lookup("Scenario").short in at.sidebar.selectbox(key="explore.scenario").help
    assert glossary.lookup("Assumption set").short in at.sidebar.selectbox(key="explore.assumptions").help
    flares = next(m for m in at.metric if m.label == "Flares")
    assert glossary.lookup("Flare").short in flares.proto.help


@pytest.mark.slow
def test_virtual_trial_page_has_a_what_to_try_line_and_the_words_in_plain_language(app_page) -> None:
    at = app_page("virtual_trial")
    assert any(m.value.startswith("*What to try:*") for m in at.markdown)
    words = next(e for e in at.expander if e.label == "The words on this page, in plain language")
    assert glossary.lookup("p-value").short in words.markdown[0].value
    assert glossary.lookup("Endpoint").short in at.radio(key="virtual_trial.endpoint").help
    assert [at.radio(key="virtual_trial.endpoint").format_func(k) for k in model.trial.ENDPOINTS] == [
        "remission at the end",
        "change in the toy activity index",
    ]
