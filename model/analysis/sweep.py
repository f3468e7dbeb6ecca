"""Parameter sweeps that scale: a TOML spec in, one Parquet file per chunk out, resumable.

A sweep (see `docs/sweeps.md`) is a table of runs defined by a spec (`model.sweep_spec`): every
design point under every assumption set, for every replicate. The runs are cut into chunks of
`chunk_size`; each chunk is evaluated by the batch engine in a worker of any
`concurrent.futures.Executor` (a local process pool by default, a Dask cluster's executor on request),
and the parent writes it to `chunk-NNNNNN.parquet` through a temporary name, then updates
`manifest.json` atomically. So a sweep killed at any moment loses at most the chunks in flight;
`resume=True` verifies the finished chunks (file present, row count, spec hash) and runs the rest.

Results are illustrative teaching-model numbers (`DISCLAIMER`), not predictions.

Example::

    from model import sweep
    folder = sweep.run("examples/sweeps/quick.toml", out="sweeps/quick")
    table = sweep.load(folder)          # one row per run, sorted by run id
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..core.disclaimer import DISCLAIMER
from ..core.outcomes import OUTCOME_NAMES
from ..engine.batch import simulate_batch
from ..report.files import TEMPORARY_MARK, atomic_path, write_atomic
from ..report.tables import write_csv
from .sweep_spec import RUN_COLUMNS, SpecError, SweepSpec, check_size, load_spec, parse_spec

__all__ = [
    "DISCLAIMER",
    "Estimate",
    "SpecError",
    "SweepSpec",
    "estimate",
    "export_csv",
    "load",
    "load_spec",
    "parse_spec",
    "plot",
    "run",
    "summarize",
]

MANIFEST = "manifest.json"
_META_KEY = b"sle_immunomod"
#: Column types of the outcomes; flares and remission are nullable (missing when a run's solve failed).
_OUTCOME_DTYPES = {name: "float64" for name in OUTCOME_NAMES} | {"flares": "Int64", "remission_at_end": "boolean"}


def _version() -> str:
    from .. import __version__

    return __version__


# --------------------------------------------------------------------------------------------------
# Evaluating one chunk (runs in a worker process, or on a Dask worker)
# --------------------------------------------------------------------------------------------------
def _evaluate_chunk(rows: pd.DataFrame, spec: SweepSpec) -> pd.DataFrame:
    """Outcomes (and, if kept, the activity series) of the runs in `rows`, in the same row order.

    Runs sharing an assumption set and the swept intervention fields go to the batch engine as one
    vectorised solve. A run whose solve failed has `failed` True and missing outcomes.
    """
    overrides = [*spec.parameter_columns, *(name for name, _ in spec.fixed)]
    parts = []
    for key, group in rows.groupby(["assumptions", *spec.intervention_columns], sort=False):
        fields = dict(zip(spec.intervention_columns, key[1:], strict=True))
        batch = simulate_batch(
            group.loc[:, overrides],
            scenario=spec.scenario,
            assumptions=key[0],
            interventions=spec.build_interventions(fields),
            days=spec.days,
            keep_states=spec.keep_time_series,
        )
        part = batch.outcomes.loc[:, list(spec.outcomes)].reset_index(drop=True)
        part["failed"] = batch.failed
        if spec.keep_time_series:
            series = _sample_series(batch.t, batch.activity, spec.series_days())
            part = part.join(pd.DataFrame(series, columns=series_columns(spec)))
        part.index = group.index
        parts.append(part)
    table = pd.concat(parts).astype({k: _OUTCOME_DTYPES[k] for k in spec.outcomes})
    return rows.join(table).reset_index(drop=True)


def _sample_series(t: np.ndarray, activity: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Activity [member, day] at `days`: linear between time points, the after-jump value at a jump."""
    right = np.clip(np.searchsorted(t, days, side="right"), 1, len(t) - 1)
    left = right - 1
    exact = t[left] == days
    span = np.where(exact, 1.0, t[right] - t[left])
    weight = np.where(exact, 0.0, (days - t[left]) / span)
    return activity[:, left] * (1.0 - weight) + activity[:, right] * weight


def series_columns(spec: SweepSpec) -> list[str]:
    """Names of the kept activity columns (`activity_day_<day>`), when `keep_time_series` is on."""
    return [f"activity_day_{d:g}" for d in spec.series_days()] if spec.keep_time_series else []


def _worker_init() -> None:
    """Process-pool workers leave Ctrl-C and SIGTERM handling to the parent, which cleans up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


# --------------------------------------------------------------------------------------------------
# The output folder: chunk files and the manifest
# --------------------------------------------------------------------------------------------------
def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _chunk_name(index: int) -> str:
    return f"chunk-{index:06d}.parquet"


class _Store:
    """Reads and writes one sweep folder; every file appears complete or not at all."""

    def __init__(self, folder: Path, spec: SweepSpec) -> None:
        self.folder, self.spec, self.hash = folder, spec, spec.hash()
        self.done: set[int] = set()

    # -- setup ---------------------------------------------------------------------------------
    def open(self, resume: bool) -> list[int]:
        """Create or check the folder; returns the chunk indices still to run."""
        manifest = self.folder / MANIFEST
        if manifest.exists():
            old = json.loads(manifest.read_text(encoding="utf-8"))
            if not resume:
                raise SpecError(f"{self.folder} already holds a sweep; pass --resume (resume=True) or a new folder")
            if old.get("spec_hash") != self.hash:
                raise SpecError(
                    f"cannot resume {self.folder}: it was made by a different spec (hash "
                    f"{str(old.get('spec_hash'))[:12]}, this spec {self.hash[:12]}); use a new output folder"
                )
        elif self.folder.exists() and any(self.folder.iterdir()):
            raise SpecError(f"{self.folder} is not empty and holds no sweep ({MANIFEST} missing); choose a new folder")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._remove_temporaries()
        self.done = {i for i in range(self.spec.n_chunks) if self._chunk_complete(i)}
        self._write_manifest()
        return [i for i in range(self.spec.n_chunks) if i not in self.done]

    def _remove_temporaries(self) -> None:
        """Left-overs of a killed run: half-written chunks or manifests (never renamed into place)."""
        for path in self.folder.iterdir():
            if path.name.startswith(".") and TEMPORARY_MARK in path.name:
                path.unlink()

    def _chunk_complete(self, index: int) -> bool:
        path = self.folder / _chunk_name(index)
        if not path.exists():
            return False
        try:
            meta = pq.read_metadata(path)
        except (OSError, pa.ArrowInvalid):
            return False
        info = json.loads((meta.metadata or {}).get(_META_KEY, b"{}"))
        start, stop = self.spec.chunk_bounds(index)
        return info.get("spec_hash") == self.hash and info.get("chunk") == index and meta.num_rows == stop - start

    # -- writing -------------------------------------------------------------------------------
    def write_chunk(self, index: int, frame: pd.DataFrame) -> None:
        """Write chunk `index` under a temporary name, rename it into place, then update the manifest."""
        start, stop = self.spec.chunk_bounds(index)
        if len(frame) != stop - start:
            raise RuntimeError(f"chunk {index} returned {len(frame)} rows, expected {stop - start}")
        table = pa.Table.from_pandas(frame, preserve_index=False)
        info = {"spec_hash": self.hash, "chunk": index, "runs": [start, stop], "seed": self.spec.seed}
        metadata = {**(table.schema.metadata or {}), b"disclaimer": DISCLAIMER.encode(), _META_KEY: json.dumps(info)}
        with atomic_path(self.folder / _chunk_name(index)) as tmp:
            pq.write_table(table.replace_schema_metadata(metadata), tmp)
        self.done.add(index)
        self._write_manifest()

    def _write_manifest(self) -> None:
        spec = self.spec
        chunks = [
            {
                "index": i,
                "file": _chunk_name(i),
                "runs": list(spec.chunk_bounds(i)),
                "status": "done" if i in self.done else "pending",
            }
            for i in range(spec.n_chunks)
        ]
        manifest = {
            "disclaimer": DISCLAIMER,
            "package": "sle-immunomod",
            "version": _version(),
            "spec_hash": self.hash,
            "seed": spec.seed,
            "n_runs": spec.n_runs,
            "n_chunks": spec.n_chunks,
            "chunks_done": len(self.done),
            "complete": len(self.done) == spec.n_chunks,
            "updated_utc": _now(),
            "spec": spec.to_dict(),
            "columns": {"outcomes": list(spec.outcomes), "series": series_columns(spec)},
            "chunks": chunks,
        }
        write_atomic(self.folder / MANIFEST, json.dumps(manifest, indent=1) + "\n")


# --------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------
def _as_spec(spec_or_path: SweepSpec | str | os.PathLike[str]) -> SweepSpec:
    return spec_or_path if isinstance(spec_or_path, SweepSpec) else load_spec(spec_or_path)


def _output_folder(spec: SweepSpec, out: str | os.PathLike[str] | None) -> Path:
    folder = out if out is not None else spec.out
    if folder is None:
        raise SpecError("no output folder: set `out` in the spec or pass --out DIR")
    return Path(folder)


def run(
    spec_or_path: SweepSpec | str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    executor: Executor | None = None,
    resume: bool = False,
    workers: int | None = None,
    in_flight: int | None = None,
    confirm: bool = False,
    progress: bool = True,
) -> Path:
    """Run a sweep into a folder of Parquet chunks plus `manifest.json`; returns the folder.

    **Main arguments:**
        spec_or_path: a `SweepSpec` or the path of a TOML spec.
        out: output folder (default: the spec's `out`).
        executor: where chunks run; default a `ProcessPoolExecutor` of `workers` processes. Pass a
            Dask `Client(...).get_executor()` to use a cluster. The caller keeps ownership of it.
        resume: continue a stopped sweep in `out`: finished chunks are kept (after checking file,
            row count and spec hash), the others run; a folder made by another spec is refused.

    **Other arguments:**
        workers: size of the default process pool (default: the number of CPUs).
        in_flight: most chunks submitted at once (default: 2 x workers), which bounds memory and
            what a kill can lose.
        confirm: allow more than the spec's `max_runs` runs (like `confirm_large = true`).
        progress: show a tqdm progress bar (runs done, rate, time left) on stderr.

    Nothing is created when the spec is invalid or too large; `SpecError` says why.
    """
    spec = _as_spec(spec_or_path)
    check_size(spec, confirm)
    store = _Store(_output_folder(spec, out), spec)
    todo = store.open(resume)
    workers = workers or os.cpu_count() or 1
    own = executor is None
    pool = executor or ProcessPoolExecutor(max_workers=workers, initializer=_worker_init)
    finished = False
    try:
        _drive(pool, spec, store, todo, in_flight or 2 * workers, progress)
        finished = True
    finally:
        if own:
            pool.shutdown(wait=finished, cancel_futures=True)
    return store.folder


def _drive(executor: Executor, spec: SweepSpec, store: _Store, todo: list[int], in_flight: int, progress: bool) -> None:
    """Keep up to `in_flight` chunks submitted; write each as it finishes; cancel the rest on any exception."""
    from tqdm import tqdm

    points, draws = spec.design_points(), spec.background_draws()
    queue: Iterator[int] = iter(todo)
    pending: dict[Future[pd.DataFrame], int] = {}
    done_runs = spec.n_runs - sum(stop - start for start, stop in map(spec.chunk_bounds, todo))
    bar = tqdm(total=spec.n_runs, initial=done_runs, unit="run", file=sys.stderr, disable=not progress)

    def refill() -> None:
        for index in queue:
            rows = spec.runs(np.arange(*spec.chunk_bounds(index)), points, draws)
            pending[executor.submit(_evaluate_chunk, rows, spec)] = index
            if len(pending) >= in_flight:
                break

    try:
        refill()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                index = pending.pop(future)
                frame = future.result()
                store.write_chunk(index, frame)
                bar.update(len(frame))
            refill()
    finally:
        for future in pending:
            future.cancel()
        bar.close()


# --------------------------------------------------------------------------------------------------
# Planning (--dry-run)
# --------------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Estimate:
    """What a sweep will cost: sizes, and a time extrapolated from a small pilot chunk.

    Attributes:
        n_runs, n_chunks, chunk_size: sizes of the sweep.
        pilot_runs, pilot_seconds: the pilot chunk evaluated here.
        workers: workers assumed for `seconds`.
        seconds: estimated wall time, assuming the pilot's rate per worker and linear scaling.
    """

    n_runs: int
    n_chunks: int
    chunk_size: int
    pilot_runs: int
    pilot_seconds: float
    workers: int
    seconds: float

    def describe(self) -> str:
        """A few lines for the terminal."""
        return (
            f"runs: {self.n_runs:,} in {self.n_chunks:,} chunks of up to {self.chunk_size:,}\n"
            f"pilot: {self.pilot_runs} runs in {self.pilot_seconds:.2f} s "
            f"({self.pilot_runs / max(self.pilot_seconds, 1e-9):,.0f} runs/s per worker)\n"
            f"estimated time: {_duration(self.seconds)} with {self.workers} worker(s), assuming linear scaling"
        )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"about {seconds:.0f} s"
    if seconds < 7200:
        return f"about {seconds / 60:.0f} min"
    return f"about {seconds / 3600:.1f} h"


def estimate(spec_or_path: SweepSpec | str | os.PathLike[str], *, workers: int = 1, pilot_runs: int = 64) -> Estimate:
    """Sizes of a sweep and its estimated time from a pilot chunk of up to `pilot_runs` runs.

    The pilot is a slice of consecutive runs from the middle of the run table, evaluated here like
    any chunk. Writes nothing (the `--dry-run` of the CLI).
    """
    spec = _as_spec(spec_or_path)
    count = min(pilot_runs, spec.chunk_size, spec.n_runs)
    first = (spec.n_runs - count) // 2
    ids = np.arange(first, first + count)
    rows = spec.runs(ids, spec.design_points(), spec.background_draws())
    start = time.perf_counter()
    _evaluate_chunk(rows, spec)
    elapsed = time.perf_counter() - start
    seconds = spec.n_runs * elapsed / len(ids) / max(workers, 1)
    return Estimate(spec.n_runs, spec.n_chunks, spec.chunk_size, len(ids), elapsed, workers, seconds)


# --------------------------------------------------------------------------------------------------
# Reading back
# --------------------------------------------------------------------------------------------------
def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of a sweep folder (raises `SpecError` if there is none)."""
    path = Path(folder) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"{folder} holds no sweep ({MANIFEST} missing)") from None


def load(folder: str | os.PathLike[str], *, partial: bool = False) -> pd.DataFrame:
    """One table of a sweep: one row per run, sorted by run id.

    Columns: `run_id`, `assumptions`, `point`, `replicate`, the swept and background values, the
    kept outcomes and (with `keep_time_series`) `activity_day_<day>` columns. `attrs` carry the
    disclaimer, spec hash, seed and package version. An unfinished sweep raises `SpecError`
    unless `partial=True` (then only finished chunks are read).
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    done = [c for c in manifest["chunks"] if c["status"] == "done"]
    if len(done) < manifest["n_chunks"] and not partial:
        raise SpecError(
            f"the sweep in {folder} is unfinished ({len(done)} of {manifest['n_chunks']} chunks); "
            "finish it with --resume, or load(..., partial=True)"
        )
    tables = [pq.read_table(folder / c["file"]) for c in done]
    frame = pa.concat_tables(tables).to_pandas() if tables else pd.DataFrame(columns=list(RUN_COLUMNS))
    frame = frame.sort_values("run_id", kind="stable").reset_index(drop=True)
    frame.attrs.update(
        disclaimer=DISCLAIMER,
        spec_hash=manifest["spec_hash"],
        seed=manifest["seed"],
        version=manifest["version"],
        spec=manifest["spec"],
    )
    return frame


def export_csv(folder: str | os.PathLike[str], path: str | os.PathLike[str]) -> Path:
    """Write a finished sweep as one CSV led by comment lines (disclaimer, spec hash, seed); returns `path`."""
    frame = load(folder)
    header = [f"sweep spec hash {frame.attrs['spec_hash']}; seed {frame.attrs['seed']}"]
    header.append(f"sle-immunomod {frame.attrs['version']}; one row per run")
    write_csv(path, frame, header)
    return Path(path)


def swept_names(frame: pd.DataFrame) -> Sequence[str]:
    """The design columns of a loaded sweep (from its spec), in spec order."""
    return [axis["name"] for axis in frame.attrs["spec"]["axes"]]


# --------------------------------------------------------------------------------------------------
# Plotting
# --------------------------------------------------------------------------------------------------
_MAX_LEVELS, _BINS = 30, 12
_LABELS = {"remission_at_end": "probability of remission at the end (share of runs)"}


def _levels(values: pd.Series) -> pd.Series:
    """Grid values as they are; a sampled (continuous) axis binned into equal-width bins (mid-points)."""
    if values.nunique() <= _MAX_LEVELS:
        return values
    edges = np.linspace(values.min(), values.max(), _BINS + 1)
    mids = 0.5 * (edges[1:] + edges[:-1])
    return pd.Series(mids[np.clip(np.digitize(values, edges) - 1, 0, _BINS - 1)], index=values.index)


def summarize(frame: pd.DataFrame, x: str, y: str | None, outcome: str) -> pd.DataFrame:
    """Mean of `outcome` per assumption set and (x, y), over replicates and any other swept value.

    Checks that `x`/`y` are swept or background columns and `outcome` a kept outcome or series column.
    """
    inputs = [*swept_names(frame), *(a["name"] for a in frame.attrs["spec"]["background"])]
    for key, name in (("--x", x), ("--y", y)):
        if name is not None and name not in inputs:
            raise SpecError(f"{key} {name!r} is not a swept quantity of this sweep; choose from {', '.join(inputs)}")
    if x == y:
        raise SpecError("--x and --y must differ")
    kept = [c for c in frame.columns if c in OUTCOME_NAMES or c.startswith("activity_day_")]
    if outcome not in kept:
        raise SpecError(f"--outcome {outcome!r} is not in this sweep; choose from {', '.join(kept)}")
    order = frame.attrs["spec"]["assumptions"]
    keys = {"assumptions": pd.Categorical(frame["assumptions"], categories=order), x: _levels(frame[x])}
    if y is not None:
        keys[y] = _levels(frame[y])
    table = pd.DataFrame({**keys, outcome: frame[outcome].astype(float)})
    return table.groupby(list(keys), sort=True, observed=True)[outcome].mean().reset_index()


def plot(
    folder: str | os.PathLike[str],
    *,
    x: str,
    outcome: str,
    y: str | None = None,
    out: str | os.PathLike[str] | None = None,
) -> Path:
    """Plot an outcome of a finished sweep over one (lines) or two (heatmap) swept quantities.

    One panel per assumption set; values are means over replicates and over any other swept
    quantity. Writes plotly HTML, or PNG (matplotlib) when `out` ends in `.png`; the default is
    `<folder>/plot_<outcome>_<x>[_<y>].html`. Returns the path written.
    """
    frame = load(folder)
    table = summarize(frame, x, y, outcome)
    path = Path(out) if out is not None else Path(folder) / f"plot_{outcome}_{x}{'_' + y if y else ''}.html"
    if path.suffix.lower() not in (".html", ".png"):
        raise SpecError(f"--out {str(path)!r} must end in .html or .png")
    others = [n for n in swept_names(frame) if n not in (x, y)]
    title = f"{_LABELS.get(outcome, outcome)}: illustrative teaching model, not predictive, not medical advice"
    note = "mean over replicates" + (f" and over {', '.join(others)}" if others else "")
    note += f"; spec {frame.attrs['spec_hash'][:12]}, seed {frame.attrs['seed']}"
    writer = _plot_png if path.suffix.lower() == ".png" else _plot_html
    with atomic_path(path) as tmp:
        writer(table, x, y, outcome, f"{title}<br><sup>{note}</sup>", tmp)
    return path


def _panels(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    return [(str(name), part) for name, part in table.groupby("assumptions", sort=False)]


def _labels(values: pd.Index) -> list[str]:
    """Axis values as text, so a heatmap shows one equal cell per grid value (a categorical axis)."""
    return [f"{v:.3g}" for v in values]


def _ticks(setter: Any, values: pd.Index, most: int = 12) -> None:
    """Label every k-th cell of a heatmap axis with its value (at most `most` labels)."""
    step = -(-len(values) // most)
    positions = range(0, len(values), step)
    setter(list(positions), [_labels(values)[i] for i in positions])


def _plot_html(table: pd.DataFrame, x: str, y: str | None, outcome: str, title: str, path: Path) -> None:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    panels = _panels(table)
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[n for n, _ in panels], shared_yaxes=True)
    low, high = float(table[outcome].min()), float(table[outcome].max())
    for col, (_, part) in enumerate(panels, start=1):
        if y is None:
            trace: Any = go.Scatter(x=part[x], y=part[outcome], mode="lines+markers", showlegend=False)
        else:
            grid = part.pivot(index=y, columns=x, values=outcome)
            labels = [_labels(grid.columns), _labels(grid.index)]
            trace = go.Heatmap(x=labels[0], y=labels[1], z=grid.to_numpy(), coloraxis="coloraxis")
        fig.add_trace(trace, row=1, col=col)
        fig.update_xaxes(title_text=x, row=1, col=col)
    fig.update_yaxes(title_text=y or outcome, row=1, col=1)
    fig.update_layout(title=title, coloraxis={"cmin": low, "cmax": high, "colorbar": {"title": outcome}})
    fig.write_html(path, include_plotlyjs="cdn")


def _plot_png(table: pd.DataFrame, x: str, y: str | None, outcome: str, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = _panels(table)
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels) + 1.2, 3.8), sharey=True, squeeze=False)
    low, high = float(table[outcome].min()), float(table[outcome].max())
    image = None
    for ax, (name, part) in zip(axes[0], panels, strict=True):
        if y is None:
            ax.plot(part[x], part[outcome], marker="o")
        else:
            grid = part.pivot(index=y, columns=x, values=outcome)
            image = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", vmin=low, vmax=high)
            _ticks(ax.set_xticks, grid.columns)
            _ticks(ax.set_yticks, grid.index)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(x)
    axes[0][0].set_ylabel(y or outcome)
    if image is not None:
        fig.colorbar(image, ax=axes[0].tolist(), label=outcome)
    fig.suptitle(title.replace("<br><sup>", "\n").replace("</sup>", ""), fontsize=9, y=1.06)
    fig.savefig(path, dpi=110, format="png", bbox_inches="tight")
    plt.close(fig)
