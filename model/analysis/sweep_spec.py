"""Sweep specifications: the TOML schema, its validation, and the run table a spec defines.

A spec says *what* to run (scenario, assumption sets, interventions, days), the **design** (a full
grid over named parameters, or `lhs` / `sobol` / `random` samples within ranges), the
**replicates** (a virtual cohort whose `background` parameters are drawn at random once per
replicate) and what to keep. Every error names the key path and what is allowed, and is raised
before anything is written (`SpecError`, a `ValueError`).

Design names are model parameters (`antigen_clearance`, see `model.PARAMETERS`) or intervention
fields written `<kind>.<field>` (`msc.dose`, `antigen.size`), which refer to the one intervention
of that kind in `interventions`.

The run table is deterministic: run ids enumerate assumption set (slowest), design point, then
replicate (fastest); design points and background draws depend only on the spec and its `seed`,
never on the chunking, the number of workers or the executor.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import SpecError
from ..core.interventions import (
    INTERVENTION_TYPES,
    Intervention,
    InterventionError,
    format_intervention,
    parse_intervention,
)
from ..core.outcomes import OUTCOME_NAMES
from ..core.parameters import PARAMETERS
from ..core.scenarios import ASSUMPTION_SETS, SCENARIOS
from ..core.validation import check_range, check_whole
from ..engine.timeline import MAX_DAYS
from .sampling import KINDS, STREAM, from_unit, unit_sample

__all__ = ["Axis", "SpecError", "SweepSpec", "check_size", "load_spec", "parse_spec"]

GRID, SAMPLED_KINDS = "grid", KINDS
#: Meta columns of every run table, before the swept and background parameter columns.
RUN_COLUMNS: tuple[str, ...] = ("run_id", "assumptions", "point", "replicate")
_PARAMS = {info.name: info for info in PARAMETERS}
_TOP_KEYS = (
    "scenario",
    "assumptions",
    "interventions",
    "days",
    "design",
    "replicates",
    "background",
    "fixed",
    "seed",
    "outcomes",
    "keep_time_series",
    "series_every",
    "out",
    "chunk_size",
    "max_runs",
    "confirm_large",
)
DEFAULT_CHUNK_SIZE = 500
DEFAULT_MAX_RUNS = 200_000


@dataclasses.dataclass(frozen=True)
class Axis:
    """One swept or drawn quantity: a model parameter or an intervention field (`kind.field`).

    Grid axes carry explicit `values`; sampled axes and background draws carry `low`/`high`
    (uniform, or log-uniform when `log`).
    """

    name: str
    values: tuple[float, ...] = ()
    low: float = math.nan
    high: float = math.nan
    log: bool = False

    @property
    def is_intervention_field(self) -> bool:
        """Whether the name refers to an intervention field (`msc.dose`) rather than a parameter."""
        return "." in self.name

    def scale(self, unit: np.ndarray) -> np.ndarray:
        """Map numbers in [0, 1) onto [low, high] (log-uniformly when `log`)."""
        return from_unit(unit, self.low, self.high, self.log)


@dataclasses.dataclass(frozen=True)
class SweepSpec:
    """A validated sweep spec (see the module docstring and `docs/sweeps.md` for the TOML form)."""

    scenario: str = "active_sle"
    assumptions: tuple[str, ...] = ("baseline",)
    interventions: tuple[str, ...] = ()
    days: float = 365.0
    kind: str = GRID
    axes: tuple[Axis, ...] = ()
    n: int = 0
    replicates: int = 1
    background: tuple[Axis, ...] = ()
    fixed: tuple[tuple[str, float], ...] = ()
    seed: int = 0
    outcomes: tuple[str, ...] = OUTCOME_NAMES
    keep_time_series: bool = False
    series_every: float = 7.0
    out: Path | None = None
    chunk_size: int = DEFAULT_CHUNK_SIZE
    max_runs: int = DEFAULT_MAX_RUNS
    confirm_large: bool = False

    # --- sizes ----------------------------------------------------------------------------------
    @property
    def n_points(self) -> int:
        """Number of design points (grid: product of the axis lengths; sampled: `n`)."""
        return math.prod(len(a.values) for a in self.axes) if self.kind == GRID else self.n

    @property
    def n_runs(self) -> int:
        """Number of runs: design points x assumption sets x replicates."""
        return self.n_points * len(self.assumptions) * self.replicates

    @property
    def n_chunks(self) -> int:
        """Number of chunks of at most `chunk_size` runs."""
        return -(-self.n_runs // self.chunk_size)

    def chunk_bounds(self, index: int) -> tuple[int, int]:
        """Run ids [start, stop) of chunk `index`."""
        start = index * self.chunk_size
        return start, min(start + self.chunk_size, self.n_runs)

    # --- identity -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Everything that determines the results, as plain JSON-able data (no `out`, no limits)."""
        skip = {"out", "max_runs", "confirm_large"}
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in skip}
        data["axes"] = [dataclasses.asdict(a) for a in self.axes]
        data["background"] = [dataclasses.asdict(a) for a in self.background]
        return json.loads(json.dumps(data, default=list))

    def hash(self) -> str:
        """SHA-256 of `to_dict` and the sampler's random stream in canonical JSON: equal hashes mean
        equal run tables."""
        text = json.dumps({**self.to_dict(), "stream": STREAM}, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    # --- what each run is -----------------------------------------------------------------------
    @property
    def parameter_columns(self) -> tuple[str, ...]:
        """Columns of the run table that are model-parameter overrides (design, then background)."""
        return tuple(a.name for a in (*self.axes, *self.background) if not a.is_intervention_field)

    @property
    def intervention_columns(self) -> tuple[str, ...]:
        """Columns of the run table that are intervention fields (`kind.field`)."""
        return tuple(a.name for a in self.axes if a.is_intervention_field)

    def build_interventions(self, fields: Mapping[str, float] | None = None) -> list[Intervention]:
        """The interventions of one run: the spec's, with swept fields (`kind.field` -> value) replaced."""
        items = [parse_intervention(text) for text in self.interventions]
        for name, value in (fields or {}).items():
            kind, field = name.split(".", 1)
            k = next(i for i, item in enumerate(items) if item.kind == kind)
            items[k] = dataclasses.replace(items[k], **{field: _field_value(items[k], field, value)})
        return items

    def design_points(self) -> pd.DataFrame:
        """One row per design point (index = point id), one column per axis."""
        names = [a.name for a in self.axes]
        if self.kind == GRID:
            grids = np.meshgrid(*[np.asarray(a.values, dtype=float) for a in self.axes], indexing="ij")
            return pd.DataFrame({n: g.ravel() for n, g in zip(names, grids, strict=True)})
        unit = unit_sample(self.kind, self.n, len(self.axes), self.seed)
        return pd.DataFrame({a.name: a.scale(unit[:, j]) for j, a in enumerate(self.axes)})

    def background_draws(self) -> pd.DataFrame:
        """One row per replicate (a toy patient of the virtual cohort), one column per background parameter.

        Replicate r has the same background in every design point and assumption set (common
        random numbers), so differences between points are not drowned by sampling noise.
        """
        rng = np.random.default_rng([self.seed, 1])
        unit = rng.random((self.replicates, len(self.background)))
        return pd.DataFrame({a.name: a.scale(unit[:, j]) for j, a in enumerate(self.background)})

    def runs(self, run_ids: np.ndarray, points: pd.DataFrame, draws: pd.DataFrame) -> pd.DataFrame:
        """The run table for `run_ids`: ids, assumption set, point, replicate and the run's values.

        `points` and `draws` are `design_points()` and `background_draws()` (computed once by the
        caller, as they are shared by all chunks).
        """
        run_id = np.asarray(run_ids, dtype=np.int64)
        point_and_set, replicate = np.divmod(run_id, self.replicates)
        set_index, point = np.divmod(point_and_set, self.n_points)
        table = pd.DataFrame(
            {
                "run_id": run_id,
                "assumptions": np.asarray(self.assumptions, dtype=object)[set_index],
                "point": point,
                "replicate": replicate,
            }
        )
        for name in points.columns:
            table[name] = points[name].to_numpy()[point]
        for name in draws.columns:
            table[name] = draws[name].to_numpy()[replicate]
        for name, value in self.fixed:
            table[name] = value
        return table

    def series_days(self) -> np.ndarray:
        """Days at which the activity series is kept (every `series_every` days, plus the last day)."""
        days = np.arange(0.0, self.days, self.series_every)
        return days if days[-1] == self.days else np.append(days, self.days)


# --------------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------------
def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a TOML sweep spec; raises `SpecError` naming the key path on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read sweep spec {str(path)!r}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    try:
        return parse_spec(data)
    except SpecError as exc:
        raise SpecError(f"{path}: {exc}") from None


def parse_spec(data: Mapping[str, Any]) -> SweepSpec:
    """Validate a spec given as a mapping (the parsed TOML) and return a `SweepSpec`."""
    _no_unknown(data, _TOP_KEYS, "")
    interventions = _interventions(data.get("interventions", []))
    days = _number(data.get("days", 365.0), "days", 1.0, MAX_DAYS)
    design = data.get("design")
    if not isinstance(design, Mapping):
        raise SpecError("`design` is required: a table with `kind` (grid, lhs, sobol, random) and `parameters`")
    kind, axes, n = _design(design, interventions, days)
    replicates = _integer(data.get("replicates", 1), "replicates", 1, 1_000_000)
    background = _ranges(_table(data.get("background", {}), "background"), "background", sampled=True)
    if replicates > 1 and not background:
        raise SpecError(
            f"`replicates` = {replicates} needs a `[background]` table: the model is deterministic, so "
            "replicates differ only in the background parameters drawn for each"
        )
    fixed = _fixed(_table(data.get("fixed", {}), "fixed"))
    _distinct_names(axes, background, fixed)
    out = data.get("out")
    if out is not None and (not isinstance(out, str) or not out.strip()):
        raise SpecError(f"`out` = {out!r} must be a folder path (text)")
    spec = SweepSpec(
        scenario=_choice(data.get("scenario", "active_sle"), "scenario", SCENARIOS),
        assumptions=_assumptions(data.get("assumptions", ["baseline"])),
        interventions=interventions,
        days=days,
        kind=kind,
        axes=axes,
        n=n,
        replicates=replicates,
        background=background,
        fixed=fixed,
        seed=_integer(data.get("seed", 0), "seed", 0, 2**63 - 1),
        outcomes=_outcomes(data.get("outcomes", list(OUTCOME_NAMES))),
        keep_time_series=_bool(data.get("keep_time_series", False), "keep_time_series"),
        series_every=_number(data.get("series_every", 7.0), "series_every", 0.5, days),
        out=Path(out) if out is not None else None,
        chunk_size=_integer(data.get("chunk_size", DEFAULT_CHUNK_SIZE), "chunk_size", 1, 100_000),
        max_runs=_integer(data.get("max_runs", DEFAULT_MAX_RUNS), "max_runs", 1, 10**12),
        confirm_large=_bool(data.get("confirm_large", False), "confirm_large"),
    )
    if spec.n_runs == 0:
        raise SpecError("the spec defines no runs")
    return spec


def check_size(spec: SweepSpec, confirmed: bool = False) -> None:
    """Refuse a sweep above `max_runs` unless confirmed (`confirm_large = true` or `--yes`)."""
    if spec.n_runs > spec.max_runs and not (confirmed or spec.confirm_large):
        raise SpecError(
            f"the sweep has {spec.n_runs:,} runs, more than `max_runs` = {spec.max_runs:,}: set "
            "`confirm_large = true` in the spec (or pass --yes), or raise `max_runs`, to run it"
        )


# --- small typed readers ---------------------------------------------------------------------------
def _no_unknown(table: Mapping[str, Any], allowed: Sequence[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise SpecError(f"unknown key `{where}{key}`; allowed keys: {', '.join(allowed)}")


def _table(value: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SpecError(f"`{key}` must be a table, got {value!r}")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _number(value: Any, key: str, low: float, high: float, unit: str = "") -> float:
    """A TOML number (not a string) in [low, high]; `unit` is shown after the range."""
    if not _is_number(value):
        raise SpecError(f"`{key}` = {value!r} must be a number in [{low:g}, {high:g}]" + (f" ({unit})" if unit else ""))
    return check_range(key, value, low, high, unit=unit, error=SpecError)


def _integer(value: Any, key: str, low: int, high: int) -> int:
    return check_whole(key, value, low, high, error=SpecError)


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"`{key}` = {value!r} must be true or false")
    return value


def _choice(value: Any, key: str, allowed: Mapping[str, Any] | Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise SpecError(f"`{key}` = {value!r} is not allowed; choose from {', '.join(allowed)}")
    return value


def _names(value: Any, key: str, allowed: Sequence[str]) -> tuple[str, ...]:
    if value == "all":
        return tuple(allowed)
    if not isinstance(value, list) or not value:
        raise SpecError(f'`{key}` must be a non-empty list (or "all") of: {", ".join(allowed)}')
    names = tuple(_choice(item, f"{key}[{i}]", allowed) for i, item in enumerate(value))
    if len(set(names)) != len(names):
        raise SpecError(f"`{key}` lists a name twice: {list(names)}")
    return names


def _assumptions(value: Any) -> tuple[str, ...]:
    return _names(value, "assumptions", tuple(ASSUMPTION_SETS))


def _outcomes(value: Any) -> tuple[str, ...]:
    return _names(value, "outcomes", OUTCOME_NAMES)


def _interventions(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise SpecError('`interventions` must be a list of text forms such as "msc:day=30,dose=1"')
    texts = []
    for i, text in enumerate(value):
        if not isinstance(text, str):
            raise SpecError(f'`interventions[{i}]` = {text!r} must be text such as "msc:day=30,dose=1"')
        try:
            texts.append(format_intervention(parse_intervention(text)))
        except InterventionError as exc:
            raise SpecError(f"`interventions[{i}]`: {exc}") from None
    return tuple(texts)


def _fixed(table: Mapping[str, Any]) -> tuple[tuple[str, float], ...]:
    pairs = []
    for name, value in table.items():
        info = _parameter(name, f"fixed.{name}")
        pairs.append((name, _number(value, f"fixed.{name}", info.low, info.high, info.unit)))
    return tuple(pairs)


def _parameter(name: str, key: str) -> Any:
    if name not in _PARAMS:
        raise SpecError(f"`{key}`: unknown parameter `{name}`; valid names: {', '.join(_PARAMS)}")
    return _PARAMS[name]


def _distinct_names(*groups: Sequence[Axis] | Sequence[tuple[str, float]]) -> None:
    seen: set[str] = set()
    for group in groups:
        for item in group:
            name = item.name if isinstance(item, Axis) else item[0]
            if name in seen:
                raise SpecError(f"`{name}` appears in more than one of design.parameters, background, fixed")
            seen.add(name)


# --- the design ------------------------------------------------------------------------------------
_GRID_KEYS = ("values", "low", "high", "count", "log")
_RANGE_KEYS = ("low", "high", "log")


def _design(design: Mapping[str, Any], interventions: Sequence[str], days: float) -> tuple[str, tuple[Axis, ...], int]:
    _no_unknown(design, ("kind", "parameters", "n"), "design.")
    kind = _choice(design.get("kind"), "design.kind", (GRID, *SAMPLED_KINDS))
    params = _table(design.get("parameters"), "design.parameters") if "parameters" in design else {}
    if not params:
        raise SpecError("`design.parameters` must name at least one parameter or intervention field to sweep")
    checker = _FieldChecker(interventions, days)
    if kind == GRID:
        if "n" in design:
            raise SpecError('`design.n` is only for kind = "lhs", "sobol" or "random"; a grid`s size is its axes')
        return kind, tuple(_grid_axis(name, spec, checker) for name, spec in params.items()), 0
    n = _integer(design.get("n"), "design.n", 1, 10**9)
    if kind == "sobol" and n & (n - 1):
        raise SpecError(f"`design.n` = {n} must be a power of two for Sobol sampling (e.g. {1 << n.bit_length()})")
    return kind, _ranges(params, "design.parameters", sampled=True, checker=checker), n


def _grid_axis(name: str, spec: Any, checker: _FieldChecker) -> Axis:
    key = f"design.parameters.{name}"
    spec = _table(spec, key)
    _no_unknown(spec, _GRID_KEYS, f"{key}.")
    if "values" in spec:
        if set(spec) - {"values"}:
            raise SpecError(f"`{key}`: give either `values` or `low`/`high`/`count` (with optional `log`), not both")
        values = spec["values"]
        if not isinstance(values, list) or not values or not all(_is_number(v) for v in values):
            raise SpecError(f"`{key}.values` must be a non-empty list of numbers, got {values!r}")
        if len(set(values)) != len(values):
            raise SpecError(f"`{key}.values` lists a value twice: {values!r}")
        floats = tuple(float(v) for v in values)
    else:
        for needed in ("low", "high", "count"):
            if needed not in spec:
                raise SpecError(f"`{key}` needs `values`, or `low`, `high` and `count`; `{needed}` is missing")
        count = _integer(spec["count"], f"{key}.count", 1, 1_000_000)
        axis = _range_axis(name, spec, key, sampled=False)
        grid = np.geomspace(axis.low, axis.high, count) if axis.log else np.linspace(axis.low, axis.high, count)
        floats = tuple(float(v) for v in grid)
    for i, value in enumerate(floats):
        checker.check(name, value, f"{key}.values[{i}]" if "values" in spec else key)
    return Axis(name=name, values=floats, log=bool(spec.get("log", False)))


def _ranges(
    table: Mapping[str, Any], where: str, *, sampled: bool, checker: _FieldChecker | None = None
) -> tuple[Axis, ...]:
    axes = []
    for name, spec in table.items():
        key = f"{where}.{name}"
        spec = _table(spec, key)
        _no_unknown(spec, _RANGE_KEYS, f"{key}.")
        if checker is None and "." in name:
            raise SpecError(f"`{key}`: only model parameters can be drawn per replicate, not intervention fields")
        axis = _range_axis(name, spec, key, sampled=sampled)
        if checker is not None:
            checker.check(name, axis.low, f"{key}.low")
            checker.check(name, axis.high, f"{key}.high")
        axes.append(axis)
    return tuple(axes)


def _range_axis(name: str, spec: Mapping[str, Any], key: str, *, sampled: bool) -> Axis:
    """An axis with low/high (defaulting to the parameter's plausible range when sampled) and `log`."""
    info = None if "." in name else _parameter(name, key)
    if info is None and ("low" not in spec or "high" not in spec):
        raise SpecError(f"`{key}` is an intervention field: give its range with `low` and `high`")
    if info is not None and not sampled and ("low" not in spec or "high" not in spec):
        raise SpecError(f"`{key}` needs both `low` and `high`")
    bounds = (info.low, info.high) if info is not None else (-math.inf, math.inf)
    unit = f"plausible range of {name}, {info.unit}" if info is not None else ""
    low = _number(spec.get("low", bounds[0]), f"{key}.low", *bounds, unit)
    high = _number(spec.get("high", bounds[1]), f"{key}.high", *bounds, unit)
    if not low < high:
        raise SpecError(f"`{key}`: empty range, `low` = {low:g} must be below `high` = {high:g}")
    log = _bool(spec.get("log", info.log_scale if (info is not None and sampled) else False), f"{key}.log")
    if log and low <= 0:
        raise SpecError(f"`{key}.log` = true needs `low` > 0, got {low:g}")
    return Axis(name=name, low=low, high=high, log=log)


class _FieldChecker:
    """Checks a design value: within a parameter's plausible range, or accepted by the intervention."""

    def __init__(self, interventions: Sequence[str], days: float) -> None:
        self.items = [parse_intervention(text) for text in interventions]
        self.days = days

    def check(self, name: str, value: float, key: str) -> None:
        if "." not in name:
            info = _parameter(name, key)
            _number(value, key, info.low, info.high, f"plausible range of {name}, {info.unit}")
            return
        kind, field = name.split(".", 1)
        matches = [item for item in self.items if item.kind == kind]
        if len(matches) != 1:
            have = ", ".join(sorted({item.kind for item in self.items})) or "none"
            raise SpecError(
                f"`{key}`: `{name}` needs exactly one `{kind}` intervention in `interventions` "
                f"(found {len(matches)}; kinds present: {have}; kinds: {', '.join(INTERVENTION_TYPES)})"
            )
        item = matches[0]
        fields = [f.name for f in dataclasses.fields(item)]
        if field not in fields:
            raise SpecError(f"`{key}`: `{kind}` has no field `{field}`; fields: {', '.join(fields)}")
        try:
            changed = dataclasses.replace(item, **{field: _field_value(item, field, value)})
        except InterventionError as exc:
            raise SpecError(f"`{key}`: {exc}") from None
        if changed.first_day() >= self.days:
            raise SpecError(f"`{key}` = {value:g}: {changed.describe()} starts after the end (`days` = {self.days:g})")


def _field_value(item: Intervention, field: str, value: float) -> float | int:
    """Whole numbers for integer fields (`count`), floats otherwise."""
    current = getattr(item, field)
    return int(value) if isinstance(current, int) and float(value).is_integer() else float(value)
