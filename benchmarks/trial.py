"""Benchmark of virtual trials: 1,000 trials of 2 x 50 new patients against a loop of `simulate`.

Run: ``python benchmarks/trial.py`` (a few minutes on 2 cores), ``--quick`` (100 trials) or
``--workers 2`` (the trials' parts on a process pool).

What it measures:

* **trials**: ``model.trial.replicate(design, 1000, seed, fresh=True)`` for the "two_by_fifty"
  design (standard therapy against standard therapy plus MSC, one-year follow-up, `baseline`):
  every trial recruits 100 *new* virtual patients, each simulated for a year under the arm it was
  allocated to: 100,000 one-year trajectories, in vectorised batches. The time includes everything
  `replicate` does: drawing the patients (`draw_population` screens each candidate with a one-year
  untreated run, so about 1.3 untreated runs per kept patient are made on top), the two arms'
  batches, the measurements and the statistics of every trial. Not timed: the design's virtual
  population under both arms, which gives the true difference and is computed once per design
  (cached) before the clock starts.
* **loop**: `simulate` called once per patient for patients of the same population, half under
  each arm (the same workload done one run at a time), timed in the same process and run.
* **batch**: `simulate_batch` on 2,000 patients of the same population, half under each arm,
  outcomes only (as `benchmarks/ensemble.py` measures the batch engine): the batch engine's own
  ratio against the loop on this workload, in the same run.

Reported: trajectories per second of each, and the ratios against the loop (the trials' 100,000
trajectories over their whole time). The target is at least the batch engine's own ratio. All
three are measured in rounds, one after the other, as the machine's speed drifts; the median
round (by the trials' ratio) is shown with every round.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import model
from model import trial
from model.analysis.population import draw_population

SEED = 0


def _design() -> trial.TrialDesign:
    return trial.preset("two_by_fifty")


def loop_rate(design: trial.TrialDesign, n: int, seed: int) -> float:
    """Runs per second of `simulate` over `n` new patients, half under each arm."""
    patients = draw_population(design.population_spec, n=n, seed=seed).params
    arms = (design.control, design.treatment)
    start = time.perf_counter()
    for k, (_, row) in enumerate(patients.iterrows()):
        model.simulate(
            design.scenario,
            assumptions=design.assumptions,
            params=row.to_dict(),
            interventions=arms[k % 2],
            days=design.days,
        )
    return n / (time.perf_counter() - start)


def batch_rate(design: trial.TrialDesign, n: int, seed: int) -> float:
    """Runs per second of `simulate_batch` over `n` new patients, half under each arm."""
    patients = draw_population(design.population_spec, n=n, seed=seed).params
    start = time.perf_counter()
    for part, arm in ((patients.iloc[: n // 2], design.control), (patients.iloc[n // 2 :], design.treatment)):
        model.simulate_batch(
            part,
            scenario=design.scenario,
            assumptions=design.assumptions,
            interventions=arm,
            days=design.days,
            keep_states=False,
        )
    return n / (time.perf_counter() - start)


def trial_rate(design: trial.TrialDesign, n_trials: int, seed: int, workers: int) -> tuple[float, float]:
    """(one-year trajectories per second, seconds) of `n_trials` fresh trials."""
    pool = concurrent.futures.ProcessPoolExecutor(workers) if workers > 1 else None
    try:
        start = time.perf_counter()
        table = trial.replicate(design, n_trials, seed, fresh=True, executor=pool)
        elapsed = time.perf_counter() - start
    finally:
        if pool is not None:
            pool.shutdown()
    assert len(table) == n_trials
    return n_trials * design.n_patients / elapsed, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000, help="replicate trials per round (default 1000)")
    parser.add_argument("--loop", type=int, default=200, help="patients in the loop of simulate (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of loop and trials (default 3)")
    parser.add_argument("--batch", type=int, default=2000, help="patients in the batch comparison (default 2000)")
    parser.add_argument("--workers", type=int, default=1, help="processes for the trials (default 1)")
    parser.add_argument("--quick", action="store_true", help="100 trials, a loop of 60, one round")
    args = parser.parse_args(argv)
    if args.quick:
        args.trials, args.loop, args.rounds, args.batch = 100, 60, 1, 500
    for name in ("trials", "loop", "rounds", "workers", "batch"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    design = _design()
    print(f"# {model.DISCLAIMER}")
    print(f"design: {design.describe()}")
    trial.potential_outcomes(design)  # the true difference: once per design, not timed
    trial.replicate(design, 5, SEED + 99, fresh=True)  # warm-up: first calls, allocator
    loop_rate(design, 10, SEED + 98)
    rounds = []
    for r in range(args.rounds):
        loop = loop_rate(design, args.loop, SEED + 10 + r)
        batch = batch_rate(design, args.batch, SEED + 20 + r)
        rate, seconds = trial_rate(design, args.trials, SEED + r, args.workers)
        rounds.append((rate / loop, rate, loop, seconds, batch))
        print(
            f"round {r + 1}: loop {loop:7.1f} runs/s; batch {batch:7.1f} runs/s = {batch / loop:5.1f}x; "
            f"{args.trials} trials x {design.n_patients} patients ({args.workers} process(es)) in {seconds:6.1f} s "
            f"= {rate:7.1f} trajectories/s = {rate / loop:5.1f}x"
        )
    ratio, rate, loop, seconds, batch = sorted(rounds)[len(rounds) // 2]
    print(
        f"median round: {args.trials:,} trials = {args.trials * design.n_patients:,} one-year trajectories in "
        f"{seconds:.1f} s ({rate:,.0f}/s): {ratio:.1f}x a loop of simulate ({loop:,.0f} runs/s); the batch engine "
        f"alone on the same workload {batch / loop:.1f}x (every round: "
        f"{', '.join(f'{r[0]:.1f}x vs {r[4] / r[2]:.1f}x' for r in rounds)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
