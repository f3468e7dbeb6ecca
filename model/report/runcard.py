"""Run cards: a short Python script (and a sweep TOML where a view is a grid) that recreates a view's numbers.

Every page of the app offers "Reproduce this": the script this module writes from the page's
state. It calls the same public functions of `model` with the same values (numbers written to
the last bit), pins the package version and the seed, and prints the numbers of the view as CSV
(`quantity,value`, led by the disclaimer), so a student can rerun, change and check them outside
the app. Nothing here imports Streamlit.

Illustrative teaching model, not predictive, not medical advice.
"""

from __future__ import annotations

import dataclasses
import pprint
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.disclaimer import DISCLAIMER
from ..core.interventions import Intervention, format_intervention
from ..core.parameters import PARAMETERS, Parameters
from ..core.scenarios import ASSUMPTION_SETS, SCENARIOS
from ..engine.simulate import Result, resolve_parameters

__all__ = [
    "RunCard",
    "parameters_card",
    "simulation_card",
    "sweep_toml",
    "tipping_points_card",
    "trial_card",
    "uncertainty_card",
]

DEFAULT_STEM = "sle-immunomod-reproduce"


@dataclasses.dataclass(frozen=True)
class RunCard:
    """What "Reproduce this" downloads: `script` (Python), and `toml` (a sweep spec) where the view is a grid."""

    title: str
    script: str
    seed: int | None = None
    toml: str | None = None
    file_stem: str = DEFAULT_STEM

    @property
    def script_name(self) -> str:
        return f"{self.file_stem}.py"

    @property
    def toml_name(self) -> str:
        return f"{self.file_stem}.toml"


def _version() -> str:
    from .. import __version__

    return __version__


def _literal(value: Any) -> str:
    """`value` as Python source (floats to the last bit)."""
    return pprint.pformat(value, width=100, sort_dicts=False)


def _card(title: str, body: str, file_stem: str, *, seed: int | None = None, toml: str | None = None) -> RunCard:
    """A card whose script runs `body` (which appends to `rows`) inside the common frame."""
    version = _version()
    seeded = f"seed {seed}" if seed is not None else "no random numbers"
    script = f'''"""Reproduce this: {title}.

Recreates the numbers of this view of the sle-immunomod app (version {version}; {seeded}).
Run it with `python {file_stem}.py`; it prints the numbers as CSV (quantity,value).
{DISCLAIMER}
"""

import sys

import pandas as pd

import model
from model.report.tables import csv_text

if model.__version__ != {version!r}:
    print(f"made with sle-immunomod {version}, running {{model.__version__}}: numbers may differ", file=sys.stderr)

rows = []  # (quantity, value)
{body.strip()}

sys.stdout.write(csv_text(pd.DataFrame(rows, columns=["quantity", "value"])))
'''
    return RunCard(title, script, seed=seed, toml=toml, file_stem=file_stem)


def _overrides(result: Result) -> tuple[str | None, dict[str, float]]:
    """The assumption set and the caller's parameter overrides that reproduce `result.params`."""
    if result.assumptions in ASSUMPTION_SETS:
        base = resolve_parameters(result.scenario, assumptions=result.assumptions)
        return result.assumptions, {k: new for k, (new, _) in result.params.diff(base).items()}
    return None, {k: new for k, (new, _) in result.params.diff(Parameters()).items()}


def _run_dict(label: str, result: Result) -> dict[str, Any]:
    assumptions, overrides = _overrides(result)
    return {
        "label": label,
        "scenario": result.scenario,
        "assumptions": assumptions,
        "params": overrides,
        "interventions": [format_intervention(item) for item in result.interventions],
        "days": float(result.t[-1]),
        "knockouts": list(result.knockouts),
    }


_SIMULATION_BODY = """
RUNS = {runs}

for run in RUNS:
    result = model.simulate(
        run["scenario"],
        assumptions=run["assumptions"],
        params=run["params"],
        interventions=[model.parse_intervention(text) for text in run["interventions"]],
        days=run["days"],
        knockouts=run["knockouts"],
    )
    for name, value in result.outcomes.summary().items():
        rows.append((f"{{run['label']}}: {{name}}", float(value)))
"""


def simulation_card(title: str, runs: Sequence[tuple[str, Result]], *, file_stem: str = "") -> RunCard:
    """The card of a view made of `simulate` runs (label, result): each run's outcomes.

    When the runs differ only in their assumption set, the card also holds a sweep TOML
    (`sle-immunomod sweep`) that runs the same grid.
    """
    described = [_run_dict(label, result) for label, result in runs]
    body = _SIMULATION_BODY.format(runs=_literal(described))
    stem = file_stem or DEFAULT_STEM
    return _card(title, body, stem, toml=sweep_toml(title, described, file_name=f"{stem}.toml"))


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(float(value)) if isinstance(value, float) else str(value)


def sweep_toml(title: str, runs: Sequence[Mapping[str, Any]], *, file_name: str = f"{DEFAULT_STEM}.toml") -> str | None:
    """A sweep spec running `runs` (dicts as in a simulation card) as one grid over assumption sets.

    Only when the runs share scenario, overrides, interventions and days, have no knockouts and
    differ in their assumption sets; otherwise None. The grid's one axis is a parameter no
    assumption set of the runs changes (the scenario's own, where it can), held at the runs' value.
    """
    if len(runs) < 2:
        return None
    first = runs[0]
    shared = ("scenario", "params", "interventions", "days")
    sets = [run["assumptions"] for run in runs]
    if any(run[key] != first[key] for run in runs for key in shared) or any(run["knockouts"] for run in runs):
        return None
    if None in sets or len(set(sets)) != len(sets):
        return None
    changed = {name for aset in sets for name in ASSUMPTION_SETS[aset].overrides} | set(first["params"])
    candidates = [*SCENARIOS[first["scenario"]].overrides, *(p.name for p in PARAMETERS)]
    axis = next(name for name in candidates if name not in changed)
    value = getattr(resolve_parameters(first["scenario"], assumptions=sets[0], params=first["params"]), axis)
    lines = [
        f"# {title}: the same runs as a sweep (sle-immunomod {_version()}).",
        f"#   sle-immunomod sweep {file_name}",
        f"# {DISCLAIMER}",
        "",
        f"scenario = {_toml_value(first['scenario'])}",
        f"assumptions = {_toml_value(sets)}",
        f"interventions = {_toml_value(first['interventions'])}",
        f"days = {_toml_value(first['days'])}",
        "seed = 0",
        "replicates = 1",
        'out = "sweeps/reproduce"',
        "",
        "[design]",
        'kind = "grid"',
        "",
        "[design.parameters]",
        f"{axis} = {{ values = [{value!r}] }}",
    ]
    if first["params"]:
        lines += ["", "[fixed]", *(f"{k} = {v!r}" for k, v in first["params"].items())]
    return "\n".join(lines) + "\n"


_UNCERTAINTY_BODY = """
from model.analysis import sensitivity, uncertainty

SCENARIO, ASSUMPTIONS, DAYS = {scenario!r}, {assumptions!r}, {days!r}
INTERVENTIONS = [model.parse_intervention(text) for text in {interventions!r}]
N, SEED, SPREAD = {n!r}, {seed!r}, {spread!r}

# 1. One story, uncertain numbers: the same parameter sets with and without the treatment.
ranges = uncertainty.ranges_around(SCENARIO, assumptions=ASSUMPTIONS, spread=SPREAD)
for label, items in (("treated", INTERVENTIONS), ("untreated", [])):
    ens = uncertainty.ensemble(
        SCENARIO, assumptions=ASSUMPTIONS, interventions=items, days=DAYS, n=N, seed=SEED, ranges=ranges
    )
    p = ens.probability_of_remission()
    rows += [(f"{{label}}: p_remission", p.value), (f"{{label}}: low", p.low), (f"{{label}}: high", p.high)]
    bands = ens.quantiles("activity")
    rows += [(f"{{label}}: final activity q{{q:g}}", float(bands[q].iloc[-1])) for q in (0.25, 0.5, 0.75)]

# 2. Same numbers, different stories: every assumption set.
ranges = uncertainty.ranges_around(SCENARIO, assumptions="baseline", spread=SPREAD)
table = uncertainty.across_assumptions(SCENARIO, interventions=INTERVENTIONS, days=DAYS, n=N, seed=SEED, ranges=ranges)
for _, row in uncertainty.summarize_across(table).iterrows():
    rows.append((f"{{row['assumptions']}}: p_remission", float(row["p_remission"])))

# 3. Which numbers matter most? ({method})
PARAMETERS = {parameters!r}
ranges = uncertainty.ranges_around(SCENARIO, assumptions=ASSUMPTIONS, spread=SPREAD, parameters=PARAMETERS)
indices = sensitivity.analyze(
    {outcome!r},
    method={method!r},
    scenario=SCENARIO,
    assumptions=ASSUMPTIONS,
    interventions=INTERVENTIONS,
    days=DAYS,
    n={sensitivity_n!r},
    seed=SEED,
    parameters=PARAMETERS,
    ranges=ranges,
)
KEY = "ST" if {method!r} == "sobol" else "mu_star"
rows += [(f"{{name}}: {{KEY}}", float(value)) for name, value in zip(indices["name"], indices[KEY], strict=True)]
"""


def uncertainty_card(
    title: str,
    *,
    scenario: str,
    assumptions: str,
    interventions: Sequence[str],
    days: float,
    n: int,
    seed: int,
    spread: float,
    outcome: str,
    method: str,
    sensitivity_n: int,
    sensitivity_parameters: Sequence[str],
) -> RunCard:
    """The card of the "How sure are we?" view: ensembles with and without treatment, every assumption
    set, and the sensitivity ranking, with the view's sizes and seed."""
    body = _UNCERTAINTY_BODY.format(
        scenario=scenario,
        assumptions=assumptions,
        interventions=list(interventions),
        days=float(days),
        n=int(n),
        seed=int(seed),
        spread=float(spread),
        outcome=outcome,
        method=method,
        sensitivity_n=int(sensitivity_n),
        parameters=list(sensitivity_parameters),
    )
    return _card(title, body, "sle-immunomod-how-sure", seed=seed)


_TIPPING_BODY = """
import numpy as np

from model.analysis import phaseplane

# 1. The steady states of the scenario.
for label, state in phaseplane.steady_states({scenario!r}, assumptions={assumptions!r}).items():
    rows += [(f"steady state {{label}}: {{name}}", float(value)) for name, value in state.items()]

# 2. Steady states and hysteresis: {parameter} swept up and down.
diagram = phaseplane.steady_state_diagram(
    {parameter!r}, np.array({values}), scenario={scenario!r}, assumptions={assumptions!r}
)
for _, row in diagram.iterrows():
    rows.append((f"{{row['sweep']}} {parameter}={{row['value']!r}}: activity", float(row["activity"])))

# 3. Where does one MSC infusion of dose {dose:g} lead to remission? ({map_assumptions} assumptions)
rmap = phaseplane.remission_map(
    {map_x!r},
    {map_y!r},
    np.array({xs}),
    np.array({ys}),
    scenario="active_sle",
    assumptions={map_assumptions!r},
    dose={dose!r},
)
rows.append(("remission map: share in remission", float(rmap.remission.mean())))
"""


def tipping_points_card(
    title: str,
    *,
    scenario: str,
    assumptions: str,
    parameter: str,
    values: Sequence[float],
    map_assumptions: str,
    map_x: str,
    map_y: str,
    xs: Sequence[float],
    ys: Sequence[float],
    dose: float,
) -> RunCard:
    """The card of the "Tipping points" view: steady states, the continuation over `parameter` at
    `values`, and the remission map over the start grid `xs` x `ys`."""
    body = _TIPPING_BODY.format(
        scenario=scenario,
        assumptions=assumptions,
        parameter=parameter,
        values=_literal([float(v) for v in values]),
        map_assumptions=map_assumptions,
        map_x=map_x,
        map_y=map_y,
        xs=_literal([float(v) for v in xs]),
        ys=_literal([float(v) for v in ys]),
        dose=float(dose),
    )
    return _card(title, body, "sle-immunomod-tipping-points")


_PARAMETERS_BODY = """
ASSUMPTIONS = {assumptions!r}
params = model.resolve_parameters("active_sle", assumptions=ASSUMPTIONS)
for info in model.PARAMETERS:
    rows.append((f"{{info.name}} ({{info.unit}}), default", info.default))
    rows.append((f"{{info.name}} ({{info.unit}}), active_sle under {{ASSUMPTIONS}}", getattr(params, info.name)))
"""


def parameters_card(title: str, assumptions: str) -> RunCard:
    """The card of the parameter table: every default, and the values of `active_sle` under `assumptions`."""
    body = _PARAMETERS_BODY.format(assumptions=assumptions)
    return _card(title, body, "sle-immunomod-parameters")


_TRIAL_BODY = """
from model import trial

DESIGN = {design}
SEED = {seed!r}

fields = {{**DESIGN, "control": tuple(model.parse_intervention(t) for t in DESIGN["control"])}}
fields["treatment"] = tuple(model.parse_intervention(t) for t in DESIGN["treatment"])
result = trial.run(trial.TrialDesign(**fields), SEED)
for name in ("difference", "ci_low", "ci_high", "p_value", "true_difference"):
    rows.append((name, float(getattr(result, name))))
rows.append(("significant", float(result.significant)))
"""


def _plain(value: Any) -> Any:
    if isinstance(value, tuple) and all(isinstance(v, Intervention) for v in value):
        return [format_intervention(v) for v in value]
    return value


def trial_card(title: str, design: Any, seed: int) -> RunCard:
    """The card of one virtual trial (`model.trial.run(design, seed)`): its estimate and test."""
    fields = {f.name: _plain(getattr(design, f.name)) for f in dataclasses.fields(design)}
    body = _TRIAL_BODY.format(design=_literal(fields), seed=int(seed))
    return _card(title, body, "sle-immunomod-virtual-trial", seed=seed)
