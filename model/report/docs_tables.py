"""Every table and equation block of the docs, generated from the code's metadata so the docs never drift.

Two ways in, one source:

- `python -m model.report.docs_tables` rewrites every block between
  ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->`` in `docs/model.md`
  (`BLOCKS`); `--check` exits 1 when a block is stale (the test suite runs that check);
- the MkDocs hook `docs/_hooks/model_tables.py` fills ``<!-- model:NAME -->`` markers on other
  pages at build time with the functions of `MARKERS`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ..analysis.compare import compare_assumptions, tipping_window
from ..analysis.population import (
    PopulationSpec,
    draw_population,
    healthy_steady_state,
    outcome_share,
    remission_by_therapy,
    remission_shares,
)
from ..core import latex
from ..core.disclaimer import DISCLAIMER
from ..core.equations import MECHANISMS, STATE_INFO, STATE_NAMES, Inputs, Switches, term_table
from ..core.interventions import INTERVENTION_TYPES, FieldInfo, intervention_fields
from ..core.outcomes import ACTIVITY_REFERENCE, FLARE_THRESHOLD, REMISSION_THRESHOLD
from ..core.parameters import PARAMETERS, Parameters
from ..core.scenarios import ASSUMPTION_SETS, SCENARIOS

__all__ = ["BLOCKS", "MARKERS", "main", "render"]

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"
TRIGGER_SIZE, TRIGGER_DAYS = 40.0, 14.0


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table; pipes inside cells are escaped."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def helpers_tex() -> str:
    """The helper quantities (activation switch, help, licensed MSC, suppression index) as a display block."""
    rows = " \\\\\n".join(tex.replace(" = ", " &= ", 1) for _, tex in latex.HELPERS)
    return "$$\n\\begin{aligned}\n" + rows + "\n\\end{aligned}\n$$"


def equations_tex() -> str:
    """The eleven equations as one aligned display block."""
    return "$$\n" + latex.aligned() + "\n$$"


def states_table() -> str:
    """One row per state variable."""
    return _table(["state", "name", "stands for"], [[f"`{s.name}`", s.label, s.description] for s in STATE_INFO])


def parameters_table() -> str:
    """One row per parameter, grouped, with symbol, unit, default, plausible range and provenance."""
    rows = [
        [
            f"`{p.name}`",
            f"${p.symbol}$",
            p.description,
            p.unit,
            f"{p.default:g}",
            f"{p.low:g} – {p.high:g}",
            p.provenance,
        ]
        for p in PARAMETERS
    ]
    return _table(["parameter", "symbol", "meaning", "unit", "default", "plausible range", "provenance"], rows)


def mechanisms_table() -> str:
    """The mechanisms that can be knocked out by name."""
    return _table(
        ["mechanism (knockout name)", "what it stands for"], [[f"`{m.name}`", m.explanation] for m in MECHANISMS]
    )


def scenarios_table() -> str:
    """Scenarios with their parameter overrides."""
    rows = [
        [f"`{s.name}`", s.title, ", ".join(f"`{k}` = {v:g}" for k, v in s.overrides.items()), s.description]
        for s in SCENARIOS.values()
    ]
    return _table(["scenario", "title", "overrides", "description"], rows)


def assumptions_table() -> str:
    """Assumption sets with their overrides, explanation and basis."""
    rows = [
        [
            f"`{a.name}`",
            a.title,
            ", ".join(f"`{k}` = {v:g}" for k, v in a.overrides.items()) or "(defaults)",
            a.explanation,
            a.basis,
        ]
        for a in ASSUMPTION_SETS.values()
    ]
    return _table(["assumption set", "title", "overrides", "what it assumes", "basis"], rows)


def thresholds_text() -> str:
    """Activity index references and thresholds."""
    refs = ", ".join(f"$ {k}_{{ref}} = {v:g}$" for k, v in ACTIVITY_REFERENCE.items())
    return (
        f"Reference levels: {refs} (a.u.). Remission: TLAI < {REMISSION_THRESHOLD:g}. "
        f"Flare: TLAI rising above {FLARE_THRESHOLD:g} from below."
    )


def assumption_sets_text() -> str:
    """One subsection per assumption set: title, explanation, basis and the parameters it changes."""
    defaults = Parameters()
    info = {p.name: p for p in PARAMETERS}
    parts = []
    for name, aset in ASSUMPTION_SETS.items():
        rows = [
            (f"`{key}`", f"{getattr(defaults, key):g}", f"{value:g}", info[key].unit, info[key].description)
            for key, value in aset.overrides.items()
        ]
        changes = (
            _table(("parameter", "default", "in this set", "unit", "meaning"), rows)
            if rows
            else "*No overrides: this set uses the default parameters.*"
        )
        parts.append(
            f"### `{name}`: {aset.title}\n\n{aset.explanation}\n\n**Basis:** {aset.basis}\n\n"
            f"**What it changes:**\n\n{changes}\n"
        )
    return "\n".join(parts)


def assumption_comparison_text() -> str:
    """`compare_assumptions()` for one MSC infusion on day 30 in active SLE, as a table with a note."""
    table = compare_assumptions()
    follow = table.attrs.get("follow_up_days", 180)
    rows = [
        (
            f"`{r.assumptions}`",
            f"{r.activity_before:.2f}",
            f"{r.activity_lowest:.2f}",
            f"{r.activity_follow_up:.2f}",
            f"{r.auc_reduction_percent:.0f} %",
            f"{r.days_in_remission:.0f}",
            "yes" if r.remission_at_end else "no",
        )
        for r in table.itertuples()
    ]
    header = (
        "assumption set",
        "TLAI before",
        "lowest TLAI",
        f"TLAI {follow:g} days after",
        "less disease over 2 years",
        "days in remission",
        "remission at 2 years",
    )
    return (
        _table(header, rows) + "\n\n*Computed from the model when this site was built (`model.compare_assumptions()`: "
        "active SLE, one MSC infusion of dose 1 on day 30, 730 days). "
        '"Less disease" is the reduction of the time-integrated TLAI against no treatment under the same set. '
        f"{DISCLAIMER}*\n"
    )


def parameter_glossary() -> str:
    """Every parameter name with symbol, unit and meaning (ranges and provenance are on the model page)."""
    rows = ((f"`{p.name}`", f"\\({p.symbol}\\)", p.unit, p.description) for p in PARAMETERS)
    return _table(("parameter", "symbol", "unit", "meaning"), rows)


def tipping_text() -> str:
    """The measured tipping window of the susceptible scenario (computed by bisection)."""
    low, high = tipping_window(size=TRIGGER_SIZE, duration=TRIGGER_DAYS)
    value = SCENARIOS["susceptible"].overrides["antigen_clearance"]
    return (
        f"With `AntigenTrigger(size={TRIGGER_SIZE:g}, duration={TRIGGER_DAYS:g})` the `susceptible` scenario "
        f"(`antigen_clearance` = {value:g}/day) tips into lasting disease for `antigen_clearance` between "
        f"**{low:.2f} and {high:.2f} per day**: a window {high - low:.2f} wide, "
        f"{100 * (high - low) / value:.0f} % of the susceptible value. Below {low:.2f} the system is active "
        f"even without a trigger; above {high:.2f} the same trigger fades."
    )


def _allowed(info: FieldInfo) -> str:
    if info.options:
        return ", ".join(f"`{o}`" for o in info.options)
    low, high = (f"{int(v)}" if info.whole else f"{v:g}" for v in (info.low, info.high))
    return f"{low} – {high}" + (" or unset" if info.optional else "")


def _default(info: FieldInfo) -> str:
    if info.default is None:
        return "unset"
    return info.default if isinstance(info.default, str) else f"{info.default:g}"


def interventions_text() -> str:
    """Every intervention: its equations (jumps, inputs over time, overlap) and a table of its fields."""
    parts = []
    header = ["field", "label", "unit", "default", "allowed", "what it does", "provenance"]
    for kind, cls in INTERVENTION_TYPES.items():
        rows = [
            [f"`{f.name}`", f.label, f.unit or "–", _default(f), _allowed(f), f.help, f.provenance]
            for f in intervention_fields(cls)
        ]
        title = f"### `{kind}`: {cls.label} (`{cls.__name__}`)"
        parts.append(f"{title}\n\n{cls.maths}\n\n{_table(header, rows)}")
    return "\n\n".join(parts)


#: A probe where every mechanism acts: every state and input nonzero, MSC partly licensed.
_PROBE_STATE = (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0)
_PROBE_INPUTS = Inputs(immunosuppression=0.3, depletion=((0.0, 1.0, 10.0),), antigen_input=0.5)


def _probe_terms(on: Switches) -> dict[tuple[str, str], float]:
    params = Parameters().replace(msc_licensing=0.5)
    return {
        (state, term): float(value)
        for state in STATE_NAMES
        for term, value in term_table(1.0, _PROBE_STATE, params, state, _PROBE_INPUTS, on).items()
    }


def knockouts_table() -> str:
    """Exactly which terms each knock-out removes (and which others it changes), found by evaluating the
    equations with every mechanism on and with that one off."""
    base = _probe_terms(Switches())
    rows = []
    for mechanism in MECHANISMS:
        off = _probe_terms(Switches.without([mechanism.name]))
        removed = [k for k, v in base.items() if v != 0.0 and off[k] == 0.0]
        changed = [k for k, v in base.items() if off[k] != 0.0 and abs(off[k] - v) > 1e-12 * max(1.0, abs(v))]
        rows.append([f"`{mechanism.name}`", _by_state(removed), _by_state(changed)])
    return _table(["knock-out", "terms it sets to zero", "terms it changes (a shared factor or a sum)"], rows)


def _by_state(terms: list[tuple[str, str]]) -> str:
    """E.g. "dE/dt: `a`, `b`; dB/dt: `c`" (terms are named as in `model.core.equations.TERMS`)."""
    states = dict.fromkeys(state for state, _ in terms)
    parts = [f"d{s}/dt: " + ", ".join(f"`{t}`" for state, t in terms if state == s) for s in states]
    return "; ".join(parts) or "–"


POPULATION_SIZE, POPULATION_SEED = 150, 0


def _percent(share: float, low: float, high: float) -> str:
    return f"{100 * share:.0f} % ({100 * low:.0f}–{100 * high:.0f} %)"


def population_text() -> str:
    """Drug-free remission after each contrasted therapy in the default virtual population (computed)."""
    spec = PopulationSpec()
    patients = draw_population(spec, n=POPULATION_SIZE, seed=POPULATION_SEED)
    shares = remission_shares(remission_by_therapy(patients)).set_index(["therapy", "years"])
    therapies = list(dict.fromkeys(shares.index.get_level_values("therapy")))
    rows = [
        [name] + [_percent(*shares.loc[(name, years), ["share", "low", "high"]]) for years in (1.0, 5.0)]
        for name in therapies
    ]
    healthy = _percent(*outcome_share(healthy_steady_state(patients)))
    intro = (
        f"{POPULATION_SIZE} `{spec.scenario}` virtual patients under `{spec.assumptions}` (`PopulationSpec()` "
        f"defaults: spread {spec.spread:g}, every host parameter varied; seed {POPULATION_SEED}). Health is also "
        f"a steady state for {healthy} of them. Each therapy starts on day 30; remission means TLAI below "
        f"{REMISSION_THRESHOLD:g} on that day, without any other treatment (95 % Wilson intervals)."
    )
    return intro + "\n\n" + _table(["therapy", "in remission 1 year later", "5 years later"], rows)


#: Generated blocks of `docs/model.md`, by name.
BLOCKS: dict[str, Callable[[], str]] = {
    "helpers": helpers_tex,
    "equations": equations_tex,
    "states": states_table,
    "parameters": parameters_table,
    "mechanisms": mechanisms_table,
    "scenarios": scenarios_table,
    "assumptions": assumptions_table,
    "thresholds": thresholds_text,
    "tipping": tipping_text,
    "interventions": interventions_text,
    "knockouts": knockouts_table,
    "population": population_text,
}
#: What the MkDocs hook puts in place of ``<!-- model:NAME -->`` on the other pages.
MARKERS: dict[str, Callable[[], str]] = {
    "assumption-sets": assumption_sets_text,
    "assumption-comparison": assumption_comparison_text,
    "scenarios": scenarios_table,
    "mechanisms": mechanisms_table,
    "states": states_table,
    "parameter-glossary": parameter_glossary,
}
_BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (\w+) -->\n)(.*?)(<!-- END GENERATED: \2 -->)", re.DOTALL)


def render(text: str) -> str:
    """`text` with every generated block replaced by its fresh content."""
    return _BLOCK.sub(lambda m: m.group(1) + BLOCKS[m.group(2)]() + "\n" + m.group(4), text)


def main(argv: list[str] | None = None) -> int:
    """Rewrite `docs/model.md` (or with `--check`, exit 1 when it is stale)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/model.md is stale")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    fresh = render(current)
    if args.check:
        if fresh != current:
            print("docs/model.md is stale: run `python -m model.report.docs_tables`", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
