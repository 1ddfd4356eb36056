"""`ptm report`: write report.md from the result tables and the snapshot's manifest."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from pipeline.arguments import add_results_argument, add_snapshot_argument
from pipeline.atomic import write_text_atomic
from pipeline.errors import PipelineError
from pipeline.plot.command import read_result_table
from pipeline.snapshot.reader import read_manifest


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `report` sub-command."""
    parser = subparsers.add_parser(
        "report",
        help="write report.md: measured numbers beside the paper's, with provenance",
        description=(
            "Read the result tables (figure7.csv, figure7_diagnostics.csv) and the snapshot's "
            "manifest.json, and write report.md into the results folder."
        ),
    )
    add_results_argument(parser, "folder holding the result tables; report.md is written there")
    add_snapshot_argument(parser, "snapshot folder the results were computed from (provenance)")
    parser.set_defaults(func=run)


def context_from_manifest(manifest: dict, diagnostics: dict[str, int]) -> dict:
    """Report context from a manifest, read leniently (missing keys become None).

    `data_recorded_at` (optional) is when the Hub data was recorded, for a replayed Hub."""
    tables = manifest.get("tables") if isinstance(manifest.get("tables"), dict) else {}
    return {
        "snapshot_id": manifest.get("snapshot_id"),
        "snapshot_date": _date_of(manifest.get("finished_at"))
        or _date_of(manifest.get("snapshot_id")),
        "data_date": _date_range_of(manifest.get("data_recorded_at")),
        "endpoint": manifest.get("endpoint"),
        "population": _rows(tables, "models"),
        "errors": _rows(tables, "errors"),
        "diagnostics": diagnostics,
    }


def read_diagnostics(path: Path) -> dict[str, int]:
    """`measure -> count` from figure7_diagnostics.csv; empty when missing or malformed."""
    if not path.is_file():
        return {}
    try:
        table = pd.read_csv(path)
        return {str(m): int(c) for m, c in zip(table["measure"], table["count"], strict=True)}
    except (OSError, ValueError, KeyError):
        return {}


def write_report(snapshot: Path, results: Path) -> Path:
    """Render `<results>/report.md` from the result tables and the snapshot's manifest."""
    from pipeline.report.markdown import render_report

    results = Path(results)
    figure7 = read_result_table(results / "figure7.csv")
    missing = {"task", "models_with_claims", "models"} - set(figure7.columns)
    if missing:
        raise PipelineError(f"{results / 'figure7.csv'}: missing column(s) {sorted(missing)}")
    diagnostics = read_diagnostics(results / "figure7_diagnostics.csv")
    context = context_from_manifest(read_manifest(Path(snapshot)), diagnostics)
    target = results / "report.md"
    write_text_atomic(target, render_report(figure7, context))
    return target


def run(args: argparse.Namespace) -> int:
    """`ptm report`: write report.md and print its path."""
    print(write_report(Path(args.snapshot), Path(args.results)))
    return 0


def _rows(tables: dict, name: str) -> int | None:
    entry = tables.get(name)
    rows = entry.get("rows") if isinstance(entry, dict) else None
    return rows if isinstance(rows, int) and not isinstance(rows, bool) else None


def _date_of(value: object) -> str | None:
    """The YYYY-MM-DD date of an ISO timestamp or a snapshot id like 2024-07-11T120000Z."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return pd.Timestamp(value[:10]).date().isoformat()
    except ValueError:
        return None


def _date_range_of(value: object) -> str | None:
    """`2024-07-09` or, for data recorded over several days, `2024-07-09..2024-07-11`."""
    if not isinstance(value, str):
        return None
    dates = [d for d in (_date_of(part) for part in value.split("..")) if d]
    return "..".join(dict.fromkeys(dates)) or None
