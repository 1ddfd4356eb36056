"""Statistics shared by every stage (intervals). Imports no stage.

**n = 0.** An interval of a share of nothing is undefined: `wilson_interval(0, 0)` is
`(nan, nan)`, written as empty cells, never a made-up `(0, 1)`.

**Wilson interval.** The closed form (Wilson 1927, no continuity correction) with the exact
normal quantile from scipy (`z = norm.ppf(0.975)` for 95%). It equals scipy's
`binomtest(k, n).proportion_ci(method="wilson")` up to floating-point rounding (checked in
tests/test_stats.py), and unlike it also takes a fractional count (an accuracy times n).
"""

from __future__ import annotations

import math

from scipy import stats

CONFIDENCE = 0.95


def z_value(confidence: float = CONFIDENCE) -> float:
    """The two-sided normal quantile of `confidence` (1.959963984540054 for 95%)."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson_interval(
    successes: float, n: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """The Wilson score interval of the proportion successes/n; `(nan, nan)` when n is 0.

    >>> [round(x, 4) for x in wilson_interval(0, 10)]
    [0.0, 0.2775]
    """
    if n <= 0:
        return math.nan, math.nan
    if not 0 <= successes <= n:
        raise ValueError(f"wilson_interval needs 0 <= successes <= n, got {successes} of {n}")
    z = z_value(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)
