"""The command line: outputs say illustrative; bad input is one clear line, exit 2, no file."""

import subprocess
import sys

import pytest

import model
from model.cli import main


def test_simulate_prints_outcomes_with_disclaimer_and_writes_csv(cli, tmp_path):
    out_file = tmp_path / "run.csv"
    code, out, _ = cli(
        "simulate",
        "--scenario",
        "active_sle",
        "--intervention",
        "msc:day=30,dose=1",
        "--days",
        "365",
        "--out",
        str(out_file),
    )
    assert code == 0
    assert "not predictive" in out and "remission at end" in out
    assert out_file.read_text().startswith("# sle-immunomod: illustrative")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (
            ["simulate", "--set", "antigen_clearance=9"],
            "`antigen_clearance` = 9.0 is outside its allowed range [0.3, 2]",
        ),
        (["simulate", "--set", "antigen_clearance"], "expected name=value"),
        (["simulate", "--intervention", "msc:day=-3"], "`day` = -3.0 is outside its allowed range"),
        (["simulate", "--intervention", "msc:day=500"], "after the end of the simulation"),
        (["simulate", "--knockout", "nothing"], "valid names are"),
        (["simulate", "--days", "0"], "`days`"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_file(cli, tmp_path, argv, needle):
    out_file = tmp_path / "never.csv"
    code, _, err = cli(*argv, "--out", str(out_file))
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1
    assert not out_file.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["scenarios", "parameters", "mechanisms"])
def test_listing_commands_say_illustrative(cli, command):
    code, out, _ = cli(command)
    assert code == 0 and "not predictive" in out


def test_parameters_table_lists_every_parameter(cli):
    import model

    _, out, _ = cli("parameters")
    assert all(p.name in out for p in model.PARAMETERS)


def test_compare_prints_every_assumption_set(cli):
    import model

    code, out, _ = cli("compare", "--days", "400")
    assert code == 0 and all(name in out for name in model.ASSUMPTION_SETS)


@pytest.mark.slow
def test_python_dash_m_model_works():
    done = subprocess.run([sys.executable, "-m", "model", "mechanisms"], capture_output=True, text=True, check=True)
    assert "long_lived_plasma_cells" in done.stdout


def test_an_output_path_inside_a_regular_file_is_one_line_exit_2(cli, tmp_path):
    regular = tmp_path / "a-regular-file"
    regular.write_text("not a folder")
    code, _, err = cli("simulate", "--days", "30", "--out", str(regular / "run.csv"))
    assert code == 2 and "is not an existing folder" in err and len(err.strip().splitlines()) == 1
    assert regular.read_text() == "not a folder"


def test_an_error_while_writing_is_one_line_exit_2_and_no_file(cli, tmp_path):
    taken = tmp_path / "run.csv"
    taken.mkdir()  # writing the CSV over a folder fails inside the writer, with an OSError
    code, _, err = cli("simulate", "--days", "30", "--out", str(taken))
    assert code == 2 and err.startswith("sle-immunomod: error: cannot write") and len(err.strip().splitlines()) == 1
    assert taken.is_dir() and list(tmp_path.iterdir()) == [taken]


def test_a_solver_failure_is_one_line_exit_2(cli, monkeypatch):
    commands = sys.modules["model.cli.main"]  # the module (model.cli.main is also the name of its function)

    def failing(*args, **kwargs):
        raise model.SimulationError("The solver failed between day 0 and 30:\ntoo many steps")

    monkeypatch.setattr(commands, "simulate", failing)
    code, _, err = cli("simulate", "--days", "30")
    assert (
        code == 2
        and err.strip() == "sle-immunomod: simulation failed: The solver failed between day 0 and 30: too many steps"
    )


def test_a_programming_error_is_not_shown_as_bad_input(monkeypatch):
    commands = sys.modules["model.cli.main"]  # the module (model.cli.main is also the name of its function)

    def buggy(*args, **kwargs):
        raise KeyError("a bug, not bad input")

    monkeypatch.setattr(commands, "simulate", buggy)
    with pytest.raises(KeyError):
        main(["simulate", "--days", "30"])


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["class", "delete", "ABCDEFGH"], "--token"),
        (["simulate", "--days", "abc"], "--days"),
        (["no-such-command"], "invalid choice"),
        ([], "command"),
    ],
)
def test_argument_errors_are_one_line_exit_2_naming_the_argument(capsys, argv, needle):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert err.count("\n") == 1 and needle in err and "--help" in err
