"""`sle-immunomod trial`: one trial, replicates, a power curve, written with the disclaimer; bad input: one line."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

from model import DISCLAIMER
from model.evidence import STUDIES

# The same virtual population as tests/test_trial.py (durable_treg, default size and seed): simulated once.
COMMON = ("trial", "--assumptions", "durable_treg", "--seed", "3")


@pytest.mark.slow
def test_one_deng_like_trial_writes_one_row_per_patient_with_the_disclaimer(cli, tmp_path):
    out_file = tmp_path / "trial.csv"
    code, out, _ = cli(*COMMON, "--out", str(out_file))
    assert code == 0
    assert out.startswith(f"# {DISCLAIMER}") and "Virtual trial (illustrative, not predictive)" in out
    lines = out_file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"# {DISCLAIMER} seed=3"
    table = pd.read_csv(out_file, comment="#")
    assert len(table) == sum(STUDIES["deng2017"].arms.values())
    assert {"patient", "arm", "baseline", "final", "remission", "change"} <= set(table.columns)


@pytest.mark.slow
def test_replicates_write_one_row_per_trial_to_parquet_with_the_disclaimer(cli, tmp_path):
    out_file = tmp_path / "trials.parquet"
    code, out, _ = cli(*COMMON, "--replicates", "200", "--out", str(out_file))
    assert code == 0
    assert "200 trials (Fisher's exact test)" in out and "true difference in the model's population" in out
    table = pq.read_table(out_file)
    assert table.num_rows == 200
    assert table.column_names == ["difference", "ci_low", "ci_high", "p_value", "significant"]
    meta = table.schema.metadata
    assert meta[b"disclaimer"] == DISCLAIMER.encode() and b"true_difference" in meta


@pytest.mark.slow
def test_power_prints_one_line_per_size(cli):
    code, out, _ = cli(*COMMON, "--power", "12,48", "--replicates", "200")
    assert code == 0
    assert out.count(" treated, ") == 2


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("--n-control", "1"), "`n_control` = 1"),
        (("--design", "before_after", "--endpoint", "remission_at_end"), "'activity_change'"),
        (("--noise", "2"), "`noise` = 2.0"),
        (("--power", "4,abc"), "--power '4,abc'"),
        (("--power", "1000"), "`n_patients` = 1000 must be at most 200"),
        (("--replicates", "0"), "`n_trials` = 0"),
        (("--workers", "0"), "--workers 0"),
        (("--treatment", "msc:day=-1"), "day"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_file(cli, tmp_path, argv, needle):
    out_file = tmp_path / "never.csv"
    code, _, err = cli("trial", *argv, "--out", str(out_file))
    assert code == 2
    assert needle in err and err.count("\n") == 1
    assert not out_file.exists()
