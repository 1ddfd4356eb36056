"""`ptm plot`: draw the figures from the result tables written by `ptm analyze`."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.cli.arguments import add_results_argument
from pipeline.errors import PipelineError
from pipeline.results import read_json_object, read_result_table


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `plot` sub-command."""
    parser = subparsers.add_parser(
        "plot",
        help="draw Figures 1, 6 and 7 from the result tables (PNG and PDF)",
        description=(
            "Read the result tables written by `ptm analyze` (figure7.csv, and when present "
            "figure6_datasets.csv + figure6_architectures.csv and figure1.csv) and write "
            "figure7, figure6 and figure1 as .png and .pdf beside them, with the paper's "
            "values for comparison."
        ),
    )
    add_results_argument(parser, "folder holding the result tables; figures are written there")
    parser.set_defaults(func=run)


def plot_results(results: Path) -> list[Path]:
    """Draw Figure 7 from `<results>/figure7.csv` (required), Figure 6 from the two
    figure6 tables and Figure 1 from figure1.csv (each when present); the paths."""
    from pipeline.plot.figure7 import plot_figure7
    from pipeline.plot.save import save_figure

    results = Path(results)
    source = results / "figure7.csv"
    table = read_result_table(source)
    suffix = figure_suffix(results)
    try:
        figure = plot_figure7(table, suffix)
    except ValueError as error:
        raise PipelineError(f"{source}: {error}") from error
    written = save_figure(figure, results, "figure7")
    datasets, architectures = (
        results / "figure6_datasets.csv",
        results / "figure6_architectures.csv",
    )
    if datasets.is_file() and architectures.is_file():
        from pipeline.plot.figure6 import plot_figure6

        try:
            figure = plot_figure6(
                read_result_table(datasets), read_result_table(architectures), suffix
            )
        except ValueError as error:
            raise PipelineError(f"{datasets}: {error}") from error
        written += save_figure(figure, results, "figure6")
    downloads = results / "figure1.csv"
    if downloads.is_file():
        from pipeline.plot.figure1 import plot_figure1

        try:
            figure = plot_figure1(read_result_table(downloads), suffix)
        except ValueError as error:
            raise PipelineError(f"{downloads}: {error}") from error
        written += save_figure(figure, results, "figure1")
    return written


def figure_suffix(results: Path) -> str:
    """ "population ..., snapshot ..." from analysis.json, or "" when it is absent."""
    context = read_json_object(Path(results) / "analysis.json")
    population = context.get("population")
    models = context.get("models")
    parts = []
    if population == "paper":
        parts.append("population: the paper's 2022-08-15 models")
    if isinstance(models, int):
        parts.append(f"{models:,} models")
    snapshot = context.get("snapshot")
    if isinstance(snapshot, str):
        parts.append(f"snapshot {Path(snapshot).name}")
    return ", ".join(parts)


def run(args: argparse.Namespace) -> int:
    """`ptm plot`: draw the figures and print the written paths."""
    for path in plot_results(Path(args.results)):
        print(path)
    return 0
