"""Markdown text shared by the report and the figure modules: number formatting and the one
"about the same" threshold. Pure; imports no stage."""

from __future__ import annotations

import math
import re

import numpy as np

SAME_WITHIN_PP = 1.0  # |difference| up to this many percentage points reads "about the same"
NOT_MEASURED = "not measured in this snapshot"
UNKNOWN = "unknown"


def reading(measured: float | None, paper: float | None, unit: str = "pp") -> str:
    """A one-line reading of a measured percentage beside the paper's."""
    if measured is None or is_nan(measured):
        return "not measured"
    if paper is None or is_nan(paper):
        return "no paper value"
    difference = measured - paper
    small = max(measured, paper) < 0.1 or (0.5 <= (measured / paper if paper else 0) <= 2)
    if abs(difference) <= SAME_WITHIN_PP and small:
        return f"about the same (±{SAME_WITHIN_PP:g} {unit})"
    ratio = f", {measured / paper:.2g}x the paper's" if paper > 0 and measured > 0 else ""
    return (
        "higher" if difference > 0 else "lower"
    ) + f" than the paper ({difference:+.1f} {unit}{ratio})"


def float_or_none(value: object) -> float | None:
    """`value` as a float; None when it is missing, NaN or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def int_or_none(value: object) -> int | None:
    """`value` as an int (truncated); None when it is missing, NaN, a bool or not a number."""
    if isinstance(value, bool):
        return None
    number = float_or_none(value)
    return None if number is None else int(number)


def is_nan(value: object) -> bool:
    """True for a float NaN."""
    return isinstance(value, float) and math.isnan(value)


def times100(value: object) -> float | None:
    """A share as a percentage; None when missing."""
    number = float_or_none(value)
    return None if number is None else 100 * number


def pct(value: float | None) -> str:
    """A percentage: one decimal, two below 1%; "-" when missing."""
    if value is None or is_nan(value):
        return "-"
    if value == 0 or value >= 1:
        return f"{value:.1f}%"
    return f"{value:.2f}%"


def count(value: object) -> str:
    """A count with thousands separators; "unknown" when missing."""
    return (
        UNKNOWN
        if value is None or (isinstance(value, float) and np.isnan(value))
        else f"{int(value):,}"
    )


def text_or_empty(value: object) -> str:
    """`value` when it is a string, else ""."""
    return value if isinstance(value, str) else ""


def bounds(low: object, high: object) -> str:
    """`low-high` with two decimals; "-" when either is missing."""
    low, high = float_or_none(low), float_or_none(high)
    return "-" if low is None or high is None else f"{low:.2f}-{high:.2f}"


def percent_in(text: str) -> float | None:
    """The first `(12.3%)` in a paper value, as a number."""
    match = re.search(r"\(([\d.]+)%\)", text or "")
    return float(match.group(1)) if match else None
