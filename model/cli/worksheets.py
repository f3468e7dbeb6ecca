"""CLI command `sle-immunomod worksheets --out DIR` (picked up by `model.cli`): printable lesson sheets.

The same as `python -m model.report.worksheets --out DIR`: each lesson's worksheet and answer key as
standalone HTML files with print CSS, written whole or not at all. Illustrative, not predictive.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..core.disclaimer import DISCLAIMER
from ..report.worksheets import write_worksheets

__all__ = ["add_commands"]


def _cmd(args: argparse.Namespace) -> None:
    paths = write_worksheets(args.out)
    print(f"{DISCLAIMER}\nWrote {len(paths)} files to {args.out} (open index.html; print from the browser).")


def add_commands(subparsers: Any) -> None:
    """Register `worksheets` on the `sle-immunomod` parser."""
    cmd = subparsers.add_parser(
        "worksheets",
        help="write the lessons' worksheets and answer keys as printable HTML files",
        description=f"Printable lesson worksheets and answer keys. {DISCLAIMER}",
    )
    cmd.add_argument("--out", required=True, help="folder to write the HTML files into (created if needed)")
    cmd.set_defaults(func=_cmd)
