"""The shared statistics: scipy's Wilson interval, and the documented n = 0 choice."""

from __future__ import annotations

import math

import pytest
from scipy.stats import binomtest

from pipeline.stats import wilson_interval


def test_wilson_interval_known_values() -> None:
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)


def test_a_share_of_nothing_has_no_interval() -> None:
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_wilson_interval_equals_scipy_and_takes_a_confidence() -> None:
    # 0.21% of model repos signed (paper Table IV) in a sample of 2,000
    assert wilson_interval(4, 2000) == pytest.approx((0.000778, 0.005131), abs=1e-6)
    for k, n in [(1, 3), (7, 50), (21, 10_000), (999, 1000)]:
        expected = binomtest(k, n).proportion_ci(method="wilson")
        assert wilson_interval(k, n) == pytest.approx((expected.low, expected.high), abs=1e-12)
    low, high = wilson_interval(3, 40, confidence=0.99)
    assert low < wilson_interval(3, 40)[0] and high > wilson_interval(3, 40)[1]


def test_a_fractional_count_and_an_impossible_one() -> None:
    low, high = wilson_interval(7.5, 10)
    assert wilson_interval(7, 10)[0] < low < wilson_interval(8, 10)[0]
    assert wilson_interval(7, 10)[1] < high < wilson_interval(8, 10)[1]
    with pytest.raises(ValueError, match="11 of 10"):
        wilson_interval(11, 10)


@pytest.mark.parametrize(("k", "n"), [(-1, 5), (6, 5)])
def test_impossible_counts_are_refused(k: int, n: int) -> None:
    with pytest.raises(ValueError, match=f"{k} of {n}"):
        wilson_interval(k, n)
