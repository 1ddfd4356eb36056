"""Figure 6: share of models per training dataset and per architecture (log scale), the
measured bars beside the paper's, as in the paper."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

MEASURED_COLOR = "#1f77b4"
PAPER_COLOR = "#bdbdbd"
FLOOR = 0.01  # percent: bars below this (and zeros) are drawn at the floor and labelled
REQUIRED = ("models", "percent", "paper_percent")


def plot_figure6(
    datasets: pd.DataFrame, architectures: pd.DataFrame, title_suffix: str = ""
) -> Figure:
    """Two panels of paired horizontal bars (percent of models, log x): datasets and
    architectures. Rows: this snapshot's top ten, `None`, `other`, then the paper's names
    that are not in the top ten (their measured share, outside the 100%)."""
    figure = Figure(figsize=(13, 8.5), layout="constrained")
    left, right = figure.subplots(1, 2)
    handles = _panel(left, datasets, "dataset", "Training datasets")
    _panel(right, architectures, "architecture", "Architectures (config model type, else tag)")
    title = "Figure 6: share of models per training dataset and per architecture"
    figure.suptitle(f"{title}\n{title_suffix}" if title_suffix else title, fontsize=11)
    figure.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    return figure


def _panel(axes: Axes, table: pd.DataFrame, key: str, title: str) -> list:
    missing = [c for c in (key, *REQUIRED) if c not in table.columns]
    if missing:
        raise ValueError(f"{key} table has no column(s) {missing}")
    names = table[key].astype(str).tolist()
    kinds = table["kind"].astype(str).tolist() if "kind" in table.columns else ["top"] * len(names)
    labels = [f"{n}  (paper's)" if k == "paper" else n for n, k in zip(names, kinds, strict=True)]
    measured = pd.to_numeric(table["percent"], errors="coerce").fillna(0).to_numpy(float)
    paper = pd.to_numeric(table["paper_percent"], errors="coerce").to_numpy(float)
    rows = np.arange(len(names))
    height = 0.4
    bars = axes.barh(
        rows - height / 2,
        np.maximum(measured, FLOOR),
        height=height,
        color=MEASURED_COLOR,
        label="this snapshot",
    )
    paper_bars = axes.barh(
        rows + height / 2,
        np.where(np.isnan(paper), 0, np.maximum(paper, FLOOR)),
        height=height,
        color=PAPER_COLOR,
        label="paper (Hub of 2022-08-15)",
    )
    axes.bar_label(bars, labels=[_percent(v) for v in measured], padding=2, fontsize=7)
    axes.bar_label(
        paper_bars,
        labels=["" if np.isnan(v) else _percent(v) for v in paper],
        padding=2,
        fontsize=7,
        color="#555555",
    )
    axes.set_xscale("log")
    axes.set_xlim(FLOOR, 400)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}%"))
    axes.set_yticks(rows, labels=labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("share of models (%, log scale)")
    axes.set_title(title, fontsize=10)
    axes.grid(axis="x", alpha=0.3)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    return [bars, paper_bars]


def _percent(value: float) -> str:
    if value == 0:
        return "0"
    return f"{value:.1f}%" if value >= 0.1 else f"{value:.2f}%"
