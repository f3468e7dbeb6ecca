""" "Reproduce this" run cards: each page's script, run on its own, prints the numbers the page shows.

Each test opens a page at its defaults through `AppTest` (no browser), takes the run card the page
built from its state (`widgets.RUN_CARD` in Session State), runs the script in a fresh Python
process, and compares its numbers with what the page displays.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import model
from model.report import runcard

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 120

pytestmark = pytest.mark.slow


def card_of(at: AppTest) -> runcard.RunCard:
    assert not at.exception
    return at.session_state["run_card"]


def run_script(card: runcard.RunCard, tmp_path: Path) -> dict[str, float]:
    """The numbers the card's script prints (quantity -> value), run as a user would run it."""
    path = tmp_path / card.script_name
    path.write_text(card.script, encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=tmp_path, check=True)
    assert done.stdout.startswith(f"# {model.DISCLAIMER}")
    table = pd.read_csv(io.StringIO(done.stdout), comment="#")
    return dict(zip(table["quantity"], table["value"], strict=True))


def test_explore_script_recreates_the_outcome_cards(app_page, tmp_path):
    at = app_page("explore", timeout=TIMEOUT)
    card = card_of(at)
    numbers = run_script(card, tmp_path)
    assert f"sle-immunomod {model.__version__}" in card.script and "no random numbers" in card.script
    treated = next(label for label in (k.split(": ")[0] for k in numbers) if label != "untreated")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Peak activity"] == f"{numbers[f'{treated}: activity_peak']:.2f}"
    assert shown["Activity at end"] == f"{numbers[f'{treated}: activity_final']:.2f}"
    assert shown["Days in remission"] == f"{numbers[f'{treated}: days_in_remission']:.0f}"
    assert shown["Flares"] == f"{numbers[f'{treated}: flares']:.0f}"
    assert shown["Remission at end"] == ("yes" if numbers[f"{treated}: remission_at_end"] else "no")
    res = model.simulate("active_sle", assumptions="baseline", interventions=[model.MSCInfusion(day=30)], days=365)
    assert numbers[f"{treated}: activity_auc"] == pytest.approx(res.outcomes.activity_auc, rel=1e-12)


def test_compare_script_recreates_the_outcome_table_and_its_toml_sweeps_the_same_runs(app_page, tmp_path):
    at = app_page("compare", timeout=TIMEOUT)
    card = card_of(at)
    numbers = run_script(card, tmp_path)
    table = at.dataframe[0].value
    assert len(table) == len(model.ASSUMPTION_SETS)
    for _, row in table.iterrows():
        assert numbers[f"{row['run']}: activity_peak"] == pytest.approx(row["peak activity"], abs=0.005)
        assert numbers[f"{row['run']}: activity_final"] == pytest.approx(row["final activity"], abs=0.005)
        assert numbers[f"{row['run']}: days_in_remission"] == pytest.approx(row["days in remission"], abs=0.5)
    spec = tmp_path / card.toml_name
    spec.write_text(card.toml, encoding="utf-8")
    out = tmp_path / "sweep"
    command = [sys.executable, "-m", "model", "sweep", str(spec), "--out", str(out), "--workers", "1", "--no-progress"]
    subprocess.run(command, capture_output=True, text=True, check=True)
    swept = pd.concat(pd.read_parquet(path) for path in sorted(out.rglob("*.parquet")) if "chunk" in path.name)
    finals = dict(zip(swept["assumptions"], swept["activity_final"], strict=True))
    for label in table["run"]:
        aset = next(name for name in model.ASSUMPTION_SETS if f", {name}," in label)
        assert finals[aset] == pytest.approx(numbers[f"{label}: activity_final"], rel=1e-4)


def test_how_sure_script_recreates_the_remission_shares_with_the_seed(app_page, tmp_path):
    at = app_page("how_sure", timeout=TIMEOUT)
    card = card_of(at)
    assert card.seed == 1 and "seed 1" in card.script
    numbers = run_script(card, tmp_path)
    shown = {m.label: m.value for m in at.metric}
    assert shown["In remission at the end, with treatment"] == f"{numbers['treated: p_remission']:.0%}"
    assert shown["Without treatment"] == f"{numbers['untreated: p_remission']:.0%}"
    interval = f"95 % interval {numbers['treated: low']:.0%} to {numbers['treated: high']:.0%}"
    assert any(c.value.startswith(interval) for c in at.caption)


def test_tipping_points_script_recreates_the_remission_map_share(app_page, tmp_path):
    at = app_page("tipping_points", timeout=TIMEOUT)
    numbers = run_script(card_of(at), tmp_path)
    share = numbers["remission map: share in remission"]
    assert any(f"From {100 * share:.0f}% of these starting states" in m.value for m in at.markdown)
    assert any(k.startswith("increasing antigen_clearance=") for k in numbers)


def test_model_evidence_script_recreates_the_parameter_table(app_page, tmp_path):
    at = app_page("model_evidence", timeout=TIMEOUT)
    numbers = run_script(card_of(at), tmp_path)
    shown = at.dataframe[0].value
    for _, row in shown.iterrows():
        assert numbers[f"{row['name']} ({row['unit']}), default"] == row["default"]


def test_classroom_script_recreates_the_revealed_runs(app_page, tmp_path):
    at = app_page("classroom", timeout=TIMEOUT)
    at.radio(key="classroom.guess.tipping_point").set_value(0).run()
    at.button(key="classroom.reveal.tipping_point").click().run()
    card = card_of(at)
    numbers = run_script(card, tmp_path)
    labels = {key.split(": ")[0] for key in numbers}
    assert len(labels) >= 2 and "Classroom" in card.title


def test_virtual_trial_script_recreates_the_trial_with_its_seed(app_page, tmp_path):
    at = app_page("virtual_trial", timeout=TIMEOUT)
    guess = next(r.key for r in at.radio if r.key.startswith("virtual_trial.guess."))
    at.radio(key=guess).set_value(at.radio(key=guess).options[0]).run()
    at.button(key="virtual_trial.once").click().run()
    card = card_of(at)
    numbers = run_script(card, tmp_path)
    shown = {m.label: m.value for m in at.metric}
    assert shown["p-value"] == f"{numbers['p_value']:.3f}"
    assert card.seed is not None and f"seed {card.seed}" in card.script


def test_a_sweep_toml_is_offered_only_for_runs_that_differ_in_their_assumption_set():
    runs = [(name, model.simulate("healthy", assumptions=name, days=30)) for name in ("baseline", "durable_treg")]
    assert runcard.simulation_card("two sets", runs).toml is not None
    mixed = [runs[0], ("other", model.simulate("active_sle", days=30))]
    assert runcard.simulation_card("mixed", mixed).toml is None
    assert re.search(
        r"^antigen_clearance = \{ values = \[1\.4\] \}$",
        runcard.sweep_toml(
            "t",
            [
                {
                    "scenario": "healthy",
                    "assumptions": a,
                    "params": {},
                    "interventions": [],
                    "days": 30.0,
                    "knockouts": [],
                }
                for a in ("baseline", "durable_treg")
            ],
        ),
        re.M,
    )
