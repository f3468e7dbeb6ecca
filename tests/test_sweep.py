"""Sweeps: spec validation, design sizes, dry run, output folder, reading back, plotting."""

from __future__ import annotations

import json
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import model
from model import cli
from model.analysis import sweep
from model.analysis.sweep_spec import SpecError, check_size, parse_spec

BASE = """
scenario = "active_sle"
assumptions = ["baseline", "durable_treg"]
interventions = ["msc:day=30,dose=1"]
days = 120
seed = 3
replicates = 2
chunk_size = 7
# extra
[design]
kind = "grid"
[design.parameters]
"msc.dose" = { values = [0.5, 2] }
antigen_clearance = { low = 0.5, high = 1.2, count = 3 }
[background]
treg_death = {}
"""


def with_extra(lines: str) -> str:
    """The base spec with extra top-level lines."""
    return BASE.replace("# extra\n", lines + "\n")


def write_spec(folder: Path, text: str, name: str = "spec.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 24-run sweep (2 sets x 2 doses x 3 clearances x 2 replicates), run in threads."""
    folder = tmp_path_factory.mktemp("sweep")
    spec = write_spec(folder, with_extra("keep_time_series = true\nseries_every = 30"))
    with ThreadPoolExecutor(2) as pool:
        return sweep.run(spec, out=folder / "out", executor=pool, progress=False)


# --------------------------------------------------------------------------------------------------
# Validation: every error names the key, and nothing is created
# --------------------------------------------------------------------------------------------------
BAD_SPECS = {
    "unknown top-level key": (with_extra('colour = "red"'), "unknown key `colour`"),
    "unknown nested key": (
        BASE.replace("count = 3 }", "count = 3, step = 1 }"),
        "`design.parameters.antigen_clearance.step`",
    ),
    "wrong type for days": (BASE.replace("days = 120", 'days = "long"'), "`days`"),
    "assumptions not a list": (BASE.replace('["baseline", "durable_treg"]', '"baseline"'), "`assumptions`"),
    "unknown assumption set": (BASE.replace('"durable_treg"', '"magic"'), "`assumptions[1]`"),
    "empty range": (BASE.replace("low = 0.5, high = 1.2", "low = 1.0, high = 1.0"), "empty range"),
    "unknown parameter": (BASE.replace("antigen_clearance =", "antigen_clerance ="), "unknown parameter"),
    "value outside plausible range": (
        BASE.replace('"msc.dose" = { values = [0.5, 2] }', "treg_loop = { values = [0.1, 0.9] }"),
        "`design.parameters.treg_loop.values[1]`",
    ),
    "intervention field out of range": (BASE.replace("values = [0.5, 2]", "values = [0.5, 20]"), "`dose`"),
    "intervention kind not in the spec": (BASE.replace('"msc.dose"', '"hsct.day"'), "`hsct` intervention"),
    "bad intervention text": (BASE.replace("msc:day=30,dose=1", "msc:day=thirty"), "`interventions[0]`"),
    "replicates without background": (
        BASE.replace("[background]\ntreg_death = {}", ""),
        "`replicates` = 2 needs a `[background]`",
    ),
    "sobol n not a power of two": (
        '[design]\nkind = "sobol"\nn = 100\n[design.parameters]\ntreg_death = {}\n',
        "`design.n` = 100 must be a power of two",
    ),
    "wrong outcome name": (with_extra('outcomes = ["remission"]'), "`outcomes[0]`"),
}


@pytest.mark.parametrize("case", list(BAD_SPECS))
def test_malformed_spec_names_the_key_and_creates_no_folder(case: str, tmp_path: Path) -> None:
    text, expected = BAD_SPECS[case]
    path = write_spec(tmp_path, text)
    out = tmp_path / "out"
    with pytest.raises(SpecError) as info:
        sweep.run(path, out=out, progress=False)
    assert expected in str(info.value)
    assert str(path) in str(info.value)  # which file
    assert not out.exists()


def test_cli_reports_a_bad_spec_in_one_line_with_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_spec(tmp_path, with_extra("days_long = 3"))
    code = cli.main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("sle-immunomod: error:") and "`days_long`" in err and "\n" not in err
    assert not (tmp_path / "out").exists()


def test_too_large_grid_without_confirmation_is_refused_before_any_output(tmp_path: Path) -> None:
    text = BASE.replace("count = 3", "count = 1000").replace("values = [0.5, 2]", "low = 0.1, high = 5, count = 1000")
    with pytest.raises(SpecError, match="4,000,000 runs, more than `max_runs` = 200,000"):
        sweep.run(write_spec(tmp_path, text), out=tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_large_sweep_runs_only_when_confirmed() -> None:
    design = {"kind": "lhs", "n": 300, "parameters": {"treg_death": {}}}
    spec = parse_spec({"design": design, "max_runs": 100})
    with pytest.raises(SpecError, match="max_runs"):
        check_size(spec)
    check_size(spec, confirmed=True)
    check_size(parse_spec({"design": design, "max_runs": 100, "confirm_large": True}))


# --------------------------------------------------------------------------------------------------
# Designs
# --------------------------------------------------------------------------------------------------
def test_grid_size_is_product_of_axes_times_sets_times_replicates(tmp_path: Path) -> None:
    spec = sweep.load_spec(write_spec(tmp_path, with_extra("")))
    assert spec.n_points == 2 * 3
    assert spec.n_runs == 2 * 3 * 2 * 2
    assert spec.n_chunks == math.ceil(spec.n_runs / 7)
    points = spec.design_points()
    assert sorted(points["antigen_clearance"].unique()) == pytest.approx([0.5, 0.85, 1.2])
    assert len(points.drop_duplicates()) == spec.n_points


def test_log_grid_is_geometric() -> None:
    design = {"kind": "grid", "parameters": {"msc_half_life": {"low": 0.25, "high": 2.0, "count": 4, "log": True}}}
    values = parse_spec({"design": design}).axes[0].values
    assert values == pytest.approx([0.25, 0.5, 1.0, 2.0])


@pytest.mark.parametrize("kind", ["lhs", "sobol", "random"])
def test_sampled_design_has_n_points_within_the_plausible_ranges(kind: str) -> None:
    design = {"kind": kind, "n": 64, "parameters": {"treg_death": {}, "msc_half_life": {"low": 0.5, "high": 2.0}}}
    spec = parse_spec({"design": design, "assumptions": "all"})
    points = spec.design_points()
    info = {p.name: p for p in model.PARAMETERS}["treg_death"]
    assert spec.n_runs == 64 * len(model.ASSUMPTION_SETS)
    assert points["treg_death"].between(info.low, info.high).all()
    assert points["msc_half_life"].between(0.5, 2.0).all()
    pd.testing.assert_frame_equal(points, parse_spec({"design": design}).design_points())  # same seed, same points


def test_latin_hypercube_puts_one_point_in_each_stratum() -> None:
    design = {"kind": "lhs", "n": 20, "parameters": {"treg_death": {"low": 0.05, "high": 0.2, "log": False}}}
    values = parse_spec({"design": design}).design_points()["treg_death"].to_numpy()
    strata = np.floor((values - 0.05) / 0.15 * 20).astype(int)
    assert sorted(strata) == list(range(20))


def test_run_values_do_not_depend_on_the_chunking(tmp_path: Path) -> None:
    spec = sweep.load_spec(write_spec(tmp_path, with_extra("")))
    points, draws = spec.design_points(), spec.background_draws()
    whole = spec.runs(np.arange(spec.n_runs), points, draws)
    pieces = pd.concat([spec.runs(np.arange(*spec.chunk_bounds(i)), points, draws) for i in range(spec.n_chunks)])
    pd.testing.assert_frame_equal(whole, pieces.reset_index(drop=True))
    # replicate r is the same toy patient at every design point and under every assumption set
    assert whole.groupby("replicate")["treg_death"].nunique().eq(1).all()


# --------------------------------------------------------------------------------------------------
# Dry run, running, reading back
# --------------------------------------------------------------------------------------------------
def test_dry_run_prints_runs_chunks_and_time_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = write_spec(tmp_path, with_extra(""))
    code = cli.main(["sweep", str(path), "--out", str(tmp_path / "out"), "--dry-run", "--workers", "2"])
    text = capsys.readouterr().out
    assert code == 0
    assert "runs: 24 in 4 chunks of up to 7" in text
    assert "estimated time:" in text and "2 worker(s)" in text
    assert "not predictive" in text
    assert not (tmp_path / "out").exists()


def test_sweep_rows_match_single_simulations(small_sweep: Path) -> None:
    table = sweep.load(small_sweep)
    for _, row in table.sample(3, random_state=0).iterrows():
        res = model.simulate(
            "active_sle",
            assumptions=row.assumptions,
            params={"antigen_clearance": row.antigen_clearance, "treg_death": row.treg_death},
            interventions=[model.MSCInfusion(day=30, dose=row["msc.dose"])],
            days=120,
        )
        assert row.activity_final == pytest.approx(res.outcomes.activity_final, rel=1e-4)
        assert row.activity_day_90 == pytest.approx(res["activity"][np.flatnonzero(res.t == 90)[-1]], rel=1e-4)
        assert row.remission_at_end == res.outcomes.remission_at_end


def test_load_gives_one_sorted_row_per_run_with_the_disclaimer(small_sweep: Path) -> None:
    table = sweep.load(small_sweep)
    assert table["run_id"].tolist() == list(range(24))
    assert table.attrs["disclaimer"] == model.DISCLAIMER
    assert {"activity_day_0", "activity_day_120", "failed"} <= set(table.columns)
    assert not table["failed"].any()
    manifest = json.loads((small_sweep / "manifest.json").read_text())
    assert manifest["complete"] and manifest["version"] == model.__version__ and manifest["seed"] == 3
    assert {c["status"] for c in manifest["chunks"]} == {"done"}
    metadata = pq.read_metadata(small_sweep / manifest["chunks"][0]["file"]).metadata
    assert metadata[b"disclaimer"].decode() == model.DISCLAIMER


def test_export_csv_starts_with_the_disclaimer(small_sweep: Path, tmp_path: Path) -> None:
    path = sweep.export_csv(small_sweep, tmp_path / "sweep.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == f"# {model.DISCLAIMER}"
    table = pd.read_csv(path, comment="#")
    assert len(table) == 24 and table["run_id"].is_monotonic_increasing


def test_existing_sweep_is_not_overwritten_and_other_spec_cannot_resume(small_sweep: Path, tmp_path: Path) -> None:
    same = write_spec(tmp_path, with_extra("keep_time_series = true\nseries_every = 30"))
    with pytest.raises(SpecError, match="already holds a sweep"):
        sweep.run(same, out=small_sweep, progress=False)
    other = write_spec(tmp_path, with_extra("seed = 4").replace("seed = 3\n", ""), "other.toml")
    with pytest.raises(SpecError, match="different spec"):
        sweep.run(other, out=small_sweep, resume=True, progress=False)


def test_plot_sweep_writes_html_with_one_panel_per_assumption_set(
    small_sweep: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "plot.html"
    args = ["plot-sweep", str(small_sweep), "--x", "msc.dose", "--y", "antigen_clearance", "--out", str(out)]
    assert cli.main([*args, "--outcome", "remission_at_end"]) == 0
    html = out.read_text()
    assert "illustrative teaching model, not predictive" in html
    assert '"text":"baseline"' in html and '"text":"durable_treg"' in html
    assert cli.main([*args, "--outcome", "nonsense"]) == 2
    assert "--outcome 'nonsense'" in capsys.readouterr().err


def test_summary_is_the_mean_over_replicates(small_sweep: Path) -> None:
    table = sweep.load(small_sweep)
    summary = sweep.summarize(table, "antigen_clearance", "msc.dose", "activity_final")
    assert len(summary) == 2 * 3 * 2
    first = summary.iloc[0]
    mask = (
        (table["assumptions"] == first["assumptions"])
        & (table["antigen_clearance"] == first["antigen_clearance"])
        & (table["msc.dose"] == first["msc.dose"])
    )
    assert first["activity_final"] == pytest.approx(table.loc[mask, "activity_final"].mean())


# --------------------------------------------------------------------------------------------------
# Shipped examples and docs
# --------------------------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "sweeps").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_spec_is_valid_and_names_its_output_folder(path: Path) -> None:
    spec = sweep.load_spec(path)
    assert spec.out is not None and spec.n_runs <= spec.max_runs


def test_quick_example_is_a_few_thousand_runs() -> None:
    assert 1_000 <= sweep.load_spec(ROOT / "examples" / "sweeps" / "quick.toml").n_runs <= 5_000


def test_docs_figure_example_sweeps_msc_dose_and_clearance_under_every_assumption_set() -> None:
    spec = sweep.load_spec(ROOT / "examples" / "sweeps" / "docs_figure.toml")
    assert spec.assumptions == tuple(model.ASSUMPTION_SETS)
    assert [a.name for a in spec.axes] == ["msc.dose", "antigen_clearance"]
    page = (ROOT / "docs" / "sweeps.md").read_text(encoding="utf-8")
    assert "examples/sweeps/docs_figure.toml" in page and "sweeps/remission-dose-clearance.png" in page
    assert (ROOT / "docs" / "sweeps" / "remission-dose-clearance.png").is_file()
