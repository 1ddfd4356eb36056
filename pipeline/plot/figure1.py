"""Figure 1: monthly downloads of the 100 most-downloaded packages of NPM, PyPI and the
Hugging Face Hub (log scale), from the paper's data, with a snapshot's top 100 models and,
when fetched, today's NPM and PyPI counts (dashed, in the colour of the paper's series of the
same registry)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator

COLORS = ["#d62728", "#2ca02c", "#7f7f7f", "#1f77b4", "#9467bd"]
REQUIRED = ("series", "rank", "monthly_downloads")


def plot_figure1(table: pd.DataFrame, title_suffix: str = "") -> Figure:
    """Left: downloads by rank (1 = most downloaded) per series; right: the distribution of
    the top 100 per series (box plot). Both log y, downloads per month."""
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise ValueError(f"figure1 table has no column(s) {missing}")
    series = list(dict.fromkeys(table["series"].astype(str)))
    colors = series_colors(series)
    figure = Figure(figsize=(12, 5.5), layout="constrained")
    ranks, boxes = figure.subplots(1, 2, width_ratios=[3, 2])
    data = []
    for name, color in zip(series, colors, strict=True):
        rows = table[table["series"].astype(str) == name].sort_values("rank")
        values = pd.to_numeric(rows["monthly_downloads"], errors="coerce").clip(lower=1)
        data.append(values.dropna().to_numpy())
        style = "--" if _is_fetched(name) else "-"
        ranks.plot(rows["rank"], values, style, marker=".", markersize=3, color=color, label=name)
    for axes in (ranks, boxes):
        axes.set_yscale("log")
        axes.yaxis.set_major_locator(LogLocator(base=10))
        axes.grid(alpha=0.3, which="major")
        axes.spines[["top", "right"]].set_visible(False)
    ranks.set_xlabel("rank among the registry's packages (1 = most downloaded)")
    ranks.set_ylabel("downloads per month (log scale)")
    ranks.legend(fontsize=8, frameon=False)
    plot = boxes.boxplot(data, patch_artist=True, widths=0.6)
    for patch, color, name in zip(plot["boxes"], colors, series, strict=False):
        patch.set_facecolor(color)
        patch.set_alpha(0.5)
        if _is_fetched(name):
            patch.set_hatch("//")
    boxes.set_xticks(range(1, len(series) + 1), labels=[_wrap(s) for s in series], fontsize=8)
    for position, values in enumerate(data, start=1):  # the total of each top 100
        if len(values):
            boxes.annotate(
                f"total\n{values.sum():.2g}",
                (position, values.max()),
                xytext=(0, 8),
                textcoords="offset points",
                ha="center",
                fontsize=7,
            )
    boxes.set_ylim(top=max((v.max() for v in data if len(v)), default=10) * 20)
    boxes.set_ylabel("downloads per month, top 100 (log scale)")
    title = "Figure 1: monthly downloads of the 100 most-downloaded packages"
    figure.suptitle(f"{title}\n{title_suffix}" if title_suffix else title, fontsize=11)
    return figure


def series_colors(series: list[str]) -> list[str]:
    """One colour per series, in order (`COLORS`, cycling); a fetched series ("NPM (fetched
    ...)") takes the colour of the series of the same registry drawn before it, if any."""
    colors: list[str] = []
    for i, name in enumerate(series):
        registry = name.split(" (", 1)[0]
        same = [
            color
            for earlier, color in zip(series, colors, strict=False)
            if not _is_fetched(earlier) and earlier.split(" (", 1)[0] == registry
        ]
        fetched_colour = same[0] if _is_fetched(name) and same else None
        colors.append(fetched_colour or COLORS[i % len(COLORS)])
    return colors


def _is_fetched(name: str) -> bool:
    return "(fetched " in name


def _wrap(text: str) -> str:
    text = text.replace("Hugging Face Hub", "HF Hub").replace(" (", "\n(")
    return text.replace("snapshot ", "snapshot\n").replace("..", "..\n").replace(", ", ",\n")
