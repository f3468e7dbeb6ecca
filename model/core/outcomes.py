r"""Derived outcomes: the toy activity index, remission, flares.

The **toy lupus activity index** (TLAI) is a teaching device, *not* SLEDAI or BILAG or any clinical
score. It averages three states that stand for what clinicians watch (serology, inflammation,
organ involvement), each divided by a reference level typical of untreated `active_sle`:

.. math::

   \mathrm{TLAI} = \tfrac13\left(\frac{A}{A_{ref}} + \frac{C_i}{C_{i,ref}} + \frac{D}{D_{ref}}\right)

so untreated active disease sits near 1 and health near 0. **Remission** is TLAI below
`REMISSION_THRESHOLD`; a **flare** is each rise of the TLAI above `FLARE_THRESHOLD` from below.
Both thresholds are illustrative choices.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

__all__ = [
    "ACTIVITY_REFERENCE",
    "FLARE_THRESHOLD",
    "REMISSION_THRESHOLD",
    "Outcomes",
    "activity_index",
    "compute_outcomes",
    "outcome_columns",
]

#: Reference levels (a.u.) of autoantibody, pro-inflammatory cytokine and damage: roughly
#: their values in untreated `active_sle` under the default parameters (illustrative).
ACTIVITY_REFERENCE: dict[str, float] = {"A": 2.5, "Ci": 2.0, "D": 1.5}
#: TLAI below this counts as remission (illustrative choice).
REMISSION_THRESHOLD: float = 0.2
#: TLAI rising above this from below counts as a flare (illustrative choice).
FLARE_THRESHOLD: float = 0.5

OUTCOME_NAMES: tuple[str, ...] = (
    "activity_peak",
    "activity_final",
    "activity_mean",
    "activity_auc",
    "days_in_remission",
    "flares",
    "remission_at_end",
)


def activity_index(A: Any, Ci: Any, D: Any) -> Any:
    """The toy lupus activity index (dimensionless) from autoantibody, cytokine and damage levels."""
    ref = ACTIVITY_REFERENCE
    return (A / ref["A"] + Ci / ref["Ci"] + D / ref["D"]) / 3.0


@dataclasses.dataclass(frozen=True)
class Outcomes:
    """What a run means for the (toy) patient.

    Attributes:
        activity: TLAI over the result's time points (dimensionless).
        activity_peak: highest TLAI.
        activity_final: TLAI at the last time point.
        activity_mean: time-averaged TLAI.
        activity_auc: time-integrated TLAI (TLAI x days); lower means less disease over the run.
        days_in_remission: days with TLAI below `REMISSION_THRESHOLD`.
        flares: number of rises of the TLAI above `FLARE_THRESHOLD` from below.
        remission_at_end: whether the final TLAI is below `REMISSION_THRESHOLD`.
    """

    activity: np.ndarray
    activity_peak: float
    activity_final: float
    activity_mean: float
    activity_auc: float
    days_in_remission: float
    flares: int
    remission_at_end: bool

    def summary(self) -> dict[str, float | int | bool]:
        """The scalar outcomes by name (everything but the series)."""
        return {name: getattr(self, name) for name in OUTCOME_NAMES}


def outcome_columns(t: np.ndarray, activity: np.ndarray) -> dict[str, np.ndarray]:
    """Every scalar outcome for TLAI series along the last axis of `activity` (one per leading index).

    `t` (days) is shared by all series; repeated times at jumps are allowed. Returns arrays of the
    leading shape, keyed by `OUTCOME_NAMES`.
    """
    dt = np.diff(t)
    mid = 0.5 * (activity[..., 1:] + activity[..., :-1])
    auc = np.sum(dt * mid, axis=-1)
    span = float(t[-1] - t[0])
    below = activity < REMISSION_THRESHOLD
    above = activity > FLARE_THRESHOLD
    return {
        "activity_peak": np.max(activity, axis=-1),
        "activity_final": activity[..., -1],
        "activity_mean": auc / span if span > 0 else activity[..., 0],
        "activity_auc": auc,
        "days_in_remission": np.sum(dt * (below[..., 1:] & below[..., :-1]), axis=-1),
        "flares": np.sum(above[..., 1:] & ~above[..., :-1], axis=-1),
        "remission_at_end": activity[..., -1] < REMISSION_THRESHOLD,
    }


def compute_outcomes(t: np.ndarray, activity: np.ndarray) -> Outcomes:
    """Outcomes of one TLAI series over time points `t` (days; repeated times allowed at jumps)."""
    columns = outcome_columns(t, activity)
    return Outcomes(
        activity=activity,
        activity_peak=float(columns["activity_peak"]),
        activity_final=float(columns["activity_final"]),
        activity_mean=float(columns["activity_mean"]),
        activity_auc=float(columns["activity_auc"]),
        days_in_remission=float(columns["days_in_remission"]),
        flares=int(columns["flares"]),
        remission_at_end=bool(columns["remission_at_end"]),
    )
