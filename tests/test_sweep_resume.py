"""A sweep killed mid-run (a real subprocess, SIGTERM and SIGKILL) resumes to the uninterrupted table."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from model.analysis import sweep

pytestmark = pytest.mark.slow  # each test takes more than a few seconds

SPEC = """
scenario = "susceptible"
assumptions = ["baseline"]
interventions = ["antigen:day=20,size=40,duration=14"]
days = 120
seed = 11
chunk_size = 25
[design]
kind = "grid"
[design.parameters]
antigen_clearance = { low = 0.6, high = 1.2, count = 20 }
treg_death = { low = 0.05, high = 0.2, count = 20 }
"""
N_CHUNKS = 16
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "resume.toml"
    path.write_text(SPEC, encoding="utf-8")
    assert sweep.load_spec(path).n_chunks == N_CHUNKS
    return path


@pytest.fixture(scope="module")
def reference(spec_path: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The same sweep, uninterrupted (in this process, in threads)."""
    with ThreadPoolExecutor(2) as pool:
        folder = sweep.run(spec_path, out=tmp_path_factory.mktemp("ref") / "out", executor=pool, progress=False)
    return sweep.load(folder)


def _command(spec: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "model",
        "sweep",
        str(spec),
        "--out",
        str(out),
        "--workers",
        "1",
        "--no-progress",
        *extra,
    ]


def _chunk_files(out: Path) -> dict[str, int]:
    """Finished chunk files and their modification times (ns)."""
    if not out.exists():
        return {}
    return {p.name: p.stat().st_mtime_ns for p in out.glob("chunk-*.parquet")}


def _temporaries(out: Path) -> list[str]:
    return [p.name for p in out.iterdir() if p.name.startswith(".")]


def _start_and_kill_after_first_chunk(spec: Path, out: Path, sig: signal.Signals) -> int:
    """Start the CLI sweep, wait (polling the folder) until a chunk is written, send `sig`; returns the exit code."""
    proc = subprocess.Popen(_command(spec, out), start_new_session=True, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not _chunk_files(out):
            assert proc.poll() is None, f"sweep ended before any chunk was written: {proc.stderr.read()}"  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "no chunk written in time"
            time.sleep(0.005)
        proc.send_signal(sig)
        return proc.wait(timeout=TIMEOUT)
    finally:
        # the pool's worker processes live in the session started above; make sure none is left
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=TIMEOUT)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killed_sweep_resumes_to_the_uninterrupted_table(
    sig: signal.Signals, spec_path: Path, reference: pd.DataFrame, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code = _start_and_kill_after_first_chunk(spec_path, out, sig)
    kept = _chunk_files(out)
    assert 1 <= len(kept) < N_CHUNKS, "the kill must land mid-run"
    if sig == signal.SIGTERM:
        assert code == 130  # stopped cleanly: pending chunks cancelled, no temporary file left
        assert _temporaries(out) == []
    else:
        assert code == -signal.SIGKILL

    resumed = subprocess.run(_command(spec_path, out, "--resume"), capture_output=True, text=True, timeout=TIMEOUT)
    assert resumed.returncode == 0, resumed.stderr

    table = sweep.load(out)
    pd.testing.assert_frame_equal(table, reference)
    assert table["run_id"].is_unique
    assert _temporaries(out) == []
    assert set(_chunk_files(out)) == {f"chunk-{i:06d}.parquet" for i in range(N_CHUNKS)}
    after = _chunk_files(out)
    assert all(after[name] == mtime for name, mtime in kept.items()), "finished chunks are kept, not redone"
