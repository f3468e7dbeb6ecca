"""Latency of one 365-day `simulate` with an MSC infusion, against solve_ivp RK45 in the same run.

Run: ``python benchmarks/single_run.py [--repeats N]``. Prints medians and the ratio
(baseline / ours); target: at least 10x. The baseline integrates the same right-hand side, same
start state, same piecewise segments and output grid with ``scipy.integrate.solve_ivp(method="RK45")``.
Also reports the model time a slider move in the app costs (one treated plus one untreated run).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from scipy.integrate import solve_ivp

import model
from model.core.equations import Inputs, Switches, rhs
from model.engine.simulate import ATOL, RTOL, initial_state, resolve_parameters

DAYS = 365.0
INFUSION = model.MSCInfusion(day=30, dose=1.0)


def ours() -> None:
    model.simulate("active_sle", interventions=[INFUSION], days=DAYS)


def slider_move() -> None:
    """What the app recomputes when a slider moves: a treated and an untreated run (new parameters)."""
    value = float(np.random.default_rng().uniform(0.5, 2.0))
    model.simulate("active_sle", params={"msc_half_life": value}, interventions=[INFUSION], days=DAYS)
    model.simulate("active_sle", params={"msc_half_life": value}, days=DAYS)


def rk45() -> None:
    p = resolve_parameters("active_sle", assumptions="baseline")
    y = initial_state("active_sle", p)
    on, inputs = Switches(), Inputs()
    for a, b in ((0.0, INFUSION.day), (INFUSION.day, DAYS)):
        y = INFUSION.jump(a, y)
        t_eval = np.arange(a, b + 1.0)
        sol = solve_ivp(
            lambda t, v: rhs(t, v.tolist(), p, inputs, on),
            (a, b),
            y,
            method="RK45",
            t_eval=t_eval,
            rtol=RTOL,
            atol=ATOL,
        )
        y = sol.y[:, -1]


def median_seconds(func, repeats: int) -> float:
    func()  # warm-up (fills the burn-in cache, imports)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    t_ours = median_seconds(ours, args.repeats)
    t_rk45 = median_seconds(rk45, max(3, args.repeats // 5))
    t_slider = median_seconds(slider_move, max(5, args.repeats // 3))
    print(f"# {model.DISCLAIMER}")
    print(f"simulate (LSODA, piecewise)      median {1e3 * t_ours:8.2f} ms")
    print(f"solve_ivp RK45 baseline          median {1e3 * t_rk45:8.2f} ms")
    print(f"speed-up vs RK45                 {t_rk45 / t_ours:8.1f}x   (target >= 10x)")
    print(f"slider move (2 runs, new params) median {1e3 * t_slider:8.2f} ms   (target well under 100 ms)")


if __name__ == "__main__":
    main()
