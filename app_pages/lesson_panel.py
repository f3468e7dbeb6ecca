"""Guided lesson mode: `?lesson=N&step=K` opens a step's page in the step's state, with a task panel.

Not a page: `app.py` calls `follow_url()` and `task_panel()` before running the page. The panel
shows the step's setup and prediction question; the student picks an answer (and may type a
one-line reason) and locks it; only then does the panel show the reveal, feedback for the option
chosen, what to look at and the Explain prompt. Pages call `results_allowed()` before drawing
anything that answers the prediction, so nothing on a page gives the answer away first.

Steps are data (`model.lessons`); this module only draws them. The lesson and step are kept in
the URL on every page (through `widgets.STICKY_QUERY`), so a reload or a shared link reopens the
same step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from app_pages import widgets
from model import lessons

K = "lesson."
#: Session State prefix of each page's widgets: cleared when a step opens that page, so the page
#: reads the step's URL state afresh.
PAGE_STATE_PREFIX: dict[str, str] = {
    "explore": "explore.",
    "compare": "compare.",
    "tipping_points": "tipping.",
    "how_sure": "how_sure.",
    "model_evidence": "evidence.",
    "classroom": "classroom.",
}


def active() -> tuple[int, int] | None:
    """(lesson, step) of the guided step this browser session is on, or None outside guided mode."""
    return st.session_state.get(f"{K}active")


def _locked() -> dict[tuple[int, int], tuple[int, str]]:
    """Locked predictions of this session: (lesson, step) -> (option index, reason typed)."""
    return st.session_state.setdefault(f"{K}locked", {})


def _parse(query: Mapping[str, list[str]]) -> tuple[tuple[int, int] | None, str | None]:
    """(lesson, step) from the URL, or None and a warning naming the field and its allowed values."""
    raw_lesson, raw_step = ((query.get(f) or [None])[-1] for f in ("lesson", "step"))
    if raw_lesson is None:
        return None, None
    try:
        number, index = int(raw_lesson), int(raw_step or 1)
        lessons.step(number, index)
    except ValueError as exc:
        allowed = ", ".join(map(str, lessons.LESSONS))
        if isinstance(exc, lessons.LessonError):
            return None, f"URL field {exc}; guided mode is off."
        return None, f"URL fields `lesson` and `step` must be whole numbers (lessons {allowed}); guided mode is off."
    return (number, index), None


def open_view(page: str, query: Mapping[str, list[str]]) -> None:
    """Switch to app page `page` (a url path of `PAGE_STATE_PREFIX`) showing the URL state `query`.

    The page's widgets are cleared first, so it reads `query` afresh even if it was open before.
    """
    prefix = PAGE_STATE_PREFIX[page]
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]
    query = {**query, **st.session_state.get(widgets.STICKY_QUERY, {})}
    if widgets.presentation_mode():
        query["present"] = ["1"]
    st.switch_page(f"app_pages/{page}.py", query_params=query)


def _open(number: int, index: int) -> None:
    """Open step `index` of lesson `number`: its page, in its URL state, with fresh page widgets."""
    step = lessons.step(number, index)
    st.session_state[f"{K}active"] = (number, index)
    st.session_state[widgets.STICKY_QUERY] = {"lesson": [str(number)], "step": [str(index)]}
    open_view(step.page, step.query_params())


def follow_url() -> None:
    """Enter (or leave) guided mode as the URL asks; switches page when a new step is requested."""
    wanted, warning = _parse(widgets.read_query())
    if warning:
        st.warning(warning, icon=":material/link_off:")
    if wanted is not None and wanted != active():
        _open(*wanted)


def _leave() -> None:
    """Button callback: guided mode off; the page keeps its current state."""
    st.session_state.pop(f"{K}active", None)
    st.session_state.pop(widgets.STICKY_QUERY, None)
    for field in ("lesson", "step"):
        if field in st.query_params:
            del st.query_params[field]


def task_parameters(available: Sequence[str], default: Sequence[str]) -> tuple[str, ...]:
    """The sliders a page shows without opening "More parameters": the guided step's `controls` that are in
    `available`, else `default` (the few a first-time student needs)."""
    place = active()
    controls = lessons.step(*place).controls if place is not None else ()
    return tuple(c for c in controls if c in available) or tuple(default)


def results_allowed() -> bool:
    """False while a guided step waits for the student's prediction: the page must not show its answer yet."""
    place = active()
    return place is None or place in _locked()


def hold_results() -> bool:
    """For pages: True (and a short note) when the results must wait for the prediction; call before drawing them."""
    if results_allowed():
        return False
    st.info("Lock your prediction in the task panel above; the results appear then.", icon=":material/lock:")
    return True


def _prediction(number: int, index: int, step: lessons.Step) -> tuple[int, str] | None:
    """The prediction form, or the locked prediction (a disabled choice) once submitted."""
    place = (number, index)
    locked = _locked().get(place)
    if locked is not None:
        st.radio(
            step.question,
            range(len(step.options)),
            index=locked[0],
            format_func=lambda i: step.options[i],
            disabled=True,
            key=f"{K}{number}.{index}.shown",
            help="Your prediction is locked: compare it with what the model shows.",
        )
        if locked[1]:
            st.text(f"Your reason: {locked[1]}")
        return locked
    choice = st.radio(
        step.question,
        range(len(step.options)),
        index=None,
        format_func=lambda i: step.options[i],
        key=f"{K}{number}.{index}.choice",
    )
    reason = st.text_input(
        "Why? (one line, optional)", max_chars=200, key=f"{K}{number}.{index}.why", placeholder="Because ..."
    )
    if st.button("Lock my prediction", type="primary", disabled=choice is None, key=f"{K}{number}.{index}.lock"):
        _locked()[place] = (int(choice), reason.strip())
        st.rerun()
    if choice is None:
        st.caption("Pick an answer first; it cannot be changed once locked.")
    return None


def _reveal(step: lessons.Step, choice: int) -> None:
    """What the model shows, feedback specific to the option chosen, where to look, and the Explain prompt."""
    if choice == step.answer:
        st.success(step.feedback[choice], icon=":material/check_circle:")
    else:
        st.warning(step.feedback[choice], icon=":material/lightbulb:")
    st.markdown(f"**What the model shows.** {step.reveal}")
    st.markdown(f"**Look.** {step.look}")
    st.markdown(f"**Explain.** {step.explain}")


def _navigation(number: int, index: int) -> None:
    lesson = lessons.LESSONS[number]
    back, ahead, leave = st.columns(3)
    if back.button("Previous step", disabled=index == 1, key=f"{K}prev", icon=":material/arrow_back:"):
        _open(number, index - 1)
    if ahead.button("Next step", disabled=index == len(lesson.steps), key=f"{K}next", icon=":material/arrow_forward:"):
        _open(number, index + 1)
    leave.button("Leave the lesson", key=f"{K}leave", on_click=_leave, icon=":material/close:")


def task_panel() -> None:
    """The task panel of the current guided step (nothing outside guided mode)."""
    place = active()
    if place is None:
        return
    number, index = place
    lesson, step = lessons.LESSONS[number], lessons.step(*place)
    kind = "core step" if step.core else "extension"
    with st.container(border=True, key=f"{K}panel"):
        st.markdown(
            f"**Lesson {number}: {lesson.title}** · step {index} of {len(lesson.steps)} ({kind}, about "
            f"{step.minutes} min)"
        )
        st.markdown(f"**{step.title}**")
        st.markdown(step.setup)
        locked = _prediction(number, index, step)
        if locked is not None:
            _reveal(step, locked[0])
        _navigation(number, index)
