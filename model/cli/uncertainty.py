"""CLI commands `sle-immunomod ensemble` and `sle-immunomod sensitivity` (picked up by `model.cli`).

Both show a progress bar on stderr, print a short ranked summary, and can write their table as
CSV (first line ``# <disclaimer> seed=<seed>``) or Parquet (disclaimer and seed in the file's
metadata). Files are written under a temporary name and renamed, so no half-written file is left.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..core.disclaimer import DISCLAIMER
from ..core.interventions import parse_intervention
from ..core.outcomes import OUTCOME_NAMES
from ..core.scenarios import ASSUMPTION_SETS
from .main import UsageError, add_run_options, check_out_path, echo, write_out

__all__ = ["add_commands"]


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A tqdm bar on stderr, driven by (done, total) callbacks."""
    from tqdm import tqdm

    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=label, unit="run", file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()


def _names(text: str | None) -> list[str] | None:
    return [n.strip() for n in text.split(",") if n.strip()] if text else None


def _ranges(items: list[str]) -> dict[str, tuple[float, float]]:
    ranges: dict[str, tuple[float, float]] = {}
    for item in items:
        name, eq, span = item.partition("=")
        low, colon, high = span.partition(":")
        try:
            if not eq or not colon:
                raise ValueError
            ranges[name.strip()] = (float(low), float(high))
        except ValueError:
            raise UsageError(f"--range {item!r}: expected name=low:high, e.g. --range treg_loop=0:0.4") from None
    return ranges


def _cmd_ensemble(args: argparse.Namespace) -> None:
    from ..analysis import uncertainty

    interventions = [parse_intervention(spec) for spec in args.intervention]
    if args.out:
        check_out_path(args.out)
    common = {
        "scenario": args.scenario,
        "interventions": interventions,
        "n": args.n,
        "seed": args.seed,
        "ranges": _ranges(args.range),
        "days": args.days,
        "method": args.method,
        "parameters": _names(args.parameters),
        "workers": args.workers,
    }
    echo(f"# {DISCLAIMER}")
    with _progress_bar("ensemble") as bar:
        if args.assumptions == "all":
            table = uncertainty.across_assumptions(**common, progress=bar)
        else:
            ens = uncertainty.ensemble(assumptions=args.assumptions, **common, progress=bar, keep_states=False)
            table = ens.to_frame().reset_index()
            table.insert(0, "assumptions", args.assumptions)
    what = "; ".join(i.describe() for i in interventions) or "no intervention"
    echo(f"ensemble: scenario={args.scenario}; {what}; n={args.n}; seed={args.seed}; method={args.method}")
    summary = uncertainty.summarize_across(table).sort_values("p_remission", ascending=False)
    echo("probability of remission at the end (95 % Wilson interval), ranked:")
    for row in summary.itertuples():
        echo(
            f"  {row.assumptions:<20} {row.p_remission:6.1%}  [{row.p_low:.1%}, {row.p_high:.1%}]  "
            f"median final activity {row.median_activity_final:.3f}  (n={row.n})"
        )
    failed = int(table["activity_final"].isna().sum())
    if failed:
        echo(f"  ({failed} member(s) failed to solve and are left out)")
    if args.out:
        meta = {"seed": args.seed, "method": args.method, "scenario": args.scenario, "interventions": what}
        write_out(table, args.out, meta)


def _cmd_sensitivity(args: argparse.Namespace) -> None:
    from ..analysis import sensitivity

    interventions = [parse_intervention(spec) for spec in args.intervention]
    if args.out:
        check_out_path(args.out)
    echo(f"# {DISCLAIMER}")
    with _progress_bar(args.method) as bar:
        table = sensitivity.analyze(
            args.outcome,
            method=args.method,
            scenario=args.scenario,
            assumptions=args.assumptions,
            interventions=interventions,
            days=args.days,
            n=args.n,
            seed=args.seed,
            parameters=_names(args.parameters),
            ranges=_ranges(args.range),
            progress=bar,
            workers=args.workers,
        )
    attrs = table.attrs
    echo(
        f"{args.method} on {args.outcome}: scenario={attrs['scenario']}; assumptions={attrs['assumptions']}; "
        f"{attrs['interventions']}; n={args.n}; {attrs['runs']} runs; seed={args.seed}"
    )
    key = "ST" if args.method == "sobol" else "mu_star"
    echo(f"ranked by {key} (most influential first):")
    echo(table.head(10).round(3).to_string(index=False))
    if args.out:
        write_out(table, args.out, {k: v for k, v in attrs.items() if k != "disclaimer"})


def _add_common(parser: argparse.ArgumentParser, n_help: str) -> None:
    add_run_options(parser, overrides=False)
    parser.add_argument("--n", type=int, default=256, help=n_help)
    parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same numbers")
    parser.add_argument("--parameters", metavar="A,B,C", help="parameters to vary (default: all not fixed by sets)")
    parser.add_argument(
        "--range", action="append", default=[], metavar="NAME=LOW:HIGH", help="narrower range for a parameter"
    )
    parser.add_argument("--out", help="write the table to a .csv or .parquet file (with disclaimer and seed)")
    parser.add_argument("--workers", type=int, default=1, help="processes to run chunks in (default 1)")


def add_commands(subparsers: Any) -> None:
    """Register `ensemble` and `sensitivity` on the `sle-immunomod` parser."""
    ens = subparsers.add_parser("ensemble", help="many runs over uncertain parameters: bands and P(remission)")
    _add_common(ens, "members (a power of two for --method sobol; default 256)")
    ens.add_argument(
        "--assumptions",
        default="baseline",
        choices=[*ASSUMPTION_SETS, "all"],
        help="how MSC act; 'all' runs the same sample under every assumption set",
    )
    ens.add_argument("--method", default="lhs", choices=["lhs", "sobol"], help="sampling design")
    ens.set_defaults(func=_cmd_ensemble)
    sens = subparsers.add_parser("sensitivity", help="global sensitivity (Sobol or Morris) of one outcome")
    _add_common(sens, "Sobol base sample (power of two) or Morris trajectories (default 256)")
    sens.add_argument("--assumptions", default="baseline", choices=list(ASSUMPTION_SETS), help="how MSC act")
    sens.add_argument("--method", default="sobol", choices=["sobol", "morris"], help="analysis method")
    sens.add_argument("--outcome", default="days_in_remission", choices=list(OUTCOME_NAMES), help="outcome analysed")
    sens.set_defaults(func=_cmd_sensitivity)
