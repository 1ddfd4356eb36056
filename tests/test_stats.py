"""The shared statistics: scipy's Wilson interval, and the documented n = 0 choice."""

from __future__ import annotations

import math

import pytest

from pipeline.stats import wilson_interval


def test_wilson_interval_known_values() -> None:
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)


def test_a_share_of_nothing_has_no_interval() -> None:
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
