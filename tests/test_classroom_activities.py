"""Classroom activities: the prediction locks on reveal, a one-line "why?", feedback specific to the option
chosen, "Open in Explore" with the activity's state, and the option each activity's feedback calls right
is what the model does. Through `streamlit.testing.v1.AppTest`. Illustrative teaching model, not predictive,
not medical advice.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
#: Activity key -> (the option its feedback calls right, what its Explore link must show).
ACTIVITIES = {
    "tipping_point": (1, "susceptible"),
    "msc_assumptions": (1, "active_sle"),
    "bcell_antibodies": (1, "active_sle"),
    "hsct_relapse": (0, "active_sle"),
    "negative_feedback": (1, "susceptible"),
    "trigger_timing": (1, "susceptible"),
    "uncertain_number": (1, "active_sle"),
    "same_patients": (4, "active_sle"),
}


def open_activity(key: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.query_params.clear()
    at.query_params["activity"] = key
    return at.switch_page("app_pages/classroom.py").run()


def reveal(at: AppTest, key: str, choice: int) -> AppTest:
    at.radio(key=f"classroom.guess.{key}").set_value(choice).run()
    at.text_input(key=f"classroom.why.{key}").input("because the loop keeps going").run()
    return at.button(key=f"classroom.reveal.{key}").click().run()


@pytest.mark.slow
@pytest.mark.parametrize("key", list(ACTIVITIES))
def test_the_option_an_activitys_feedback_calls_right_is_what_the_model_shows(key: str) -> None:
    expected, _ = ACTIVITIES[key]
    at = reveal(open_activity(key), key, expected)
    assert not at.exception
    assert at.success, "the model's answer is the option the feedback was written for"


def test_prediction_locks_on_reveal_and_feedback_is_specific_to_the_option_chosen() -> None:
    key = "negative_feedback"
    at = reveal(open_activity(key), key, 0)
    locked = at.radio(key=f"classroom.shown.{key}")
    assert locked.disabled and locked.value == 0
    assert at.button(key=f"classroom.reveal.{key}").disabled
    assert at.text_input(key=f"classroom.why.{key}").disabled
    warning = "\n".join(str(w.value) for w in at.warning)
    assert "without it the same push is enough" in warning, "feedback for option 0, not a generic line"


def test_open_in_explore_shows_the_activitys_run() -> None:
    key = "negative_feedback"
    at = reveal(open_activity(key), key, 1)
    at.button(key=f"classroom.explore.{key}").click().run()
    assert not at.exception
    assert at.selectbox(key="explore.scenario").value == "susceptible"
    assert at.multiselect(key="explore.ko").value == ["treg_suppression"]
    assert at.session_state["explore.ivs"] == ["antigen:day=30,size=20,duration=14"]


def test_msc_activity_says_the_durable_treg_set_changes_the_host_too() -> None:
    at = reveal(open_activity("msc_assumptions"), "msc_assumptions", 1)
    text = "\n".join(str(m.value) for m in at.markdown)
    assert "changes the host as well as the MSC" in text


def test_nothing_on_the_page_gives_the_answer_before_the_prediction() -> None:
    at = open_activity("msc_assumptions")
    assert "Teacher note" not in [e.label for e in at.expander], "the teacher note states the answer"
    assert not at.success and not at.warning
    at = reveal(at, "msc_assumptions", 0)
    assert "Teacher note" in [e.label for e in at.expander]


def test_same_patients_activity_shows_every_treatment_on_the_same_virtual_patients() -> None:
    key = "same_patients"
    at = reveal(open_activity(key), key, 1)
    assert not at.exception
    text = "\n".join(str(m.value) for m in at.markdown) + "\n".join(str(c.value) for c in at.caption)
    for therapy in ("MSC infusion", "Rituximab-like B-cell depletion", "CD19 CAR-T", "HSCT-like reset"):
        assert therapy in text
    assert "Who responded to CD19 CAR-T?" in text
    assert "long-lived plasma cells keep making autoantibody" in str(at.warning[0].value)
