"""The app's Streamlit layer shared by every page: chrome, URL read/write, cached runs, cards, downloads, sliders.

Any page (including ones written later) should

1. call `page_header(title, intro)` first: it shows the disclaimer banner every page must carry;
2. read its state from the URL once per visit with `init_from_url`, using the parsers of
   `app_pages.url_state`, and write it back at the end with `write_query`;
3. run the model through `run_cached` / `run_spec` (cached; user errors become `st.error`);
4. draw with `app_pages.plots` and offer `download_csv`.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
import inspect
import math
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

import model
from app_pages.url_state import DAYS_RANGE, RunSpec
from model.lessons import glossary
from model.report import runcard, tables

DISCLAIMER: str = model.DISCLAIMER
#: Parameter name -> its metadata (unit, range, default, provenance): the source of every slider.
PARAMETER_INFO: dict[str, model.ParameterInfo] = {p.name: p for p in model.PARAMETERS}
#: Parameters that matter for teaching: shown as sliders on Explore without asking.
TEACHING_PARAMETERS: tuple[str, ...] = (
    "antigen_clearance",
    "msc_half_life",
    "msc_treg_induction",
    "msc_suppression",
    "treg_loop",
    "msc_licensing",
    "long_lived_half_life",
    "antibody_half_life",
)
#: The teaching sliders a first-time student sees on Explore; the others wait under "More parameters".
FIRST_PARAMETERS: tuple[str, ...] = ("antigen_clearance", "msc_half_life", "msc_treg_induction")
#: Session State key of URL fields kept on every page (key -> values), e.g. `lesson` and `step` in guided mode.
STICKY_QUERY = "sticky_query"
#: Only the project's own errors are shown as a message; anything else is a bug and keeps its traceback.
USER_ERRORS = (model.ModelError,)


def presentation_mode() -> bool:
    """Whether the teacher switched on presentation mode (larger fonts and plots)."""
    return bool(st.session_state.get("presentation", False))


def sidebar_controls() -> None:
    """The controls shared by every page (called once by `app.py`): the presentation-mode toggle.

    The toggle starts from the URL (`present=1`) and is written back to it by `write_query`.
    """
    if "presentation" not in st.session_state:
        st.session_state["presentation"] = st.query_params.get("present", "0") == "1"
    st.sidebar.toggle(
        "Presentation mode",
        key="presentation",
        help="Larger fonts and plots for a projector.",
    )


def page_header(title: str, intro: str = "") -> None:
    """Title, the disclaimer banner (required on every page), an intro line, and presentation CSS."""
    if presentation_mode():
        # Streamlit sizes text in rem, so a larger root font scales the whole page for a projector.
        st.markdown("<style>html {font-size: 21px;}</style>", unsafe_allow_html=True)
    st.title(title)
    st.info(f"**{DISCLAIMER}**", icon=":material/school:")
    if intro:
        st.markdown(intro)


@contextlib.contextmanager
def user_errors(what: str = "The model could not run") -> Iterator[None]:
    """Show a model error (bad parameter, impossible timeline, solver failure) as `st.error`, not a traceback.

    The rest of the `with` block is skipped when an error occurs.
    """
    try:
        yield
    except USER_ERRORS as exc:
        st.error(f"{what}: {exc}", icon=":material/error:")


@contextlib.contextmanager
def lazy_expander(label: str, key: str, *, expanded: bool = False) -> Iterator[bool]:
    """An expander whose content is built only while it is open: yields whether it is open.

    Opening or closing it reruns the page, so a closed panel costs nothing on the other reruns
    (such as a slider move). Its state is `st.session_state[key]`.
    """
    with st.expander(label, expanded=expanded, key=key, on_change="rerun"):
        yield bool(st.session_state.get(key, expanded))


def read_query() -> dict[str, list[str]]:
    """The current URL query as key -> list of values (repeated keys keep every value)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def write_query(values: Mapping[str, str | Sequence[str]]) -> None:
    """Replace the URL query with `values` (plus `present=1` in presentation mode and the sticky fields
    in `st.session_state[STICKY_QUERY]`, such as the guided lesson's place), only if it changed."""
    wanted: dict[str, list[str]] = {k: [v] if isinstance(v, str) else list(v) for k, v in values.items()}
    wanted.update(st.session_state.get(STICKY_QUERY, {}))
    if presentation_mode():
        wanted["present"] = ["1"]
    wanted = {k: v for k, v in wanted.items() if v}
    if wanted != read_query():
        st.query_params.from_dict(wanted)


def init_from_url(
    sentinel: str, initial: Callable[[Mapping[str, list[str]]], tuple[Mapping[str, Any], list[str]]]
) -> None:
    """Fill Session State from the URL once per page visit, before the widgets are drawn.

    `sentinel` is a widget key of the page: when it is missing (a fresh visit) `initial(query)`
    returns the Session State values to set and the warnings to show (`st.warning`, one per field).
    """
    if sentinel in st.session_state:
        return
    values, warnings = initial(read_query())
    for key, value in values.items():
        st.session_state[key] = value
    for message in warnings:
        st.warning(message, icon=":material/link_off:")


@st.cache_data(max_entries=512, show_spinner=False)
def run_cached(
    scenario: str,
    assumptions: str,
    overrides: tuple[tuple[str, float], ...] = (),
    interventions: tuple[str, ...] = (),
    days: float = 365,
    knockouts: tuple[str, ...] = (),
) -> model.Result:
    """`model.simulate` with hashable arguments, cached (a slider move back to a seen value is instant)."""
    return _simulate(scenario, assumptions, overrides, interventions, days, knockouts)


def _simulate(
    scenario: str,
    assumptions: str,
    overrides: tuple[tuple[str, float], ...],
    interventions: tuple[str, ...],
    days: float,
    knockouts: tuple[str, ...],
) -> model.Result:
    items = [model.parse_intervention(text) for text in interventions]
    return model.simulate(
        scenario, params=dict(overrides), assumptions=assumptions, interventions=items, days=days, knockouts=knockouts
    )


#: Runs kept for `run_spec` (a few tens of kB each for a year).
RUNS = 512


def run_spec(spec: RunSpec) -> model.Result | None:
    """Run `spec`, kept once for the whole server (shared, not copied: a slider moved back to a seen value,
    or another student's same view, is instant); a user error is shown with `st.error` and gives None."""
    args = spec.args()
    with user_errors():
        return shared_results("runs", RUNS).get(args, lambda: _simulate(*args))
    return None


#: Long runs kept for `run_cut` (about 0.3 MB each).
LONG_RUNS = 128


def run_cut(spec: RunSpec) -> model.Result | None:
    """Run `spec` as the first `spec.days` of its run over the longest days a page offers (`Result.until`:
    the same numbers as a run of `spec.days`), so moving a days slider only cuts the long run, which is
    kept once for the whole server (shared, not copied). A days value between the daily output times
    is run on its own. A user error is shown with `st.error` and gives None."""
    if spec.days != round(spec.days):
        return run_spec(spec)
    args = dataclasses.replace(spec, days=DAYS_RANGE[1]).args()
    with user_errors():
        return shared_results("long_runs", LONG_RUNS).get(args, lambda: _simulate(*args)).until(spec.days)
    return None


@st.cache_data(max_entries=256, show_spinner=False)
def _contributions(args: tuple[Any, ...], state: str) -> pd.DataFrame:
    return run_cached(*args).contributions(state)


def contributions_cached(spec: RunSpec, state: str) -> pd.DataFrame:
    """The mechanism terms of d(state)/dt over the run of `spec` (`Result.contributions`), cached."""
    return _contributions(spec.args(), state)


class SharedResults:
    """Results kept for every session of the server (a class shares them), least recently used dropped first.

    A key is computed once even when many students ask for it at the same moment: the first computes,
    the others wait for it. Values are shared, not copied: callers must treat them as read-only.
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._values: collections.OrderedDict[Hashable, Any] = collections.OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value for `key`, from `compute()` if it is not kept yet."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            lock = self._computing.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            value = compute()
            with self._lock:
                self._values[key] = value
                self._computing.pop(key, None)
                while len(self._values) > self.max_entries:
                    self._values.popitem(last=False)
        return value


@st.cache_resource(show_spinner=False)
def shared_results(name: str, max_entries: int = 64) -> SharedResults:
    """The server-wide store `name` (one per server process, shared by every session)."""
    return SharedResults(max_entries)


def computed_once(store: str, key: Hashable, label: str, compute: Callable[[Callable[[int, int], None]], Any]) -> Any:
    """`compute(progress)` once per `key` for the whole server, with a progress bar while it runs.

    For results that take seconds (ensembles, sensitivity analyses): a class asking for the same
    view computes it once, and memory stays bounded (`shared_results`). `progress(done, total)`
    moves the bar.
    """

    def run() -> Any:
        bar = st.progress(0.0, text=label)

        def progress(done: int, total: int) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=f"{label}: {done} of {total} runs")

        try:
            return compute(progress)
        finally:
            bar.empty()

    return shared_results(store).get(key, run)


def delta_style(change: float, tolerance: float, direction: str) -> dict[str, str]:
    """`st.metric` delta colour and arrow: grey without arrow when the change rounds to nothing."""
    if abs(change) < tolerance:
        return {"delta_color": "off", "delta_arrow": "off"}
    return {"delta_color": direction}


def outcome_cards(res: model.Result, untreated: model.Result) -> None:
    """`st.metric` cards (peak, lowest and final activity, days in remission, flares, remission at end) vs the run
    without the timeline ("untreated", or "without the trigger" when the timeline holds only antigen triggers)."""
    o, u = res.outcomes, untreated.outcomes
    compare = bool(res.interventions)
    only_triggers = compare and all(isinstance(item, model.AntigenTrigger) for item in res.interventions)
    reference = "without the trigger" if only_triggers else "untreated"
    cols = st.columns(6)

    def delta(value: float, base: float, fmt: str) -> str | None:
        """The change from the untreated run as card text (None when there is nothing to compare)."""
        if not compare:
            return None
        change = f"{value - base:{fmt}}"
        return f"same as {reference}" if float(change) == 0 else f"{change} vs {reference}"

    cols[0].metric(
        "Peak activity",
        f"{o.activity_peak:.2f}",
        delta(o.activity_peak, u.activity_peak, "+.2f"),
        **delta_style(o.activity_peak - u.activity_peak, 0.005, "inverse"),
        help=glossary_help("TLAI", before="Highest toy activity index (TLAI) in the run."),
    )
    lowest, lowest_base = float(o.activity.min()), float(u.activity.min())
    cols[1].metric(
        "Lowest activity",
        f"{lowest:.2f}",
        delta(lowest, lowest_base, "+.2f"),
        **delta_style(lowest - lowest_base, 0.005, "inverse"),
        help="Lowest toy activity index (TLAI) in the run: shows a dip that has faded by the end.",
    )
    cols[2].metric(
        "Activity at end",
        f"{o.activity_final:.2f}",
        delta(o.activity_final, u.activity_final, "+.2f"),
        **delta_style(o.activity_final - u.activity_final, 0.005, "inverse"),
        help="Toy activity index (TLAI) on the last day.",
    )
    cols[3].metric(
        "Days in remission",
        f"{o.days_in_remission:.0f}",
        delta(o.days_in_remission, u.days_in_remission, "+.0f"),
        **delta_style(o.days_in_remission - u.days_in_remission, 0.5, "normal"),
        help=glossary_help("Remission", before=f"Days with TLAI below {model.REMISSION_THRESHOLD:g}."),
    )
    cols[4].metric(
        "Flares",
        f"{o.flares}",
        delta(o.flares, u.flares, "+d"),
        **delta_style(o.flares - u.flares, 0.5, "inverse"),
        help=glossary_help(
            "Flare",
            before=f"New flares: rises of the TLAI above {model.FLARE_THRESHOLD:g} from below. A run that stays above "
            f"{model.FLARE_THRESHOLD:g} all along counts none: read the curve and 'Days in remission' too.",
        ),
    )
    end = "yes" if o.remission_at_end else "no"
    was = "yes" if u.remission_at_end else "no"
    cols[5].metric(
        "Remission at end",
        end,
        f"{reference}: {was}" if compare else None,
        "off",
        delta_arrow="off",
        help="Whether the TLAI is below the remission threshold on the last day.",
    )
    if not compare:
        st.caption("Nothing on the timeline: add a treatment or a trigger to compare with this course.")


def csv_text(runs: Sequence[tuple[str, model.Result]]) -> str:
    """CSV of one or more runs led by comment lines: the disclaimer, each run and its parameters.

    For a single run the text is what `Result.to_csv` writes; for several, a `run` column labels the rows.
    """
    lines = []
    frames = []
    for label, res in runs:
        prefix = f"{label}: " if len(runs) > 1 else ""
        lines.append(prefix + res.describe())
        lines.append(prefix + tables.parameters_line(res.params))
        frame = res.to_frame()
        if len(runs) > 1:
            frame.insert(0, "run", label)
        frames.append(frame)
    return tables.csv_text(pd.concat(frames), lines)


def download_csv(runs: Sequence[tuple[str, model.Result]], file_name: str, key: str) -> None:
    """A download button for `csv_text(runs)`; the CSV is written only when clicked (no rerun on click)."""
    st.download_button(
        "Download CSV (with disclaimer and parameters)",
        functools.partial(csv_text, list(runs)),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def table_csv_text(frame: pd.DataFrame, description: str, params: model.Parameters | None = None) -> str:
    """CSV of any table led by comment lines: the disclaimer, what the table shows, and the parameters used."""
    lines = [description] if params is None else [description, tables.parameters_line(params)]
    return tables.csv_text(frame, lines)


def download_table(
    frame: pd.DataFrame, description: str, file_name: str, key: str, params: model.Parameters | None = None
) -> None:
    """A download button for `table_csv_text`; the CSV is written only when clicked (no rerun on click)."""
    st.download_button(
        "Download CSV (with disclaimer and parameters)",
        functools.partial(table_csv_text, frame, description, params),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def slider_step(info: model.ParameterInfo) -> float:
    """A round slider step giving about 200 positions over the parameter's range."""
    raw = (info.high - info.low) / 200
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def parameter_slider(name: str, key: str, on_change: Callable[[], None] | None = None) -> float:
    """A slider for one parameter: plain-language label, range, unit and help text (with the parameter's name
    and symbol) from `model.PARAMETERS` (never retyped)."""
    info = PARAMETER_INFO[name]
    step = slider_step(info)
    decimals = max(0, -math.floor(math.log10(step)))
    return st.slider(
        f"{info.label} ({info.unit})",
        min_value=float(info.low),
        max_value=float(info.high),
        step=float(step),
        format=f"%.{decimals}f",
        key=key,
        help=f"Parameter `{name}`, symbol ${info.symbol}$. {info.description} Range {info.low:g}-{info.high:g} "
        f"{info.unit}; default {info.default:g}. Source: {info.provenance}.",
        on_change=on_change,
    )


def glossary_help(*terms: str, before: str = "") -> str:
    """Tooltip text: `before` (if any), then the glossary's short definition of each term (a heading or alias).

    The definitions have one home, `model/lessons/glossary.toml` (also the docs' Glossary page); an
    unknown term raises `model.lessons.glossary.GlossaryError`.
    """
    entries = [glossary.lookup(term) for term in terms]
    return "\n\n".join([*([before] if before else []), *(f"**{e.term}**: {e.short}" for e in entries)])


def scenario_label(name: str) -> str:
    """Display title of a scenario."""
    return model.SCENARIOS[name].title


def assumptions_label(name: str) -> str:
    """Display title of an assumption set."""
    return model.ASSUMPTION_SETS[name].title


#: The MSC dose field (label, unit, range, source) for pages with a dose slider of their own.
MSC_DOSE: model.FieldInfo = next(f for f in model.intervention_fields("msc") if f.name == "dose")
#: The dose `model.phaseplane.remission_map` uses unless told otherwise (its signature is the one home).
REMISSION_MAP_DOSE: float = inspect.signature(model.phaseplane.remission_map).parameters["dose"].default

#: Every intervention kind a student can add (text-form kind -> label), from `model.INTERVENTION_TYPES`.
INTERVENTION_KINDS: dict[str, str] = {kind: cls.label for kind, cls in model.INTERVENTION_TYPES.items()}


def _text_value(value: Any) -> str:
    return value if isinstance(value, str) else f"{value:g}"


def intervention_example(kind: str) -> str:
    """A short text form of `kind`: the fields it needs (start days, choices) at their editor defaults."""
    needed = {f.name for f in dataclasses.fields(model.INTERVENTION_TYPES[kind]) if f.default is dataclasses.MISSING}
    shown = [f for f in model.intervention_fields(kind) if f.name in needed or f.options]
    return f"{kind}:" + ",".join(f"{f.name}={_text_value(f.default)}" for f in shown)


def _field_step(info: model.FieldInfo) -> float:
    """A round step for a number field: whole days and counts step by 1, others by about 1 % of the range."""
    if info.whole or info.unit == "day":
        return 1.0
    raw = (float(info.high) - float(info.low)) / 100
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _field_help(info: model.FieldInfo) -> str:
    allowed = ", ".join(info.options) if info.options else f"{info.low:g}-{info.high:g} {info.unit}".strip()
    return f"{info.help} Allowed: {allowed}. Source: {info.provenance}."


def _field_input(info: model.FieldInfo, key: str) -> None:
    """One editor input for an intervention field: label, unit, range, default and help from its metadata."""
    label = f"{info.label} ({info.unit})" if info.unit else info.label
    if info.options:
        st.selectbox(label, info.options, index=info.options.index(info.default), key=key, help=_field_help(info))
        return
    number: type = int if info.whole else float
    st.number_input(
        label,
        min_value=number(info.low),
        max_value=number(info.high),
        value=None if info.default is None else number(info.default),
        step=number(_field_step(info)),
        format=None if info.whole else "%g",
        placeholder="not used" if info.optional else None,
        key=key,
        help=_field_help(info),
    )


def intervention_editor(key: str, *, columns: int = 4) -> str:
    """A generic editor for any intervention: a kind select box, then one input per field of that kind.

    Everything comes from `model.intervention_fields` (no label, range or default is typed here). The
    widgets' Session State keys are ``{key}_kind`` and ``{key}.{kind}.{field}``; returns the kind.
    """
    kind = st.selectbox("Kind", list(INTERVENTION_KINDS), format_func=INTERVENTION_KINDS.get, key=f"{key}_kind")
    fields = model.intervention_fields(kind)
    for start in range(0, len(fields), columns):
        row = fields[start : start + columns]
        for col, info in zip(st.columns(columns), row, strict=False):
            with col:
                _field_input(info, f"{key}.{kind}.{info.name}")
    return kind


def edited_intervention(key: str) -> str:
    """The text form of what the editor under `key` holds (fields left empty are left out).

    It is not checked here: `model.parse_intervention` checks it and names any bad field.
    """
    kind = st.session_state[f"{key}_kind"]
    parts = []
    for info in model.intervention_fields(kind):
        value = st.session_state.get(f"{key}.{kind}.{info.name}", info.default)
        if value is not None:
            parts.append(f"{info.name}={_text_value(value)}")
    return f"{kind}:" + ",".join(parts)


#: Session State key of the run card the page showed last ("Reproduce this"); tests run its script.
RUN_CARD = "run_card"


def run_card(card: runcard.RunCard) -> None:
    """The "Reproduce this" downloads: a Python script recreating the view's numbers (version, seed), and
    the sweep TOML where the view is a grid. The script is written by `model.report.runcard`."""
    st.session_state[RUN_CARD] = card
    seeded = f", seed {card.seed}" if card.seed is not None else ""
    note = f"A short Python script that recreates the numbers of this view (sle-immunomod {model.__version__}{seeded})."
    files = [("Reproduce this (Python script)", card.script, card.script_name, ":material/terminal:", note)]
    if card.toml:
        sweep_help = "The same runs as a sweep spec: sle-immunomod sweep <file>."
        files.append(("Reproduce this as a sweep (TOML)", card.toml, card.toml_name, ":material/grid_on:", sweep_help))
    for column, (label, text, file_name, icon, tip) in zip(st.columns(len(files)), files, strict=True):
        column.download_button(
            label, text, file_name=file_name, key=f"runcard.{file_name}", on_click="ignore", icon=icon, help=tip
        )


def reproduce_runs(title: str, runs: Sequence[tuple[str, model.Result]], file_stem: str) -> None:
    """`run_card` for a view made of `simulate` runs (label, result)."""
    run_card(runcard.simulation_card(title, runs, file_stem=file_stem))
