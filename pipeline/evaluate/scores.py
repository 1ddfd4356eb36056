"""Metrics as functions of additive per-example statistics, plus confidence intervals. numpy only.

Each task turns its predictions into a matrix of per-example counts (`stats`, one row per
example); every metric is a function of the column sums. A bootstrap then only reweights
rows (multinomial resampling), so the interval costs one matrix product.

- Classification: a row is the one-hot confusion cell (reference, prediction) of K*K cells.
  `accuracy`; `precision|recall|f1` + `_macro|_micro|_weighted` as in scikit-learn (macro
  over the labels present in references or predictions, micro = accuracy for single-label
  data); plain `precision|recall|f1` is binary (positive label 1) for 2 labels, else macro.
- Entities (token classification, seqeval-style, conlleval chunking of IOB1/IOB2 tags): a
  row holds, per entity type, (true positives, predicted, gold) and then (correct tokens,
  tokens). `precision|recall|f1` and `_micro` are micro over entities (seqeval's default),
  `_macro` and `_weighted` average over types; `accuracy` is token accuracy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

AVERAGED = ("precision", "recall", "f1")
CLASSIFICATION_METRICS = frozenset(
    ["accuracy", *AVERAGED] + [f"{m}_{a}" for m in AVERAGED for a in ("macro", "micro", "weighted")]
)
ENTITY_METRICS = CLASSIFICATION_METRICS
BOOTSTRAP_RESAMPLES = 1000


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    return np.divide(top, bottom, out=np.zeros_like(top, dtype=float), where=bottom > 0)


def _prf(tp: np.ndarray, pred: np.ndarray, gold: np.ndarray) -> dict[str, np.ndarray]:
    precision = _ratio(tp, pred)
    recall = _ratio(tp, gold)
    return {"precision": precision, "recall": recall, "f1": _ratio(2 * tp, pred + gold)}


# --- classification ---------------------------------------------------------------------


def classification_stats(references: Sequence[int], predictions: Sequence[int], k: int):
    """The (n, k*k) one-hot confusion rows of integer labels in `range(k)`."""
    refs = np.asarray(references, dtype=int)
    preds = np.asarray(predictions, dtype=int)
    rows = np.zeros((len(refs), k * k))
    rows[np.arange(len(refs)), refs * k + preds] = 1
    return rows


def classification_metric(metric: str, totals: np.ndarray, k: int) -> np.ndarray:
    """`metric` from confusion sums; `totals` is (k*k,) or (B, k*k) -> scalar or (B,)."""
    confusion = np.asarray(totals, dtype=float).reshape(-1, k, k)
    total = confusion.sum(axis=(1, 2))
    tp = np.diagonal(confusion, axis1=1, axis2=2)
    gold = confusion.sum(axis=2)
    pred = confusion.sum(axis=1)
    accuracy = _ratio(tp.sum(axis=1), total)
    name, _, average = metric.partition("_")
    if metric == "accuracy":
        value = accuracy
    elif name not in AVERAGED or average not in ("", "macro", "micro", "weighted"):
        raise ValueError(f"unsupported classification metric {metric!r}")
    elif average == "micro":
        value = accuracy
    elif average == "" and k == 2:
        value = _prf(tp[:, 1], pred[:, 1], gold[:, 1])[name]
    else:
        per_class = _prf(tp, pred, gold)[name]
        if average == "weighted":
            value = _ratio((per_class * gold).sum(axis=1), gold.sum(axis=1))
        else:
            present = (gold + pred) > 0
            value = _ratio((per_class * present).sum(axis=1), present.sum(axis=1))
    return value if np.ndim(totals) > 1 else value[0]


# --- entities (seqeval-style) -------------------------------------------------------------


def _split_tag(tag: str) -> tuple[str, str]:
    if tag in ("O", "", None):
        return "O", ""
    prefix, _, kind = str(tag).partition("-")
    if not kind:
        return "I", prefix
    return prefix.upper(), kind


def entities(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    """Entity chunks (type, start, end exclusive) of IOB1/IOB2/IOBES tags, conlleval rules."""
    found: set[tuple[str, int, int]] = set()
    start, kind = None, ""
    for index, tag in enumerate([*tags, "O"]):
        prefix, tag_kind = _split_tag(tag)
        ends = start is not None and (prefix in ("O", "B", "S") or tag_kind != kind)
        if ends:
            found.add((kind, start, index))
            start = None
        if prefix in ("B", "S") or (prefix in ("I", "E") and start is None):
            start, kind = index, tag_kind
        if prefix in ("E", "S") and start is not None:
            found.add((kind, start, index + 1))
            start = None
    return found


def entity_stats(references: Sequence[Sequence[str]], predictions: Sequence[Sequence[str]]):
    """(rows, types): per sentence, per type (tp, predicted, gold), then (correct, tokens)."""
    gold_sets = [entities(r) for r in references]
    pred_sets = [entities(p) for p in predictions]
    types = sorted({e[0] for s in gold_sets + pred_sets for e in s})
    index = {t: i for i, t in enumerate(types)}
    rows = np.zeros((len(references), 3 * len(types) + 2))
    for row, (gold, pred, ref, hyp) in enumerate(
        zip(gold_sets, pred_sets, references, predictions, strict=True)
    ):
        for entity in gold & pred:
            rows[row, 3 * index[entity[0]]] += 1
        for entity in pred:
            rows[row, 3 * index[entity[0]] + 1] += 1
        for entity in gold:
            rows[row, 3 * index[entity[0]] + 2] += 1
        rows[row, -2] = sum(a == b for a, b in zip(ref, hyp, strict=True))
        rows[row, -1] = len(ref)
    return rows, types


def entity_metric(metric: str, totals: np.ndarray, n_types: int) -> np.ndarray:
    """`metric` from entity sums; `totals` is (d,) or (B, d) -> scalar or (B,)."""
    sums = np.asarray(totals, dtype=float).reshape(-1, 3 * n_types + 2)
    per_type = sums[:, : 3 * n_types].reshape(-1, n_types, 3)
    tp, pred, gold = per_type[..., 0], per_type[..., 1], per_type[..., 2]
    name, _, average = metric.partition("_")
    if metric == "accuracy":
        value = _ratio(sums[:, -2], sums[:, -1])
    elif name not in AVERAGED or average not in ("", "macro", "micro", "weighted"):
        raise ValueError(f"unsupported entity metric {metric!r}")
    elif average in ("", "micro"):
        value = _prf(tp.sum(axis=1), pred.sum(axis=1), gold.sum(axis=1))[name]
    else:
        per = _prf(tp, pred, gold)[name]
        if average == "weighted":
            value = _ratio((per * gold).sum(axis=1), gold.sum(axis=1))
        else:
            present = gold > 0
            value = _ratio((per * present).sum(axis=1), present.sum(axis=1))
    return value if np.ndim(totals) > 1 else value[0]


# --- intervals ------------------------------------------------------------------------------


def bootstrap_interval(
    rows: np.ndarray, metric_of_totals, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> tuple[float, float]:
    """Percentile 95% bootstrap interval over examples (rows), seeded and deterministic."""
    n = len(rows)
    if n == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples)
    values = metric_of_totals(weights @ rows)
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)
