"""Virtual patients: many toy people drawn around one scenario, who differ as real patients do.

A single toy patient cannot show the most useful idea in the field: patients differ, so the same
therapy gives responders and non-responders. A `VirtualPopulation` draws patients whose **host**
parameters (everything except how MSC act) are spread around the scenario's values, and keeps only
those whose untreated course has the scenario's character (for `active_sle`: disease that stays
active without treatment). Everything about it is an explicit, adjustable assumption:

- **spread** (`PopulationSpec.spread`): each varied parameter is the scenario's value times
  ``exp(spread * z)`` with ``z`` standard normal, i.e. a log-normal spread whose geometric standard
  deviation is ``exp(spread)`` (the default 0.1 gives about x1.105, i.e. patients differ by about
  10 % in each of some 40 parameters at once), clipped to the parameter's plausible range. This
  heterogeneity is an illustrative assumption, not a measured distribution. Its consequence: the
  wider the spread, the more patients lie outside the range where health is also a steady state,
  and the fewer lasting remissions any reset gives (docs/model.md, "Virtual patients").
- **which parameters vary** (`PopulationSpec.parameters`): by default every host parameter; the
  MSC-therapy group is left at the assumption set's values, since it describes the therapy.
- **who is kept** (`PopulationSpec.character`): "active" (untreated activity above the flare
  threshold at the end), "quiet" (untreated activity below the remission threshold) or "any".

Drawing is seeded: the same spec, size and seed give the same patients, alone or in a bigger draw.
Illustrative teaching model, not predictive, not medical advice.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..core.interventions import BCellDepletion, CARTCellTherapy, HSCTReset, Intervention, MSCInfusion
from ..core.outcomes import FLARE_THRESHOLD, REMISSION_THRESHOLD
from ..core.parameters import PARAMETERS, ParameterError, parameter_info
from ..core.scenarios import get_assumption_set, get_scenario
from ..core.validation import check_range, check_whole
from ..engine.batch import BatchResult, simulate_batch
from ..engine.simulate import resolve_parameters

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "HOST_PARAMETERS",
    "THERAPY_CONTRAST",
    "PopulationSpec",
    "VirtualPopulation",
    "draw_population",
    "healthy_steady_state",
    "outcome_share",
    "remission_by_therapy",
    "remission_shares",
    "separating_parameters",
]

Character = Literal["active", "quiet", "any"]

#: Host parameters: everything but how MSC act (the therapy is not part of the patient).
HOST_PARAMETERS: tuple[str, ...] = tuple(info.name for info in PARAMETERS if info.group != "MSC therapy")

#: The untreated course each scenario's patients must have (the scenario's character).
SCENARIO_CHARACTER: dict[str, Character] = {"active_sle": "active", "susceptible": "quiet", "healthy": "quiet"}

#: Days of untreated course used to check a candidate's character.
SCREENING_DAYS = 365.0
MAX_SPREAD = 1.0


@dataclasses.dataclass(frozen=True)
class PopulationSpec:
    """How to draw virtual patients (every field is an explicit, adjustable assumption).

    Attributes:
        scenario: the scenario the patients are drawn around (`model.SCENARIOS`).
        assumptions: the assumption set whose values are the centre (`model.ASSUMPTION_SETS`).
        spread: log-normal spread of each varied parameter (geometric SD = exp(spread)); 0..1.
        parameters: names of the parameters that vary between patients (default: host parameters).
        character: which untreated course a kept patient must have; None = the scenario's own.
    """

    scenario: str = "active_sle"
    assumptions: str = "baseline"
    spread: float = 0.1
    parameters: tuple[str, ...] = HOST_PARAMETERS
    character: Character | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "scenario", get_scenario(self.scenario).name)
        object.__setattr__(self, "assumptions", get_assumption_set(self.assumptions).name)
        object.__setattr__(self, "spread", check_range("spread", self.spread, 0.0, MAX_SPREAD, unit="log scale"))
        object.__setattr__(self, "parameters", tuple(self.parameters))
        for name in self.parameters:
            parameter_info(name)  # raises ParameterError listing the valid names
        if self.character not in (None, "active", "quiet", "any"):
            raise ParameterError(f"`character` = {self.character!r} must be one of 'active', 'quiet', 'any' or None")

    @property
    def kept_character(self) -> Character:
        """The untreated course a kept patient has: `character`, or the scenario's own."""
        return self.character or SCENARIO_CHARACTER.get(self.scenario, "any")

    def centre(self) -> dict[str, float]:
        """The scenario's values under the assumption set: the middle of the population."""
        return resolve_parameters(self.scenario, assumptions=self.assumptions).as_dict()


def _candidates(spec: PopulationSpec, n: int, rng: np.random.Generator) -> pd.DataFrame:
    import pandas as pd

    centre = spec.centre()
    columns = {}
    z = rng.standard_normal((n, len(spec.parameters)))
    for j, name in enumerate(spec.parameters):
        info = parameter_info(name)
        columns[name] = np.clip(centre[name] * np.exp(spec.spread * z[:, j]), info.low, info.high)
    return pd.DataFrame(columns)


def _has_character(outcomes: pd.DataFrame, character: Character) -> np.ndarray:
    ok = ~outcomes["failed"].to_numpy() if "failed" in outcomes else np.ones(len(outcomes), bool)
    final = outcomes["activity_final"].to_numpy()
    if character == "active":
        return ok & (final >= FLARE_THRESHOLD)
    if character == "quiet":
        return ok & (final < REMISSION_THRESHOLD)
    return ok


@dataclasses.dataclass(frozen=True)
class VirtualPopulation:
    """Virtual patients drawn by `draw_population`: one row of parameters per patient.

    Attributes:
        spec: how they were drawn.
        seed: the seed of the draw.
        params: one row per kept patient, one column per varied parameter (absolute values, in
            each parameter's unit); pass it to `simulate` for any therapy.
        screened: how many candidates were looked at to keep these (the rest lacked the character).
    """

    spec: PopulationSpec
    seed: int
    params: pd.DataFrame
    screened: int

    def __len__(self) -> int:
        return len(self.params)

    @property
    def kept_fraction(self) -> float:
        """Share of drawn candidates whose untreated course had the scenario's character."""
        return len(self.params) / self.screened if self.screened else math.nan

    def simulate(
        self,
        interventions: Sequence[Intervention] = (),
        *,
        days: float = 365,
        t_eval: Sequence[float] | None = None,
        keep_states: bool = False,
        executor: Executor | None = None,
    ) -> BatchResult:
        """Every patient under the same therapy, in one vectorised batch (illustrative).

        With an `executor` (any `concurrent.futures.Executor`, e.g. a Dask client's), the patients
        are split into as many parts as it has workers' worth of chunks and solved there.
        """
        run = dict(
            scenario=self.spec.scenario,
            assumptions=self.spec.assumptions,
            interventions=tuple(interventions),
            days=days,
            t_eval=t_eval,
            keep_states=keep_states,
        )
        if executor is None or len(self.params) < 2:
            return simulate_batch(self.params, **run)
        parts = np.array_split(np.arange(len(self.params)), min(len(self.params), 8))
        futures = [executor.submit(_simulate_part, self.params.iloc[p], run) for p in parts if len(p)]
        return BatchResult.concat([f.result() for f in futures])


def _simulate_part(params: pd.DataFrame, run: dict[str, Any]) -> BatchResult:
    return simulate_batch(params, **run)


def _screened_until(flags: np.ndarray, needed: int) -> int:
    """Candidates of one round looked at until `needed` were kept (all of them if fewer were)."""
    if flags.sum() < needed:
        return len(flags)
    return int(np.flatnonzero(flags)[needed - 1]) + 1


def draw_population(
    spec: PopulationSpec | str = "active_sle",
    *,
    n: int = 200,
    seed: int = 0,
    max_candidates: int | None = None,
) -> VirtualPopulation:
    """Draw `n` virtual patients of `spec` (a spec, or a scenario name with default spread).

    Candidates are drawn in seeded rounds and screened with a one-year untreated run; those without
    the scenario's character are dropped, until `n` are kept. Raises `ParameterError` when fewer
    than `n` are found within `max_candidates` (default 20 n), which means the spread is so wide
    that the scenario's character is rare.
    """
    import pandas as pd

    if isinstance(spec, str):
        spec = PopulationSpec(scenario=spec)
    n = check_whole("n", n, 1, 1_000_000)
    limit = max_candidates if max_candidates is not None else 20 * n
    rng = np.random.default_rng(seed)
    kept: list[pd.DataFrame] = []
    found = screened = 0
    while found < n and screened < limit:
        size = min(limit - screened, max(64, int(1.3 * (n - found)) + 16))
        candidates = _candidates(spec, size, rng)
        untreated = simulate_batch(
            candidates, scenario=spec.scenario, assumptions=spec.assumptions, days=SCREENING_DAYS, keep_states=False
        )
        flags = _has_character(untreated.outcomes, spec.kept_character)
        screened += _screened_until(flags, n - found)
        kept.append(candidates[flags])
        found += int(flags.sum())
    if found < n:
        errormsg = (
            f"Only {found} of {screened} drawn patients had the '{spec.kept_character}' character of "
            f"{spec.scenario!r}; lower `spread` (now {spec.spread:g}) or `n` (now {n})"
        )
        raise ParameterError(errormsg)
    params = pd.concat(kept, ignore_index=True).iloc[:n].reset_index(drop=True)
    params.index.name = "patient"
    return VirtualPopulation(spec=spec, seed=seed, params=params, screened=screened)


def outcome_share(flags: Sequence[bool] | np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Share of True in `flags` with its Wilson score interval: (share, low, high)."""
    from .uncertainty import wilson_interval

    values = np.asarray(flags, dtype=bool)
    if values.size == 0:
        return (math.nan, math.nan, math.nan)
    low, high = wilson_interval(int(values.sum()), int(values.size), confidence)
    return (float(values.mean()), low, high)


def _short_name(name: str) -> str:
    """A parameter's plain name: its description up to the first comma, semicolon or bracket."""
    text = parameter_info(name).description
    for stop in (";", ",", " (", "."):
        text = text.split(stop)[0]
    return text[:1].lower() + text[1:]


def _plain_sentence(name: str, effect: float, responders: float, others: float) -> str:
    """One short sentence, e.g. "Responders had higher clearance rate of self-antigen (median 0.74 vs 0.62)."."""
    direction = "higher" if effect > 0 else "lower"
    return f"Responders had {direction} {_short_name(name)} (median {responders:.3g} vs {others:.3g})."


def separating_parameters(params: pd.DataFrame, responded: Sequence[bool] | np.ndarray, top: int = 5) -> pd.DataFrame:
    """Which parameters separate responders from non-responders, ranked, with a plain sentence each.

    The separation of each parameter is the standardised difference of the mean log value between
    responders and non-responders (Cohen's d on a log scale): positive means responders have
    higher values. Each row's sentence says it in plain words with both medians, e.g.
    "Responders had higher clearance rate of self-antigen (median 0.74 vs 0.62)." It is an
    association among virtual patients in the model, not a cause and not a finding about people.
    Columns: parameter, description, effect_size, responders_median,
    non_responders_median, sentence. Empty when everyone or no one responded.
    """
    import pandas as pd

    flags = np.asarray(responded, dtype=bool)
    columns = ["parameter", "description", "effect_size", "responders_median", "non_responders_median", "sentence"]
    if flags.all() or not flags.any():
        return pd.DataFrame(columns=columns)
    rows = []
    for name in params.columns:
        values = np.log(params[name].to_numpy(dtype=float))
        yes, no = values[flags], values[~flags]
        pooled = math.sqrt((np.var(yes) + np.var(no)) / 2.0)
        if pooled == 0.0:
            continue
        d = float((yes.mean() - no.mean()) / pooled)
        info = parameter_info(name)
        sentence = _plain_sentence(name, d, float(np.exp(np.median(yes))), float(np.exp(np.median(no))))
        rows.append((name, info.description, d, float(np.exp(np.median(yes))), float(np.exp(np.median(no))), sentence))
    table = pd.DataFrame(rows, columns=columns)
    order = table["effect_size"].abs().sort_values(ascending=False).index
    return table.loc[order].head(top).reset_index(drop=True)


#: Therapies contrasted on the same virtual patients (Classroom activity, docs/model.md), each on day 30.
THERAPY_CONTRAST: dict[str, tuple[Intervention, ...]] = {
    "MSC infusion": (MSCInfusion(day=30.0),),
    "Rituximab-like B-cell depletion": (BCellDepletion(day=30.0),),
    "CD19 CAR-T": (CARTCellTherapy(day=30.0, target="CD19"),),
    "BCMA-CD19 CAR-T": (CARTCellTherapy(day=30.0, target="BCMA-CD19"),),
    "HSCT-like reset": (HSCTReset(day=30.0),),
}


def healthy_steady_state(population: VirtualPopulation, *, days: float = SCREENING_DAYS) -> np.ndarray:
    """Per patient: whether health is a steady state for them (started healthy, they stay quiet untreated).

    Patients without one cannot stay in remission after any treatment that leaves their drivers as
    they are: the disease comes back once the treatment's effect has faded.
    """
    healthy = simulate_batch(population.params, scenario="healthy", assumptions=population.spec.assumptions, days=days)
    return healthy.outcomes["activity_final"].to_numpy() < REMISSION_THRESHOLD


def remission_by_therapy(
    population: VirtualPopulation,
    therapies: Mapping[str, Sequence[Intervention]] | None = None,
    *,
    years: Sequence[float] = (1.0, 5.0),
) -> pd.DataFrame:
    """Whether each virtual patient is in drug-free remission `years` after the therapy starts (illustrative).

    Every therapy (default `THERAPY_CONTRAST`) runs on the same patients. Remission is the toy activity
    index below the remission threshold on that day. Returns one row per patient and one boolean column
    per (therapy, years) pair.
    """
    import pandas as pd

    columns = {}
    for name, items in (THERAPY_CONTRAST if therapies is None else therapies).items():
        start = min(item.first_day() for item in items)
        days = [start + 365.0 * y for y in years]
        batch = population.simulate(list(items), days=max(days), t_eval=days, keep_states=True)
        for y, day in zip(years, days, strict=True):
            columns[(name, y)] = batch.activity[:, int(np.searchsorted(batch.t, day))] < REMISSION_THRESHOLD
    frame = pd.DataFrame(columns, index=population.params.index)
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["therapy", "years"])
    return frame


def remission_shares(flags: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Share in remission per (therapy, years) column of `remission_by_therapy`, with Wilson intervals.

    Columns: therapy, years, share, low, high, n.
    """
    import pandas as pd

    rows = [(name, years, *outcome_share(flags[(name, years)], confidence), len(flags)) for name, years in flags]
    return pd.DataFrame(rows, columns=["therapy", "years", "share", "low", "high", "n"])
