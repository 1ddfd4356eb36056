"""Data quality: per field the analyses read, how many models lack a usable value, and how
such a value is counted (always as unknown, never as an error). Not in the paper."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from pipeline.analyze.run import Scan, data_quality, unusable_value_rows
from pipeline.dictionary import column
from pipeline.figures.spec import Figure, Tables


def compute(scan: Scan) -> dict[str, pd.DataFrame]:
    """`data_quality`: one row per field, then the values the crawl could not store."""
    missing = data_quality(scan.models, scan.diagnostics())
    unusable = unusable_value_rows(scan.source)
    return {"data_quality": pd.concat([missing, unusable], ignore_index=True)}


def section(tables: Tables, context: dict, paper: dict) -> list[str]:
    """The missing or unusable fields and how they were counted."""
    quality = tables.get("data_quality")
    lines = ["## Missing or unusable fields", ""]
    if quality is None or quality.empty:
        return [*lines, "No data-quality table (data_quality.csv missing).", ""]
    lines += [
        "Bad or missing values never stop an analysis: they count as unknown as follows.",
        "",
        "| field | models | treated as |",
        "|---|---|---|",
    ]
    for row in quality.itertuples():
        lines.append(f"| {row.field} | {int(row.models_missing):,} | {row.treated_as} |")
    return [*lines, ""]


SCHEMAS = {
    "data_quality": pa.schema(
        [
            column("field", pa.string(), "a field the analyses read"),
            column("models_missing", pa.int64(), "models without a usable value"),
            column("treated_as", pa.string(), "how such a model is counted"),
        ]
    ),
}


FIGURE = Figure(
    schemas=SCHEMAS,
    name="data_quality",
    tables=("data_quality",),
    compute=compute,
    section=section,
    definitions=(
        (
            "data_quality.csv",
            "per field: models whose value is missing or unusable, and how it is counted.",
        ),
    ),
)
