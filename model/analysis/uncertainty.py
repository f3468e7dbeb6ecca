"""How sure are we? Ensembles of runs over uncertain parameters, and across assumption sets.

Every number of the model is uncertain within its plausible range (`PARAMETERS` low/high). An
**ensemble** draws many parameter sets from those ranges (a Latin hypercube or a scrambled Sobol
sequence from `scipy.stats.qmc`, log-uniform for parameters with `log_scale`), runs them all with
`simulate_batch`, and summarises the spread: quantile bands over time, the share of members in
remission at the end (with a Wilson confidence interval), and the distribution of each outcome.

That is *parameter* uncertainty inside one story of how MSC act. *Structural* uncertainty (which
story is right) is shown by `across_assumptions`: the same sample under every assumption set.

By default the sample varies every parameter except those that define the scenario or any
assumption set (they stay as the scenario and assumption set say), so the assumption sets remain
what they claim to be. All of this is an illustrative teaching model, not predictive.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..core.disclaimer import DISCLAIMER, tagged
from ..core.equations import STATE_NAMES
from ..core.interventions import Intervention
from ..core.outcomes import OUTCOME_NAMES, REMISSION_THRESHOLD
from ..core.parameters import ParameterError, parameter_info
from ..core.scenarios import ASSUMPTION_SETS, get_assumption_set, get_scenario
from ..core.validation import check_whole, shown
from ..engine.batch import DEFAULT_CHUNK_SIZE, BatchResult, iter_batch
from ..engine.simulate import resolve_parameters as _resolve
from ..report.palette import OKABE_ITO, RUN_COLORS, rgba
from .sampling import check_ranges, default_parameters, sample_box

__all__ = [
    "DEFAULT_QUANTILES",
    "EnsembleResult",
    "RemissionProbability",
    "across_assumptions",
    "default_parameters",
    "ensemble",
    "fan_chart",
    "outcome_histogram",
    "ranges_around",
    "run_members",
    "sample_parameters",
    "summarize_across",
]

DEFAULT_QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)
METHODS: tuple[str, ...] = ("lhs", "sobol")
MAX_MEMBERS = 1_000_000
#: Largest trajectory array an ensemble may hold in memory (bytes); beyond it, keep outcomes only.
MAX_STATE_BYTES = 2e9
N_STATES = len(STATE_NAMES)
#: Called after each chunk with (members done, members in all): drives progress bars.
Progress = Callable[[int, int], None]


class RemissionProbability(NamedTuple):
    """Share of ensemble members in remission at the end, with a Wilson score interval.

    Attributes:
        value: the share (0..1).
        low, high: the interval at `confidence`; it reflects sampling noise of the ensemble only,
            not whether the model or its ranges are right.
        n: members counted (failed solves left out).
        confidence: the interval's confidence level.
    """

    value: float
    low: float
    high: float
    n: int
    confidence: float


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (better than p +- z*se near 0 and 1)."""
    if n == 0:
        return (math.nan, math.nan)
    z = float(norm.ppf(0.5 + confidence / 2))
    p = successes / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


# ----------------------------------------------------------------------------- sampling


def ranges_around(
    scenario: str = "active_sle",
    *,
    assumptions: str = "baseline",
    spread: float = 1.0,
    parameters: Sequence[str] | None = None,
) -> dict[str, tuple[float, float]]:
    """Ranges that reach a fraction `spread` of the way from each parameter's value to its bounds.

    The value is the one the scenario and assumption set give; distances are measured in log
    space for `log_scale` parameters. `spread=1` gives the whole plausible range, smaller values a
    narrower box around the story being told ("how sure are we if we roughly know the numbers?").
    """
    if not 0.0 < float(spread) <= 1.0:
        raise ParameterError(f"`spread` = {spread!r} is outside its allowed range (0, 1]")
    values = _resolve(scenario, assumptions=assumptions).as_dict()
    names = list(parameters) if parameters is not None else list(default_parameters())
    box = {}
    for name in names:
        info = parameter_info(name)
        log = info.log_scale and info.low > 0
        warp, unwarp = (np.log, np.exp) if log else (float, float)
        v, lo, hi = warp(values[name]), warp(info.low), warp(info.high)
        low, high = float(unwarp(v - spread * (v - lo))), float(unwarp(v + spread * (hi - v)))
        box[name] = (max(info.low, low), min(info.high, high))
    return box


def _check_n(n: int, method: str) -> int:
    n = check_whole("n", n, 1, MAX_MEMBERS)
    if method not in METHODS:
        raise ParameterError(f"`method` = {method!r} must be one of {', '.join(METHODS)}")
    if method == "sobol" and n & (n - 1):
        lower = 1 << (int(n).bit_length() - 1)
        raise ParameterError(
            f"`n` = {n} must be a power of two for method='sobol' (e.g. {lower} or {2 * lower}), or use method='lhs'"
        )
    return int(n)


def sample_parameters(
    n: int,
    *,
    seed: int,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    method: str = "lhs",
    parameters: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Draw `n` parameter sets: one row per member, one column per varied parameter.

    Values are spread by a Latin hypercube (`method="lhs"`) or a scrambled Sobol sequence
    (`"sobol"`, `n` a power of two) over (low, high): log-uniformly for parameters with
    `log_scale` (rates and scales spanning a factor of several), uniformly otherwise. The same
    `seed` gives the same table.
    """
    n = _check_n(n, method)
    box = check_ranges(ranges, parameters)
    table = sample_box(box, n, seed=seed, kind=method)
    table.attrs["ranges"] = box
    return table


# ----------------------------------------------------------------------------- ensembles


@dataclasses.dataclass(frozen=True, eq=False)
class EnsembleResult:
    """An ensemble of runs over sampled parameters (illustrative, not predictive).

    Attributes:
        batch: the runs (`BatchResult`: times, states, outcomes, resolved parameters).
        samples: the sampled parameter values, one row per member (only the varied parameters).
        seed, method: how the sample was drawn.
        ranges: the (low, high) box of every varied parameter.
    """

    batch: BatchResult
    samples: pd.DataFrame
    seed: int
    method: str
    ranges: Mapping[str, tuple[float, float]]

    @property
    def t(self) -> np.ndarray:
        """Output times (days)."""
        return self.batch.t

    @property
    def outcomes(self) -> pd.DataFrame:
        """One row per member: the scalar outcomes (columns of `Outcomes.summary()`)."""
        return self.batch.outcomes

    @property
    def failed(self) -> int:
        """Members whose solve failed (left out of every summary)."""
        return int(np.sum(self.batch.failed))

    def quantiles(self, name: str = "activity", q: Iterable[float] = DEFAULT_QUANTILES) -> pd.DataFrame:
        """Quantile bands of a state (or `"activity"`) over time: index `day`, one column per quantile.

        Between the 0.05 and 0.95 columns lie 90 % of the members at each day. The band is the
        spread of this model over these parameter ranges, not a prediction interval for patients.
        """
        levels = [float(x) for x in q]
        if not levels or any(not 0.0 <= x <= 1.0 for x in levels):
            raise ParameterError(f"`q` = {levels!r} must hold quantile levels in [0, 1]")
        series = self.batch.series(name)[~self.batch.failed]
        values = np.quantile(series, levels, axis=0).T if len(series) else np.full((len(self.t), len(levels)), np.nan)
        table = pd.DataFrame(values, columns=levels, index=pd.Index(self.t, name="day"))
        table.attrs.update(disclaimer=DISCLAIMER, quantity=name)
        return table

    def probability_of_remission(self, confidence: float = 0.95) -> RemissionProbability:
        """Share of members with the activity index below the remission threshold on the last day.

        Returns the share and its Wilson score interval at `confidence` (sampling noise only).
        """
        if not 0.5 <= confidence < 1.0:
            raise ParameterError(f"`confidence` = {shown(confidence)} is outside its allowed range [0.5, 1)")
        return remission_probability(self.outcomes, confidence)

    def to_frame(self) -> pd.DataFrame:
        """Outcomes joined with the sampled parameters: one row per member (for CSV/Parquet)."""
        table = self.samples.join(self.outcomes)
        table.attrs.update(disclaimer=DISCLAIMER, seed=self.seed, method=self.method, run=self.batch.describe())
        return table


def remission_probability(outcomes: pd.DataFrame, confidence: float = 0.95) -> RemissionProbability:
    """Share of rows with `remission_at_end` (NaN rows = failed solves are left out) and its Wilson interval."""
    flags = outcomes["remission_at_end"].dropna().astype(bool)
    n, hits = len(flags), int(flags.sum())
    low, high = wilson_interval(hits, n, confidence)
    return RemissionProbability(hits / n if n else math.nan, low, high, n, confidence)


def run_members(samples: pd.DataFrame, *, progress: Progress | None = None, **run: Any) -> BatchResult:
    """`simulate_batch` of the members in `samples` (overrides), chunk by chunk with `progress` reports.

    `run` holds the options of `iter_batch` (scenario, assumptions, interventions, days,
    chunk_size, keep_states, workers); `progress` is called with (members done, members in all)
    before the first chunk and after each.
    """
    parts: list[BatchResult] = []
    if progress is not None:
        progress(0, len(samples))
    for part in iter_batch(samples, **run):
        parts.append(part)
        if progress is not None:
            progress(sum(len(p) for p in parts), len(samples))
    return BatchResult.concat(parts)


def ensemble(
    scenario: str = "active_sle",
    *,
    assumptions: str = "baseline",
    interventions: Sequence[Intervention] = (),
    days: float = 365,
    n: int = 256,
    seed: int = 0,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    method: str = "lhs",
    parameters: Sequence[str] | None = None,
    progress: Progress | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int = 1,
    keep_states: bool = True,
) -> EnsembleResult:
    """Run `n` members with parameters sampled over their plausible ranges (illustrative, not predictive).

    **Main arguments:**
        scenario, assumptions, interventions, days: as in `simulate`, shared by every member.
        n: members (a power of two for `method="sobol"`).
        seed: the same seed gives the same numbers.
        ranges: {parameter: (low, high)} to sample instead of the full plausible range (must lie
            inside it); named parameters are varied even if not in `parameters`.

    **Other arguments:**
        method: "lhs" (Latin hypercube) or "sobol" (scrambled Sobol sequence).
        parameters: names to vary (default `default_parameters()`: all but those that a scenario
            or an assumption set fixes).
        progress: called with (members done, members in all) after each chunk.
        chunk_size, workers: members per vectorised solve, and processes to spread chunks over.
        keep_states: False keeps outcomes only (no `quantiles`), for very large ensembles.

    Example::

        ens = ensemble("active_sle", assumptions="baseline", interventions=[MSCInfusion(30)], n=64, seed=1)
        ens.quantiles("activity").tail(1), ens.probability_of_remission()
    """
    get_scenario(scenario)
    get_assumption_set(assumptions)
    size = 8 * N_STATES * n * (float(days) + 3)
    if keep_states and size > MAX_STATE_BYTES:
        raise ParameterError(
            f"`n` = {n} members over {float(days):g} days would hold {size / 1e9:.1f} GB of trajectories "
            f"(at most {MAX_STATE_BYTES / 1e9:g} GB): use keep_states=False to keep outcomes only"
        )
    samples = sample_parameters(n, seed=seed, ranges=ranges, method=method, parameters=parameters)
    run = {"scenario": scenario, "assumptions": assumptions, "interventions": interventions, "days": days}
    options = {"chunk_size": chunk_size, "keep_states": keep_states, "workers": workers}
    batch = run_members(samples, progress=progress, **run, **options)
    return EnsembleResult(batch=batch, samples=samples, seed=int(seed), method=method, ranges=samples.attrs["ranges"])


def across_assumptions(
    scenario: str = "active_sle",
    *,
    assumption_sets: Sequence[str] | None = None,
    interventions: Sequence[Intervention] = (),
    days: float = 365,
    n: int = 256,
    seed: int = 0,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    method: str = "lhs",
    parameters: Sequence[str] | None = None,
    progress: Progress | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int = 1,
) -> pd.DataFrame:
    """The same parameter sample under every assumption set: structural next to parameter uncertainty.

    Returns a tidy table, one row per (assumption set, member): `assumptions`, `member`, the
    sampled parameters and the outcomes. `summarize_across` condenses it to one row per set.
    """
    names = list(assumption_sets) if assumption_sets is not None else list(ASSUMPTION_SETS)
    for name in names:
        get_assumption_set(name)
    samples = sample_parameters(n, seed=seed, ranges=ranges, method=method, parameters=parameters)
    total = len(names) * len(samples)
    frames = []
    for k, name in enumerate(names):

        def step(done: int, _all: int, offset: int = k * len(samples)) -> None:
            if progress is not None:
                progress(offset + done, total)

        run = {"scenario": scenario, "assumptions": name, "interventions": interventions, "days": days}
        batch = run_members(samples, progress=step, **run, chunk_size=chunk_size, keep_states=False, workers=workers)
        frame = samples.join(batch.outcomes).reset_index()
        frame.insert(0, "assumptions", name)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    table.attrs.update(disclaimer=DISCLAIMER, seed=int(seed), method=method, scenario=scenario)
    return table


def summarize_across(table: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """One row per assumption set: probability of remission at the end (Wilson interval) and median outcomes."""
    rows = []
    for name, group in table.groupby("assumptions", sort=False):
        prob = remission_probability(group, confidence)
        rows.append(
            {
                "assumptions": name,
                "p_remission": prob.value,
                "p_low": prob.low,
                "p_high": prob.high,
                "n": prob.n,
                "median_activity_final": float(group["activity_final"].median()),
                "median_days_in_remission": float(group["days_in_remission"].median()),
            }
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- figures


def fan_chart(result: EnsembleResult, name: str = "activity", title: str | None = None) -> Any:
    """Plotly fan chart: median, 25-75 % and 5-95 % bands of `name` over time (titled "illustrative")."""
    import plotly.graph_objects as go

    bands = result.quantiles(name, DEFAULT_QUANTILES)
    day = bands.index.to_numpy()
    fig = go.Figure()
    for (lo, hi), label, alpha in (((0.05, 0.95), "90 % of members", 0.18), ((0.25, 0.75), "50 % of members", 0.35)):
        fig.add_trace(go.Scatter(x=day, y=bands[hi], mode="lines", line={"width": 0}, showlegend=False))
        fig.add_trace(
            go.Scatter(
                x=day,
                y=bands[lo],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=rgba("blue", alpha),
                name=label,
            )
        )
    median_line = {"color": OKABE_ITO["blue"], "width": 3}
    fig.add_trace(go.Scatter(x=day, y=bands[0.5], mode="lines", line=median_line, name="median"))
    if name == "activity":
        threshold_line = {"dash": "dot", "color": OKABE_ITO["bluish_green"]}
        fig.add_hline(y=REMISSION_THRESHOLD, line=threshold_line, annotation_text="remission")
    label = "toy activity index (TLAI)" if name == "activity" else f"{name} (a.u.)"
    text = title or f"Spread of {label} over {len(result.samples)} parameter sets"
    fig.update_layout(
        title=tagged(text),
        xaxis_title="day",
        yaxis_title=label,
        template="plotly_white",
    )
    return fig


def outcome_histogram(table: pd.DataFrame, outcome: str = "activity_final", title: str | None = None) -> Any:
    """Plotly histogram of an outcome, one colour per assumption set (from `across_assumptions`)."""
    import plotly.graph_objects as go

    if outcome not in OUTCOME_NAMES:
        raise ParameterError(f"Unknown outcome {outcome!r}; valid names: {', '.join(OUTCOME_NAMES)}")
    values = table[outcome].dropna().astype(float)
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    bins = {"start": low, "end": high + 1e-9, "size": max(high - low, 1e-9) / 20}  # shared by every set
    fig = go.Figure()
    for k, (name, group) in enumerate(table.groupby("assumptions", sort=False)):
        fig.add_trace(
            go.Histogram(
                x=group[outcome].dropna().astype(float),
                xbins=bins,
                name=str(name),
                opacity=0.6,
                marker_color=RUN_COLORS[k % len(RUN_COLORS)],
            )
        )
    fig.update_layout(
        barmode="overlay",
        title=tagged(title or f"{outcome} per assumption set"),
        xaxis_title=outcome,
        yaxis_title="members",
        template="plotly_white",
    )
    return fig
