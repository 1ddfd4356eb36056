"""Statistics shared by every stage (intervals), on scipy where scipy has them. Imports no
stage.

**n = 0.** An interval of a share of nothing is undefined: `wilson_interval(0, 0)` is
`(nan, nan)`, written as empty cells, never a made-up `(0, 1)`.
"""

from __future__ import annotations

import math

from scipy import stats

CONFIDENCE = 0.95


def wilson_interval(k: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of the proportion k/n (scipy's `binomtest`, no continuity
    correction); `(nan, nan)` when n is 0.

    >>> [round(x, 4) for x in wilson_interval(0, 10)]
    [0.0, 0.2775]
    """
    if n <= 0:
        return math.nan, math.nan
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)
