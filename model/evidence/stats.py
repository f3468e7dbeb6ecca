"""Intervals computed from counts: Wilson score for one proportion, Newcombe (method 10) for a difference.

Newcombe RG (1998), Interval estimation for the difference between independent proportions: comparison of
eleven methods, Statistics in Medicine 17:873-890; method 10 is the hybrid score interval built from the two
Wilson intervals (no continuity correction). Both are well behaved for small counts and proportions near 0
or 1, where the usual Wald interval fails: exactly the small cell-therapy studies of the registry.
"""

from __future__ import annotations

import math
from statistics import NormalDist


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be between 0 and 1, got {level}")
    return NormalDist().inv_cdf(0.5 + level / 2)


def _check(events: int, total: int) -> None:
    if total <= 0 or not 0 <= events <= total:
        raise ValueError(f"need 0 <= events <= total and total > 0, got {events}/{total}")


def wilson_interval(events: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for the proportion `events / total` (as fractions, 0 to 1)."""
    _check(events, total)
    z = _z(level)
    p = events / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(
    events1: int, total1: int, events2: int, total2: int, level: float = 0.95
) -> tuple[float, float, float]:
    """Difference p1 - p2 with its Newcombe hybrid-score interval (method 10): (difference, low, high)."""
    _check(events1, total1)
    _check(events2, total2)
    p1, p2 = events1 / total1, events2 / total2
    l1, u1 = wilson_interval(events1, total1, level)
    l2, u2 = wilson_interval(events2, total2, level)
    diff = p1 - p2
    low = diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return diff, low, high
