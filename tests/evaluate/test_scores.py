"""Metric and interval functions against hand-computed values (no torch needed)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.evaluate import scores
from pipeline.stats import wilson_interval


def test_classification_metrics_match_hand_values():
    stats = scores.classification_stats([0, 1, 1, 0, 2], [0, 1, 0, 0, 2], 3)
    totals = stats.sum(axis=0)
    assert scores.classification_metric("accuracy", totals, 3) == pytest.approx(0.8)
    # per class f1: 0 -> 2*2/(3+2)=0.8, 1 -> 2/(1+2)=2/3, 2 -> 1
    assert scores.classification_metric("f1_macro", totals, 3) == pytest.approx(
        (0.8 + 2 / 3 + 1) / 3
    )
    assert scores.classification_metric("f1_micro", totals, 3) == pytest.approx(0.8)
    weighted = (0.8 * 2 + 2 / 3 * 2 + 1 * 1) / 5
    assert scores.classification_metric("f1_weighted", totals, 3) == pytest.approx(weighted)
    assert scores.classification_metric("recall_macro", totals, 3) == pytest.approx(
        (1 + 0.5 + 1) / 3
    )


def test_binary_f1_uses_positive_label():
    totals = scores.classification_stats([1, 1, 0, 0], [1, 0, 1, 0], 2).sum(axis=0)
    assert scores.classification_metric("f1", totals, 2) == pytest.approx(0.5)
    assert scores.classification_metric("precision", totals, 2) == pytest.approx(0.5)


def test_entities_follow_conlleval_chunking():
    tags = ["B-PER", "I-PER", "O", "I-LOC", "I-LOC", "B-LOC", "I-ORG"]
    assert scores.entities(tags) == {("PER", 0, 2), ("LOC", 3, 5), ("LOC", 5, 6), ("ORG", 6, 7)}


def test_entity_f1_is_micro_over_entities():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-LOC", "O"]]
    pred = [["B-PER", "I-PER", "O", "O"], ["B-LOC", "B-PER"]]
    rows, types = scores.entity_stats(gold, pred)
    totals = rows.sum(axis=0)
    # 2 correct of 3 predicted, 3 gold
    assert scores.entity_metric("f1", totals, len(types)) == pytest.approx(2 / 3)
    assert scores.entity_metric("precision", totals, len(types)) == pytest.approx(2 / 3)
    assert scores.entity_metric("accuracy", totals, len(types)) == pytest.approx(4 / 6)
    # macro over types: PER 2*1/(2+1), LOC 2*1/(1+2)
    assert scores.entity_metric("f1_macro", totals, len(types)) == pytest.approx(2 / 3)


def test_wilson_interval_known_value():
    low, high = wilson_interval(8, 10)
    assert (low, high) == pytest.approx((0.4902, 0.9433), abs=1e-4)


def test_bootstrap_interval_brackets_the_value_and_is_deterministic():
    stats = scores.classification_stats([0, 1] * 20, [0, 1] * 15 + [1, 0] * 5, 2)

    def metric(totals):
        return scores.classification_metric("f1_macro", totals, 2)

    first = scores.bootstrap_interval(stats, metric)
    assert first == scores.bootstrap_interval(stats, metric)
    value = metric(stats.sum(axis=0))
    assert first[0] <= value <= first[1]
    assert np.isfinite(first).all()
