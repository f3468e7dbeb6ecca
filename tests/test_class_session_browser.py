"""Class sessions through the real server (`streamlit run app.py` on 127.0.0.1) and real Chromium.

Thirty students join with the code and answer at the same time (each a websocket session speaking
Streamlit's own protocol through `benchmarks/st_client.py`, as a browser tab does, without 30
browsers on a 2-core machine); the server is killed with SIGKILL mid-lesson and restarted. The
teacher's view (token required, in Chromium)
shows their predictions live next to the model's answer and exports them; answers survive the
server being killed with SIGKILL; whatever a student types is shown as text, never as Markdown
or HTML. Each module run has its own class store (`SLE_IMMUNOMOD_DB` in a temporary folder).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from browser_support import AppServer, new_tab, open_page, screenshot, settle, teacher_view
from playwright.sync_api import Browser, Page

import model
from model.classroom import ClassStore

pytestmark = pytest.mark.browser

STUDENTS = 30
LASTING = "Lasting disease"  # option B of activity 1, what the toy model shows
LASTING_OPTION = "Lasting disease: activity stays high after the burst has ended"
INJECTIONS = {
    "nickname": "<script>alert(1)</script>",
    "reasoning": '**bold** [link](javascript:alert(1)) <img src=x onerror="alert(2)"> <b>raw</b>',
}


@pytest.fixture()
def tab(browser: Browser) -> Iterator[Page]:
    with new_tab(browser, 1400, 1000) as page:
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        yield page
        assert dialogs == [], f"a script ran in the page: {dialogs}"


def _student_answers(page: Page, url: str, code: str, nickname: str, reasoning: str = "") -> None:
    """A student opens the join link, joins, predicts "lasting disease" in activity 1 and reveals."""
    open_page(page, url, f"classroom?class={code}")
    page.get_by_label("Nickname (optional)").fill(nickname)
    page.get_by_role("button", name="Join the class").click()
    page.get_by_text("You are in a class").wait_for()
    page.get_by_text(LASTING).click()
    settle(page)
    if reasoning:
        page.get_by_label("Why do you think so?").fill(reasoning)
    page.get_by_role("button", name="Reveal what the model does").click()
    page.get_by_text("Your prediction is with your class").wait_for()


def test_teacher_creates_a_class_in_the_app_and_sees_predictions_arrive_live(
    tab: Page, app_server: AppServer, class_db: Path
) -> None:
    open_page(tab, app_server.url, "classroom")
    tab.get_by_text("Class session").first.click()
    tab.get_by_role("tab", name="Teacher").click()
    tab.get_by_label("Class title").fill("Year 12 biology")
    tab.get_by_role("button", name="Create the class").click()
    tab.get_by_text("Students join with this code").wait_for()
    settle(tab)
    code = tab.locator('[data-testid="stCode"] code').first.inner_text().replace("-", "")
    token = tab.locator('[data-testid="stCode"] code').nth(1).inner_text()
    assert ClassStore(class_db).check_teacher(code, token).title == "Year 12 biology"
    tab.get_by_text("0 student(s) predicted").wait_for()
    store = ClassStore(class_db)
    for n, choice in enumerate((2, 2, 1)):
        store.answer(code, 1, choice, nickname=f"scripted {n}")
    tab.get_by_text("3 student(s) predicted (A: 1, B: 2, C: 0)").wait_for()  # no click: the view redraws itself
    tab.get_by_text("Show the model's answer next to the class").click()
    tab.get_by_text("The toy model shows option B, chosen by 2 of 3").wait_for()
    screenshot(tab, "class-session-teacher")
    with tab.expect_download() as info:
        tab.get_by_role("button", name="Export the answers (CSV)").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert text.startswith(f"# {model.DISCLAIMER}\n")
    assert text.count("scripted ") == 3


def test_the_teacher_view_needs_the_token(tab: Page, app_server: AppServer, class_db: Path) -> None:
    made = ClassStore(class_db).create_class("Guarded")
    ClassStore(class_db).answer(made.code, 1, 2, nickname="secret-nickname")
    teacher_view(tab, app_server.url, made.code, "not-the-token")
    tab.get_by_text("the token is wrong").wait_for()
    assert tab.get_by_text("secret-nickname").count() == 0
    assert tab.get_by_text("student(s) predicted").count() == 0
    assert tab.get_by_role("button", name="Export the answers (CSV)").count() == 0


def test_a_student_joins_with_a_bad_or_expired_code_and_gets_a_clear_message(tab: Page, app_server: AppServer) -> None:
    open_page(tab, app_server.url, "classroom?class=NOPE")
    tab.get_by_role("button", name="Join the class").click()
    tab.get_by_text("expected 8 characters").wait_for()
    assert tab.locator('[data-testid="stException"]').count() == 0


def test_what_students_type_is_shown_as_text(
    tab: Page, browser: Browser, app_server: AppServer, class_db: Path
) -> None:
    made = ClassStore(class_db).create_class("Injection")
    with new_tab(browser, 1400, 1000) as student:
        student.on("dialog", lambda d: pytest.fail(f"a script ran in the student's page: {d.message}"))
        _student_answers(student, app_server.url, made.code, INJECTIONS["nickname"], INJECTIONS["reasoning"])
        assert student.get_by_text(f"nickname: {INJECTIONS['nickname']}").count() == 1
    teacher_view(tab, app_server.url, made.code, made.token)
    tab.get_by_text("Reasons given (1)").click()
    shown = tab.get_by_text(f"{INJECTIONS['nickname']} (option 2): {INJECTIONS['reasoning']}", exact=True)
    shown.wait_for()
    main = tab.locator('[data-testid="stMain"]')
    assert main.locator("script, img[src='x'], a[href^='javascript'], b:text('raw')").count() == 0
    assert main.locator("strong:text('bold')").count() == 0
    screenshot(tab, "class-session-injection")


def test_a_prediction_that_cannot_be_stored_says_so_and_can_be_sent_again(
    tab: Page, app_server: AppServer, class_db: Path
) -> None:
    made = ClassStore(class_db).create_class("Deleted mid-lesson")
    open_page(tab, app_server.url, f"classroom?class={made.code}")
    tab.get_by_role("button", name="Join the class").click()
    tab.get_by_text("You are in a class").wait_for()
    ClassStore(class_db).delete_class(made.code, made.token)
    tab.get_by_text(LASTING).click()
    settle(tab)
    tab.get_by_role("button", name="Reveal what the model does").click()
    tab.get_by_text("Your prediction did not reach your class").wait_for()
    assert tab.get_by_text("the class may have been deleted").count() == 1
    tab.get_by_role("button", name="Send my prediction again").click()
    tab.get_by_text("Your prediction did not reach your class").wait_for()
    assert tab.locator('[data-testid="stException"]').count() == 0


def _protocol_client():
    """`benchmarks/st_client.py`: Streamlit's websocket protocol without a browser, taught the class widgets."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import st_client

    st_client.MOVABLE = (*st_client.MOVABLE, "text_input", "radio", "button")
    return st_client


async def _press(session, key: str, then_key: str, then_value: str) -> object:
    """Press button `key` while setting widget `then_key` to `then_value` (one rerun), as a click in a form does."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    button = session.widget(key)
    session.states[button.id] = WidgetState(id=button.id, trigger_value=True)
    try:
        return await session.move(then_key, then_value)
    finally:
        session.states.pop(button.id, None)


async def _one_student(client, ws_url: str, code: str, number: int, done: list[str]) -> None:
    """A student's tab: open the join link, join with a nickname, predict, reveal (which sends the prediction)."""
    nickname = f"student {number:02d}"
    async with client.Session(ws_url, timeout=600) as session:
        await session.open("classroom", f"class={code}")
        session.states[session.widget("class.join_code").id] = _text_state(session.widget("class.join_code").id, code)
        await _press(session, "class.join", "class.nickname", nickname)
        option = "It returns to health within weeks of the burst" if number % 3 == 0 else LASTING_OPTION
        await session.move("classroom.guess.tipping_point", option)
        run = await _press(session, "classroom.reveal.tipping_point", "classroom.guess.tipping_point", option)
        assert run.exceptions == [], run.exceptions
        done.append(nickname)


def _text_state(widget_id: str, text: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, string_value=text)


async def _class(client, ws_url: str, code: str, numbers: list[int], done: list[str], kill_after: int, kill) -> None:
    """Every student in `numbers` at once; `kill()` once `kill_after` of them have been confirmed."""
    tasks = [asyncio.create_task(_one_student(client, ws_url, code, n, done)) for n in numbers]
    while kill_after and len(done) < kill_after and not all(t.done() for t in tasks):
        await asyncio.sleep(0.05)
    if kill_after:
        kill()
    await asyncio.gather(*tasks, return_exceptions=bool(kill_after))


def _in_thread(coroutine) -> None:
    """Run `coroutine` to the end in a thread of its own (the sync Playwright of `tab` holds this thread's loop)."""
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, coroutine).result()


@pytest.mark.slow
def test_thirty_students_at_once_through_the_server_lose_nothing_when_it_is_killed(
    tab: Page, app_server: AppServer, class_db: Path
) -> None:
    client = _protocol_client()
    made = ClassStore(class_db).create_class("Thirty at once")
    ws_url = app_server.url.replace("http", "ws") + "/_stcore/stream"
    confirmed: list[str] = []
    _in_thread(_class(client, ws_url, made.code, list(range(STUDENTS)), confirmed, 3, app_server.kill))
    with sqlite3.connect(class_db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {a.nickname for a in ClassStore(class_db).answers(made.code, made.token)}
    assert set(confirmed) <= stored, "every prediction a student saw sent survived the SIGKILL"

    app_server.start()  # the lesson goes on: whoever is not on the teacher's board yet answers again
    again = [n for n in range(STUDENTS) if f"student {n:02d}" not in stored]
    print(f"confirmed before the kill: {len(confirmed)}, stored: {len(stored)}, answered again: {len(again)}")
    _in_thread(_class(client, app_server.url.replace("http", "ws") + "/_stcore/stream", made.code, again, [], 0, None))
    answers = ClassStore(class_db).answers(made.code, made.token)
    assert sorted(a.nickname for a in answers) == [f"student {n:02d}" for n in range(STUDENTS)], "none lost, none twice"
    expected = (sum(1 for n in range(STUDENTS) if n % 3 == 0), sum(1 for n in range(STUDENTS) if n % 3))
    teacher_view(tab, app_server.url, made.code, made.token)
    tab.get_by_text(f"{STUDENTS} student(s) predicted (A: {expected[0]}, B: {expected[1]}, C: 0)").wait_for()
