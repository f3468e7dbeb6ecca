"""Generate the tables of `docs/model.md` from the code's metadata, so the docs never drift.

`python -m model.docs_tables` rewrites every block between ``<!-- BEGIN GENERATED: name -->`` and
``<!-- END GENERATED: name -->`` in `docs/model.md`; `--check` exits 1 when a block is stale (the
test suite runs that check).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from ..analysis.compare import tipping_window
from ..core.equations import MECHANISMS, STATE_INFO
from ..core.outcomes import ACTIVITY_REFERENCE, FLARE_THRESHOLD, REMISSION_THRESHOLD
from ..core.parameters import PARAMETERS
from ..core.scenarios import ASSUMPTION_SETS, SCENARIOS

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"
TRIGGER_SIZE, TRIGGER_DAYS = 40.0, 14.0


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


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


BLOCKS: dict[str, Callable[[], str]] = {
    "states": states_table,
    "parameters": parameters_table,
    "mechanisms": mechanisms_table,
    "scenarios": scenarios_table,
    "assumptions": assumptions_table,
    "thresholds": thresholds_text,
    "tipping": tipping_text,
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
            print("docs/model.md is stale: run `python -m model.docs_tables`", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
