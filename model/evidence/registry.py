"""The study registry: typed, frozen records loaded and validated from `studies.toml` and `claims.toml`.

Every trial or laboratory fact the docs and the app show is read from these records; nothing is typed
into a page. Loading checks every field and stops with an error naming the study key and the field.
Illustrative teaching material, not predictive, not medical advice.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

from ..core.errors import ModelError

#: Study designs, from most to least direct evidence about patients.
DESIGNS: tuple[str, ...] = (
    "double-blind RCT",
    "open RCT",
    "meta-analysis",
    "single-arm series",
    "registry",
    "case report",
    "animal",
    "in vitro",
)
#: GRADE-style certainty grades, highest first.
CERTAINTIES: tuple[str, ...] = ("high", "moderate", "low", "very low")
#: Where the study was done.
SETTINGS: tuple[str, ...] = ("clinical", "in vivo", "in vitro")
#: Whether the population was refractory, newly diagnosed, mixed, or the question does not apply.
STATUSES: tuple[str, ...] = ("refractory", "newly diagnosed", "mixed", "not applicable")
#: Designs that study animals or cells, not patients: always labelled as such where cited.
PRECLINICAL: frozenset[str] = frozenset({"animal", "in vitro"})

_KEY = re.compile(r"^[a-z][a-z-]*\d{4}[a-z]?$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_PMID = re.compile(r"^\d{6,9}$")


class RegistryError(ModelError, ValueError):
    """The registry file is invalid; the message names the study key and the field."""


@dataclasses.dataclass(frozen=True)
class Population:
    """Who was studied: disease, stage, and whether refractory or newly diagnosed."""

    disease: str
    stage: str
    status: str


@dataclasses.dataclass(frozen=True)
class Outcome:
    """One outcome as published (`text`), with counts or a published estimate where there are numbers to plot."""

    name: str
    text: str
    events: tuple[int, ...] = ()
    totals: tuple[int, ...] = ()
    arm_labels: tuple[str, ...] = ()
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    measure: str = ""
    forest: bool = False

    @property
    def has_counts(self) -> bool:
        return bool(self.totals)


@dataclasses.dataclass(frozen=True)
class Study:
    """One study of the registry (see `studies.toml` for the meaning of each field)."""

    key: str
    citation: str
    authors: str
    title: str
    year: int
    journal: str
    doi: str
    pmid: str
    registration: str
    therapy: str
    design: str
    design_note: str
    species: str
    setting: str
    population: Population
    arms: Mapping[str, int]
    intervention: str
    comparator: str
    follow_up: str
    adverse_events: str
    funding: str
    certainty: str
    certainty_reason: str
    verified: str
    outcomes: tuple[Outcome, ...]

    @property
    def preclinical(self) -> bool:
        """An animal or in-vitro study (says nothing directly about patients)."""
        return self.design in PRECLINICAL

    @property
    def label(self) -> str:
        """Species and setting, e.g. `mouse, in vivo`; empty for clinical studies."""
        return f"{self.species}, {self.setting}" if self.preclinical else ""

    @property
    def n_total(self) -> int:
        """Sum of the arm sizes (0 where the abstract gives none)."""
        return sum(self.arms.values())

    @property
    def url(self) -> str:
        """The DOI link, else the PubMed link."""
        return f"https://doi.org/{self.doi}" if self.doi else f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"

    def outcome(self, name: str) -> Outcome:
        """The outcome called `name`; KeyError naming the valid ones otherwise."""
        for outcome in self.outcomes:
            if outcome.name == name:
                return outcome
        raise KeyError(f"{self.key}: no outcome {name!r}; outcomes are {[o.name for o in self.outcomes]}")


@dataclasses.dataclass(frozen=True)
class Claim:
    """A promotional claim: the studies that support and that contradict or limit it, certainty, population."""

    key: str
    claim: str
    verdict: str
    supports: tuple[str, ...]
    contradicts: tuple[str, ...]
    certainty: str
    population: str


@dataclasses.dataclass(frozen=True)
class RegisteredTrial:
    """A registered trial without published results (no DOI or PMID, so never cited as a study)."""

    key: str
    name: str
    registration: str
    design: str
    population: str
    intervention: str
    planned: int
    status: str


def _fail(key: str, field: str, problem: str) -> RegistryError:
    return RegistryError(f"study registry: [{key}] field `{field}`: {problem}")


def _text(raw: Mapping[str, Any], key: str, field: str, *, required: bool = True, where: str = "") -> str:
    """The text field `field` of `raw`; errors name it as `where` (default: the field name)."""
    value = raw.get(field, "")
    name = where or field
    if not isinstance(value, str):
        raise _fail(key, name, f"must be text, got {type(value).__name__}")
    if required and not value.strip():
        raise _fail(key, name, "is missing or empty")
    return value.strip()


def _choice(raw: Mapping[str, Any], key: str, field: str, choices: tuple[str, ...], where: str = "") -> str:
    value = _text(raw, key, field, where=where)
    if value not in choices:
        raise _fail(key, where or field, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _outcome(raw: Mapping[str, Any], key: str, index: int) -> Outcome:
    where = f"outcomes[{index}]"
    if not isinstance(raw, Mapping):
        raise _fail(key, where, "must be a table")
    name = _text(raw, key, "name", where=f"{where}.name")
    text = _text(raw, key, "text", where=f"{where}.text")
    events = tuple(raw.get("events", ()))
    totals = tuple(raw.get("totals", ()))
    labels = tuple(raw.get("arm_labels", ()))
    if len(events) != len(totals) or (totals and len(labels) != len(totals)):
        raise _fail(key, f"{where}.events", "events, totals and arm_labels must have the same length")
    if len(totals) > 2:
        raise _fail(key, f"{where}.totals", "at most two arms")
    for e, n in zip(events, totals, strict=True):
        if not (isinstance(e, int) and isinstance(n, int) and 0 <= e <= n and n > 0):
            raise _fail(key, f"{where}.events", f"counts must be integers with 0 <= events <= totals, got {e}/{n}")
    estimate, low, high = raw.get("estimate"), raw.get("ci_low"), raw.get("ci_high")
    numbers = [v for v in (estimate, low, high) if v is not None]
    if numbers and len(numbers) != 3:
        raise _fail(key, f"{where}.estimate", "estimate, ci_low and ci_high go together")
    if numbers:
        if not all(isinstance(v, int | float) for v in numbers):
            raise _fail(key, f"{where}.estimate", "estimate and interval must be numbers")
        if not low <= estimate <= high:  # type: ignore[operator]
            raise _fail(key, f"{where}.ci_low", f"interval ({low}, {high}) must contain the estimate {estimate}")
        if not isinstance(raw.get("measure"), str) or not raw["measure"]:
            raise _fail(key, f"{where}.measure", "a published estimate needs its measure")
    forest = bool(raw.get("forest", False))
    if forest and not (len(totals) == 2 or numbers):
        raise _fail(key, f"{where}.forest", "a forest outcome needs two arms of counts or a published estimate")
    return Outcome(
        name=name,
        text=text.strip(),
        events=events,
        totals=totals,
        arm_labels=labels,
        estimate=None if estimate is None else float(estimate),
        ci_low=None if low is None else float(low),
        ci_high=None if high is None else float(high),
        measure=str(raw.get("measure", "")),
        forest=forest,
    )


def _study(key: str, raw: Any) -> Study:
    if not _KEY.match(key):
        raise _fail(key, "key", "must be a lower-case surname followed by the year, e.g. deng2017")
    if not isinstance(raw, Mapping):
        raise _fail(key, "key", "must be a table")
    doi = _text(raw, key, "doi", required=False)
    pmid = _text(raw, key, "pmid", required=False)
    if not doi and not pmid:
        raise _fail(key, "doi", "a study needs a DOI or a PMID (or both)")
    if doi and not _DOI.match(doi):
        raise _fail(key, "doi", f"{doi!r} is not a DOI (10.xxxx/...)")
    if pmid and not _PMID.match(pmid):
        raise _fail(key, "pmid", f"{pmid!r} is not a PubMed identifier")
    year = raw.get("year")
    if not isinstance(year, int) or not 1950 <= year <= 2100:
        raise _fail(key, "year", f"must be a year, got {year!r}")
    if str(year) not in key:
        raise _fail(key, "year", f"{year} does not match the key")
    citation = _text(raw, key, "citation")
    if str(year) not in citation:
        raise _fail(key, "citation", f"{citation!r} must end with the year {year}")
    pop = raw.get("population")
    if not isinstance(pop, Mapping):
        raise _fail(key, "population", "must be a table {disease, stage, status}")
    population = Population(
        disease=_text(pop, key, "disease", where="population.disease"),
        stage=_text(pop, key, "stage", where="population.stage"),
        status=_choice(pop, key, "status", STATUSES, where="population.status"),
    )
    arms = raw.get("arms")
    if not isinstance(arms, Mapping) or not arms:
        raise _fail(key, "arms", "must be a table {arm label = number of participants}")
    for label, n in arms.items():
        if not isinstance(n, int) or n < 0:
            raise _fail(key, "arms", f"arm {label!r} must have a whole number of participants (0 = not stated)")
    outcomes_raw = raw.get("outcomes")
    if not isinstance(outcomes_raw, list) or not outcomes_raw:
        raise _fail(key, "outcomes", "at least one outcome is required")
    outcomes = tuple(_outcome(o, key, i) for i, o in enumerate(outcomes_raw))
    names = [o.name for o in outcomes]
    if len(set(names)) != len(names):
        raise _fail(key, "outcomes", f"outcome names must be unique, got {names}")
    design = _choice(raw, key, "design", DESIGNS)
    setting = _choice(raw, key, "setting", SETTINGS)
    if design in PRECLINICAL and setting == "clinical":
        raise _fail(key, "setting", f"an {design} study cannot have a clinical setting")
    if design == "in vitro" and setting != "in vitro":
        raise _fail(key, "setting", "an in vitro study has the setting `in vitro`")
    known = {f.name for f in dataclasses.fields(Study)} - {"key"}
    unknown = set(raw) - known
    if unknown:
        raise _fail(key, sorted(unknown)[0], f"unknown field; fields are {', '.join(sorted(known))}")
    return Study(
        key=key,
        citation=citation,
        authors=_text(raw, key, "authors"),
        title=_text(raw, key, "title"),
        year=year,
        journal=_text(raw, key, "journal"),
        doi=doi,
        pmid=pmid,
        registration=_text(raw, key, "registration", required=False),
        therapy=_text(raw, key, "therapy"),
        design=design,
        design_note=_text(raw, key, "design_note", required=False),
        species=_text(raw, key, "species"),
        setting=setting,
        population=population,
        arms=MappingProxyType(dict(arms)),
        intervention=_text(raw, key, "intervention"),
        comparator=_text(raw, key, "comparator"),
        follow_up=_text(raw, key, "follow_up"),
        adverse_events=_text(raw, key, "adverse_events"),
        funding=_text(raw, key, "funding"),
        certainty=_choice(raw, key, "certainty", CERTAINTIES),
        certainty_reason=_text(raw, key, "certainty_reason"),
        verified=_text(raw, key, "verified"),
        outcomes=outcomes,
    )


def parse_studies(data: Mapping[str, Any]) -> dict[str, Study]:
    """Validate the `[studies.*]` tables of a parsed registry file; RegistryError names key and field."""
    studies = data.get("studies")
    if not isinstance(studies, Mapping) or not studies:
        raise RegistryError("study registry: no [studies.KEY] tables found")
    return {key: _study(key, raw) for key, raw in studies.items()}


def parse_registered(data: Mapping[str, Any]) -> dict[str, RegisteredTrial]:
    """The `[registered.*]` tables: trials without published results."""
    out = {}
    for key, raw in data.get("registered", {}).items():
        fields = {f.name for f in dataclasses.fields(RegisteredTrial)} - {"key"}
        missing = fields - set(raw)
        if missing:
            raise _fail(key, sorted(missing)[0], "is missing")
        out[key] = RegisteredTrial(key=key, **{f: raw[f] for f in fields})
    return out


def parse_claims(data: Mapping[str, Any], studies: Mapping[str, Study]) -> tuple[Claim, ...]:
    """The `[[claims]]` of `claims.toml`; every key they name must be a registry study."""
    claims = []
    for i, raw in enumerate(data.get("claims", ())):
        key = str(raw.get("key", f"claims[{i}]"))
        for field in ("supports", "contradicts"):
            for study in raw.get(field, ()):
                if study not in studies:
                    raise _fail(key, field, f"{study!r} is not a registry study")
        certainty = _choice(raw, key, "certainty", CERTAINTIES)
        claims.append(
            Claim(
                key=key,
                claim=_text(raw, key, "claim"),
                verdict=_text(raw, key, "verdict"),
                supports=tuple(raw.get("supports", ())),
                contradicts=tuple(raw.get("contradicts", ())),
                certainty=certainty,
                population=_text(raw, key, "population"),
            )
        )
    return tuple(claims)


def _read(name: str) -> dict[str, Any]:
    with resources.files(__package__).joinpath(name).open("rb") as handle:
        return tomllib.load(handle)


def load() -> tuple[dict[str, Study], tuple[Claim, ...], dict[str, RegisteredTrial]]:
    """Load and validate the package's registry files."""
    data = _read("studies.toml")
    studies = parse_studies(data)
    return studies, parse_claims(_read("claims.toml"), studies), parse_registered(data)
