"""The discrepancy figure: claimed minus measured performance, in percentage points.

Small sets (at most `MAX_BARS` pairs) get one bar per pair, sorted, coloured by verdict;
larger sets a histogram and an empirical CDF. Both mark zero and the tolerance band.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from pipeline.claims.schema import DISCREPANCY

MAX_BARS = 40
COLORS = {"overstated": "#d62728", "within tolerance": "#7f7f7f", "understated": "#1f77b4"}
X_LABEL = "claimed − measured (percentage points)\n> 0: the claim is better than the measurement"
REQUIRED = ("model_id", "discrepancy_pp")


def discrepancy_table(pairs: pd.DataFrame, tolerance_pp: float | None = None) -> pd.DataFrame:
    """The figure's numbers (`discrepancy.csv`): one row per pair with a discrepancy, sorted
    from most overstated to most understated."""
    missing = [c for c in REQUIRED if c not in pairs.columns]
    if missing:
        raise ValueError(f"pairs have no column(s) {missing}")
    tolerance = _tolerance(pairs, tolerance_pp)
    usable = pairs[np.isfinite(pairs["discrepancy_pp"].astype(float))].copy()
    usable["verdict"] = np.select(
        [usable["discrepancy_pp"] > tolerance, usable["discrepancy_pp"] < -tolerance],
        ["overstated", "understated"],
        "within tolerance",
    )
    columns = [c for c in DISCREPANCY.names if c in usable.columns]
    usable = usable.sort_values(["discrepancy_pp", "model_id"], ascending=[False, True])
    return usable[columns].reset_index(drop=True)


def _tolerance(pairs: pd.DataFrame, tolerance_pp: float | None) -> float:
    if tolerance_pp is not None:
        return float(tolerance_pp)
    if "tolerance_pp" in pairs and pairs["tolerance_pp"].notna().any():
        return float(pairs["tolerance_pp"].dropna().iloc[0])
    return 0.5


def plot_discrepancy(
    pairs: pd.DataFrame, tolerance_pp: float | None = None, title_suffix: str = ""
) -> Figure:
    """Bars per pair (<= MAX_BARS pairs) or histogram + ECDF of `discrepancy_pp`.

    Raises `ValueError` naming missing columns."""
    table = discrepancy_table(pairs, tolerance_pp)
    tolerance = _tolerance(pairs, tolerance_pp)
    title = "Claimed vs measured performance"
    if title_suffix:
        title = f"{title}\n{title_suffix}"
    if len(table) == 0:
        figure = Figure(figsize=(7, 2.5), layout="constrained")
        axes = figure.add_subplot()
        axes.text(0.5, 0.5, "no comparable claim/measurement pairs", ha="center", va="center")
        axes.set_axis_off()
        figure.suptitle(title, fontsize=11)
        return figure
    if len(table) <= MAX_BARS:
        return _bars(table, tolerance, title)
    return _distribution(table, tolerance, title)


def _bars(table: pd.DataFrame, tolerance: float, title: str) -> Figure:
    labels = [_label(row) for row in table.itertuples()]
    figure = Figure(figsize=(9, 1.2 + 0.32 * len(table)), layout="constrained")
    axes = figure.add_subplot()
    rows = np.arange(len(table))
    bars = axes.barh(rows, table["discrepancy_pp"], color=[COLORS[v] for v in table["verdict"]])
    axes.bar_label(bars, fmt="%+.1f", padding=3, fontsize=7)
    axes.margins(x=0.12)
    axes.axvspan(-tolerance, tolerance, color="#bdbdbd", alpha=0.4, lw=0)
    axes.axvline(0, color="black", lw=0.8)
    axes.set_yticks(rows, labels=labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel(X_LABEL)
    axes.grid(axis="x", alpha=0.3)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    return _with_title_and_legend(figure, title, table, tolerance, fontsize=8)


def _label(row) -> str:
    model = str(row.model_id)
    model = model if len(model) <= 45 else model[:42] + "..."
    dataset = getattr(row, "measured_dataset", None)
    parts = [model, str(getattr(row, "metric", ""))]
    if isinstance(dataset, str):
        parts.append(dataset)
    return " · ".join(parts)


def _with_title_and_legend(
    figure: Figure, title: str, table: pd.DataFrame, tolerance: float, fontsize: int
) -> Figure:
    figure.suptitle(title, fontsize=11)
    figure.legend(
        handles=_legend(table, tolerance),
        loc="outside lower center",
        ncols=4,
        frameon=False,
        fontsize=fontsize,
    )
    return figure


def _legend(table: pd.DataFrame, tolerance: float) -> list:
    counts = table["verdict"].value_counts()
    handles = [
        Patch(color=color, label=f"{verdict} ({int(counts.get(verdict, 0))})")
        for verdict, color in COLORS.items()
    ]
    handles.append(Patch(color="#bdbdbd", alpha=0.4, label=f"tolerance ±{tolerance:g} pp"))
    return handles


def _distribution(table: pd.DataFrame, tolerance: float, title: str) -> Figure:
    values = np.sort(table["discrepancy_pp"].to_numpy(float))
    n = len(values)
    figure = Figure(figsize=(11, 4.6), layout="constrained")
    hist_axes, ecdf_axes = figure.subplots(1, 2)
    low, high = float(values.min()), float(values.max())
    width = max(1.0, (high - low) / 30)
    edges = np.arange(np.floor(low / width) * width, high + width, width)
    groups = [table.loc[table["verdict"] == v, "discrepancy_pp"].to_numpy(float) for v in COLORS]
    hist_axes.hist(groups, bins=edges, color=list(COLORS.values()), stacked=True, alpha=0.9)
    hist_axes.set_ylabel(f"pairs (of {n})")
    hist_axes.set_title("distribution", fontsize=10)

    share = np.arange(1, n + 1) / n
    ecdf_axes.step(values, share, where="post", color="black", lw=1.2)
    over = float((values > tolerance).mean())
    ecdf_axes.axhline(1 - over, color=COLORS["overstated"], lw=0.8, ls="--")
    ecdf_axes.annotate(
        f"{over:.0%} overstate by more than {tolerance:g} pp",
        xy=(tolerance, 1 - over),
        xytext=(8, -14),
        textcoords="offset points",
        color=COLORS["overstated"],
        fontsize=9,
    )
    ecdf_axes.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ecdf_axes.set_ylim(0, 1.02)
    ecdf_axes.set_ylabel("share of pairs with a discrepancy ≤ x")
    ecdf_axes.set_title("empirical CDF", fontsize=10)
    for axes in (hist_axes, ecdf_axes):
        axes.axvspan(-tolerance, tolerance, color="#bdbdbd", alpha=0.4, lw=0)
        axes.axvline(0, color="black", lw=0.8)
        axes.set_xlabel(X_LABEL, fontsize=9)
        axes.grid(alpha=0.3)
        axes.set_axisbelow(True)
        axes.spines[["top", "right"]].set_visible(False)
    median = float(np.median(values))
    hist_axes.axvline(median, color="black", lw=1, ls=":")
    hist_axes.annotate(
        f"median {median:+.1f} pp",
        xy=(median, 1),
        xycoords=("data", "axes fraction"),
        xytext=(4, -12),
        textcoords="offset points",
        fontsize=9,
    )
    return _with_title_and_legend(figure, title, table, tolerance, fontsize=9)
