"""Class sessions in the app: students join with a code, their predictions go to the teacher's live view.

Not a page: the Classroom page calls these helpers. `session_panel()` draws the "Class session"
box (join as a student, or create / open a class as the teacher); `reasoning_box` and
`send_prediction` add a student's prediction to the class when they reveal; `class_results`
shows the teacher (token required) the class's predictions next to the model's answer, redrawn
every few seconds. Everything a person typed (title, nickname, reasoning) is shown with
`st.text` or `st.code`, never as Markdown or HTML. The store is `model.classroom.ClassStore`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import plotly.graph_objects as go
import streamlit as st

from app_pages import plots
from model import classroom
from model.report.palette import OKABE_ITO

K = "class."
T = TypeVar("T")
#: Seconds between redraws of the teacher's view of the class's predictions.
REFRESH_S = 2.0
#: Failed joins or teacher log-ins one browser session may make per minute (guessing codes or tokens).
MAX_FAILURES_PER_MINUTE = 5


@st.cache_resource(show_spinner=False)
def _store() -> classroom.ClassStore:
    return classroom.ClassStore()


def store() -> classroom.ClassStore | None:
    """The server's class store (`SLE_IMMUNOMOD_DB` or the user data folder); None, with a message, if unusable."""
    try:
        return _store()
    except classroom.ClassroomError as exc:
        st.error(f"Class sessions are unavailable: {exc}", icon=":material/error:")
        return None


def student() -> classroom.Student | None:
    """This browser session's membership of a class, if it joined one."""
    return st.session_state.get(f"{K}student")


def teacher() -> tuple[str, str] | None:
    """(join code, teacher token) when this browser session is the teacher's view of a class."""
    return st.session_state.get(f"{K}teacher")


def _too_many_failures() -> bool:
    now = time.monotonic()
    recent = [t for t in st.session_state.get(f"{K}failures", []) if now - t < 60]
    st.session_state[f"{K}failures"] = recent
    return len(recent) >= MAX_FAILURES_PER_MINUTE


def _attempt(action: Callable[[classroom.ClassStore], T]) -> T | None:
    """Run `action(store)`; a refusal becomes an `st.error` (and counts as a failure), not a traceback.

    The store is opened here, on first use, so a visit that never takes part in a class creates no file.
    """
    if _too_many_failures():
        st.error(f"Too many failed attempts: at most {MAX_FAILURES_PER_MINUTE} a minute. Wait a minute and try again.")
        return None
    db = store()
    if db is None:
        return None
    try:
        return action(db)
    except classroom.ClassroomError as exc:
        st.session_state[f"{K}failures"].append(time.monotonic())
        st.session_state[f"{K}last_error"] = str(exc)
        st.error(str(exc), icon=":material/error:")
        return None


# --- the "Class session" box -----------------------------------------------------------------


def session_panel() -> None:
    """The "Class session" box at the top of the Classroom page (open once the session takes part)."""
    code_in_url = st.query_params.get("class", "")
    if f"{K}join_code" not in st.session_state and code_in_url:
        st.session_state[f"{K}join_code"] = code_in_url[:16]
    active = bool(student() or teacher() or code_in_url)
    with st.expander("Class session: share predictions with your class", expanded=active, icon=":material/groups:"):
        join_tab, teach_tab = st.tabs(["Join as a student", "Teacher"])
        with join_tab:
            _student_panel()
        with teach_tab:
            _teacher_panel()


def _student_panel() -> None:
    me = student()
    if me is not None:
        st.success("You are in a class: your predictions go to your teacher when you reveal.", icon=":material/check:")
        st.text(f"Class {me.code}; nickname: {me.nickname or '(none)'}")
        if st.button("Leave the class", key=f"{K}leave"):
            del st.session_state[f"{K}student"]
            st.rerun()
        return
    st.markdown(
        "Type the code your teacher shows. A nickname is optional; nothing else about you is stored. "
        f"You can add a reason of up to {classroom.MAX_REASONING} characters to each prediction."
    )
    with st.form(f"{K}join_form", border=False):
        code = st.text_input("Join code", max_chars=16, key=f"{K}join_code", placeholder="e.g. K7QW-M3XD")
        nickname = st.text_input(
            "Nickname (optional)", max_chars=classroom.MAX_NICKNAME, key=f"{K}nickname", placeholder="e.g. Fox"
        )
        if st.form_submit_button("Join the class", type="primary", key=f"{K}join"):
            joined = _attempt(lambda db: db.join(code, nickname))
            if joined is not None:
                st.session_state[f"{K}student"] = joined
                st.rerun()


def _teacher_panel() -> None:
    current = teacher()
    if current is not None:
        _teacher_view(*current)
        return
    create, reopen = st.columns(2)
    with create.form(f"{K}create_form"):
        st.markdown("**Create a class**")
        title = st.text_input("Class title", max_chars=classroom.MAX_TITLE, key=f"{K}title")
        hours = st.number_input(
            "Join code open for (hours)", 0.5, 24.0 * 7, classroom.DEFAULT_HOURS, 0.5, key=f"{K}hours"
        )
        if st.form_submit_button("Create the class", type="primary", key=f"{K}create"):
            made = _attempt(lambda db: db.create_class(title, hours=float(hours)))
            if made is not None:
                st.session_state[f"{K}teacher"] = (made.code, made.token)
                st.session_state[f"{K}new_token"] = made.token
                st.rerun()
    with reopen.form(f"{K}open_form"):
        st.markdown("**Open an existing class**")
        code = st.text_input("Join code", max_chars=16, key=f"{K}teacher_code")
        token = st.text_input("Teacher token", type="password", max_chars=64, key=f"{K}token")
        if st.form_submit_button("Open the teacher view", key=f"{K}open"):
            found = _attempt(lambda db: db.check_teacher(code, token))
            if found is not None:
                st.session_state[f"{K}teacher"] = (found.code, token)
                st.rerun()


def _teacher_view(code: str, token: str) -> None:
    info = _attempt(lambda db: db.check_teacher(code, token))
    db = store()
    if info is None or db is None:
        st.session_state.pop(f"{K}teacher", None)
        return
    st.markdown("**Students join with this code** (Classroom page, *Class session*, *Join as a student*):")
    st.code(f"{code[:4]}-{code[4:]}", language=None)
    st.text(f"Class: {info.title}. Open until {time.strftime('%Y-%m-%d %H:%M', time.localtime(info.expires_at))}.")
    new_token = st.session_state.get(f"{K}new_token")
    if new_token:
        st.warning("Your teacher token, shown only until you hide it: keep it to reopen, export or delete the class.")
        st.code(new_token, language=None)
        if st.button("I have saved the token: hide it", key=f"{K}hide_token"):
            st.session_state.pop(f"{K}new_token", None)
            st.rerun()
    left, middle, right = st.columns(3)
    left.download_button(
        "Export the answers (CSV)",
        db.csv_text(code, token),
        file_name=f"sle-immunomod-class-{code}.csv",
        mime="text/csv",
        key=f"{K}export",
        on_click="ignore",
        icon=":material/download:",
    )
    if middle.button("Close the teacher view", key=f"{K}close"):
        st.session_state.pop(f"{K}teacher", None)
        st.rerun()
    with right.popover("Delete the class", icon=":material/delete:"):
        st.markdown("Deletes the class and every answer in it, for good.")
        confirmed = st.button("Yes, delete it", key=f"{K}delete", type="primary")
        if confirmed and _attempt(lambda db: db.delete_class(code, token)) is not None:
            st.session_state.pop(f"{K}teacher", None)
            st.rerun()


# --- students' predictions -------------------------------------------------------------------


def reasoning_box(activity: int) -> None:
    """For a student in a class: an optional reason for the prediction, or a note that it was sent."""
    if student() is None:
        return
    problem = st.session_state.pop(f"{K}send_error.{activity}", None)
    if problem:
        st.error(f"Your prediction did not reach your class: {problem}", icon=":material/error:")
    pending = st.session_state.get(f"{K}pending.{activity}")
    if pending is not None and st.button("Send my prediction again", key=f"{K}again.{activity}"):
        send_prediction(activity, pending)
    if st.session_state.get(f"{K}sent.{activity}"):
        st.caption("Your prediction is with your class.")
        return
    st.text_area(
        f"Why do you think so? (optional, at most {classroom.MAX_REASONING} characters; sent to your teacher)",
        max_chars=classroom.MAX_REASONING,
        key=f"{K}reasoning.{activity}",
        height=80,
    )


def send_prediction(activity: int, choice: int) -> None:
    """Store a student's prediction (option index `choice`, 0-based) for `activity` once, when they reveal."""
    me = student()
    if me is None:
        return
    reasoning = st.session_state.get(f"{K}reasoning.{activity}", "")
    key = f"{me.session[:20]}-{activity}"
    sent = _attempt(lambda db: db.submit(me.session, activity, choice + 1, reasoning=reasoning, key=key))
    st.session_state[f"{K}pending.{activity}"] = None if sent is not None else choice
    if sent is not None:
        st.session_state[f"{K}sent.{activity}"] = True
    else:  # kept for the next run: the page reruns after a reveal, which would wipe an error shown now
        st.session_state[f"{K}send_error.{activity}"] = st.session_state.get(f"{K}last_error", "try again")
    st.rerun()  # redraw the reason box as "sent", or with the error


# --- the teacher's view of an activity -------------------------------------------------------


def class_results(activity: int, options: Sequence[str], model_answer: Callable[[], int]) -> None:
    """For the teacher: the class's predictions for `activity`, live, beside the model's answer (0-based)."""
    current = teacher()
    if current is None:
        return
    st.subheader("Your class's predictions")
    show = st.toggle("Show the model's answer next to the class", key=f"{K}show_answer.{activity}")
    answer = model_answer() if show else None
    _live_results(current[0], current[1], activity, tuple(options), answer)


@st.fragment(run_every=REFRESH_S)
def _live_results(code: str, token: str, activity: int, options: tuple[str, ...], answer: int | None) -> None:
    db = store()
    if db is None:
        return
    try:
        answers = [a for a in db.answers(code, token) if a.activity == activity]
    except classroom.ClassroomError as exc:
        st.error(str(exc), icon=":material/error:")
        return
    counts = [sum(a.choice == k + 1 for a in answers) for k in range(len(options))]
    plots.show_plot(
        _results_figure(options, counts, answer), _results_summary(options, counts, answer), key=f"{K}fig.{activity}"
    )
    reasons = [a for a in answers if a.reasoning]
    with st.expander(f"Reasons given ({len(reasons)})"):
        for a in reasons:
            st.text(f"{a.nickname or f'student {a.student}'} (option {a.choice}): {a.reasoning}")


def _results_figure(options: Sequence[str], counts: Sequence[int], answer: int | None) -> go.Figure:
    labels = [f"{chr(65 + k)}. {text}" for k, text in enumerate(options)]
    colors = [OKABE_ITO["bluish_green"] if k == answer else OKABE_ITO["blue"] for k in range(len(options))]
    fig = go.Figure(go.Bar(x=list(counts), y=labels, orientation="h", marker_color=colors, text=list(counts)))
    fig.update_yaxes(autorange="reversed")
    title = "The class's predictions" + ("; green: what the toy model shows" if answer is not None else "")
    fig = plots.style_figure(fig, title, "", "students")
    fig.update_layout(hovermode=False, height=300)
    fig.update_xaxes(tick0=0, dtick=max(1, -(-max(counts, default=0) // 10)), rangemode="tozero")
    return fig


def _results_summary(options: Sequence[str], counts: Sequence[int], answer: int | None) -> str:
    total = sum(counts)
    parts = ", ".join(f"{chr(65 + k)}: {n}" for k, n in enumerate(counts))
    text = f"{total} student(s) predicted ({parts})."
    if answer is not None:
        text += f" The toy model shows option {chr(65 + answer)}, chosen by {counts[answer]} of {total}."
    return text
