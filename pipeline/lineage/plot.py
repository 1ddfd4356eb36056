"""The reuse-graph figure, drawn from the result tables (never from the graph), so that it
can be redrawn and checked from the CSVs. Builds the Figure; saving is the caller's."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from matplotlib.figure import Figure

from pipeline.lineage.graph import RELATIONS, UNKNOWN

FIGURE = "lineage"
COLORS = {
    "finetune": "tab:blue",
    "adapter": "tab:orange",
    "quantized": "tab:purple",
    "merge": "tab:olive",
    UNKNOWN: "lightgrey",
}


def _numeric_years(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["year"].astype(str).str.isdigit()]


def draw_share(ax, tables: Mapping[str, pd.DataFrame]) -> None:
    """Share of models declaring a base, per creation year."""
    table = _numeric_years(tables["lineage_share_by_year"])
    ax.bar(table["year"].astype(str), 100 * table["share"], color="tab:blue")
    for x, (share, n) in enumerate(zip(table["share"], table["models"], strict=True)):
        ax.annotate(
            f"{100 * share:.0f}%\nn={n:,}", (x, 100 * share), ha="center", va="bottom", fontsize=7
        )
    ax.set_ylabel("% of models declaring a base")
    ax.set_title("Models declaring a base, by creation year")
    ax.set_ylim(0, max(5.0, 130 * float(table["share"].max() if len(table) else 0)))


def draw_fan_in(ax, tables: Mapping[str, pd.DataFrame]) -> None:
    """Complementary CDF of fan-in, log-log."""
    table = tables["lineage_fan_in"]
    if len(table):
        ax.loglog(table["fan_in"], table["ccdf"], marker=".", linestyle="none", color="tab:red")
    ax.set_xlabel("fan-in k (models naming the base)")
    ax.set_ylabel("share of bases with fan-in >= k")
    ax.set_title("Fan-in of bases (CCDF)")


def draw_depth(ax, tables: Mapping[str, pd.DataFrame]) -> None:
    """Models per lineage depth (log scale)."""
    table = tables["lineage_depth"]
    ax.bar(table["depth"].astype(int), table["models"], color="tab:green")
    ax.set_yscale("log")
    ax.set_xlabel("depth (longest chain of declared bases)")
    ax.set_ylabel("models")
    ax.set_title("Depth of lineage chains")


def draw_relations(ax, tables: Mapping[str, pd.DataFrame]) -> None:
    """Relation mix of the edges, per creation year of the derived model (stacked %)."""
    table = _numeric_years(tables["lineage_relations_by_year"])
    wide = table.pivot_table(index="year", columns="relation", values="share", fill_value=0)
    order = [r for r in (*RELATIONS, UNKNOWN) if r in wide.columns]
    order += [r for r in wide.columns if r not in order]
    bottom = pd.Series(0.0, index=wide.index)
    for relation in order:
        ax.bar(
            wide.index.astype(str),
            100 * wide[relation],
            bottom=100 * bottom,
            label=relation,
            color=COLORS.get(relation),
        )
        bottom += wide[relation]
    ax.set_ylabel("% of edges")
    ax.set_ylim(0, 100)
    ax.set_title("Relation of edges, by creation year")
    if order:
        ax.legend(fontsize=7, loc="lower left")


def draw(tables: Mapping[str, pd.DataFrame]) -> Figure:
    """The `lineage` figure: four panels (share by year, fan-in CCDF, depth, relations)."""
    fig = Figure(figsize=(11, 8), layout="constrained")
    axes = fig.subplots(2, 2)
    draw_share(axes[0, 0], tables)
    draw_fan_in(axes[0, 1], tables)
    draw_depth(axes[1, 0], tables)
    draw_relations(axes[1, 1], tables)
    fig.suptitle("Reuse graph: declared lineage between models")
    return fig
