"""Global sensitivity analysis: which uncertain parameters move an outcome most? (through SALib)

Two methods, both *global* (all parameters vary together over their whole ranges, unlike moving
one slider at a time):

- **Morris screening** (elementary effects): cheap, ranks parameters. `mu_star` is the mean size
  of the change in the output when one parameter steps across its range; `sigma` large compared
  with `mu_star` means the effect depends on the other parameters (non-linear or interacting).
- **Sobol indices** (variance decomposition): `S1` is the share of the output's variance due to a
  parameter alone, `ST` the share it is involved in, interactions included. `ST - S1` measures
  interactions. Costs ``n * (k + 2)`` runs for k parameters; `n` must be a power of two.

`sobol` and `morris` accept any vectorised function (an (n, k) array -> n outputs), so they can be
checked on a test function with known indices (Ishigami). `analyze` runs them on the toy model,
sampling each parameter uniformly in log space when it has `log_scale` (as the ensembles do), and
evaluating all runs with `simulate_batch`. Every result is illustrative, not predictive.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..core.disclaimer import DISCLAIMER, tagged
from ..core.interventions import Intervention
from ..core.outcomes import OUTCOME_NAMES
from ..core.parameters import ParameterError, parameter_info
from ..core.scenarios import get_assumption_set, get_scenario
from ..core.validation import check_whole
from ..engine.batch import DEFAULT_CHUNK_SIZE
from ..engine.simulate import SimulationError
from .sampling import check_ranges
from .uncertainty import Progress, run_members

__all__ = ["METHODS", "analyze", "indices_figure", "morris", "sobol"]

METHODS: tuple[str, ...] = ("sobol", "morris")
MAX_RUNS = 2_000_000
Func = Callable[[np.ndarray], np.ndarray]


def _problem(bounds: Sequence[tuple[float, float]], names: Sequence[str] | None) -> dict[str, Any]:
    """SALib's problem dict, with checks: one name per bound, low < high everywhere."""
    try:
        bounds = [(float(lo), float(hi)) for lo, hi in bounds]
    except (TypeError, ValueError):
        raise ParameterError("`bounds` must be a list of (low, high) pairs of numbers, one per input") from None
    if not bounds:
        raise ParameterError("`bounds` is empty: give one (low, high) pair per input")
    names = list(names) if names is not None else [f"x{k + 1}" for k in range(len(bounds))]
    if len(names) != len(bounds) or len(set(names)) != len(names):
        raise ParameterError(f"`names` must hold {len(bounds)} distinct names, one per bound; got {names}")
    for name, (lo, hi) in zip(names, bounds, strict=True):
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise ParameterError(f"bounds of `{name}` = ({lo:g}, {hi:g}) need finite low < high")
    return {"num_vars": len(bounds), "names": names, "bounds": [list(b) for b in bounds]}


def _evaluate(func: Func, x: np.ndarray) -> np.ndarray:
    y = np.asarray(func(x), dtype=float).reshape(-1)
    if y.shape != (len(x),):
        raise ValueError(f"`func` must map an (n, k) array to n outputs; got shape {y.shape} for n = {len(x)}")
    if not np.all(np.isfinite(y)):
        raise SimulationError(f"{int(np.sum(~np.isfinite(y)))} of {len(y)} evaluations were not finite")
    return y


def _check_count(value: int, field: str, low: int) -> int:
    return check_whole(field, value, low, MAX_RUNS)


def sobol_runs(n: int, k: int) -> int:
    """Model runs a Sobol analysis of k inputs with base sample `n` needs: n * (k + 2)."""
    return n * (k + 2)


def morris_runs(n_trajectories: int, k: int) -> int:
    """Model runs a Morris screening of k inputs needs: n_trajectories * (k + 1)."""
    return n_trajectories * (k + 1)


def sobol(
    func: Func,
    bounds: Sequence[tuple[float, float]],
    *,
    n: int,
    seed: int = 0,
    names: Sequence[str] | None = None,
    num_resamples: int = 100,
) -> pd.DataFrame:
    """First-order and total Sobol indices of `func` over the box `bounds` (inputs uniform in it).

    `func` maps an (m, k) array to m outputs; it is called once on the whole Saltelli sample of
    ``n * (k + 2)`` rows. `n` must be a power of two. Returns one row per input: `name`, `S1`,
    `S1_conf`, `ST`, `ST_conf` (the `_conf` columns are half-widths of 95 % bootstrap intervals).
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    problem = _problem(bounds, names)
    n = _check_count(n, "n", 2)
    if n & (n - 1):
        lower = 1 << (n.bit_length() - 1)
        raise ParameterError(f"`n` = {n} must be a power of two for Sobol indices (e.g. {lower} or {2 * lower})")
    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    y = _evaluate(func, x)
    result = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=num_resamples, seed=seed)
    table = pd.DataFrame({"name": problem["names"], **{c: result[c] for c in ("S1", "S1_conf", "ST", "ST_conf")}})
    table.attrs.update(method="sobol", n=n, runs=len(x), seed=seed)
    return table


def morris(
    func: Func,
    bounds: Sequence[tuple[float, float]],
    *,
    n_trajectories: int,
    seed: int = 0,
    names: Sequence[str] | None = None,
    num_levels: int = 4,
) -> pd.DataFrame:
    """Morris elementary-effects screening of `func` over the box `bounds`.

    Evaluates ``n_trajectories * (k + 1)`` points (one-at-a-time steps along random trajectories
    on a grid of `num_levels` levels). Returns one row per input: `name`, `mu_star` (mean absolute
    elementary effect: overall importance), `mu_star_conf`, `sigma` (spread: non-linearity or
    interactions), `mu` (signed mean).
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    problem = _problem(bounds, names)
    n_trajectories = _check_count(n_trajectories, "n_trajectories", 2)
    x = morris_sample.sample(problem, n_trajectories, num_levels=num_levels, seed=seed)
    y = _evaluate(func, x)
    result = morris_analyze.analyze(problem, x, y, num_levels=num_levels, seed=seed)
    table = pd.DataFrame(
        {"name": problem["names"], **{c: np.asarray(result[c]) for c in ("mu_star", "mu_star_conf", "sigma", "mu")}}
    )
    table.attrs.update(method="morris", n_trajectories=n_trajectories, runs=len(x), seed=seed)
    return table


# ----------------------------------------------------------------------------- the model


class ModelFunction:
    """The toy model as a vectorised function of some parameters: rows of (transformed) values -> an outcome.

    Inputs are the parameters' values, or their natural logarithms for parameters with
    `log_scale` (so sampling is log-uniform, as in ensembles). Evaluates with `iter_batch` and
    reports progress after each chunk.
    """

    def __init__(
        self,
        outcome: str,
        box: dict[str, tuple[float, float]],
        scenario: str,
        assumptions: str,
        interventions: Sequence[Intervention],
        days: float,
        progress: Progress | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        workers: int = 1,
    ) -> None:
        if outcome not in OUTCOME_NAMES:
            raise ParameterError(f"Unknown outcome {outcome!r}; valid names: {', '.join(OUTCOME_NAMES)}")
        self.outcome, self.box, self.names = outcome, box, list(box)
        self.logs = [parameter_info(name).log_scale for name in self.names]
        self.scenario, self.assumptions = get_scenario(scenario).name, get_assumption_set(assumptions).name
        self.interventions, self.days = tuple(interventions), days
        self.progress, self.chunk_size, self.workers = progress, chunk_size, workers

    def bounds(self) -> list[tuple[float, float]]:
        """The sampling box in input coordinates (log for `log_scale` parameters)."""
        return [
            (math.log(self.box[name][0]), math.log(self.box[name][1])) if log else self.box[name]
            for name, log in zip(self.names, self.logs, strict=True)
        ]

    def values(self, x: np.ndarray) -> pd.DataFrame:
        """Input rows as a table of parameter values (undoing the log transform, clipped to the box)."""
        columns = {
            name: np.clip(np.exp(x[:, k]) if log else x[:, k], *self.box[name])
            for k, (name, log) in enumerate(zip(self.names, self.logs, strict=True))
        }
        return pd.DataFrame(columns)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        table = self.values(np.atleast_2d(x))
        run = {"scenario": self.scenario, "assumptions": self.assumptions, "interventions": self.interventions}
        options = {"chunk_size": self.chunk_size, "keep_states": False, "workers": self.workers}
        batch = run_members(table, progress=self.progress, **run, days=self.days, **options)
        return batch.outcomes[self.outcome].to_numpy(dtype=float)


def analyze(
    outcome: str,
    *,
    method: str = "sobol",
    scenario: str = "active_sle",
    assumptions: str = "baseline",
    interventions: Sequence[Intervention] = (),
    days: float = 365,
    n: int = 256,
    seed: int = 0,
    parameters: Sequence[str] | None = None,
    ranges: dict[str, tuple[float, float]] | None = None,
    progress: Progress | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int = 1,
) -> pd.DataFrame:
    """Sobol indices or Morris screening of one model outcome (illustrative, not predictive).

    **Main arguments:**
        outcome: a name from `Outcomes.summary()`, e.g. "days_in_remission" or "activity_final".
        method: "sobol" (`n` = base sample, a power of two; n * (k + 2) runs) or "morris"
            (`n` = trajectories; n * (k + 1) runs).
        scenario, assumptions, interventions, days: the run, as in `simulate`.
        parameters: names to vary (default: all but those a scenario or assumption set fixes).
        ranges: {parameter: (low, high)} inside the plausible range, instead of the whole range.
        progress, chunk_size, workers: progress callback (runs done, runs in all), members per
            vectorised solve, processes to spread the chunks over.

    Returns the tidy table of `sobol` or `morris`, sorted by importance (ST or mu_star), with
    the run described in `.attrs`.
    """
    if method not in METHODS:
        raise ParameterError(f"`method` = {method!r} must be one of {', '.join(METHODS)}")
    box = check_ranges(ranges, parameters)
    names = list(box)
    k = len(names)
    runs = sobol_runs(n, k) if method == "sobol" else morris_runs(n, k)
    if runs > MAX_RUNS:
        raise ParameterError(f"{runs} model runs needed (`n` = {n}, {k} parameters): at most {MAX_RUNS} allowed")
    run = {"scenario": scenario, "assumptions": assumptions, "interventions": interventions, "days": days}
    func = ModelFunction(outcome, box, **run, progress=progress, chunk_size=chunk_size, workers=workers)
    if method == "sobol":
        table = sobol(func, func.bounds(), n=n, seed=seed, names=names).sort_values("ST", ascending=False)
    else:
        table = morris(func, func.bounds(), n_trajectories=n, seed=seed, names=names)
        table = table.sort_values("mu_star", ascending=False)
    table = table.reset_index(drop=True)
    table.attrs.update(
        disclaimer=DISCLAIMER,
        outcome=outcome,
        method=method,
        scenario=func.scenario,
        assumptions=func.assumptions,
        interventions="; ".join(i.describe() for i in func.interventions) or "none",
        seed=seed,
        n=n,
        runs=runs,
    )
    return table


def indices_figure(table: pd.DataFrame, title: str | None = None, top: int = 15) -> Any:
    """Plotly tornado chart of a `sobol` or `morris` table: horizontal bars with error bars (titled "illustrative")."""
    import plotly.graph_objects as go

    shown = table.head(top).iloc[::-1]
    fig = go.Figure()
    if "ST" in shown:
        series = (("S1", "S1_conf", "first order S1", "#0072B2"), ("ST", "ST_conf", "total ST", "#D55E00"))
        axis = "Sobol index (share of output variance)"
    else:
        series = (("mu_star", "mu_star_conf", "mu* (importance)", "#0072B2"), ("sigma", None, "sigma", "#D55E00"))
        axis = "elementary effect (output units)"
    for column, conf, label, color in series:
        error = {"type": "data", "array": shown[conf].to_numpy()} if conf else None
        fig.add_trace(
            go.Bar(y=shown["name"], x=shown[column], error_x=error, orientation="h", name=label, marker_color=color)
        )
    outcome = table.attrs.get("outcome", "output")
    fig.update_layout(
        barmode="group",
        title=tagged(title or f"What moves {outcome}?"),
        xaxis_title=axis,
        template="plotly_white",
        height=max(300, 40 * len(shown) + 120),
    )
    return fig
