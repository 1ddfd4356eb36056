"""`ptm report`: write report.md from the result tables and the snapshot's manifest."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from pipeline.atomic import write_text_atomic
from pipeline.cli.arguments import add_results_argument, add_snapshot_argument
from pipeline.errors import PipelineError
from pipeline.figures import result_tables
from pipeline.results import read_json_object, read_result_table
from pipeline.snapshot.reader import read_manifest


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `report` sub-command."""
    parser = subparsers.add_parser(
        "report",
        help="write report.md and report.html: measured numbers beside the paper's",
        description=(
            "Read the result tables written by `ptm analyze` (figure7.csv is required; the "
            "others are reported when present) and the snapshot's manifest.json, and write "
            "report.md and a self-contained report.html (figures embedded) into the results "
            "folder."
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


def write_report(snapshot: Path, results: Path, extra_sections: list[str] | None = None) -> Path:
    """Render `<results>/report.md` and `<results>/report.html` from the result tables and
    the snapshot's manifest; returns the Markdown path. `extra_sections` (Markdown strings)
    are appended, e.g. a claims/discrepancy section built elsewhere."""
    from pipeline.report.html import markdown_to_html
    from pipeline.report.markdown import render_report

    results = Path(results)
    figure7 = read_result_table(results / "figure7.csv")
    missing = {"task", "models_with_claims", "models"} - set(figure7.columns)
    if missing:
        raise PipelineError(f"{results / 'figure7.csv'}: missing column(s) {sorted(missing)}")
    diagnostics = read_diagnostics(results / "figure7_diagnostics.csv")
    context = context_from_manifest(read_manifest(Path(snapshot)), diagnostics)
    context["analysis"] = read_analysis(results / "analysis.json")
    tables = {}
    for name in result_tables():
        path = results / f"{name}.csv"
        if path.is_file():
            tables[name] = read_result_table(path)
    from pipeline.claims.report import discrepancy_section_from_results

    sections = list(extra_sections or [])
    discrepancy = discrepancy_section_from_results(results)
    if discrepancy and discrepancy not in sections:
        sections.append(discrepancy)
    text = render_report(figure7, context, tables=tables, extra_sections=sections)
    target = results / "report.md"
    write_text_atomic(target, text)
    page = markdown_to_html(text, images=results, title="PTM reuse on the Hugging Face Hub")
    write_text_atomic(results / "report.html", page)
    return target


def read_analysis(path: Path) -> dict:
    """analysis.json written by `ptm analyze` (population, measured tables); {} if absent."""
    return read_json_object(path)


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
