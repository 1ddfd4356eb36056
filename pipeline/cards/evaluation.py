"""Evaluate card-text detectors against the labelled set.

Per attribute: TP, FP, FN, TN, precision and recall with 95% Wilson intervals, F1 with a
95% percentile-bootstrap interval (cards resampled with replacement), specificity. The
`micro` row pools every (card, attribute) pair; its three intervals are bootstrap
intervals over cards, since the pairs of one card are not independent.

Targets (issue 10, on the held-out part, `test3` since round 3): micro F1 >= 0.9, and for
every attribute with at least 5 positives precision >= 0.8 and recall >= 0.7.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from pipeline.analyze.cardtext import SIGNALS, card_signals
from pipeline.cards.labels import LabelledCard
from pipeline.stats import wilson_interval

Detector = Callable[[str], dict[str, bool | None]]
BOOTSTRAP_REPS = 2000
BOOTSTRAP_SEED = 20261202
MICRO_F1_TARGET = 0.9
PRECISION_TARGET = 0.8
RECALL_TARGET = 0.7
MIN_POSITIVES = 5


def label_matrix(cards: Sequence[LabelledCard]) -> np.ndarray:
    """Cards x attributes, 0/1 (bool)."""
    return np.array([[bool(c.labels[a]) for a in SIGNALS] for c in cards], dtype=bool).reshape(
        len(cards), len(SIGNALS)
    )


def prediction_matrix(
    cards: Sequence[LabelledCard], detector: Detector = card_signals
) -> np.ndarray:
    """Cards x attributes: the detector's answer on each card's body (None counts as no)."""
    rows = []
    for card in cards:
        signals = detector(card.body)
        rows.append([bool(signals[a]) for a in SIGNALS])
    return np.array(rows, dtype=bool).reshape(len(cards), len(SIGNALS))


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denominator = 2 * tp + fp + fn
    return np.divide(2 * tp, denominator, out=np.full(tp.shape, np.nan), where=denominator > 0)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.full(np.shape(num), np.nan), where=den > 0)


def _percentile(values: np.ndarray) -> tuple[float, float]:
    values = values[~np.isnan(values)]
    if not len(values):
        return (np.nan, np.nan)
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def evaluate(
    truth: np.ndarray,
    predicted: np.ndarray,
    reps: int = BOOTSTRAP_REPS,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """One row per attribute of `SIGNALS`, then `micro`: `positives`, `tp`, `fp`, `fn`,
    `tn`, `precision` (+ `_low`/`_high`), `recall` (+ CI), `f1` (+ CI), `specificity`."""
    truth = np.asarray(truth, dtype=bool)
    predicted = np.asarray(predicted, dtype=bool)
    tp_cells = truth & predicted
    fp_cells = ~truth & predicted
    fn_cells = truth & ~predicted
    n = len(truth)
    rng = np.random.default_rng(seed)
    index = rng.integers(0, n, size=(reps, n)) if n else np.zeros((reps, 0), dtype=int)
    # per replicate and attribute: counts over the resampled cards
    boot_tp = tp_cells[index].sum(axis=1)
    boot_fp = fp_cells[index].sum(axis=1)
    boot_fn = fn_cells[index].sum(axis=1)
    boot_f1 = _f1(boot_tp, boot_fp, boot_fn)
    rows = []
    for j, attribute in enumerate(SIGNALS):
        tp, fp = int(tp_cells[:, j].sum()), int(fp_cells[:, j].sum())
        fn = int(fn_cells[:, j].sum())
        tn = n - tp - fp - fn
        rows.append(_row(attribute, tp, fp, fn, tn, boot_f1[:, j]))
    tp, fp, fn = int(tp_cells.sum()), int(fp_cells.sum()), int(fn_cells.sum())
    tn = truth.size - tp - fp - fn
    micro_tp, micro_fp, micro_fn = boot_tp.sum(axis=1), boot_fp.sum(axis=1), boot_fn.sum(axis=1)
    micro = _row("micro", tp, fp, fn, tn, _f1(micro_tp, micro_fp, micro_fn))
    micro["precision_low"], micro["precision_high"] = _percentile(
        _ratio(micro_tp, micro_tp + micro_fp)
    )
    micro["recall_low"], micro["recall_high"] = _percentile(_ratio(micro_tp, micro_tp + micro_fn))
    rows.append(micro)
    return pd.DataFrame(rows)


def _row(attribute: str, tp: int, fp: int, fn: int, tn: int, boot_f1: np.ndarray) -> dict:
    precision = tp / (tp + fp) if tp + fp else np.nan
    recall = tp / (tp + fn) if tp + fn else np.nan
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else np.nan
    p_low, p_high = wilson_interval(tp, tp + fp)
    r_low, r_high = wilson_interval(tp, tp + fn)
    f_low, f_high = _percentile(boot_f1)
    return {
        "attribute": attribute,
        "positives": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "precision_low": p_low,
        "precision_high": p_high,
        "recall": recall,
        "recall_low": r_low,
        "recall_high": r_high,
        "f1": f1,
        "f1_low": f_low,
        "f1_high": f_high,
        "specificity": tn / (tn + fp) if tn + fp else np.nan,
    }


def evaluate_cards(
    cards: Sequence[LabelledCard], detector: Detector = card_signals
) -> pd.DataFrame:
    """`evaluate` of `detector` on labelled cards."""
    return evaluate(label_matrix(cards), prediction_matrix(cards, detector))


def target_failures(table: pd.DataFrame) -> list[str]:
    """The issue's targets that `table` (from `evaluate`) misses, one line each."""
    failures = []
    micro = table[table["attribute"] == "micro"].iloc[0]
    if not micro["f1"] >= MICRO_F1_TARGET:
        failures.append(f"micro F1 {micro['f1']:.3f} < {MICRO_F1_TARGET}")
    for row in table[table["attribute"] != "micro"].itertuples():
        if row.positives < MIN_POSITIVES:
            continue
        if not row.precision >= PRECISION_TARGET:
            failures.append(f"{row.attribute}: precision {row.precision:.3f} < {PRECISION_TARGET}")
        if not row.recall >= RECALL_TARGET:
            failures.append(f"{row.attribute}: recall {row.recall:.3f} < {RECALL_TARGET}")
    return failures


def _fmt(value: float, low: float, high: float) -> str:
    if np.isnan(value):
        return "-"
    return f"{value:.3f} [{low:.2f}, {high:.2f}]"


def markdown_table(table: pd.DataFrame) -> str:
    """The evaluation as a Markdown table (values with their 95% CIs)."""
    lines = [
        "| attribute | positives | TP | FP | FN | TN | precision [95% CI] | recall [95% CI] "
        "| F1 [95% CI] |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        name = f"**{row.attribute}**" if row.attribute == "micro" else row.attribute
        lines.append(
            f"| {name} | {row.positives} | {row.tp} | {row.fp} | {row.fn} | {row.tn} | "
            f"{_fmt(row.precision, row.precision_low, row.precision_high)} | "
            f"{_fmt(row.recall, row.recall_low, row.recall_high)} | "
            f"{_fmt(row.f1, row.f1_low, row.f1_high)} |"
        )
    return "\n".join(lines)


def parse_markdown_counts(text: str) -> dict[str, tuple[int, int, int, int]]:
    """(TP, FP, FN, TN) per attribute from a table written by `markdown_table`."""
    counts = {}
    for line in text.splitlines():
        cells = [c.strip().strip("*") for c in line.strip().strip("|").split("|")]
        if len(cells) == 9 and cells[0] in (*SIGNALS, "micro") and cells[2].isdigit():
            counts[cells[0]] = tuple(int(c) for c in cells[2:6])
    return counts
