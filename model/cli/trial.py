"""CLI command `sle-immunomod trial` (picked up by `model.cli`): virtual trials from the command line.

One trial by default (the per-patient table), `--replicates N` for N trials of the same design
(one row per trial), `--power 12,24,48` for the share of significant trials at each total number
of patients. Every table can be written as CSV (first line ``# <disclaimer> seed=<seed>``) or
Parquet (disclaimer in the metadata), whole or not at all. Illustrative, not predictive.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
from collections.abc import Iterator
from typing import Any

from ..analysis import trial
from ..core.disclaimer import DISCLAIMER
from ..core.interventions import parse_intervention
from ..core.scenarios import ASSUMPTION_SETS
from .main import UsageError, check_out_path, echo, write_out

__all__ = ["add_commands"]


def _sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UsageError(f"--power {text!r}: expected whole numbers of patients, e.g. --power 12,24,48") from None
    if not values:
        raise UsageError(f"--power {text!r}: give at least one number of patients, e.g. --power 12,24,48")
    return values


def _design(args: argparse.Namespace) -> trial.TrialDesign:
    changes: dict[str, Any] = {"assumptions": args.assumptions, "population_size": args.population}
    optional = {
        "endpoint": args.endpoint,
        "n_control": args.n_control,
        "n_treatment": args.n_treatment,
        "noise": args.noise,
        "enrol_above": args.enrol_above,
        "days": args.days,
        "spread": args.spread,
    }
    changes.update({k: v for k, v in optional.items() if v is not None})
    if args.control:
        changes["control"] = tuple(parse_intervention(text) for text in args.control)
    if args.treatment:
        changes["treatment"] = tuple(parse_intervention(text) for text in args.treatment)
    if args.inert:
        changes["treatment"] = changes.get("control", trial.STANDARD_CARE)
    return trial.preset(args.design, **changes)


@contextlib.contextmanager
def _executor(workers: int) -> Iterator[concurrent.futures.Executor | None]:
    if workers == 1:
        yield None
        return
    with concurrent.futures.ProcessPoolExecutor(workers) as pool:
        yield pool


def _scaled(design: trial.TrialDesign, value: float) -> str:
    if design.endpoint == "remission_at_end":
        return f"{100 * value:+.1f} percentage points"
    return f"{value:+.3f} index units"


def _cmd_trial(args: argparse.Namespace) -> None:
    if isinstance(args.workers, bool) or not 1 <= args.workers <= 64:
        raise UsageError(f"--workers {args.workers!r}: must be a whole number in [1, 64]")
    if args.out:
        check_out_path(args.out)
    design = _design(args)
    sizes = _sizes(args.power) if args.power else None
    for n in sizes or ():
        design.with_patients(n)  # refuses a bad size before any work
    echo(f"# {DISCLAIMER}")
    echo(f"design: {design.describe()}")
    with _executor(args.workers) as pool:
        if sizes:
            table = trial.power(
                design,
                sizes,
                1000 if args.replicates is None else args.replicates,
                args.seed,
                fresh=args.fresh,
                executor=pool,
            )
            _report_power(design, table)
        elif args.replicates is not None:
            table = trial.replicate(design, args.replicates, args.seed, fresh=args.fresh, executor=pool)
            _report_replicates(design, table)
        else:
            result = trial.run(design, args.seed, executor=pool)
            echo(result.describe())
            table = result.patients
    if args.out:
        meta = {"seed": args.seed, "design": design.describe()}
        meta.update({k: v for k, v in table.attrs.items() if k in ("true_difference", "test", "n_trials")})
        write_out(table, args.out, meta)


def _report_replicates(design: trial.TrialDesign, table: Any) -> None:
    s = trial.summarise(table)
    echo(f"{s['n_trials']} trials ({table.attrs['test']}), seed {table.attrs['seed']}:")
    echo(
        f"  significant (p < {trial.ALPHA:g}): {s['share_significant']:.1%} "
        f"[95 % interval {s['share_significant_low']:.1%} to {s['share_significant_high']:.1%}]"
    )
    echo(f"  95 % intervals containing the true difference: {s['coverage']:.1%}")
    echo(
        f"  mean estimate {_scaled(design, s['mean_difference'])}; true difference in the model's population "
        f"{_scaled(design, s['true_difference'])}"
    )


def _report_power(design: trial.TrialDesign, table: Any) -> None:
    echo(f"share of significant trials (p < {trial.ALPHA:g}) by total number of patients:")
    for row in table.itertuples():
        echo(
            f"  {row.n_patients:>5} ({row.n_treatment} treated, {row.n_control} control): {row.power:6.1%} "
            f"[{row.power_low:.1%}, {row.power_high:.1%}]"
        )
    echo(f"true difference in the model's population: {_scaled(design, float(table['true_difference'].iloc[0]))}")


def add_commands(subparsers: Any) -> None:
    """Register `trial` on the `sle-immunomod` parser."""
    cmd = subparsers.add_parser(
        "trial",
        help="virtual randomised trials: one trial, many replicates, or a power curve (illustrative)",
        description=f"Virtual trials of the toy model. {DISCLAIMER}",
    )
    cmd.add_argument("--design", default="deng_like", choices=list(trial.PRESETS), help="ready-made design")
    cmd.add_argument("--assumptions", default="baseline", choices=list(ASSUMPTION_SETS), help="how MSC act (the truth)")
    cmd.add_argument("--endpoint", choices=list(trial.ENDPOINTS), help="default: the design's")
    cmd.add_argument("--n-control", type=int, help="patients in the control arm (0 for before/after)")
    cmd.add_argument("--n-treatment", type=int, help="patients in the treatment arm")
    cmd.add_argument(
        "--control",
        action="append",
        default=[],
        metavar="KIND:KEY=VALUE,...",
        help="control-arm intervention (repeatable; default: standard immunosuppression)",
    )
    cmd.add_argument(
        "--treatment",
        action="append",
        default=[],
        metavar="KIND:KEY=VALUE,...",
        help="treatment-arm intervention (repeatable; default: standard therapy plus MSC on day 0)",
    )
    cmd.add_argument("--inert", action="store_true", help="give the treatment arm the control arm's therapy")
    cmd.add_argument("--noise", type=float, help="SD of the measurement noise on the activity index (0..1)")
    cmd.add_argument("--enrol-above", type=float, help="enrol only if the measured baseline index is at least this")
    cmd.add_argument("--days", type=float, help="follow-up in days (default 365)")
    cmd.add_argument(
        "--spread", type=float, help=f"how much virtual patients differ (0..1, default {trial.TRIAL_SPREAD:g})"
    )
    cmd.add_argument("--population", type=int, default=2000, help="virtual patients to recruit from (default 2000)")
    cmd.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same numbers")
    cmd.add_argument("--replicates", type=int, help="run this many trials of the design (one row each)")
    cmd.add_argument("--power", metavar="N,N,...", help="total patients per trial for a power curve")
    cmd.add_argument("--fresh", action="store_true", help="simulate new patients for every replicate trial")
    cmd.add_argument("--workers", type=int, default=1, help="processes for the simulations (default 1)")
    cmd.add_argument("--out", help="write the table to a .csv or .parquet file (with disclaimer and seed)")
    cmd.set_defaults(func=_cmd_trial)
