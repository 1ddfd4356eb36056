"""`ptm report`: write report.md from the result tables and the snapshot's manifest."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from pipeline.analyze.command import write_text_atomic
from pipeline.errors import PipelineError, SnapshotError
from pipeline.plot.command import read_result_table


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
    parser.add_argument(
        "--results",
        type=Path,
        default=Path("results"),
        metavar="DIR",
        help="folder holding the result tables; report.md is written there (default: results/)",
    )
    parser.add_argument(
        "--snapshot",
        type=Path,
        required=True,
        metavar="DIR",
        help="snapshot folder the results were computed from (for provenance)",
    )
    parser.set_defaults(func=run)


def read_manifest(snapshot_dir: Path) -> dict:
    """The snapshot's manifest.json; `SnapshotError` naming the path when absent or invalid."""
    path = Path(snapshot_dir) / "manifest.json"
    if not path.is_file():
        raise SnapshotError(f"{path}: no manifest (snapshot missing or incomplete)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SnapshotError(f"{path}: unreadable manifest: {error}") from error
    if not isinstance(manifest, dict):
        raise SnapshotError(f"{path}: manifest is not a JSON object")
    return manifest


def context_from_manifest(manifest: dict, diagnostics: dict[str, int]) -> dict:
    """Report context from a manifest, read leniently (missing keys become None).

    `data_recorded_at` (optional) is when the Hub data was recorded, for a replayed Hub."""
    tables = manifest.get("tables") if isinstance(manifest.get("tables"), dict) else {}
    return {
        "snapshot_id": manifest.get("snapshot_id"),
        "snapshot_date": _date_of(manifest.get("finished_at"))
        or _date_of(manifest.get("snapshot_id")),
        "data_date": _date_of(manifest.get("data_recorded_at")),
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
