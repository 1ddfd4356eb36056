"""Rogan-Gladen correction and its bootstrap CI. Synthetic cases (say so) with known
answers, and the bundled labelled set wired into the coverage table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.cards.correction import (
    TEXT_COLUMNS,
    add_text_correction,
    corrected_shares,
    rogan_gladen,
)


def test_rogan_gladen_known_values() -> None:
    # synthetic: a perfect detector changes nothing
    assert rogan_gladen(0.3, 1.0, 1.0) == pytest.approx(0.3)
    # Se 0.5, Sp 1: half the positives are missed, so the true share is twice the rate
    assert rogan_gladen(0.2, 0.5, 1.0) == pytest.approx(0.4)
    # Se 1, Sp 0.9: 10% of negatives fire; rate 0.28 -> (0.28 - 0.1) / 0.9 = 0.2
    assert rogan_gladen(0.28, 1.0, 0.9) == pytest.approx(0.2)
    assert rogan_gladen(0.01, 1.0, 0.9) == 0.0  # clipped at 0
    assert math.isnan(rogan_gladen(0.3, 0.5, 0.5))  # no better than chance
    assert np.isnan(rogan_gladen(np.array([0.3]), np.array([np.nan]), np.array([1.0]))).all()


def _synthetic_labels(n_pos: int, tp: int, n_neg: int, fp: int) -> tuple[np.ndarray, np.ndarray]:
    """synthetic labelled set for one attribute with the given confusion counts"""
    truth = np.array([1] * n_pos + [0] * n_neg, dtype=bool).reshape(-1, 1)
    predicted = np.array([1] * tp + [0] * (n_pos - tp) + [1] * fp + [0] * (n_neg - fp), dtype=bool)
    return truth, predicted.reshape(-1, 1)


def test_corrected_share_and_interval() -> None:
    truth, predicted = _synthetic_labels(40, 20, 60, 0)  # Se 0.5, Sp 1.0
    table = corrected_shares({"x": 200}, {"x": 1000}, truth, predicted, attributes=("x",))
    row = table.iloc[0]
    assert row["rate"] == 0.2 and row["sensitivity"] == 0.5 and row["specificity"] == 1.0
    assert row["corrected"] == pytest.approx(0.4)
    assert row["corrected_low"] < 0.4 < row["corrected_high"]
    assert row["corrected_high"] - row["corrected_low"] > 0.05  # 40 positives: wide
    # more labelled cards, same rates: a narrower interval
    truth4, predicted4 = _synthetic_labels(400, 200, 600, 0)
    wide = row["corrected_high"] - row["corrected_low"]
    narrow = corrected_shares({"x": 200}, {"x": 1000}, truth4, predicted4, attributes=("x",))
    assert narrow.iloc[0]["corrected_high"] - narrow.iloc[0]["corrected_low"] < wide / 2


def test_sampled_rate_widens_the_interval() -> None:
    truth, predicted = _synthetic_labels(400, 400, 600, 0)  # a perfect detector
    census = corrected_shares({"x": 30}, {"x": 100}, truth, predicted, attributes=("x",))
    sampled = corrected_shares(
        {"x": 30}, {"x": 100}, truth, predicted, attributes=("x",), sample_sizes={"x": 100}
    )
    assert census.iloc[0]["corrected_low"] == pytest.approx(0.3)
    assert census.iloc[0]["corrected_high"] == pytest.approx(0.3)
    assert sampled.iloc[0]["corrected_low"] < 0.3 < sampled.iloc[0]["corrected_high"]


def test_coverage_table_gets_detector_rate_and_corrected_share() -> None:
    # synthetic coverage summary and card evidence for three models, real labelled set
    summary = pd.DataFrame({"factor": ["latency", "license"], "present": [1, 2]})
    cards = pd.DataFrame(
        {
            "readme_status": ["ok", "ok", "missing"],
            "has_body": [True, True, False],
            "text_latency": pd.array([True, False, None], dtype="boolean"),
        },
        index=pd.Index(["a", "b", "c"], name="id"),
    )
    out = add_text_correction(summary, cards, pd.Series(["a", "b", "c"]))
    assert set(TEXT_COLUMNS) <= set(out.columns)
    latency = out.set_index("factor").loc["latency"]
    assert latency["text_cards"] == 2 and latency["text_rate"] == 0.5
    assert out.set_index("factor").loc["license"][list(TEXT_COLUMNS)].isna().all()
