"""`ptm analyze`: compute the result tables of a snapshot and write them as CSV.

Written into the results folder: the tables of every figure of `pipeline.figures` (one module
per figure or table, which documents them), `attribute_coverage_models.parquet` (one row per
model) and `analysis.json` (population, measured tables, evidence sources, for the report).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from pipeline.analyze.figure7 import check_models_columns
from pipeline.analyze.population import POPULATIONS, check_population, paper_ids
from pipeline.atomic import write_json_atomic
from pipeline.cli.arguments import add_results_argument, add_snapshot_argument
from pipeline.errors import PipelineError, SnapshotError
from pipeline.figures import FIGURES, analyze_source
from pipeline.results import write_parquet, write_results

MODELS_COLUMNS = ["id", "pipeline_tag", "tags", "card_data", "model_index"]
ANALYSIS_FILE = "analysis.json"
PER_MODEL_FILE = "attribute_coverage_models.parquet"


def run_analyze(models: pd.DataFrame, with_figure1: bool = False) -> dict[str, pd.DataFrame]:
    """Named result tables for an in-memory `models` table (no other table crawled).

    `figure7` and `figure7_diagnostics` (columns `measure`, `count`) are always there; the
    other analyses need only the columns they read and count missing ones as unknown."""
    from pipeline.analyze.source import MemorySource

    check_models_columns(models)
    source = MemorySource(Path("."), {}, None, {"models": models})
    return analyze_source(source, with_figure1=with_figure1).tables


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `analyze` sub-command."""
    parser = subparsers.add_parser(
        "analyze",
        help="compute the paper's result tables (Figures 1, 6, 7, Table IV, coverage, "
        "documentation) from a snapshot",
        description=(
            "Read a snapshot and write the result tables as CSV into the results folder: "
            + ", ".join(name for figure in FIGURES for name in figure.tables)
            + "; plus analysis.json (population and measured tables)."
        ),
    )
    add_snapshot_argument(parser, "snapshot folder to read")
    add_results_argument(parser, "folder for the result tables")
    add_population_argument(parser)
    parser.set_defaults(func=run)


def add_population_argument(parser: argparse.ArgumentParser) -> None:
    """`--population {all,paper}`."""
    parser.add_argument(
        "--population",
        choices=POPULATIONS,
        default="all",
        help="all: every model of the snapshot; paper: only the models of the paper's "
        "2022-08-15 list (like-for-like comparison) (default: all)",
    )


def analyze_snapshot(snapshot: Path, results: Path, population: str = "all") -> list[Path]:
    """Read a snapshot, compute every result table and write them; the paths written."""
    from pipeline.analyze.source import open_snapshot

    try:
        population = check_population(population)
    except ValueError as error:
        raise PipelineError(str(error)) from error
    ids = paper_ids() if population == "paper" else None
    match = _paper_match(Path(snapshot), ids) if ids is not None else None
    source = open_snapshot(Path(snapshot), None if match is None else match.population)
    try:
        analysis = analyze_source(source)
    except ValueError as error:
        raise SnapshotError(f"{snapshot}: {error}") from error
    context = {
        **analysis.context,
        "population": population,
        "snapshot": str(snapshot),
        "snapshot_models": source.rows("models"),
        "paper_ids": None if ids is None else len(ids),
        "paper_ids_found": analysis.context["models"] if ids is not None else None,
        "paper_ids_as_written": None if match is None else match.as_written,
        "paper_ids_via_rename": None if match is None else match.via_rename,
        "paper_ids_not_found": None if match is None else match.not_found,
    }
    results = Path(results)
    fetched = _registry_downloads(results)
    if fetched is not None and "figure1" in analysis.tables:
        from pipeline.analyze.figure1 import figure1_summary, with_fetched_series

        analysis.tables["figure1"] = with_fetched_series(analysis.tables["figure1"], fetched)
        analysis.tables["figure1_summary"] = figure1_summary(analysis.tables["figure1"])
    try:
        written = write_results(analysis.tables, results)
        written.append(write_parquet(analysis.per_model, results / PER_MODEL_FILE))
        write_json_atomic(results / ANALYSIS_FILE, context)
        written.append(results / ANALYSIS_FILE)
    except OSError as error:
        raise PipelineError(f"cannot write results to {results}: {error}") from error
    return written


def _paper_match(snapshot: Path, ids: list[str]):
    """The paper's ids matched as written or through the snapshot's resolved renames."""
    from pipeline.analyze.names import match_paper_ids, name_maps
    from pipeline.analyze.source import open_snapshot

    whole = open_snapshot(snapshot)
    listed = set(whole.read("models", ["id"])["id"])
    return match_paper_ids(ids, listed, name_maps(whole).models)


def run(args: argparse.Namespace) -> int:
    """`ptm analyze`: analyze the snapshot and print the written paths."""
    population = getattr(args, "population", "all")
    for path in analyze_snapshot(Path(args.snapshot), Path(args.results), population):
        print(path)
    return 0


def _registry_downloads(results: Path) -> pd.DataFrame | None:
    """NPM/PyPI counts fetched by `ptm fetch-downloads` into `results`, if any."""
    from pipeline.analyze.figure1 import read_registry_downloads

    try:
        return read_registry_downloads(results)
    except ValueError as error:
        raise PipelineError(str(error)) from error
