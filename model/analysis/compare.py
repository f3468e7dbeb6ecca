"""Side-by-side runs: the same therapy under every assumption set (the headline lesson)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..core.interventions import AntigenTrigger, Intervention, MSCInfusion
from ..core.outcomes import FLARE_THRESHOLD
from ..core.parameters import Parameters
from ..core.scenarios import ASSUMPTION_SETS
from ..engine.simulate import Result, simulate

__all__ = ["activity_at", "compare_assumptions", "comparison_table", "tipping_window", "tips"]


def activity_at(res: Result, day: float) -> float:
    """The activity index at `day` (the value just after any jump on that day)."""
    i = int(np.searchsorted(res.t, day, side="right")) - 1
    return float(res.outcomes.activity[max(i, 0)])


def compare_assumptions(
    scenario: str = "active_sle",
    *,
    assumption_sets: Sequence[str] | None = None,
    params: Mapping[str, float] | None = None,
    interventions: Sequence[Intervention] | None = None,
    days: float = 730,
    follow_up: float = 180.0,
) -> Any:
    """The same interventions under each assumption set, compared with no treatment.

    `params` are overrides (a mapping) applied on top of each assumption set; a complete
    `Parameters` would leave no room for the assumption sets and is refused.

    Default interventions: one `MSCInfusion(day=30, dose=1.0)`. Returns a table with one row per
    assumption set: activity just before the first intervention, lowest activity after it,
    activity `follow_up` days after it and as a fraction of the pre-treatment level, the
    time-integrated activity treated and untreated and the relative reduction, days in remission,
    and whether the run ends in remission. Illustrative, not predictive.
    """
    interventions = tuple(interventions) if interventions is not None else (MSCInfusion(day=30, dose=1.0),)
    runs = {
        name: (
            simulate(scenario, assumptions=name, params=params, days=days),
            simulate(scenario, assumptions=name, params=params, interventions=interventions, days=days),
        )
        for name in assumption_sets or tuple(ASSUMPTION_SETS)
    }
    return comparison_table(runs, follow_up=follow_up)


def comparison_table(runs: Mapping[str, tuple[Result, Result]], *, follow_up: float = 180.0) -> Any:
    """The table of `compare_assumptions` from runs already made: {assumption set: (untreated, treated)}.

    Each pair must share scenario, parameters and length; the treated run's interventions set the
    start of treatment. A caller that keeps runs (for instance cut from longer ones with
    `Result.until`) gets the same table without simulating again. Illustrative, not predictive.
    """
    import pandas as pd

    rows = []
    for name, (untreated, treated) in runs.items():
        days = float(treated.t[-1])
        start = min((i.first_day() for i in treated.interventions), default=0.0)
        before = activity_at(treated, start - 1e-9) if start > 0 else float(treated.outcomes.activity[0])
        after = treated.outcomes.activity[treated.t >= start]
        later = activity_at(treated, min(start + follow_up, days))
        auc_u, auc_t = untreated.outcomes.activity_auc, treated.outcomes.activity_auc
        rows.append(
            {
                "assumptions": name,
                "activity_before": before,
                "activity_lowest": float(np.min(after)),
                "activity_follow_up": later,
                "follow_up_fraction": later / before if before > 0 else np.nan,
                "auc_untreated": auc_u,
                "auc_treated": auc_t,
                "auc_reduction_percent": 100.0 * (auc_u - auc_t) / auc_u if auc_u > 0 else 0.0,
                "days_in_remission": treated.outcomes.days_in_remission,
                "remission_at_end": treated.outcomes.remission_at_end,
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["follow_up_days"] = follow_up
    return table


def tips(
    scenario: str,
    *,
    assumptions: str | None = None,
    params: Parameters | Mapping[str, float] | None = None,
    trigger: Intervention | None = None,
    days: float = 1000,
) -> bool:
    """Whether the run after `trigger` ends in active disease (activity above the flare threshold)."""
    triggers = [trigger] if trigger else []
    res = simulate(scenario, assumptions=assumptions, params=params, interventions=triggers, days=days, dt=10.0)
    return res.outcomes.activity_final > FLARE_THRESHOLD


def tipping_window(
    size: float = 40.0,
    *,
    duration: float = 14.0,
    scenario: str = "susceptible",
    parameter: str = "antigen_clearance",
    bounds: tuple[float, float] = (0.3, 2.0),
    tolerance: float = 1e-3,
) -> tuple[float, float]:
    """The interval of `parameter` over which an `AntigenTrigger(size, duration)` tips `scenario`.

    Below the lower end the untriggered system is already active (no healthy state); above the
    upper end the trigger fades. Found by bisection on each end (parameter units, e.g. 1/day).
    """

    def edge(trigger: Intervention | None) -> float:
        lo, hi = bounds
        while hi - lo > tolerance:
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if tips(scenario, params={parameter: mid}, trigger=trigger) else (lo, mid)
        return lo

    return edge(None), edge(AntigenTrigger(day=30, size=size, duration=duration))
