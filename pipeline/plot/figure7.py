"""Figure 7: share of models with machine-parseable claims per task, beside the paper's."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from pipeline.analyze.figure7 import TASK_ORDER

MEASURED_COLOR = "#1f77b4"
PAPER_COLOR = "#bdbdbd"
REQUIRED_COLUMNS = ("task", "models_with_claims", "models")


def plot_figure7(
    table: pd.DataFrame, title_suffix: str = "", paper: pd.DataFrame | None = None
) -> Figure:
    """Paired horizontal bars per task (paper order, top to bottom): the measured share of
    models with machine-parseable claims and the paper's, each bar labelled `k/n`.

    `table` is `figure7_table` output (or its CSV); `paper` defaults to the paper's numbers."""
    measured = _ordered(table, "table")
    if paper is None:
        from pipeline.paper import paper_figure7

        paper = paper_figure7()
    reference = _ordered(paper, "paper")

    figure = Figure(figsize=(9.5, 8.5), layout="constrained")
    axes = figure.add_subplot()
    rows = np.arange(len(TASK_ORDER))
    height = 0.38
    bars = []
    for offset, frame, color, label in (
        (-height / 2, measured, MEASURED_COLOR, "this snapshot"),
        (height / 2, reference, PAPER_COLOR, "paper (Hub of 2022-08-15)"),
    ):
        container = axes.barh(
            rows + offset, 100 * _shares(frame), height=height, color=color, label=label
        )
        axes.bar_label(
            container,
            labels=[f"{k:,}/{n:,}" for k, n in zip(frame["k"], frame["n"], strict=True)],
            padding=3,
            fontsize=8,
        )
        bars.append(container)

    axes.set_yticks(rows, labels=list(TASK_ORDER), fontsize=9)
    axes.invert_yaxis()
    top = float(max(100 * _shares(measured).max(), 100 * _shares(reference).max(), 1.0))
    axes.set_xlim(0, top * 1.3)
    axes.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    axes.set_xlabel("models with machine-parseable claims (model-index with a metric value)")
    axes.grid(axis="x", alpha=0.3)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    title = "Figure 7: models with machine-parseable performance claims, per task"
    figure.suptitle(f"{title}\n{title_suffix}" if title_suffix else title, fontsize=11)
    figure.legend(handles=bars, loc="outside lower center", ncols=2, frameon=False)
    return figure


def _ordered(table: pd.DataFrame, what: str) -> pd.DataFrame:
    """`task`, `k`, `n` in paper order; errors name the missing columns or tasks."""
    missing = [column for column in REQUIRED_COLUMNS if column not in table.columns]
    if missing:
        raise ValueError(f"{what} has no column(s) {missing}; expected {list(REQUIRED_COLUMNS)}")
    indexed = table.set_index("task")
    absent = [task for task in TASK_ORDER if task not in indexed.index]
    if absent:
        raise ValueError(f"{what} lacks the task row(s) {absent}")
    indexed = indexed.loc[list(TASK_ORDER)]
    return pd.DataFrame(
        {
            "task": list(TASK_ORDER),
            "k": indexed["models_with_claims"].fillna(0).astype("int64").to_numpy(),
            "n": indexed["models"].fillna(0).astype("int64").to_numpy(),
        }
    )


def _shares(frame: pd.DataFrame) -> np.ndarray:
    k, n = frame["k"].to_numpy(float), frame["n"].to_numpy(float)
    return np.divide(k, n, out=np.zeros(len(n)), where=n > 0)
