"""The documentation site (`docs/`, `mkdocs.yml`) as a specification.

It builds with `mkdocs build --strict` (which also resolves every internal link and anchor); every
link into the app uses a known page and valid URL state; every Python snippet runs; the site
covers every parameter and assumption set; every reference on the Evidence page is complete; the
claims check and the lessons have their required parts; and the figures come from
`python -m model.report.figures`. Illustrative teaching model, not predictive, not medical advice.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, SimpleNamespace
from urllib.parse import parse_qsl, urlsplit

import pytest

import model
from model import lessons
from model.lessons import glossary
from model.report import figures

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HOOK = DOCS / "_hooks" / "model_tables.py"
APP_BASE = "http://localhost:8501"
#: Page url paths of the app (the URL contract shared by the app and the docs).
APP_PAGES = {"", "explore", "compare", "tipping_points", "model_evidence", "classroom", "how_sure", "virtual_trial"}
#: Query keys of the URL contract (besides `p.<parameter>`); `present=1` is the app's presentation mode.
QUERY_KEYS = {"scenario", "assumptions", "days", "iv", "ko", "present"}
STATES = set(model.STATE_NAMES)
PARAMETER_NAMES = {p.name for p in model.PARAMETERS}
#: Keys that only one page reads, with the values it accepts.
PAGE_KEYS: dict[str, dict[str, Callable[[str], bool]]] = {
    "tipping_points": {
        "x": STATES.__contains__,
        "y": STATES.__contains__,
        "mx": STATES.__contains__,
        "my": STATES.__contains__,
        "param": PARAMETER_NAMES.__contains__,
        "dose": lambda v: 0.05 <= float(v) <= 2.0,
    },
    "classroom": {"activity": str.isidentifier},
    "": {"lesson": str.isdigit, "step": str.isdigit},
    "virtual_trial": {
        "design": {"deng_like", "two_by_fifty", "before_after"}.__contains__,
        "endpoint": {"remission_at_end", "activity_change"}.__contains__,
        "noise": {"0", "0.1", "0.2", "0.3"}.__contains__,
        "inert": {"0", "1"}.__contains__,
        "enrol": {"0", "1"}.__contains__,
        "seed": str.isdigit,
        "pop": {"1000", "2000", "4000"}.__contains__,
    },
}
APP_LINK = re.compile(re.escape(APP_BASE) + r"[^\s)>\]\"'`]*")
PYTHON_BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
IMAGE_REF = re.compile(r"images/([\w.-]+\.png)")
LESSONS = sorted(p for p in (DOCS / "lessons").glob("*.md") if p.name != "index.md")
CLAIMS = (
    "Immune rebalancing",
    "Reduced inflammatory cytokines",
    "Organ protection",
    "Reduced dependence on medication",
    "Considered safe",
    "Side effects rare and mild",
    "Remarkable improvements",
)


def doc_pages() -> list[Path]:
    """Every Markdown page of the site (the hook folder is not part of it)."""
    return sorted(p for p in DOCS.rglob("*.md") if "_hooks" not in p.parts)


def rel(path: Path) -> str:
    return path.relative_to(DOCS).as_posix()


def app_links() -> list[tuple[str, str]]:
    """(page, url) for every link into the app written in the docs."""
    return [(rel(page), url) for page in doc_pages() for url in APP_LINK.findall(page.read_text(encoding="utf-8"))]


def section(text: str, heading: str) -> str:
    """The text under `## heading` up to the next heading of level 2 (or the end)."""
    pattern = rf"^## {re.escape(heading)}(?: \{{[^}}\n]*\}})?\s*$(.*?)(?=^## |\Z)"
    match = re.search(pattern, text, flags=re.MULTILINE | re.DOTALL)
    assert match, f"missing section `## {heading}`"
    return match.group(1)


def load_hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("model_tables_hook", HOOK)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def visible_text(page_html: str) -> str:
    """The text of an HTML page without tags and with entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page_html))


# --- the build --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built with `mkdocs build --strict` into a temporary folder."""
    out = tmp_path_factory.mktemp("site")
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180, env=env)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stderr[-4000:]}"
    return out


def built_page(site: Path, page: str) -> Path:
    """The HTML file MkDocs writes for a Markdown page (directory URLs)."""
    stem = page.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return site / stem.removesuffix("index") / "index.html"
    return site / stem / "index.html"


@pytest.mark.slow
def test_site_builds_strictly_with_every_page_and_internal_link_resolved(site: Path) -> None:
    """Strict mode turns a broken internal link, anchor or nav entry into a failed build."""
    missing = [rel(p) for p in doc_pages() if not built_page(site, rel(p)).is_file()]
    assert missing == []


def test_every_parameter_and_assumption_set_appears_in_the_site(site: Path) -> None:
    text = " ".join(visible_text(p.read_text(encoding="utf-8")) for p in site.rglob("*.html"))
    names = [p.name for p in model.PARAMETERS] + list(model.ASSUMPTION_SETS)
    assert [name for name in names if name not in text] == []


def test_glossary_page_lists_every_glossary_term_with_its_cited_studies(site: Path) -> None:
    """The terms have one home (`model/lessons/glossary.toml`); the built page shows each, once, as a definition."""
    page = built_page(site, "glossary.md").read_text(encoding="utf-8")
    terms = [re.sub(r"\s+", "", visible_text(t)) for t in re.findall(r"<dt>(.*?)</dt>", page, flags=re.DOTALL)]
    expected = [re.sub(r"[\s`]+", "", t.term) for t in glossary.GLOSSARY.values()]
    assert terms == expected
    cited = {key for t in glossary.GLOSSARY.values() for key in t.studies}
    assert all(f'id="fn:{key}"' in page for key in cited), "each cited study gets its reference"


def test_assumptions_page_explains_every_assumption_set_from_the_code(site: Path) -> None:
    text = visible_text(built_page(site, "assumptions.md").read_text(encoding="utf-8"))
    for name, aset in model.ASSUMPTION_SETS.items():
        assert name in text and aset.title in text and aset.explanation in text, name
        for parameter in aset.overrides:
            assert parameter in text, (name, parameter)


def test_every_page_opens_with_the_disclaimer_box(site: Path) -> None:
    """Every page has an "Illustrative teaching model" warning box saying: not predictive."""
    box = re.compile(r'class="admonition warning".*?Illustrative teaching model.*?not predictive', re.DOTALL)
    pages = {rel(p): built_page(site, rel(p)).read_text(encoding="utf-8") for p in doc_pages()}
    assert [name for name, page in pages.items() if not box.search(page)] == []


# --- links into the app -------------------------------------------------------------------------


def check_app_link(url: str) -> None:
    """Raise AssertionError/ValueError unless `url` opens a known app page with a runnable state."""
    parts = urlsplit(url)
    page = parts.path.strip("/")
    assert page in APP_PAGES, f"unknown app page {page!r}; known: {sorted(APP_PAGES)}"
    query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    own = PAGE_KEYS.get(page, {})
    unknown = [k for k, _ in query if k not in QUERY_KEYS and k not in own and not k.startswith("p.")]
    assert unknown == [], f"unknown query keys {unknown} for page {page!r}"
    bad = [(k, v) for k, v in query if k in own and not own[k](v)]
    assert bad == [], f"values not accepted by page {page!r}: {bad}"
    values: dict[str, list[str]] = {}
    for key, value in query:
        values.setdefault(key, []).append(value)
    if "lesson" in values:  # guided mode: the step's own state is checked by tests/test_guided_lessons.py
        lessons.step(int(values["lesson"][-1]), int(values.get("step", ["1"])[-1]))
    scenario = values.get("scenario", ["active_sle"])[-1]
    assumptions = values.get("assumptions", ["baseline"])[-1]
    assert scenario in model.SCENARIOS, scenario
    assert assumptions in model.ASSUMPTION_SETS, assumptions
    days = float(values.get("days", ["365"])[-1])
    interventions = [model.parse_intervention(spec) for spec in values.get("iv", [])]
    knockouts = [name for spec in values.get("ko", []) for name in spec.split(",") if name]
    assert set(knockouts) <= {m.name for m in model.MECHANISMS}, knockouts
    params = {k.removeprefix("p."): float(v) for k, v in query if k.startswith("p.")}
    model.Parameters().replace(**params)  # names and ranges
    run = {"assumptions": assumptions, "params": params, "interventions": interventions, "days": days}
    res = model.simulate(scenario, **run, knockouts=knockouts)
    assert res.t[-1] == pytest.approx(days)


@pytest.mark.parametrize(("page", "url"), app_links(), ids=[f"{p}:{i}" for i, (p, _) in enumerate(app_links())])
def test_app_link_opens_a_known_page_with_a_runnable_state(page: str, url: str) -> None:
    check_app_link(url)


@pytest.mark.parametrize(
    "url",
    [
        f"{APP_BASE}/nowhere?scenario=active_sle",
        f"{APP_BASE}/explore?scenario=lupus",
        f"{APP_BASE}/explore?colour=red",
        f"{APP_BASE}/explore?p.treg_loop=9",
        f"{APP_BASE}/explore?ko=no_such_mechanism",
        f"{APP_BASE}/explore?iv=msc:day=-5",
        f"{APP_BASE}/tipping_points?x=Q",
        f"{APP_BASE}/explore?x=G",
        f"{APP_BASE}/?lesson=1&step=99",
    ],
)
def test_app_link_checker_rejects_bad_links(url: str) -> None:
    with pytest.raises((AssertionError, ValueError)):
        check_app_link(url)


def test_lessons_and_claims_link_into_the_app() -> None:
    pages = {page for page, _ in app_links()}
    assert {"claims.md", "getting-started.md", "assumptions.md"} | {f"lessons/{p.name}" for p in LESSONS} <= pages


# --- Python snippets -------------------------------------------------------------------------------

PAGES_WITH_PYTHON = [rel(p) for p in doc_pages() if PYTHON_BLOCK.search(p.read_text(encoding="utf-8"))]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES_WITH_PYTHON)
def test_python_snippets_of_the_page_run(page: str, tmp_path: Path) -> None:
    """All ```python blocks of a page run in order, in a fresh interpreter in an empty folder."""
    blocks = PYTHON_BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))
    script = tmp_path / "snippets.py"
    script.write_text("\n\n".join(blocks), encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env
    )
    assert proc.returncode == 0, f"{page}: a Python snippet failed:\n{proc.stderr[-3000:]}"


def test_docs_have_python_snippets_to_check() -> None:
    assert {"getting-started.md", "assumptions.md"} <= set(PAGES_WITH_PYTHON)


# --- evidence -------------------------------------------------------------------------------------


def _evidence_page() -> str:
    """The Evidence page as MkDocs sees it: references come from the study registry via the evidence hook."""
    spec = importlib.util.spec_from_file_location("evidence_hook", DOCS / "_hooks" / "evidence.py")
    assert spec and spec.loader
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    return hook.render((DOCS / "evidence.md").read_text(encoding="utf-8"), "evidence.md")


EVIDENCE = _evidence_page()
REFERENCE = re.compile(r"^\[\^([\w-]+)\]:\s*(.+)$", flags=re.MULTILINE)
REFERENCES = dict(REFERENCE.findall(EVIDENCE))
AUTHORS_YEAR = re.compile(
    r"^(?P<authors>[A-Za-zÀ-ÿ][^()]*?[A-Z]{1,3}\b[^()]*?) \((?P<year>(?:19|20)\d\d)\)\. (?P<rest>.+)$"
)


@pytest.mark.parametrize("key", sorted(REFERENCES))
def test_reference_has_authors_year_and_journal_or_url(key: str) -> None:
    match = AUTHORS_YEAR.match(REFERENCES[key])
    assert match, f"[^{key}] must start `Surname AB, ... (YEAR). `: {REFERENCES[key]!r}"
    rest = match.group("rest")
    assert re.search(r"\*[^*]+\*", rest) or re.search(r"<https?://[^>]+>", rest), f"[^{key}] needs a journal or URL"


def test_every_cited_reference_is_listed_and_every_listed_reference_is_cited() -> None:
    body = REFERENCE.sub("", EVIDENCE)
    cited = set(re.findall(r"\[\^([\w-]+)\]", body))
    assert cited == set(REFERENCES)


def test_evidence_page_covers_the_key_trials() -> None:
    """The double-blind RCT, a meta-analysis, HSCT and CD19 CAR-T series are all cited."""
    listed = " ".join(REFERENCES.values())
    for needle in ("Deng D", "(2017)", "Zhou T", "Mackensen A", "Müller F", "Burt RK", "de Silva NL"):
        assert needle in listed, needle


# --- claims check -------------------------------------------------------------------------------

CLAIMS_TEXT = (DOCS / "claims.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("claim", CLAIMS)
def test_claims_page_checks_each_statement_with_evidence_model_and_app_link(claim: str) -> None:
    body = section(CLAIMS_TEXT, claim)
    for part in ("**Evidence.**", "**What the model can say.**", "**What it cannot say.**"):
        assert part in body, (claim, part)
    assert APP_LINK.search(body), f"{claim}: no link into the app"


def test_claims_page_names_the_second_approach_the_text_leaves_out() -> None:
    assert "two main approaches" in CLAIMS_TEXT.lower()
    assert "haematopoietic stem cell transplantation" in CLAIMS_TEXT.lower() and "HSCT" in CLAIMS_TEXT


# --- lessons ---------------------------------------------------------------------------------------


def test_there_are_at_least_three_lessons() -> None:
    assert len(LESSONS) >= 3


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_has_goals_worksheet_answer_key_and_misconceptions(lesson: Path) -> None:
    text = lesson.read_text(encoding="utf-8")
    assert "45 minutes" in text
    for heading in ("Learning goals", "Plan", "Worksheet", "Answer key", "Common misconceptions"):
        section(text, heading)
    worksheet = section(text, "Worksheet")
    steps = re.split(r"^### ", worksheet, flags=re.MULTILINE)[1:]
    assert len(steps) >= 3
    for step in steps:
        title = step.splitlines()[0]
        assert all(word in step for word in ("**Predict.**", "**Observe.**", "**Explain.**")), title
        observe = step.split("**Observe.**", 1)[1].split("**Explain.**", 1)[0]
        assert APP_LINK.search(observe), f"{lesson.name} / {title}: the Observe step needs an app link"
    assert "??? success" in section(text, "Answer key"), "the answer key is a collapsible box (not printed closed)"


def test_print_stylesheet_hides_navigation_and_is_included() -> None:
    css = (DOCS / "stylesheets" / "print.css").read_text(encoding="utf-8")
    assert "@media print" in css and ".md-sidebar" in css and ".md-header" in css
    assert "stylesheets/print.css" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


# --- figures ---------------------------------------------------------------------------------------


#: Pages written by other parts of the project (generated tables, uncertainty and sweeps); their images are theirs.
OTHER_PAGES = {"model.md", "uncertainty.md", "sweeps.md"}


def referenced_images() -> set[str]:
    """Images referenced by the teaching pages (all pages but `OTHER_PAGES`)."""
    pages = [p for p in doc_pages() if rel(p) not in OTHER_PAGES]
    return {name for page in pages for name in IMAGE_REF.findall(page.read_text(encoding="utf-8"))}


def test_docs_use_only_generated_figures_and_every_figure_is_used() -> None:
    assert referenced_images() <= set(figures.FIGURES)
    assert set(figures.FIGURES) <= referenced_images()


def test_figures_in_docs_exist() -> None:
    assert [name for name in figures.FIGURES if not (DOCS / "images" / name).is_file()] == []


@pytest.mark.slow
def test_figure_script_writes_every_figure_labelled_illustrative(tmp_path: Path) -> None:
    assert figures.main(["--out", str(tmp_path)]) == 0
    for name in figures.FIGURES:
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 10_000, name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(figures.FIGURES), "no temporary files left"


@pytest.mark.parametrize("name", sorted(figures.FIGURES))
def test_figure_is_titled_illustrative_and_carries_the_disclaimer(name: str) -> None:
    fig = figures.FIGURES[name]()
    texts = [t.get_text() for t in fig.texts] + [fig.get_suptitle()]
    assert any("illustrative, not predictive" in t for t in texts), name
    assert any(model.DISCLAIMER in t for t in texts), name


def test_unknown_figure_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"Unknown figure 'nope'.*tipping_trigger\.png"):
        figures.render("nope", tmp_path)
    assert figures.main(["--out", str(tmp_path), "--only", "nope"]) == 2
    assert list(tmp_path.iterdir()) == []


# --- the build hook -----------------------------------------------------------------------------------


def fake_page(path: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_path=path))


def test_hook_stops_the_build_on_an_unknown_marker() -> None:
    hook = load_hook()
    with pytest.raises(hook.PluginError, match=r"x\.md: unknown marker `model:nonsense`.*assumption-sets"):
        hook.on_page_markdown("# X\n<!-- model:nonsense -->\n", fake_page("x.md"), {"docs_dir": str(DOCS)}, None)


def test_hook_adds_the_disclaimer_once_after_the_title() -> None:
    hook = load_hook()
    out = hook.on_page_markdown("# Title\n\nBody.\n", fake_page("x.md"), {"docs_dir": str(DOCS)}, None)
    assert out.startswith("# Title\n\n!!! warning") and out.count(model.DISCLAIMER) == 1
    again = hook.on_page_markdown(out, fake_page("x.md"), {"docs_dir": str(DOCS)}, None)
    assert again == out


def test_hook_shows_a_screenshot_only_when_it_exists(tmp_path: Path) -> None:
    hook = load_hook()
    page, config = fake_page("x.md"), {"docs_dir": str(tmp_path)}
    assert "appears here once" in hook.on_page_markdown("<!-- model:screenshot explore -->", page, config, None)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "explore.png").write_bytes(b"\x89PNG")
    assert "](images/explore.png)" in hook.on_page_markdown("<!-- model:screenshot explore -->", page, config, None)
