"""The study registry (`model.evidence`) and the pages that render it, as a specification.

The registry file validates, holds at least 30 studies, each with a DOI or PMID; a broken record is
refused with a message naming the key and the field; every citation key in the docs and the app
resolves to a record; no page types a number the registry holds next to a study; intervals shown are
the ones recomputed from the counts; every animal or in-vitro study is labelled as such wherever it is
cited; parameter and intervention provenance is honest. Illustrative teaching material, not medical advice.
"""

from __future__ import annotations

import copy
import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

import model
from model import evidence
from model.evidence import STUDIES, RegistryError, newcombe_interval, parse_studies, wilson_interval

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REGISTRY_FILE = ROOT / "model" / "evidence" / "studies.toml"
DOC_PAGES = sorted(p for p in DOCS.rglob("*.md") if "_hooks" not in p.parts)
APP_FILES = [*sorted((ROOT / "app_pages").glob("*.py")), ROOT / "app.py"]
FOOTNOTE = re.compile(r"\[\^([\w-]+)\]")
MARKER_KEY = re.compile(r"<!--\s*evidence:(?:study|outcome|diff|prop|field|cite)\s+([\w-]+)")
APP_KEY = re.compile(r"""(?:STUDIES\[|_cite\(|_outcome\()\s*["']([\w-]+)["']""")
PERCENT = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s?%")
N_OF_M = re.compile(r"\b(\d+) (?:of|/) (\d+)\b")
PRECLINICAL_WORDS = ("mouse", "mice", "rat", "in vitro", "animal", "cells in culture")


def load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("evidence_hook", DOCS / "_hooks" / "evidence.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOOK = load_hook()


def rendered(page: Path) -> str:
    return HOOK.render(page.read_text(encoding="utf-8"), page.relative_to(DOCS).as_posix())


def blocks(text: str) -> list[str]:
    """Paragraphs of a Markdown page; each table row counts as its own block."""
    out = []
    for para in re.split(r"\n\s*\n", text):
        lines = para.splitlines()
        if lines and all(line.lstrip().startswith("|") for line in lines):
            out += lines
        else:
            out.append(para)
    return out


def cited_keys(text: str) -> set[str]:
    return set(FOOTNOTE.findall(text)) | set(MARKER_KEY.findall(text))


# --- the registry file ------------------------------------------------------------------------------


def test_registry_file_validates_and_holds_at_least_30_studies() -> None:
    data = tomllib.loads(REGISTRY_FILE.read_text(encoding="utf-8"))
    assert len(parse_studies(data)) == len(STUDIES) >= 30


@pytest.mark.parametrize("key", sorted(STUDIES))
def test_every_study_has_doi_or_pmid_design_certainty_and_population(key: str) -> None:
    study = STUDIES[key]
    assert study.doi or study.pmid
    assert study.design in evidence.DESIGNS and study.certainty in evidence.CERTAINTIES
    assert study.certainty_reason and study.population.disease and study.population.status in evidence.STATUSES
    assert study.arms and study.outcomes and study.funding and study.adverse_events


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("design", "cohort", "design"),
        ("certainty", "medium", "certainty"),
        ("doi", "", "doi"),
        ("population", {"disease": "SLE", "stage": "active", "status": "sometimes"}, "population.status"),
        ("year", 1999, "year"),
    ],
)
def test_a_broken_record_is_refused_naming_key_and_field(field: str, value: object, named: str) -> None:
    data = tomllib.loads(REGISTRY_FILE.read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    broken["studies"]["deng2017"][field] = value
    if field == "doi":
        broken["studies"]["deng2017"].pop("pmid")
    with pytest.raises(RegistryError, match=rf"\[deng2017\] field `{re.escape(named)}`"):
        parse_studies(broken)


def test_a_broken_registry_is_a_user_error_like_the_other_project_errors() -> None:
    with pytest.raises(model.ModelError, match=re.escape("no [studies.KEY] tables")):
        parse_studies({})


def test_deng_2017_counts_and_population_are_as_published() -> None:
    deng = STUDIES["deng2017"]
    remission = deng.outcome("remission")
    assert remission.events == (9, 5) and remission.totals == (12, 6)
    assert deng.population.status == "newly diagnosed" and deng.design == "double-blind RCT"
    assert deng.registration == "NCT01539902"


def test_the_mis_le_trial_without_results_is_listed_but_not_a_citable_study() -> None:
    assert "NCT02633163" in {t.registration for t in evidence.REGISTERED.values()}
    assert all(s.registration != "NCT02633163" for s in STUDIES.values())


# --- intervals ------------------------------------------------------------------------------------


def test_newcombe_interval_reproduces_newcombe_1998_example() -> None:
    """Newcombe (1998), method 10, for 56/70 against 48/80: 0.0524 to 0.3339."""
    diff, low, high = newcombe_interval(56, 70, 48, 80)
    assert diff == pytest.approx(0.2)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_wilson_interval_reproduces_newcombe_1998_example() -> None:
    """Newcombe (1998), single proportion, 81/263: 0.2553 to 0.3662."""
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


def test_intervals_shown_in_the_docs_are_the_ones_recomputed_from_counts() -> None:
    text = "\n".join(rendered(page) for page in DOC_PAGES)
    diffs = re.findall(
        r"([+−-]?\d+) percentage points \(95 % CI ([+−-]?\d+) to ([+−-]?\d+); Newcombe hybrid score interval "
        r"computed here from (\d+)/(\d+) and (\d+)/(\d+)\)",
        text,
    )
    assert diffs, "the docs show at least one Newcombe interval"
    for shown in diffs:
        d, lo, hi = (int(v.replace("−", "-")) for v in shown[:3])
        e1, n1, e2, n2 = (int(v) for v in shown[3:])
        expected = [round(100 * v) for v in newcombe_interval(e1, n1, e2, n2)]
        assert [d, lo, hi] == expected
    props = re.findall(r"(\d+) of (\d+) \((\d+) %; 95 % CI (\d+) % to (\d+) %, Wilson", text)
    assert props, "the docs show at least one Wilson interval"
    for e, n, pct, lo, hi in props:
        low, high = wilson_interval(int(e), int(n))
        assert [int(pct), int(lo), int(hi)] == [round(100 * int(e) / int(n)), round(100 * low), round(100 * high)]


def test_deng_difference_interval_includes_both_benefit_and_harm() -> None:
    """What 12 against 6 patients cannot rule out: the interval spans zero widely on both sides."""
    diff, low, high = newcombe_interval(9, 12, 5, 6)
    assert low < -0.3 and high > 0.3 and low < diff < high


def test_forest_data_intervals_come_from_counts_or_are_marked_as_published() -> None:
    table = evidence.forest_data(STUDIES)
    assert {"deng2017", "rovin2012", "furie2025"} <= set(table["key"])
    for row in table.itertuples():
        outcome = next(o for o in STUDIES[row.key].outcomes if o.forest)
        if outcome.totals:
            expected = [100 * v for v in evidence.text.difference(outcome)]
            assert [row.difference, row.low, row.high] == pytest.approx(expected)
            assert row.source.startswith("computed here")
        else:
            assert row.source == "as published" and row.low <= row.difference <= row.high


# --- citations in docs and app ----------------------------------------------------------------------


@pytest.mark.parametrize("page", DOC_PAGES, ids=[p.relative_to(DOCS).as_posix() for p in DOC_PAGES])
def test_every_citation_key_in_the_docs_is_a_registry_study_with_doi_or_pmid(page: Path) -> None:
    for key in cited_keys(page.read_text(encoding="utf-8")):
        assert key in STUDIES, f"{page.name}: [^{key}] is not a registry key"
        assert STUDIES[key].doi or STUDIES[key].pmid


@pytest.mark.parametrize("path", APP_FILES, ids=[p.name for p in APP_FILES])
def test_every_citation_key_in_the_app_is_a_registry_study(path: Path) -> None:
    for key in APP_KEY.findall(path.read_text(encoding="utf-8")):
        assert key in STUDIES, f"{path.name}: {key!r} is not a registry key"


def test_the_evidence_page_lists_a_reference_for_every_study_it_cites() -> None:
    text = rendered(DOCS / "evidence.md")
    defined = set(re.findall(r"^\[\^([\w-]+)\]:", text, flags=re.MULTILINE))
    assert set(FOOTNOTE.findall(text)) == defined
    assert len(defined) >= 25


def test_an_unknown_citation_key_stops_the_build() -> None:
    with pytest.raises(Exception, match="not registry studies"):
        HOOK.render("A claim.[^nobody2099]\n", "claims.md")
    with pytest.raises(Exception, match="unknown study key"):
        HOOK.render("<!-- evidence:outcome nobody2099 remission -->\n", "claims.md")


# --- no typed trial numbers -------------------------------------------------------------------------


def _registry_numbers() -> tuple[set[str], set[tuple[str, str]]]:
    """Percentages and `n of m` pairs the registry holds in its outcomes and adverse events."""
    percents: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for study in STUDIES.values():
        texts = [o.text for o in study.outcomes] + [study.adverse_events]
        for text in texts:
            percents |= {p.rstrip("0").rstrip(".") for p in PERCENT.findall(text)}
            pairs |= set(N_OF_M.findall(text))
        for o in study.outcomes:
            pairs |= {(str(e), str(n)) for e, n in zip(o.events, o.totals, strict=True)}
    return percents, pairs


def _mentions_study(block: str) -> bool:
    if FOOTNOTE.search(block) or MARKER_KEY.search(block):
        return True
    names = {s.citation.split()[0].rstrip(",") for s in STUDIES.values()}
    return any(re.search(rf"\b{re.escape(name)}\b[^\n]{{0,20}}\b(19|20)\d\d", block) for name in names)


def _typed_numbers(text: str) -> list[str]:
    percents, pairs = _registry_numbers()
    found = []
    for block in blocks(text):
        if not _mentions_study(block):
            continue
        plain = re.sub(r"<!--.*?-->", "", block)
        found += [f"{p} %" for p in PERCENT.findall(plain) if p.rstrip("0").rstrip(".") in percents]
        found += [f"{e} of {n}" for e, n in N_OF_M.findall(plain) if (e, n) in pairs]
    return found


@pytest.mark.parametrize("page", DOC_PAGES, ids=[p.relative_to(DOCS).as_posix() for p in DOC_PAGES])
def test_no_doc_page_types_a_number_the_registry_holds(page: Path) -> None:
    assert _typed_numbers(page.read_text(encoding="utf-8")) == [], f"{page.name}: use an evidence marker instead"


@pytest.mark.parametrize("path", APP_FILES, ids=[p.name for p in APP_FILES])
def test_no_app_page_types_a_number_the_registry_holds(path: Path) -> None:
    strings = re.findall(r"\"(?:[^\"\\\n]|\\.)*\"", path.read_text(encoding="utf-8"))
    assert _typed_numbers("\n\n".join(strings)) == [], f"{path.name}: read trial numbers from model.evidence"


def test_the_typed_number_check_catches_a_typed_trial_number() -> None:
    assert _typed_numbers("In Deng et al. 2017, remission was 75 % with MSC, 5 of 6 with placebo.")


# --- labels, wording, provenance --------------------------------------------------------------------


def test_preclinical_studies_are_labelled_with_species_and_setting_in_citations_and_references() -> None:
    for study in STUDIES.values():
        if study.preclinical:
            assert study.label in evidence.format_citation(study)
            assert study.label in evidence.reference(study)
        else:
            assert evidence.format_citation(study) == study.citation


@pytest.mark.parametrize("page", DOC_PAGES, ids=[p.relative_to(DOCS).as_posix() for p in DOC_PAGES])
def test_every_animal_or_in_vitro_study_is_labelled_where_the_docs_cite_it(page: Path) -> None:
    for block in blocks(page.read_text(encoding="utf-8")):
        for key in cited_keys(block):
            study = STUDIES.get(key)
            if study is not None and study.preclinical:
                assert any(word in block.lower() for word in PRECLINICAL_WORDS), f"{page.name}: {key} unlabelled"


def test_no_page_calls_a_non_significant_result_no_benefit_or_no_difference() -> None:
    texts = [p.read_text(encoding="utf-8") for p in DOC_PAGES] + [f.read_text(encoding="utf-8") for f in APP_FILES]
    texts += [a.basis for a in model.ASSUMPTION_SETS.values()]
    for phrase in ("no benefit", "found no added benefit", "no pooled difference", "show no difference"):
        assert not any(phrase in t.lower() for t in texts), phrase


def test_claims_name_supporting_and_contradicting_studies_and_their_population() -> None:
    headings = re.findall(r"^## (.+)$", (DOCS / "claims.md").read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert [c.claim for c in evidence.CLAIMS] == [h for h in headings if h != "Other phrases worth questioning"]
    for claim in evidence.CLAIMS:
        assert claim.supports and claim.contradicts and claim.population
        assert set(claim.supports) | set(claim.contradicts) <= set(STUDIES)


def test_every_parameter_has_provenance_and_none_cites_the_model_for_itself() -> None:
    for p in model.PARAMETERS:
        assert p.provenance.startswith(("order of magnitude", "illustrative")), p.name
        assert "model parameter" not in p.provenance, p.name


def test_the_count_of_cited_parameters_counts_only_named_sources() -> None:
    cited = evidence.cited_parameters(model.PARAMETERS)
    assert {"antibody_half_life", "msc_half_life", "long_lived_half_life", "treg_death"} <= set(cited)
    for p in model.PARAMETERS:
        assert (p.name in cited) == (
            p.provenance.startswith("order of magnitude") and bool(re.search(r"(19|20)\d\d", p.provenance))
        )


def test_msc_half_life_range_covers_slower_clearance_seen_in_lupus_mice() -> None:
    info = {p.name: p for p in model.PARAMETERS}["msc_half_life"]
    assert info.low <= 0.5 and info.high >= 7
    assert "Gu et al. 2010" in info.provenance and "Eggenhofer et al. 2012" in info.provenance


@pytest.mark.parametrize("cls", list(model.INTERVENTION_TYPES.values()), ids=list(model.INTERVENTION_TYPES))
def test_every_intervention_default_has_provenance_or_says_illustrative(cls: type) -> None:
    import dataclasses

    table = evidence.INTERVENTION_PROVENANCE.get(cls.kind, {})
    for field in dataclasses.fields(cls):
        if field.default is dataclasses.MISSING or field.name == "day":
            continue
        text = table.get(field.name, "")
        assert text.startswith(("illustrative", "order of magnitude")), f"{cls.kind}.{field.name}"


def test_the_evidence_map_has_one_row_per_study_with_therapy_design_and_certainty() -> None:
    table = evidence.evidence_map(STUDIES)
    assert sorted(table["key"]) == sorted(STUDIES)
    assert {"therapy", "design", "certainty", "key"} <= set(table.columns)
    assert set(table["therapy"]) <= set(evidence.THERAPIES)
