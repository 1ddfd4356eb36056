"""`ptm plot`: draw the figures from the result tables written by `ptm analyze`."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.cli.arguments import add_results_argument
from pipeline.errors import PipelineError
from pipeline.figures import FIGURES
from pipeline.results import read_json_object, read_result_table


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `plot` sub-command."""
    parser = subparsers.add_parser(
        "plot",
        help="draw the figures from the result tables (PNG and PDF)",
        description=(
            "Read the result tables written by `ptm analyze` and draw each figure ("
            + "; ".join(
                f"{figure.name} from {' + '.join(f'{t}.csv' for t in figure.draw_inputs)}"
                + (", required" if figure.required else ", when present")
                for figure in FIGURES
                if figure.draw is not None
            )
            + ") as .png and .pdf beside them, with the paper's values for comparison."
        ),
    )
    add_results_argument(parser, "folder holding the result tables; figures are written there")
    parser.set_defaults(func=run)


def plot_results(results: Path) -> list[Path]:
    """Draw every figure of `pipeline.figures` whose result tables are in `results` (a
    required one, Figure 7, fails when they are missing); the paths written."""
    from pipeline.plot.save import save_figure

    results = Path(results)
    suffix = figure_suffix(results)
    written: list[Path] = []
    for figure in sorted(FIGURES, key=lambda figure: not figure.required):  # required first
        if figure.draw is None:
            continue
        paths = [results / f"{name}.csv" for name in figure.draw_inputs]
        if not figure.required and not all(path.is_file() for path in paths):
            continue
        tables = {path.stem: read_result_table(path) for path in paths}
        try:
            drawn = figure.draw(tables, suffix)
        except ValueError as error:
            raise PipelineError(f"{paths[0]}: {error}") from error
        written += save_figure(drawn, results, figure.name)
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
