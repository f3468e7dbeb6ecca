"""Command line for sweeps: `sle-immunomod sweep SPEC.toml` and `sle-immunomod plot-sweep DIR`.

Picked up by `model.cli` (listed in its `_EXTENSIONS`). Stopping a sweep with Ctrl-C or SIGTERM
cancels the chunks not yet started, keeps every finished chunk and exits with code 130; run the same
command with `--resume` to continue.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Executor
from pathlib import Path
from types import FrameType

from ..analysis import sweep
from ..analysis.sweep_spec import SpecError, check_size
from ..core.disclaimer import DISCLAIMER
from ..core.outcomes import OUTCOME_NAMES

__all__ = ["add_commands"]

INTERRUPTED_EXIT = 130


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `sweep` and `plot-sweep` subcommands to the `sle-immunomod` parser."""
    run = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep from a TOML spec into Parquet chunks (resumable)",
        description=f"Run a parameter sweep described by a TOML spec (see docs/sweeps.md). {DISCLAIMER}",
    )
    run.add_argument("spec", type=Path, help="the sweep spec (TOML), e.g. examples/sweeps/quick.toml")
    run.add_argument("--out", type=Path, help="output folder (default: the spec's `out`)")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive, help="local worker processes (default: number of CPUs)")
    where.add_argument("--dask-scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://host:8786")
    where.add_argument("--dask-local", type=_positive, metavar="N", help="run on a local Dask cluster of N workers")
    run.add_argument("--resume", action="store_true", help="continue a stopped sweep in the output folder")
    run.add_argument("--dry-run", action="store_true", help="print runs, chunks and estimated time; write nothing")
    run.add_argument("--yes", action="store_true", help="confirm a sweep larger than the spec's `max_runs`")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.set_defaults(func=_cmd_sweep)

    plot = subparsers.add_parser(
        "plot-sweep",
        help="heatmap or lines of an outcome of a finished sweep, one panel per assumption set",
        description=f"Plot an outcome of a finished sweep (mean over replicates). {DISCLAIMER}",
    )
    plot.add_argument("folder", type=Path, help="the sweep's output folder")
    plot.add_argument("--x", required=True, help="swept quantity on the x axis")
    plot.add_argument("--y", help="second swept quantity (heatmap); without it, lines over x")
    plot.add_argument("--outcome", default="remission_at_end", help=f"e.g. {', '.join(OUTCOME_NAMES)}")
    plot.add_argument("--out", type=Path, help="file to write: .html (plotly) or .png (matplotlib)")
    plot.set_defaults(func=_cmd_plot)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return value


def _cmd_sweep(args: argparse.Namespace) -> None:
    spec = sweep.load_spec(args.spec)
    print(f"# {DISCLAIMER}", flush=True)
    if args.dry_run:
        _dry_run(spec, args)
        return
    check_size(spec, args.yes)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    start = time.perf_counter()
    try:
        with _executor(args) as (executor, workers):
            folder = sweep.run(
                spec,
                out=args.out,
                executor=executor,
                resume=args.resume,
                workers=workers,
                confirm=args.yes,
                progress=not args.no_progress,
            )
    except KeyboardInterrupt:
        print(
            f"sle-immunomod: sweep stopped; finished chunks are kept. Continue with: "
            f"sle-immunomod sweep {args.spec} {_out_option(args)}--resume",
            file=sys.stderr,
        )
        raise SystemExit(INTERRUPTED_EXIT) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    seconds = time.perf_counter() - start
    print(f"wrote {spec.n_runs:,} runs in {spec.n_chunks:,} chunks to {folder} ({seconds:.1f} s)")
    print(f"read it with: python -c \"from model import sweep; print(sweep.load('{folder}'))\"")


def _out_option(args: argparse.Namespace) -> str:
    return f"--out {args.out} " if args.out else ""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM behaves like Ctrl-C: unwind, cancel pending chunks, keep the finished ones."""
    raise KeyboardInterrupt(f"signal {signum}")


def _dry_run(spec: sweep.SweepSpec, args: argparse.Namespace) -> None:
    workers = args.dask_local or args.workers or (1 if args.dask_scheduler else os.cpu_count() or 1)
    result = sweep.estimate(spec, workers=workers)
    print(result.describe())
    where = args.out or spec.out
    print(f"output folder: {where if where else '(none given: pass --out DIR)'} (dry run: nothing written)")
    if args.dask_scheduler:
        print("estimate is for 1 worker; divide by the number of Dask worker threads")
    try:
        check_size(spec, args.yes)
    except SpecError as exc:
        print(f"note: {exc}")
    for note in _override_notes(spec):
        print(f"note: {note}")


def _override_notes(spec: sweep.SweepSpec) -> list[str]:
    """Swept values replace what the scenario or an assumption set sets for the same parameter."""
    from ..core.scenarios import ASSUMPTION_SETS, SCENARIOS

    sources = [(f"scenario {spec.scenario}", SCENARIOS[spec.scenario].overrides)]
    sources += [(f"assumption set {name}", ASSUMPTION_SETS[name].overrides) for name in spec.assumptions]
    return [
        f"`{name}` is swept here and also set by {label}; the swept values win"
        for name in spec.parameter_columns
        for label, overrides in sources
        if name in overrides
    ]


@contextlib.contextmanager
def _executor(args: argparse.Namespace) -> Iterator[tuple[Executor | None, int | None]]:
    """The executor the options ask for, and its number of workers (None: the default process pool)."""
    if args.dask_scheduler:
        from distributed import Client

        with Client(args.dask_scheduler) as client:
            yield client.get_executor(pure=False), max(sum(client.nthreads().values()), 1)
    elif args.dask_local:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            host="127.0.0.1",
            n_workers=args.dask_local,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        with cluster, Client(cluster) as client:
            yield client.get_executor(pure=False), args.dask_local
    else:
        yield None, args.workers


def _cmd_plot(args: argparse.Namespace) -> None:
    path = sweep.plot(args.folder, x=args.x, outcome=args.outcome, y=args.y, out=args.out)
    print(f"# {DISCLAIMER}")
    print(f"wrote {path}")
