"""Compare: two to four runs (scenario x assumption set x treatment) overlaid, with a table of differences.

The headline lesson: the same therapy gives different outcomes under different assumptions about
how it works. URL state: `days` and repeated `run=<scenario>/<assumptions>/<iv>;<iv>`
(interventions in their text form, `none` for no treatment). Without `run`, the shared fields
`scenario` and repeated `iv` are compared under every assumption set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

import model
from app_pages import lesson_panel, plots, url_state, widgets
from model.analysis import compare

P = "compare."
MAX_RUNS = 4
THERAPY = "msc:day=30,dose=1"
#: The default comparison: the same MSC infusion under every assumption set.
DEFAULT_RUNS: tuple[tuple[str, str, str], ...] = tuple(("active_sle", a, THERAPY) for a in model.ASSUMPTION_SETS)
DEFAULT_DAYS = 730


def _parse_run(text: str, days: float) -> tuple[str, str, str]:
    """`scenario/assumptions/iv;iv` -> (scenario, assumptions, interventions); a bad part raises ValueError."""
    parts = text.split("/", 2)
    if len(parts) != 3:
        raise ValueError("it must look like scenario/assumptions/interventions, e.g. active_sle/baseline/msc:day=30")
    scenario, assumptions, ivs = parts
    if scenario not in model.SCENARIOS:
        raise ValueError(f"scenario {scenario!r} is not one of {', '.join(model.SCENARIOS)}")
    if assumptions not in model.ASSUMPTION_SETS:
        raise ValueError(f"assumption set {assumptions!r} is not one of {', '.join(model.ASSUMPTION_SETS)}")
    return scenario, assumptions, _normalise_ivs(ivs, days)


def _normalise_ivs(text: str, days: float) -> str:
    """Intervention text forms separated by ';' (or 'none'), checked and normalised; raises InterventionError."""
    items = [s for s in (p.strip() for p in text.split(";")) if s and s != "none"]
    ivs, problems = url_state.parse_interventions(items, days)
    if problems:
        raise model.InterventionError(problems[0].removeprefix("URL field `iv` = "))
    return "; ".join(ivs) or "none"


def _runs_from_shared_fields(
    query: Mapping[str, list[str]], days: float
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Without `run`: the shared `scenario` and `iv` fields under every assumption set (the headline comparison)."""
    scenario, warnings = url_state.parse_choice(query, "scenario", tuple(model.SCENARIOS), DEFAULT_RUNS[0][0])
    ivs, more = url_state.parse_interventions(query.get("iv", [THERAPY]), days)
    text = "; ".join(ivs) or "none"
    return [(scenario, name, text) for name in model.ASSUMPTION_SETS], warnings + more


def _initial(query: Mapping[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    days, warnings = url_state.parse_number(query, "days", *url_state.DAYS_RANGE, DEFAULT_DAYS)
    runs = []
    for text in query.get("run", [])[:MAX_RUNS]:
        try:
            runs.append(_parse_run(text, days))
        except ValueError as exc:
            warnings.append(f"URL field `run` = {text!r} was ignored: {exc}.")
    if "run" not in query:
        runs, more = _runs_from_shared_fields(query, days)
        warnings += more
    elif len(runs) < 2:
        warnings.append(f"URL field `run` must describe 2 to {MAX_RUNS} valid runs; showing the default comparison.")
        runs = list(DEFAULT_RUNS)
    state: dict[str, Any] = {f"{P}days": int(days), f"{P}n": len(runs)}
    for i, (scenario, assumptions, ivs) in enumerate(runs):
        state.update({f"{P}scenario.{i}": scenario, f"{P}assumptions.{i}": assumptions, f"{P}ivs.{i}": ivs})
    return state, warnings


def _run_controls(i: int) -> None:
    """Scenario, assumption set and treatment text of run `i` (defaults for a run added later)."""
    defaults = DEFAULT_RUNS[i % len(DEFAULT_RUNS)]
    for name, value in zip(("scenario", "assumptions", "ivs"), defaults, strict=True):
        st.session_state.setdefault(f"{P}{name}.{i}", value)
    st.markdown(f"**Run {i + 1}**")
    st.selectbox(
        "Scenario",
        list(model.SCENARIOS),
        format_func=widgets.scenario_label,
        key=f"{P}scenario.{i}",
        help=widgets.glossary_help("Scenario"),
    )
    st.selectbox(
        "Assumptions",
        list(model.ASSUMPTION_SETS),
        format_func=widgets.assumptions_label,
        key=f"{P}assumptions.{i}",
        help=widgets.glossary_help("Assumption set"),
    )
    st.text_input(
        "Treatments",
        key=f"{P}ivs.{i}",
        help="Text form, several separated by ';', or 'none'. Examples: "
        + " ; ".join(widgets.intervention_example(kind) for kind in widgets.INTERVENTION_KINDS),
    )
    with widgets.lazy_expander("Add a treatment to this run", f"{P}adding.{i}") as opened:
        if opened:
            widgets.intervention_editor(f"{P}new.{i}", columns=2)
            st.button("Add", key=f"{P}add.{i}", on_click=_add_treatment, args=(i,), icon=":material/add:")


def _add_treatment(i: int) -> None:
    """Button callback: append the editor's treatment to run `i`'s text (the model checks it when the run is made)."""
    current = st.session_state[f"{P}ivs.{i}"].strip()
    added = widgets.edited_intervention(f"{P}new.{i}")
    st.session_state[f"{P}ivs.{i}"] = added if current in ("", "none") else f"{current}; {added}"


def _specs(n: int, days: float) -> list[tuple[str, url_state.RunSpec]]:
    """Labelled runs from the widgets; a run with a bad treatment text shows an error and is left out."""
    specs = []
    for i in range(n):
        ss = st.session_state
        try:
            ivs = _normalise_ivs(ss[f"{P}ivs.{i}"], days)
        except model.InterventionError as exc:
            st.error(f"Run {i + 1}: {exc}")
            continue
        items = () if ivs == "none" else tuple(ivs.split("; "))
        spec = url_state.RunSpec(ss[f"{P}scenario.{i}"], ss[f"{P}assumptions.{i}"], items, days)
        label = f"Run {i + 1}: {spec.scenario}, {spec.assumptions}, {spec.describe_interventions()}"
        specs.append((label, spec))
    return specs


def outcome_table(runs: list[tuple[str, model.Result]]) -> pd.DataFrame:
    """Outcomes of each run and their difference from run 1 (presentation only: values come from `Result.outcomes`)."""
    rows = []
    first = runs[0][1].outcomes
    for label, res in runs:
        o = res.outcomes
        rows.append(
            {
                "run": label,
                "peak activity": round(o.activity_peak, 2),
                "final activity": round(o.activity_final, 2),
                "final vs run 1": round(o.activity_final - first.activity_final, 2),
                "days in remission": round(o.days_in_remission),
                "days in remission vs run 1": round(o.days_in_remission - first.days_in_remission),
                "flares": o.flares,
                "remission at end": "yes" if o.remission_at_end else "no",
            }
        )
    return pd.DataFrame(rows)


def headline(scenario: str, ivs: tuple[str, ...], days: float) -> None:
    """The same treatment under every assumption set, told in one sentence: the table of
    `model.compare_assumptions`, made from the page's cached runs (`compare.comparison_table`)."""
    if not ivs:
        st.info("Give run 1 a treatment to see it under every assumption set.")
        return
    items = [model.parse_intervention(t) for t in ivs]
    pairs = {}
    for name in model.ASSUMPTION_SETS:
        spec = url_state.RunSpec(scenario, name, ivs, days)
        untreated, treated = widgets.run_cut(spec.untreated()), widgets.run_cut(spec)
        if untreated is None or treated is None:
            return
        pairs[name] = (untreated, treated)
    with widgets.user_errors():
        table = compare.comparison_table(pairs)
        ends = {
            a: ("remission" if r else "active disease")
            for a, r in zip(table["assumptions"], table["remission_at_end"], strict=True)
        }
        best, worst = table["auc_reduction_percent"].max(), table["auc_reduction_percent"].min()
        what = "; ".join(i.describe() for i in items)
        st.info(
            f"**The same therapy, different beliefs, different outcomes.** {what} in the *{scenario}* toy patient "
            f"cuts the time-integrated activity by between {worst:.0f}% and {best:.0f}% depending only on the "
            "assumption set; at the end of the run: "
            + ", ".join(f"{a}: {e}" for a, e in ends.items())
            + ". The model cannot tell which assumption is true; only controlled trials can.",
            icon=":material/lightbulb:",
        )
        shown = table.rename(columns=lambda c: c.replace("_", " ")).round(2)
        st.dataframe(shown, hide_index=True)
        st.markdown(
            f"*In words:* the table compares each assumption set treated and untreated "
            f"({table.attrs.get('follow_up_days', 180):g} days after the first treatment for 'activity follow up')."
        )


def page() -> None:
    """Draw the Compare page."""
    widgets.page_header(
        "Compare runs",
        "Put two to four runs side by side: the same toy patient under different beliefs about MSC, or "
        "different treatments. Illustrative only.",
    )
    widgets.init_from_url(f"{P}days", _initial)
    st.markdown(
        "*What to try:* before looking at the plot, write down which run you expect to end lowest; then change one "
        "run's assumption set and see which outcomes move."
    )
    top = st.columns([1, 1, 2])
    n = top[0].number_input("Number of runs", 2, MAX_RUNS, step=1, key=f"{P}n")
    days_slot = top[1].container()
    for i, col in enumerate(st.columns(int(n))):
        with col:
            _run_controls(i)
    results(int(n), days_slot)


@st.fragment
def results(n: int, days_slot: Any) -> None:
    """The days slider (drawn in `days_slot`, above the runs' controls) and everything it changes: the plot,
    the tables, the headline lesson and the URL. Moving the days reruns only this part."""
    days = float(days_slot.slider("Days", *url_state.DAYS_RANGE, step=5, key=f"{P}days"))
    specs = _specs(n, days)
    held = lesson_panel.hold_results()
    runs = [] if held else [(label, res) for label, spec in specs if (res := widgets.run_cut(spec)) is not None]
    if runs:
        fig = plots.activity_figure(runs, "Toy activity index of each run")
        lowest = min(runs, key=lambda r: r[1].outcomes.activity_final)
        ends_in = sum(r.outcomes.remission_at_end for _, r in runs)
        plots.show_plot(
            fig,
            f"{ends_in} of {len(runs)} runs end in remission; the lowest final activity "
            f"({lowest[1].outcomes.activity_final:.2f}) is {lowest[0]}.",
            key=f"{P}fig",
        )
        st.header("Outcome differences")
        st.dataframe(outcome_table(runs), hide_index=True)
        widgets.download_csv(runs, "sle-immunomod-compare.csv", key=f"{P}csv")
        widgets.reproduce_runs("Compare: the runs side by side", runs, "sle-immunomod-compare")
    st.header("The headline lesson")
    if specs and not held:
        first = specs[0][1]
        with st.expander("Make your prediction first, then open: run 1's treatment under every assumption set"):
            headline(first.scenario, first.interventions, days)
    query = {
        "days": f"{days:g}",
        "run": [f"{s.scenario}/{s.assumptions}/{';'.join(s.interventions) or 'none'}" for _, s in specs],
    }
    widgets.write_query(query)


page()
