"""A class of simulated students on one app server: time from a slider move to the finished rerun.

Run: ``python benchmarks/classroom_load.py --students 30 --moves 10 [--json FILE]``. Starts
``streamlit run app.py`` on 127.0.0.1 (a free port, headless) and connects N students that speak
Streamlit's own websocket protocol (`st_client.py`; no browsers). Each student opens a page (Explore
by default, with the start staggered over `--ramp` seconds, as a class arrives), then moves a slider
to a random new position every few seconds (`--think`, drawn from 0.5 to 1.5 times it) and waits for
the rerun to finish, `--moves` times. Reported: median and 95th percentile of the time from a move to
the finished rerun (the last message of the run the browser would draw), page-load times, errors
(exceptions shown by the app, failed or timed-out runs, dropped connections) and the peak resident
memory of the server's process tree, sampled every half second.

Targets at 30 students: p95 at most 1.5 s, no errors, server memory at most 1.5 GB. The load
generator runs on the same machine and takes some of its CPU. Bounded: `--students` at most 200,
`--moves` at most 100, the whole run at most `--timeout` seconds; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import threading
import time
from pathlib import Path

from st_client import ROOT, AppServer, ProtocolError, Session
from websockets.exceptions import WebSocketException

MAX_STUDENTS = 200
MAX_MOVES = 100


class Tally:
    """What the students saw: move and page-load times, and every error with its reason."""

    def __init__(self) -> None:
        self.moves: list[float] = []
        self.opens: list[float] = []
        self.kinds: dict[str, int] = {}
        self.errors: list[str] = []

    def add_run(self, seconds: float, kind: str, exceptions: list[str], into: list[float]) -> None:
        into.append(seconds)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        self.errors += exceptions


class MemoryWatch(threading.Thread):
    """Samples the server's resident memory every `interval` seconds; keeps the peak (MB)."""

    def __init__(self, server: AppServer, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.server, self.interval = server, interval
        self.peak_mb = server.rss_mb()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.peak_mb = max(self.peak_mb, self.server.rss_mb())


async def student(number: int, url: str, args: argparse.Namespace, tally: Tally, rng: random.Random) -> None:
    """One student: arrive, open the page, move the slider `args.moves` times with pauses between."""
    await asyncio.sleep(args.ramp * number / max(args.students, 1))
    try:
        async with Session(url, timeout=args.run_timeout) as session:
            opened = await session.open(args.page)
            tally.add_run(opened.seconds, "open", opened.exceptions, tally.opens)
            slider = session.widget(args.slider).proto
            steps = round((slider.max - slider.min) / slider.step)
            for _ in range(args.moves):
                await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))
                value = round(slider.min + slider.step * rng.randint(0, steps), 9)
                run = await session.move(args.slider, value)
                tally.add_run(run.seconds, run.kind, run.exceptions, tally.moves)
    except (OSError, TimeoutError, KeyError, ProtocolError, WebSocketException) as exc:
        tally.errors.append(f"student {number}: {type(exc).__name__}: {exc}")


def percentile(values: list[float], share: float) -> float | None:
    """The `share` quantile (0-1) of `values` by linear interpolation; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def classroom(server: AppServer, args: argparse.Namespace) -> Tally:
    tally = Tally()
    rng = random.Random(args.seed)
    tasks = [student(k, server.ws_url, args, tally, random.Random(rng.random())) for k in range(args.students)]
    try:
        async with asyncio.timeout(args.timeout):
            await asyncio.gather(*tasks)
    except TimeoutError:
        tally.errors.append(f"the class did not finish within --timeout {args.timeout:g} s")
    return tally


def measure(args: argparse.Namespace) -> dict[str, object]:
    """Start the server, run the class, and summarise."""
    with AppServer(ROOT / "app.py", options=tuple(args.server_option)) as server:
        idle_mb = server.rss_mb()
        watch = MemoryWatch(server)
        watch.start()
        cpu = server.cpu_seconds()
        start = time.perf_counter()
        tally = asyncio.run(classroom(server, args))
        duration = time.perf_counter() - start
        cpu = server.cpu_seconds() - cpu
        watch.done.set()
        watch.join()
        peak = max(watch.peak_mb, server.rss_mb())
    expected = args.students * args.moves
    return {
        "students": args.students,
        "moves_per_student": args.moves,
        "page": args.page,
        "slider": args.slider,
        "think_s": args.think,
        "moves_done": len(tally.moves),
        "p50_s": percentile(tally.moves, 0.5),
        "p95_s": percentile(tally.moves, 0.95),
        "max_s": max(tally.moves, default=None),
        "mean_s": statistics.fmean(tally.moves) if tally.moves else None,
        "open_p50_s": percentile(tally.opens, 0.5),
        "open_p95_s": percentile(tally.opens, 0.95),
        "run_kinds": tally.kinds,
        "errors": len(tally.errors),
        "moves_missing": expected - len(tally.moves),
        "error_messages": tally.errors[:20],
        "server_rss_mb": peak,
        "server_idle_rss_mb": idle_mb,
        "server_start_s": server.started_s,
        "server_cpu_s": cpu,
        "moves_per_s": len(tally.moves) / duration if duration else None,
        "duration_s": duration,
    }


def report(result: dict[str, object]) -> str:
    def seconds(value: object) -> str:
        return "n/a" if value is None else f"{value:.2f} s"

    return "\n".join(
        [
            f"{result['students']} students x {result['moves_per_student']} moves on {result['page']} "
            f"({result['slider']}), a move every {result['think_s']:g} s on average",
            f"move -> finished rerun: p50 {seconds(result['p50_s'])}, p95 {seconds(result['p95_s'])}, "
            f"max {seconds(result['max_s'])} ({result['moves_done']} moves, {result['run_kinds']})",
            f"page load under load: p50 {seconds(result['open_p50_s'])}, p95 {seconds(result['open_p95_s'])}",
            f"errors: {result['errors']}" + "".join(f"\n  {m}" for m in result["error_messages"]),
            f"server memory: peak {result['server_rss_mb']:.0f} MB (idle {result['server_idle_rss_mb']:.0f} MB); "
            f"server CPU {result['server_cpu_s']:.1f} s over {result['duration_s']:.1f} s",
            "targets at 30 students: p95 <= 1.5 s, 0 errors, server memory <= 1500 MB",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30, help=f"simulated students (1-{MAX_STUDENTS}; default 30)")
    parser.add_argument("--moves", type=int, default=10, help=f"slider moves per student (1-{MAX_MOVES}; default 10)")
    parser.add_argument("--think", type=float, default=3.0, help="mean seconds between a student's moves (default 3)")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which students arrive (default 10)")
    parser.add_argument("--page", default="explore", help="URL path of the page to open (default explore)")
    parser.add_argument("--slider", default="explore.p.antigen_clearance", help="key of the slider to move")
    parser.add_argument("--seed", type=int, default=1, help="seed of the students' choices (default 1)")
    parser.add_argument("--run-timeout", type=float, default=60.0, help="seconds before one run counts as failed")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds before the whole run stops")
    parser.add_argument(
        "--server-option", action="append", default=[], metavar="OPTION", help="extra `streamlit run` option"
    )
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    args = parser.parse_args(argv)
    if not 1 <= args.students <= MAX_STUDENTS:
        parser.error(f"--students must be between 1 and {MAX_STUDENTS}")
    if not 1 <= args.moves <= MAX_MOVES:
        parser.error(f"--moves must be between 1 and {MAX_MOVES}")
    if args.think < 0 or args.ramp < 0 or args.timeout <= 0 or args.run_timeout <= 0:
        parser.error("--think and --ramp must be at least 0, --timeout and --run-timeout above 0")
    result = measure(args)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
