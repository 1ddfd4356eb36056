"""Figure 1: monthly downloads of the 100 most-downloaded packages of NPM, PyPI and the Hub
(the paper's published data, this snapshot's top 100 models, and fresh registry counts when
`ptm fetch-downloads` fetched them), log scale.

Computed by `pipeline.analyze.figure1`, drawn by `pipeline.plot.figure1`; the paper's numbers
are `figure_1` in the reference file.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from pipeline.analyze.figure1 import figure1_summary, figure1_table, read_paper_packages
from pipeline.analyze.run import Scan, snapshot_date
from pipeline.dictionary import column
from pipeline.figures.spec import Figure, Tables
from pipeline.text import NOT_MEASURED


def compute(scan: Scan) -> dict[str, pd.DataFrame]:
    """`figure1` (per series and rank) and `figure1_summary` (per series)."""
    if not scan.with_figure1:
        return {}
    figure1 = figure1_table(
        read_paper_packages(), scan.models["downloads"], snapshot_date(scan.source.manifest)
    )
    return {"figure1": figure1, "figure1_summary": figure1_summary(figure1)}


def draw(tables: Tables, suffix: str):
    """Downloads by rank per series, and their distribution."""
    from pipeline.plot.figure1 import plot_figure1  # matplotlib only when drawing

    return plot_figure1(tables["figure1"], suffix)


def section(tables: Tables, context: dict, paper: dict) -> list[str]:
    """The per-series summary and a reading of the Hub's growth."""
    summary = tables.get("figure1_summary")
    lines = ["## Figure 1: monthly downloads of the 100 most-downloaded packages", ""]
    if summary is None or summary.empty:
        return [*lines, f"Figure 1: {NOT_MEASURED} (figure1_summary.csv missing).", ""]
    lines += [
        "The paper's data (its artifact, 2022) for NPM, PyPI and the Hub, with this "
        "snapshot's 100 most-downloaded models (`downloads` = last 30 days).",
        "",
        "| series | source | packages | total per month | median | max |",
        "|---|---|---|---|---|---|",
    ]
    for row in summary.itertuples():
        lines.append(
            f"| {row.series} | {row.source} | {int(row.packages):,} | {int(row.total):,} | "
            f"{int(row.median):,} | {int(row.max):,} |"
        )
    paper_hub = summary[
        summary["source"].str.startswith("paper") & summary["series"].str.contains("Hub")
    ]
    snapshot = summary[summary["source"] == "this snapshot"]
    fetched = summary["source"].str.startswith("fetched from").any()
    registries = (
        "NPM and PyPI: the paper's 2022 counts beside today's counts of the same packages "
        "(`ptm fetch-downloads`)."
        if fetched
        else "NPM and PyPI are the paper's 2022 counts; fresh counts were not fetched "
        "(`ptm fetch-downloads` adds them when online)."
    )
    if len(paper_hub) and len(snapshot):
        ratio = float(snapshot["total"].iloc[0]) / float(paper_hub["total"].iloc[0])
        lines += [
            "",
            f"Reading: the snapshot's top 100 models total {int(snapshot['total'].iloc[0]):,} "
            f"downloads a month, {ratio:.2g}x the paper's Hub top 100 "
            f"({int(paper_hub['total'].iloc[0]):,}). {registries} A sample snapshot's top 100 "
            "is not the Hub's top 100.",
        ]
    return [*lines, "", "![Figure 1](figure1.png)", ""]


_SERIES = [
    column("series", pa.string(), "registry and origin, e.g. `NPM (paper, 2022)`"),
    column("source", pa.string(), "paper artifact, this snapshot, or fetched from a registry"),
    column("date", pa.string(), "the month (or day) the counts describe"),
]
SCHEMAS = {
    "figure1": pa.schema(
        [
            *_SERIES,
            column("rank", pa.int64(), "1 = most downloaded"),
            column("monthly_downloads", pa.int64(), "downloads per month"),
        ]
    ),
    "figure1_summary": pa.schema(
        [
            *_SERIES,
            column("packages", pa.int64(), "packages in the series (at most 100)"),
            column("total", pa.int64(), "their downloads per month, summed"),
            column("median", pa.float64(), "median downloads per month"),
            column("max", pa.int64(), "most downloads per month"),
            column("min", pa.int64(), "fewest downloads per month"),
        ]
    ),
}


FIGURE = Figure(
    schemas=SCHEMAS,
    name="figure1",
    tables=("figure1", "figure1_summary"),
    compute=compute,
    section=section,
    definitions=(
        (
            "figure1.csv / figure1_summary.csv",
            "per series and rank: monthly downloads of the 100 "
            "most-downloaded packages (paper data: NPM, PyPI, Hub 2022; snapshot: `downloads`, "
            "last 30 days); summary per series: packages, total, median, max, min.",
        ),
    ),
    paper_key="figure_1",
    draw=draw,
    draw_inputs=("figure1",),
)
