"""Shared UI helpers for every page of the app: chrome, URL state, cached runs, plots, CSV, errors.

The pages hold no model maths: they call `model` through the helpers here. Any page (including
ones written later, such as "How sure are we?") should

1. call `page_header(title, intro)` first: it shows the disclaimer banner every page must carry;
2. read its state from the URL once per visit with `init_from_url`, using the `parse_*`
   helpers (a malformed or out-of-range value gives a `st.warning` naming the field and its range,
   and falls back to the default), and write it back at the end with `write_query`;
3. run the model through `run_cached` / `run_spec` (cached; user errors become `st.error`);
4. draw with `style_figure` / `activity_figure` / `show_plot` (Okabe-Ito colours, "illustrative"
   in every title, a one-sentence summary under each plot) and offer `download_csv`.

URL format (shared with the docs): `scenario`, `assumptions`, `days`, repeated `iv` (intervention
text form, e.g. `iv=msc:day=30,dose=1`), `ko` (comma-separated mechanism names) and
`p.<parameter>=<value>`. An empty query string means the page's defaults; once any of these keys
is present the URL is the whole state (no `iv` means no interventions).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import model

DISCLAIMER: str = model.DISCLAIMER

#: Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008), by name.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
    "grey": "#7F7F7F",
}
#: Colours for runs drawn together, in order (yellow left out: too pale on white for a projector).
RUN_COLORS: tuple[str, ...] = tuple(
    OKABE_ITO[c] for c in ("blue", "vermillion", "bluish_green", "orange", "reddish_purple", "sky_blue", "black")
)
#: One fixed colour per state, so a state looks the same on every plot.
STATE_COLORS: dict[str, str] = {
    "E": OKABE_ITO["vermillion"],
    "R": OKABE_ITO["bluish_green"],
    "B": OKABE_ITO["orange"],
    "Ps": OKABE_ITO["reddish_purple"],
    "Pl": OKABE_ITO["blue"],
    "A": OKABE_ITO["vermillion"],
    "Ci": OKABE_ITO["orange"],
    "Ca": OKABE_ITO["bluish_green"],
    "G": OKABE_ITO["blue"],
    "D": OKABE_ITO["reddish_purple"],
    "M": OKABE_ITO["sky_blue"],
}
STATE_LABELS: dict[str, str] = {s.name: s.label for s in model.STATE_INFO}
PARAMETER_INFO: dict[str, model.ParameterInfo] = {p.name: p for p in model.PARAMETERS}
MECHANISM_TEXT: dict[str, str] = {m.name: m.explanation for m in model.MECHANISMS}
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
#: Allowed simulation lengths on the pages (days).
DAYS_RANGE: tuple[int, int] = (30, 3650)
#: The URL keys that make up a run's state.
STATE_KEYS: tuple[str, ...] = ("scenario", "assumptions", "days", "iv", "ko")
USER_ERRORS = (model.ParameterError, model.InterventionError, model.SimulationError, ValueError, KeyError)


# --- page chrome -----------------------------------------------------------------------------


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


# --- URL state -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RunSpec:
    """One run as the app sees it: hashable, and the same as its URL form.

    Attributes:
        scenario, assumptions: names from `model.SCENARIOS` / `model.ASSUMPTION_SETS`.
        interventions: intervention text forms (`model.format_intervention`).
        days: simulated days.
        knockouts: mechanism names switched off.
        overrides: (parameter, value) pairs that differ from the scenario/assumption values, sorted.
    """

    scenario: str = "active_sle"
    assumptions: str = "baseline"
    interventions: tuple[str, ...] = ()
    days: float = 365
    knockouts: tuple[str, ...] = ()
    overrides: tuple[tuple[str, float], ...] = ()

    def args(self) -> tuple[Any, ...]:
        """The positional arguments of `run_cached` (hashable) for this run."""
        return (self.scenario, self.assumptions, self.overrides, self.interventions, self.days, self.knockouts)

    def untreated(self) -> RunSpec:
        """The same run without interventions: the comparison for outcome cards."""
        return dataclasses.replace(self, interventions=())

    def describe_interventions(self) -> str:
        """The interventions in words ("no treatment" when there are none)."""
        items = [model.parse_intervention(text).describe() for text in self.interventions]
        return "; ".join(items) or "no treatment"


def read_query() -> dict[str, list[str]]:
    """The current URL query as key -> list of values (repeated keys keep every value)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def write_query(values: Mapping[str, str | Sequence[str]]) -> None:
    """Replace the URL query with `values` (plus `present=1` in presentation mode), only if it changed."""
    wanted: dict[str, list[str]] = {k: [v] if isinstance(v, str) else list(v) for k, v in values.items()}
    if presentation_mode():
        wanted["present"] = ["1"]
    wanted = {k: v for k, v in wanted.items() if v}
    if wanted != read_query():
        st.query_params.from_dict(wanted)


def _last(query: Mapping[str, list[str]], field: str) -> str | None:
    values = query.get(field) or []
    return values[-1] if values else None


def parse_choice(
    query: Mapping[str, list[str]], field: str, options: Sequence[str], default: str
) -> tuple[str, list[str]]:
    """A value of `field` that must be one of `options`; otherwise `default` and a warning naming both."""
    value = _last(query, field)
    if value is None:
        return default, []
    if value in options:
        return value, []
    return default, [f"URL field `{field}` = {value!r} is not one of {', '.join(options)}; using {default!r}."]


def parse_number(
    query: Mapping[str, list[str]], field: str, low: float, high: float, default: float
) -> tuple[float, list[str]]:
    """A number of `field` in [low, high]; otherwise `default` and a warning naming the range."""
    value = _last(query, field)
    if value is None:
        return default, []
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if math.isfinite(number) and low <= number <= high:
        return number, []
    return default, [
        f"URL field `{field}` = {value!r} is outside its allowed range [{low:g}, {high:g}]; using {default:g}."
    ]


def parse_interventions(values: Sequence[str], days: float) -> tuple[tuple[str, ...], list[str]]:
    """Intervention text forms, normalised; bad or too-late ones are dropped with a warning each."""
    kept, warnings = [], []
    for text in values:
        try:
            item = model.parse_intervention(text)
            if item.first_day() >= days:
                raise model.InterventionError(f"{item.describe()} starts after the end of the run (day {days:g})")
        except model.InterventionError as exc:
            warnings.append(f"URL field `iv` = {text!r} was ignored: {exc}")
            continue
        kept.append(model.format_intervention(item))
    return tuple(kept), warnings


def parse_knockouts(values: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
    """Mechanism names from comma-separated `ko` values; unknown names dropped with a warning."""
    names = [n.strip() for v in values for n in v.split(",") if n.strip()]
    bad = [n for n in names if n not in MECHANISM_TEXT]
    warnings = [f"URL field `ko` = {n!r} is not a mechanism; valid names: {', '.join(MECHANISM_TEXT)}." for n in bad]
    return tuple(dict.fromkeys(n for n in names if n in MECHANISM_TEXT)), warnings


def parse_overrides(
    query: Mapping[str, list[str]], scenario: str, assumptions: str
) -> tuple[dict[str, float], list[str]]:
    """`p.<name>=<value>` parameter overrides, each validated against its range in `model.PARAMETERS`."""
    overrides, warnings = {}, []
    for key, values in query.items():
        if not key.startswith("p.") or not values:
            continue
        name = key[2:]
        try:
            model.Parameters().replace(**{name: values[-1]})
        except model.ParameterError as exc:
            warnings.append(f"URL field `{key}` ignored: {exc}.")
            continue
        overrides[name] = float(values[-1])
    resolved = model.resolve_parameters(scenario, assumptions).as_dict()
    return {k: v for k, v in overrides.items() if v != resolved[k]}, warnings


def parse_run_spec(query: Mapping[str, list[str]], default: RunSpec) -> tuple[RunSpec, list[str]]:
    """The run described by the URL, and a warning for every field that was malformed or out of range.

    An empty query (no run key at all) gives `default`. Otherwise the URL is the whole state: bad
    fields fall back to `default`'s value, and a missing `iv` means no interventions.
    """
    if not any(k in query for k in STATE_KEYS) and not any(k.startswith("p.") for k in query):
        return default, []
    scenario, w1 = parse_choice(query, "scenario", tuple(model.SCENARIOS), default.scenario)
    assumptions, w2 = parse_choice(query, "assumptions", tuple(model.ASSUMPTION_SETS), default.assumptions)
    days, w3 = parse_number(query, "days", *DAYS_RANGE, default.days)
    interventions, w4 = parse_interventions(query.get("iv", []), days)
    knockouts, w5 = parse_knockouts(query.get("ko", []))
    overrides, w6 = parse_overrides(query, scenario, assumptions)
    spec = RunSpec(scenario, assumptions, interventions, days, knockouts, tuple(sorted(overrides.items())))
    return spec, w1 + w2 + w3 + w4 + w5 + w6


def run_spec_query(spec: RunSpec) -> dict[str, list[str]]:
    """The URL form of a run (inverse of `parse_run_spec`)."""
    query = {
        "scenario": [spec.scenario],
        "assumptions": [spec.assumptions],
        "days": [f"{spec.days:g}"],
        "iv": list(spec.interventions),
        "ko": [",".join(spec.knockouts)] if spec.knockouts else [],
    }
    query.update({f"p.{name}": [f"{value:g}"] for name, value in spec.overrides})
    return query


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


# --- model runs ------------------------------------------------------------------------------


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
    items = [model.parse_intervention(text) for text in interventions]
    return model.simulate(scenario, dict(overrides), assumptions, items, days, knockouts)


def run_spec(spec: RunSpec) -> model.Result | None:
    """Run `spec` (cached); a user error is shown with `st.error` and gives None."""
    with user_errors():
        return run_cached(*spec.args())
    return None


@st.cache_data(max_entries=256, show_spinner=False)
def _contributions(args: tuple[Any, ...], state: str) -> pd.DataFrame:
    return run_cached(*args).contributions(state)


def contributions_cached(spec: RunSpec, state: str) -> pd.DataFrame:
    """The mechanism terms of d(state)/dt over the run of `spec` (`Result.contributions`), cached."""
    return _contributions(spec.args(), state)


# --- plots -----------------------------------------------------------------------------------


def font_size() -> int:
    """Base font size (px) for figures: larger in presentation mode."""
    return 22 if presentation_mode() else 15


def style_figure(fig: go.Figure, title: str, y_title: str = "", x_title: str = "day") -> go.Figure:
    """Apply the shared look: white template, Okabe-Ito colours, "illustrative" title, readable fonts."""
    if "illustrative" not in title.lower():
        title = f"{title} (illustrative)"
    size = font_size()
    fig.update_layout(
        template="plotly_white",
        colorway=list(RUN_COLORS),
        title={"text": title, "font": {"size": size + 3}},
        font={"size": size},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "xanchor": "left", "x": 0},
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        height=560 if presentation_mode() else 430,
        hovermode="x unified",
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    return fig


def show_plot(fig: go.Figure, summary: str, key: str | None = None) -> None:
    """Draw a figure full width with its one-sentence text summary underneath (accessibility)."""
    st.plotly_chart(fig, theme=None, key=key, config={"displaylogo": False})
    st.markdown(f"*In words:* {summary}")


def add_intervention_marks(fig: go.Figure, res: model.Result) -> None:
    """Dotted vertical lines at the interventions' event days, labelled with the kind."""
    for item in res.interventions:
        for day in sorted(set(item.breakpoints()))[:6]:
            fig.add_vline(x=day, line={"dash": "dot", "color": OKABE_ITO["grey"], "width": 1})
        fig.add_annotation(
            x=item.first_day(), y=1.0, yref="paper", text=item.label, showarrow=False, xanchor="left", yanchor="bottom"
        )


def activity_figure(runs: Sequence[tuple[str, model.Result]], title: str, dashed: Sequence[str] = ()) -> go.Figure:
    """The toy activity index of several runs, with the remission and flare zones shaded.

    `runs` are (label, result) pairs drawn in `RUN_COLORS` order; labels in `dashed` are drawn
    grey and dashed (e.g. "untreated").
    """
    fig = go.Figure()
    top = max(1.3, *(float(np.max(res["activity"])) * 1.1 for _, res in runs))
    fig.add_hrect(y0=0, y1=model.REMISSION_THRESHOLD, fillcolor=OKABE_ITO["bluish_green"], opacity=0.13, line_width=0)
    fig.add_hrect(y0=model.FLARE_THRESHOLD, y1=top, fillcolor=OKABE_ITO["vermillion"], opacity=0.08, line_width=0)
    fig.add_annotation(x=0, y=model.REMISSION_THRESHOLD / 2, text="remission zone", showarrow=False, xanchor="left")
    fig.add_annotation(x=0, y=top * 0.96, text="flare zone", showarrow=False, xanchor="left", yanchor="top")
    colors = iter(RUN_COLORS)
    for label, res in runs:
        line = (
            {"color": OKABE_ITO["grey"], "dash": "dash", "width": 3}
            if label in dashed
            else {"color": next(colors), "width": 4}
        )
        fig.add_trace(go.Scatter(x=res.t, y=res["activity"], name=label, mode="lines", line=line))
    fig.update_yaxes(range=[0, top])
    return style_figure(fig, title, "toy activity index (TLAI)")


def states_figure(res: model.Result, states: Sequence[str], title: str, log: bool = False) -> go.Figure:
    """Time series of some states of one run (a.u.), one fixed colour per state."""
    fig = go.Figure()
    dashes = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
    for k, name in enumerate(states):
        y = np.maximum(res[name], 1e-4) if log else res[name]
        line = {"color": STATE_COLORS[name], "width": 3, "dash": dashes[k % len(dashes)]}
        fig.add_trace(go.Scatter(x=res.t, y=y, name=STATE_LABELS[name], mode="lines", line=line))
    if log:
        fig.update_yaxes(type="log")
    add_intervention_marks(fig, res)
    return style_figure(fig, title, "amount (a.u., log scale)" if log else "amount (a.u.)")


def contributions_figure(table: pd.DataFrame, state: str) -> go.Figure:
    """Stacked areas of the mechanism terms of d(state)/dt (pushes up above zero, pulls down below) and their total."""
    fig = go.Figure()
    terms = [c for c in table.columns if c not in ("day", "total") and float(table[c].abs().max()) > 1e-9]
    colors = iter(RUN_COLORS * 3)
    for name in terms:
        group = "up" if float(table[name].mean()) >= 0 else "down"
        fig.add_trace(
            go.Scatter(
                x=table["day"],
                y=table[name],
                name=name.replace("_", " "),
                stackgroup=group,
                mode="lines",
                line={"width": 0.5, "color": next(colors)},
            )
        )
    fig.add_trace(go.Scatter(x=table["day"], y=table["total"], name="total rate", line={"color": "black", "width": 3}))
    return style_figure(fig, f"Why did {STATE_LABELS[state]} move? Rate split into mechanisms", "rate (a.u./day)")


def contributions_summary(table: pd.DataFrame, state: str) -> str:
    """One sentence naming the strongest push up and pull down on `state` over the run."""
    terms = table.drop(columns=["day", "total"])
    mean = terms.mean()
    up, down = mean.idxmax(), mean.idxmin()
    return (
        f"Over the run, {STATE_LABELS[state].lower()} is pushed up most by *{up.replace('_', ' ')}* "
        f"(average {mean[up]:.3g} a.u./day) and pulled down most by *{down.replace('_', ' ')}* "
        f"(average {mean[down]:.3g} a.u./day); the black line is their sum, the actual rate of change."
    )


# --- text summaries and outcome cards --------------------------------------------------------


def activity_summary(res: model.Result, untreated: model.Result | None = None) -> str:
    """One sentence describing the activity curve of `res` (and how it compares with `untreated`)."""
    act = res["activity"]
    low = int(np.argmin(act))
    text = (
        f"The toy activity index starts at {act[0]:.2f}, is lowest ({act[low]:.2f}) on day {res.t[low]:.0f} "
        f"and ends at {act[-1]:.2f}"
    )
    if untreated is not None and res.interventions:
        text += f" (untreated: {untreated['activity'][-1]:.2f})"
    verdict = "ends in remission" if res.outcomes.remission_at_end else "does not end in remission"
    return f"{text}; the run {verdict}, with {res.outcomes.flares} flare(s)."


def delta_style(change: float, tolerance: float, direction: str) -> dict[str, str]:
    """`st.metric` delta colour and arrow: grey without arrow when the change rounds to nothing."""
    if abs(change) < tolerance:
        return {"delta_color": "off", "delta_arrow": "off"}
    return {"delta_color": direction}


def fmt_amount(value: float) -> str:
    """An amount (a.u.) for text: two significant digits, and "about 0" below 0.001."""
    return "about 0" if abs(value) < 1e-3 else f"{value:.2g}"


def outcome_cards(res: model.Result, untreated: model.Result) -> None:
    """`st.metric` cards (peak, final activity, days in remission, flares, remission at end) vs the untreated run."""
    o, u = res.outcomes, untreated.outcomes
    compare = bool(res.interventions)
    cols = st.columns(5)

    def delta(value: float, base: float, fmt: str) -> str | None:
        """The change from the untreated run as card text (None when there is nothing to compare)."""
        if not compare:
            return None
        change = f"{value - base:{fmt}}"
        return "same as untreated" if float(change) == 0 else f"{change} vs untreated"

    cols[0].metric(
        "Peak activity",
        f"{o.activity_peak:.2f}",
        delta(o.activity_peak, u.activity_peak, "+.2f"),
        **delta_style(o.activity_peak - u.activity_peak, 0.005, "inverse"),
        help="Highest toy activity index (TLAI) in the run.",
    )
    cols[1].metric(
        "Activity at end",
        f"{o.activity_final:.2f}",
        delta(o.activity_final, u.activity_final, "+.2f"),
        **delta_style(o.activity_final - u.activity_final, 0.005, "inverse"),
        help="Toy activity index (TLAI) on the last day.",
    )
    cols[2].metric(
        "Days in remission",
        f"{o.days_in_remission:.0f}",
        delta(o.days_in_remission, u.days_in_remission, "+.0f"),
        **delta_style(o.days_in_remission - u.days_in_remission, 0.5, "normal"),
        help=f"Days with TLAI below {model.REMISSION_THRESHOLD:g}.",
    )
    cols[3].metric(
        "Flares",
        f"{o.flares}",
        delta(o.flares, u.flares, "+d"),
        **delta_style(o.flares - u.flares, 0.5, "inverse"),
        help=f"Rises of the TLAI above {model.FLARE_THRESHOLD:g} from below.",
    )
    end = "yes" if o.remission_at_end else "no"
    was = "yes" if u.remission_at_end else "no"
    cols[4].metric(
        "Remission at end",
        end,
        f"untreated: {was}" if compare else None,
        "off",
        delta_arrow="off",
        help="Whether the TLAI is below the remission threshold on the last day.",
    )
    if not compare:
        st.caption("No treatment on the timeline: add one to compare with the untreated course.")


# --- CSV download ----------------------------------------------------------------------------


def csv_text(runs: Sequence[tuple[str, model.Result]]) -> str:
    """CSV of one or more runs led by comment lines: the disclaimer, each run and its parameters.

    For a single run the text is what `Result.to_csv` writes; for several, a `run` column labels the rows.
    """
    lines = [DISCLAIMER]
    frames = []
    for label, res in runs:
        prefix = f"{label}: " if len(runs) > 1 else ""
        lines.append(prefix + res.describe())
        lines.append(prefix + "parameters: " + ", ".join(f"{k}={v:g}" for k, v in res.params.as_dict().items()))
        frame = res.to_frame()
        if len(runs) > 1:
            frame.insert(0, "run", label)
        frames.append(frame)
    return "".join(f"# {line}\n" for line in lines) + pd.concat(frames).to_csv(index=False)


def download_csv(runs: Sequence[tuple[str, model.Result]], file_name: str, key: str) -> None:
    """A download button for `csv_text(runs)` (no rerun on click)."""
    st.download_button(
        "Download CSV (with disclaimer and parameters)",
        csv_text(runs),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


def table_csv_text(frame: pd.DataFrame, description: str, params: model.Parameters | None = None) -> str:
    """CSV of any table led by comment lines: the disclaimer, what the table shows, and the parameters used."""
    lines = [DISCLAIMER, description]
    if params is not None:
        lines.append("parameters: " + ", ".join(f"{k}={v:g}" for k, v in params.as_dict().items()))
    return "".join(f"# {line}\n" for line in lines) + frame.to_csv(index=False)


def download_table(
    frame: pd.DataFrame, description: str, file_name: str, key: str, params: model.Parameters | None = None
) -> None:
    """A download button for `table_csv_text` (no rerun on click)."""
    st.download_button(
        "Download CSV (with disclaimer and parameters)",
        table_csv_text(frame, description, params),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
    )


# --- widgets from the parameter registry -----------------------------------------------------


def slider_step(info: model.ParameterInfo) -> float:
    """A round slider step giving about 200 positions over the parameter's range."""
    raw = (info.high - info.low) / 200
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def parameter_slider(name: str, key: str, on_change: Callable[[], None] | None = None) -> float:
    """A slider for one parameter: range, unit and help text from `model.PARAMETERS` (never retyped)."""
    info = PARAMETER_INFO[name]
    step = slider_step(info)
    decimals = max(0, -math.floor(math.log10(step)))
    return st.slider(
        f"{name.replace('_', ' ')} ({info.unit})",
        min_value=float(info.low),
        max_value=float(info.high),
        step=float(step),
        format=f"%.{decimals}f",
        key=key,
        help=f"{info.description} Range {info.low:g}-{info.high:g} {info.unit}; default {info.default:g}. "
        f"Source: {info.provenance}.",
        on_change=on_change,
    )


def scenario_label(name: str) -> str:
    """Display title of a scenario."""
    return model.SCENARIOS[name].title


def assumptions_label(name: str) -> str:
    """Display title of an assumption set."""
    return model.ASSUMPTION_SETS[name].title
