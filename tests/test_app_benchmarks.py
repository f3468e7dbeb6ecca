"""The app benchmarks run end to end in a quick mode against the real server on 127.0.0.1.

They assert that the measurement works and reports what it promises, not timings: speed is
judged by running the benchmarks in full (README, docs/serving-a-class.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def run_benchmark(script: str, tmp_path: Path, *args: str) -> dict:
    """Run `benchmarks/<script>` with `args` and `--json`; its JSON result."""
    out = tmp_path / "result.json"
    command = [sys.executable, str(ROOT / "benchmarks" / script), *args, "--json", str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def test_app_rerun_moves_a_control_on_every_page_and_compares_with_the_minimal_page(tmp_path: Path) -> None:
    result = run_benchmark("app_rerun.py", tmp_path, "--moves", "1", "--warmup", "0", "--other-moves", "1")
    pages = result["pages"]
    assert {"explore", "compare", "tipping_points", "how_sure", "model_evidence", "classroom"} <= set(pages)
    for page, row in pages.items():
        assert "error" not in row, f"{page}: {row.get('error')}"
        assert row["errors"] == [], f"{page} showed an exception after a move: {row['errors']}"
        assert row["ms"] >= 0 and row["wall_ms"] > 0 and row["switch_s"] > 0
        assert "ratio" in row
    for page in ("tipping_points", "compare"):
        other = pages[page]["other"]
        assert other["widget"] and other["ms"] >= 0 and other["wall_ms"] > 0 and "ratio" in other
    assert result["minimal_ms"] >= 0
    assert result["first_load_s"] > 0 and result["warm_load_s"] > 0
    assert not result["first_load_errors"]


def test_classroom_load_reports_move_latency_errors_and_server_memory(tmp_path: Path) -> None:
    args = ("--students", "3", "--moves", "2", "--think", "0.2", "--ramp", "0.5", "--timeout", "300")
    result = run_benchmark("classroom_load.py", tmp_path, *args)
    assert result["students"] == 3
    assert result["moves_done"] == 6
    assert result["errors"] == 0, result["error_messages"]
    assert 0 < result["p50_s"] <= result["p95_s"]
    assert result["server_rss_mb"] > result["server_idle_rss_mb"] > 0


@pytest.mark.parametrize(
    ("script", "args", "message"),
    [
        ("classroom_load.py", ("--students", "0"), "--students must be between 1 and 200"),
        ("classroom_load.py", ("--moves", "101"), "--moves must be between 1 and 100"),
        ("app_rerun.py", ("--moves", "0"), "--moves must be at least 1"),
    ],
)
def test_benchmarks_refuse_out_of_range_counts_with_a_message(script: str, args: tuple[str, ...], message: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert message in done.stderr
