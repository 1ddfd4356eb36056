"""`ptm analyze`: compute the result tables of a snapshot and write them as CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from pipeline.analyze.figure7 import (
    assess_models,
    diagnostics_from_assessment,
    figure7_from_assessment,
)
from pipeline.arguments import add_results_argument, add_snapshot_argument
from pipeline.atomic import write_text_atomic
from pipeline.errors import PipelineError, SnapshotError

MODELS_COLUMNS = ["id", "pipeline_tag", "tags", "card_data", "model_index"]


def run_analyze(models: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Named result tables for a `models` table: `figure7` and `figure7_diagnostics`
    (columns `measure`, `count`)."""
    assessed = assess_models(models)
    diagnostics = diagnostics_from_assessment(assessed)
    return {
        "figure7": figure7_from_assessment(assessed),
        "figure7_diagnostics": pd.DataFrame(
            {"measure": list(diagnostics), "count": list(diagnostics.values())}
        ),
    }


def write_results(tables: dict[str, pd.DataFrame], results_dir: Path) -> list[Path]:
    """Write each table as `<results_dir>/<name>.csv` (temp file, then rename)."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        target = results_dir / f"{name}.csv"
        write_text_atomic(target, table.to_csv(index=False))
        written.append(target)
    return written


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `analyze` sub-command."""
    parser = subparsers.add_parser(
        "analyze",
        help="compute the paper's result tables (Figure 7) from a snapshot",
        description=(
            "Read the `models` table of a snapshot and write the result tables as CSV: "
            "figure7.csv (per task: models with machine-parseable claims / models) and "
            "figure7_diagnostics.csv (how each model's claim was decided)."
        ),
    )
    add_snapshot_argument(parser, "snapshot folder to read")
    add_results_argument(parser, "folder for the result tables")
    parser.set_defaults(func=run)


def analyze_snapshot(snapshot: Path, results: Path) -> list[Path]:
    """Read a snapshot's models, compute the result tables and write them; the paths."""
    from pipeline.snapshot.reader import read_models

    models = read_models(Path(snapshot), columns=MODELS_COLUMNS)
    try:
        tables = run_analyze(models)
    except ValueError as error:
        raise SnapshotError(f"{snapshot}: {error}") from error
    try:
        return write_results(tables, Path(results))
    except OSError as error:
        raise PipelineError(f"cannot write results to {results}: {error}") from error


def run(args: argparse.Namespace) -> int:
    """`ptm analyze`: analyze the snapshot and print the written paths."""
    for path in analyze_snapshot(Path(args.snapshot), Path(args.results)):
        print(path)
    return 0
