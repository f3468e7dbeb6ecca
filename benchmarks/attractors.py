"""How each member's starting state is found: how many need the 3000-day burn-in, before and after
Newton's method rescues the steady states that continuation approaches too slowly.

Run: ``python benchmarks/attractors.py`` (about a minute on 2 cores), ``--quick`` (a few seconds),
``--check`` to compare every member that continuation could not settle with a 30,000-day
integration.

For each workload (parameters drawn by Latin hypercube over the whole plausible box, over the
How sure page's default spread of a quarter around the scenario's values, and within +-30 % of
them), the members' attractors are found twice in the same process: as before (continuation,
then one burn-in for every member it cannot settle: `NEWTON_ITERATIONS = 0`, `BURN_IN_ROUNDS = 1`)
and as now (Newton's method from where continuation stopped; the burn-in only for members it
cannot settle there, with Newton's method tried again where each burn-in ends). Reports the share of members integrated
each way, the members left not at rest, and the time of each (same process, one after the other;
the machine is shared, so times are indicative, counts exact).
"""

from __future__ import annotations

import argparse
import sys
import time
import types
from pathlib import Path

import numpy as np
from scipy.integrate import odeint

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import model
from model.analysis import uncertainty
from model.core.equations import STATE_NAMES, Inputs, Switches, rhs
from model.core.parameters import parameter_info
from model.engine import attractor
from model.engine.batch import resolve_batch
from model.engine.simulate import burn_in

LONG_RUN = 30_000.0  # days


def workloads(scenario: str, n: int, seed: int) -> dict[str, object]:
    """Parameter draws: the whole box, a quarter of the way to the bounds, and +-30 % of the values."""
    values = model.resolve_parameters(scenario).as_dict()
    near = {}
    for name in uncertainty.default_parameters():
        info = parameter_info(name)
        near[name] = (max(info.low, 0.7 * values[name]), min(info.high, 1.3 * values[name]))
    return {
        "box": uncertainty.sample_parameters(n, seed=seed),
        "quarter": uncertainty.sample_parameters(n, seed=seed, ranges=uncertainty.ranges_around(scenario, spread=0.25)),
        "pm30": uncertainty.sample_parameters(n, seed=seed, ranges=near),
    }


def _members(draws: object, scenario: str) -> types.SimpleNamespace:
    table = resolve_batch(draws, scenario=scenario)
    return types.SimpleNamespace(**{name: table[name].to_numpy(dtype=float) for name in table.columns})


def _settle(p: types.SimpleNamespace, start: np.ndarray, newton: bool) -> tuple[np.ndarray, list[int], float]:
    """Attractors of every member, the members integrated, and the seconds it took."""
    integrated: list[int] = []
    on = Switches()

    def integrate(members: np.ndarray, y: np.ndarray) -> np.ndarray:
        integrated.extend(members.tolist())
        return np.column_stack([burn_in(y[:, k], attractor.member(p, m), on) for k, m in enumerate(members)])

    saved = attractor.NEWTON_ITERATIONS, attractor.BURN_IN_ROUNDS
    if not newton:  # as before: one burn-in, no Newton's method
        attractor.NEWTON_ITERATIONS, attractor.BURN_IN_ROUNDS = 0, 1
    try:
        began = time.perf_counter()
        y = attractor.settle(start.copy(), p, on, integrate)
        return y, sorted(set(integrated)), time.perf_counter() - began
    finally:
        attractor.NEWTON_ITERATIONS, attractor.BURN_IN_ROUNDS = saved


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / (np.abs(b) + 1e-3)))


def _long_run(y0: np.ndarray, q: types.SimpleNamespace, on: Switches) -> np.ndarray:
    def f(y: np.ndarray, t: float) -> list[float]:
        return rhs(t, list(y), q, Inputs(), on)

    return odeint(f, y0, [0.0, LONG_RUN], rtol=1e-8, atol=1e-11, mxstep=1_000_000)[-1]


def _check(
    p: types.SimpleNamespace, start: np.ndarray, members: list[int], before: np.ndarray, after: np.ndarray
) -> str:
    """How far the old and the new starting states are from a 30,000-day integration."""
    on = Switches()
    old, new, moving = [], [], 0
    for m in members:
        q = attractor.member(p, m)
        end = _long_run(start[:, m], q, on)
        rates = np.array(rhs(0.0, list(end), q, Inputs(), on))
        if np.max(np.abs(rates) / (np.abs(end) + 1e-3)) > 1e-8:
            moving += 1  # still moving after 30,000 days: oscillating
            continue
        old.append(_relative(before[:, m], end))
        new.append(_relative(after[:, m], end))
    if not old:
        return f"    check: {moving} of {len(members)} still moving after {LONG_RUN:g} days"
    return (
        f"    check against {LONG_RUN:g} days ({len(old)} at rest then, {moving} still moving): "
        f"burn-in start off by median {np.median(old):.1e}, max {max(old):.1e}; "
        f"now median {np.median(new):.1e}, max {max(new):.1e}; within 1e-6 now: {sum(x < 1e-6 for x in new)}"
    )


def main(argv: list[str] | None = None) -> int:
    """Count and time the attractor search before and after the Newton rescue; print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 members per workload")
    parser.add_argument("--n", type=int, default=4000, help="members per workload")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", action="append", help="scenario(s); default active_sle and susceptible")
    parser.add_argument("--check", action="store_true", help="compare with a 30,000-day integration")
    args = parser.parse_args(argv)
    n = 500 if args.quick else args.n
    if n < 1:
        parser.error(f"--n must be at least 1, got {n}")
    print(f"# {model.DISCLAIMER}")
    print(f"attractors of {n} members per workload, untreated; burn-in = {attractor.BURN_IN_DAYS:g} days")
    print(f"{'scenario':<12} {'workload':<8} {'burn-in before':>15} {'after':>13} {'not at rest':>12} "
          f"{'s before':>8} {'s after':>8}")  # fmt: skip
    for scenario in args.scenario or ["active_sle", "susceptible"]:
        first = model.SCENARIOS[scenario].initial
        for name, draws in workloads(scenario, n, args.seed).items():
            p = _members(draws, scenario)
            start = np.tile(np.array([first[s] for s in STATE_NAMES])[:, None], (1, n))
            before, old, t_old = _settle(p, start, newton=False)
            after, new, t_new = _settle(p, start, newton=True)
            rates = attractor.evaluator(attractor.subset(p, np.array(new, dtype=int)), len(new), Inputs(), Switches())
            at_rest = np.max(np.abs(rates(after[:, new], 0.0)) / (np.abs(after[:, new]) + 1e-3), axis=0) < 1e-8
            shares = f"{len(old):>6} ({100 * len(old) / n:4.1f} %) {len(new):>5} ({100 * len(new) / n:4.1f} %)"
            print(f"{scenario:<12} {name:<8} {shares} {int((~at_rest).sum()):>12} {t_old:>8.2f} {t_new:>8.2f}")
            if args.check and old:
                print(_check(p, start, old, before, after))
    print("(burn-in before: members continuation could not settle, all integrated for the burn-in;")
    print(" after: members Newton's method could not settle from where continuation stopped; not at rest:")
    print(" of those, members still moving where the burn-in and a second Newton attempt leave them,")
    print(" oscillating or approaching their state too slowly; --check tells which)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
