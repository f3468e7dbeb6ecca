"""Text made from registry records: citations, references, study cards, computed intervals.

The docs hook (`docs/_hooks/evidence.py`) and the app pages both use these functions, so a trial fact is
written in one place (the registry) and worded the same way everywhere. Every animal or in-vitro study is
labelled with its species and setting wherever it is cited.
"""

from __future__ import annotations

from collections.abc import Mapping

from model.evidence.registry import Outcome, Study
from model.evidence.stats import newcombe_interval, wilson_interval


def format_citation(study: Study) -> str:
    """Short citation, e.g. `Deng et al. 2017`; animal and in-vitro studies add species and setting."""
    return f"{study.citation} ({study.label})" if study.preclinical else study.citation


def reference(study: Study) -> str:
    """Full reference: `Authors (Year). Title. *Journal*. <link> PMID n.` plus the design label."""
    ids = f"<{study.url}>"
    if study.doi and study.pmid:
        ids += f" PMID {study.pmid}."
    kind = f" [{study.design}: {study.label}]" if study.preclinical else f" [{study.design}]"
    return f"{study.authors} ({study.year}). {study.title}. *{study.journal}*. {ids}{kind}"


def _pp(value: float) -> str:
    """A fraction as signed percentage points with a real minus sign."""
    number = f"{100 * value:+.0f}"
    return number.replace("-", "−")


def _pct(value: float) -> str:
    return f"{100 * value:.0f} %"


def difference(outcome: Outcome) -> tuple[float, float, float]:
    """First arm minus second arm, with the Newcombe interval, from the outcome's counts."""
    if len(outcome.totals) != 2:
        raise ValueError(f"outcome {outcome.name!r} has no two arms of counts")
    (e1, e2), (n1, n2) = outcome.events, outcome.totals
    return newcombe_interval(e1, n1, e2, n2)


def difference_text(outcome: Outcome) -> str:
    """`MSC minus placebo: −8 percentage points (95 % CI −44 to +33; ...)` computed from the counts."""
    diff, low, high = difference(outcome)
    (a, b), (e1, e2), (n1, n2) = outcome.arm_labels, outcome.events, outcome.totals
    return (
        f"{a} minus {b}: {_pp(diff)} percentage points (95 % CI {_pp(low)} to {_pp(high)}; "
        f"Newcombe hybrid score interval computed here from {e1}/{n1} and {e2}/{n2})"
    )


def proportion_text(outcome: Outcome) -> str:
    """`5 of 6 (83 %; 95 % CI 44 % to 97 %, Wilson, computed here)` for a one-arm count."""
    if len(outcome.totals) != 1:
        raise ValueError(f"outcome {outcome.name!r} has no single-arm count")
    (e,), (n,) = outcome.events, outcome.totals
    low, high = wilson_interval(e, n)
    return f"{e} of {n} ({_pct(e / n)}; 95 % CI {_pct(low)} to {_pct(high)}, Wilson score interval computed here)"


def arms_text(arms: Mapping[str, int]) -> str:
    """`umbilical-cord MSC 12, placebo 6` (0 shown as `number not stated`)."""
    parts = (f"{label} {n:,}" if n else f"{label} (number not stated in the abstract)" for label, n in arms.items())
    return ", ".join(parts)


def population_text(study: Study) -> str:
    """Disease; stage; refractory or newly diagnosed (where the question applies)."""
    pop = study.population
    status = {
        "not applicable": "",
        "mixed": "; not restricted to refractory or newly diagnosed patients",
    }.get(pop.status, f"; {pop.status}")
    return f"{pop.disease}; {pop.stage}{status}"


def study_card(study: Study, heading_level: int = 4) -> str:
    """A Markdown block with every field of the record; the heading carries the anchor `study-KEY`."""
    hashes = "#" * heading_level
    design = study.design + (f" ({study.design_note})" if study.design_note else "")
    label = f" ({study.label})" if study.preclinical else ""
    lines = [
        f"{hashes} {study.citation}{label} {{#study-{study.key}}}",
        "",
        f"*{study.title}.* {study.journal}. [{study.doi or 'PMID ' + study.pmid}]({study.url})"
        + (f" · registration {study.registration}" if study.registration else ""),
        "",
        f"- **Design:** {design}; species: {study.species}; setting: {study.setting}",
        f"- **Population:** {population_text(study)}",
        f"- **Participants per arm:** {arms_text(study.arms)}",
        f"- **Intervention:** {study.intervention}",
        f"- **Comparator:** {study.comparator}",
        f"- **Follow-up:** {study.follow_up}",
    ]
    for outcome in study.outcomes:
        extra = ""
        if len(outcome.totals) == 2:
            extra = f" — {difference_text(outcome)}"
        elif len(outcome.totals) == 1:
            extra = f" — {proportion_text(outcome)}"
        lines.append(f"- **Outcome ({outcome.name}):** {outcome.text}{extra}")
    lines += [
        f"- **Adverse events:** {study.adverse_events}",
        f"- **Funding or conflicts:** {study.funding}",
        f"- **Certainty:** {study.certainty} — {study.certainty_reason}",
        f"- **Checked against:** {study.verified}",
        "",
    ]
    return "\n".join(lines)
