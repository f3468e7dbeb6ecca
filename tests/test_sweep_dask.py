"""The same sweep on a real Dask cluster (loopback, 2 worker processes) equals the process-pool result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from model import cli
from model.analysis import sweep

pytestmark = pytest.mark.slow  # each test takes more than a few seconds

distributed = pytest.importorskip("distributed")

SPEC = """
scenario = "active_sle"
assumptions = ["baseline", "durable_treg"]
interventions = ["msc:day=30,dose=1"]
days = 180
seed = 5
replicates = 3
chunk_size = 8
outcomes = ["remission_at_end", "activity_final", "flares"]
[design]
kind = "lhs"
n = 6
[design.parameters]
"msc.dose" = { low = 0.5, high = 4.0 }
antigen_clearance = { low = 0.5, high = 1.2 }
[background]
treg_death = {}
"""


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "dask.toml"
    path.write_text(SPEC, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def process_pool_table(spec_path: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = sweep.run(spec_path, out=tmp_path_factory.mktemp("pool") / "out", workers=2, progress=False)
    return sweep.load(folder)


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    cluster = distributed.LocalCluster(
        host="127.0.0.1", n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def test_dask_cluster_gives_the_process_pool_table(
    spec_path: Path, process_pool_table: pd.DataFrame, client: distributed.Client, tmp_path: Path
) -> None:
    folder = sweep.run(spec_path, out=tmp_path / "out", executor=client.get_executor(pure=False), progress=False)
    table = sweep.load(folder)
    assert len(table) == 2 * 6 * 3
    pd.testing.assert_frame_equal(table, process_pool_table)
    assert len(client.scheduler_info()["workers"]) == 2  # both workers were there to take chunks


def test_cli_dask_scheduler_option_reaches_the_cluster(
    spec_path: Path, process_pool_table: pd.DataFrame, client: distributed.Client, tmp_path: Path
) -> None:
    address = client.scheduler.address
    assert address.startswith("tcp://127.0.0.1:")
    out = tmp_path / "out"
    assert cli.main(["sweep", str(spec_path), "--out", str(out), "--dask-scheduler", address, "--no-progress"]) == 0
    pd.testing.assert_frame_equal(sweep.load(out), process_pool_table)


def test_cli_dask_local_option_starts_its_own_loopback_cluster(
    spec_path: Path, process_pool_table: pd.DataFrame, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert cli.main(["sweep", str(spec_path), "--out", str(out), "--dask-local", "2", "--no-progress"]) == 0
    pd.testing.assert_frame_equal(sweep.load(out), process_pool_table)
