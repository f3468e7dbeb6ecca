"""Command line for export: `sle-immunomod export --format sbml --out model.xml` (same run options as `simulate`).

Picked up by `model.cli` (listed in its `_EXTENSIONS`). The file is written whole or not at all.
"""

from __future__ import annotations

import argparse

from ..core.disclaimer import DISCLAIMER
from ..core.interventions import parse_intervention
from ..core.scenarios import ASSUMPTION_SETS
from ..export import to_antimony, to_sbml
from ..report.files import write_atomic
from .main import add_run_options, check_out_folder, echo, parse_set

__all__ = ["FORMATS", "add_commands"]

#: Format name -> (writer, what the file is).
FORMATS = {
    "sbml": (to_sbml, "SBML Level 3 Version 2"),
    "antimony": (to_antimony, "Antimony"),
}


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `export` subcommand to the `sle-immunomod` parser."""
    run = subparsers.add_parser(
        "export",
        help="write the model of a run as SBML or Antimony for other tools (COPASI, Tellurium, ...)",
        description=f"Export the model `simulate` would run with the same options. {DISCLAIMER}",
    )
    run.add_argument("--format", choices=list(FORMATS), default="sbml", help="file format (default sbml)")
    run.add_argument("--out", required=True, help="file to write, e.g. model.xml or model.ant")
    add_run_options(run)
    run.add_argument("--assumptions", default="baseline", choices=list(ASSUMPTION_SETS), help="how MSC act")
    run.add_argument("--knockout", action="append", default=[], metavar="MECHANISM", help="switch a mechanism off")
    run.set_defaults(func=_cmd_export)


def _cmd_export(args: argparse.Namespace) -> None:
    check_out_folder(args.out)
    writer, what = FORMATS[args.format]
    interventions = [parse_intervention(spec) for spec in args.intervention]
    text = writer(
        args.scenario,
        args.assumptions,
        parse_set(args.set),
        interventions,
        knockouts=args.knockout,
        days=args.days,
    )
    write_atomic(args.out, text)
    echo(f"# {DISCLAIMER}")
    shown = "; ".join(item.describe() for item in interventions) or "no intervention"
    echo(f"run: scenario={args.scenario}; assumptions={args.assumptions}; {shown}; days={args.days:g}")
    echo(f"wrote {args.out} ({what}; simulate it from day 0 to {args.days:g})")
