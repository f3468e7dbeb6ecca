"""Command line: `sle-immunomod` (also `python -m model`).

Every command prints the disclaimer. Every failure the user can act on (the project's own
`ModelError`s: bad input, a solver failure; and `OSError`s such as an output folder that does
not exist or cannot be written) gives one line on stderr, exit code 2, and no partial output file.
Any other exception is a bug and keeps its traceback.

Subcommands are registered in `COMMANDS` by `_command`; other modules of the package add theirs
by defining `add_commands(subparsers)` and being listed in `_EXTENSIONS`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from ..analysis.compare import compare_assumptions
from ..core.disclaimer import DISCLAIMER
from ..core.equations import MECHANISMS
from ..core.errors import ModelError, ParameterError, SimulationError
from ..core.interventions import parse_intervention
from ..core.parameters import PARAMETERS
from ..core.scenarios import ASSUMPTION_SETS, SCENARIOS
from ..engine.simulate import simulate
from ..report.tables import table_format, write_table

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "UsageError",
    "add_run_options",
    "check_out_folder",
    "check_out_path",
    "echo",
    "main",
    "parse_set",
    "write_out",
]

#: Modules that add subcommands (each defines `add_commands(subparsers)`); missing ones are skipped.
_EXTENSIONS: tuple[str, ...] = (
    "model.cli.uncertainty",
    "model.cli.sweep",
    "model.cli.classroom",
    "model.cli.export",
    "model.cli.trial",
    "model.cli.worksheets",
)

#: Exit code of every failure (bad input, solver failure, unwritable output).
FAILURE_EXIT = 2


class UsageError(ModelError):
    """Bad command-line input: printed as one line, exit code 2."""


def check_out_folder(path: str) -> None:
    """Refuse an output path whose folder does not exist or is not a folder, before any work is done."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"--out {path!r}: {folder!r} is not an existing folder")


def check_out_path(path: str) -> str:
    """The lower-case extension (.csv or .parquet) of a table's --out path, after checking it and its folder.

    Called before any work is done, so a bad name costs no run.
    """
    try:
        ext = table_format(path)
    except ParameterError as exc:
        raise UsageError(f"--out {exc}") from None
    check_out_folder(path)
    return ext


def echo(text: str = "") -> None:
    """Print a line of a command's output at once (a long command shows its lines as they come)."""
    print(text, flush=True)


def write_out(table: pd.DataFrame, path: str, meta: Mapping[str, Any]) -> None:
    """Write a command's table to `path` (CSV or Parquet, with the disclaimer and `meta`) and say so."""
    write_table(table, path, meta)
    echo(f"wrote {path} ({len(table)} rows)")


def parse_set(items: Sequence[str]) -> dict[str, float]:
    """The --set NAME=VALUE options as a mapping of parameter overrides."""
    values: dict[str, float] = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq:
            raise UsageError(f"--set {item!r}: expected name=value, e.g. --set antigen_clearance=0.7")
        try:
            values[name.strip()] = float(value)
        except ValueError:
            raise UsageError(f"--set {item!r}: `{name}` needs a number, got {value!r}") from None
    return values


def _cmd_simulate(args: argparse.Namespace) -> None:
    interventions = [parse_intervention(spec) for spec in args.intervention]
    if args.out:
        check_out_folder(args.out)
    res = simulate(
        scenario=args.scenario,
        params=parse_set(args.set),
        assumptions=args.assumptions,
        interventions=interventions,
        days=args.days,
        knockouts=args.knockout,
    )
    out = res.outcomes
    echo(f"# {DISCLAIMER}")
    echo(f"run: {res.describe()}; days={args.days:g}")
    echo(
        f"activity (toy index): peak {out.activity_peak:.3f}, final {out.activity_final:.3f}; "
        f"days in remission {out.days_in_remission:.0f}; flares {out.flares}; "
        f"remission at end: {'yes' if out.remission_at_end else 'no'}"
    )
    if args.out:
        res.to_csv(args.out)
        echo(f"wrote {args.out} ({len(res.t)} rows)")


def _cmd_compare(args: argparse.Namespace) -> None:
    interventions = [parse_intervention(spec) for spec in args.intervention] or None
    table = compare_assumptions(args.scenario, params=parse_set(args.set), interventions=interventions, days=args.days)
    echo(f"# {DISCLAIMER}")
    echo(table.round(3).to_string(index=False))


def _cmd_scenarios(args: argparse.Namespace) -> None:
    echo(f"# {DISCLAIMER}")
    echo("Scenarios:")
    for s in SCENARIOS.values():
        changes = ", ".join(f"{k}={v:g}" for k, v in s.overrides.items())
        echo(f"  {s.name:<20} {s.title} [{changes}]\n  {'':<20} {s.description}")
    echo("Assumption sets (how MSC act):")
    for a in ASSUMPTION_SETS.values():
        changes = ", ".join(f"{k}={v:g}" for k, v in a.overrides.items()) or "defaults"
        echo(f"  {a.name:<20} {a.title} [{changes}]\n  {'':<20} {a.explanation}")


def _cmd_parameters(args: argparse.Namespace) -> None:
    echo(f"# {DISCLAIMER}")
    echo(f"{'name':<30} {'default':>9} {'low':>8} {'high':>8}  unit  -- description [provenance]")
    for p in PARAMETERS:
        echo(f"{p.name:<30} {p.default:>9g} {p.low:>8g} {p.high:>8g}  {p.unit}  -- {p.description} [{p.provenance}]")


def _cmd_mechanisms(args: argparse.Namespace) -> None:
    echo(f"# {DISCLAIMER}")
    for m in MECHANISMS:
        echo(f"{m.name:<32} {m.explanation}")


def add_run_options(parser: argparse.ArgumentParser, *, overrides: bool = True) -> None:
    """Add --scenario, --days, --intervention (and, with `overrides`, --set) to a subcommand."""
    parser.add_argument("--scenario", default="active_sle", choices=list(SCENARIOS), help="toy person")
    parser.add_argument("--days", type=float, default=365.0, help="length of the run in days (default 365)")
    parser.add_argument(
        "--intervention",
        action="append",
        default=[],
        metavar="KIND:KEY=VALUE,...",
        help="e.g. msc:day=30,dose=1 | hsct:day=30 | immunosuppression:start=30,stop=210,strength=0.6 | "
        "bcell_depletion:day=30 | antigen:day=30,size=40,duration=14 (repeatable)",
    )
    if overrides:
        parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a parameter")


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (with a pointer to --help) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(FAILURE_EXIT, f"{self.prog}: error: {_one_line(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand (including those of extension modules)."""
    parser = _OneLineParser(
        prog="sle-immunomod",
        description=f"Toy model of immune modulation in SLE. {DISCLAIMER}",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("simulate", help="run one course and print its outcomes (optionally write CSV)")
    add_run_options(run)
    run.add_argument("--assumptions", default="baseline", choices=list(ASSUMPTION_SETS), help="how MSC act")
    run.add_argument("--knockout", action="append", default=[], metavar="MECHANISM", help="switch a mechanism off")
    run.add_argument("--out", help="CSV file to write (starts with the disclaimer)")
    run.set_defaults(func=_cmd_simulate)
    cmp_ = sub.add_parser("compare", help="the same interventions under every assumption set")
    add_run_options(cmp_)
    cmp_.set_defaults(func=_cmd_compare, days=730.0)
    for name, func, text in (
        ("scenarios", _cmd_scenarios, "list scenarios and assumption sets"),
        ("parameters", _cmd_parameters, "the parameter table with ranges and provenance"),
        ("mechanisms", _cmd_mechanisms, "mechanisms that can be knocked out"),
    ):
        sub.add_parser(name, help=text).set_defaults(func=func)
    for module_name in _EXTENSIONS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.add_commands(sub)
    return parser


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _os_message(exc: OSError) -> str:
    """What went wrong with which file, without errno numbers: "cannot write 'x/run.csv': Not a directory"."""
    where = f" {exc.filename!r}" if exc.filename else ""
    return f"cannot write or read{where}: {exc.strerror or exc}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns 0 on success and `FAILURE_EXIT` (2) on any failure a user can act on."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except SimulationError as exc:
        print(f"sle-immunomod: simulation failed: {_one_line(str(exc))}", file=sys.stderr)
        return FAILURE_EXIT
    except ModelError as exc:
        message = exc.args[0] if exc.args else str(exc)
        print(f"sle-immunomod: error: {_one_line(str(message))}", file=sys.stderr)
        return FAILURE_EXIT
    except OSError as exc:
        print(f"sle-immunomod: error: {_one_line(_os_message(exc))}", file=sys.stderr)
        return FAILURE_EXIT
    return 0


if __name__ == "__main__":
    sys.exit(main())
