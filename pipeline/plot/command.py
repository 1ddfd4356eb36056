"""`ptm plot`: draw the figures from the result tables written by `ptm analyze`."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

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
    parser.add_argument(
        "--results",
        type=Path,
        default=Path("results"),
        metavar="DIR",
        help="folder holding figure7.csv; figures are written there (default: results/)",
    )
    parser.set_defaults(func=run)


def read_result_table(path: Path) -> pd.DataFrame:
    """Read a result CSV; `PipelineError` naming the path when missing or unreadable."""
    if not path.is_file():
        raise PipelineError(f"{path}: result table not found (run `ptm analyze` first)")
    try:
        return pd.read_csv(path)
    except (OSError, ValueError) as error:
        raise PipelineError(f"{path}: cannot read result table: {error}") from error


def run(args: argparse.Namespace) -> int:
    """Draw Figure 7 from `<results>/figure7.csv` and print the written paths."""
    from pipeline.plot.figure7 import plot_figure7
    from pipeline.plot.save import save_figure

    results = Path(args.results)
    source = results / "figure7.csv"
    table = read_result_table(source)
    try:
        figure = plot_figure7(table)
    except ValueError as error:
        raise PipelineError(f"{source}: {error}") from error
    for path in save_figure(figure, results, "figure7"):
        print(path)
    return 0
