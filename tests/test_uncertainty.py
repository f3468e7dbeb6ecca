"""Ensembles: sampling inside the plausible ranges, bands, P(remission), structural uncertainty, CLI."""

import math

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import model
from model.analysis import uncertainty
from model.cli import main

MSC = model.MSCInfusion(day=30.0, dose=1.0)


@pytest.fixture(scope="module")
def ens():
    return model.uncertainty.ensemble("active_sle", assumptions="durable_treg", interventions=[MSC], n=24, seed=11)


def test_same_seed_gives_identical_numbers_and_another_seed_does_not():
    a = uncertainty.ensemble(n=6, seed=2, days=40, parameters=["treg_loop", "antigen_clearance"])
    b = uncertainty.ensemble(n=6, seed=2, days=40, parameters=["treg_loop", "antigen_clearance"])
    c = uncertainty.ensemble(n=6, seed=3, days=40, parameters=["treg_loop", "antigen_clearance"])
    pd.testing.assert_frame_equal(a.samples, b.samples)
    pd.testing.assert_frame_equal(a.outcomes, b.outcomes)
    assert not np.allclose(a.samples.to_numpy(), c.samples.to_numpy())


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_samples_cover_each_range_log_uniformly_where_log_scale(method):
    n = 32
    samples = uncertainty.sample_parameters(n, seed=1, method=method)
    assert list(samples.columns) == list(uncertainty.default_parameters())
    for name in samples.columns:
        info = next(p for p in model.PARAMETERS if p.name == name)
        x = samples[name].to_numpy()
        assert np.all((x >= info.low) & (x <= info.high)), name
        to_unit = np.log if info.log_scale else (lambda v: v)
        u = (to_unit(x) - to_unit(info.low)) / (to_unit(info.high) - to_unit(info.low))
        # Latin hypercube and a Sobol sequence of 2^k points both put one point in each of n strata.
        assert sorted(np.floor(u * n).astype(int)) == list(range(n)), name


def test_default_sample_leaves_scenario_and_assumption_parameters_to_them():
    varied = set(uncertainty.default_parameters())
    fixed = set(model.SCENARIOS["active_sle"].overrides) | set(model.ASSUMPTION_SETS["durable_treg"].overrides)
    assert fixed and varied.isdisjoint(fixed)


def test_user_ranges_narrow_the_sample_and_add_parameters():
    samples = uncertainty.sample_parameters(
        16, seed=0, ranges={"treg_loop": (0.1, 0.2)}, parameters=["antigen_clearance"]
    )
    assert list(samples.columns) == ["antigen_clearance", "treg_loop"]
    assert samples["treg_loop"].between(0.1, 0.2).all()


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"ranges": {"treg_loop": (0.3, 0.2)}}, r"`ranges\['treg_loop'\]` = \(0.3, 0.2\) needs low < high.*\[0, 0.5\]"),
        ({"ranges": {"treg_loop": (0.1, 0.9)}}, r"outside the allowed range \[0, 0.5\]"),
        ({"ranges": {"no_such": (0, 1)}}, "Unknown parameter `no_such`"),
        ({"ranges": {"treg_loop": (0.1,)}}, r"must be a \(low, high\) pair"),
        ({"parameters": ["antigen_clearence"]}, "Did you mean antigen_clearance"),
        ({"method": "sobol", "n": 100}, "power of two.*64 or 128"),
        ({"method": "random"}, "lhs, sobol"),
        ({"n": 0}, r"`n` = 0"),
    ],
)
def test_bad_sampling_requests_name_the_field_and_what_is_allowed(kwargs, needle):
    args = {"n": 8, "seed": 0, **kwargs}
    with pytest.raises(model.ParameterError, match=needle):
        uncertainty.sample_parameters(**args)


def test_quantile_bands_are_ordered_over_time(ens):
    bands = ens.quantiles("activity")
    assert list(bands.columns) == [0.05, 0.25, 0.5, 0.75, 0.95]
    np.testing.assert_array_equal(bands.index.to_numpy(), ens.t)
    assert np.all(np.diff(bands.to_numpy(), axis=1) >= 0)
    assert ens.quantiles("E", q=(0.5,)).shape == (len(ens.t), 1)
    with pytest.raises(KeyError, match="Unknown state"):
        ens.quantiles("X")


def test_probability_of_remission_counts_members_and_has_a_wilson_interval(ens):
    prob = ens.probability_of_remission(confidence=0.9)
    share = ens.outcomes["remission_at_end"].astype(bool).mean()
    assert prob.value == pytest.approx(share)
    assert prob.low <= prob.value <= prob.high and prob.n == 24 and prob.confidence == 0.9
    wider = ens.probability_of_remission(confidence=0.99)
    assert wider.low <= prob.low and wider.high >= prob.high


def test_wilson_interval_matches_the_textbook_value():
    low, high = uncertainty.wilson_interval(0, 10, 0.95)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = uncertainty.wilson_interval(5, 10, 0.95)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(0.7634, abs=1e-4)


def test_outcomes_and_samples_have_one_row_per_member(ens):
    assert len(ens.outcomes) == len(ens.samples) == 24
    table = ens.to_frame()
    assert {"activity_final", "treg_death"} <= set(table.columns)
    assert table.attrs["seed"] == 11


def test_across_assumptions_runs_the_same_sample_under_every_set_and_durable_treg_remits_most():
    table = uncertainty.across_assumptions("active_sle", interventions=[MSC], n=16, seed=4, days=365)
    assert set(table["assumptions"]) == set(model.ASSUMPTION_SETS)
    varied = list(uncertainty.default_parameters())
    samples = [group[varied].reset_index(drop=True) for _, group in table.groupby("assumptions")]
    for other in samples[1:]:
        pd.testing.assert_frame_equal(samples[0], other)
    summary = uncertainty.summarize_across(table).set_index("assumptions")
    assert summary.loc["durable_treg", "p_remission"] > summary.loc["transient_only", "p_remission"]


def test_progress_is_reported_up_to_all_members():
    seen = []
    uncertainty.ensemble(n=5, seed=0, days=20, progress=lambda done, total: seen.append((done, total)), chunk_size=2)
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_fan_chart_and_histogram_are_titled_illustrative(ens):
    fan = uncertainty.fan_chart(ens)
    assert "illustrative" in fan.layout.title.text
    assert len(fan.data) == 5  # two bands (edge + fill each) and the median
    table = uncertainty.across_assumptions(
        "active_sle", interventions=[MSC], n=4, seed=0, days=60, assumption_sets=["baseline"]
    )
    hist = uncertainty.outcome_histogram(table, "activity_final")
    assert "illustrative" in hist.layout.title.text
    with pytest.raises(model.ParameterError, match="Unknown outcome"):
        uncertainty.outcome_histogram(table, "nope")


def test_cli_ensemble_writes_csv_with_disclaimer_and_seed_and_prints_a_ranked_summary(capsys, tmp_path):
    out = tmp_path / "ens.csv"
    argv = ["ensemble", "--intervention", "msc:day=30,dose=1", "--n", "8", "--seed", "1", "--days", "60"]
    assert main([*argv, "--assumptions", "all", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "not predictive" in printed and "probability of remission" in printed
    assert all(name in printed for name in model.ASSUMPTION_SETS)
    first = out.read_text().splitlines()[0]
    assert first.startswith("# sle-immunomod: illustrative") and first.endswith("seed=1")
    table = pd.read_csv(out, comment="#")
    assert len(table) == 8 * len(model.ASSUMPTION_SETS)
    assert [p.name for p in tmp_path.iterdir()] == ["ens.csv"]  # no temporary file left


def test_cli_ensemble_writes_parquet_with_disclaimer_and_seed_in_metadata(capsys, tmp_path):
    out = tmp_path / "ens.parquet"
    assert main(["ensemble", "--n", "4", "--seed", "5", "--days", "30", "--out", str(out)]) == 0
    meta = pq.read_table(out).schema.metadata
    assert meta[b"seed"] == b"5" and b"not predictive" in meta[b"disclaimer"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["ensemble", "--n", "4", "--out", "x.txt"], ".csv or .parquet"),
        (["ensemble", "--n", "4", "--range", "treg_loop=0.4:0.1"], "needs low < high"),
        (["ensemble", "--n", "4", "--range", "treg_loop"], "name=low:high"),
        (["ensemble", "--n", "6", "--method", "sobol"], "power of two"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2_and_no_file(capsys, tmp_path, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_import_model_does_not_import_the_analysis_modules_until_used():
    import subprocess
    import sys

    code = "import sys, model; print('model.analysis.uncertainty' in sys.modules); model.uncertainty; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "ok"]
    assert math.isfinite(model.uncertainty.wilson_interval(1, 2)[0])


def test_a_huge_ensemble_must_keep_outcomes_only_and_then_has_no_bands():
    with pytest.raises(model.ParameterError, match="keep_states=False"):
        uncertainty.ensemble(n=200_000, days=365)
    small = uncertainty.ensemble(n=4, seed=0, days=20, keep_states=False)
    assert small.batch.states is None and len(small.outcomes) == 4
    with pytest.raises(ValueError, match="keep_states"):
        small.quantiles()
