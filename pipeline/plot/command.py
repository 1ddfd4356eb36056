"""`ptm plot`: draw the figures from the result tables written by `ptm analyze`."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from pipeline.arguments import add_results_argument
from pipeline.errors import PipelineError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `plot` sub-command."""
    parser = subparsers.add_parser(
        "plot",
        help="draw Figure 7 from the result tables (figure7.csv -> figure7.png/.pdf)",
        description=(
            "Read figure7.csv from the results folder (written by `ptm analyze`) and write "
            "figure7.png and figure7.pdf beside it, with the paper's values for comparison."
        ),
    )
    add_results_argument(parser, "folder holding figure7.csv; figures are written there")
    parser.set_defaults(func=run)


def read_result_table(path: Path) -> pd.DataFrame:
    """Read a result CSV; `PipelineError` naming the path when missing or unreadable."""
    if not path.is_file():
        raise PipelineError(f"{path}: result table not found (run `ptm analyze` first)")
    try:
        return pd.read_csv(path)
    except (OSError, ValueError) as error:
        raise PipelineError(f"{path}: cannot read result table: {error}") from error


def plot_results(results: Path) -> list[Path]:
    """Draw Figure 7 from `<results>/figure7.csv` into figure7.png/.pdf; the paths."""
    from pipeline.plot.figure7 import plot_figure7
    from pipeline.plot.save import save_figure

    results = Path(results)
    source = results / "figure7.csv"
    table = read_result_table(source)
    try:
        figure = plot_figure7(table)
    except ValueError as error:
        raise PipelineError(f"{source}: {error}") from error
    return save_figure(figure, results, "figure7")


def run(args: argparse.Namespace) -> int:
    """`ptm plot`: draw the figures and print the written paths."""
    for path in plot_results(Path(args.results)):
        print(path)
    return 0
