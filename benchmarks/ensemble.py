"""Benchmark of the batch engine: one-year trajectories per second, against a loop of `simulate`.

Run: ``python benchmarks/ensemble.py`` (a few minutes on 2 cores) or ``--quick`` (under a minute).

Every member is a parameter set drawn by Latin hypercube (as `model.uncertainty.ensemble` does),
run for 365 days of `active_sle` under `baseline` with an MSC infusion on day 30, starting on its
own attractor (as `simulate` does for new parameters). Two workloads (``--workload``, default
both): ``box``, parameters over the whole plausible box, and ``near``, the How sure page's default
spread of a quarter of the way from the scenario's values to their bounds. Each
measurement runs in a fresh process so its peak memory (max RSS) is its own, after a warm-up run
of the same workload with other parameter sets (so no attractor comes from a cache): the first
large run in a process pays about 0.1 s for the memory allocator growing its heap.

Reports: trajectories/s of a loop over `simulate` (a subset), of `simulate_batch` for each N (one
process) and with 2 worker processes, the speed-up over the loop, and peak memory. The loop and the
one-process batches are measured in five rounds (``--rounds``), each round one after the other,
as the machine's speed drifts by several per cent within a minute; the table shows the median
round and every round's numbers below it. With
``--stream N`` it also streams N members with outcomes only (``keep_states=False``), showing that
memory stays bounded.

Reports, besides wall-time ratios, the ratio of each process's CPU time: on the shared 2-core
machine other engineers' work makes wall times swing by a factor of three within a minute.

Where the time goes near the defaults (CPU time, 1,000 members, one chunk; details and the whole
box in docs/performance.md):

* the one-year run, about two thirds: the members of a chunk stacked into one LSODA system of
  11 equations per member with the diagonal of the Jacobian for its Newton iteration; a third of
  it LSODA's own arithmetic, the rest the vectorised right-hand side. The stacked system takes
  the steps that *any* member needs; grouping members by their own needs did not change that,
  and a per-member variable-order BDF written in numpy was 20 % slower overall;
* finding each member's attractor (`model/engine/attractor.py`), about a third: continuation
  settles nearly every member in some 21 vectorised steps, and its tail of slowly settling
  members costs a third of it; Newton's method (members continuation stops short of) and the
  3000-day burn-ins (0.2-0.5 % of members, `benchmarks/attractors.py`) cost little.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import model
from model.analysis import uncertainty
from model.engine import batch

INTERVENTIONS = (model.MSCInfusion(day=30.0, dose=1.0),)
SEED = 0
WARM_UP = 2000  # most members in the warm-up run of the batch engine
#: The How sure page's default: parameters a quarter of the way from the scenario's values to their bounds.
NEAR_SPREAD = 0.25
#: Where the members are drawn: over the whole plausible box, or near the scenario's values.
WORKLOADS = {"box": 1.0, "near": NEAR_SPREAD}


def _members(n: int, workload: str, seed: int = SEED) -> object:
    spread = WORKLOADS[workload]
    ranges = None if spread == 1.0 else uncertainty.ranges_around("active_sle", spread=spread)
    return uncertainty.sample_parameters(n, seed=seed, ranges=ranges)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _warm_up(n: int, workload: str) -> None:
    """Run the workload once with other parameter sets, so one-time costs of a fresh process
    (first calls, the memory allocator growing its heap for large arrays) are not timed.

    The parameter sets differ from the timed ones, so no attractor is reused from a cache.
    """
    warm = _members(n, workload, SEED + 1)
    if n == 1:
        model.simulate("active_sle", params=warm.iloc[0].to_dict(), interventions=INTERVENTIONS, days=365)
    else:
        batch.simulate_batch(warm, scenario="active_sle", interventions=INTERVENTIONS, days=365, keep_states=False)


def loop_rate(n: int, workload: str) -> dict[str, float]:
    """Trajectories/s of a Python loop over `simulate` (each with its own burn-in)."""
    rows = _members(n, workload).to_dict("records")
    _warm_up(1, workload)
    start, cpu = time.perf_counter(), time.process_time()
    for row in rows:
        model.simulate("active_sle", params=row, interventions=INTERVENTIONS, days=365)
    return _timed(n, start, cpu)


def _timed(n: int, start: float, cpu: float) -> dict[str, float]:
    """Members per second of wall time and of this process's CPU time since `start` and `cpu`."""
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return {"n": n, "seconds": seconds, "rate": n / seconds, "cpu_rate": n / cpu_seconds, "peak_mb": _peak_mb()}


def batch_rate(n: int, workload: str, workers: int, chunk_size: int, keep_states: bool) -> dict[str, float]:
    """Trajectories/s of `simulate_batch` (or streamed chunks when keep_states is False)."""
    members = _members(n, workload)
    if workers == 1:  # worker processes start fresh whatever the parent did
        _warm_up(min(n, WARM_UP), workload)
    start, cpu = time.perf_counter(), time.process_time()
    failed = 0
    for part in batch.iter_batch(
        members,
        scenario="active_sle",
        interventions=INTERVENTIONS,
        days=365,
        chunk_size=chunk_size,
        keep_states=keep_states,
        workers=workers,
    ):
        failed += int(part.failed.sum())
    workers_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return {**_timed(n, start, cpu), "worker_mb": workers_mb}


def _fresh(func: object, *args: object) -> dict[str, float]:
    """Run `func(*args)` in a new process, so its peak memory is its own."""
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        return pool.submit(func, *args).result()  # type: ignore[arg-type]


def _rounds(
    sizes: tuple[int, ...], loop_n: int, chunk_size: int, rounds: int, workload: str
) -> list[dict[str, dict[str, float]]]:
    """The loop and the one-process batches, measured `rounds` times in turn.

    The machine's speed drifts by several per cent over a minute, so each round measures the loop
    and the batches one after the other and its ratios compare runs made close in time.
    """
    out = []
    for _ in range(rounds):
        measured = {"loop": _fresh(loop_rate, loop_n, workload)}
        for n in sizes:
            measured[f"batch_{n}"] = _fresh(batch_rate, n, workload, 1, chunk_size, True)
        out.append(measured)
    return out


def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run with the median rate (the rounds' rates are also kept, as `rates`)."""
    ordered = sorted(runs, key=lambda r: r["rate"])
    return {**ordered[len(ordered) // 2], "rates": [r["rate"] for r in runs]}


def _table(workload: str, args: argparse.Namespace, sizes: tuple[int, ...], loop_n: int) -> dict[str, Any]:
    """Measure one workload and print its table; returns the results (for --json)."""
    rounds = _rounds(sizes, loop_n, args.chunk_size, 1 if args.quick else args.rounds, workload)
    results: dict[str, dict[str, Any]] = {}
    for name in rounds[0]:
        results[name] = _median_run([r[name] for r in rounds])
    speedups = {name: [r[name]["rate"] / r["loop"]["rate"] for r in rounds] for name in rounds[0]}
    cpu_speedups = {name: [r[name]["cpu_rate"] / r["loop"]["cpu_rate"] for r in rounds] for name in rounds[0]}
    split = min(args.chunk_size, -(-sizes[-1] // 2))  # at least two chunks, one per process
    results[f"batch_{sizes[-1]}_2proc"] = _fresh(batch_rate, sizes[-1], workload, 2, split, False)
    if args.stream and workload == "box":
        results[f"stream_{args.stream}_2proc"] = _fresh(batch_rate, args.stream, workload, 2, args.chunk_size, False)

    where = (
        "the whole plausible box" if WORKLOADS[workload] == 1.0 else f"spread {WORKLOADS[workload]:g} around active_sle"
    )
    print(f"\n[{workload}] parameters by LHS over {where}")
    loop = results["loop"]["rate"]
    header = f"{'run':<24} {'members':>8} {'seconds':>8} {'traj/s':>8} {'x loop':>7} {'x cpu':>6}"
    print(f"{header} {'peak MB':>8} {'worker MB':>9}")
    for name, r in results.items():
        times = statistics.median(speedups[name]) if name in speedups else r["rate"] / loop
        cpu = f"{statistics.median(cpu_speedups[name]):>6.1f}" if name in cpu_speedups else f"{'':>6}"
        print(
            f"{name:<24} {r['n']:>8.0f} {r['seconds']:>8.2f} {r['rate']:>8.0f} {times:>7.1f} {cpu} "
            f"{r['peak_mb']:>8.0f} {r.get('worker_mb', 0):>9.0f}"
        )
    print(f"(median of {len(rounds)} round(s); x loop: median of each round's ratio to its own loop,")
    print(" x cpu: the same with each process's CPU time instead of wall time. By round:)")
    for name, ratios in speedups.items():
        rates = ", ".join(f"{rate:.0f}" for rate in results[name]["rates"])
        cpu_ratios = ", ".join(f"{x:.1f}" for x in cpu_speedups[name])
        print(f"  {name}: traj/s {rates}; x loop {', '.join(f'{x:.1f}' for x in ratios)}; x cpu {cpu_ratios}")
    return {**results, "x_loop": speedups, "x_loop_cpu": cpu_speedups}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table per workload (and optionally write JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one round (a few seconds)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of loop and one-process batches")
    parser.add_argument("--chunk-size", type=int, default=batch.DEFAULT_CHUNK_SIZE)
    parser.add_argument("--workload", choices=[*WORKLOADS, "both"], default="both", help="where members are drawn")
    parser.add_argument("--stream", type=int, default=0, metavar="N", help="also stream N members, outcomes only")
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    sizes = (200, 1000) if args.quick else (1000, 10_000)
    loop_n = 20 if args.quick else 300

    print(f"# {model.DISCLAIMER}")
    print("one-year runs of active_sle/baseline with an MSC infusion on day 30")
    one = _fresh(loop_rate, 1, "box")["peak_mb"]
    workloads = list(WORKLOADS) if args.workload == "both" else [args.workload]
    results = {workload: _table(workload, args, sizes, loop_n) for workload in workloads}
    print(f"(peak MB is the process's max RSS; a process that ran one simulate: {one:.0f} MB)")
    print(f"(2proc: 2 worker processes over chunks of up to {args.chunk_size}, outcomes only; worker MB: the largest)")
    print("(batch_N: chunks are streamed with their trajectories and dropped, so memory is that of one chunk)")
    print("(on a shared machine wall times swing with the load of others; x cpu, from each process's own CPU")
    print(" time, is the steadier measure of the work each way does)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
