"""Benchmark of the sweep machinery: runs per second with 1 and 2 workers, and overhead vs the batch engine.

    python benchmarks/sweep.py            # 10,000 runs (4 assumption sets x 50 x 50 grid)
    python benchmarks/sweep.py --side 20  # 1,600 runs, for a quick look

"direct" makes the sweep's own calls of `model.simulate_batch` (chunk by chunk, one call per
assumption set in a chunk) in this process, and writes nothing; the sweep adds building the run
table, pickling chunks to worker processes, Parquet files, manifest updates and the progress bar.
Overhead = sweep(1 worker) / direct - 1 (target < 10 %). Scaling = rate(2 workers) / rate(1
worker) (ideal 2 on 2 cores).
Each configuration runs `--repeat` times and the best time counts, as other load on the machine
only ever slows a run down.
Illustrative teaching model, not predictive, not medical advice.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from model import DISCLAIMER, batch, simulate_batch, sweep
from model.analysis.sweep_spec import SweepSpec, parse_spec


def make_spec(side: int, chunk_size: int) -> SweepSpec:
    """A grid of side x side points (antigen clearance x Treg death) under every assumption set, MSC on day 30."""
    axes = {
        "antigen_clearance": {"low": 0.4, "high": 1.4, "count": side},
        "treg_death": {"low": 0.05, "high": 0.2, "count": side},
    }
    return parse_spec(
        {
            "assumptions": "all",
            "interventions": ["msc:day=30,dose=1"],
            "days": 365,
            "chunk_size": chunk_size,
            "design": {"kind": "grid", "parameters": axes},
        }
    )


def time_direct(spec: SweepSpec) -> float:
    """Seconds for the batch engine alone on the sweep's runs: the same calls, chunk by chunk.

    The engine's cache of attractors is emptied before and after, so neither a repetition nor the
    sweep's worker processes (forked from this one) reuse them.
    """
    table = spec.runs(np.arange(spec.n_runs), spec.design_points(), spec.background_draws())
    batch._BURN_INS.clear()
    start = time.perf_counter()
    for index in range(spec.n_chunks):
        first, stop = spec.chunk_bounds(index)
        for assumptions, group in table.iloc[first:stop].groupby("assumptions", sort=False):
            simulate_batch(
                group.loc[:, list(spec.parameter_columns)],
                scenario=spec.scenario,
                assumptions=str(assumptions),
                interventions=spec.build_interventions(),
                days=spec.days,
                keep_states=False,
            )
    seconds = time.perf_counter() - start
    batch._BURN_INS.clear()
    return seconds


def time_sweep(spec: SweepSpec, workers: int) -> float:
    """Seconds for `sweep.run` with a process pool of `workers` (into a temporary folder)."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        sweep.run(spec, out=Path(folder) / "out", workers=workers, progress=False)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", type=int, default=50, help="grid side (runs = 4 x side^2; default 50 -> 10,000)")
    parser.add_argument("--chunk-size", type=int, default=500, help="runs per chunk (default 500)")
    parser.add_argument("--repeat", type=int, default=2, help="repetitions; the best time counts (default 2)")
    args = parser.parse_args()
    spec = make_spec(args.side, args.chunk_size)
    print(f"# {DISCLAIMER}")
    print(
        f"sweep of {spec.n_runs:,} one-year runs in {spec.n_chunks} chunks of {spec.chunk_size}; {os.cpu_count()} CPUs"
    )
    timers = {
        "direct": lambda: time_direct(spec),
        "one": lambda: time_sweep(spec, 1),
        "two": lambda: time_sweep(spec, 2),
    }
    best = {name: min(timer() for _ in range(args.repeat)) for name, timer in timers.items()}
    direct, one, two = best["direct"], best["one"], best["two"]
    rows = [
        ("batch engine directly (1 process)", direct),
        ("sweep, 1 worker", one),
        ("sweep, 2 workers", two),
    ]
    print(f"\n{'what':<36} {'seconds':>8} {'runs/s':>8}")
    for name, seconds in rows:
        print(f"{name:<36} {seconds:>8.2f} {spec.n_runs / seconds:>8.0f}")
    print(f"\nscaling 2 workers / 1 worker: {one / two:.2f}x (ideal 2.00x)")
    print(f"overhead of the sweep machinery (1 worker vs direct): {100 * (one / direct - 1):+.1f} % (target < 10 %)")


if __name__ == "__main__":
    main()
