"""The app's URL state, without Streamlit: a run as a hashable `RunSpec`, and parsers of query values.

Every view of the app lives in its URL so a teacher can share a link that reproduces it. This module
turns query values (key -> list of strings, as `st.query_params` gives them) into checked values and
back; it never touches Streamlit, so it is tested and reused (CLI, docs) without a running app.

URL format (shared with the docs): `scenario`, `assumptions`, `days`, repeated `iv` (intervention
text form, e.g. `iv=msc:day=30,dose=1`), `ko` (comma-separated mechanism names) and
`p.<parameter>=<value>`. An empty query string means the page's defaults; once any of these keys
is present the URL is the whole state (no `iv` means no interventions). A malformed or out-of-range
value gives a warning naming the field and its allowed range, and falls back to the default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import model
from model.core.validation import in_range

#: Mechanism name -> the sentence that explains it (valid `ko` names).
MECHANISM_TEXT: dict[str, str] = {m.name: m.explanation for m in model.MECHANISMS}
#: Allowed simulation lengths on the pages (days).
DAYS_RANGE: tuple[int, int] = (30, 3650)
#: The URL keys that make up a run's state.
STATE_KEYS: tuple[str, ...] = ("scenario", "assumptions", "days", "iv", "ko")


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
    if in_range(value, low, high):
        return float(value), []
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
    resolved = model.resolve_parameters(scenario, assumptions=assumptions).as_dict()
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
