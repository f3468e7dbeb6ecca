"""The guided lessons (`model.lessons`, `?lesson=N&step=K` in the app) as a specification.

Every step's answer is what the model does (each step is run here, from the step's own URL
state), every step opens its page without a warning, a prediction locks when submitted and the
reveal appears only after it, and a broken lesson file is refused with the field named.
Illustrative teaching model, not predictive, not medical advice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import model
from app_pages import url_state
from model import lessons
from model.analysis import phaseplane

APP = str(Path(__file__).resolve().parents[1] / "app.py")
REMISSION, FLARE = model.REMISSION_THRESHOLD, model.FLARE_THRESHOLD


def run(step: lessons.Step, **changes: object) -> model.Result:
    """The Explore run a step opens (its URL state), with `changes` to the simulate arguments."""
    spec, warnings = url_state.parse_run_spec(step.query_params(), url_state.RunSpec())
    assert not warnings, warnings
    kwargs = {
        "assumptions": spec.assumptions,
        "params": dict(spec.overrides),
        "interventions": [model.parse_intervention(t) for t in spec.interventions],
        "days": spec.days,
        "knockouts": spec.knockouts,
    }
    return model.simulate(spec.scenario, **(kwargs | changes))


def at_day(res: model.Result, day: float) -> float:
    return float(res["activity"][int(np.searchsorted(res.t, day, side="right")) - 1])


def _small_trigger(step: lessons.Step) -> int:
    o = run(step).outcomes
    return 0 if o.activity_peak < REMISSION and abs(o.activity_final - o.activity[0]) < 0.01 else 1


def _large_trigger(step: lessons.Step) -> int:
    res = run(step)
    if res.outcomes.activity_final < REMISSION:
        return 0 if at_day(res, 120) < REMISSION else 2
    still_rising_or_level = res.outcomes.activity_final >= at_day(res, 365) - 0.02
    return 1 if res.outcomes.activity_final > FLARE and still_rising_or_level else 2


def _fades(step: lessons.Step) -> int:
    """1 when the step's run ends below the remission line (the options put 'it fades' second)."""
    return 1 if run(step).outcomes.activity_final < REMISSION else 0


def _two_stable_states(step: lessons.Step) -> int:
    scenario = step.query_params()["scenario"][0]
    return 2 if len(phaseplane.steady_states(scenario)) == 2 else 0


def _remove_a_brake(step: lessons.Step) -> int:
    without_brake = run(step)
    with_brake = run(step, knockouts=())
    assert with_brake.outcomes.activity_final < REMISSION, "the same trigger fades with the brake in place"
    if at_day(without_brake, 29) > REMISSION:
        return 2
    return 1 if without_brake.outcomes.activity_final > FLARE else 0


def _one_infusion(step: lessons.Step) -> int:
    res = run(step)
    before = at_day(res, 29)
    if res.outcomes.remission_at_end:
        return 2
    return 1 if abs(at_day(res, 120) - before) < 0.1 * before else 0


def _comes_back(step: lessons.Step) -> int:
    """1 when a treatment's effect is gone by the end: activity back near the untreated run's."""
    treated, untreated = run(step), run(step, interventions=[])
    return 1 if abs(treated.outcomes.activity_final - untreated.outcomes.activity_final) < 0.05 else 0


def _remove_b_cells(step: lessons.Step) -> int:
    res = run(step)
    i29, i37, i60 = (int(np.searchsorted(res.t, d, side="right")) - 1 for d in (29, 37, 60))
    assert res["B"][i37] < 0.01 * res["B"][i29], "B cells are gone within a week"
    return 1 if res["A"][i60] > 0.5 * res["A"][i29] else 0


def _reset(step: lessons.Step) -> int:
    o = run(step).outcomes
    if o.remission_at_end:
        return 0
    return 1 if o.days_in_remission >= 60 and o.activity_final > FLARE else 2


def _ends_in_remission(step: lessons.Step) -> int:
    return 1 if run(step).outcomes.remission_at_end else 0


def _four_beliefs(step: lessons.Step) -> int:
    query = step.query_params()
    table = model.compare_assumptions(
        query["scenario"][0],
        interventions=[model.parse_intervention(t) for t in query["iv"]],
        days=float(query["days"][0]),
    )
    return {len(table): 0, 1: 1, 0: 2}.get(int(table["remission_at_end"].sum()), -1)


def _still_active(step: lessons.Step) -> int:
    return 1 if run(step).outcomes.activity_final > FLARE else 0


def _licensing(step: lessons.Step) -> int:
    rises = {}
    for name in ("baseline", "licensing_required"):
        res = run(step, assumptions=name)
        after = res.t > 200
        rises[name] = res["R"][after].max() - res["R"][int(np.searchsorted(res.t, 199))]
    return 1 if rises["licensing_required"] < 0.25 * rises["baseline"] else 0


#: (lesson, step key) -> the option the model supports, computed from the step's own run.
MODEL_CHECKS: dict[tuple[int, str], Callable[[lessons.Step], int]] = {
    (1, "small_trigger"): _small_trigger,
    (1, "large_trigger"): _large_trigger,
    (1, "break_the_loop"): _fades,
    (1, "two_stable_states"): _two_stable_states,
    (1, "remove_a_brake"): _remove_a_brake,
    (1, "same_amount_different_speed"): _fades,
    (2, "one_infusion"): _one_infusion,
    (2, "keep_giving_it"): _comes_back,
    (2, "remove_b_cells"): _remove_b_cells,
    (2, "reset"): _reset,
    (2, "durable"): _ends_in_remission,
    (3, "four_beliefs"): _four_beliefs,
    (3, "one_uncertain_number"): _still_active,
    (3, "bigger_dose"): _still_active,
    (3, "licensing"): _licensing,
}
#: Steps whose answer is about evidence in people, not the model: sourced from the Evidence page.
EVIDENCE_STEPS = {(3, "which_has_evidence")}
ALL_STEPS = [(n, s) for n, lesson in lessons.LESSONS.items() for s in lesson.steps]


def test_every_step_is_checked_against_the_model_or_sourced_from_the_evidence() -> None:
    assert {(n, s.key) for n, s in ALL_STEPS} == set(MODEL_CHECKS) | EVIDENCE_STEPS


@pytest.mark.parametrize(("number", "step"), ALL_STEPS, ids=[f"{n}-{s.key}" for n, s in ALL_STEPS])
def test_the_option_a_step_calls_right_is_what_the_model_does(number: int, step: lessons.Step) -> None:
    if (number, step.key) in EVIDENCE_STEPS:
        assert step.page == "model_evidence" and "Evidence page" in step.reveal
        return
    assert MODEL_CHECKS[number, step.key](step) == step.answer


@pytest.mark.parametrize("lesson", list(lessons.LESSONS.values()), ids=lambda x: str(x.number))
def test_each_lesson_fits_45_minutes_with_four_or_five_core_steps_an_exit_ticket_and_a_rubric(
    lesson: lessons.Lesson,
) -> None:
    assert 4 <= len(lesson.core_steps()) <= 5
    assert lesson.core_minutes() <= 45 - 5 - 5  # introduction and exit ticket
    assert len({q.goal for q in lesson.exit_ticket}) >= 3
    assert set(lesson.rubric) == set(lessons.RUBRIC_LEVELS)


def test_lesson_1_exit_ticket_checks_the_negative_feedbacks_goal_and_step_1_makes_students_find_them() -> None:
    lesson = lessons.LESSONS[1]
    assert 1 in {q.goal for q in lesson.exit_ticket}
    assert "negative feedbacks" in lesson.steps[0].look
    assert lesson.steps[1].query_params()["days"] == ["730"], "step 2 runs for two years"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('page = "explore"', 'page = "nowhere"'), "page"),
        (("answer = 0", "answer = 7"), "answer"),
        (('    "It does not move at all",\n]\nanswer', "]\nanswer"), "feedback"),
        (("minutes = 7", "minutes = 90"), "minutes"),
    ],
)
def test_a_broken_lesson_file_is_refused_naming_the_step_and_field(change: tuple[str, str], field: str) -> None:
    from importlib import resources

    text = resources.files("model.lessons").joinpath("lesson1.toml").read_text(encoding="utf-8")
    assert change[0] in text
    with pytest.raises(lessons.LessonError, match=f"small_trigger.*`{field}`"):
        lessons.load_lesson(text.replace(change[0], change[1], 1), "lesson1.toml")


def test_step_numbers_outside_a_lesson_are_refused_with_the_range() -> None:
    with pytest.raises(lessons.LessonError, match=r"\[1, 6\]"):
        lessons.step(1, 7)
    with pytest.raises(lessons.LessonError, match="`lesson` = 9"):
        lessons.step(9, 1)


# --- the guided mode in the app ------------------------------------------------------------------


def open_step(number: int, index: int) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update({"lesson": str(number), "step": str(index)})
    return at.run()


def shown(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in [*at.markdown, *at.success, *at.warning, *at.info])


@pytest.mark.slow
def test_lesson_1_walks_through_every_step_with_predictions_that_lock_and_reveals_only_after() -> None:
    """Done-when of issue 19: every step renders, predictions lock, the reveal appears only after a prediction."""
    lesson = lessons.LESSONS[1]
    at = open_step(1, 1)
    for index, step in enumerate(lesson.steps, start=1):
        assert not at.exception, (index, at.exception)
        assert not at.error and not [w for w in at.warning if "lesson" in str(w.value).lower()]
        assert (at.query_params["lesson"], at.query_params["step"]) == ("1", str(index)), "the place is in the URL"
        assert step.setup in shown(at)
        assert step.reveal not in shown(at), "no reveal before a prediction"
        assert not at.metric, "the page holds its results until the prediction is locked"
        assert at.button(key=f"lesson.1.{index}.lock").disabled, "nothing to lock before a choice"
        choice = (step.answer + index) % len(step.options)  # right on some steps, wrong on others
        at.radio(key=f"lesson.1.{index}.choice").set_value(choice).run()
        at.text_input(key=f"lesson.1.{index}.why").input("because of the loop").run()
        at.button(key=f"lesson.1.{index}.lock").click().run()
        assert not at.exception
        locked = at.radio(key=f"lesson.1.{index}.shown")
        assert locked.disabled and locked.value == choice, "the prediction is locked"
        assert step.reveal in shown(at) and step.feedback[choice] in shown(at)
        assert at.success if choice == step.answer else at.warning
        if step.page == "explore":
            assert at.metric, "the results appear once the prediction is locked"
        if index < len(lesson.steps):
            at.button(key="lesson.next").click().run()
    assert at.button(key="lesson.next").disabled
    at.button(key="lesson.prev").click().run()
    assert at.radio(key=f"lesson.1.{len(lesson.steps) - 1}.shown").disabled, "going back keeps the locked prediction"


def test_a_step_opens_its_page_in_the_steps_state() -> None:
    at = open_step(1, 3)
    assert not at.exception and not at.warning
    assert at.selectbox(key="explore.scenario").value == "susceptible"
    assert at.multiselect(key="explore.ko").value == ["inflammation_antigen_release"]
    assert at.session_state["explore.ivs"] == ["antigen:day=30,size=40,duration=14"]


def test_a_bad_lesson_in_the_url_gives_a_warning_naming_the_field_and_no_panel() -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"lesson": "9", "step": "1"})
    at.run()
    assert not at.exception
    assert "`lesson` = 9" in "\n".join(str(w.value) for w in at.warning)
    assert "lesson.next" not in [b.key for b in at.button]


def _lessons_hook():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "docs" / "_hooks" / "lessons.py"
    spec = importlib.util.spec_from_file_location("lessons_hook", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_hook_renders_guided_links_exit_ticket_and_rubric_from_the_lesson_data() -> None:
    hook = _lessons_hook()
    text = hook.render("<!-- lesson:guided 1 -->\n\n    <!-- lesson:rubric 1 -->\n", "lessons/feedback-loops.md")
    assert "http://localhost:8501/?lesson=1&step=4" in text
    assert all(f"    | **{level}** |" in text for level in lessons.RUBRIC_LEVELS), "indentation kept in admonitions"
    exit_ticket = hook.render("<!-- lesson:exit 2 -->", "x.md")
    assert all(q.question in exit_ticket for q in lessons.LESSONS[2].exit_ticket)


def test_docs_hook_stops_the_build_on_an_unknown_lesson_marker() -> None:
    from mkdocs.exceptions import PluginError

    hook = _lessons_hook()
    with pytest.raises(PluginError, match=r"x\.md.*lesson 9"):
        hook.render("<!-- lesson:exit 9 -->", "x.md")
    with pytest.raises(PluginError, match="unknown lesson marker kind 'quiz'"):
        hook.render("<!-- lesson:quiz 1 -->", "x.md")


def test_outcome_cards_show_the_lowest_activity_and_speak_of_a_trigger_as_a_trigger() -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"scenario": "susceptible", "iv": "antigen:day=30,size=40,duration=14", "days": "730"})
    at.run()
    cards = {m.label: m for m in at.metric}
    assert "Lowest activity" in cards
    assert cards["Activity at end"].delta.endswith("vs without the trigger")
    assert cards["Remission at end"].delta == "without the trigger: yes"
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"scenario": "active_sle", "iv": "msc:day=30,dose=1", "days": "365"})
    at.run()
    cards = {m.label: m for m in at.metric}
    assert float(cards["Lowest activity"].value) < float(cards["Activity at end"].value), "the MSC dip shows"
    assert cards["Lowest activity"].delta.endswith("vs untreated")


def test_leaving_the_lesson_removes_the_panel_and_keeps_the_page() -> None:
    at = open_step(1, 2)
    at.button(key="lesson.leave").click().run()
    assert not at.exception
    assert "lesson" not in at.query_params and "step" not in at.query_params
    assert "lesson.next" not in [b.key for b in at.button]
    assert at.metric, "outside guided mode the page shows its results"
    assert at.session_state["explore.ivs"] == ["antigen:day=30,size=40,duration=14"]


def lock_step(at: AppTest, number: int, index: int, choice: int) -> AppTest:
    at.radio(key=f"lesson.{number}.{index}.choice").set_value(choice).run()
    return at.button(key=f"lesson.{number}.{index}.lock").click().run()


def test_a_step_shows_only_the_sliders_its_task_needs_and_keeps_the_rest_under_more_parameters() -> None:
    at = lock_step(open_step(1, 1), 1, 1, 0)
    in_sidebar = [s.key for s in at.sidebar.slider]
    assert "explore.p.antigen_clearance" in in_sidebar
    more = next(e for e in at.sidebar.expander if e.label == "More parameters")
    assert "explore.p.treg_loop" in [s.key for s in more.slider]
    assert "explore.p.antigen_clearance" not in [s.key for s in more.slider]


def test_a_step_that_points_to_why_did_it_move_says_to_open_the_panel() -> None:
    """The panel is collapsed and computed only when opened (tests/test_app.py), so a step must say to open it."""
    pointing = [
        (number, step.key)
        for number, lesson in lessons.LESSONS.items()
        for step in lesson.steps
        if "Why did it move?" in step.look
    ]
    assert pointing, "lesson 1 step 1 reads the mechanism terms"
    for number, key in pointing:
        step = next(s for s in lessons.LESSONS[number].steps if s.key == key)
        assert "open 'Why did it move?'" in step.look, (number, key)
