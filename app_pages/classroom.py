"""Classroom: predict-then-reveal activities, each with a short teacher note.

The student commits to a prediction (`st.radio`) and may give a one-line reason, then reveals the
model's answer, shown next to the prediction; the prediction is locked from then on, and the
feedback is specific to the option chosen. "Open in Explore" opens the activity's run on Explore.
The model's answer is read from the run (never typed in); `expected` says which option the
feedback calls right, and a test checks the two agree. URL state: `activity`.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import streamlit as st

import model
from app_pages import class_session, lesson_panel, plots, url_state, widgets
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
    feedback: tuple[str, ...] = ()
    expected: int = 0
    explore: str = ""
    #: Draws the reveal (default: the activity index of the runs and the states of the first run).
    figure: Callable[[Reveal, Activity], None] | None = None


def _run(
    scenario: str,
    assumptions: str,
    interventions: tuple[str, ...],
    days: float,
    knockouts: tuple[str, ...] = (),
    overrides: tuple[tuple[str, float], ...] = (),
) -> model.Result:
    return widgets.run_cached(scenario, assumptions, overrides, interventions, days, knockouts)


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
    host = {name: _run("active_sle", name, (), 365).outcomes.activity[0] for name in ("baseline", "durable_treg")}
    act = base["activity"]
    before = act[np.searchsorted(base.t, 30) - 1]
    lowest = float(np.min(act[base.t >= 30]))
    answer = 0 if base.outcomes.remission_at_end else (1 if lowest < 0.95 * before else 2)
    text = (
        f"Under the baseline assumption activity dips from {before:.2f} to {lowest:.2f} and ends at "
        f"{base.outcomes.activity_final:.2f}. Under the durable-Treg assumption the same infusion ends at "
        f"{durable.outcomes.activity_final:.2f} ({'' if durable.outcomes.remission_at_end else 'no '}remission). "
        "Same cells, same dose: the difference is in what we assume, and the durable-Treg set changes the host as "
        f"well as the MSC (its regulatory loop acts without treatment too: the untreated toy person's activity is "
        f"{host['durable_treg']:.2f} under it, {host['baseline']:.2f} under baseline)."
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
        f"{o.activity_final:.2f}. The reset removed the disease's memory (plasma cells, and with them the "
        "autoantibodies); the driver (impaired clearance of self-antigen) is unchanged, so the outcome depends on "
        "whether health is also a steady state for this person."
    )
    return Reveal(answer, [("HSCT-like reset on day 30", res)], ("E", "B", "A"), text)


def _brake() -> Reveal:
    medium = ("antigen:day=30,size=20,duration=14",)
    intact = _run("susceptible", "baseline", medium, 730)
    without = _run("susceptible", "baseline", medium, 730, ("treg_suppression",))
    ill_before = float(np.max(without["activity"][without.t < 30])) > model.REMISSION_THRESHOLD
    answer = 2 if ill_before else (1 if without.outcomes.activity_final > model.FLARE_THRESHOLD else 0)
    text = (
        "With Treg suppression in place the medium burst fades (activity ends at "
        f"{intact.outcomes.activity_final:.2f}); without it the same burst ends at "
        f"{without.outcomes.activity_final:.2f}. Negative feedbacks decide how large a push must be to tip: remove "
        "one and the tipping point moves closer."
    )
    runs = [("without Treg suppression", without), ("with Treg suppression", intact)]
    return Reveal(answer, runs, ("E", "R", "G"), text)


#: The three deliveries of the same amount of self-antigen (40 a.u.): label -> duration (days).
DELIVERIES: dict[str, int] = {"all at once": 0, "over two weeks": 14, "over two months": 60}


def _timing() -> Reveal:
    runs = {
        label: _run("susceptible", "baseline", (f"antigen:day=30,size=40,duration={days}",), 730)
        for label, days in DELIVERIES.items()
    }
    tipped = [i for i, res in enumerate(runs.values()) if res.outcomes.activity_final > model.FLARE_THRESHOLD]
    answer = tipped[0] if len(tipped) == 1 else len(DELIVERIES)
    ends = ", ".join(f"{label} {res.outcomes.activity_final:.2f}" for label, res in runs.items())
    text = (
        f"Activity at the end of two years: {ends}. Self-antigen is cleared in about a day and T and B cells expand "
        "over days to weeks: a push tips the system only if it is large enough and lasts long enough."
    )
    order = ["over two weeks", "all at once", "over two months"]
    return Reveal(answer, [(label, runs[label]) for label in order], ("G", "E", "A"), text)


WEAKER_LOOP = 0.25
#: The virtual patients of the "same patients, different treatments" activity (small, seeded).
SAME_PATIENTS, SAME_PATIENTS_SEED = 40, 8
THERAPIES = tuple(model.THERAPY_CONTRAST)


def _same_patients() -> dict[str, Any]:
    """Every contrasted therapy on the same virtual patients: computed once per server (a few seconds)."""

    def compute(progress: Callable[[int, int], None]) -> dict[str, Any]:
        patients = model.draw_population("active_sle", n=SAME_PATIENTS, seed=SAME_PATIENTS_SEED)
        progress(1, 3)
        flags = model.remission_by_therapy(patients, years=(1.0,))
        progress(2, 3)
        healthy = model.healthy_steady_state(patients)
        cd19 = flags[("CD19 CAR-T", 1.0)].to_numpy()
        ranking = model.separating_parameters(patients.params, cd19, top=1)
        return {"flags": flags.droplevel("years", axis=1), "healthy": healthy, "ranking": ranking}

    key = (SAME_PATIENTS, SAME_PATIENTS_SEED, model.SCENARIOS["active_sle"].overrides["antigen_clearance"])
    return widgets.computed_once("classroom_same_patients", key, "Treating the virtual patients", compute)


def _therapies() -> Reveal:
    found = _same_patients()
    shares = found["flags"].mean()
    best = int(np.argmax(shares.to_numpy()))
    answer = len(THERAPIES) if shares.max() - shares.min() < 0.1 else best
    runs = [
        (name, _run("active_sle", "baseline", tuple(map(model.format_intervention, items)), 395))
        for name, items in model.THERAPY_CONTRAST.items()
    ]
    listed = "; ".join(f"{name} {100 * share:.0f}%" for name, share in shares.items())
    text = (
        f"In remission one year after treatment, of the same {SAME_PATIENTS} virtual patients: {listed}. "
        f"Health is also a steady state for {100 * found['healthy'].mean():.0f}% of them; only they can stay well "
        "once a treatment's effect has faded."
    )
    return Reveal(answer, runs, ("B", "Pl", "A"), text)


def _therapies_figure(reveal: Reveal, activity: Activity) -> None:
    found = _same_patients()
    fig = plots.remission_grid_figure(found["flags"], "Same virtual patients, one year after each treatment")
    plots.show_plot(fig, reveal.explanation, key=f"{P}fig.{activity.key}")
    ranking = found["ranking"]
    if not ranking.empty:
        st.markdown(
            f"Who responded to CD19 CAR-T? {ranking['sentence'].iloc[0]} An association among virtual patients "
            "in the model, not a finding about people."
        )
    widgets.download_csv(reveal.runs, f"sle-immunomod-classroom-{activity.key}.csv", key=f"{P}csv.{activity.key}")
    widgets.reproduce_runs(f"Classroom: {activity.title}", reveal.runs, f"sle-immunomod-classroom-{activity.key}")


def _uncertainty() -> Reveal:
    iv = ("msc:day=30,dose=1",)
    assumed = _run("active_sle", "durable_treg", iv, 730)
    weaker = _run("active_sle", "durable_treg", iv, 730, (), (("treg_loop", WEAKER_LOOP),))
    answer = 2 if weaker.outcomes.remission_at_end else (1 if assumed.outcomes.remission_at_end else 0)
    text = (
        f"With the assumed loop the infusion ends at activity {assumed.outcomes.activity_final:.2f} "
        f"({'' if assumed.outcomes.remission_at_end else 'no '}remission); with treg_loop {WEAKER_LOOP:g} it ends at "
        f"{weaker.outcomes.activity_final:.2f} ({'' if weaker.outcomes.remission_at_end else 'no '}remission). "
        "Near a tipping point a small change in an unmeasured number flips the outcome."
    )
    return Reveal(answer, [(f"treg_loop {WEAKER_LOOP:g}", weaker), ("assumed treg_loop", assumed)], ("R", "E"), text)


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
            feedback=(
                "Not this time: a push this large starts the loop (self-antigen, activation, antibodies, inflammation, "
                "more self-antigen), which keeps itself going after the burst.",
                "Past a tipping point the loop keeps the disease going after the trigger has gone; a burst a quarter "
                "of the size fades.",
                "Activity does not fade: it is still high at the end of the year. The loop, not the trigger, keeps it.",
            ),
            expected=1,
            explore="scenario=susceptible&assumptions=baseline&iv=antigen:day=30,size=40,duration=14&days=365",
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
            f"refractory ones. Then the marker lesson: {_CARRION.outcome('marker').text} ({_cite('carrion2010')}). "
            "Note that the durable-Treg set changes the host as well as the MSC: compare each curve with its own "
            "untreated run.",
            feedback=(
                "Only if we assume a strong self-sustaining Treg loop (the durable-Treg set); under the baseline "
                "belief nothing keeps the change once the cells and the Tregs they induced are gone.",
                "MSC act while present, and the Tregs they induce fade over weeks, so activity returns.",
                "There is a dip: MSC suppress effector cells and induce Tregs for a few weeks. Look at the first two "
                "months.",
            ),
            expected=1,
            explore="scenario=active_sle&assumptions=baseline&iv=msc:day=30,dose=1&days=365",
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
            feedback=(
                "Antibodies outlive B cells: long-lived plasma cells do not need B cells, and antibody itself lasts "
                "weeks.",
                "Long-lived plasma cells keep making antibody, and IgG lasts about three weeks.",
                "They do fall: short-lived plasma cells, which come from B cells, are no longer made.",
            ),
            expected=1,
            explore="scenario=active_sle&assumptions=baseline&iv=bcell_depletion:day=30&days=365",
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
            feedback=(
                "In this toy person, yes: the reset removed the disease's memory (plasma cells, autoantibodies), and "
                "its clearance of self-antigen lies where health is also stable. Open it in Explore and set clearance "
                "of self-antigen to 0.6: then the loop rebuilds.",
                "Not for this toy person: its clearance lies where health is also stable, so once the memory is "
                "removed health holds. With slower clearance (0.6 in Explore) that is what happens.",
                "The reset has a large effect: activity falls into remission within months.",
            ),
            expected=0,
            explore="scenario=active_sle&assumptions=baseline&iv=hsct:day=30&days=730",
        ),
        Activity(
            "negative_feedback",
            "5. Remove a brake",
            "A susceptible toy person gets a medium burst of self-antigen (size 20 over two weeks), which on its own "
            "fades. Now one negative feedback is switched off: regulatory T cells no longer suppress effector T and "
            "B cells.",
            "What does the same medium burst do without this brake?",
            (
                "It still fades",
                "It tips the person into lasting disease",
                "The person is ill even before the burst",
            ),
            _brake,
            "Negative feedback: regulatory T cells, anti-inflammatory cytokines and clearance oppose the loop. Ask "
            "which other brake could be knocked out (anti-inflammatory suppression), and what happens with both off "
            "(in the model even the small burst of Lesson 1 then tips). In people, Treg defects are one of many "
            "findings in SLE; the model shows a mechanism, not a cause.",
            feedback=(
                "In the model this brake matters: without it the same push is enough to start the loop.",
                "Negative feedbacks set how large a push must be to tip: remove one and the tipping point moves "
                "closer.",
                "Before the burst the person is still well: a brake matters only once something pushes.",
            ),
            expected=1,
            explore="scenario=susceptible&assumptions=baseline&iv=antigen:day=30,size=20,duration=14&days=730"
            "&ko=treg_suppression",
        ),
        Activity(
            "trigger_timing",
            "6. Same amount, different speed",
            "The same total amount of self-antigen (40) reaches a susceptible toy person all at once, over two "
            "weeks, or over two months.",
            "Which delivery tips the person into lasting disease?",
            ("All at once", "Over two weeks", "Over two months", "All three"),
            _timing,
            "Timing matters as well as amount: compare each delivery with the system's own timescales (clearance of "
            "self-antigen in about a day; T and B cells expanding over days to weeks). A common misconception is "
            "'more, faster is always worse'.",
            feedback=(
                "All at once, the antigen is cleared within a day or two, before T and B cells can expand.",
                "Only a push that is both large enough and long enough compared with the system's own timescales "
                "tips it.",
                "Spread over two months, the extra supply at any moment is too small: clearance keeps up.",
                "Only one of them tips: timing matters as well as amount.",
            ),
            expected=1,
            explore="scenario=susceptible&assumptions=baseline&iv=antigen:day=30,size=40,duration=14&days=730",
        ),
        Activity(
            "uncertain_number",
            "7. One uncertain number",
            "Under the durable-Treg assumption one MSC infusion gives lasting remission in the model. That rests on "
            "the strength of the regulatory loop (treg_loop = "
            f"{model.ASSUMPTION_SETS['durable_treg'].overrides['treg_loop']:g} in that set), which nobody has "
            f"measured in people. Here the loop is a little weaker: {WEAKER_LOOP:g}.",
            "What happens to the remission?",
            ("A little smaller", "Gone: the effect fades as under baseline", "Unchanged"),
            _uncertainty,
            "Uncertainty (we do not know a number) is not variability (people differ). Show the How sure? page for "
            "the same run: the outcomes spread when uncertain parameters vary together. Ask what study could measure "
            "the loop, or sidestep it: a randomised trial measures the effect directly.",
            feedback=(
                "Near a tipping point a small change in a number flips the outcome; it does not just shrink it.",
                "The 'reset' holds only inside a narrow window of an unmeasured number: a hypothesis to test, not a "
                "conclusion.",
                "The loop is what keeps the change; weaken it and nothing keeps it.",
            ),
            expected=1,
            explore=f"scenario=active_sle&assumptions=durable_treg&iv=msc:day=30,dose=1&days=730&p.treg_loop={WEAKER_LOOP:g}",
        ),
        Activity(
            "same_patients",
            "8. Same patients, different treatments",
            f"{SAME_PATIENTS} virtual patients with active SLE differ a little in every number of the model (an "
            "illustrative assumption). On day 30 each gets one treatment: an MSC infusion (baseline belief), a "
            "rituximab-like B-cell depleting drug, CAR-T cells against CD19, CAR-T cells against BCMA and CD19 (which "
            "also reach long-lived plasma cells), or an HSCT-like reset. Every treatment is tried on the same "
            "patients.",
            "Which treatment leaves the most of them in drug-free remission one year later?",
            (*THERAPIES, "About the same for all"),
            _therapies,
            "Responders and non-responders to the same therapy, side by side. What separates them in the model is "
            "whether health is also a steady state for that patient (how well they clear self-antigen, how easily "
            "their lymphocytes are activated): a deep reset removes the disease's memory, and only those patients "
            "stay well. Rituximab-like depletion spares long-lived plasma cells and the B cells return into a loop "
            "that is still running; CD19 CAR-T spares CD19-negative long-lived plasma cells, BCMA-CD19 removes them "
            "too. In patients: "
            f"{_BURT.outcome('remission').text} ({_cite('burt2018')}); "
            f"{evidence.STUDIES['mackensen2022'].outcome('DORIS').text} ({_cite('mackensen2022')}). These are small "
            "uncontrolled series, and the model is not fitted to them: compare shapes, not numbers. The spread "
            "of the virtual patients is an assumption (docs: The model, Virtual patients): with a wider spread fewer "
            "patients have a healthy steady state and every reset helps fewer.",
            feedback=(
                "MSC act for days under the baseline belief; almost nobody tips into health.",
                "The B cells go, but long-lived plasma cells keep making autoantibody, and B cells come back into the "
                "same active loop.",
                "CD19 CAR-T helps many, but spares the CD19-negative long-lived plasma cells whose antibodies keep "
                "the loop going in some patients.",
                "Close: removing long-lived plasma cells too helps most patients, but the reset also removes the "
                "T cells and blocks their return for longer.",
                "The deepest reset removes the disease's memory in most patients; those for whom health is not a "
                "steady state relapse later.",
                "The treatments differ a lot: look at how deep each one reaches (B cells, plasma cells, T cells).",
            ),
            expected=len(THERAPIES) - 1,
            explore="scenario=active_sle&assumptions=baseline&iv=cart:day=30,target=CD19&days=730",
            figure=_therapies_figure,
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
    widgets.reproduce_runs(f"Classroom: {activity.title}", reveal.runs, f"sle-immunomod-classroom-{activity.key}")


def _prediction(activity: Activity, locked: int | None) -> int | None:
    """The prediction (option index): a choice before the reveal, shown locked (disabled) after it."""
    if locked is None:
        return st.radio(
            activity.question,
            range(len(activity.options)),
            format_func=lambda i: activity.options[i],
            index=None,
            key=f"{P}guess.{activity.key}",
        )
    st.radio(
        activity.question,
        range(len(activity.options)),
        format_func=lambda i: activity.options[i],
        index=locked,
        disabled=True,
        key=f"{P}shown.{activity.key}",
        help="Locked when you revealed: compare it with what the model shows.",
    )
    return locked


def show_activity(activity: Activity) -> None:
    """Setup, prediction, reveal button, then prediction and model side by side, and the teacher note."""
    st.header(activity.title)
    st.markdown(activity.setup)
    number = list(ACTIVITIES).index(activity.key) + 1
    locked_key = f"{P}locked.{activity.key}"
    locked = st.session_state.get(locked_key)
    guess = _prediction(activity, locked)
    class_session.reasoning_box(number)
    if class_session.student() is None:
        st.text_input(
            "Why? (one line, optional)", max_chars=150, key=f"{P}why.{activity.key}", disabled=locked is not None
        )
    reveal_button = st.button(
        "Reveal what the model does",
        disabled=guess is None or locked is not None,
        key=f"{P}reveal.{activity.key}",
        type="primary",
        help="Your prediction is locked when you reveal.",
    )
    if reveal_button:
        st.session_state[locked_key] = guess
        class_session.send_prediction(number, guess)
        st.rerun()
    if guess is None:
        st.caption("Commit to a prediction first.")
    elif locked is not None:
        with widgets.user_errors():
            reveal = activity.reveal()
            left, right = st.columns(2)
            left.container(border=True).markdown(f"**Your prediction**\n\n{activity.options[guess]}")
            right.container(border=True).markdown(f"**The toy model shows**\n\n{activity.options[reveal.answer]}")
            detail = activity.feedback[guess] if activity.feedback else ""
            if guess == reveal.answer:
                st.success(f"Your prediction matches the toy model. {detail or 'Why does it behave this way?'}")
            else:
                st.warning(f"The toy model did something else. {detail or 'What did your prediction leave out?'}")
            (activity.figure or _reveal_figure)(reveal, activity)
            if activity.explore and st.button(
                "Open in Explore", key=f"{P}explore.{activity.key}", icon=":material/open_in_new:"
            ):
                lesson_panel.open_view("explore", urllib.parse.parse_qs(activity.explore))
    class_session.class_results(number, activity.options, lambda: activity.reveal().answer)
    if locked is not None or class_session.teacher() is not None:  # the note gives the answer away
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
