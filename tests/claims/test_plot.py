"""The discrepancy figure: layout by size, units on the axes, the zero line, its table."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

from pipeline.claims.plot import MAX_BARS, discrepancy_table, plot_discrepancy


def _has_zero_line(axes) -> bool:
    return any(list(line.get_xdata()) == [0, 0] for line in axes.get_lines())


def test_distribution_for_icwsm(icwsm_join) -> None:
    pairs = icwsm_join[2].pairs
    assert len(pairs) > MAX_BARS
    figure = plot_discrepancy(pairs)
    assert isinstance(figure, Figure)
    hist, ecdf = figure.axes
    assert "percentage points" in hist.get_xlabel() and "percentage points" in ecdf.get_xlabel()
    assert _has_zero_line(hist) and _has_zero_line(ecdf)
    assert "77% overstate by more than 0.5 pp" in [t.get_text() for t in ecdf.texts]


def test_bars_for_small_sets(icwsm_join) -> None:
    pairs = icwsm_join[2].pairs.head(12)
    figure = plot_discrepancy(pairs)
    (axes,) = figure.axes
    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert len(labels) == 12 and all("f1_macro" in label for label in labels)
    assert _has_zero_line(axes)
    assert "percentage points" in axes.get_xlabel()
    values = discrepancy_table(pairs)["discrepancy_pp"]
    assert values.is_monotonic_decreasing  # most overstated first


def test_empty_and_bad_input() -> None:
    empty = pd.DataFrame({"model_id": [], "discrepancy_pp": []})
    figure = plot_discrepancy(empty)
    assert "no comparable" in figure.axes[0].texts[0].get_text()
    with pytest.raises(ValueError, match="discrepancy_pp"):
        plot_discrepancy(pd.DataFrame({"model_id": ["a"]}))


def test_table_verdicts_follow_the_tolerance(icwsm_join) -> None:
    pairs = icwsm_join[2].pairs
    table = discrepancy_table(pairs, tolerance_pp=20.0)
    assert ((table["verdict"] == "overstated") == (table["discrepancy_pp"] > 20.0)).all()
    assert list(table.columns)[:2] == ["model_id", "task"]
