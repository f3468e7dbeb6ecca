"""Every figure of the documentation, drawn from the model so that pictures never drift from the code.

Run ``python -m model.figures [--out docs/images]`` to (re)write all PNGs. Each figure is titled
"illustrative, not predictive" and carries the model's disclaimer as a footnote. Figures are drawn
with matplotlib's object API on an Agg canvas (no pyplot, no display, no global state), and each
file is written to a temporary name first, so a failed run never leaves a half-written PNG.

`FIGURES` maps file names to the functions that draw them; the docs tests check that every image
the docs reference is one of them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..analysis.compare import activity_at
from ..core.disclaimer import DISCLAIMER, ILLUSTRATIVE
from ..core.interventions import (
    AntigenTrigger,
    BCellDepletion,
    CARTCellTherapy,
    HSCTReset,
    Immunosuppression,
    Intervention,
    MSCInfusion,
)
from ..core.outcomes import FLARE_THRESHOLD, REMISSION_THRESHOLD
from ..core.parameters import Parameters
from ..core.scenarios import ASSUMPTION_SETS, SCENARIOS
from ..engine.simulate import Result, simulate
from .files import atomic_path

__all__ = ["DEFAULT_OUT", "FIGURES", "main", "render", "render_all"]

#: Where the docs expect the figures: `docs/images` of the repository this package lives in.
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "docs" / "images"
_DPI = 110


def _new_figure(title: str, rows: int = 1, cols: int = 1, height: float = 4.2) -> tuple[Figure, list[Axes]]:
    """A figure with a titled header that says 'illustrative, not predictive' and a disclaimer footnote."""
    fig = Figure(figsize=(8.0, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = list(np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel())
    fig.suptitle(f"{title}\n({ILLUSTRATIVE})", fontsize=11)
    fig.text(0.5, -0.01, DISCLAIMER, ha="center", va="top", fontsize=6.5, color="0.35", wrap=True)
    return fig, axes


def _day_axis(ax: Axes, days: float, *, treated: float | None = None) -> None:
    """Days 0 to `days` on the x axis, a light grid, and a thin grey line on day `treated` when given."""
    ax.set_xlim(0, days)
    ax.set_xlabel("day")
    ax.grid(alpha=0.3)
    if treated is not None:
        ax.axvline(treated, color="0.5", lw=0.7)


def _activity_axes(ax: Axes, days: float, *, treated: float | None = None) -> None:
    """Label an axis of the toy activity index and draw the remission and flare thresholds (see `_day_axis`)."""
    ax.axhline(REMISSION_THRESHOLD, color="tab:green", lw=0.8, ls=":", label="remission threshold")
    ax.axhline(FLARE_THRESHOLD, color="tab:red", lw=0.8, ls=":", label="flare threshold")
    ax.set_ylabel("toy activity index (TLAI)")
    _day_axis(ax, days, treated=treated)


def _activity_over_panel(top: Axes, bottom: Axes, days: float, treated: float) -> None:
    """Two panels over time, treatment on day `treated`: the activity index on top, states below."""
    _activity_axes(top, days, treated=treated)
    top.set_xlabel("")
    top.legend(fontsize=7)
    _day_axis(bottom, days, treated=treated)


def _labels(ax: Axes, xlabel: str, ylabel: str, legend: str = "best") -> None:
    """Axis labels, a light grid and a small legend at `legend`."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc=legend)


def _shade(ax: Axes, start: float, stop: float, label: str) -> None:
    ax.axvspan(start, stop, color="0.85", alpha=0.6, lw=0, label=label)


def _plot_activity(ax: Axes, res: Result, label: str, **style: object) -> None:
    ax.plot(res.t, res["activity"], label=label, **style)


def tipping_trigger() -> Figure:
    """Susceptible person: a small burst of self-antigen fades, a large one tips into lasting disease;
    the same amount delivered too fast or too slowly does not tip (Lesson 1)."""
    fig, (left, right) = _new_figure("A trigger can tip a susceptible person into lasting disease", cols=2)
    days = 365
    for size, color in ((10, "tab:blue"), (40, "tab:red")):
        res = simulate("susceptible", interventions=[AntigenTrigger(day=30, size=size, duration=14)], days=days)
        _plot_activity(left, res, f"trigger size {size} over 14 days", color=color)
    _shade(left, 30, 44, "trigger")
    _activity_axes(left, days)
    left.set_title("small vs large trigger", fontsize=9)
    left.legend(fontsize=7)
    for duration, color in ((0, "tab:purple"), (14, "tab:red"), (60, "tab:olive")):
        res = simulate("susceptible", interventions=[AntigenTrigger(day=30, size=40, duration=duration)], days=days)
        _plot_activity(right, res, f"size 40 over {duration} days", color=color)
    _activity_axes(right, days)
    right.set_title("same amount, different timing", fontsize=9)
    right.legend(fontsize=7)
    return fig


def steady_activity(scenario: str, clearance: float) -> float:
    """Activity on the attractor reached from `scenario`'s starting state at this antigen clearance (1/day)."""
    return float(simulate(scenario, params={"antigen_clearance": clearance}, days=1).outcomes.activity[0])


def hysteresis() -> Figure:
    """Steady states against antigen clearance, reached from a healthy and from a diseased start (Lesson 1)."""
    fig, (ax,) = _new_figure("Two stable states: where you end up depends on where you start")
    grid = np.round(np.linspace(0.3, 2.0, 69), 4)
    from_healthy = [steady_activity("healthy", k) for k in grid]
    from_disease = [steady_activity("active_sle", k) for k in grid]
    ax.plot(grid, from_disease, "o", ms=3.5, color="tab:red", label="start from active disease")
    ax.plot(grid, from_healthy, "o", ms=2.5, color="tab:blue", label="start from health")
    both = np.abs(np.array(from_healthy) - np.array(from_disease)) > 0.1
    if both.any():
        ax.axvspan(grid[both].min(), grid[both].max(), color="0.9", lw=0, label="both states stable (bistable)")
    for name, scenario in SCENARIOS.items():
        k = scenario.overrides["antigen_clearance"]
        ax.axvline(k, color="0.4", lw=0.7, ls="--")
        ax.annotate(name, (k, 1.25), rotation=90, fontsize=7, ha="right", va="top")
    _labels(ax, "antigen_clearance (1/day)", "steady toy activity index (TLAI)", "center right")
    return fig


def msc_assumptions() -> Figure:
    """One MSC infusion on day 30 in active SLE under every assumption set (Lessons 2 and 3)."""
    fig, (ax,) = _new_figure("The same MSC infusion under each assumption set")
    days = 730
    for name in ASSUMPTION_SETS:
        res = simulate("active_sle", assumptions=name, interventions=[MSCInfusion(day=30, dose=1.0)], days=days)
        _plot_activity(ax, res, name)
    untreated = simulate("active_sle", days=days)
    _plot_activity(ax, untreated, "untreated (baseline)", color="0.3", ls="--", lw=0.8)
    _activity_axes(ax, days, treated=30)
    ax.legend(fontsize=7, loc="lower left")
    return fig


def msc_timescales() -> Figure:
    """Under `baseline`: infused MSC are gone in days, the Tregs they induce fade in weeks (Lesson 2)."""
    fig, axes = _new_figure("Why the effect fades: three timescales after one MSC infusion", rows=3, height=6.5)
    days = 180
    res = simulate("active_sle", interventions=[MSCInfusion(day=30, dose=1.0)], days=days)
    panels = (
        ("M", "infused MSC (a.u.)", "tab:purple"),
        ("R", "regulatory T cells (a.u.)", "tab:green"),
        ("activity", "toy activity index", "tab:red"),
    )
    for ax, (name, label, color) in zip(axes, panels, strict=True):
        ax.plot(res.t, res[name], color=color)
        ax.set_ylabel(label, fontsize=8)
        _day_axis(ax, days, treated=30)
    for ax in axes[:-1]:
        ax.set_xlabel("")
    return fig


def hsct_relapse() -> Figure:
    """An HSCT-like reset removes the disease's memory: lasting in the default toy person, relapse where slower
    clearance leaves no healthy steady state (Lesson 2, step 4)."""
    title = "HSCT-like reset: lasting, unless health is not a steady state"
    fig, (top, bottom) = _new_figure(title, rows=2, height=5.5)
    days = 3 * 365
    runs = (
        ("default toy person (clearance in the bistable window)", {}, "tab:green"),
        ("antigen clearance 0.6 (no healthy steady state)", {"antigen_clearance": 0.6}, "tab:red"),
    )
    for label, params, color in runs:
        res = simulate("active_sle", params=params, interventions=[HSCTReset(day=30)], days=days)
        _plot_activity(top, res, label, color=color)
        if not params:
            for name, state in (("E", "effector T cells"), ("B", "autoreactive B cells"), ("Pl", "long-lived PC")):
                bottom.plot(res.t, res[name], label=f"{state} (default toy person)")
    _activity_over_panel(top, bottom, days, treated=30)
    bottom.set_ylabel("a.u.")
    bottom.legend(fontsize=7)
    return fig


def car_t() -> Figure:
    """CD19 and BCMA-CD19 CAR-T against rituximab-like depletion: B cells, long-lived plasma cells, activity."""
    fig, (top, bottom) = _new_figure("CAR-T: B cells return after months; only BCMA-CD19 removes plasma cells", rows=2)
    days = 730
    defaults = Parameters()
    healthy_b = defaults.b_source / defaults.b_death
    runs = (
        ("rituximab-like depletion", BCellDepletion(day=30), "tab:orange"),
        ("CD19 CAR-T", CARTCellTherapy(day=30, target="CD19"), "tab:blue"),
        ("BCMA-CD19 CAR-T", CARTCellTherapy(day=30, target="BCMA-CD19"), "tab:green"),
    )
    for label, therapy, color in runs:
        res = simulate("active_sle", interventions=[therapy], days=days)
        before = int(np.searchsorted(res.t, 30, side="left")) - 1
        _plot_activity(top, res, label, color=color)
        bottom.plot(res.t, res["B"] / healthy_b, color=color, label=f"B cells, {label}")
        bottom.plot(res.t, res["Pl"] / res["Pl"][before], color=color, ls="--", label=f"long-lived PC, {label}")
    _activity_over_panel(top, bottom, days, treated=30)
    bottom.set_yscale("log")
    bottom.set_ylim(1e-3, 1e3)
    bottom.set_ylabel("B cells: x healthy level\nplasma cells: x day before")
    bottom.legend(fontsize=6, ncol=2, loc="lower left")
    return fig


def bcell_depletion() -> Figure:
    """B cells vanish within a week, autoantibody falls slowly: long-lived plasma cells remain (Lesson 2)."""
    fig, (ax,) = _new_figure("B-cell depletion: B cells vanish, antibodies linger")
    days = 365
    res = simulate("active_sle", interventions=[BCellDepletion(day=30)], days=days)
    before = int(np.searchsorted(res.t, 30, side="left")) - 1
    series = (
        ("B", "autoreactive B cells"),
        ("Ps", "short-lived plasma cells"),
        ("Pl", "long-lived plasma cells"),
        ("A", "autoantibody"),
    )
    for name, label in series:
        ax.plot(res.t, res[name] / res[name][before], label=label)
    _day_axis(ax, days, treated=30)
    ax.set_ylabel("relative to the day before treatment")
    ax.legend(fontsize=7)
    return fig


def while_it_lasts() -> Figure:
    """Immunosuppression and repeated MSC under `baseline`: effects last only while treatment goes on (Lesson 2)."""
    fig, (ax,) = _new_figure("Effects that last only while the treatment lasts")
    days = 450
    runs: tuple[tuple[str, Sequence[Intervention], str], ...] = (
        ("untreated", (), "0.3"),
        ("immunosuppression day 30-210", (Immunosuppression(start=30, stop=210, strength=0.6),), "tab:blue"),
        ("MSC every 30 days x6 (baseline)", (MSCInfusion(day=30, repeat_every=30, count=6),), "tab:purple"),
    )
    for label, interventions, color in runs:
        _plot_activity(ax, simulate("active_sle", interventions=interventions, days=days), label, color=color)
    _shade(ax, 30, 210, "treatment period")
    _activity_axes(ax, days)
    ax.legend(fontsize=7, loc="lower right")
    return fig


def durable_threshold() -> Figure:
    """Under `durable_treg`, the final activity after one infusion against the uncertain `treg_loop` (Lesson 3)."""
    fig, (ax,) = _new_figure("One uncertain number decides: lasting remission or none")
    days = 730
    loops = np.round(np.linspace(0.2, 0.5, 25), 4)
    treated, untreated = [], []
    for loop in loops:
        params = {"treg_loop": float(loop)}
        run = {"assumptions": "durable_treg", "params": params, "days": days}
        res = simulate("active_sle", **run, interventions=[MSCInfusion(day=30)])
        treated.append(res.outcomes.activity_final)
        untreated.append(activity_at(simulate("active_sle", **run), days))
    ax.plot(loops, treated, "o-", ms=3, color="tab:green", label="one MSC infusion on day 30")
    ax.plot(loops, untreated, "o-", ms=3, color="0.4", label="untreated")
    ax.axhline(REMISSION_THRESHOLD, color="tab:green", lw=0.8, ls=":", label="remission threshold")
    _labels(ax, "treg_loop (1/day), other settings of durable_treg", f"toy activity index on day {days}")
    return fig


#: File name -> function that draws it. The docs may only reference figures listed here.
FIGURES: dict[str, Callable[[], Figure]] = {
    "tipping_trigger.png": tipping_trigger,
    "hysteresis.png": hysteresis,
    "msc_assumptions.png": msc_assumptions,
    "msc_timescales.png": msc_timescales,
    "hsct_relapse.png": hsct_relapse,
    "bcell_depletion.png": bcell_depletion,
    "car_t.png": car_t,
    "while_it_lasts.png": while_it_lasts,
    "durable_threshold.png": durable_threshold,
}


def render(name: str, out_dir: str | os.PathLike[str]) -> Path:
    """Draw figure `name` (a key of `FIGURES`) and write it atomically into `out_dir`; returns the path."""
    if name not in FIGURES:
        raise ValueError(f"Unknown figure {name!r}; valid names: {', '.join(FIGURES)}")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    fig = FIGURES[name]()
    with atomic_path(folder / name) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
    return folder / name


def render_all(out_dir: str | os.PathLike[str] = DEFAULT_OUT, names: Sequence[str] | None = None) -> list[Path]:
    """Draw every figure (or those in `names`) into `out_dir`; returns the written paths."""
    return [render(name, out_dir) for name in (names or tuple(FIGURES))]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m model.figures [--out DIR] [--only NAME ...]``."""
    parser = argparse.ArgumentParser(prog="python -m model.figures", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default: the repository's docs/images)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help=f"only these figures: {', '.join(FIGURES)}")
    args = parser.parse_args(argv)
    print(DISCLAIMER, flush=True)
    try:
        paths = render_all(args.out, args.only)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
