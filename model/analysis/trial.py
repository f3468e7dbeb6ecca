"""Virtual trials: randomise virtual patients and see what a trial of a given size can tell.

In the model the truth is known, so a virtual trial shows what real trials cannot: how often a
small trial misses a real effect, how often it finds one that is not there, and how an uncontrolled
before/after comparison shows improvement without any effect. Illustrative teaching model, not
predictive, not medical advice.

**The design (potential outcomes).** A `TrialDesign` recruits from a large virtual population
(`population_size` patients drawn by `model.analysis.population.draw_population` with
`population_seed`). Every patient of that population is simulated once under the control
interventions and once under the treatment interventions (two vectorised batches, cached per
design), so each patient carries both *potential outcomes*. A trial then

1. recruits patients at random, without replacement, from the population; with `enrol_above`, a
   candidate is enrolled only if the *measured* baseline index (true index plus measurement noise)
   is at least that value, as when patients are enrolled because their disease looks active;
2. randomises them: the first `n_control` recruits get the control arm, the rest the treatment
   arm (recruitment order is random, so this is random allocation);
3. measures the endpoint with fresh measurement noise: remission at the end (measured index below
   `REMISSION_THRESHOLD`) or the change in the index (measured at the end minus the baseline
   measurement used for enrolment);
4. estimates the difference treatment minus control with its 95 % interval (Newcombe's hybrid score
   interval for proportions, Welch's for means) and its p-value (Fisher's exact test or Welch's
   t-test). A "before/after" design treats everyone and compares the end with baseline (one-sample
   t-test on the changes), which is what an uncontrolled series does.

The **true difference** is what the trial estimates, computed exactly on the whole population:
the mean over its patients of the expected measured outcome under treatment minus that under
control, each patient weighted by the probability of being enrolled. With measurement noise of SD
s, a patient with true final index x counts as in remission with probability
Phi((threshold - x) / s); the true remission difference is the difference of those expected shares.

Why this design: the trial statistics are then checked against an exactly known target, and a
thousand trials cost no simulation once the population is simulated (the app and the statistical
tests stay fast). Recruiting without replacement from a finite population makes the usual intervals
slightly conservative (variance smaller by the factor 1 - n / population_size); designs are
therefore limited to a tenth of the population. `replicate(..., fresh=True)` instead simulates new
patients for every trial (each patient only under the arm it was allocated to), as a real series
of trials would: the benchmark's 1,000 trials of 2 x 50 patients are 100,000 one-year runs.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ..core.disclaimer import DISCLAIMER, ILLUSTRATIVE
from ..core.interventions import Immunosuppression, Intervention, MSCInfusion
from ..core.outcomes import REMISSION_THRESHOLD
from ..core.parameters import ParameterError
from .population import PopulationSpec, VirtualPopulation, draw_population

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ALPHA",
    "CONFIDENCE",
    "ENDPOINTS",
    "KINDS",
    "MSC_ON_STANDARD_CARE",
    "PRESETS",
    "STANDARD_CARE",
    "TRIAL_SPREAD",
    "PotentialOutcomes",
    "TrialDesign",
    "TrialResult",
    "potential_outcomes",
    "power",
    "preset",
    "replicate",
    "run",
    "study_like",
    "summarise",
]

#: Endpoints a design can measure, with a plain description.
ENDPOINTS: dict[str, str] = {
    "remission_at_end": "remission at the end (measured toy activity index below the remission threshold)",
    "activity_change": "change in the toy activity index (measured at the end minus measured at baseline)",
}
#: Trial kinds: a randomised comparison, or an uncontrolled before/after series.
KINDS: dict[str, str] = {
    "randomised": "randomised, controlled: treatment arm against control arm",
    "before_after": "uncontrolled before/after: every patient treated, the end compared with baseline",
}
#: Significance level of every test (two-sided).
ALPHA = 0.05
#: Level of every interval.
CONFIDENCE = 0.95
#: Illustrative standard induction therapy: immunosuppression from day 0 to day 180.
STANDARD_CARE: tuple[Intervention, ...] = (Immunosuppression(start=0.0, stop=180.0, strength=0.6),)
#: The same standard therapy with one MSC infusion on day 0.
MSC_ON_STANDARD_CARE: tuple[Intervention, ...] = (*STANDARD_CARE, MSCInfusion(day=0.0, dose=1.0))

MAX_NOISE = 1.0
MAX_ENROL = 5.0
MAX_DAYS = 3650.0
POPULATION_RANGE = (200, 100_000)
#: Largest share of the population one trial may recruit (keeps the finite-population effect small).
MAX_TRIAL_SHARE = 0.1
#: Trials per part of a `fresh` replicate: the unit of work sent to an executor.
FRESH_TRIALS_PER_PART = 250


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= high:
        raise ParameterError(f"`{name}` = {value!r} must be a whole number in [{low}, {high}]")
    return int(value)


def _number(name: str, value: Any, low: float, high: float, unit: str = "") -> float:
    ok = not isinstance(value, bool) and isinstance(value, int | float | np.floating) and low <= value <= high
    if not ok:
        raise ParameterError(f"`{name}` = {value!r} is outside its allowed range [{low:g}, {high:g}]{unit}")
    return float(value)


def _choice(name: str, value: Any, allowed: dict[str, str]) -> str:
    if value not in allowed:
        raise ParameterError(f"`{name}` = {value!r} must be one of {', '.join(map(repr, allowed))}")
    return str(value)


def _interventions(name: str, items: Any) -> tuple[Intervention, ...]:
    values = tuple(items) if isinstance(items, Sequence) and not isinstance(items, str) else None
    if values is None or not all(isinstance(i, Intervention) for i in values):
        raise ParameterError(f"`{name}` must be a list of interventions (e.g. [MSCInfusion(day=0)]), got {items!r}")
    return values


#: How much the patients a trial recruits differ (log-normal spread of each host parameter); wider
#: than `PopulationSpec.spread` because trials enrol broadly. Illustrative, adjustable.
TRIAL_SPREAD = 0.25


@dataclasses.dataclass(frozen=True)
class TrialDesign:
    """A virtual trial: who is recruited, what each arm gets, what is measured (illustrative).

    Every field is checked when the design is built; a bad value raises `ParameterError` naming
    the field and its allowed range.

    **Main attributes:**
        scenario, assumptions, spread: the virtual population (`PopulationSpec`): the toy patient
            the population is drawn around, how MSC act, and how much patients differ (log-normal
            spread of every host parameter, 0..1). The default, `TRIAL_SPREAD`, is wider than
            `PopulationSpec.spread`: trials enrol patients far more varied than one toy cohort
            (an illustrative assumption; the lesson's numbers depend on it; `--spread` in the CLI).
        control, treatment: the interventions of each arm (e.g. standard therapy, and standard
            therapy plus MSC). In a before/after design, `control` is what the treated patients
            would otherwise have had: it defines the true effect.
        n_control, n_treatment: patients per arm (at least 2 each; a before/after design has no
            control arm: `n_control` = 0).
        days: follow-up (days) from the start of the interventions to the end measurement.
        endpoint: "remission_at_end" or "activity_change" (`ENDPOINTS`).

    **Other attributes:**
        noise: SD of the measurement noise on the toy activity index (index units, 0..1); each
            measurement gets its own independent normal error.
        enrol_above: enrol only candidates whose measured baseline index is at least this (0..5),
            or None to enrol everyone.
        kind: "randomised" or "before_after" (`KINDS`); before/after needs "activity_change".
        population_size, population_seed: the virtual population trials recruit from.
    """

    scenario: str = "active_sle"
    assumptions: str = "baseline"
    spread: float = TRIAL_SPREAD
    control: tuple[Intervention, ...] = STANDARD_CARE
    treatment: tuple[Intervention, ...] = MSC_ON_STANDARD_CARE
    n_control: int = 20
    n_treatment: int = 20
    days: float = 365.0
    endpoint: str = "remission_at_end"
    noise: float = 0.0
    enrol_above: float | None = None
    kind: str = "randomised"
    population_size: int = 2000
    population_seed: int = 0

    def __post_init__(self) -> None:
        PopulationSpec(scenario=self.scenario, assumptions=self.assumptions, spread=self.spread)
        values: dict[str, Any] = {
            "control": _interventions("control", self.control),
            "treatment": _interventions("treatment", self.treatment),
            "days": _number("days", self.days, 1.0, MAX_DAYS, " days"),
            "endpoint": _choice("endpoint", self.endpoint, ENDPOINTS),
            "noise": _number("noise", self.noise, 0.0, MAX_NOISE, " (index units)"),
            "kind": _choice("kind", self.kind, KINDS),
            "population_size": _whole("population_size", self.population_size, *POPULATION_RANGE),
            "population_seed": _whole("population_seed", self.population_seed, 0, 2**32 - 1),
        }
        if self.enrol_above is not None:
            values["enrol_above"] = _number("enrol_above", self.enrol_above, 0.0, MAX_ENROL, " (index units)")
        for name, value in values.items():
            object.__setattr__(self, name, value)
        self._check_arms()

    def _check_arms(self) -> None:
        largest = self.max_patients
        if self.kind == "before_after":
            if self.n_control != 0:
                raise ParameterError(
                    f"`n_control` = {self.n_control!r} must be 0 in a before/after design (it has no control "
                    "arm; the control interventions still define the true effect)"
                )
            if self.endpoint != "activity_change":
                raise ParameterError(
                    f"`endpoint` = {self.endpoint!r}: a before/after design compares the index with baseline, "
                    "so it needs 'activity_change'"
                )
        else:
            object.__setattr__(self, "n_control", _whole("n_control", self.n_control, 2, largest))
        object.__setattr__(self, "n_treatment", _whole("n_treatment", self.n_treatment, 2, largest))
        if self.n_patients > largest:
            raise ParameterError(
                f"`n_control` + `n_treatment` = {self.n_patients} must be at most {largest}, a tenth of "
                f"`population_size` = {self.population_size}; raise `population_size` (up to {POPULATION_RANGE[1]})"
            )

    @property
    def n_patients(self) -> int:
        """Patients per trial (both arms)."""
        return self.n_control + self.n_treatment

    @property
    def max_patients(self) -> int:
        """The most patients one trial may recruit: a tenth of the population (`MAX_TRIAL_SHARE`)."""
        return int(self.population_size * MAX_TRIAL_SHARE)

    @property
    def population_spec(self) -> PopulationSpec:
        """The virtual population the trial recruits from."""
        return PopulationSpec(scenario=self.scenario, assumptions=self.assumptions, spread=self.spread)

    def with_patients(self, total: int) -> TrialDesign:
        """The same design with `total` patients, split between the arms in this design's ratio."""
        if isinstance(total, int | np.integer) and not isinstance(total, bool) and total > self.max_patients:
            raise ParameterError(
                f"`n_patients` = {total} must be at most {self.max_patients}, a tenth of `population_size` = "
                f"{self.population_size}; raise `population_size` (up to {POPULATION_RANGE[1]})"
            )
        total = _whole("n_patients", total, 2 if self.kind == "before_after" else 4, self.max_patients)
        if self.kind == "before_after":
            return dataclasses.replace(self, n_treatment=total)
        treated = min(total - 2, max(2, round(total * self.n_treatment / self.n_patients)))
        return dataclasses.replace(self, n_control=total - treated, n_treatment=treated)

    def describe(self) -> str:
        """One line saying what the trial does."""
        arms = "; ".join(i.describe() for i in self.treatment) or "no intervention"
        base = "; ".join(i.describe() for i in self.control) or "no intervention"
        noise = f"; measurement noise SD {self.noise:g}" if self.noise else ""
        enrol = f"; enrolled if measured index >= {self.enrol_above:g}" if self.enrol_above is not None else ""
        if self.kind == "before_after":
            size = f"{self.n_treatment} treated patients (before/after, no control arm)"
        else:
            size = f"{self.n_treatment} treated vs {self.n_control} control patients"
        return (
            f"{size}; treatment: {arms}; control: {base}; endpoint {self.endpoint}; {self.days:g} days; "
            f"{self.scenario}, assumptions {self.assumptions}, spread {self.spread:g}{noise}{enrol}"
        )


def study_like(key: str, **changes: Any) -> TrialDesign:
    """A design with the arm sizes of a registry study (`model.evidence.STUDIES[key]`).

    The arm whose name mentions placebo, standard or control is the control arm; the other is
    the treatment arm. `changes` override any other field, e.g. ``study_like("deng2017",
    assumptions="durable_treg")``.
    """
    from ..evidence import STUDIES

    if key not in STUDIES:
        raise ParameterError(f"`study` = {key!r} is not in the registry; known: {', '.join(sorted(STUDIES))}")
    arms = dict(STUDIES[key].arms)
    control = [name for name in arms if any(word in name.lower() for word in ("placebo", "standard", "control"))]
    if len(arms) != 2 or len(control) != 1:
        raise ParameterError(f"`study` = {key!r} does not have one treatment arm and one control arm")
    (treated,) = (name for name in arms if name != control[0])
    return TrialDesign(**{"n_control": arms[control[0]], "n_treatment": arms[treated], **changes})


#: Ready-made designs for the app and the command line, with a plain description each.
PRESETS: dict[str, str] = {
    "deng_like": "Deng-like: the arm sizes of the double-blind trial deng2017, MSC on top of standard therapy",
    "two_by_fifty": "A larger trial: 50 patients per arm, MSC on top of standard therapy",
    "before_after": "Uncontrolled before/after: 30 patients enrolled for a high measured index, all given MSC",
}


def preset(name: str, **changes: Any) -> TrialDesign:
    """The ready-made design `name` (`PRESETS`), with `changes` to any field.

    "before_after" enrols patients whose measured index is at least 1.4 (about a third of the
    default population) with measurement noise of SD 0.3, so regression to the mean is visible; its
    endpoint is the change in the index.
    """
    name = _choice("preset", name, PRESETS)
    if name == "deng_like":
        return study_like("deng2017", **changes)
    if name == "two_by_fifty":
        return TrialDesign(**{"n_control": 50, "n_treatment": 50, **changes})
    fields = {"kind": "before_after", "n_control": 0, "n_treatment": 30, "endpoint": "activity_change"}
    return TrialDesign(**{**fields, "noise": 0.3, "enrol_above": 1.4, **changes})


# ----------------------------------------------------------------------------- the population


@dataclasses.dataclass(frozen=True, eq=False)
class PotentialOutcomes:
    """Every patient of a design's population under both arms (true toy activity index, no noise).

    Attributes:
        baseline: index at day 0 (before any intervention), one per patient.
        control: index at the end under the control interventions.
        treatment: index at the end under the treatment interventions.
        dropped: patients left out because a solve failed in either arm.
    """

    baseline: np.ndarray
    control: np.ndarray
    treatment: np.ndarray
    dropped: int

    def __len__(self) -> int:
        return len(self.baseline)


_CACHE_LOCK = threading.Lock()


@functools.lru_cache(maxsize=8)
def _population(spec: PopulationSpec, size: int, seed: int) -> VirtualPopulation:
    return draw_population(spec, n=size, seed=seed)


def _course(
    population: VirtualPopulation, interventions: tuple[Intervention, ...], days: float, executor: Executor | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(baseline index, final index, failed) of every patient of `population` under `interventions`."""
    batch = population.simulate(interventions, days=days, t_eval=[0.0, days], keep_states=True, executor=executor)
    activity = batch.activity
    return activity[:, 0], activity[:, -1], np.asarray(batch.failed, dtype=bool)


_ARMS: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
_ARMS_SIZE = 16


def _arm(design: TrialDesign, interventions: tuple[Intervention, ...], executor: Executor | None) -> Any:
    key = (design.population_spec, design.population_size, design.population_seed, interventions, design.days)
    with _CACHE_LOCK:
        if key in _ARMS:
            return _ARMS[key]
    population = _population(design.population_spec, design.population_size, design.population_seed)
    value = _course(population, interventions, design.days, executor)
    with _CACHE_LOCK:
        if len(_ARMS) >= _ARMS_SIZE:
            _ARMS.pop(next(iter(_ARMS)))
        _ARMS[key] = value
    return value


def potential_outcomes(design: TrialDesign, *, executor: Executor | None = None) -> PotentialOutcomes:
    """The design's population simulated under both arms (cached per population, arm and follow-up).

    Costs one untreated screening draw plus two vectorised batches of `population_size` runs (one
    when the arms are identical); `executor` spreads the batches over its workers.
    """
    base, control, bad_c = _arm(design, design.control, executor)
    _, treatment, bad_t = _arm(design, design.treatment, executor)
    ok = ~(bad_c | bad_t)
    return PotentialOutcomes(base[ok], control[ok], treatment[ok], int((~ok).sum()))


def _below(threshold: float, values: np.ndarray, noise: float) -> np.ndarray:
    """Probability that a measurement of `values` (SD `noise`) falls below `threshold`."""
    if noise == 0:
        return (values < threshold).astype(float)
    from scipy.special import ndtr

    return ndtr((threshold - values) / noise)


def _enrolment_weight(design: TrialDesign, baseline: np.ndarray) -> np.ndarray:
    """Probability that each patient is enrolled (measured baseline at least `enrol_above`)."""
    if design.enrol_above is None:
        return np.ones_like(baseline)
    if design.noise == 0:
        return (baseline >= design.enrol_above).astype(float)
    return 1.0 - _below(design.enrol_above, baseline, design.noise)


def _true_difference(design: TrialDesign, po: PotentialOutcomes) -> float:
    weight = _enrolment_weight(design, po.baseline)
    if weight.sum() == 0:
        raise ParameterError(f"`enrol_above` = {design.enrol_above!r}: no patient of the population would be enrolled")
    if design.endpoint == "remission_at_end":
        effect = _below(REMISSION_THRESHOLD, po.treatment, design.noise) - _below(
            REMISSION_THRESHOLD, po.control, design.noise
        )
    else:  # the baseline measurement is common to both potential outcomes and cancels
        effect = po.treatment - po.control
    return float(np.sum(weight * effect) / np.sum(weight))


# ----------------------------------------------------------------------------- statistics


class _Estimates(NamedTuple):
    difference: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray


def _proportions(control: np.ndarray, treatment: np.ndarray) -> _Estimates:
    """Newcombe's hybrid score interval and Fisher's exact test, once per distinct pair of counts."""
    from scipy.stats import fisher_exact

    from ..evidence import newcombe_interval

    n_c, n_t = control.shape[1], treatment.shape[1]
    counts = np.stack([treatment.sum(axis=1), control.sum(axis=1)], axis=1)
    pairs, inverse = np.unique(counts, axis=0, return_inverse=True)
    rows = []
    for a, b in pairs.tolist():
        diff, low, high = newcombe_interval(a, n_t, b, n_c, CONFIDENCE)
        p = fisher_exact([[a, n_t - a], [b, n_c - b]]).pvalue
        rows.append((diff, low, high, p))
    table = np.asarray(rows, dtype=float)[np.ravel(inverse)]
    return _Estimates(*table.T)


def _degenerate(diff: np.ndarray, se: np.ndarray, low: Any, high: Any, p: Any) -> _Estimates:
    """Where every measurement of a trial is equal (standard error 0): interval [d, d], p 1 if d = 0 else 0."""
    flat = se == 0
    low = np.where(flat, diff, low)
    high = np.where(flat, diff, high)
    p = np.where(flat, np.where(diff == 0, 1.0, 0.0), p)
    return _Estimates(diff, low, high, p)


def _means(control: np.ndarray, treatment: np.ndarray) -> _Estimates:
    """Welch's t-test and interval for the difference of means, treatment minus control."""
    from scipy.stats import ttest_ind

    diff = treatment.mean(axis=1) - control.mean(axis=1)
    se = np.sqrt(treatment.var(axis=1, ddof=1) / treatment.shape[1] + control.var(axis=1, ddof=1) / control.shape[1])
    with np.errstate(invalid="ignore", divide="ignore"):
        test = ttest_ind(treatment, control, axis=1, equal_var=False)
        ci = test.confidence_interval(CONFIDENCE)
    return _degenerate(diff, se, ci.low, ci.high, test.pvalue)


def _changes(changes: np.ndarray) -> _Estimates:
    """One-sample t-test and interval for the mean change (before/after)."""
    from scipy.stats import ttest_1samp

    diff = changes.mean(axis=1)
    se = changes.std(axis=1, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        test = ttest_1samp(changes, 0.0, axis=1)
        ci = test.confidence_interval(CONFIDENCE)
    return _degenerate(diff, se, ci.low, ci.high, test.pvalue)


def _test_name(design: TrialDesign) -> str:
    if design.kind == "before_after":
        return "one-sample t-test on the changes (before/after)"
    return "Fisher's exact test" if design.endpoint == "remission_at_end" else "Welch's t-test"


# ----------------------------------------------------------------------------- trials


class _Measured(NamedTuple):
    """Measurements of a batch of trials, shape (trial, patient) per arm."""

    baseline_c: np.ndarray
    final_c: np.ndarray
    baseline_t: np.ndarray
    final_t: np.ndarray


def _endpoint(design: TrialDesign, baseline: np.ndarray, final: np.ndarray) -> np.ndarray:
    if design.endpoint == "remission_at_end":
        return final < REMISSION_THRESHOLD
    return final - baseline


def _estimate(design: TrialDesign, measured: _Measured) -> _Estimates:
    control = _endpoint(design, measured.baseline_c, measured.final_c)
    treatment = _endpoint(design, measured.baseline_t, measured.final_t)
    if design.kind == "before_after":
        return _changes(treatment)
    if design.endpoint == "remission_at_end":
        return _proportions(control, treatment)
    return _means(control, treatment)


def _recruit(design: TrialDesign, baseline: np.ndarray, n_trials: int, rng: np.random.Generator) -> Any:
    """Patients (trial, recruit) in random recruitment order, and their measured baselines."""
    size, m = len(baseline), design.n_patients
    keys = rng.random((n_trials, size))
    if design.enrol_above is None:
        chosen = np.argpartition(keys, m - 1, axis=1)[:, :m]
        order = np.take_along_axis(chosen, np.argsort(np.take_along_axis(keys, chosen, 1), axis=1), 1)
        return order, baseline[order] + design.noise * rng.standard_normal(order.shape)
    order = np.argsort(keys, axis=1)
    measured = baseline[order] + design.noise * rng.standard_normal(order.shape)
    enrolled = measured >= design.enrol_above
    short = int(np.min(enrolled.sum(axis=1)))
    if short < m:
        raise ParameterError(
            f"`enrol_above` = {design.enrol_above:g}: only {short} of {size} virtual patients were enrolled in a "
            f"trial that needs {m}; lower `enrol_above` or raise `population_size`"
        )
    take = enrolled & (np.cumsum(enrolled, axis=1) <= m)
    return order[take].reshape(n_trials, m), measured[take].reshape(n_trials, m)


def _from_population(design: TrialDesign, po: PotentialOutcomes, n_trials: int, rng: np.random.Generator) -> Any:
    """Recruit, allocate and measure `n_trials` trials from the potential outcomes."""
    patients, baseline = _recruit(design, po.baseline, n_trials, rng)
    n_c = design.n_control
    final_c = po.control[patients[:, :n_c]] + design.noise * rng.standard_normal((n_trials, n_c))
    final_t = po.treatment[patients[:, n_c:]] + design.noise * rng.standard_normal((n_trials, design.n_treatment))
    return patients, _Measured(baseline[:, :n_c], final_c, baseline[:, n_c:], final_t)


def _fresh_part(design: TrialDesign, n_trials: int, seed: int, enrol_rate: float) -> _Measured:
    """`n_trials` trials of newly drawn patients, each simulated only under its own arm."""
    rng = np.random.default_rng(seed)
    arms = {"control": design.control, "treatment": design.treatment}
    need = {"control": n_trials * design.n_control, "treatment": n_trials * design.n_treatment}
    empty = (np.empty(0), np.empty(0))
    kept: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {arm: [empty] for arm in arms}
    for _ in range(20):
        missing = {arm: need[arm] - sum(len(b) for b, _ in kept[arm]) for arm in arms}
        if not any(v > 0 for v in missing.values()):
            break
        sizes = {arm: math.ceil(v / enrol_rate * 1.1) + 4 if v > 0 else 0 for arm, v in missing.items()}
        population = draw_population(design.population_spec, n=sum(sizes.values()), seed=int(rng.integers(2**32)))
        start = 0
        for arm, size in sizes.items():
            part = dataclasses.replace(population, params=population.params.iloc[start : start + size])
            start += size
            if size == 0:
                continue
            base, final, failed = _course(part, arms[arm], design.days, None)
            measured = base + design.noise * rng.standard_normal(size)
            keep = ~failed if design.enrol_above is None else ~failed & (measured >= design.enrol_above)
            kept[arm].append((measured[keep], final[keep]))
    else:
        raise ParameterError(f"`enrol_above` = {design.enrol_above!r}: too few new patients could be enrolled")
    shaped = {}
    for arm, parts in kept.items():
        base = np.concatenate([b for b, _ in parts])[: need[arm]].reshape(n_trials, -1)
        final = np.concatenate([f for _, f in parts])[: need[arm]].reshape(n_trials, -1)
        shaped[arm] = (base, final + design.noise * rng.standard_normal(final.shape))
    return _Measured(*shaped["control"], *shaped["treatment"])


def _fresh(design: TrialDesign, po: PotentialOutcomes, n_trials: int, seed: int, executor: Executor | None) -> Any:
    rate = float(np.mean(_enrolment_weight(design, po.baseline)))
    parts = -(-n_trials // FRESH_TRIALS_PER_PART)
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(parts)]
    sizes = [min(FRESH_TRIALS_PER_PART, n_trials - k * FRESH_TRIALS_PER_PART) for k in range(parts)]
    jobs = list(zip(sizes, seeds, strict=True))
    if executor is None:
        results = [_fresh_part(design, n, s, rate) for n, s in jobs]
    else:
        results = [f.result() for f in [executor.submit(_fresh_part, design, n, s, rate) for n, s in jobs]]
    return _Measured(*(np.concatenate(arrays) for arrays in zip(*results, strict=True)))


def _check_trials(n_trials: Any) -> int:
    return _whole("n_trials", n_trials, 1, 1_000_000)


def _table(estimates: _Estimates) -> pd.DataFrame:
    import pandas as pd

    table = pd.DataFrame(estimates._asdict())
    table["significant"] = table["p_value"] < ALPHA
    table.index.name = "trial"
    return table


def replicate(
    design: TrialDesign,
    n_trials: int = 1000,
    seed: int = 0,
    *,
    fresh: bool = False,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """`n_trials` independent virtual trials of `design` (seeded; illustrative, not predictive).

    Returns one row per trial (index `trial`): `difference` (treatment minus control: a share for
    remission, index units for the change; the mean change for before/after), `ci_low`, `ci_high`
    (95 %), `p_value` and `significant` (p < `ALPHA`). `attrs` hold `true_difference`, the test, the
    design and the disclaimer. With `fresh`, every trial simulates new patients (see the module
    docstring); otherwise trials recruit from the design's simulated population.
    """
    n_trials = _check_trials(n_trials)
    po = potential_outcomes(design, executor=executor)
    if fresh:
        measured = _fresh(design, po, n_trials, seed, executor)
    else:
        _, measured = _from_population(design, po, n_trials, np.random.default_rng(seed))
    table = _table(_estimate(design, measured))
    table.attrs.update(_attrs(design, po, seed, n_trials))
    return table


def _attrs(design: TrialDesign, po: PotentialOutcomes, seed: int, n_trials: int) -> dict[str, Any]:
    return {
        "disclaimer": DISCLAIMER,
        "true_difference": _true_difference(design, po),
        "test": _test_name(design),
        "design": design.describe(),
        "seed": seed,
        "n_trials": n_trials,
    }


@dataclasses.dataclass(frozen=True, eq=False)
class TrialResult:
    """One virtual trial (illustrative, not predictive, not medical advice).

    Attributes:
        design, seed: what was run.
        patients: one row per patient: `patient` (index in the population), `arm`, `baseline`
            (measured index at enrolment), `final` (measured index at the end), `remission`
            (measured), `change` (final minus baseline), and `true_baseline`, `true_final`.
        difference, ci_low, ci_high: the estimate (treatment minus control) with its 95 % interval.
        p_value, significant: the test's p-value and whether it is below `ALPHA`.
        true_difference: what the trial estimates, computed on the whole virtual population.
        test: which test and interval were used.
    """

    design: TrialDesign
    seed: int
    patients: pd.DataFrame
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    true_difference: float
    test: str

    @property
    def covers_truth(self) -> bool:
        """Whether the 95 % interval contains the true population difference."""
        return self.ci_low <= self.true_difference <= self.ci_high

    def describe(self) -> str:
        """The result in one plain paragraph, labelled illustrative."""
        scale, unit = (100.0, " percentage points") if self.design.endpoint == "remission_at_end" else (1.0, "")
        verdict = (
            "statistically significant"
            if self.significant
            else "not statistically significant (which is not the same as no effect)"
        )
        what = "mean change from baseline" if self.design.kind == "before_after" else "estimated difference"
        return (
            f"Virtual trial ({ILLUSTRATIVE}): {what} {scale * self.difference:+.2f}{unit} "
            f"(95 % CI {scale * self.ci_low:+.2f} to {scale * self.ci_high:+.2f}); {self.test}, "
            f"p = {self.p_value:.3g}: {verdict}. True difference in the model's population: "
            f"{scale * self.true_difference:+.2f}{unit}."
        )


def run(design: TrialDesign, seed: int = 0, *, executor: Executor | None = None) -> TrialResult:
    """One virtual trial of `design` (the first trial of `replicate(design, n, seed)`)."""
    import pandas as pd

    po = potential_outcomes(design, executor=executor)
    patients, measured = _from_population(design, po, 1, np.random.default_rng(seed))
    estimates = _estimate(design, measured)
    n_c = design.n_control
    arm = np.where(np.arange(design.n_patients) < n_c, "control", "treatment")
    index = patients[0]
    truth = np.concatenate([po.control[index[:n_c]], po.treatment[index[n_c:]]])
    baseline = np.concatenate([measured.baseline_c[0], measured.baseline_t[0]])
    final = np.concatenate([measured.final_c[0], measured.final_t[0]])
    table = pd.DataFrame(
        {
            "patient": index,
            "arm": arm,
            "baseline": baseline,
            "final": final,
            "remission": final < REMISSION_THRESHOLD,
            "change": final - baseline,
            "true_baseline": po.baseline[index],
            "true_final": truth,
        }
    )
    table.attrs.update(_attrs(design, po, seed, 1))
    first = [float(column[0]) for column in estimates]
    return TrialResult(
        design=design,
        seed=seed,
        patients=table,
        difference=first[0],
        ci_low=first[1],
        ci_high=first[2],
        p_value=first[3],
        significant=first[3] < ALPHA,
        true_difference=table.attrs["true_difference"],
        test=table.attrs["test"],
    )


def summarise(table: pd.DataFrame) -> dict[str, float]:
    """What a set of replicate trials shows: share significant (with Wilson 95 % interval), coverage
    of the true difference by the intervals, mean estimate, and the true difference."""
    from ..evidence import wilson_interval

    n = len(table)
    hits = int(table["significant"].sum())
    truth = float(table.attrs["true_difference"])
    covered = (table["ci_low"] <= truth) & (truth <= table["ci_high"])
    low, high = wilson_interval(hits, n, CONFIDENCE)
    return {
        "n_trials": n,
        "share_significant": hits / n,
        "share_significant_low": low,
        "share_significant_high": high,
        "coverage": float(covered.mean()),
        "mean_difference": float(table["difference"].mean()),
        "true_difference": truth,
    }


def power(
    design: TrialDesign,
    n_values: Sequence[int],
    n_trials: int = 1000,
    seed: int = 0,
    *,
    fresh: bool = False,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """The share of significant trials (power, or the false-positive rate when there is no effect)
    for each total number of patients in `n_values`, arms split in the design's ratio.

    One row per size: `n_patients`, `n_control`, `n_treatment`, `power` with its Wilson 95 %
    interval (`power_low`, `power_high`), `coverage`, `mean_difference`, `true_difference`.
    """
    import pandas as pd

    sizes = [design.with_patients(n) for n in n_values]
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    rows = []
    for k, (sized, child) in enumerate(zip(sizes, seeds, strict=True)):
        table = replicate(sized, n_trials, int(child.generate_state(1)[0]), fresh=fresh, executor=executor)
        s = summarise(table)
        rows.append(
            {
                "n_patients": sized.n_patients,
                "n_control": sized.n_control,
                "n_treatment": sized.n_treatment,
                "power": s["share_significant"],
                "power_low": s["share_significant_low"],
                "power_high": s["share_significant_high"],
                "coverage": s["coverage"],
                "mean_difference": s["mean_difference"],
                "true_difference": s["true_difference"],
            }
        )
        if progress is not None:
            progress(k + 1, len(sizes))
    curve = pd.DataFrame(rows)
    curve.attrs.update(disclaimer=DISCLAIMER, design=design.describe(), seed=seed, n_trials=n_trials)
    return curve
