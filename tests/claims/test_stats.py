"""Statistics: intervals, the Wilcoxon guard rails, units and breakdowns. Small inputs are
synthetic (made up here); the ICWSM pairs are real."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from pipeline.claims.stats import (
    MIN_WILCOXON_N,
    SUMMARY_COLUMNS,
    bootstrap_median_ci,
    discrepancy_summary,
    unit_discrepancies,
    wilcoxon_test,
    wilson_interval,
)


def pairs(rows: list[tuple[str, str, str, float]], tolerance: float = 0.5) -> pd.DataFrame:
    """Synthetic pairs: (model_id, task, measurement_source, discrepancy_pp)."""
    frame = pd.DataFrame(rows, columns=["model_id", "task", "measurement_source", "discrepancy_pp"])
    frame["tolerance_pp"] = tolerance
    return frame


def test_wilson_interval_edges() -> None:
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and 0 < high < 0.35
    low, high = wilson_interval(10, 10)
    assert high == pytest.approx(1.0) and 0.65 < low < 1


def test_bootstrap_is_seeded_and_brackets_the_median() -> None:
    values = np.random.default_rng(0).normal(5.0, 10.0, size=40)  # synthetic
    first = bootstrap_median_ci(values, n_resamples=2000, seed=7)
    assert first == bootstrap_median_ci(values, n_resamples=2000, seed=7)
    assert first[0] <= np.median(values) <= first[1]
    assert bootstrap_median_ci(np.array([4.0])) == (4.0, 4.0)
    assert all(math.isnan(v) for v in bootstrap_median_ci(np.array([])))


@pytest.mark.parametrize(
    ("values", "note"),
    [
        ([], "no pairs"),
        ([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], "all differences are zero"),
        ([1.0, 2.0, 0.0, 3.0, 4.0, 5.0], f"5 non-zero differences (< {MIN_WILCOXON_N})"),
        ([math.nan, 1.0], "1 non-zero differences"),
    ],
)
def test_wilcoxon_not_computable(values: list[float], note: str) -> None:
    result = wilcoxon_test(np.array(values))
    assert math.isnan(result["p"]) and math.isnan(result["statistic"])
    assert result["note"].startswith("not computable") and note in result["note"]


def test_wilcoxon_agrees_with_scipy() -> None:
    values = np.array([1.5, -0.5, 2.0, 3.1, 0.7, 4.2, -1.1, 2.2])
    result = wilcoxon_test(values)
    assert result["p"] == pytest.approx(scipy_stats.wilcoxon(values).pvalue)
    assert result["note"] == ""


def test_units_model_vs_pair() -> None:
    data = pairs(
        [
            ("a", "t", "s", 10.0),
            ("a", "t", "s", -2.0),
            ("a", "t", "s", 4.0),
            ("b", "t", "s", -1.0),
            ("c", "t", "s", math.nan),
        ]
    )
    assert unit_discrepancies(data, "model").to_dict() == {"a": 4.0, "b": -1.0}
    assert sorted(unit_discrepancies(data, "pair")) == [-2.0, -1.0, 4.0, 10.0]
    with pytest.raises(ValueError, match="unit"):
        unit_discrepancies(data, "task")


def test_summary_groups_and_counts() -> None:
    data = pairs(
        [
            ("a", "qa", "lb", 3.0),
            ("b", "qa", "lb", 0.2),
            ("c", "asr", "lb", -4.0),
            ("d", "asr", "icwsm", 8.0),
        ]
    )
    summary = discrepancy_summary(data, n_resamples=500)
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert summary[["grouping", "group"]].values.tolist() == [
        ["all", "all"],
        ["task", "asr"],
        ["task", "qa"],
        ["measurement_source", "icwsm"],
        ["measurement_source", "lb"],
    ]
    overall = summary.iloc[0]
    assert (overall["n_overstated"], overall["n_within"], overall["n_understated"]) == (2, 1, 1)
    assert overall["share_overstated"] == 0.5 and overall["tolerance_pp"] == 0.5
    assert overall["wilcoxon_note"].startswith("not computable")  # 4 units < 6
    strict = discrepancy_summary(data, tolerance_pp=5.0, n_resamples=500).iloc[0]
    assert strict["n_overstated"] == 1


def test_empty_pairs() -> None:
    summary = discrepancy_summary(pairs([]), n_resamples=100)
    assert len(summary) == 1
    row = summary.iloc[0]
    assert row["n_units"] == 0 and math.isnan(row["share_overstated"])
    assert row["wilcoxon_note"] == "not computable: no pairs"


def test_icwsm_by_group_rows(icwsm_join) -> None:
    summary = discrepancy_summary(icwsm_join[2].pairs)
    assert summary["group"].tolist() == ["all", "text-classification", "icwsm"]
    assert summary["n_units"].tolist() == [87, 87, 87]
    assert summary["seed"].nunique() == 1 and summary["n_resamples"].iloc[0] == 10_000
