"""Classroom: predict-then-reveal activities, each with a short teacher note.

The student commits to a prediction (`st.radio`), then reveals the model's answer, shown next to
the prediction. The model's answer is read from the run (never typed in), so it stays right if
the model changes. URL state: `activity`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import streamlit as st

import model
from app_pages import class_session, plots, url_state, widgets
from model import evidence

P = "classroom."
_DENG, _CARRION = evidence.STUDIES["deng2017"], evidence.STUDIES["carrion2010"]
_BURT, _TYNDALL = evidence.STUDIES["burt2018"], evidence.STUDIES["tyndall2011"]


def _cite(key: str) -> str:
    """Short citation from the study registry (species and setting added for animal and cell studies)."""
    return evidence.format_citation(evidence.STUDIES[key])


@dataclasses.dataclass(frozen=True)
class Reveal:
    """What the model shows: the option it supports (index), plotted runs and one explanatory sentence."""

    answer: int
    runs: list[tuple[str, model.Result]]
    states: tuple[str, ...]
    explanation: str


@dataclasses.dataclass(frozen=True)
class Activity:
    """One predict-then-reveal activity."""

    key: str
    title: str
    setup: str
    question: str
    options: tuple[str, ...]
    reveal: Callable[[], Reveal]
    teacher_note: str


def _run(scenario: str, assumptions: str, interventions: tuple[str, ...], days: float) -> model.Result:
    return widgets.run_cached(scenario, assumptions, (), interventions, days, ())


def _tipping() -> Reveal:
    big = _run("susceptible", "baseline", ("antigen:day=30,size=40,duration=14",), 365)
    small = _run("susceptible", "baseline", ("antigen:day=30,size=10,duration=14",), 365)
    after = big["activity"][big.t >= 44]
    if not big.outcomes.remission_at_end:
        answer = 1
    else:
        back = big.t[big.t >= 44][np.argmax(after < model.REMISSION_THRESHOLD)]
        answer = 0 if back < 44 + 42 else 2
    text = (
        f"After the large burst the toy activity index ends at {big.outcomes.activity_final:.2f}; after a burst a "
        f"quarter of the size it ends at {small.outcomes.activity_final:.2f}. The person is the same: only the size of "
        "the push differs. Past a tipping point the disease keeps itself going after the trigger has gone."
    )
    return Reveal(answer, [("large burst (size 40)", big), ("small burst (size 10)", small)], ("G", "A", "D"), text)


def _msc() -> Reveal:
    base = _run("active_sle", "baseline", ("msc:day=30,dose=1",), 365)
    durable = _run("active_sle", "durable_treg", ("msc:day=30,dose=1",), 365)
    act = base["activity"]
    before = act[np.searchsorted(base.t, 30) - 1]
    lowest = float(np.min(act[base.t >= 30]))
    answer = 0 if base.outcomes.remission_at_end else (1 if lowest < 0.95 * before else 2)
    text = (
        f"Under the baseline assumption activity dips from {before:.2f} to {lowest:.2f} and ends at "
        f"{base.outcomes.activity_final:.2f}. Under the durable-Treg assumption the same infusion ends at "
        f"{durable.outcomes.activity_final:.2f} ({'' if durable.outcomes.remission_at_end else 'no '}remission). "
        "Same cells, same dose: the difference is entirely in what we assume MSC do."
    )
    return Reveal(answer, [("baseline", base), ("durable Treg induction", durable)], ("R", "E"), text)


def _bcell() -> Reveal:
    res = _run("active_sle", "baseline", ("bcell_depletion:day=30",), 365)
    i0, i7 = np.searchsorted(res.t, 30) - 1, np.searchsorted(res.t, 37)
    b_left = res["B"][i7] / res["B"][i0]
    a_week = res["A"][i7] / res["A"][i0]
    a_low = float(np.min(res["A"][res.t >= 30]) / res["A"][i0])
    answer = 0 if a_week < 0.2 else (1 if a_low < 0.8 else 2)
    text = (
        f"A week after the drug {100 * b_left:.0f}% of autoreactive B cells are left, but autoantibodies are still at "
        f"{100 * a_week:.0f}%; at their lowest they reach {100 * a_low:.0f}% of the start. Long-lived plasma cells "
        "do not carry the drug's target and keep making antibody, and antibody itself lasts weeks."
    )
    return Reveal(answer, [("B-cell depletion on day 30", res)], ("B", "Pl", "A"), text)


def _hsct() -> Reveal:
    res = _run("active_sle", "baseline", ("hsct:day=30",), 730)
    o = res.outcomes
    answer = 0 if o.remission_at_end else (1 if o.days_in_remission > 30 else 2)
    text = (
        f"The reset gives {o.days_in_remission:.0f} days in remission, and the run ends at activity "
        f"{o.activity_final:.2f}. Wiping the immune cells does not fix the driver (impaired clearance of "
        "self-antigen), so the loop can rebuild."
    )
    return Reveal(answer, [("HSCT-like reset on day 30", res)], ("E", "B", "A"), text)


ACTIVITIES: dict[str, Activity] = {
    a.key: a
    for a in (
        Activity(
            "tipping_point",
            "1. A push that does not wear off",
            "A toy person with impaired clearance of self-antigen is healthy. On day 30 a large burst of self-antigen "
            "(a bad sunburn, an infection) lasts two weeks.",
            "What does the toy activity index do over the following year?",
            (
                "It returns to health within weeks of the burst",
                "Lasting disease: activity stays high after the burst has ended",
                "A flare that fades slowly over several months",
            ),
            _tipping,
            "Bistability: the same parameters allow a healthy and a diseased steady state. Ask what would happen "
            "with a smaller burst, then use the Tipping points page (antigen clearance sweep) to show the "
            "hysteresis loop. "
            "Point out this is a toy: real SLE onset involves genes, hormones and much more.",
        ),
        Activity(
            "msc_assumptions",
            "2. Does one MSC infusion 'reset' lupus?",
            "A toy patient with active SLE gets one MSC infusion on day 30. In the model, MSC are cleared within a day "
            "or so (in healthy mice viable cells were gone within a day; in lupus-prone mice some were found in the "
            "kidney weeks later). Assume the baseline belief: MSC act while present and induce some Tregs.",
            "Where is the toy activity index one year later?",
            (
                "Lasting remission",
                "A small dip, then back to about where it was",
                "No change at all",
            ),
            _msc,
            "The headline lesson: the 'reset' claim is an assumption (a strong self-sustaining Treg loop), not a "
            "result. Both curves come from the same model; only the belief differs. Link to the only double-blind "
            f"trial with published results ({_cite('deng2017')}, {evidence.population_text(_DENG)}): "
            f"{_DENG.outcome('remission').text}; {evidence.difference_text(_DENG.outcome('remission'))}. Ask what "
            "12 and 6 patients can and cannot rule out, and whether newly diagnosed patients tell us about "
            f"refractory ones. Then the marker lesson: {_CARRION.outcome('marker').text} ({_cite('carrion2010')}).",
        ),
        Activity(
            "bcell_antibodies",
            "3. Remove the B cells: what happens to the antibodies?",
            "A B-cell depleting drug (like rituximab) on day 30 removes autoreactive B cells within a week.",
            "What do the autoantibodies do?",
            (
                "They vanish within a week, like the B cells",
                "They fall slowly over months and do not disappear",
                "They do not change at all",
            ),
            _bcell,
            "Long-lived plasma cells lack CD20 and survive depletion; IgG has a half-life of about three weeks. "
            "This is one reason rituximab trials in SLE (EXPLORER, LUNAR) disappointed, and why plasma-cell "
            "targeting is studied. Ask students which parameter slider would change the answer (long-lived "
            "plasma cell half-life).",
        ),
        Activity(
            "hsct_relapse",
            "4. Wipe the immune system: cured?",
            "A toy patient with active SLE has an HSCT-like reset on day 30: most autoreactive lymphocytes and plasma "
            "cells are removed and the immune system rebuilds slowly.",
            "What happens over two years?",
            (
                "Cured: remission that lasts",
                "Months of remission, then the disease comes back",
                "No real effect",
            ),
            _hsct,
            "In the model, removing cells does not remove the cause (impaired clearance of self-antigen); why people "
            "relapse after HSCT is not known, and the model shows one possible mechanism, not the real one. Real "
            f"autologous HSCT: {_BURT.outcome('remission').text} ({_cite('burt2018')}); treatment-related mortality is "
            f"real: {_TYNDALL.outcome('registry').text} ({_cite('tyndall2011')}, registry of an earlier era).",
        ),
    )
}


def _initial(query: Mapping[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    value, warnings = url_state.parse_choice(query, "activity", tuple(ACTIVITIES), "tipping_point")
    return {f"{P}activity": value}, warnings


def _reveal_figure(reveal: Reveal, activity: Activity) -> None:
    fig = plots.activity_figure(reveal.runs, f"{activity.title.split('. ', 1)[1]}: toy activity index")
    plots.show_plot(fig, reveal.explanation, key=f"{P}fig.{activity.key}")
    label, res = reveal.runs[0]
    states = plots.states_figure(res, reveal.states, f"Inside the model: {label}")
    ends = ", ".join(
        f"{plots.STATE_LABELS[s].lower()} from {plots.fmt_amount(res[s][0])} to {plots.fmt_amount(res[s][-1])}"
        for s in reveal.states
    )
    plots.show_plot(states, f"Over the run (a.u.): {ends}.", key=f"{P}fig.{activity.key}.states")
    widgets.download_csv(reveal.runs, f"sle-immunomod-classroom-{activity.key}.csv", key=f"{P}csv.{activity.key}")


def show_activity(activity: Activity) -> None:
    """Setup, prediction, reveal button, then prediction and model side by side, and the teacher note."""
    st.header(activity.title)
    st.markdown(activity.setup)
    guess = st.radio(
        activity.question,
        range(len(activity.options)),
        format_func=lambda i: activity.options[i],
        index=None,
        key=f"{P}guess.{activity.key}",
    )
    number = list(ACTIVITIES).index(activity.key) + 1
    class_session.reasoning_box(number)
    revealed_key = f"{P}revealed.{activity.key}"
    if st.button("Reveal what the model does", disabled=guess is None, key=f"{P}reveal.{activity.key}", type="primary"):
        st.session_state[revealed_key] = True
        class_session.send_prediction(number, guess)
    if guess is None:
        st.caption("Commit to a prediction first.")
    elif st.session_state.get(revealed_key):
        with widgets.user_errors():
            reveal = activity.reveal()
            left, right = st.columns(2)
            left.container(border=True).markdown(f"**Your prediction**\n\n{activity.options[guess]}")
            right.container(border=True).markdown(f"**The toy model shows**\n\n{activity.options[reveal.answer]}")
            if guess == reveal.answer:
                st.success("Your prediction matches the toy model. Why does it behave this way?")
            else:
                st.warning("The toy model did something else. What did your prediction leave out?")
            _reveal_figure(reveal, activity)
    class_session.class_results(number, activity.options, lambda: activity.reveal().answer)
    with st.expander("Teacher note"):
        st.markdown(activity.teacher_note)


def page() -> None:
    """Draw the Classroom page."""
    widgets.page_header(
        "Classroom: predict, then reveal",
        "Make a prediction first, then let the toy model run. A wrong prediction is the most useful one. "
        "Everything here is illustrative.",
    )
    class_session.session_panel()
    widgets.init_from_url(f"{P}activity", _initial)
    key = st.selectbox("Activity", list(ACTIVITIES), format_func=lambda k: ACTIVITIES[k].title, key=f"{P}activity")
    show_activity(ACTIVITIES[key])
    widgets.write_query({"activity": key})


page()
