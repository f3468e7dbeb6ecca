"""Server cost of one rerun of each app page, against a minimal one-slider Plotly page in the same run.

Run: ``python benchmarks/app_rerun.py [--moves N] [--json FILE]``. Starts the real server twice on
127.0.0.1 (the app, and a minimal page: one slider, one Plotly line of 366 points) and speaks
Streamlit's websocket protocol to both (`st_client.py`, no browser). For every page of the app it
opens the page, moves one slider or select box to `--moves` new positions (never a position seen
before, so no cached result is reused), and measures the server's CPU time per rerun; between
pages the minimal page gets the same number of moves, and each page's ratio is taken against the
minimal page measured next to it. Target: every page at most 6 times the minimal page.
A few pages also move a further control that makes them compute something new (`OTHER_MOVES`,
`--other-moves` times), reported on an "also" line and kept out of the page's ratio.

Also reported, in wall-clock seconds: the first load of the root URL on a cold server (until
Explore's content has been sent), the same in a second tab (warm server), and the first visit of
each page in the first tab (a page switch). `--pages` and `--warmup` make a quick run possible.

``--json FILE`` writes ``{"pages": {"<page>": {"ratio": x, "ms": y, ...}}, "minimal_ms": ..., ...}``.
CPU time comes from the kernel in clock ticks (10 ms), so each page's figure is the total over
its moves divided by their number. Numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from st_client import ROOT, AppServer, ProtocolError, Session, Widget

#: The control each page's benchmark moves (a widget key); pages not listed move their first slider.
MOVES: dict[str, str] = {
    "explore": "explore.p.antigen_clearance",
    "compare": "compare.days",
    "tipping_points": "tipping.dose",
    "how_sure": "how_sure.outcome",
    "model_evidence": "evidence.assumptions",
    "classroom": "classroom.activity",
    "virtual_trial": "virtual_trial.assumptions",
}
#: Further controls that make a page compute something new (a remission map over every dose, a run's
#: 10-year integration), moved `--other-moves` times and reported next to the page, each against the
#: page's minimal-page figure; not part of the page's ratio (the controls students move most are above).
OTHER_MOVES: dict[str, str] = {
    "tipping_points": "tipping.ma",
    "compare": "compare.assumptions.1",
}
MINIMAL_PAGE = """
import numpy as np
import plotly.graph_objects as go
import streamlit as st

k = st.slider("frequency", 0.1, 10.0, 1.0, step=0.01, key="k")
t = np.arange(366.0)
st.plotly_chart(go.Figure(go.Scatter(x=t, y=np.sin(k * t / 58.0), mode="lines")), key="fig")
"""


def positions(widget: Widget, count: int) -> list[float | str]:
    """`count` new values for `widget`, none equal to its current value or to each other when possible.

    Slider positions follow a golden-ratio sequence over the range (on the slider's step);
    select boxes cycle through their other options.
    """
    proto = widget.proto
    if widget.kind == "selectbox":
        options = list(proto.options)
        current = proto.default if proto.default < len(options) else 0
        others = [options[(current + 1 + k) % len(options)] for k in range(len(options) - 1)] or options
        return [others[k % len(others)] for k in range(count)]
    steps = max(1, round((proto.max - proto.min) / proto.step))
    seen = {round(v, 9) for v in proto.value} or {round(v, 9) for v in proto.default}
    values: list[float | str] = []
    k = 1
    while len(values) < count and k < 50 * count:
        value = round(proto.min + proto.step * round(((k * 0.6180339887) % 1.0) * steps), 9)
        if value not in seen:
            seen.add(value)
            values.append(value)
        k += 1
    return values


async def measure_moves(server: AppServer, session: Session, key: str, moves: int, warmup: int) -> dict[str, object]:
    """Move widget `key` to `warmup` and then `moves` new positions; CPU ms per measured rerun, wall times."""
    values = positions(session.widget(key), moves + warmup)
    for value in values[:warmup]:
        await session.move(key, value)
    walls, kinds, errors = [], set(), []
    cpu = server.cpu_seconds()
    for value in values[warmup:]:
        run = await session.move(key, value)
        walls.append(run.seconds)
        kinds.add(run.kind)
        errors += run.exceptions
    cpu = server.cpu_seconds() - cpu
    return {
        "ms": 1000 * cpu / len(walls),
        "wall_ms": 1000 * statistics.median(walls),
        "kind": "/".join(sorted(kinds)),
        "widget": key,
        "errors": errors,
    }


async def run(app: AppServer, minimal: AppServer, args: argparse.Namespace) -> dict[str, object]:
    """The whole measurement: first load, page switches, and each page's reruns against the minimal page."""
    pages: dict[str, dict[str, object]] = {}
    async with Session(app.ws_url) as student, Session(minimal.ws_url) as reference:
        first = await student.open("")
        await reference.open("")
        async with Session(app.ws_url) as tab:
            warm = await tab.open("")
        for page in args.pages or student.pages:
            switch = await student.open(page)
            key = MOVES.get(page) or next(iter(student.controls(("slider",)) or student.controls()), None)
            if key is None or key not in student.controls():
                pages[page] = {"error": f"no control {key!r} to move on {page}; controls: {student.controls()}"}
                continue
            base = await measure_moves(minimal, reference, "k", args.moves, args.warmup)
            try:
                result = await measure_moves(app, student, key, args.moves, args.warmup)
            except (KeyError, ProtocolError, TimeoutError) as exc:
                pages[page] = {"error": f"moving {key} failed: {exc!r}"}
                continue
            result["ratio"] = result["ms"] / base["ms"] if base["ms"] > 0 else None
            result["minimal_ms"] = base["ms"]
            result["switch_s"] = switch.seconds
            result["errors"] = switch.exceptions + result["errors"]
            if page in OTHER_MOVES and args.other_moves:
                other = await measure_moves(app, student, OTHER_MOVES[page], args.other_moves, 0)
                other["ratio"] = other["ms"] / base["ms"] if base["ms"] > 0 else None
                result["other"] = other
                result["errors"] += other["errors"]
            pages[page] = result
    baselines = [p["minimal_ms"] for p in pages.values() if "minimal_ms" in p]
    return {
        "pages": pages,
        "minimal_ms": statistics.median(baselines) if baselines else None,
        "first_load_s": first.seconds,
        "first_load_errors": first.exceptions,
        "warm_load_s": warm.seconds,
        "server_start_s": app.started_s,
        "moves": args.moves,
        "server_rss_mb": app.rss_mb(),
    }


def ratio(value: float | None) -> str:
    """A ratio for the terminal ("n/a" when the minimal page used no measurable CPU time: too few moves)."""
    return "n/a" if value is None else f"{value:.1f}x"


def report(result: dict[str, object]) -> str:
    """A table of the pages for the terminal."""
    lines = [
        f"server start {result['server_start_s']:.1f} s; first load of / (cold) {result['first_load_s']:.2f} s, "
        f"then in a new tab {result['warm_load_s']:.2f} s; "
        f"minimal page {result['minimal_ms']:.1f} ms CPU per rerun; server RSS {result['server_rss_mb']:.0f} MB",
        f"{'page':<16} {'control':<30} {'CPU ms':>8} {'ratio':>7} {'wall ms':>8} {'run':>9} {'switch s':>9}",
    ]
    for page, row in result["pages"].items():
        if "error" in row:
            lines.append(f"{page:<16} {row['error']}")
            continue
        lines.append(
            f"{page:<16} {row['widget']:<30} {row['ms']:>8.1f} {ratio(row['ratio']):>7} {row['wall_ms']:>8.0f} "
            f"{row['kind']:>9} {row['switch_s']:>9.2f}" + (f"  errors: {row['errors']}" if row["errors"] else "")
        )
        if "other" in row:
            other = row["other"]
            lines.append(
                f"{'  also:':<16} {other['widget']:<30} {other['ms']:>8.1f} {ratio(other['ratio']):>7} "
                f"{other['wall_ms']:>8.0f} {other['kind']:>9}"
            )
    worst = max((r["ratio"] for r in result["pages"].values() if r.get("ratio") is not None), default=None)
    lines.append(f"worst page {ratio(worst)} the minimal page (target: at most 6x; 'also' rows are not in it)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=20, help="measured moves per page (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured moves before each page's (default 2)")
    parser.add_argument("--pages", type=lambda s: [p for p in s.split(",") if p], help="comma-separated URL paths")
    parser.add_argument(
        "--other-moves", type=int, default=3, help="moves of each page's further control (OTHER_MOVES; 0: none)"
    )
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.moves < 1 or args.warmup < 0 or args.other_moves < 0:
        parser.error("--moves must be at least 1, --warmup and --other-moves at least 0")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "minimal_page.py"
        script.write_text(MINIMAL_PAGE, encoding="utf-8")
        with AppServer(ROOT / "app.py") as app, AppServer(script) as minimal:
            result = asyncio.run(run(app, minimal, args))
    result["duration_s"] = time.perf_counter() - start
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
