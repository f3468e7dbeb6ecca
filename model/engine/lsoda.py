"""The one call of LSODA (`scipy.integrate.odeint`), shared by `simulate` and the batch engine.

LSODA switches between a non-stiff (Adams) and a stiff (BDF) method as the problem demands: the
model is stiff when cytokines clear within hours while plasma cells live for months.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.integrate import ODEintWarning, odeint

from ..core.errors import SimulationError

__all__ = ["MAX_STEPS", "solve"]

#: Most internal steps between two output times before the solver gives up.
MAX_STEPS = 50_000


def solve(
    f: Callable[[np.ndarray, float], Any], y0: np.ndarray, t: np.ndarray, rtol: float, atol: float, **options: Any
) -> np.ndarray:
    """`odeint(f, y0, t)` (rows are the times `t`), raising `SimulationError` with the solver's
    message, and the days it failed between, when it fails or a state becomes non-finite.

    ``full_output`` stays off: with it, odeint copies its work arrays at every output time, a
    third of the run time of a batch's thousands of stacked equations. `options` go to odeint
    (`Dfun`, `ml`, `mu`, `mxordn`, ...).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", ODEintWarning)
        try:
            y = odeint(f, y0, t, rtol=rtol, atol=atol, mxstep=MAX_STEPS, **options)
        except ODEintWarning as warning:
            reason = str(warning).split(" Run with full_output")[0]
            raise SimulationError(f"The solver failed between day {t[0]:g} and {t[-1]:g}: {reason}") from None
    if not np.isfinite(np.max(y)):  # NaN or infinity anywhere
        raise SimulationError(f"The solver failed between day {t[0]:g} and {t[-1]:g}: the states became non-finite.")
    return y
