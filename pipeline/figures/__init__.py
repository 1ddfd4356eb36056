"""The figures and tables of the report: one module each, registered here in report order.

Each module (e.g. `pipeline/figures/figure7.py`) holds one `Figure`: how to compute its
result tables from the snapshot's one-pass `Scan`, how to draw it, its report section and
definitions, and its key in the paper's reference numbers. `ptm analyze`, `ptm plot` and
`ptm report` loop over `FIGURES`; adding a figure is one new module plus one line in
`MODULES` below.
"""

from __future__ import annotations

import importlib

from pipeline.analyze.run import Analysis, Scan, scan_source
from pipeline.analyze.source import BATCH_ROWS, Source
from pipeline.figures.spec import Figure, Tables

# The registry: one line per figure or table (a module of this package), in report order.
MODULES: tuple[str, ...] = (
    "figure1",
    "figure6",
    "figure7",
    "table4",
    "coverage",
    "documentation",
    "data_quality",
    "lineage",
)
FIGURES: tuple[Figure, ...] = tuple(
    importlib.import_module(f"{__name__}.{module}").FIGURE for module in MODULES
)

__all__ = ["FIGURES", "Figure", "Tables", "analyze_source", "compute_tables", "report_sections"]


def result_tables() -> tuple[str, ...]:
    """Every result table the figures write (`<name>.csv`), in report order."""
    return tuple(name for figure in FIGURES for name in figure.tables)


def compute_tables(scan: Scan) -> dict:
    """Every figure's result tables from one scan, in report order."""
    tables = {}
    for figure in FIGURES:
        tables.update(figure.compute(scan))
    return tables


def analyze_source(
    source: Source,
    paper: dict | None = None,
    batch_rows: int = BATCH_ROWS,
    with_figure1: bool = True,
) -> Analysis:
    """Every result table of the snapshot behind `source`, the per-model coverage and the
    report context."""
    scan = scan_source(source, paper, batch_rows, with_figure1)
    return Analysis(tables=compute_tables(scan), per_model=scan.per_model, context=scan.context())


def report_sections(tables: Tables, context: dict, paper: dict) -> list[str]:
    """The report's figure and table sections (Markdown lines), in registry order."""
    return [line for figure in FIGURES for line in figure.section(tables, context, paper)]


def definitions() -> list[tuple[str, str]]:
    """(file names, meaning) of every result table, in registry order."""
    return [entry for figure in FIGURES for entry in figure.definitions]
